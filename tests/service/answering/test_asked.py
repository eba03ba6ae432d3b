"""What a question asks for, and whether a sentence gives it."""

from __future__ import annotations

import pytest

from service.answering.asked import (
    answers_type,
    asked_type,
    gives,
    question_parts,
    unanswered_types,
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Hoeveel gezinnen bereikten de buurtteams?", "quantity"),
        ("How long does a JIM trajectory last?", "quantity"),
        ("Wat kost een parkeervergunning?", "amount"),
        ("How much does a permit cost?", "amount"),
        ("How much is the fine in euros for parking there?", "amount"),
        ("What is the annual budget of the centre?", "amount"),
        ("Welke kosten worden vergoed?", None),  # which costs, not how much
        ("What are the paid-parking hours in the city centre?", "time"),
        ("What client satisfaction score did families give?", "quantity"),
        ("Welk percentage van de jongeren koos een mentor?", "percentage"),
        ("In welk jaar trad de wet in werking?", "date"),
        ("What is the phone number of the helpdesk?", "contact"),
        ("Welk artikel regelt de meldcode?", "article"),
        ("Wat is een deelautoplaats?", "definition"),
        ("What does JIM stand for?", "definition"),
        ("Waarom kozen gezinnen een mentor?", "reason"),
        ("Wie heeft de regie als SAVE betrokken is?", "actor"),
        ("Wat is de rol van de gezinswerker bij de start van het traject?", None),
    ],
)
def test_asked_type(question: str, kind: str | None) -> None:
    assert asked_type(question) == kind


@pytest.mark.parametrize(
    ("kind", "sentence", "context", "given"),
    [
        ("quantity", "Zij ondersteunden 4.210 gezinnen.", "", True),
        ("quantity", "Zij ondersteunden veel gezinnen.", "", False),
        ("amount", "Een vergunning kost € 45 per jaar.", "", True),
        ("percentage", "Van de jongeren koos 53 % een mentor.", "", True),
        ("percentage", "De helft van de jongeren koos een mentor.", "", True),
        ("date", "De wet trad op 1 januari 2015 in werking.", "", True),
        ("date", "De wet trad later in werking.", "", False),
        ("contact", "Bel 030 - 123 45 67 voor een afspraak.", "", True),
        ("contact", "Neem contact op met het buurtteam.", "", False),
        ("time", "Betaald parkeren geldt van 9.00 tot 18.00 uur.", "", True),
        ("time", "Betaald parkeren geldt in het centrum.", "", False),
        ("amount", "De vergunning kost 45 per jaar.", "", False),  # no currency: no amount
        ("article", "De meldcode geldt voor iedereen.", "Hoofdstuk 2 > Artikel 3", True),
        ("article", "De meldcode geldt voor alle beroepskrachten.", "Hoofdstuk 2", False),
        ("definition", "Een deelautoplaats is een parkeerplaats voor deelauto's.", "", True),
        (None, "Wat dan ook.", "", True),
    ],
)
def test_gives(kind: str | None, sentence: str, context: str, given: bool) -> None:
    assert gives(kind, sentence, context) is given


@pytest.mark.parametrize(
    ("question", "sentence", "given"),
    [
        ("Wat kost een vergunning per jaar?", "Een vergunning kost € 45 per jaar.", True),
        ("Wat kost een vergunning per jaar?", "Een vergunning kost € 5 per maand.", False),
        ("What is the annual fee for a permit?", "De vergunning kost € 45 per jaar.", True),
        ("What is the hourly rate for home help?", "Hulp kost € 30 per bezoek.", False),
        ("What is the hourly rate for home help?", "Hulp kost € 30 per uur.", True),
        ("Wat kost een vergunning?", "Een vergunning kost € 5 per maand.", True),
    ],
)
def test_an_amount_per_period_is_given_per_that_period(
    question: str, sentence: str, given: bool
) -> None:
    assert answers_type(question, sentence) is given


def test_a_list_marker_is_no_number() -> None:
    assert not gives("quantity", "1°. ondersteuning van jeugdigen en hun ouders;")
    assert asked_type("What is the maximum waiting time for youth care?") == "quantity"
    assert not answers_type("Wat is de maximale wachttijd?", "Er zijn 4 wachtlijsten.")


def test_a_two_part_question_is_checked_part_by_part() -> None:
    assert question_parts("Wat is een JIM en wie kiest die?") == [
        "Wat is een JIM",
        "wie kiest die?",
    ]
    assert question_parts("Wie zijn Lokalis en Youké?") == ["Wie zijn Lokalis en Youké?"]
    definition = [("Een JIM is een mentor uit het eigen netwerk.", "", True)]
    assert unanswered_types("Wat is een JIM en hoeveel kost die?", definition) == ["amount"]
    assert unanswered_types("Wat is een JIM?", definition) == []
