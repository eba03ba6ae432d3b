"""PDF pages as pictures and as positioned characters, through pdfium (pypdfium2).

pdfium is not thread-safe: every call into it goes through ``PDFIUM_LOCK``. pypdfium2 is
imported on first use, never at import time.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PDFIUM_LOCK = threading.RLock()


@dataclass(frozen=True)
class PageChars:
    """A page's characters as pdfium reads them, each with its box in PDF points."""

    width: float
    height: float
    text: str  # one entry per pdfium character index
    boxes: tuple[tuple[float, float, float, float], ...]  # (left, bottom, right, top)


@contextmanager
def open_pdf(path: Path) -> Iterator[Any]:
    """The document opened with pdfium, under the lock, closed afterwards."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(path))
        try:
            yield pdf
        finally:
            pdf.close()


def page_count(path: Path) -> int:
    with open_pdf(path) as pdf:
        return len(pdf)


def render_page(path: Path, number: int, scale: float) -> tuple[Any, PageChars]:
    """Page ``number`` (1-based) as a PIL image at ``scale`` × 72 dpi, and its characters."""
    import pypdfium2.raw as pdfium_c

    with open_pdf(path) as pdf:
        if not 1 <= number <= len(pdf):
            raise IndexError(f"page {number} is not in this document (1–{len(pdf)})")
        page = pdf[number - 1]
        try:
            image = page.render(scale=scale).to_pil()
            width, height = page.get_size()
            textpage = page.get_textpage()
            try:
                count = textpage.count_chars()
                chars = []
                boxes = []
                for index in range(count):
                    code = pdfium_c.FPDFText_GetUnicode(textpage.raw, index)
                    chars.append(chr(code) if 0 < code < 0x110000 else " ")
                    boxes.append(tuple(textpage.get_charbox(index)))
            finally:
                textpage.close()
        finally:
            page.close()
    return image, PageChars(width, height, "".join(chars), tuple(boxes))


def render_for_ocr(path: Path, number: int, dpi: int = 300) -> Any:
    """Page ``number`` (1-based) as a greyscale PIL image for OCR."""
    with open_pdf(path) as pdf:
        page = pdf[number - 1]
        try:
            return page.render(scale=dpi / 72, grayscale=True).to_pil()
        finally:
            page.close()


def match_key(char: str) -> str:
    """What a character counts as when a quote is looked for on a page: letters and digits
    only, case-folded, ligatures spelled out — so line breaks, hyphenation and bullets that
    cleaning changed do not stop a match."""
    return "".join(c for c in unicodedata.normalize("NFKC", char).casefold() if c.isalnum())
