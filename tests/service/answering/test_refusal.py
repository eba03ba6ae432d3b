"""The refusal evidence: which question terms count, and whether the quotes hold them."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.lexical import LexicalIndex
from service.answering.refusal import (
    FEATURES,
    Evidence,
    Quote,
    RefusalModel,
    gather_evidence,
    question_terms,
)
from service.retrieval import QueryScores

PASSAGES = [
    "De gemiddelde wachttijd voor een eerste gesprek bij het buurtteam was twee weken.",
    "In 2018 ondersteunden de buurtteams 4.210 gezinnen in Utrecht.",
    "De gezinswerker van het buurtteam heeft de regie in het traject.",
    "Het budget van de gemeente werd niet besproken in de interviews met gezinnen.",
]


def _lexical() -> LexicalIndex:
    return LexicalIndex.build(PASSAGES)


def _scores(language: str = "nl") -> QueryScores:
    zeros = np.zeros(len(PASSAGES), dtype=np.float32)
    return QueryScores(np.zeros(3), zeros + 0.8, zeros + 0.8, zeros, zeros + 2.0, language)  # type: ignore[arg-type]


def _quote(n: int, cosine: float = 0.9, passage: int | None = None, same: bool = True) -> Quote:
    return Quote(PASSAGES[n], cosine, PASSAGES[n if passage is None else passage], same)


def test_dutch_question_words_are_not_terms() -> None:
    lexical = _lexical()
    terms = question_terms("Hoeveel gezinnen ondersteunden de buurtteams?", "nl", lexical)
    stems = {t for group in terms for t in group}
    assert stems == set(lexical.analyzer.tokens("gezinnen ondersteunden buurtteams"))
    assert not set(lexical.analyzer.tokens("hoeveel")) & stems


def test_english_function_words_are_not_terms_and_no_glossary_is_needed() -> None:
    lexical = LexicalIndex.build([*PASSAGES, "The budget for families in Utrecht was discussed."])
    terms = question_terms("What was the budget for families in Utrecht?", "en", lexical)
    stems = {t for group in terms for t in group}
    assert stems == set(lexical.analyzer.tokens("budget families utrecht"))


def test_missing_share_weighs_what_the_quotes_and_their_passages_lack() -> None:
    lexical = _lexical()
    question = "Hoeveel gezinnen ondersteunden de buurtteams in 2018?"
    terms = question_terms(question, "nl", lexical)
    answering = gather_evidence(question, terms, _scores(), [_quote(1)], lexical)
    off_topic = gather_evidence(question, terms, _scores(), [_quote(0, 0.7)], lexical)
    assert answering.missing_share == 0.0
    assert 0.0 < off_topic.missing_share <= 1.0
    assert (answering.quoted_sentence, off_topic.quoted_sentence) == (0.9, 0.7)
    nothing = gather_evidence(question, terms, _scores(), [], lexical)
    assert nothing.missing_share == 1.0 and nothing.quoted_sentence == 0.0
    # what the quote lacks but its passage states counts half
    around = gather_evidence(question, terms, _scores(), [_quote(0, 0.7, passage=1)], lexical)
    assert around.missing_share == pytest.approx(off_topic.missing_share / 2)


def test_across_languages_only_names_and_numbers_are_checked_by_letters() -> None:
    """An English question over a Dutch passage: its English words are not "missing"."""
    lexical = LexicalIndex.build([*PASSAGES, "How many families did the teams support?"])
    question = "How many families did the teams in Utrecht support in 2018?"
    terms = question_terms(question, "en", lexical)
    dutch = gather_evidence(question, terms, _scores("en"), [_quote(1, same=False)], lexical)
    assert dutch.missing_share == 0.0 and dutch.cross_language == 1.0
    assert dutch.missing_entity == 0.0  # Utrecht and 2018 are in the Dutch passage
    elsewhere = gather_evidence(question, terms, _scores("en"), [_quote(2, same=False)], lexical)
    assert elsewhere.missing_share > 0.0 and elsewhere.missing_entity == 1.0


def test_the_asked_type_must_be_in_the_quotes() -> None:
    lexical = _lexical()
    question = "Hoeveel gezinnen ondersteunden de buurtteams?"
    terms = question_terms(question, "nl", lexical)
    with_number = gather_evidence(question, terms, _scores(), [_quote(1)], lexical)
    without = gather_evidence(question, terms, _scores(), [_quote(2)], lexical)
    assert (with_number.type_missing, without.type_missing) == (0.0, 1.0)
    open_question = "Wie heeft de regie in het traject?"
    regie = gather_evidence(open_question, [], _scores(), [_quote(2)], lexical)
    assert regie.type_missing == 0.0


def test_a_name_is_known_in_any_inflection() -> None:
    lexical = _lexical()

    def unknown(question: str) -> float:
        terms = question_terms(question, "nl", lexical)
        return gather_evidence(question, terms, _scores(), [], lexical).unknown_name

    assert unknown("Hoe groot zijn de Utrechtse buurtteams?") == 0.0  # "Utrecht" is known
    assert unknown("Hoe groot zijn de buurtteams in Eindhoven?") == 1.0
    assert unknown("Hoe groot zijn de buurtteams in Zeist?") == 1.0  # too short to stem away


def test_the_entity_of_the_question_must_be_in_a_cited_passage() -> None:
    lexical = LexicalIndex.build([*PASSAGES, "In Amersfoort werken de buurtteams anders."])
    question = "Hoeveel gezinnen ondersteunden de buurtteams in Amersfoort?"
    terms = question_terms(question, "nl", lexical)
    evidence = gather_evidence(question, terms, _scores(), [_quote(1)], lexical)
    assert evidence.unknown_name == 0.0 and evidence.missing_entity == 1.0


def test_the_lexical_agreement_is_a_rank_not_a_score() -> None:
    lexical = _lexical()
    first = gather_evidence("regie", [], _scores(), [_quote(2)], lexical, lexical_rank=1)
    third = gather_evidence("regie", [], _scores(), [_quote(2)], lexical, lexical_rank=4)
    assert (first.lexical_agreement, third.lexical_agreement) == (1.0, 0.25)


def test_a_model_weighs_only_its_features() -> None:
    model = RefusalModel.from_data(
        {
            "mean": [0.0],
            "scale": [1.0],
            "coefficients": [4.0],
            "intercept": -2.0,
            "threshold": 0.5,
            "embedder": "x",
            "features": ["type_missing"],
        }
    )
    values = dict.fromkeys(FEATURES, 0.0)
    assert not model.refuses(Evidence(**values))
    assert model.refuses(Evidence(**(values | {"type_missing": 1.0})))
    with pytest.raises(ValueError, match="does not fit"):
        RefusalModel.from_data(
            {
                "mean": [0.0],
                "scale": [1.0],
                "coefficients": [1.0],
                "intercept": 0.0,
                "threshold": 0.5,
                "embedder": "x",
                "features": ["best_lexical"],  # a feature of an older model
            }
        )


def test_a_name_is_not_checked_when_the_nearest_text_is_in_another_language() -> None:
    """ "Kinderrechtenverdrag" may be what an English treaty calls otherwise."""
    lexical = _lexical()
    question = "Wanneer trad het Kinderrechtenverdrag in werking in 2018?"
    terms = question_terms(question, "nl", lexical)
    plain = gather_evidence(question, terms, _scores(), [_quote(1)], lexical)
    near = gather_evidence(
        question, terms, _scores(), [_quote(1)], lexical, nearest_other_language=True
    )
    assert plain.unknown_name == 1.0 and near.unknown_name == 0.0
    assert near.missing_entity == 0.0  # 2018, a number, is still checked: it is there


def test_an_article_asked_about_must_be_named_by_a_cited_passage() -> None:
    lexical = _lexical()
    question = "Wat staat er in artikel 4.3.1 van het besluit?"
    named = Quote(
        "De termijn is twee weken.", 0.9, "Artikel 4.3.1\nDe termijn is twee weken.", True
    )
    cited = Quote(
        "Gelet op de artikelen 1.1 en 4.3.1 besluit.",
        0.9,
        "Gelet op de artikelen 1.1 en 4.3.1.",
        True,
    )
    assert gather_evidence(question, [], _scores(), [named], lexical).missing_entity == 0.0
    assert gather_evidence(question, [], _scores(), [cited], lexical).missing_entity == 1.0


def test_an_article_asked_about_must_be_the_cited_passage_itself() -> None:
    lexical = _lexical()
    question = "Wat staat er in artikel 4.3.1 van het besluit?"
    in_path = Quote(
        "De termijn is twee weken.",
        0.9,
        "Besluit\n\nHoofdstuk 4 > Artikel 4.3.1\nDe termijn.",
        True,
    )
    referred = Quote(
        "Artikel 4.3.1, eerste lid, van de wet is van toepassing.",
        0.9,
        "Besluit\n\nHoofdstuk 4 > Artikel 4.1\n"
        "Artikel 4.3.1, eerste lid, van de wet is van toepassing.",
        True,
    )
    assert gather_evidence(question, [], _scores(), [in_path], lexical).missing_entity == 0.0
    assert gather_evidence(question, [], _scores(), [referred], lexical).missing_entity == 1.0
