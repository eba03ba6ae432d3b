"""The refusal evidence: which question terms count, and whether the quotes hold them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ingest.lexical import LexicalIndex
from service.answering.refusal import gather_evidence, question_terms
from service.glossary import Glossary
from service.retrieval import QueryScores

PASSAGES = [
    "De gemiddelde wachttijd voor een eerste gesprek bij het buurtteam was twee weken.",
    "In 2018 ondersteunden de buurtteams 4.210 gezinnen in Utrecht.",
    "De gezinswerker van het buurtteam heeft de regie in het traject.",
    "Het budget van de gemeente werd niet besproken in de interviews met gezinnen.",
]


def _lexical() -> LexicalIndex:
    return LexicalIndex.build(PASSAGES)


def _glossary(tmp_path: Path) -> Glossary:
    (tmp_path / "glossary.yaml").write_text(
        "waiting time: [wachttijd, wachtlijst]\nfamilies: [gezinnen]\nthe: [de]\n"
    )
    return Glossary.load(tmp_path)


def _scores(language: str = "nl") -> QueryScores:
    zeros = np.zeros(len(PASSAGES), dtype=np.float32)
    return QueryScores(np.zeros(3), zeros + 0.8, zeros + 0.8, zeros, zeros + 2.0, language)


def test_glossary_matches_phrases_and_leaves_the_rest(tmp_path: Path) -> None:
    phrases, rest = _glossary(tmp_path).matches("What was the waiting time for families?")
    assert phrases == [
        ("waiting time", ("wachttijd", "wachtlijst")),
        ("the", ("de",)),
        (
            "families",
            ("gezinnen",),
        ),
    ]
    assert rest == ["what", "was", "for"]


def test_dutch_question_words_are_not_terms(tmp_path: Path) -> None:
    lexical = _lexical()
    terms = question_terms(
        "Hoeveel gezinnen ondersteunden de buurtteams?", "nl", lexical, Glossary({})
    )
    stems = {t for group in terms for t in group}
    assert stems == set(lexical.analyzer.tokens("gezinnen ondersteunden buurtteams"))
    assert not set(lexical.analyzer.tokens("hoeveel")) & stems


def test_english_terms_are_glossary_groups_without_function_words(tmp_path: Path) -> None:
    lexical = _lexical()
    terms = question_terms(
        "What was the waiting time for families in Utrecht?", "en", lexical, _glossary(tmp_path)
    )
    analyzer = lexical.analyzer
    wachttijd = set(analyzer.tokens("wachttijd"))  # "wachtlijst": not in the corpus, left out
    assert frozenset(wachttijd) in terms
    assert frozenset(analyzer.tokens("gezinnen")) in terms
    assert frozenset(analyzer.tokens("utrecht")) in terms
    assert len(terms) == 3  # "the" is a function word even though the glossary has it


def test_missing_terms_weigh_what_the_quotes_and_their_passages_lack(tmp_path: Path) -> None:
    lexical = _lexical()
    question = "Hoeveel gezinnen ondersteunden de buurtteams in 2018?"
    terms = question_terms(question, "nl", lexical, Glossary({}))
    quote = (PASSAGES[1], 0.9, PASSAGES[1])
    answering = gather_evidence(question, terms, _scores(), PASSAGES[1], [quote], lexical)
    off_topic = gather_evidence(
        question, terms, _scores(), PASSAGES[1], [(PASSAGES[0], 0.7, PASSAGES[0])], lexical
    )
    assert answering.missing_terms == 0.0
    assert off_topic.missing_terms > 0.0
    assert (answering.quoted_sentence, off_topic.quoted_sentence) == (0.9, 0.7)
    nothing = gather_evidence(question, terms, _scores(), "", [], lexical)
    every_term = sum(min(lexical.idf(t) for t in g) for g in terms)
    assert nothing.missing_terms == every_term
    # what the quote lacks but its passage states counts half
    around = gather_evidence(
        question, terms, _scores(), PASSAGES[1], [(PASSAGES[0], 0.7, PASSAGES[1])], lexical
    )
    assert around.missing_terms == off_topic.missing_terms / 2
    assert nothing.quoted_sentence == 0.0 and nothing.missing_number == 1.0


def test_definition_frames_are_not_terms() -> None:
    lexical = LexicalIndex.build(
        [*PASSAGES, "De training is bedoeld voor ouders van jonge kinderen."]
    )
    terms = question_terms("Voor wie is de training bedoeld?", "nl", lexical, Glossary({}))
    assert {t for group in terms for t in group} == set(lexical.analyzer.tokens("training"))


def test_a_name_is_known_in_any_inflection() -> None:
    lexical = _lexical()

    def unknown(question: str) -> float:
        terms = question_terms(question, "nl", lexical, Glossary({}))
        return gather_evidence(question, terms, _scores(), "", [], lexical).unknown_name

    assert unknown("Hoe groot zijn de Utrechtse buurtteams?") == 0.0  # "Utrecht" is known
    assert unknown("Hoe groot zijn de buurtteams in Eindhoven?") == 1.0
    assert unknown("Hoe groot zijn de buurtteams in Zeist?") == 1.0  # too short to stem away
