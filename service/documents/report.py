"""What ingest made of one document, for the knowledge manager: pages, passages, sections,
pages without text, running headers and footers removed, and warnings — never a change to it.

The report is worked out from the stored original (so it matches the index) and kept by the
file's sha256 under ``<data dir>/documents/reports/``.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from pathlib import Path
from typing import Any

from ingest.cleaning import PAGE_SEPARATOR, clean_pages
from ingest.loaders import load_document
from ingest.model import Chunk, DocumentInfo
from ingest.ocr import INSTALL_COMMAND, ocr_available
from ingest.structure import find_sections
from service.security.redaction import PersonalDataKind, find_personal_data
from vraagbaak.errors import DocumentLoadError

logger = logging.getLogger(__name__)

REPORT_VERSION = 1
MAX_SECTIONS = 40
# Dates fill every report (publication dates, periods): not a sign of case data on their own.
_CASE_DATA_KINDS = {
    PersonalDataKind.BSN: "a BSN",
    PersonalDataKind.IBAN: "an IBAN",
    PersonalDataKind.EMAIL: "an e-mail address",
    PersonalDataKind.PHONE: "a phone number",
    PersonalDataKind.ADDRESS: "a home address",
}
_DIGITS = re.compile(r"\d+")


def _pages_label(pages: list[int]) -> str:
    shown = ", ".join(str(p) for p in pages[:10])
    more = f" and {len(pages) - 10} more" if len(pages) > 10 else ""
    return ("page " if len(pages) == 1 else "pages ") + shown + more


def build_report(path: Path, doc: DocumentInfo, chunks: list[Chunk]) -> dict[str, Any]:
    """The report for ``doc`` read from ``path`` (its original) and its indexed ``chunks``."""
    report: dict[str, Any] = {
        "version": REPORT_VERSION,
        "doc_id": doc.doc_id,
        "source": doc.source,
        "title": doc.title,
        "sha256": doc.sha256,
        "pages": doc.pages,
        "passages": len(chunks),
        "sections": [],
        "pages_without_text": [],
        "ocr_pages": list(doc.ocr_pages),
        "removed_lines": 0,
        "removed_example": None,
        "warnings": [],
    }
    try:
        raw = load_document(path)
    except DocumentLoadError as error:
        report["warnings"].append(f"The file cannot be read again: {error.reason}")
        return report
    clean = clean_pages(raw.pages, markdown=path.suffix.lower() == ".md")
    sections = find_sections(clean.text, clean.headings)
    report["sections"] = [" > ".join(s.path) for s in sections[:MAX_SECTIONS]]
    report["section_count"] = len(sections)
    report["pages_without_text"] = list(raw.textless_pages)
    report["ocr_pages"] = list(raw.ocr_pages)
    removed = _removed_lines(raw.pages, clean.source_offsets)
    report["removed_lines"] = sum(removed.values())
    if removed:
        report["removed_example"] = removed.most_common(1)[0][0]
    warnings: list[str] = report["warnings"]
    if raw.textless_pages:
        how = (
            "OCR found no text on them"
            if ocr_available()
            else f"install OCR to read them: {INSTALL_COMMAND}"
        )
        warnings.append(
            f"This looks scanned: {_pages_label(list(raw.textless_pages))} "
            f"{'has' if len(raw.textless_pages) == 1 else 'have'} no text layer — {how}"
        )
    if raw.ocr_pages:
        warnings.append(
            f"{_pages_label(list(raw.ocr_pages)).capitalize()} had no text layer and "
            "were read by OCR: check their quotes against the page"
        )
    found: dict[PersonalDataKind, set[int]] = {}
    for match in find_personal_data(clean.text):
        if match.kind in _CASE_DATA_KINDS:
            page = clean.page_at(match.start)
            found.setdefault(match.kind, set()).add(page or 0)
    for kind, label in _CASE_DATA_KINDS.items():
        if kind in found:
            pages = sorted(p for p in found[kind] if p)
            where = f" on {_pages_label(pages)}" if pages else ""
            warnings.append(
                f"Contains what looks like {label}{where} — the document may hold case data; "
                "check it (the document is not changed)"
            )
    return report


def _removed_lines(pages: Any, source_offsets: Any) -> Counter[str]:
    """Non-empty raw lines cleaning kept none of: running headers, footers, page numbers."""
    kept = bytearray(sum(len(p.text) for p in pages) + len(PAGE_SEPARATOR) * len(pages))
    for offset in source_offsets:
        if 0 <= offset < len(kept):
            kept[offset] = 1
    removed: Counter[str] = Counter()
    examples: dict[str, str] = {}
    position = 0
    for page in pages:
        for line in page.text.split("\n"):
            text = line.strip()
            if text and not any(kept[position : position + len(line)]):
                key = _DIGITS.sub("#", text)
                examples.setdefault(key, text)
                removed[key] += 1
            position += len(line) + 1
        position += len(PAGE_SEPARATOR) - 1
    return Counter({examples[key]: n for key, n in removed.items()})


class ReportCache:
    """Reports by the file's sha256, as JSON files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, path: Path, doc: DocumentInfo, chunks: list[Chunk]) -> dict[str, Any]:
        stored = self.folder / f"{doc.sha256}.json"
        if stored.exists():
            try:
                report: dict[str, Any] = json.loads(stored.read_text("utf-8"))
                if report.get("version") == REPORT_VERSION:
                    # the same bytes may now be indexed under another id or chunking
                    return report | {"doc_id": doc.doc_id, "passages": len(chunks)}
            except (OSError, ValueError):
                logger.warning("Ignoring the unreadable report %s", stored)
        report = build_report(path, doc, chunks)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            stored.write_text(json.dumps(report, ensure_ascii=False), "utf-8")
        except OSError as error:
            logger.warning("Could not keep the report of %s: %s", doc.source, error)
        return report
