"""A PDF page as a PNG with a quote's characters highlighted.

The quote is clean text (reflowed, de-hyphenated, headers dropped); the page's characters come
from pdfium. Both are compared as letters and digits only (``match_key``): the quote is found
on the page whole when it can be; a quote that runs over onto the next page is marked on each
page for the part it has there (the longest beginning or end of the quote found on the page).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.ocr import Box, ocr_words
from ingest.pdfpages import PdfPageText, char_boxes, match_key, render_page

SCALE = 1.5  # 108 dpi: an A4 page is 893 px wide, sharp on a phone and quick to encode
HIGHLIGHT = (255, 214, 0)
HIGHLIGHT_STRENGTH = 0.45
PALETTE_COLOURS = 64
MIN_PART = 24  # letters and digits: a shorter piece of a quote may be on a page by chance


@dataclass(frozen=True)
class RenderedPage:
    png: bytes
    highlighted: int  # characters marked
    top: float | None  # where the first mark starts, as a fraction of the page height


def quote_char_indexes(page: PdfPageText, quote: str) -> list[int]:
    """pdfium character indexes on ``page`` that carry ``quote``."""
    page_keys: list[str] = []
    owners: list[int] = []
    for index, char in enumerate(page.text):
        for key in match_key(char):
            page_keys.append(key)
            owners.append(index)
    quote_keys = match_key(quote)
    if not quote_keys or not page_keys:
        return []
    haystack = "".join(page_keys)
    found = haystack.find(quote_keys)
    length = len(quote_keys)
    if found < 0:
        head = _longest(lambda n: quote_keys[:n] in haystack, len(quote_keys))
        tail = _longest(lambda n: quote_keys[-n:] in haystack, len(quote_keys))
        if max(head, tail) < min(MIN_PART, len(quote_keys)):
            return []
        part = quote_keys[:head] if head >= tail else quote_keys[-tail:]
        found, length = haystack.find(part), len(part)
    return sorted(set(owners[found : found + length]))


def _longest(present: Callable[[int], bool], most: int) -> int:
    """The largest n ≤ ``most`` with ``present(n)``, for a ``present`` true up to some n."""
    low, high = 0, most
    while low < high:
        middle = (low + high + 1) // 2
        if present(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _line_boxes(boxes: list[Box]) -> list[Box]:
    """Consecutive characters on one line merged into one box (left, bottom, right, top)."""
    merged: list[list[float]] = []
    for left, bottom, right, top in boxes:
        if right <= left or top <= bottom:
            continue  # spaces and generated line breaks have no ink
        if merged:
            last = merged[-1]
            same_line = abs(last[1] - bottom) < 0.6 * (top - bottom) and left >= last[0] - 1
            if same_line and left - last[2] < 3 * (top - bottom):
                last[2] = max(last[2], right)
                last[1] = min(last[1], bottom)
                last[3] = max(last[3], top)
                continue
        merged.append([left, bottom, right, top])
    return [(b[0], b[1], b[2], b[3]) for b in merged]


@functools.lru_cache(maxsize=64)
def _scanned_words(path: Path, mtime: float, number: int, height: float) -> tuple[Any, ...]:
    """OCR words of a scanned page, read once per file version (seconds, not milliseconds)."""
    return tuple(ocr_words(path, number, height))


def _scanned_boxes(path: Path, page: PdfPageText, quote: str) -> list[Box]:
    """On a page that was read by OCR: the boxes of the words that carry ``quote``."""
    words = _scanned_words(path, path.stat().st_mtime, page.number, page.height)
    text = " ".join(word for word, _ in words)
    owners = [n for n, (word, _) in enumerate(words) for _ in range(len(word) + 1)]
    as_page = PdfPageText(page.path, page.number, page.width, page.height, text)
    marked = sorted({owners[i] for i in quote_char_indexes(as_page, quote) if i < len(owners)})
    return [words[n][1] for n in marked]


def render_highlighted(
    path: Path, number: int, quote: str, scale: float = SCALE, *, scanned: bool = False
) -> RenderedPage:
    """Page ``number`` of the PDF at ``path`` with ``quote`` marked in yellow (``scanned``: the
    page has no text layer; the quote is found among the words OCR reads on it)."""
    from PIL import Image

    image, page = render_page(path, number, scale)
    if scanned and quote:
        found = _scanned_boxes(path, page, quote)
        indexes, boxes = list(range(len(found))), _line_boxes(found)
    else:
        indexes = quote_char_indexes(page, quote) if quote else []
        boxes = _line_boxes(char_boxes(page, indexes)) if indexes else []
    marker = None
    pad = 1.5 * scale
    for left, bottom, right, top in boxes:
        area = (
            max(0, int(left * scale - pad)),
            max(0, int((page.height - top) * scale - pad)),
            min(image.width, int(right * scale + pad) + 1),
            min(image.height, int((page.height - bottom) * scale + pad) + 1),
        )
        if area[2] <= area[0] or area[3] <= area[1]:
            continue
        region = image.crop(area)
        if marker is None or marker.size != region.size:
            marker = Image.new("RGB", region.size, HIGHLIGHT)
        image.paste(Image.blend(region, marker, HIGHLIGHT_STRENGTH), area)
    # A page is mostly a few colours: 64 of them keep it sharp and make the PNG 3× quicker.
    paletted = image.quantize(PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    paletted.save(out, format="PNG", compress_level=1)
    first_top = (page.height - boxes[0][3]) / page.height if boxes else None
    return RenderedPage(out.getvalue(), len(indexes), first_top)
