from __future__ import annotations

from pathlib import Path

import pytest

from ingest.language import detect_language

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("who holds regie when SAVE is involved?", "en"),
        ("wie heeft de regie?", "nl"),
        ("JIM selection criteria", "en"),
        ("knelpunten samenwerking JGZ", "nl"),
        ("What does a gezinswerker do in the buurtteam?", "en"),
        ("Wat doet een gezinswerker in het buurtteam?", "nl"),
        ("How many families were supported in 2018?", "en"),
        ("Hoeveel gezinnen zijn er in 2018 ondersteund?", "nl"),
        ("referral to specialist care", "en"),
        ("verwijzing naar specialistische hulp", "nl"),
        ("Youké doubts generalist knowledge domestic violence", "en"),
    ],
)
def test_short_questions(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "JIM", "SAVE OTS JGZ", "12 34", "?!"])
def test_no_evidence_means_dutch(text: str) -> None:
    assert detect_language(text) == "nl"


def test_corpus_documents_are_dutch() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        assert detect_language(path.read_text(encoding="utf-8")) == "nl", path.name


def test_english_summary_is_english() -> None:
    summary = (
        "In a short time the field of Youth care experienced a significant change due to the "
        "introduction of the Youth law on January first of 2015."
    )
    assert detect_language(summary) == "en"
