from __future__ import annotations

import pytest

from ingest.index import Index
from service.answering.extractive import ExtractiveAnswerer
from service.faq import drafting
from service.faq.store import FaqError, FaqStore


def test_add_questions_drafts_cited_answers(
    store: FaqStore, answerer: ExtractiveAnswerer, index: Index
) -> None:
    store.create_set("S")
    entries = drafting.add_questions(
        store,
        "S",
        [
            "Wie is regiehouder als SAVE MN bij aanvang betrokken is?",
            "Wat kost een pizza in Rome?",
            "wie is regiehouder als SAVE MN bij aanvang betrokken is",
        ],
        answerer,
        "ann",
    )
    assert len(entries) == 2  # the repeat is skipped
    regie, pizza = entries
    assert regie.status == "draft"
    assert "regiehouder" in regie.answer and "[1]" in regie.answer
    citation = regie.citations[0]
    chunk = index.chunk(citation.chunk_id)
    assert chunk is not None and chunk.text[citation.start : citation.end] == citation.quote
    assert (citation.title, citation.source) == ("Evaluatie JIM-aanpak", "jim.txt")
    assert len(citation.passage_sha) == 64
    assert pizza.citations == () and pizza.answer == "" and "Geen antwoord" in pizza.notes
    # Adding the same question again adds nothing.
    assert drafting.add_questions(store, "S", [regie.question], answerer) == []


def test_read_questions_txt_and_csv() -> None:
    assert drafting.read_questions("Vraag een?\n\n# commentaar\n  Vraag twee?  \n", "q.txt") == [
        "Vraag een?",
        "Vraag twee?",
    ]
    csv_text = 'id,question\n1,"Wie, wat?"\n2,Waarom?\n'
    assert drafting.read_questions(csv_text, "q.csv") == ["Wie, wat?", "Waarom?"]
    assert drafting.read_questions("vraag;thema\nHoe lang?;wacht\n") == ["Hoe lang?"]
    with pytest.raises(drafting.QuestionListError, match="line 1: no 'question' column"):
        drafting.read_questions("a,b\n1,2\n", "q.csv")
    with pytest.raises(drafting.QuestionListError, match="line 3"):
        drafting.read_questions("id,question\n1,Een?\n2\n", "q.csv")


def test_edit_remove_add_citation_and_approve(
    store: FaqStore, answerer: ExtractiveAnswerer, index: Index
) -> None:
    store.create_set("S")
    [entry] = drafting.add_questions(
        store, "S", ["Wie is regiehouder als SAVE MN bij aanvang betrokken is?"], answerer
    )
    entry = drafting.edit_entry(
        store,
        "S",
        entry.id,
        "ann",
        answer="SAVE MN heeft de regie als het er vanaf het begin is [1].",
    )
    assert entry.answer.startswith("SAVE MN heeft")
    entry = drafting.remove_citation(store, "S", entry.id, 1, "ann")
    assert entry.citations == () and "[1]" not in entry.answer
    with pytest.raises(FaqError, match="no citations"):
        drafting.approve(store, "S", entry.id, "ann", index)
    chunk = index.chunks[0]
    with pytest.raises(FaqError, match="not verbatim"):
        drafting.add_citation(store, index, "S", entry.id, chunk.id, "SAVE MN had de regie", "a")
    with pytest.raises(FaqError, match="No passage"):
        drafting.add_citation(store, index, "S", entry.id, "jim:0099:deadbeef", "x", "a")
    quote = chunk.sentence_texts()[0]
    entry = drafting.add_citation(store, index, "S", entry.id, chunk.id, quote, "ann")
    assert entry.citations[0].quote == quote and entry.citations[0].start == 0
    entry = drafting.approve(store, "S", entry.id, "bob", index)
    assert entry.status == "approved"
    # Changing the text of an approved answer makes it a draft again.
    entry = drafting.edit_entry(store, "S", entry.id, "ann", answer="Anders [1]")
    assert entry.status == "draft"
    actions = [h.action for h in store.history("S", entry.id)]
    assert actions == ["create", "edit", "remove_citation", "add_citation", "approve", "edit"]


def test_renumber_markers() -> None:
    assert drafting.renumber_markers("A [1] B [2] C [3].", 2) == "A [1] B C [2]."


def test_suggest_questions_is_deterministic(index: Index) -> None:
    first = drafting.suggest_questions(index, "jim", 6)
    assert first == drafting.suggest_questions(index, "jim", 6)
    questions = [s.question for s in first]
    assert questions == [
        "Wanneer was SAVE MN regiehouder?",
        "Wat is de JIM?",
        "Waarom is het belangrijk dat de jongere de JIM zelf kiest?",
        "Hoeveel jongeren kozen in 2018 een JIM binnen het traject?",
        "Hoeveel procent van de trajecten werd voortijdig beëindigd?",
    ]
    assert all(s.sentence and s.chunk_id.startswith("jim:") for s in first)
    with pytest.raises(FaqError, match="No document"):
        drafting.suggest_questions(index, "nope")
