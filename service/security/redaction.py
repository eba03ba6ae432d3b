"""Find and replace personal data (BSN, e-mail, phone, IBAN, dates, addresses) in free text.

Professionals may type details of real families into a question. Everything that is
stored (logs, feedback, caches) goes through :func:`redact` first.

The patterns prefer precision on the numbers that fill youth-care reports ("126
respondenten", "2018", "0-100", "3.2. Samenwerking"): a nine-digit number is only a BSN
when it passes the 11-proef, an IBAN only when its mod-97 checksum holds, and a year on
its own is never a date.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Match",
    "PersonalDataKind",
    "find_personal_data",
    "is_valid_bsn",
    "is_valid_iban",
    "redact",
]


class PersonalDataKind(StrEnum):
    """What was found; the value is the placeholder text without brackets."""

    EMAIL = "E-MAIL"
    IBAN = "IBAN"
    ADDRESS = "ADRES"
    DATE = "DATUM"
    PHONE = "TELEFOON"
    BSN = "BSN"

    @property
    def placeholder(self) -> str:
        return f"[{self.value}]"


@dataclass(frozen=True, slots=True)
class Match:
    """One piece of personal data at ``text[start:end]``."""

    kind: PersonalDataKind
    start: int
    end: int


# When two findings overlap the earlier kind in this list wins, e.g. a date
# "01-02-2015 08:30" is not also read as a phone number "01-02-2015 08".
_PRIORITY = {kind: rank for rank, kind in enumerate(PersonalDataKind)}

# --- checksums ---------------------------------------------------------------------------

_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def is_valid_bsn(digits: str) -> bool:
    """True when ``digits`` (exactly nine digits) passes the 11-proef."""
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    if digits == "000000000":
        return False
    total = sum(weight * int(digit) for weight, digit in zip(_BSN_WEIGHTS, digits, strict=True))
    return total % 11 == 0


def is_valid_iban(candidate: str) -> bool:
    """True when ``candidate`` (spaces allowed, any case) has a valid ISO 13616 checksum."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isascii() or not compact.isalnum():
        return False
    if not (compact[:2].isalpha() and compact[2:4].isdigit()):
        return False
    if compact.startswith("NL") and len(compact) != 18:
        return False
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return int(numeric) % 97 == 1


# --- patterns ----------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")

_IBAN = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?:NL\d{2} ?[A-Z]{4}(?: ?\d{4}){2} ?\d{2}"  # the Dutch layout, exactly
    r"|[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)"  # any other country
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)

_MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    "|january|february|march|may|june|july|august|october"
    "|jan|feb|mrt|mar|apr|jun|jul|aug|sept|sep|okt|oct|nov|dec"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_NO_NUMBER_BEFORE = r"(?<![\w.,/-])"
_NO_NUMBER_AFTER = r"(?!\w|[.,/-]\d)"
_DATE = re.compile(
    _NO_NUMBER_BEFORE
    + r"(?:"
    + rf"{_DAY}(?P<sep1>[-/.]){_MONTH}(?P=sep1)\d{{4}}"  # 12-03-2015, 12/03/2015, 12.03.2015
    + rf"|{_DAY}(?P<sep2>[-/]){_MONTH}(?P=sep2)\d{{2}}"  # 12-03-15 (not 3.2.15: a section)
    + rf"|\d{{4}}(?P<sep3>[-/.]){_MONTH}(?P=sep3){_DAY}"  # 2015-03-12
    + rf"|{_DAY}(?:e|ste|de|th|st|nd|rd)?(?:\s+|[-/.])(?:{_MONTHS})\.?(?:\s+|[-/.])\d{{4}}"
    + rf"|(?:{_MONTHS})\.?\s+{_DAY}(?:th|st|nd|rd)?,?\s+\d{{4}}"  # March 12, 2015
    # 12032015: day, month and a year of this or the last century, unseparated
    + r"|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)\d\d"
    + r")"
    + _NO_NUMBER_AFTER,
    re.IGNORECASE,
)

_SEP = r"[ ./\-\u2010-\u2015]?"  # also slashes and the dashes word processors put in
_PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:"
    rf"(?:\+|00)31{_SEP}(?:\(0\){_SEP})?[1-9](?:{_SEP}\d){{8}}"  # +31 6 12345678, 0031...
    rf"|0[1-9](?:{_SEP}\d){{8}}"  # 06-12345678, 030-1234567, 020 123 4567
    r"|\(0[1-9]\) ?\d(?:[ .-]?\d){7}"  # (06) 12345678
    r"|\(0[1-9]\d\) ?\d(?:[ .-]?\d){6}"  # (030) 123 45 67
    r"|\(0[1-9]\d\d\) ?\d(?:[ .-]?\d){5}"  # (0345) 123456
    r")"
    r"(?!\d|[.,/-]\d)"
)

# Letters may touch the number ("BSN111222333"); digits and number punctuation may not.
_BSN = re.compile(r"(?<![\d_.,/-])(\d{3})([. -]?)(\d{3})\2(\d{3})(?!\w|[.,/-]\d)")

_HOUSE_NUMBER = r"\d{1,5}(?:[ -]?(?:bis|hs|[A-Za-z])|-\d{1,4})?(?![\w-])"
_STREET_WORD = r"(?:[A-Z][\w'.-]*|'s-[A-Z][\w'.-]*)"
_STREET_PARTICLE = r"(?:van|de|der|den|het|ten|ter|te|op|aan|in|bij|'t|'s)"
_STREET = (
    rf"(?:{_STREET_WORD}\s+(?:(?:{_STREET_WORD}|{_STREET_PARTICLE})\s+){{0,3}})?{_STREET_WORD}"
)
_TWO_LETTER_WORDS = (
    r"(?:en|in|op|of|is|de|te|al|om|er|na|nu|zo|ze|we|je|uw|ca|nr|pp|ma|di|wo|do|vr|za"
    r"|at|on|to|an|as|be|by|he|if|it|me|my|no|or|so|up|us|am|pm)"
)
_POSTCODE = r"[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2}(?![\w])"
_ADDRESS = re.compile(
    r"(?:"
    # Oudegracht 12, 3511 AB  (street and number are only recognisable before a postcode)
    rf"(?<![\w'-]){_STREET}\s+{_HOUSE_NUMBER},?\s+[1-9]\d{{3}} ?[A-Za-z]{{2}}(?![\w])"
    # 3511 AB 12a, 3511AB 12, 3511ab 12
    rf"|(?<![\w.,-])[1-9]\d{{3}}(?: ?[A-Z]{{2}}|[a-z]{{2}}),?\s+{_HOUSE_NUMBER}"
    # 3511 ab 4a, unless the two letters are a word: "2018 en 12"
    rf"|(?<![\w.,-])[1-9]\d{{3}} (?!{_TWO_LETTER_WORDS}\b)[a-z]{{2}},?\s+{_HOUSE_NUMBER}"
    # 3511 AB  (a lone postcode only in capitals: "2018 en" is not one)
    rf"|(?P<lone>(?<![\w.,-]){_POSTCODE})"
    r")"
)
# "in 2019 JZ werd": a year followed by an abbreviation looks like a lone postcode.
_YEAR_LIKE = re.compile(r"(?:19|20)\d\d")
_PLACE_AFTER = re.compile(r",?\s+(?:[A-Z]|'s-|'t )")
_POSTCODE_BEFORE = re.compile(r"postcode\W*$", re.IGNORECASE)


def _bsn_matches(text: str) -> Iterator[Match]:
    for found in _BSN.finditer(text):
        if not is_valid_bsn(found.group(1) + found.group(3) + found.group(4)):
            continue
        before = text[: found.start()].rstrip()
        if before.endswith(("€", "EUR")):
            continue  # an amount of money, not a person
        if found.group(2) == " " and (
            re.search(r"\d ?$", text[: found.start()]) or re.match(r" ?\d", text[found.end() :])
        ):
            continue  # a run of space-separated numbers, e.g. a table row
        yield Match(PersonalDataKind.BSN, found.start(), found.end())


def _address_matches(text: str) -> Iterator[Match]:
    for found in _ADDRESS.finditer(text):
        if found.group("lone") and _YEAR_LIKE.match(found.group()):
            has_place = _PLACE_AFTER.match(text, found.end())
            has_label = _POSTCODE_BEFORE.search(text, 0, found.start())
            if not (has_place or has_label):
                continue
        yield Match(PersonalDataKind.ADDRESS, found.start(), found.end())


def _iban_matches(text: str) -> Iterator[Match]:
    for found in _IBAN.finditer(text):
        candidate = found.group()
        bban_digits = sum(char.isdigit() for char in candidate[4:])
        if bban_digits >= 6 and is_valid_iban(candidate):
            yield Match(PersonalDataKind.IBAN, found.start(), found.end())


Finder = Callable[[str], Iterator[Match]]


def _simple_matches(pattern: re.Pattern[str], kind: PersonalDataKind) -> Finder:
    def finder(text: str) -> Iterator[Match]:
        for found in pattern.finditer(text):
            yield Match(kind, found.start(), found.end())

    return finder


_FINDERS: tuple[Finder, ...] = (
    _simple_matches(_EMAIL, PersonalDataKind.EMAIL),
    _iban_matches,
    _address_matches,
    _simple_matches(_DATE, PersonalDataKind.DATE),
    _simple_matches(_PHONE, PersonalDataKind.PHONE),
    _bsn_matches,
)


def find_personal_data(text: str) -> list[Match]:
    """All personal data in ``text``, non-overlapping and in reading order."""
    candidates = [match for finder in _FINDERS for match in finder(text)]
    candidates.sort(key=lambda m: (_PRIORITY[m.kind], m.start, m.start - m.end))
    chosen: list[Match] = []
    for candidate in candidates:
        if all(candidate.end <= kept.start or kept.end <= candidate.start for kept in chosen):
            chosen.append(candidate)
    return sorted(chosen, key=lambda m: m.start)


def redact(text: str) -> str:
    """``text`` with every piece of personal data replaced by a placeholder such as "[BSN]"."""
    parts: list[str] = []
    position = 0
    for match in find_personal_data(text):
        parts.append(text[position : match.start])
        parts.append(match.kind.placeholder)
        position = match.end
    parts.append(text[position:])
    return "".join(parts)
