"""The extractive answerer: quotes, markers, refusal, language — unit and on the whole gold set."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest

from evals.goldset import DEFAULT_SET, load_goldset
from service.answering.extractive import (
    AnswerConfig,
    ExtractiveAnswerer,
    _facts,
    _gives_number,
    _headings,
    _is_label,
    _is_statement,
    prepare_index,
)
from service.answering.refusal import Evidence, RefusalModel
from service.engine import Engine
from tests.fakes import HashingEmbedder
from vraagbaak.settings import Settings

MARKER = re.compile(r"\[(\d+)\]")


def _answerer(settings: Settings, **config: object) -> ExtractiveAnswerer:
    engine = Engine.load(settings, embedder=HashingEmbedder())
    return ExtractiveAnswerer(engine.retriever, AnswerConfig(**config))  # type: ignore[arg-type]


def _add_report(settings: Settings, name: str, text: str) -> None:
    """Put one more report in the corpus and re-ingest."""
    from ingest.pipeline import ingest

    (settings.corpus_dir / name).write_text(text, encoding="utf-8")
    ingest([settings.corpus_dir], settings.index_dir, HashingEmbedder())


def assert_well_cited(answer_text: str, citations: tuple, refused: bool) -> None:  # type: ignore[type-arg]
    numbers = {c.n for c in citations}
    for marker in MARKER.findall(answer_text):
        assert int(marker) in numbers, f"[{marker}] points at no citation"
    for citation in citations:
        assert citation.text[citation.start : citation.end] == citation.quote
        assert citation.quote.strip()
    if not refused:
        assert citations and {int(m) for m in MARKER.findall(answer_text)} == numbers


def test_answer_quotes_sentences_with_markers(small_settings: Settings) -> None:
    answer = _answerer(small_settings).answer("Wie is regiehouder als SAVE betrokken is?")
    assert not answer.refused and answer.language == "nl"
    assert_well_cited(answer.answer, answer.citations, answer.refused)
    assert "SAVE de regiehouder" in answer.citations[0].quote


def test_each_passage_is_quoted_once_and_answers_stay_short(small_settings: Settings) -> None:
    config = AnswerConfig()
    answer = _answerer(small_settings).answer("Wat moet er gebeuren volgens de aanbevelingen?")
    assert 1 <= len(answer.citations) <= config.max_sentences
    assert len({c.chunk_id for c in answer.citations}) == len(answer.citations)
    quoted = [" ".join(c.quote.split()) for c in answer.citations]
    assert len(quoted) == 1 or sum(map(len, quoted)) <= config.max_chars


def test_the_length_budget_passes_over_long_sentences(small_settings: Settings) -> None:
    answerer = _answerer(small_settings, passages=8, margin=5.0)
    chosen = answerer.draft("Wat doen de buurtteams en de gezinswerkers?").chosen
    assert len(chosen) > 2
    first, rest = chosen[0], sorted(chosen[1:], key=lambda c: len(c.quote))
    short, long = rest[0], rest[-1]
    assert len(short.quote) < len(long.quote)
    budget = _answerer(
        small_settings, passages=8, margin=5.0, max_chars=len(first.quote) + len(short.quote)
    )
    assert budget._select([first, long, short]) == [first, short]
    alone = _answerer(small_settings, passages=8, margin=5.0, max_chars=len(first.quote))
    assert alone._select([first, long, short]) == [first]  # the first quote is always given


def test_sentences_that_ask_are_not_quoted(small_settings: Settings) -> None:
    _add_report(
        small_settings,
        "topiclijst.txt",
        "Topiclijst interviews\n\nWie heeft de regie als SAVE bij het traject betrokken is?\n"
        "Hoe verloopt de samenwerking tussen de gezinswerker en SAVE?\n",
    )
    answer = _answerer(small_settings).answer("Wie heeft de regie als SAVE betrokken is?")
    assert answer.citations and not any(c.quote.rstrip().endswith("?") for c in answer.citations)
    assert "SAVE de regiehouder" in answer.citations[0].quote


def test_headings_and_captions_are_not_quoted(small_settings: Settings) -> None:
    _add_report(
        small_settings,
        "pittige-jaren.txt",
        "Evaluatie oudertraining\n\n3.4 Doel van de oudertraining Pittige Jaren\n\n"
        "De oudertraining Pittige Jaren helpt ouders van jonge kinderen met druk gedrag, zo "
        "bleek uit de evaluatie.\n\nFiguur 3 Doel van de oudertraining Pittige Jaren\n",
    )
    answerer = _answerer(small_settings)
    question = "Doel van de oudertraining Pittige Jaren?"
    candidates = answerer.draft(question).candidates
    assert candidates[0].hit.chunk.doc_id.startswith("pittige")  # the passage is found …
    quotes = [" ".join(c.quote.split()) for c in answerer.answer(question).citations]
    assert quotes[0].startswith("De oudertraining Pittige Jaren helpt")  # … its sentence quoted
    assert not any(q.startswith(("3.4 Doel", "Figuur 3")) for q in quotes)  # not its labels


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        ("3.2. Samenwerking binnen een JIM-traject", True),  # a heading of the section path
        ("Rolverdeling binnen de samenwerking", True),
        ("Tabel 4: Vaardigheden van de JIM", True),  # captions
        ("Figuur 7 Ontwikkeling van samenwerking tussen organisaties (Van Delden, 2009)", True),
        ("Figuur 2 toont ons bereik per wijk.", False),  # a sentence that names a figure
        ("- eigen kracht van het gezin aanspreken", False),  # a list item may answer
        ("Rolverdeling binnen de samenwerking was vaak onduidelijk.", False),
    ],
)
def test_what_counts_as_a_label(sentence: str, label: bool) -> None:
    section = (
        "3. Resultaten > 3.2. Samenwerking binnen een JIM-traject > "
        "Rolverdeling binnen de samenwerking"
    )
    assert _is_label(sentence, _headings(section)) is label


def test_a_quantity_question_is_answered_with_a_number(small_settings: Settings) -> None:
    _add_report(
        small_settings,
        "wachttijden.txt",
        "Wachttijden in Zeist\n\nDe buurtteams in Zeist hielden de wachttijden voor gezinnen "
        "die hulp van de buurtteams in Zeist vroegen kort, zodat gezinnen in Zeist snel "
        "geholpen werden. Gemiddeld duurde het twaalf dagen voor de hulp begon.\n",
    )
    question = "Hoeveel dagen wachtten gezinnen in Zeist op hulp van de buurtteams?"

    without = _answerer(small_settings, number_bonus=0.0, refuse_missing_type=False).answer(
        question
    )
    answer = _answerer(small_settings).answer(question)

    assert "twaalf dagen" not in without.citations[0].quote  # the words match the other one
    assert "twaalf dagen" in answer.citations[0].quote
    other = _answerer(small_settings).answer("Hielden de buurtteams in Zeist de wachttijden kort?")
    assert "twaalf dagen" not in other.citations[0].quote  # only a quantity question


@pytest.mark.parametrize(
    ("sentence", "gives"),
    [
        ("We waren zichtbaar in iedere wijk met in totaal 18 voordeuren.", True),
        ("Van de JIM’s gaf 53 % aan dat zij twijfelden.", True),
        ("In zes van de negen trajecten was de jongere uit huis geplaatst.", True),
        ("3.2 Randvoorwaarden voor samenwerking", False),  # a section number
        ("Voor u ligt het verslag over het eerste half jaar van 2018.", False),  # a year
        ("Jongeren van U-2B Heard worden maatjes van jonge klanten.", False),  # a name
    ],
)
def test_what_counts_as_giving_a_number(sentence: str, gives: bool) -> None:
    assert _gives_number(sentence) is gives


def test_sentences_are_prepared_ahead_up_to_a_limit(small_settings: Settings) -> None:
    engine = Engine.load(small_settings, embedder=HashingEmbedder())
    every = sum(len(chunk.sentences) for chunk in engine.index.chunks)
    assert every > 3
    _facts.cache_clear()
    assert prepare_index(engine.index, limit=3) == 3
    assert _facts.cache_info().currsize == 3
    assert prepare_index(engine.index) == every
    before = _facts.cache_info()
    ExtractiveAnswerer(engine.retriever).answer("Wie heeft de regie als SAVE betrokken is?")
    after = _facts.cache_info()
    assert after.misses == before.misses and after.hits > before.hits  # nothing worked out anew


def test_refusal_in_the_question_language(small_settings: Settings) -> None:
    engine = Engine.load(small_settings, embedder=HashingEmbedder())
    size = len(fields(Evidence))
    always = RefusalModel(
        mean=(0.0,) * size,
        scale=(1.0,) * size,
        coefficients=(0.0,) * size,
        intercept=5.0,
        threshold=0.5,
        embedder="hashing-test",
    )
    answerer = ExtractiveAnswerer(engine.retriever, AnswerConfig(), always)
    dutch = answerer.answer("Hoeveel gezinnen woonden in Amersfoort?")
    english = answerer.answer("How many families lived in Amersfoort?")
    assert dutch.refused and dutch.answer.startswith("Dit staat niet in de documenten")
    assert english.refused and english.answer.startswith("This is not in the documents")
    assert english.language == "en" and not english.citations
    assert dutch.related and all(r.text[r.start : r.end] == r.quote for r in dutch.related)


def test_an_uncalibrated_embedder_does_not_refuse_on_a_foreign_model(
    small_settings: Settings,
) -> None:
    answer = _answerer(small_settings).answer("Hoeveel gezinnen woonden in Amersfoort?")
    assert not answer.refused  # the bundled model is e5's: not applied to the fake embedder


@pytest.mark.integration
def test_every_gold_answer_is_well_cited(real_index_settings: Settings, real_embedder) -> None:  # type: ignore[no-untyped-def]
    answerer = ExtractiveAnswerer(
        Engine.load(real_index_settings, embedder=real_embedder).retriever
    )
    for question in load_goldset(DEFAULT_SET):
        answer = answerer.answer(question.question)
        assert_well_cited(answer.answer, answer.citations, answer.refused)
        for related in answer.related:
            assert related.text[related.start : related.end] == related.quote


@pytest.mark.integration
def test_flagship_answers(real_index_settings: Settings, real_embedder) -> None:  # type: ignore[no-untyped-def]
    answerer = ExtractiveAnswerer(
        Engine.load(real_index_settings, embedder=real_embedder).retriever
    )
    for question in (
        "wie heeft de regie als SAVE betrokken is?",
        "who holds regie when SAVE is involved?",
    ):
        answer = answerer.answer(question)
        assert not answer.refused
        assert any("SAVE MN was regiehouder" in c.quote for c in answer.citations)
    english = answerer.answer("who holds regie when SAVE is involved?")
    assert english.language == "en"
    refused = answerer.answer("Hoeveel gezinnen bereikten de buurtteams in Amersfoort?")
    assert refused.refused and refused.related


@pytest.mark.parametrize(
    ("sentence", "statement"),
    [
        ("De gezinswerker is meestal de regiehouder in het traject.", True),
        ("deelautoplaats: parkeerplaats aangewezen voor het parkeren van een deelauto.", True),
        ("a. voor jeugdigen die een behandeling krijgen binnen de jeugd-ggz;", True),
        ("Wie heeft de regie als SAVE bij het traject betrokken is?", False),  # a question
        ("Jeugdhulp totaal 389 281 282 227", False),  # a table row
        ("Zie boven (paragraaf 3.2) voor de afspraken.", False),  # a cross-reference
        ("- welke afspraken over het zoeken naar een JIM", False),  # a bullet, no sentence
        ("Samenwerking tussen basishulp en specialistische hulp", False),  # a title
    ],
)
def test_what_counts_as_a_statement(sentence: str, statement: bool) -> None:
    assert _is_statement(sentence) is statement


def test_a_list_number_glued_to_the_sentence_is_not_quoted(small_settings: Settings) -> None:
    _add_report(
        small_settings,
        "interviews.txt",
        "Interviews\n\n26.We hebben de casus besproken en de gezinswerker bleef de regiehouder "
        "van het traject met SAVE.\n",
    )
    answer = _answerer(small_settings).answer("Bleef de gezinswerker regiehouder met SAVE?")
    quotes = [c.quote for c in answer.citations]
    assert any(q.startswith("We hebben de casus besproken") for q in quotes)
    assert not any(q.lstrip().startswith("26.") for q in quotes)


def test_an_asked_type_the_quotes_lack_is_noted_in_the_question_language(
    small_settings: Settings,
) -> None:
    answerer = _answerer(small_settings, refuse_missing_type=False)
    dutch = answerer.answer("Wat kost een eerste gesprek bij het buurtteam?")
    english = answerer.answer("How much does a first conversation with the buurtteam cost?")
    assert not dutch.refused and dutch.notes == (
        "Het gevraagde bedrag staat niet in de geciteerde passages.",
    )
    assert english.notes == ("The amount asked for is not in the quoted passages.",)
    assert not answerer.answer("Wie heeft de regie als SAVE betrokken is?").notes


def test_a_one_part_question_whose_asked_type_no_quote_gives_is_refused(
    small_settings: Settings,
) -> None:
    answerer = _answerer(small_settings)
    one_part = answerer.answer("Wat kost een eerste gesprek bij het buurtteam?")
    assert one_part.refused and one_part.answer.startswith("Dit staat niet in de documenten.")
    two_parts = answerer.answer("Wie heeft de regie als SAVE betrokken is en wat kost dat?")
    assert not two_parts.refused and two_parts.notes == (
        "Het gevraagde bedrag staat niet in de geciteerde passages.",
    )
    assert not answerer.answer("Wie heeft de regie als SAVE betrokken is?").refused


def test_a_quote_on_an_ocr_page_is_marked_and_cites_its_own_page() -> None:
    from ingest.model import Chunk, DocumentInfo
    from service.answering.extractive import _citation
    from service.retrieval import SearchHit

    text = "Eerste zin op pagina een. Tweede zin staat op de gescande pagina twee."
    second = text.index("Tweede")
    chunk = Chunk(
        id="d:0000:abcdef12",
        doc_id="d",
        ordinal=0,
        text=text,
        section="",
        page=1,
        page_end=2,
        start=0,
        end=len(text),
        sentences=((0, second - 1), (second, len(text))),
        page_breaks=((second, 2),),
    )
    document = DocumentInfo(
        doc_id="d",
        source="d.pdf",
        title="D",
        author=None,
        year=None,
        language="nl",
        sha256="0",
        pages=2,
        ocr_pages=(2,),
    )
    hit = SearchHit(chunk, document, 1.0, 1.0, 1.0, 1.0)

    first = _citation(1, hit, 0, second - 1)
    scanned = _citation(2, hit, second, len(text))

    assert (first.page, first.ocr) == (1, False)
    assert (scanned.page, scanned.ocr) == (2, True)
