"""The evaluation corpora by name (evals/corpora.toml): each names its documents and gold set."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

REGISTRY = Path(__file__).resolve().parent / "corpora.toml"
DEFAULT_CORPUS = "a"  # the corpus whose gold set `eval run` uses when none is named


class RegistryError(ValueError):
    """A corpora file that cannot be used, or a name it does not hold."""


@dataclass(frozen=True)
class EvalCorpus:
    name: str
    docs: Path  # the documents to ingest
    gold: Path  # the gold set (JSONL)
    description: str = ""


def load_corpora(path: Path | str | None = None) -> dict[str, EvalCorpus]:
    """Every corpus in the registry (default evals/corpora.toml); relative paths are taken
    from the repository root (the folder above the registry's own folder)."""
    path = Path(path or REGISTRY)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RegistryError(f"{path}: {exc}") from exc
    root = path.resolve().parent.parent
    corpora = {}
    for name, table in data.items():
        if not isinstance(table, dict) or not all(
            isinstance(table.get(key), str) and table[key] for key in ("docs", "gold")
        ):
            raise RegistryError(f'{path}: [{name}] needs docs = "FOLDER" and gold = "FILE"')
        corpora[name] = EvalCorpus(
            name=name,
            docs=root / table["docs"],
            gold=root / table["gold"],
            description=str(table.get("description", "")),
        )
    return corpora


def find_corpus(name: str, path: Path | str | None = None) -> EvalCorpus | None:
    """The registered corpus called ``name``, or None when there is none by that name."""
    return load_corpora(path).get(name)
