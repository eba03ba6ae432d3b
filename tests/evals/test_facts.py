"""Key facts of gold quotes: quantities with units and content words, never years or digits."""

from __future__ import annotations

from evals.facts import is_fact, key_facts


def test_quantities_with_their_unit_come_first() -> None:
    quote = "In 2018 kozen 45 jongeren een JIM. Ongeveer 23% van de trajecten stopte voortijdig."
    facts = key_facts([quote])
    assert facts[:2] == ["45 jongeren", "23%"]
    assert "2018" not in facts and "In" not in facts and "Ongeveer" not in facts


def test_no_bare_years_digits_or_function_words() -> None:
    facts = key_facts(["In 2018 was 1 op de 3 gezinnen tevreden over de hulp."])
    assert all(not fact.isdigit() for fact in facts)
    assert not any(f.startswith(("1 ", "3 ")) for f in facts)
    assert "gezinnen" in facts
    assert not is_fact("2018") and not is_fact("7") and not is_fact("de") and is_fact("45")


def test_words_the_question_holds_are_left_out_and_each_fact_is_in_a_quote() -> None:
    quote = "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren."
    facts = key_facts([quote], "Wie heeft de regie als SAVE MN betrokken is?")
    assert facts[0] == "regiehouder" and "SAVE" not in facts and "betrokken" not in facts
    assert all(fact in quote for fact in facts) and len(facts) <= 4
