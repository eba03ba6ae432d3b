"""The answer-shape counters: which quoted sentences are not statements."""

import pytest

from evals.answer_shape import RULES, answer_shape, has_verb, sentence_flags, shape_summary

STATEMENTS = [
    "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren.",
    "De gezinswerker werd als verwijzer meestal gezien als regiehouder.",
    "In 2018 werden 389 jongeren en 281 gezinnen geholpen in 12 gemeenten.",
    "De resultaten staan in tabel 4 (zie bijlage 3) en laten zien dat ouders tevreden zijn.",
    "- De jongere kiest zelf een mentor uit het eigen netwerk.",
    "- ouders ervaren de steun van een vertrouwd persoon als waardevol.",
    "Article 12 requires that the views of the child are given due weight.",
    "Onder deelautoplaats wordt verstaan: een parkeerplaats bestemd voor een deelauto;",
    "States Parties shall respect the right of the child to freedom of thought.",
    "Kenis (2013) omschrijft het samenwerken tussen meerdere organisaties als:",
    "a. is aangeduid met bord E9 uit bijlage 1 van het reglement, of",
    "2. De kosten voor registratie in het register worden zodanig vastgesteld dat de baten "
    "niet uitgaan boven de lasten die voor de registratie worden gemaakt en",
]


@pytest.mark.parametrize("sentence", STATEMENTS)
def test_statements_pass(sentence: str) -> None:
    assert sentence_flags(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("Hoe ervaart u de samenwerking met de wijkteams in uw gemeente?", "question"),
        ("What happens when the parents do not agree with the plan? ", "question"),
        ("- welke afspraken over het zoeken naar een mentor", "bullet_without_verb"),
        (
            "• taken en verantwoordelijkheden van de regiehouder binnen het traject",
            "bullet_without_verb",
        ),
        ("b) de rol van de mentor in het gezin en de school", "bullet_without_verb"),
        ("Jeugdhulp totaal 389 281 282 227", "table"),
        ("Aantal | 2017 | 2018 | 2019", "table"),
        ("Wachttijd\tgemiddeld\t12 weken", "table"),
        ("Zie boven (tabel 3).", "cross_reference"),
        ("Zie bijlage 3 voor de volledige lijst van deelnemers.", "cross_reference"),
        ("See above for the definitions.", "cross_reference"),
        ("Voor de cijfers: zie tabel 2.", "cross_reference"),
        ("Taken van de mentor.", "fragment"),
        ("Dit is kort.", "fragment"),
        ("4.2 Conclusie per werkzaam element", "heading"),
        ("Hoofdstuk 3 Resultaten van het onderzoek", "heading"),
        ("Samenwerking Tussen Professionals In Het Sociaal Domein", "heading"),
        ("Citeertitel: Parkeerregeling 2025 Onderwerp van de regeling:", "heading"),
        ("26.We hebben nu de casus besproken en gaan verder met de afspraken.", "glued_number"),
        ("3)De gemeente stelt een verordening vast over de hulp.", "glued_number"),
    ],
)
def test_each_rule(sentence: str, rule: str) -> None:
    assert rule in sentence_flags(sentence)


def test_a_heading_of_the_passage_counts_even_as_a_sentence() -> None:
    sentence = "Samen in gesprek met ouders ondersteunt het opbouwen van een werkrelatie"
    assert sentence_flags(sentence) == []
    path = [
        "Conclusies > 4.2 Conclusies > Samen in gesprek met ouders ondersteunt het "
        "opbouwen van een werkrelatie"
    ]
    assert sentence_flags(sentence, path) == ["heading"]
    assert sentence_flags("4.2 Conclusies", path) == ["fragment", "heading"]


def test_a_number_that_is_not_glued_is_fine() -> None:
    assert "glued_number" not in sentence_flags("2.5 procent van de jongeren kreeg hulp.")
    assert "glued_number" not in sentence_flags("3. De gemeente stelt een verordening vast.")


def test_a_list_item_or_table_row_is_not_also_a_heading() -> None:
    assert sentence_flags("- welke afspraken over het zoeken naar een mentor") == [
        "bullet_without_verb"
    ]
    assert sentence_flags("Jeugdhulp totaal 389 281 282 227") == ["table"]


def test_verbs() -> None:
    assert has_verb("de jongere kiest een mentor")
    assert has_verb("the plan was approved")
    assert not has_verb("het zoeken naar een mentor")  # a noun made from a verb
    assert not has_verb("taken en verantwoordelijkheden")
    assert not has_verb("gezondheid en veiligheid")
    assert has_verb("de mentor is gekozen door de jongere")


def test_answer_shape_and_summary() -> None:
    citations = [
        {"n": 1, "quote": STATEMENTS[0], "section": "Resultaten"},
        {
            "n": 2,
            "quote": "Wat doet de mentor? De mentor steunt de jongere bij keuzes.",
            "section": None,
        },
        {"n": 3, "quote": "Resultaten", "section": "Hoofdstuk 4 > Resultaten"},
    ]
    shape = answer_shape(citations)
    assert shape["sentences"] == 4
    assert [(b["n"], b["sentence"]) for b in shape["bad"]] == [
        (2, "Wat doet de mentor?"),
        (3, "Resultaten"),
    ]
    assert shape["bad"][1]["rules"] == ["fragment", "heading"]
    summary = shape_summary([shape, answer_shape([]), {"sentences": 0, "bad": []}])
    assert summary["sentences"] == 4
    assert summary["bad_quotes"] == 2
    assert set(summary["by_rule"]) == set(RULES)
    assert summary["by_rule"]["question"] == 1
    assert summary["by_rule"]["fragment"] == 2
    assert summary["by_rule"]["heading"] == 1


def test_no_answerer_code_is_used() -> None:
    from pathlib import Path

    import evals.answer_shape as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    assert "service." not in source  # independent of the answerer's own filters
