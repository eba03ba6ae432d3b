"""OCR for PDF pages without a text layer, with Debian's tesseract (``tesseract-ocr`` and
``tesseract-ocr-nld``), run as a program. Without it, such pages stay empty and are reported."""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ingest.model import PageText
from ingest.pdfpages import render_for_ocr

logger = logging.getLogger(__name__)

INSTALL_COMMAND = "apt-get install -y tesseract-ocr tesseract-ocr-nld"
# Fewer non-space characters than this on a page means it has no text layer (a scan).
MIN_PAGE_CHARS = 10
OCR_SECONDS_PER_PAGE = 120


@dataclass(frozen=True)
class OcrResult:
    pages: tuple[PageText, ...]
    ocr_pages: tuple[int, ...]  # pages whose text came from OCR
    textless_pages: tuple[int, ...]  # pages still without text (no OCR, or OCR found nothing)


def has_text(text: str) -> bool:
    return len("".join(text.split())) >= MIN_PAGE_CHARS


@functools.cache
def tesseract_languages() -> str | None:
    """The ``-l`` argument for tesseract ("nld+eng", …); None when tesseract is missing."""
    program = shutil.which("tesseract")
    if program is None:
        return None
    try:
        listed = subprocess.run(
            [program, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    wanted = [lang for lang in ("nld", "eng") if lang in listed]
    return "+".join(wanted) if "nld" in wanted else None


def ocr_available() -> bool:
    return tesseract_languages() is not None


def fill_textless_pages(path: Path, pages: tuple[PageText, ...]) -> OcrResult:
    """``pages`` with the text of every page that had none read by OCR (when available)."""
    textless = [p.number for p in pages if p.number is not None and not has_text(p.text)]
    if not textless:
        return OcrResult(pages, (), ())
    languages = tesseract_languages()
    if languages is None:
        logger.warning(
            "%s: page(s) %s have no text layer (scanned?) and stay empty — to read them, "
            "install OCR: %s",
            path.name,
            ", ".join(str(n) for n in textless),
            INSTALL_COMMAND,
        )
        return OcrResult(pages, (), tuple(textless))
    read: dict[int, str] = {}
    for number in textless:
        try:
            text = _ocr_page(path, number, languages)
        except Exception as error:  # one unreadable page must not cost the others
            logger.warning("OCR of %s page %d failed: %s", path.name, number, error)
            continue
        if has_text(text):
            read[number] = text
    filled = tuple(PageText(p.number, read[p.number]) if p.number in read else p for p in pages)
    if read:
        logger.info("%s: read page(s) %s by OCR", path.name, ", ".join(map(str, sorted(read))))
    return OcrResult(filled, tuple(sorted(read)), tuple(n for n in textless if n not in read))


def _ocr_page(path: Path, number: int, languages: str) -> str:
    image = render_for_ocr(path, number)
    with tempfile.TemporaryDirectory(prefix="vraagbaak-ocr-") as folder:
        picture = Path(folder) / "page.png"
        image.save(picture)
        done = subprocess.run(
            ["tesseract", str(picture), "stdout", "-l", languages, "--psm", "3"],
            capture_output=True,
            text=True,
            timeout=OCR_SECONDS_PER_PAGE,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[:200] or f"tesseract exit {done.returncode}")
    return done.stdout.replace("\f", "").strip()


Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points


def ocr_words(path: Path, number: int, page_height: float, dpi: int = 150) -> list[tuple[str, Box]]:
    """The words tesseract reads on page ``number`` with their boxes (for marking a quote on a
    scanned page); empty when tesseract is missing or fails."""
    languages = tesseract_languages()
    if languages is None:
        return []
    image = render_for_ocr(path, number, dpi)
    scale = 72 / dpi
    with tempfile.TemporaryDirectory(prefix="vraagbaak-ocr-") as folder:
        picture = Path(folder) / "page.png"
        image.save(picture)
        done = subprocess.run(
            ["tesseract", str(picture), "stdout", "-l", languages, "--psm", "3", "tsv"],
            capture_output=True,
            text=True,
            timeout=OCR_SECONDS_PER_PAGE,
            check=False,
        )
    if done.returncode != 0:
        logger.warning("OCR of %s page %d failed: %s", path.name, number, done.stderr[:200])
        return []
    words = []
    for line in done.stdout.splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) < 12 or not fields[11].strip():
            continue
        left, top, width, height = (int(v) for v in fields[6:10])
        words.append(
            (
                fields[11],
                (
                    left * scale,
                    page_height - (top + height) * scale,
                    (left + width) * scale,
                    page_height - top * scale,
                ),
            )
        )
    return words
