"""What an answer is: text with [n] markers, each pointing at a citation with a verbatim quote."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Language = Literal["nl", "en"]
MAX_QUESTION_CHARS = 2000  # the longest question, asked or rewritten from a follow-up


@dataclass(frozen=True)
class Citation:
    n: int
    chunk_id: str
    source: str
    title: str
    section: str | None
    page: int | None
    text: str  # the whole passage
    quote: str  # the sentence(s) used, verbatim: text[start:end] == quote
    start: int
    end: int
    score: float = 0.0
    ocr: bool = False  # the quote stands on a page whose text was read by OCR: check the scan


@dataclass(frozen=True)
class Gloss:
    """A Dutch term of the answer in English, for an English reader."""

    term: str
    english: str


@dataclass(frozen=True)
class Answer:
    answer: str
    refused: bool
    language: Language
    citations: tuple[Citation, ...]
    related: tuple[Citation, ...] = ()  # passages that might help when we refuse
    standalone_question: str = ""
    mode: Literal["extractive", "llm", "curated"] = "extractive"
    confidence: float = 0.0
    notes: tuple[str, ...] = field(default=())
    gloss: tuple[Gloss, ...] = ()
    checked_on: str | None = None  # curated: the day a trainer approved it (ISO date)

    def to_json(self, conversation_id: str | None = None) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["citations"] = [asdict(c) for c in self.citations]
        data["related"] = [asdict(c) for c in self.related]
        data["notes"] = list(self.notes)
        data["gloss"] = [asdict(g) for g in self.gloss]
        if conversation_id is not None:
            data["conversation_id"] = conversation_id
        return data
