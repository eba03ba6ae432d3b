from pathlib import Path

import pytest

from evals.goldset import DEFAULT_SET
from evals.registry import REGISTRY, RegistryError, find_corpus, load_corpora

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_registry_names_both_corpora() -> None:
    corpora = load_corpora()
    assert set(corpora) >= {"a", "b"}
    assert corpora["a"].docs == ROOT / "corpus"
    assert corpora["a"].gold == DEFAULT_SET
    assert corpora["b"].docs == ROOT / "evals" / "corpora" / "b" / "docs"
    assert corpora["b"].gold == ROOT / "evals" / "corpora" / "b" / "gold.jsonl"
    assert all(c.docs.is_dir() for c in corpora.values())
    assert find_corpus("b") == corpora["b"]
    assert find_corpus("corpus") is None  # a folder name is not a registered corpus


def test_paths_are_relative_to_the_repository(tmp_path: Path) -> None:
    (tmp_path / "evals").mkdir()
    registry = tmp_path / "evals" / "corpora.toml"
    registry.write_text('[x]\ndocs = "d"\ngold = "g.jsonl"\ndescription = "test"\n')
    corpus = find_corpus("x", registry)
    assert corpus is not None
    assert (corpus.docs, corpus.gold, corpus.description) == (
        tmp_path / "d",
        tmp_path / "g.jsonl",
        "test",
    )


@pytest.mark.parametrize("text", ['[x]\ndocs = "d"\n', "[x\n", 'x = "y"\n'])
def test_bad_registry(tmp_path: Path, text: str) -> None:
    registry = tmp_path / "corpora.toml"
    registry.write_text(text)
    with pytest.raises(RegistryError, match=str(registry)):
        load_corpora(registry)


def test_registry_file_is_beside_the_code() -> None:
    assert REGISTRY.parent == ROOT / "evals"
