"""Read a document file (.pdf, .txt, .md, .docx) into raw page text plus its metadata.

Every problem with a file surfaces as ``DocumentLoadError`` with a reason the user can act on;
ingest skips such a file and lists it in its summary.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PasswordType, PdfReader
from pypdf.errors import PdfReadError

from ingest.limits import check_zip_archive
from ingest.markdown import render_markdown
from ingest.model import PageText, RawDocument
from ingest.ocr import INSTALL_COMMAND as OCR_INSTALL_COMMAND
from ingest.ocr import fill_textless_pages, ocr_available
from ingest.structure import FUNCTION_WORDS
from vraagbaak.errors import DocumentLoadError

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = frozenset({".pdf", ".txt", ".md", ".docx"})

_UTF8_BOM = b"\xef\xbb\xbf"
_BREAK_KEEPING_END = ".!?:;…"
_CLOSING_PUNCTUATION = ".,;:!?)]…"
_LIST_ITEM = re.compile(r"(?:[-–•*▪◦]|\d{1,3}[.)]|[a-z][.)]|\(\w{1,3}\))\s")
# Fewer extractable characters than this per page (on average) means the PDF is a scan.
_MIN_CHARS_PER_PAGE = 10


def load_document(path: Path) -> RawDocument:
    """Load one file; raises DocumentLoadError (never anything else) when it cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        shown = f"'{suffix}'" if suffix else "without a suffix"
        raise DocumentLoadError(path, f"unsupported file type {shown} — supported: {supported}")
    data = _read_bytes(path)
    if not data.strip():
        raise DocumentLoadError(path, "file is empty")
    try:
        if suffix == ".pdf":
            return _load_pdf(path)
        if suffix == ".docx":
            return _load_docx(path)
        return _load_text(path, data, markdown=suffix == ".md")
    except DocumentLoadError:
        raise
    except Exception as error:  # a parser choked on a damaged file: report it, don't crash ingest
        logger.debug("unexpected error loading %s", path, exc_info=True)
        raise DocumentLoadError(
            path, f"file is damaged or unreadable ({type(error).__name__}: {error})"
        ) from error


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as error:
        raise DocumentLoadError(path, "file not found") from error
    except IsADirectoryError as error:
        raise DocumentLoadError(path, "is a folder, not a file") from error
    except OSError as error:
        raise DocumentLoadError(path, f"cannot be read ({error.strerror or error})") from error


def _load_text(path: Path, data: bytes, *, markdown: bool) -> RawDocument:
    skipped = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:
        text = data[skipped:].decode("utf-8")
    except UnicodeDecodeError as error:
        bad_byte = data[skipped + error.start]
        raise DocumentLoadError(
            path,
            f"not UTF-8 text (byte 0x{bad_byte:02x} at position {skipped + error.start}) "
            "— save it as UTF-8",
        ) from error
    if not text.strip():
        raise DocumentLoadError(path, "file is empty")
    title = None
    if markdown and (rendered := render_markdown(text)).headings:
        top = min(level for _, level in rendered.headings)
        first = next(offset for offset, level in rendered.headings if level == top)
        title = _heading_text(rendered.text, first)
    return RawDocument(path=str(path), pages=(PageText(None, text),), title=title)


def _heading_text(text: str, offset: int) -> str | None:
    """A heading's line, whitespace collapsed."""
    return " ".join(text[offset:].split("\n", 1)[0].split()) or None


def _load_pdf(path: Path) -> RawDocument:
    try:
        reader = PdfReader(path)
    except PdfReadError as error:
        raise DocumentLoadError(
            path, f"not a valid PDF file — it is damaged or incomplete ({error})"
        ) from error
    _unlock(path, reader)
    try:
        page_count = len(reader.pages)
    except PdfReadError as error:
        raise DocumentLoadError(
            path, f"PDF is damaged: its pages cannot be read ({error})"
        ) from error
    if page_count == 0:
        raise DocumentLoadError(path, "PDF has no pages")
    pages = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception as error:
            raise DocumentLoadError(
                path, f"PDF is damaged: page {number} cannot be read ({error})"
            ) from error
        pages.append(PageText(number, text))
    scanned = fill_textless_pages(path, tuple(pages))
    characters = sum(len("".join(page.text.split())) for page in scanned.pages)
    if characters < _MIN_CHARS_PER_PAGE * page_count:
        how = (
            " — OCR found no text in it"
            if ocr_available()
            else f" — install OCR to read it: `{OCR_INSTALL_COMMAND}`"
        )
        raise DocumentLoadError(path, f"PDF has no text layer (a scan?){how}")
    title, author = _pdf_metadata(path, reader)
    return RawDocument(
        path=str(path),
        pages=scanned.pages,
        title=title,
        author=author,
        ocr_pages=scanned.ocr_pages,
        textless_pages=scanned.textless_pages,
    )


def _unlock(path: Path, reader: PdfReader) -> None:
    """Open a PDF that is encrypted with an empty user password; refuse any other."""
    if not reader.is_encrypted:
        return
    try:
        unlocked = reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception:  # e.g. AES without a crypto library: it stays locked for us
        logger.debug("cannot decrypt %s", path, exc_info=True)
        unlocked = False
    if not unlocked:
        raise DocumentLoadError(path, "PDF is encrypted — save a copy without a password")


def _pdf_metadata(path: Path, reader: PdfReader) -> tuple[str | None, str | None]:
    try:
        metadata = reader.metadata
        if metadata is None:
            return None, None
        return _meaningful(metadata.title), _meaningful(metadata.author)
    except Exception:  # broken metadata should not cost us the text
        logger.warning("ignoring unreadable metadata in %s", path)
        return None, None


def _meaningful(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    if not value or value.lower() in {"untitled", "title", "document"}:
        return None
    if re.search(r"\.(docx?|pdf|txt|indd)$", value, re.IGNORECASE):
        return None  # the name of the file it was converted from, not a title
    return value


def _load_docx(path: Path) -> RawDocument:
    check_zip_archive(path)  # before anything inflates it
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as error:
        raise DocumentLoadError(
            path, f"not a valid Word (.docx) document ({type(error).__name__}: {error})"
        ) from error
    text = "\n\n".join(_docx_blocks(document))
    if not text.strip():
        raise DocumentLoadError(path, "document contains no text")
    properties = document.core_properties
    return RawDocument(
        path=str(path),
        pages=(PageText(None, text),),
        title=_meaningful(properties.title),
        author=_meaningful(properties.author),
    )


def _docx_blocks(document: DocxDocument) -> Iterator[str]:
    """Paragraphs and table rows in document order; a row's cells separated by tabs."""
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            if block.text.strip():
                yield join_soft_breaks(block.text)
        elif isinstance(block, Table):
            yield from _table_rows(block)


def join_soft_breaks(paragraph: str) -> str:
    """Join the lines of a paragraph that a soft line break (Word's <w:br/>) cut mid-sentence.

    A break stays where the line before ends a sentence or opens a list (":"), and where the
    next line is a list item or starts with a capital; otherwise the lines are one sentence.
    """
    lines = paragraph.split("\n")
    joined = lines[0].rstrip()
    for line in lines[1:]:
        line = line.strip()
        if not line:
            joined += "\n"
            continue
        before = joined.rstrip()
        if not before:
            joined = line
        elif joined.endswith("\n") or before[-1] in _BREAK_KEEPING_END or _LIST_ITEM.match(line):
            joined = joined.rstrip(" ") + "\n" + line  # an empty line between: a real break
        elif line[0] in _CLOSING_PUNCTUATION:
            joined = before + line
        elif line[0].islower() or line[0].isdigit() or before[-1] in ",(" or _ends_mid(before):
            joined = before + " " + line
        else:
            joined = joined + "\n" + line
    return joined.strip("\n")


def _ends_mid(text: str) -> bool:
    """The line ends in a word that cannot end a sentence ("de", "en", "of", "the")."""
    return text.rsplit(None, 1)[-1].lower() in FUNCTION_WORDS


def _table_rows(table: Table) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                cells.append(text)
        if cells:
            yield "\t".join(cells)
