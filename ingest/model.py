"""The records that carry provenance through the pipeline.

Every offset is into the document's *clean* text (what ``cleaning`` produces), so
``clean_text[chunk.start:chunk.end] == chunk.text`` always holds and every citation can be
checked against the document it came from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PageText:
    """Raw text of one page as a loader returns it (``number`` None: the format has no pages)."""

    number: int | None
    text: str


@dataclass(frozen=True)
class RawDocument:
    """What a loader returns: the pages' raw text and whatever metadata the file carries."""

    path: str
    pages: tuple[PageText, ...]
    title: str | None = None
    author: str | None = None
    ocr_pages: tuple[int, ...] = ()  # pages whose text was read by OCR
    textless_pages: tuple[int, ...] = ()  # pages left without text (a scan, OCR not installed)


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document, as citations show it."""

    doc_id: str
    source: str  # file name relative to the corpus folder
    title: str
    author: str | None
    year: str | None
    language: str
    sha256: str  # of the file's bytes: how incremental ingest finds changes
    pages: int | None
    chars: int = 0
    ocr_pages: tuple[int, ...] = ()  # pages whose text was read by OCR: their quotes say so


@dataclass(frozen=True)
class Section:
    """A heading and where its section starts in the clean text."""

    start: int
    level: int
    heading: str
    path: tuple[str, ...]  # headings from the top level down to this one


@dataclass(frozen=True)
class Chunk:
    """A passage: the unit of retrieval and of citation.

    ``sentences`` are (start, end) spans relative to ``text``: the units answers quote.
    """

    id: str
    doc_id: str
    ordinal: int
    text: str
    section: str  # section path joined with " > " ("" before the first heading)
    page: int | None  # the page the passage starts on (None for formats without pages)
    page_end: int | None  # the last page the passage reaches
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...] = field(default=())
    # (offset in ``text``, page number) of each page that begins inside the passage, so a
    # quote cites the page it stands on, not the page its passage starts on
    page_breaks: tuple[tuple[int, int], ...] = field(default=())

    def sentence_texts(self) -> list[str]:
        return [self.text[s:e] for s, e in self.sentences]

    def page_at(self, offset: int) -> int | None:
        """The page of the character at ``offset`` in ``text`` (None for formats without pages)."""
        page = self.page
        for start, number in self.page_breaks:
            if start > offset:
                break
            page = number
        return page

    @staticmethod
    def make_id(doc_id: str, ordinal: int, text: str) -> str:
        # Content-addressed: an edited passage gets a new id, so FAQ citations can tell it changed.
        return f"{doc_id}:{ordinal:04d}:{text_hash(text)[:8]}"
