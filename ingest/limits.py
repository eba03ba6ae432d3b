"""Size limits for what ingest reads: a hostile or broken file is skipped, never let run away.

A zip-based file (.docx) is checked from its central directory before anything inflates it:
every member's declared size and compression ratio, and the total. Python's ``zipfile`` never
inflates a member past its declared size, so a header that lies cannot get round the check.
After loading, a document with more pages or characters than a report could have is skipped.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.model import RawDocument
from vraagbaak.errors import DocumentLoadError

__all__ = [
    "MAX_DOCUMENT_CHARS",
    "MAX_FILE_BYTES",
    "MAX_MEMBER_BYTES",
    "MAX_MEMBER_RATIO",
    "MAX_PAGES",
    "MAX_ZIP_BYTES",
    "check_document_size",
    "check_file_size",
    "check_zip_archive",
]

MAX_FILE_BYTES = 500_000_000  # on disk, any type
MAX_MEMBER_BYTES = 100_000_000  # one zip member, inflated
MAX_ZIP_BYTES = 300_000_000  # all members together, inflated
# Word's XML compresses 5-30×; a member may inflate more than this only while it stays small.
MAX_MEMBER_RATIO = 100
RATIO_APPLIES_FROM_BYTES = 5_000_000
MAX_PAGES = 10_000
MAX_DOCUMENT_CHARS = 20_000_000  # a 1 000-page report holds ~3 million


def _megabytes(size: int) -> str:
    if size < 1_000_000:
        return f"{size / 1000:,.0f} KB"
    return f"{size / 1_000_000:,.0f} MB"


def check_file_size(path: Path) -> None:
    """Refuse a file too large to be a document, before reading it."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DocumentLoadError(
            path, f"file is {_megabytes(size)}, larger than {_megabytes(MAX_FILE_BYTES)} — split it"
        )


def check_zip_archive(path: Path) -> None:
    """Refuse a zip-based file whose members would inflate too far (a decompression bomb)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return  # not a readable archive: the format's own loader says why
    total = 0
    for member in members:
        size = member.file_size
        total += size
        ratio = size / max(member.compress_size, 1)
        if size > MAX_MEMBER_BYTES:
            raise DocumentLoadError(
                path,
                f"'{member.filename}' inside it inflates to {_megabytes(size)}, more than "
                f"{_megabytes(MAX_MEMBER_BYTES)} (a decompression bomb?)",
            )
        if size > RATIO_APPLIES_FROM_BYTES and ratio > MAX_MEMBER_RATIO:
            raise DocumentLoadError(
                path,
                f"'{member.filename}' inside it inflates {ratio:,.0f}× to {_megabytes(size)}, "
                f"more than {MAX_MEMBER_RATIO}× (a decompression bomb?)",
            )
    if total > MAX_ZIP_BYTES:
        raise DocumentLoadError(
            path,
            f"its contents inflate to {_megabytes(total)}, more than {_megabytes(MAX_ZIP_BYTES)}",
        )


def check_document_size(path: Path, raw: RawDocument) -> None:
    """Refuse a loaded document with more pages or characters than any report has."""
    if len(raw.pages) > MAX_PAGES:
        raise DocumentLoadError(
            path, f"{len(raw.pages):,} pages, more than {MAX_PAGES:,} — split the document"
        )
    characters = sum(len(page.text) for page in raw.pages)
    if characters > MAX_DOCUMENT_CHARS:
        raise DocumentLoadError(
            path,
            f"{characters:,} characters of text, more than {MAX_DOCUMENT_CHARS:,} — split it",
        )
