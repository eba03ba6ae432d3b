"""FAQ sets for trainers: sets, entries with cited answers, and every edit's history.

Embedded, the database is ``<data_dir>/faq.sqlite`` (WAL mode, so the server and a CLI command
can use it at the same time); with ``VRAAGBAAK_DATABASE_URL`` the shared Postgres. The schema
is the versioned one of ``service.db.migrations``: an older database is brought up to date when
it is opened.
"""

from __future__ import annotations

import json
import shlex
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

from service.db import Database, DatabaseTarget, SchemaTooNewError, open_database
from service.db.migrations import MIGRATIONS, SCHEMA_VERSION, migrate_sqlite
from service.db.sqlite import SqliteDatabase
from service.security.redaction import redact
from vraagbaak.settings import Settings

Status = Literal["draft", "approved"]
STATUSES: tuple[Status, ...] = ("draft", "approved")
LANGUAGES = ("nl", "en")
DATABASE_NAME = "faq.sqlite"



class FaqError(Exception):
    """A problem a trainer can fix; the message says how."""


class FaqSetNotFoundError(FaqError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"No FAQ set '{name}' — create it with POST /api/faq/sets "
            f"(or `{shlex.join(['vraagbaak', 'faq', 'create', name])}`)"
        )


class FaqSetExistsError(FaqError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"A FAQ set named '{name}' already exists — choose another name")


class FaqEntryNotFoundError(FaqError):
    def __init__(self, set_name: str, entry_id: int) -> None:
        super().__init__(
            f"No entry {entry_id} in FAQ set '{set_name}' — list the set to see its entry ids"
        )


@dataclass(frozen=True)
class StoredCitation:
    """A cited quote as stored: enough to show the source and to check it after a re-ingest."""

    chunk_id: str
    quote: str  # verbatim: passage_text[start:end] == quote
    start: int  # within the passage
    end: int
    title: str = ""
    page: int | None = None
    section: str | None = None
    source: str = ""  # corpus file name
    passage_sha: str = ""  # sha256 of the whole passage text when it was cited

    @property
    def doc_id(self) -> str:
        # Chunk ids are "<doc_id>:<ordinal>:<texthash>" and doc ids hold no colons.
        return self.chunk_id.rsplit(":", 2)[0]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> StoredCitation:
        if not isinstance(data, dict):
            raise ValueError(f"a citation must be an object, got {type(data).__name__}")
        missing = [k for k in ("chunk_id", "quote") if not data.get(k)]
        if missing:
            raise ValueError(f"a citation needs {' and '.join(repr(k) for k in missing)}")
        try:
            page = data.get("page")
            return cls(
                chunk_id=str(data["chunk_id"]),
                quote=str(data["quote"]),
                start=int(data.get("start", 0)),
                end=int(data.get("end", 0)),
                title=str(data.get("title") or ""),
                page=None if page in (None, "") else int(page),
                section=data.get("section") or None,
                source=str(data.get("source") or ""),
                passage_sha=str(data.get("passage_sha") or ""),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"citation {data.get('chunk_id')!r}: {exc}") from exc


@dataclass(frozen=True)
class FaqSet:
    id: int
    name: str
    description: str
    language: str
    created_at: float
    updated_at: float
    entries: int = 0
    approved: int = 0
    stale: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FaqEntry:
    id: int
    set_id: int
    question: str
    answer: str
    citations: tuple[StoredCitation, ...]
    status: Status
    notes: str
    stale: bool
    stale_reason: str
    created_at: float
    updated_at: float

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["citations"] = [c.to_json() for c in self.citations]
        return data

    def snapshot(self) -> dict[str, Any]:
        """The editable state, as history keeps it."""
        data = self.to_json()
        for key in ("id", "set_id", "created_at"):
            data.pop(key)
        return data


@dataclass(frozen=True)
class HistoryItem:
    id: int
    entry_id: int
    changed_at: float
    changed_by: str
    action: str
    previous: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class NewEntry:
    """An entry about to be stored (drafted, imported)."""

    question: str
    answer: str = ""
    citations: tuple[StoredCitation, ...] = ()
    status: Status = "draft"
    notes: str = ""
    stale: bool = False
    stale_reason: str = ""


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

_ENTRY_COLUMNS = (
    "id, set_id, question, answer, citations, status, notes, stale, stale_reason, "
    "created_at, updated_at"
)


def faq_database_path(settings: Settings) -> Path:
    return settings.data_dir / DATABASE_NAME


def has_faq_database(settings: Settings) -> bool:
    """Whether FAQ sets may exist (without creating an empty database to find out)."""
    return settings.database_url is not None or faq_database_path(settings).exists()


def migrate(conn: sqlite3.Connection, upto: int | None = None) -> int:
    """Bring a SQLite FAQ database up to date; returns the version it is at now."""
    try:
        return migrate_sqlite(conn, upto)
    except SchemaTooNewError as error:
        raise FaqError(str(error)) from error


class FaqStore:
    def __init__(self, database: DatabaseTarget) -> None:
        try:
            self._conn: Database = open_database(database)
        except SchemaTooNewError as error:
            raise FaqError(str(error)) from error
        self.path: Path | None = (
            self._conn.path if isinstance(self._conn, SqliteDatabase) else None
        )
        self._lock = threading.RLock()
        self.schema_version: int = getattr(self._conn, "schema_version", SCHEMA_VERSION)

    @classmethod
    def open(cls, settings: Settings) -> FaqStore:
        return cls(settings.database_url or faq_database_path(settings))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One all-or-nothing unit of work (nested calls join the outer one)."""
        with self._lock, self._conn.transaction():
            yield self._conn

    # --- sets -----------------------------------------------------------------------------

    def create_set(self, name: str, description: str = "", language: str = "nl") -> FaqSet:
        name = name.strip()
        if not name:
            raise FaqError("A FAQ set needs a name")
        if language not in LANGUAGES:
            raise FaqError(f"Language must be one of {', '.join(LANGUAGES)}, got '{language}'")
        now = time.time()
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM faq_sets WHERE name = ?", (name,)).fetchone():
                raise FaqSetExistsError(name)
            conn.execute(
                "INSERT INTO faq_sets (name, description, language, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (name, description.strip(), language, now, now),
            )
        return self.get_set(name)

    def get_set(self, name: str) -> FaqSet:
        rows = self._sets("WHERE s.name = ?", (name,))
        if not rows:
            raise FaqSetNotFoundError(name)
        return rows[0]

    def list_sets(self) -> list[FaqSet]:
        return self._sets("", ())

    def _sets(self, where: str, params: Sequence[Any]) -> list[FaqSet]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT s.id, s.name, s.description, s.language, s.created_at, s.updated_at, "
                "COUNT(e.id), COALESCE(SUM(CASE WHEN e.status = 'approved' THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(e.stale), 0) "
                f"FROM faq_sets s LEFT JOIN faq_entries e ON e.set_id = s.id {where} "
                "GROUP BY s.id ORDER BY s.name",
                tuple(params),
            ).fetchall()
        return [
            FaqSet(
                id=int(row[0]),
                name=row[1],
                description=row[2],
                language=row[3],
                created_at=float(row[4]),
                updated_at=float(row[5]),
                entries=int(row[6]),
                approved=int(row[7]),
                stale=int(row[8]),
            )
            for row in rows
        ]

    def delete_set(self, name: str) -> None:
        with self.transaction() as conn:
            faq_set = self.get_set(name)
            conn.execute("DELETE FROM faq_sets WHERE id = ?", (faq_set.id,))

    # --- entries --------------------------------------------------------------------------

    def add_entries(
        self, set_name: str, entries: Sequence[NewEntry], by: str = "system"
    ) -> list[FaqEntry]:
        """Store ``entries`` in one transaction: all of them or, on any error, none."""
        now = time.time()
        ids = []
        with self.transaction() as conn:
            faq_set = self.get_set(set_name)
            for entry in entries:
                if not entry.question.strip():
                    raise FaqError("A FAQ entry needs a question")
                if entry.status not in STATUSES:
                    raise FaqError(f"Status must be draft or approved, got '{entry.status}'")
                cursor = conn.execute(
                    "INSERT INTO faq_entries (set_id, question, answer, citations, status, notes, "
                    "stale, stale_reason, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (
                        faq_set.id,
                        entry.question.strip(),
                        entry.answer,
                        _citations_json(entry.citations),
                        entry.status,
                        entry.notes,
                        int(entry.stale),
                        entry.stale_reason,
                        now,
                        now,
                    ),
                )
                entry_id = int(cursor.lastrowid or 0)
                ids.append(entry_id)
                self._record(conn, entry_id, by, "create", {}, now)
            self._touch(conn, faq_set.id, now)
        return [self.get_entry(set_name, i) for i in ids]

    def add_entry(self, set_name: str, entry: NewEntry, by: str = "system") -> FaqEntry:
        return self.add_entries(set_name, [entry], by)[0]

    def get_entry(self, set_name: str, entry_id: int) -> FaqEntry:
        faq_set = self.get_set(set_name)
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM faq_entries WHERE id = ? AND set_id = ?",
                (entry_id, faq_set.id),
            ).fetchone()
        if row is None:
            raise FaqEntryNotFoundError(set_name, entry_id)
        return _entry(row)

    def entries(self, set_name: str) -> list[FaqEntry]:
        faq_set = self.get_set(set_name)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM faq_entries WHERE set_id = ? ORDER BY id",
                (faq_set.id,),
            ).fetchall()
        return [_entry(row) for row in rows]

    def all_entries(self) -> list[tuple[FaqSet, FaqEntry]]:
        sets = {s.id: s for s in self.list_sets()}
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM faq_entries ORDER BY set_id, id"
            ).fetchall()
        return [(sets[row[1]], _entry(row)) for row in rows]

    def approved_entries(self) -> list[tuple[FaqSet, FaqEntry]]:
        """Approved entries that are not stale: the ones the matcher may answer with."""
        sets = {s.id: s for s in self.list_sets()}
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM faq_entries "
                "WHERE status = 'approved' AND stale = 0 ORDER BY id"
            ).fetchall()
        return [(sets[row[1]], _entry(row)) for row in rows]

    def revision(self) -> tuple[int, int, float]:
        """Changes whenever a set or entry is added, edited or deleted (for caches).

        Every entry change also touches its set's ``updated_at``, so this sees deletions too.
        """
        with self._lock:
            row = self._conn.execute(
                "SELECT (SELECT COUNT(*) FROM faq_sets), (SELECT COUNT(*) FROM faq_entries), "
                "(SELECT COALESCE(MAX(updated_at), 0) FROM faq_sets)"
            ).fetchone() or (0, 0, 0.0)
        return int(row[0]), int(row[1]), float(row[2])

    def update_entry(
        self,
        set_name: str,
        entry_id: int,
        *,
        by: str,
        action: str = "edit",
        question: str = UNSET,
        answer: str = UNSET,
        citations: Sequence[StoredCitation] = UNSET,
        status: Status = UNSET,
        notes: str = UNSET,
        stale: bool = UNSET,
        stale_reason: str = UNSET,
    ) -> FaqEntry:
        """Change an entry; the version before the change goes into its history."""
        changes: dict[str, Any] = {
            k: v
            for k, v in (
                ("question", question),
                ("answer", answer),
                ("citations", citations),
                ("status", status),
                ("notes", notes),
                ("stale", stale),
                ("stale_reason", stale_reason),
            )
            if v is not UNSET
        }
        if "status" in changes and changes["status"] not in STATUSES:
            raise FaqError(f"Status must be draft or approved, got '{changes['status']}'")
        if "question" in changes and not changes["question"].strip():
            raise FaqError("A FAQ entry needs a question")
        now = time.time()
        with self.transaction() as conn:
            before = self.get_entry(set_name, entry_id)
            fields: dict[str, Any] = {
                k: tuple(v) if k == "citations" else v for k, v in changes.items()
            }
            after = replace(before, **fields)
            if after == before:
                return before
            conn.execute(
                "UPDATE faq_entries SET question = ?, answer = ?, citations = ?, status = ?, "
                "notes = ?, stale = ?, stale_reason = ?, updated_at = ? WHERE id = ?",
                (
                    after.question.strip(),
                    after.answer,
                    _citations_json(after.citations),
                    after.status,
                    after.notes,
                    int(after.stale),
                    after.stale_reason,
                    max(now, before.updated_at + 1e-6),
                    entry_id,
                ),
            )
            self._record(conn, entry_id, by, action, before.snapshot(), now)
            self._touch(conn, before.set_id, now)
        return self.get_entry(set_name, entry_id)

    def delete_entry(self, set_name: str, entry_id: int, by: str = "system") -> None:
        now = time.time()
        with self.transaction() as conn:
            before = self.get_entry(set_name, entry_id)
            # The entry's history goes with it (cascade).
            conn.execute("DELETE FROM faq_entries WHERE id = ?", (entry_id,))
            self._touch(conn, before.set_id, now)

    def history(self, set_name: str, entry_id: int) -> list[HistoryItem]:
        self.get_entry(set_name, entry_id)
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, entry_id, changed_at, changed_by, action, previous FROM faq_history "
                "WHERE entry_id = ? ORDER BY id",
                (entry_id,),
            ).fetchall()
        return [HistoryItem(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    # --- internals ------------------------------------------------------------------------

    def _record(
        self,
        conn: Database,
        entry_id: int,
        by: str,
        action: str,
        previous: dict[str, Any],
        now: float,
    ) -> None:
        conn.execute(
            "INSERT INTO faq_history (entry_id, changed_at, changed_by, action, previous) "
            "VALUES (?, ?, ?, ?, ?)",
            # ``by`` may come from a request header: it is stored redacted and cut short
            (
                entry_id,
                now,
                redact(by)[:80] or "unknown",
                action,
                json.dumps(previous, ensure_ascii=False),
            ),
        )

    def _touch(self, conn: Database, set_id: int, now: float) -> None:
        conn.execute("UPDATE faq_sets SET updated_at = ? WHERE id = ?", (now, set_id))


def _citations_json(citations: Sequence[StoredCitation]) -> str:
    return json.dumps([c.to_json() for c in citations], ensure_ascii=False)


def _entry(row: Sequence[Any]) -> FaqEntry:
    return FaqEntry(
        id=int(row[0]),
        set_id=int(row[1]),
        question=row[2],
        answer=row[3],
        citations=tuple(StoredCitation.from_json(c) for c in json.loads(row[4])),
        status=row[5],
        notes=row[6],
        stale=bool(row[7]),
        stale_reason=row[8],
        created_at=float(row[9]),
        updated_at=float(row[10]),
    )


__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "FaqEntry",
    "FaqEntryNotFoundError",
    "FaqError",
    "FaqSet",
    "FaqSetExistsError",
    "FaqSetNotFoundError",
    "FaqStore",
    "HistoryItem",
    "NewEntry",
    "StoredCitation",
    "faq_database_path",
    "has_faq_database",
    "migrate",
]
