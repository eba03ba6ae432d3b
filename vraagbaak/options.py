"""Command-line options every command group shares, and the settings they override."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from vraagbaak.settings import Settings

CorpusOption = Annotated[
    Path | None, typer.Option("--corpus", help="Corpus folder (default: corpus/)")
]
EvalCorpusOption = Annotated[
    str | None,
    typer.Option(
        "--corpus",
        help="An evaluation corpus by name (a, b: evals/corpora.toml), which picks its gold set "
        "and documents; or a corpus folder (default: corpus/)",
    ),
]
DataOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Index and databases (default: .vraagbaak/)")
]
EmbedderOption = Annotated[
    str | None,
    typer.Option(
        "--embedder", help="'e5-small-q4' (bundled, default) or 'sentence-transformers:<model>'"
    ),
]


def settings_from(
    corpus: Path | None = None, data_dir: Path | None = None, embedder: str | None = None
) -> Settings:
    """Settings from the environment, with the options given on the command line on top."""
    overrides: dict[str, object] = {}
    if corpus is not None:
        overrides["corpus_dir"] = corpus
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if embedder is not None:
        overrides["embedder"] = embedder
    return Settings(**overrides)  # type: ignore[arg-type]


def command(*words: object, data_dir: Path | None = None) -> str:
    """A command to print as a hint that works when pasted: every word shell-quoted (set
    names and questions have spaces), with the ``--data-dir`` the user gave."""
    parts = [str(word) for word in words]
    if data_dir is not None:
        parts += ["--data-dir", str(data_dir)]
    return shlex.join(parts)
