from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evals.goldset import load_goldset, quote_matches
from ingest.index import Index
from service.faq.drafting import approve, make_citation
from service.faq.exchange import FaqImportError, export_set, import_entries, parse_import
from service.faq.store import FaqStore, NewEntry

REGIE = "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren."
JONGEREN = "In 2018 kozen 45 jongeren een JIM binnen het traject."


@pytest.fixture
def filled(store: FaqStore, index: Index) -> FaqStore:
    store.create_set("Training JIM", "Voor nieuwe collega's", "nl")
    regie = store.add_entry(
        "Training JIM",
        NewEntry(
            "Wie heeft de regie?",
            "SAVE MN [1].",
            (make_citation(index, index.chunks[0].id, REGIE),),
            notes="Gecheckt",
        ),
    )
    approve(store, "Training JIM", regie.id, "ann", index)
    cijfers = store.add_entry(
        "Training JIM",
        NewEntry(
            "Hoeveel jongeren kozen een JIM?",
            "45 jongeren [1].",
            (make_citation(index, index.chunks[2].id, JONGEREN),),
        ),
    )
    approve(store, "Training JIM", cijfers.id, "ann", index)
    store.add_entry("Training JIM", NewEntry('Een concept, vraag "met", komma\'s?', "Nog niet"))
    return store


def test_markdown_has_approved_entries_and_sources(filled: FaqStore) -> None:
    text = export_set(filled, "Training JIM", "md")
    assert text.startswith("# Training JIM\n\nVoor nieuwe collega's\n")
    assert "## Wie heeft de regie?\n\nSAVE MN [1].\n\n**Bronnen**" in text
    assert "1. *Evaluatie JIM-aanpak* — 1 Inleiding > Regie, p. 1: “SAVE MN was" in text
    assert "Een concept" not in text  # drafts are not published


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_round_trip(filled: FaqStore, fmt: str) -> None:
    text = export_set(filled, "Training JIM", fmt)
    filled.create_set("Kopie")
    result = import_entries(filled, "Kopie", text, f"faq.{fmt}")
    assert result.count == 3
    original = filled.entries("Training JIM")
    copied = filled.entries("Kopie")
    for a, b in zip(original, copied, strict=True):
        assert (a.question, a.answer, a.status, a.notes, a.citations) == (
            b.question,
            b.answer,
            b.status,
            b.notes,
            b.citations,
        )


def test_evalset_is_a_valid_gold_set(filled: FaqStore, index: Index, tmp_path: Path) -> None:
    path = tmp_path / "faq.jsonl"
    path.write_text(export_set(filled, "Training JIM", "evalset"), encoding="utf-8")
    questions = load_goldset(path)
    assert [q.id for q in questions] == ["faq-training-jim-1", "faq-training-jim-2"]
    first, second = questions
    assert first.answerable and first.language == "nl" and first.doc == "jim.txt"
    assert first.quotes == (REGIE,)
    assert first.facts[:3] == ("SAVE", "MN", "regiehouder")
    # Quantities with their unit, never a bare year or digit; "jongeren" was asked already.
    assert second.facts[0] == "45 jongeren"
    assert not any(re.fullmatch(r"\d+", fact) for q in questions for fact in q.facts)
    assert all(quote_matches(q.quotes[0], index.clean_texts["jim"]) for q in questions)


CSV_HEADER = "id,question,answer,status,notes,stale,stale_reason,citations\n"


@pytest.mark.parametrize(
    ("text", "filename", "message"),
    [
        (
            CSV_HEADER + "1,Goed?,Ja,draft,,0,,[]\n2,,Leeg,draft,,0,,[]\n",
            "x.csv",
            "x.csv: line 3: 'question' is missing",
        ),
        (
            CSV_HEADER + "1,Goed?,Ja,draft,,0,,[]\n2,Vraag?,Ja,klaar,,0,,[]\n",
            "x.csv",
            "x.csv: line 3: 'status' must be draft or approved",
        ),
        (
            CSV_HEADER + "1,Goed?,Ja,draft,,0,,[]\n\n2,Vraag?,Ja,approved,,0,,[]\n",
            "x.csv",
            "x.csv: line 4: an approved entry needs at least one citation",
        ),
        (
            CSV_HEADER + '1,Goed?,Ja,draft,,0,,"[{""chunk_id"": 1"\n',
            "x.csv",
            "x.csv: line 2: 'citations' is not a JSON list",
        ),
        ("vraag,antwoord\nA,B\n", "x.csv", "x.csv: line 1: the header has no 'question' column"),
        (
            '{"entries": [\n  {"question": "Goed?"},\n  {"question": "Fout?", "status": 3}\n]}',
            "x.json",
            "x.json: entries[1] (line 3): 'status' must be draft or approved",
        ),
        (
            '{"entries": [\n  {"question": "Goed?"},\n  {"question": "Fout?",}\n]}',
            "x.json",
            "x.json: line 3, column 24: not valid JSON",
        ),
        ('{"set": {}}', "x.json", "no 'entries' list"),
    ],
)
def test_malformed_import_names_the_line_and_stores_nothing(
    store: FaqStore, text: str, filename: str, message: str
) -> None:
    store.create_set("S")
    with pytest.raises(FaqImportError) as caught:
        import_entries(store, "S", text, filename)
    assert message in str(caught.value)
    assert store.entries("S") == []


def test_import_guesses_the_format() -> None:
    assert [e.question for e in parse_import('[{"question": "A?"}]')] == ["A?"]
    assert [e.question for e in parse_import("question\nB?\n")] == ["B?"]
    assert json.loads('{"entries": []}') == {"entries": []}
