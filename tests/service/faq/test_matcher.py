from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pytest

from ingest.embedders import Kind
from ingest.index import Index
from service.assistant import Assistant
from service.engine import Engine
from service.faq.drafting import approve, make_citation
from service.faq.matcher import FaqAnswerer, faq_answerer_for
from service.faq.store import FaqStore, NewEntry
from tests.fakes import HashingEmbedder
from tests.service.faq.conftest import REFUSAL

REGIE = "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren."
QUESTION = "Wie heeft de regie als SAVE MN vanaf het begin betrokken is?"


def _approved(store: FaqStore, index: Index, question: str = QUESTION) -> int:
    store.create_set("S", language="nl")
    citation = make_citation(index, index.chunks[0].id, REGIE)
    entry = store.add_entry("S", NewEntry(question, "SAVE MN heeft dan de regie [1].", (citation,)))
    return entry.id


def test_matches_only_approved_close_questions(
    store: FaqStore, index: Index, embedder: HashingEmbedder
) -> None:
    entry_id = _approved(store, index)
    faq = FaqAnswerer(store, embedder, index)
    assert faq.answer(QUESTION, "nl") is None  # still a draft
    approve(store, "S", entry_id, "ann", index)

    answer = faq.answer("wie heeft de regie, als SAVE MN vanaf het begin betrokken is", "nl")
    assert answer is not None
    assert answer.mode == "curated" and not answer.refused
    assert answer.answer == "SAVE MN heeft dan de regie [1]."
    assert answer.notes == ("Gecontroleerd door een trainer",)
    assert answer.checked_on == datetime.now(UTC).date().isoformat()  # the day ann approved it
    [citation] = answer.citations
    assert citation.text == index.chunks[0].text  # the current passage
    assert citation.text[citation.start : citation.end] == citation.quote == REGIE
    assert (citation.title, citation.source, citation.n) == ("Evaluatie JIM-aanpak", "jim.txt", 1)

    assert faq.answer("Hoe lang zijn de wachtlijsten?", "nl") is None
    assert faq.answer(QUESTION, "en") is None  # a Dutch set answers Dutch questions


def test_a_curated_answer_lists_only_the_sources_its_text_cites(
    store: FaqStore, index: Index, embedder: HashingEmbedder
) -> None:
    entry_id = _approved(store, index)
    extra = make_citation(index, index.chunks[0].id, index.chunks[0].text.split(".")[0])
    entry = store.get_entry("S", entry_id)
    store.update_entry(
        "S", entry_id, by="ann", citations=(extra, *entry.citations), answer="SAVE MN [2]."
    )
    approve(store, "S", entry_id, "ann", index)
    answer = FaqAnswerer(store, embedder, index).answer(QUESTION, "nl")
    assert answer is not None
    assert answer.answer == "SAVE MN [1]."  # [2] was the only one used: renumbered
    [citation] = answer.citations
    assert (citation.n, citation.quote) == (1, REGIE)


def test_numbers_must_agree(store: FaqStore, index: Index, embedder: HashingEmbedder) -> None:
    entry_id = _approved(store, index, "Hoeveel jongeren kozen in 2018 een JIM?")
    approve(store, "S", entry_id, "ann", index)
    faq = FaqAnswerer(store, embedder, index)
    assert faq.answer("Hoeveel jongeren kozen in 2018 een JIM?", "nl") is not None
    assert faq.answer("Hoeveel jongeren kozen in 2019 een JIM?", "nl") is None


def test_stale_entries_are_not_served(
    store: FaqStore, index: Index, embedder: HashingEmbedder
) -> None:
    entry_id = _approved(store, index)
    approve(store, "S", entry_id, "ann", index)
    faq = FaqAnswerer(store, embedder, lambda: index)
    assert faq.answer(QUESTION, "nl") is not None
    store.update_entry("S", entry_id, by="ingest", stale=True, stale_reason="weg")
    assert faq.answer(QUESTION, "nl") is None


def test_assistant_answers_from_the_faq_first(store: FaqStore, engine: Engine) -> None:
    entry_id = _approved(store, engine.index)
    approve(store, "S", entry_id, "ann", engine.index)
    assistant = Assistant(engine, refusal=REFUSAL, before=[faq_answerer_for(engine, store)])
    answer, _ = assistant.ask(QUESTION)
    assert answer.mode == "curated"
    other, _ = assistant.ask("Hoe lang waren de wachtlijsten voor specialistische hulp?")
    assert other.mode == "extractive"


def test_a_question_is_embedded_once_for_the_faq_and_the_extraction(
    store: FaqStore, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry_id = _approved(store, engine.index)
    approve(store, "S", entry_id, "ann", engine.index)
    assistant = Assistant(engine, refusal=REFUSAL, before=[faq_answerer_for(engine, store)])
    embedded: list[str] = []
    embed_batch = engine.embedder.embed_batch

    def counting(texts: Sequence[str], kind: Kind) -> np.ndarray:
        embedded.extend(texts)
        return embed_batch(texts, kind)

    monkeypatch.setattr(engine.embedder, "embed_batch", counting)
    question = "Hoe lang waren de wachtlijsten voor specialistische hulp?"
    answer, _ = assistant.ask(question)
    assert answer.mode == "extractive"  # the FAQ looked, and did not match
    assert embedded.count(question) == 1  # (besides the approved question, embedded once)
