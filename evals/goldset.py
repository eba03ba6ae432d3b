"""The gold question set: loading, validation and how a gold quote is found in a passage.

One JSON object per line::

    {"id": "q001", "question": "...", "language": "nl", "answerable": true,
     "doc": "000_a40865c55bc392e4.txt", "quotes": ["verbatim corpus text"],
     "facts": ["short strings occurring in the quotes"], "category": "roles", "style": "question",
     "split": "dev"}

``split`` says which part of the set an item belongs to: ``dev`` (tune and calibrate on it) or
``test`` (sealed, for reporting). Items without it count as ``dev``; ``python -m evals.split``
assigns it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_SET = Path(__file__).resolve().parent / "gold" / "vraagbaak.jsonl"

LANGUAGES = ("nl", "en")
SPLITS = ("dev", "test")
PARTIAL_COVERAGE = 0.60  # share of a quote's words that must appear as one consecutive run

_SPACES = re.compile(r"\s+")
# A hyphen right after a letter and before a letter, with or without whitespace in between:
# "organ-\niseren" (a line-end split), "organ- iseren" (the same, whitespace-normalised) and
# cleaning's rejoined "organiseren" must all compare equal, so the hyphen and the space go.
_HYPHEN_JOIN = re.compile(r"(?<=\w)-\s*(?=\w)")
_QUOTE_CHARS = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'}
)
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


class GoldSetError(ValueError):
    """A gold set line that is not a valid question; the message names file and line."""


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    language: str  # "nl" or "en"
    answerable: bool
    doc: str | None  # corpus file name the answer is in (None when unanswerable)
    quotes: tuple[str, ...]  # verbatim corpus text, whitespace-normalised
    facts: tuple[str, ...]  # short strings occurring in the quotes
    category: str = ""
    style: str = ""
    split: str = "dev"  # "dev" (tune on it) or "test" (sealed, for reporting)
    line: int = 0  # where it came from, for messages


def load_goldset(path: Path | str = DEFAULT_SET) -> list[GoldQuestion]:
    """Read and validate a gold set; raises ``GoldSetError`` naming the file and line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GoldSetError(f"{path}: cannot read the gold set: {exc}") from exc
    questions: list[GoldQuestion] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise GoldSetError(f"{path}:{number}: not valid JSON: {exc.msg}") from exc
        try:
            question = _question_from(data, number)
        except ValueError as exc:
            raise GoldSetError(f"{path}:{number}: {exc}") from exc
        if question.id in seen:
            raise GoldSetError(
                f"{path}:{number}: duplicate id {question.id!r} (first on line {seen[question.id]})"
            )
        seen[question.id] = number
        questions.append(question)
    return questions


def _question_from(data: Any, line: int) -> GoldQuestion:
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    for key in ("id", "question", "language", "answerable"):
        if key not in data:
            raise ValueError(f"missing field {key!r}")
    qid, text, language, answerable = (
        data[k] for k in ("id", "question", "language", "answerable")
    )
    if not isinstance(qid, str) or not qid.strip():
        raise ValueError("'id' must be a non-empty string")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{qid}: 'question' must be a non-empty string")
    if language not in LANGUAGES:
        raise ValueError(f"{qid}: 'language' must be one of {LANGUAGES}, got {language!r}")
    if not isinstance(answerable, bool):
        raise ValueError(f"{qid}: 'answerable' must be true or false, got {answerable!r}")
    doc = data.get("doc")
    if doc is not None and (not isinstance(doc, str) or not doc.strip()):
        raise ValueError(f"{qid}: 'doc' must be a file name or null")
    quotes = _strings(data.get("quotes", []), "quotes", qid)
    facts = _strings(data.get("facts", []), "facts", qid)
    if answerable and not quotes:
        raise ValueError(f"{qid}: an answerable question needs at least one quote")
    if answerable and doc is None:
        raise ValueError(f"{qid}: an answerable question needs 'doc'")
    category = data.get("category", "")
    style = data.get("style", "")
    for name, value in (("category", category), ("style", style)):
        if not isinstance(value, str):
            raise ValueError(f"{qid}: {name!r} must be a string")
    split = data.get("split", "dev")
    if split not in SPLITS:
        raise ValueError(f"{qid}: 'split' must be one of {SPLITS}, got {split!r}")
    return GoldQuestion(
        id=qid,
        question=text,
        language=language,
        answerable=answerable,
        doc=doc,
        quotes=tuple(quotes),
        facts=tuple(facts),
        category=category,
        style=style,
        split=split,
        line=line,
    )


def _strings(value: Any, name: str, qid: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{qid}: {name!r} must be a list of non-empty strings")
    return list(value)


def normalise_whitespace(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def select_split(questions: list[GoldQuestion], split: str | None) -> list[GoldQuestion]:
    """The questions of one part (``dev`` or ``test``); all of them for None or ``all``."""
    if split in (None, "all"):
        return list(questions)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {(*SPLITS, 'all')}")
    return [q for q in questions if q.split == split]


def normalise(text: str) -> str:
    """How quotes and passages are compared: NFKC, curly quotes straightened, soft hyphens
    dropped, hyphen splits joined, whitespace collapsed, lower case."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text).translate(_QUOTE_CHARS)
    text = _HYPHEN_JOIN.sub("", text)
    return _SPACES.sub(" ", text).strip().lower()


def quote_matches(quote: str, passage_text: str) -> bool:
    """True when the passage holds the quote, or most of it.

    "Most of it": the longest run of consecutive quote words found in the passage covers at
    least 60% of the quote's words, so a chunk boundary that cuts a quote still counts when the
    larger part of the quote is in this passage.
    """
    needle = normalise(quote)
    haystack = normalise(passage_text)
    if not needle:
        return False
    if needle in haystack:
        return True
    words = needle.split(" ")
    need = math.ceil(PARTIAL_COVERAGE * len(words))
    if need >= len(words):
        return False
    return longest_run(words, haystack) >= need


def longest_run(words: list[str], haystack: str) -> int:
    """Length of the longest run of consecutive ``words`` that occurs in ``haystack``."""
    best = 0
    start = 0
    # Two pointers: extend the window while it is found, otherwise move its start on.
    for end in range(1, len(words) + 1):
        while start < end and " ".join(words[start:end]) not in haystack:
            start += 1
        best = max(best, end - start)
    return best


def fact_found(fact: str, text: str) -> bool:
    """A key fact counts when it occurs in ``text`` case-insensitively (same normalisation)."""
    needle = normalise(fact)
    return bool(needle) and needle in normalise(text)
