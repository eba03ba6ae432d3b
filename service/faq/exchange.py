"""Export FAQ sets (Markdown, CSV, JSON, gold-set JSONL) and import them again (JSON, CSV).

- ``md``: for intranet pages — approved entries only: question as a heading, the answer, and
  its sources (title, section, page, quote).
- ``csv`` / ``json``: every entry with status, notes and citations; what ``import`` reads.
- ``evalset``: approved entries as gold-set lines (``evals/gold/README.md``) that
  ``vraagbaak eval run FILE`` accepts: quotes from the citations, ``doc`` the cited file,
  ``facts`` the quotes' key facts (quantities with units and content words, never bare years
  or digits; ``evals.facts``).

Imports are all-or-nothing: the whole file is checked first and stored in one transaction, and
a problem is reported with its CSV line number or JSON position.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from evals.facts import key_facts
from service.faq.store import FaqEntry, FaqError, FaqSet, FaqStore, NewEntry, StoredCitation

ExportFormat = Literal["md", "csv", "json", "evalset"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("md", "csv", "json", "evalset")
MEDIA_TYPES: dict[str, str] = {
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "evalset": "application/x-ndjson",
}
EXTENSIONS = {"md": "md", "csv": "csv", "json": "json", "evalset": "jsonl"}
JSON_FORMAT = "vraagbaak-faq"
JSON_VERSION = 1
CSV_COLUMNS = ("id", "question", "answer", "status", "notes", "stale", "stale_reason", "citations")

_LABELS = {
    "nl": {"sources": "Bronnen", "page": "p.", "stale": "Let op: de bron is gewijzigd"},
    "en": {"sources": "Sources", "page": "p.", "stale": "Note: the source has changed"},
}


class FaqImportError(FaqError):
    """A file that cannot be imported; the message names the line (CSV) or position (JSON)."""


def export_set(store: FaqStore, set_name: str, fmt: str) -> str:
    if fmt not in EXPORT_FORMATS:
        raise FaqError(f"Unknown export format '{fmt}' — use one of {', '.join(EXPORT_FORMATS)}")
    faq_set = store.get_set(set_name)
    entries = store.entries(set_name)
    if fmt == "md":
        return to_markdown(faq_set, entries)
    if fmt == "csv":
        return to_csv(entries)
    if fmt == "json":
        return to_json(faq_set, entries)
    return to_evalset(faq_set, entries)


def export_filename(set_name: str, fmt: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", set_name).strip("-").lower() or "faq"
    suffix = "-evalset" if fmt == "evalset" else ""
    return f"{safe}{suffix}.{EXTENSIONS.get(fmt, 'txt')}"


# --- export ---------------------------------------------------------------------------------


def to_markdown(faq_set: FaqSet, entries: Sequence[FaqEntry], approved_only: bool = True) -> str:
    labels = _LABELS.get(faq_set.language, _LABELS["nl"])
    lines = [f"# {_one_line(faq_set.name)}", ""]
    if faq_set.description:
        lines += [faq_set.description.strip(), ""]
    for entry in entries:
        if approved_only and entry.status != "approved":
            continue
        lines += [f"## {_one_line(entry.question)}", "", entry.answer.strip(), ""]
        if entry.stale:
            lines += [f"> {labels['stale']}: {_one_line(entry.stale_reason)}", ""]
        if entry.citations:
            lines += [f"**{labels['sources']}**", ""]
            for n, c in enumerate(entry.citations, 1):
                where = ", ".join(
                    p
                    for p in (c.section or "", f"{labels['page']} {c.page}" if c.page else "")
                    if p
                )
                title = _one_line(c.title or c.source or c.doc_id)
                head = f"{n}. *{title}*" + (f" — {_one_line(where)}" if where else "")
                lines.append(f"{head}: “{_one_line(c.quote)}”")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _guard(cell: object) -> object:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def _unguard(cell: str) -> str:
    """Undo :func:`_guard`, so an exported file imports back unchanged."""
    if cell.startswith("'") and cell[1:].startswith(_FORMULA_START):
        return cell[1:]
    return cell


def to_csv(entries: Sequence[FaqEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        row = [
            e.id,
            e.question,
            e.answer,
            e.status,
            e.notes,
            int(e.stale),
            e.stale_reason,
            json.dumps([c.to_json() for c in e.citations], ensure_ascii=False),
        ]
        writer.writerow([_guard(cell) for cell in row])
    return buffer.getvalue()


def _entry_json(entry: FaqEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "question": entry.question,
        "answer": entry.answer,
        "status": entry.status,
        "notes": entry.notes,
        "stale": entry.stale,
        "stale_reason": entry.stale_reason,
        "citations": [c.to_json() for c in entry.citations],
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    }


def to_json(faq_set: FaqSet, entries: Sequence[FaqEntry]) -> str:
    data = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "set": {
            "name": faq_set.name,
            "description": faq_set.description,
            "language": faq_set.language,
        },
        "entries": [_entry_json(e) for e in entries],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_evalset(faq_set: FaqSet, entries: Sequence[FaqEntry]) -> str:
    """Approved, cited entries as gold-set JSONL lines (ids ``faq-<set>-<entry id>``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", faq_set.name.lower()).strip("-") or "faq"
    lines = []
    for entry in entries:
        if entry.status != "approved" or not entry.citations:
            continue
        quotes = list(dict.fromkeys(_one_line(c.quote) for c in entry.citations if c.quote))
        doc = next((c.source for c in entry.citations if c.source), entry.citations[0].doc_id)
        facts = key_facts(quotes[:3], entry.question)
        lines.append(
            json.dumps(
                {
                    "id": f"faq-{slug}-{entry.id}",
                    "question": entry.question,
                    "language": faq_set.language,
                    "answerable": True,
                    "doc": doc,
                    "quotes": quotes[:3],
                    "facts": [f for f in facts if any(f in q for q in quotes[:3])],
                    "category": "faq",
                    "style": "question",
                },
                ensure_ascii=False,
            )
        )
    return "\n".join(lines) + ("\n" if lines else "")


# --- import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    entries: list[FaqEntry]

    @property
    def count(self) -> int:
        return len(self.entries)


# An export of a large FAQ set is a few hundred KB and 3 levels deep (set, entries, citations).
MAX_IMPORT_CHARS = 2_000_000
MAX_JSON_DEPTH = 32


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON ``text``, counted without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def load_bounded_json(text: str, where: str) -> Any:
    """``json.loads`` for untrusted text: size and nesting are checked first, so a deep or huge
    document is refused with a message instead of exhausting the stack or the memory."""
    if len(text) > MAX_IMPORT_CHARS:
        raise FaqImportError(
            f"{where}: {len(text):,} characters, at most {MAX_IMPORT_CHARS:,} — split the file"
        )
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise FaqImportError(
            f"{where}: JSON nested {depth} levels deep, at most {MAX_JSON_DEPTH} — "
            "import a file written by `faq export --format json`"
        )
    return json.loads(text)


def parse_import(text: str, filename: str = "") -> list[NewEntry]:
    """Read a file ``export`` wrote (JSON or CSV, told apart by name or first character)."""
    if len(text) > MAX_IMPORT_CHARS:
        raise FaqImportError(
            f"{filename or 'import'}: {len(text):,} characters, at most {MAX_IMPORT_CHARS:,} "
            "— split the file"
        )
    text = text.lstrip("\ufeff")
    name = filename.lower()
    if name.endswith(".json") or (
        not name.endswith(".csv") and text.lstrip()[:1] in "[{" and text.strip()
    ):
        return parse_json(text, filename or "import.json")
    return parse_csv(text, filename or "import.csv")


def import_entries(
    store: FaqStore, set_name: str, text: str, filename: str = "", by: str = "import"
) -> ImportResult:
    """Check the whole file, then store every entry in one transaction (or nothing)."""
    store.get_set(set_name)  # a missing set is reported before the file is read
    entries = parse_import(text, filename)
    return ImportResult(store.add_entries(set_name, entries, by))


def parse_json(text: str, filename: str = "import.json") -> list[NewEntry]:
    try:
        data = load_bounded_json(text, filename)
    except json.JSONDecodeError as exc:
        raise FaqImportError(
            f"{filename}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from exc
    if isinstance(data, dict):
        if "entries" not in data:
            raise FaqImportError(
                f"{filename}: the top-level object has no 'entries' list — "
                "import a file written by `faq export --format json`"
            )
        items = data["entries"]
    else:
        items = data
    if not isinstance(items, list):
        raise FaqImportError(f"{filename}: 'entries' must be a list")
    lines = _json_entry_lines(text)
    entries = []
    for i, item in enumerate(items):
        where = f"entries[{i}]" + (f" (line {lines[i]})" if i < len(lines) else "")
        try:
            if not isinstance(item, dict):
                raise ValueError(f"expected an object, got {type(item).__name__}")
            entries.append(
                _new_entry(
                    item.get("question"),
                    item.get("answer", ""),
                    item.get("status", "draft"),
                    item.get("notes", ""),
                    item.get("citations", []),
                )
            )
        except ValueError as exc:
            raise FaqImportError(f"{filename}: {where}: {exc}") from exc
    return entries


def _json_entry_lines(text: str) -> list[int]:
    """Best-effort line numbers of the entries' opening braces (for messages)."""
    try:
        decoder = json.JSONDecoder()
        start = text.index("[", text.index('"entries"')) if '"entries"' in text else text.index("[")
    except ValueError:
        return []
    lines: list[int] = []
    position = start + 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return lines
        lines.append(text.count("\n", 0, position) + 1)
        try:
            _, position = decoder.raw_decode(text, position)
        except ValueError:
            return lines


def parse_csv(text: str, filename: str = "import.csv") -> list[NewEntry]:
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise FaqImportError(
            f"{filename}: the file is empty — the first line must be the header "
            f"({','.join(CSV_COLUMNS)})"
        ) from None
    except csv.Error as exc:
        raise FaqImportError(f"{filename}: line 1: {exc}") from exc
    if "question" not in header:
        raise FaqImportError(
            f"{filename}: line 1: the header has no 'question' column — "
            f"expected {','.join(CSV_COLUMNS)}"
        )
    entries = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                raise FaqImportError(
                    f"{filename}: line {line}: {len(row)} fields but the header has {len(header)}"
                )
            values = dict(zip(header, (_unguard(cell) for cell in row), strict=False))
            try:
                raw_citations = values.get("citations", "").strip() or "[]"
                try:
                    citations = load_bounded_json(raw_citations, "'citations'")
                except json.JSONDecodeError as exc:
                    raise ValueError(f"'citations' is not a JSON list ({exc.msg})") from exc
                except FaqImportError as exc:
                    raise ValueError(str(exc)) from exc
                entries.append(
                    _new_entry(
                        values.get("question"),
                        values.get("answer", ""),
                        values.get("status", "") or "draft",
                        values.get("notes", ""),
                        citations,
                    )
                )
            except ValueError as exc:
                raise FaqImportError(f"{filename}: line {line}: {exc}") from exc
    except csv.Error as exc:
        raise FaqImportError(f"{filename}: line {reader.line_num}: {exc}") from exc
    return entries


def _new_entry(question: Any, answer: Any, status: Any, notes: Any, citations: Any) -> NewEntry:
    if not isinstance(question, str) or not question.strip():
        raise ValueError("'question' is missing or empty")
    if not isinstance(answer, str):
        raise ValueError("'answer' must be text")
    if not isinstance(notes, str):
        raise ValueError("'notes' must be text")
    status = str(status).strip().lower()
    if status not in ("draft", "approved"):
        raise ValueError(f"'status' must be draft or approved, got '{status}'")
    if not isinstance(citations, list):
        raise ValueError("'citations' must be a list")
    parsed = tuple(StoredCitation.from_json(c) for c in citations)
    if status == "approved" and not parsed:
        raise ValueError("an approved entry needs at least one citation")
    if status == "approved" and not answer.strip():
        raise ValueError("an approved entry needs an answer")
    return NewEntry(
        question=" ".join(question.split()),
        answer=answer.strip(),
        citations=parsed,
        status=status,
        notes=notes,
    )
