"""What a question asks for (a number, a date, a definition, …) and whether a sentence gives it.

The answerer puts a sentence that gives the asked type first, and the refusal evidence notes
when no quote gives it: "Hoeveel kost …?" answered without an amount is no answer. General
Dutch and English question patterns only; nothing here knows a document.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

AnswerType = Literal[
    "contact", "amount", "percentage", "time", "date", "quantity", "article", "definition",
    "reason", "actor",
]  # fmt: skip
# Types whose absence from the quotes means the question is not answered: the refusal
# evidence and the "that part is not in the documents" note look at these.
CHECKED: frozenset[str] = frozenset(
    {"contact", "amount", "percentage", "time", "date", "quantity", "article"}
)

_I = re.IGNORECASE
# Most specific first: "hoeveel kost" is an amount, "hoeveel procent" a percentage.
_ASKS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    (
        "contact",
        re.compile(
            r"\b(telefoonnummer|telefoon|bellen|e-?mailadres|website|webadres|postadres|"
            r"bezoekadres|phone number|telephone|e-?mail address|web ?site|postal address)\b",
            _I,
        ),
    ),
    (
        "amount",
        re.compile(
            r"\b(wat kost|wat kosten|hoeveel kost|hoeveel kosten|welk bedrag|hoe hoog is het "
            r"bedrag|wat is de prijs|welk tarief|hoe hoog is de (vergoeding|boete|bijdrage)|"
            r"hoe hoog is het (tarief|salaris|budget)|how much does .* cost|what does .* cost|"
            r"what is the (cost|price|fee|amount)|what amount|how high is the (fine|fee|"
            r"allowance)|welke boete|hoe hoog is de boete|wat is de boete|welk budget|"
            r"wat is het (jaarlijkse |jaar)?budget|uurtarief|in euro'?s?|"
            r"what is the (annual |yearly )?budget|how much is the (fine|"
            r"fee|budget)|what fine|which fine|hourly rate|"
            r"what is the (fine|rate))\b",
            _I,
        ),
    ),
    (
        "percentage",
        re.compile(
            r"\b(welk percentage|hoeveel procent|welk deel|what percentage|what share|"
            r"how many percent|what proportion)\b",
            _I,
        ),
    ),
    (
        "time",
        re.compile(
            r"\b(hoe laat|op welke tijden|welke tijden|openingstijden|welke uren|what time|"
            r"at what times|which hours|what are the .*hours|opening hours)\b",
            _I,
        ),
    ),
    (
        "date",
        re.compile(
            r"\b(in welk jaar|welk jaar|op welke datum|welke datum|sinds wanneer|per wanneer|"
            r"vanaf wanneer|in what year|which year|what year|on what date|what date|which date|"
            r"since when|as of when)\b",
            _I,
        ),
    ),
    (
        "quantity",
        re.compile(
            r"\b(hoeveel|hoe lang|hoe oud|hoe vaak|hoe groot|hoe veel|op welke leeftijd|"
            r"vanaf welke leeftijd|tot welke leeftijd|binnen welke termijn|welke termijn|"
            r"how many|how much|how long|how old|how often|how large|how big|at what age|"
            r"up to what age|from what age|within what period|what period|maximale duur|"
            r"maximum duration|maximum period|wachttijd|waiting time|"
            r"welk (rapport)?cijfer|welke score|"
            r"what (\w+ ){0,3}(score|rating|grade))\b",
            _I,
        ),
    ),
    (
        "article",
        re.compile(r"\b(welk artikel|welke artikelen|which article|what article)\b", _I),
    ),
    (
        "definition",
        re.compile(
            r"^\s*(wat (is|zijn|betekent|betekenen) (een |de |het )?\S+(\s\S+)?\s*\?*$|"
            r"wat (wordt|worden) (er )?(bedoeld met|verstaan onder)|wat verstaat .* onder|"
            r"waar staat .* voor|wat houdt .* in|"
            r"what (is|are) (a |an |the )?\S+(\s\S+)?\s*\?*$|what does .* (mean|stand for)|"
            r"what is meant by|define |definition of)",
            _I,
        ),
    ),
    (
        "reason",
        re.compile(r"\b(waarom|om welke reden|why|for what reason|what is the reason)\b", _I),
    ),
    (
        "actor",
        re.compile(
            r"^\s*(wie|who|welke (organisatie|instantie|partij)|"
            r"which (organi[sz]ation|body|party))\b",
            _I,
        ),
    ),
)  # fmt: skip

_WORD = re.compile(r"\w+", re.UNICODE)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_SECTION_NUMBER = re.compile(r"\s*(?:\d{1,2}(?:\.\d{1,2})*\.|\d{1,2}(?:\.\d{1,2})+|\d{1,2}°\.?)\s")
_NUMBER = re.compile(
    r"(?<![\w-])\d+(?:[.,]\d+)*(?![\w-])"
    r"|\b(één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|veertien|"
    r"vijftien|zestien|zeventien|achttien|negentien|twintig|dertig|veertig|vijftig|honderd|"
    r"duizend|kwart|helft|meerderheid|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|twenty|hundred|thousand|quarter|majority)\b",
    _I,
)
_MONTH = (
    r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
    r"january|february|march|may|june|july|august|october"
)
_GIVES: dict[str, re.Pattern[str]] = {
    "contact": re.compile(
        r"(?<!\d)(?:\+?\d[\d -]{7,}\d)(?!\d)|\S+@\S+\.\w+|\bwww\.\S+|https?://\S+|"
        r"\b\d{4}\s?[A-Z]{2}\b",
    ),
    "amount": re.compile(r"€|\beuro\b|\bEUR\b|\bUSD\b|\$\s?\d|\b\d+(?:[.,]\d+)*\s?(?:,-|euro)", _I),
    "percentage": re.compile(
        r"%|\bprocent\b|\bpercent\b|\b(helft|kwart|derde|meerderheid|minderheid|"
        r"half|quarter|third|majority|minority)\b",
        _I,
    ),
    "date": re.compile(
        rf"\b(?:19|20)\d\d\b|\b\d{{1,2}}[-/]\d{{1,2}}[-/]\d{{2,4}}\b|\b({_MONTH})\b", _I
    ),
    "article": re.compile(r"\b(artikel|art\.|article)\s*\d+", _I),
    "time": re.compile(r"\b\d{1,2}[.:]\d{2}\b|\b\d{1,2}\s?(uur|u\b|am\b|pm\b|h\b)", _I),
    "definition": re.compile(
        r"\b(is een|is de|is het|zijn de|zijn mensen|wordt verstaan|verstaan we|verstaan wij|"
        r"wordt bedoeld|betekent|betekenen|houdt in|staat voor|noemen we|heet|"
        r"is a|is an|is the|are the|means|refers to|stands for|is defined as|shall mean)\b"
        r"|^[^.]{2,60}:\s",
        _I,
    ),
    "reason": re.compile(
        r"\b(omdat|doordat|want|vanwege|daardoor|daarom|reden|zodat|oorzaak|dankzij|"
        r"because|due to|since|so that|reason|therefore|as a result)\b",
        _I,
    ),
}


# The units a quantity comes in, when the question's words say which: "hoe lang" a duration,
# "hoe oud" an age, "hoe vaak" a frequency (both languages: a Dutch sentence may answer an
# English question). Prefixes of words.
_UNITS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (
        re.compile(
            r"\b(hoe lang|how long|binnen welke termijn|welke termijn|what period|"
            r"within what period|maximale duur|maximum duration|maximum period|wachttijd|"
            r"waiting time)\b",
            _I,
        ),
        ("seconde", "minu", "uur", "uren", "dag", "week", "weken", "maand", "jaar", "jaren",
         "termijn", "second", "hour", "day", "month", "year"),
    ),
    (
        re.compile(
            r"\b(hoe oud|op welke leeftijd|vanaf welke leeftijd|tot welke leeftijd|how old|"
            r"at what age|up to what age|from what age)\b",
            _I,
        ),
        ("jaar", "jarig", "leeftijd", "year", "age", "aged"),
    ),
    (
        re.compile(r"\b(hoe vaak|how often)\b", _I),
        ("keer", "maal", "per", "wekelijks", "maandelijks", "dagelijks", "jaarlijks", "times",
         "once", "twice", "weekly", "monthly", "daily", "annually", "every", "elke", "iedere"),
    ),
)  # fmt: skip
# An amount per period ("per jaar", "hourly rate"): a quote's amount must be per that period
# too (an amount per month answers no question about a year). Both languages, either way.
_PERIODS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(asked, _I), re.compile(given, _I))
    for asked, given in (
        (r"\b(per uur|uurtarief|uurloon|per hour|hourly|an hour)\b",
         r"\b(per uur|uurtarief|uurloon|per hour|hourly|an hour)\b|/\s?(uur|u|hour|h)\b"),
        (r"\b(per dag|dagtarief|per day|daily|a day)\b",
         r"\b(per dag|dagtarief|per etmaal|per day|daily|a day)\b|/\s?(dag|day)\b"),
        (r"\b(per week|weekly|a week)\b", r"\b(per week|weekly|a week)\b|/\s?week\b"),
        (r"\b(per maand|maandelijks\w*|per month|monthly|a month)\b",
         r"\b(per maand|maandelijks\w*|per month|monthly|a month)\b|/\s?(maand|month)\b"),
        (r"\b(per jaar|jaarlijks\w*|per year|annual\w*|yearly|a year|each year|every year)\b",
         r"\b(per jaar|jaarlijks\w*|per year|annual\w*|yearly|a year)\b|/\s?(jaar|year)\b"),
    )
)  # fmt: skip
# "hoeveel gezinnen …", "how many families …": the word after it is the unit.
_COUNTED = re.compile(r"\b(?:hoeveel|how many)\s+(?:van de\s+|of the\s+)?([^\W\d_]{3,})", _I)
_NOT_UNITS = frozenset({"procent", "percent", "keer", "times", "jaar", "years"})


@lru_cache(maxsize=4096)
def asked_unit(question: str) -> tuple[tuple[str, ...], bool]:
    """Word prefixes of the unit a quantity question asks in ("hoeveel gezinnen" → "gezin"),
    and whether they are the question's own words (then only a sentence in the question's
    language can show them) rather than units of both languages. Empty: no unit to check."""
    for pattern, units in _UNITS:
        if pattern.search(question):
            return units, False
    match = _COUNTED.search(question)
    if match and match.group(1).lower() not in _NOT_UNITS:
        word = match.group(1).lower()
        for _, units in _UNITS:  # "hoeveel dagen", "how many weeks": a duration
            if any(word.startswith(u) for u in units):
                return units, False
        return (word[: max(4, len(word) - 2)],), True
    return (), False


def gives_unit(sentence: str, units: tuple[str, ...]) -> bool:
    if not units:
        return True
    words = _WORD.findall(sentence.lower())
    return any(w.startswith(u) for w in words for u in units)


@lru_cache(maxsize=4096)
def asked_type(question: str) -> AnswerType | None:
    """The kind of answer ``question`` asks for, or None (an open question)."""
    for kind, pattern in _ASKS:
        if pattern.search(question):
            return kind
    return None


def gives(kind: str | None, sentence: str, context: str = "") -> bool:
    """Whether ``sentence`` gives an answer of ``kind`` (``context``: the passage's section
    path, which names a law's article). An open question (None) is given by any sentence."""
    if kind is None or kind == "actor":
        return True
    if kind == "quantity":
        return gives_number(sentence)
    if kind == "article":
        return bool(_GIVES["article"].search(sentence) or _GIVES["article"].search(context))
    pattern = _GIVES.get(kind)
    return True if pattern is None else bool(pattern.search(sentence))


def gives_number(sentence: str) -> bool:
    """A number (not a leading section number such as "1.1.", not a year, not part of a name
    such as "U-2B") or a number word."""
    return bool(_NUMBER.search(_YEAR.sub(" ", after_section_number(sentence))))


def after_section_number(text: str) -> str:
    match = _SECTION_NUMBER.match(text)
    return text[match.end() if match else 0 :]


def answers_type(
    question: str, sentence: str, context: str = "", same_language: bool = True
) -> bool:
    """Whether ``sentence`` gives what ``question`` asks for, in its unit when the question
    names one ("hoeveel gezinnen": a number of families, not of years)."""
    kind = asked_type(question)
    if not gives(kind, sentence, context):
        return False
    if kind == "amount":
        period = next((given for asked, given in _PERIODS if asked.search(question)), None)
        return period is None or bool(period.search(sentence))
    if kind != "quantity":
        return True
    units, own_words = asked_unit(question)
    return (own_words and not same_language) or gives_unit(sentence, units)


# Where a question asks a second thing: "Wat is een JIM en wie kiest die?"
_SECOND_PART = re.compile(
    r"(?:,\s*|\s)(?:en|and)\s+(?=(?:wie|wat|hoe|hoeveel|welke|welk|waar|wanneer|waarom|who|what|"
    r"how|which|where|when|why|in how many|in hoeveel)\b)",
    re.IGNORECASE,
)


def question_parts(question: str) -> list[str]:
    """The things a question asks, one per part ("… en hoeveel …?" is two)."""
    return [p.strip() for p in _SECOND_PART.split(question) if p.strip()]


def unanswered_types(question: str, sentences: list[tuple[str, str, bool]]) -> list[str]:
    """The checked types (a number, an amount, a date, …) that parts of ``question`` ask and no
    sentence gives; ``sentences`` are (text, passage context, in the question's language)."""
    missing: list[str] = []
    for part in question_parts(question):
        kind = asked_type(part)
        given = any(answers_type(part, text, context, same) for text, context, same in sentences)
        if kind in CHECKED and kind not in missing and not given:
            missing.append(kind)
    return missing
