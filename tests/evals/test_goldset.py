"""The shipped gold set is valid and its quotes really are in the corpus (fast, no model)."""

import json
from collections import Counter
from pathlib import Path

import pytest

from evals.goldset import (
    DEFAULT_SET,
    GoldSetError,
    load_goldset,
    normalise_whitespace,
    select_split,
)

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
DOCS = sorted(p.name for p in CORPUS.glob("*.txt"))


@pytest.fixture(scope="module")
def gold() -> list:
    return load_goldset(DEFAULT_SET)


@pytest.fixture(scope="module")
def corpus_texts() -> dict[str, str]:
    return {name: normalise_whitespace((CORPUS / name).read_text("utf-8")) for name in DOCS}


def test_every_quote_is_in_its_corpus_file(gold: list, corpus_texts: dict[str, str]) -> None:
    missing = []
    for q in gold:
        if q.doc is None:
            continue
        assert q.doc in corpus_texts, f"{q.id}: unknown doc {q.doc}"
        text = corpus_texts[q.doc]
        missing += [
            f"{q.id}: {quote!r}" for quote in q.quotes if normalise_whitespace(quote) not in text
        ]
    assert not missing, "quotes not found verbatim in their corpus file:\n" + "\n".join(missing)


def test_every_fact_is_in_a_quote(gold: list) -> None:
    missing = [
        f"{q.id}: {fact!r}"
        for q in gold
        for fact in q.facts
        if q.answerable and not any(fact.lower() in quote.lower() for quote in q.quotes)
    ]
    assert not missing, "facts that occur in none of the quotes:\n" + "\n".join(missing)


def test_ids_unique(gold: list) -> None:
    duplicates = [qid for qid, n in Counter(q.id for q in gold).items() if n > 1]
    assert not duplicates


def test_size(gold: list) -> None:
    assert sum(q.answerable for q in gold) >= 150
    assert sum(not q.answerable for q in gold) >= 20


def test_all_documents_covered(gold: list) -> None:
    assert len(DOCS) == 5
    covered = {q.doc for q in gold if q.answerable}
    assert covered >= set(DOCS), f"not covered: {set(DOCS) - covered}"
    per_doc = Counter(q.doc for q in gold if q.answerable)
    assert min(per_doc[d] for d in DOCS) >= 10


def test_language_share(gold: list) -> None:
    share_en = sum(q.language == "en" for q in gold) / len(gold)
    assert 0.2 <= share_en <= 0.5, f"English share {share_en:.2f}"
    unanswerable = [q for q in gold if not q.answerable]
    assert {q.language for q in unanswerable} == {"nl", "en"}


# --- validation of the loader ------------------------------------------------------------------

GOOD = {
    "id": "x1",
    "question": "Wat?",
    "language": "nl",
    "answerable": True,
    "doc": "a.txt",
    "quotes": ["iets"],
    "facts": ["iets"],
    "category": "c",
    "style": "question",
}


def _write(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_loads_a_valid_set(tmp_path: Path) -> None:
    unanswerable = GOOD | {"id": "x2", "answerable": False, "doc": None, "quotes": [], "facts": []}
    questions = load_goldset(_write(tmp_path, GOOD, "", unanswerable))
    assert [q.id for q in questions] == ["x1", "x2"]
    assert questions[0].quotes == ("iets",)
    assert questions[1].line == 3
    assert [q.split for q in questions] == ["dev", "dev"]  # no split: dev


def test_select_split(tmp_path: Path) -> None:
    questions = load_goldset(_write(tmp_path, GOOD, GOOD | {"id": "x2", "split": "test"}))
    assert [q.id for q in select_split(questions, "test")] == ["x2"]
    assert [q.id for q in select_split(questions, "dev")] == ["x1"]
    assert len(select_split(questions, "all")) == len(select_split(questions, None)) == 2
    with pytest.raises(ValueError, match="unknown split"):
        select_split(questions, "train")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ({k: v for k, v in GOOD.items() if k != "question"}, "missing field 'question'"),
        (GOOD | {"language": "de"}, "'language' must be one of"),
        (GOOD | {"answerable": "yes"}, "'answerable' must be true or false"),
        (GOOD | {"quotes": []}, "needs at least one quote"),
        (GOOD | {"quotes": ["ok", ""]}, "'quotes' must be a list of non-empty strings"),
        (GOOD | {"doc": None}, "needs 'doc'"),
        (GOOD | {"category": 3}, "'category' must be a string"),
        (GOOD | {"split": "train"}, "'split' must be one of"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, row: object, message: str) -> None:
    path = _write(tmp_path, GOOD | {"id": "ok"}, row)
    with pytest.raises(GoldSetError, match=message) as error:
        load_goldset(path)
    assert f"{path}:2:" in str(error.value)


def test_duplicate_ids(tmp_path: Path) -> None:
    with pytest.raises(GoldSetError, match="duplicate id 'x1' \\(first on line 1\\)"):
        load_goldset(_write(tmp_path, GOOD, GOOD))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GoldSetError, match="cannot read"):
        load_goldset(tmp_path / "nope.jsonl")
