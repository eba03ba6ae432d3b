"""Follow-ups made standalone in the conversation's language, capped so nothing grows per turn;
English answers framed and glossed; and conversations on the real index (integration)."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from service.answering.conversation import (
    MAX_QUOTED,
    ConversationStore,
    FollowUps,
    Turn,
    is_follow_up,
)
from service.answering.gloss import DutchTerms
from service.answering.messages import QUOTED_FROM_DUTCH
from service.answering.model import MAX_QUESTION_CHARS, Answer, Language
from service.assistant import Assistant
from service.engine import Engine
from service.glossary import Glossary
from tests.fakes import HashingEmbedder
from vraagbaak.settings import Settings

GLOSSARY = """\
care coordinator: [regiehouder, casusregie]
coordinator: [regiehouder, coördinator]
involved: [betrokken, betrokkenheid]
lead: [regie, regiehouder]
in charge: [regie, verantwoordelijk]
family worker: [gezinswerker]
family workers: [gezinswerkers]
neighbourhood team: [buurtteam]
"""
REGIE_NL = "Wie heeft de regie als SAVE betrokken is?"
REGIE_EN = "Who is in charge when SAVE is involved?"
LATER_NL = "en wat als SAVE later instapt?"
ENGLISH_WORDS = re.compile(r"\b(who|when|is|involved|charge|in|holds|the|what)\b", re.IGNORECASE)


@pytest.fixture
def engine(small_settings: Settings) -> Engine:
    (Path(small_settings.corpus_dir) / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    return Engine.load(small_settings, embedder=HashingEmbedder())


@pytest.fixture
def follow_ups(engine: Engine) -> FollowUps:
    return FollowUps(engine.index.lexical, DutchTerms(engine.retriever.glossary))


def _turn(question: str, language: Language, answer_terms: tuple[str, ...] = ()) -> Turn:
    return Turn(question, question, language, answer_terms)


# --- the rewritten question -------------------------------------------------------------------


def test_a_dutch_follow_up_carries_the_previous_dutch_terms(follow_ups: FollowUps) -> None:
    standalone = follow_ups.standalone("en in de eindfase?", "nl", _turn(REGIE_NL, "nl"))
    assert standalone == "en in de eindfase? (regie SAVE betrokken)"
    assert follow_ups.standalone(REGIE_NL, "nl", None) == REGIE_NL  # nothing to follow
    assert follow_ups.standalone("Wat is een JIM?", "nl", _turn(REGIE_NL, "nl")) == (
        "Wat is een JIM?"  # stands on its own
    )


def test_a_dutch_follow_up_to_an_english_question_gets_no_english_words(
    follow_ups: FollowUps,
) -> None:
    standalone = follow_ups.standalone(LATER_NL, "nl", _turn(REGIE_EN, "en"))
    assert standalone.startswith(LATER_NL)
    carried = standalone[len(LATER_NL) :]
    assert not ENGLISH_WORDS.search(carried), standalone
    assert "regie" in carried and "betrokken" in carried  # the glossary's Dutch for them


def test_an_english_follow_up_to_a_dutch_question_gets_english_and_names(
    follow_ups: FollowUps,
) -> None:
    standalone = follow_ups.standalone("and in the final phase?", "en", _turn(REGIE_NL, "nl"))
    carried = standalone[len("and in the final phase?") :]
    assert "SAVE" in carried and "involved" in carried
    assert not re.search(r"\b(wie|heeft|regie|betrokken)\b", carried), standalone


def test_a_follow_up_pointing_back_carries_the_previous_answer_terms(
    follow_ups: FollowUps,
) -> None:
    previous = _turn(REGIE_NL, "nl", ("gezinswerker", "Lokalis"))
    assert "gezinswerker" in follow_ups.standalone("en wat doet die dan?", "nl", previous)
    assert "gezinswerker" not in follow_ups.standalone("en in de eindfase?", "nl", previous)
    english = follow_ups.standalone("and what does he do then?", "en", previous)
    assert "family worker" in english and "Lokalis" in english


def test_follow_up_detection() -> None:
    assert is_follow_up(LATER_NL) and is_follow_up("and what if SAVE joins later?")
    assert is_follow_up("wat doet die?")
    assert not is_follow_up(REGIE_NL)


# --- nothing grows (issue 18, F1) --------------------------------------------------------------


def _long_follow_up(rng: random.Random) -> str:
    words = []
    while sum(len(w) + 1 for w in words) < MAX_QUESTION_CHARS - 10:
        words.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7)))
    return cap_words("en " + " ".join(words))


def cap_words(text: str) -> str:
    return text[: text.rfind(" ", 0, MAX_QUESTION_CHARS)]


class Recorder:
    """An answerer in front of extraction that records the questions it is given (and then
    lets extraction answer)."""

    def __init__(self) -> None:
        self.questions: list[str] = []

    def answer(self, question: str, language: Language | None = None) -> Answer | None:
        self.questions.append(question)
        return None


@pytest.mark.parametrize("same", [True, False], ids=["same-question", "new-words-each-turn"])
def test_the_8th_turn_of_a_growing_conversation_costs_no_more_than_3x_the_first(
    engine: Engine, same: bool
) -> None:
    rng = random.Random(7)
    recorder = Recorder()
    assistant = Assistant(engine, before=[recorder])
    question = _long_follow_up(rng)
    conversation = None
    for _ in range(8):
        answer, conversation = assistant.ask(
            question if same else _long_follow_up(rng), conversation
        )
    first, eighth = recorder.questions[0], recorder.questions[-1]
    assert len(recorder.questions) == 8
    assert len(eighth) <= 3 * len(first)
    assert max(len(q) for q in recorder.questions) <= MAX_QUESTION_CHARS
    assert len(answer.standalone_question) <= MAX_QUESTION_CHARS
    tokens = [len(engine.index.lexical.analyzer.tokens(q)) for q in recorder.questions]
    assert tokens[-1] <= 3 * tokens[0]


def test_the_store_keeps_capped_turns_of_a_bounded_number_of_conversations() -> None:
    store = ConversationStore(max_conversations=3)
    for n in range(5):
        store.add(f"c{n}", Turn("x" * 5000, "y" * 5000, "nl", ("z" * 500,) * 9, "a" * 5000))
    assert store.last_turn("c0") is None and store.last_turn("c1") is None
    turn = store.last_turn("c4")
    assert turn is not None and len(turn.question) <= MAX_QUESTION_CHARS
    assert len(turn.standalone) <= MAX_QUESTION_CHARS
    assert len(turn.answer_terms) <= 4 and len(turn.answer) <= 500


# --- what the reader sees ----------------------------------------------------------------------


def test_the_rewritten_question_is_shown_only_when_it_says_more(engine: Engine) -> None:
    assistant = Assistant(engine)
    _, conversation = assistant.ask(REGIE_NL)
    follow, _ = assistant.ask("en in de eindfase?", conversation)
    assert follow.standalone_question != "en in de eindfase?"
    assert "regie" in follow.standalone_question

    class Echo:  # a condenser that only changes case and punctuation
        def condense(self, history, question, answer="", language=None):  # type: ignore[no-untyped-def]
            return question.capitalize().rstrip("?") + " ?"

    echoing = Assistant(engine, condenser=Echo())
    _, conversation = echoing.ask(REGIE_NL)
    same, _ = echoing.ask("en in de eindfase?", conversation)
    assert same.standalone_question == "en in de eindfase?"  # nothing new: not shown


def test_a_follow_up_does_not_lead_with_a_sentence_the_previous_answer_quoted(
    engine: Engine,
) -> None:
    assistant = Assistant(engine)
    first, conversation = assistant.ask(REGIE_NL)
    quoted = {(c.chunk_id, c.start, c.end) for c in first.citations}
    assert quoted
    follow, _ = assistant.ask(LATER_NL, conversation)
    assert not follow.refused and follow.citations
    lead = follow.citations[0]
    assert (lead.chunk_id, lead.start, lead.end) not in quoted
    # the same question asked afresh (no conversation) may lead with it: only a follow-up is told
    fresh = assistant.extractive().answer(follow.standalone_question)
    assert (fresh.citations[0].chunk_id, fresh.citations[0].start) != (lead.chunk_id, lead.start)


def test_a_turn_keeps_a_capped_number_of_quoted_sentences() -> None:
    store = ConversationStore()
    spans = tuple((f"c{n}", 0, 10) for n in range(20))
    store.add("x", Turn("q", "q", "nl", quoted=spans))
    kept = store.last_turn("x")
    assert kept is not None and kept.quoted == spans[:MAX_QUOTED]


def test_an_english_answer_is_framed_and_glossed_with_the_quotes_verbatim(
    engine: Engine,
) -> None:
    answer, _ = Assistant(engine).ask("Who is the care coordinator when SAVE is involved?")
    assert answer.language == "en" and not answer.refused and answer.mode == "extractive"
    assert answer.answer.startswith(QUOTED_FROM_DUTCH)
    assert ("regiehouder", "care coordinator") in [(g.term, g.english) for g in answer.gloss]
    assert "regiehouder (care coordinator)" in answer.answer
    for citation in answer.citations:
        assert citation.text[citation.start : citation.end] == citation.quote
        assert " ".join(citation.quote.split()) in answer.answer  # the Dutch quote, verbatim

    dutch, _ = Assistant(engine).ask("Wie is de regiehouder als SAVE betrokken is?")
    assert not dutch.gloss and QUOTED_FROM_DUTCH not in dutch.answer


def test_glosses_prefer_the_readers_words_and_never_gloss_names() -> None:
    terms = DutchTerms(
        Glossary({"coordinator": ("regiehouder",), "care coordinator": ("regiehouder",),
                  "save": ("SAVE",), "involved": ("betrokken",)})
    )  # fmt: skip
    quote = "SAVE MN was regiehouders als zij al bij aanvang betrokken waren."
    asked = terms.glosses(quote, "Who is the care coordinator?")
    assert [(g.term, g.english) for g in asked] == [
        ("regiehouder", "care coordinator"),
        ("betrokken", "involved"),
    ]
    assert terms.glosses(quote, "Who leads?")[0].english == "coordinator"  # the shortest
    assert all(g.term != "save" for g in asked)


# --- conversations on the real index (integration) --------------------------------------------

real = pytest.mark.skipif(
    not os.environ.get("VRAAGBAAK_TEST_INDEX"),
    reason="set VRAAGBAAK_TEST_INDEX to a data dir with the real index (e.g. /work/team/idx-a)",
)


@pytest.fixture(scope="module")
def real_assistant(real_index_settings: Settings, real_embedder) -> Assistant:  # type: ignore[no-untyped-def]
    from service.assistant import build_assistant

    return build_assistant(Engine.load(real_index_settings, embedder=real_embedder))


# The fact ("De gezinswerker … werd als verwijzer meestal gezien als regiehouder") sits in the
# passage that answers the first question, next to "SAVE MN was regiehouder als zij al bij
# aanvang … betrokken waren". The follow-up no longer leads with that sentence (the reader saw
# it), but four more sentences of the passage outscore the fact for the rewritten question
# (Dutch: "Een medewerker van SAVE MN werkte dan samen …" .925, "De gezinswerker … schakelde
# … SAVE MN in" .907, the other answer's "In sommige situaties …" .897, "Over het algemeen …"
# .862, the fact .841), and one quote is taken per passage. Answering it takes the inference
# "not from the start → the usual case", which no general sentence score makes.
FAMILY_WORKER = pytest.mark.xfail(
    reason="the answerer doesn't infer that 'later' means the usual case stated beside it",
    strict=False,
)


@real
@pytest.mark.integration
@pytest.mark.parametrize(
    "first",
    [REGIE_NL, "Who holds the lead when SAVE is involved?"],
    ids=["dutch", "english"],
)
def test_a_later_save_follow_up_is_rewritten_in_dutch_only(
    real_assistant: Assistant, first: str
) -> None:
    answer, conversation = real_assistant.ask(first)
    assert not answer.refused and "regiehouder" in answer.answer
    follow, _ = real_assistant.ask(LATER_NL, conversation)
    carried = follow.standalone_question[len(LATER_NL) :]
    assert follow.standalone_question.startswith(LATER_NL) and "regie" in carried
    assert not ENGLISH_WORDS.search(carried), follow.standalone_question
    assert follow.language == "nl" and not follow.gloss


@real
@pytest.mark.integration
def test_a_later_save_follow_up_leads_with_a_sentence_not_yet_quoted(
    real_assistant: Assistant,
) -> None:
    first, conversation = real_assistant.ask(REGIE_NL)
    follow, _ = real_assistant.ask(LATER_NL, conversation)
    lead = follow.citations[0]
    assert not follow.refused and lead.quote != first.citations[0].quote
    assert (lead.chunk_id, lead.start) not in {(c.chunk_id, c.start) for c in first.citations}


@real
@pytest.mark.integration
@FAMILY_WORKER
def test_a_later_save_follow_up_names_the_family_worker(real_assistant: Assistant) -> None:
    _, conversation = real_assistant.ask(REGIE_NL)
    follow, _ = real_assistant.ask(LATER_NL, conversation)
    assert not follow.refused and "gezinswerker" in follow.answer.lower(), follow.answer


@real
@pytest.mark.integration
def test_an_english_conversation_stays_english_with_the_dutch_terms_glossed(
    real_assistant: Assistant,
) -> None:
    answer, conversation = real_assistant.ask("Who holds the lead when SAVE is involved?")
    assert answer.language == "en" and answer.answer.startswith(QUOTED_FROM_DUTCH)
    assert "SAVE MN was regiehouder" in answer.answer  # the Dutch quote, verbatim
    assert ("regiehouder", "lead") in [(g.term, g.english) for g in answer.gloss]
    follow, _ = real_assistant.ask("and what if SAVE joins later?", conversation)
    assert follow.language == "en" and not follow.refused
    assert "lead" in follow.standalone_question and "involved" in follow.standalone_question
    assert not re.search(r"\b(wie|heeft|als|regie|betrokken)\b", follow.standalone_question)


@real
@pytest.mark.integration
@FAMILY_WORKER
def test_an_english_follow_up_names_the_family_worker(real_assistant: Assistant) -> None:
    _, conversation = real_assistant.ask("Who holds the lead when SAVE is involved?")
    follow, _ = real_assistant.ask("and what if SAVE joins later?", conversation)
    assert "gezinswerker" in follow.answer.lower(), follow.answer
