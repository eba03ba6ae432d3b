"""Key facts of a gold quote: what a correct answer must contain, checked by substring.

A fact is a quantity with its unit ("23%", "45 jongeren", "twaalf weken") or a content word of
the quote (a name, an acronym, a long word). Bare years and single digits are never facts: an
answer quoting another passage holds them by chance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN_PLUS

MAX_FACTS = 4
MIN_WORD_CHARS = 6  # shorter lower-case words are rarely what an answer hinges on
_STOP = frozenset(STOPWORDS_DUTCH) | frozenset(STOPWORDS_EN_PLUS)
_NUMBER_WORDS = (
    "twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|twintig|dertig|veertig|vijftig|"
    "honderd|duizend|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred"
)
# A number (or number word) and the word after it, or a percent sign / euro amount.
_QUANTITY = re.compile(
    rf"(?:€\s?\d[\d.,]*|\b(?:\d[\d.,]*|{_NUMBER_WORDS})\s?(?:%|procent\b|percent\b|"
    r"[A-Za-zÀ-ÿ][\w-]{1,}))",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-zÀ-ÿ][\w'-]*[\wÀ-ÿ]")
_YEAR = re.compile(r"(?:1[89]|20)\d\d")


def is_fact(fact: str) -> bool:
    """False for what can't be a fact: a bare year, a single digit or a function word."""
    text = fact.strip()
    if not text or _YEAR.fullmatch(text) or re.fullmatch(r"\d", text):
        return False
    return text.lower() not in _STOP


def key_facts(quotes: Iterable[str], question: str = "", limit: int = MAX_FACTS) -> list[str]:
    """Up to ``limit`` facts from ``quotes``: quantities with units first, then names and
    acronyms, then the longest content words; words the question already holds are left out
    (an answer repeating the question proves nothing). Each fact occurs in a quote."""
    asked = {w.lower() for w in _WORD.findall(question)}
    quantities: list[str] = []
    names: list[str] = []
    words: list[str] = []
    for quote in quotes:
        for match in _QUANTITY.finditer(quote):
            found = match.group().strip()
            number, _, unit = found.partition(" ")
            if unit and unit.lower() in _STOP:  # "2018 de …": a year or a number, no unit
                continue
            if not unit and not found.endswith("%") and not found.startswith("€"):
                continue
            if (_YEAR.fullmatch(number) or re.fullmatch(r"\d", number)) and not re.search(
                r"%|procent|percent", found, re.IGNORECASE
            ):
                continue
            quantities.append(found)
        for match in _WORD.finditer(quote):
            word, lower = match.group(), match.group().lower()
            if lower in _STOP or lower in asked or not is_fact(word):
                continue
            opens_sentence = (
                not quote[: match.start()].strip() or quote[: match.start()].rstrip()[-1] in ".!?:;"
            )
            if (word.isupper() and len(word) >= 2) or (word[0].isupper() and not opens_sentence):
                names.append(word)
            elif len(word) >= MIN_WORD_CHARS:
                words.append(word)
    words.sort(key=len, reverse=True)
    facts = list(dict.fromkeys(quantities + names + words))
    return [fact for fact in facts if is_fact(fact)][:limit]
