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
class PdfPageText:
    """A page's text layer as pdfium reads it: one character per pdfium character index."""

    path: Path
    number: int
    width: float  # in PDF points
    height: float
    text: str


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


def render_page(path: Path, number: int, scale: float) -> tuple[Any, PdfPageText]:
    """Page ``number`` (1-based) as a PIL image at ``scale`` × 72 dpi, and its text layer."""
    with open_pdf(path) as pdf:
        if not 1 <= number <= len(pdf):
            raise IndexError(f"page {number} is not in this document (1–{len(pdf)})")
        page = pdf[number - 1]
        try:
            image = page.render(scale=scale).to_pil()
            width, height = page.get_size()
            text = _page_text(page)
        finally:
            page.close()
    return image, PdfPageText(path, number, width, height, text)


def char_boxes(
    page: PdfPageText, indexes: list[int]
) -> list[tuple[float, float, float, float]]:
    """The boxes (left, bottom, right, top, in PDF points) of the characters at ``indexes``."""
    with open_pdf(page.path) as pdf:
        pdf_page = pdf[page.number - 1]
        try:
            textpage = pdf_page.get_textpage()
            try:
                return [tuple(textpage.get_charbox(i)) for i in indexes]
            finally:
                textpage.close()
        finally:
            pdf_page.close()


def _page_text(page: Any) -> str:
    """One character per pdfium character index (the text layer read in one call when its
    length agrees, else character by character)."""
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range() if count else ""
        if len(text) != count:
            codes = (pdfium_c.FPDFText_GetUnicode(textpage.raw, i) for i in range(count))
            text = "".join(chr(c) if 0 < c < 0x110000 else " " for c in codes)
        return str(text)
    finally:
        textpage.close()


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
