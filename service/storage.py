"""What users leave behind (feedback, logged questions): tables that purge themselves.

In SQLite (``service.db.sqlite``): WAL mode so a crash mid-write loses nothing committed;
``secure_delete`` and the retention purge (``service.security.retention``) so expired text does
not linger in the file. In Postgres (``VRAAGBAAK_DATABASE_URL``) the same purge is a plain
delete. Callers redact before they store.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from service.db import Database, DatabaseTarget, DiskFullError, open_database
from service.db.sqlite import SqliteDatabase, is_disk_full
from service.security.redaction import redact
from service.security.retention import purge_older_than
from vraagbaak.errors import VraagbaakError

PURGE_EVERY_SECONDS = 3600
# Ids as the service issues them: a conversation is a uuid4 in hex, a passage
# ``<doc_id>:<ordinal>:<8 hex of its text hash>``. The API refuses other forms.
CONVERSATION_ID_PATTERN = r"^[0-9a-f]{32}$"
CHUNK_ID_PATTERN = r"^[A-Za-z0-9_-]{1,180}:\d{4,6}:[0-9a-f]{8}$"


def stored_id(value: str | None, pattern: str) -> str | None:
    """``value`` as it is when it has the issued form; otherwise redacted, so an id field
    never carries personal data into storage whoever calls the store."""
    if value is None or re.fullmatch(pattern, value):
        return value
    return redact(value)


class StorageFullError(VraagbaakError):
    """The disk holding the database is full; the API answers 503 with this message."""

    def __init__(self, table: str) -> None:
        super().__init__(
            f"Could not store the {table}: the server's disk is full — the administrator must "
            "free space; answers keep working"
        )


class RetainedTable:
    """``retention_days``: None keeps rows forever; 0 keeps nothing (rows are not even written,
    and rows left from before are purged at once); N purges rows older than N days."""

    table: ClassVar[str]  # made by ``service.db.migrations``

    def __init__(self, database: DatabaseTarget | Path, retention_days: int | None = None) -> None:
        self._db: Database = open_database(database)
        self._conn: Any = self._db  # what statements run on (tests put a failing one here)
        self._lock = threading.Lock()
        if retention_days is not None and retention_days < 0:
            raise ValueError(f"retention_days must not be negative, got {retention_days}")
        self.retention_days = retention_days
        self._purged_at = 0.0
        if retention_days == 0:
            with self._lock:
                self._purge(force=True)

    def _insert(self, columns: Sequence[str], values: Sequence[Any]) -> int:
        if self.retention_days == 0:
            return 0
        marks = ", ".join("?" * len(columns))
        with self._lock:
            try:
                result = self._conn.execute(
                    f"INSERT INTO {self.table} (created_at, {', '.join(columns)}) "
                    f"VALUES (?, {marks}) RETURNING id",
                    (time.time(), *values),
                )
            except DiskFullError as error:
                raise StorageFullError(self.table) from error
            except sqlite3.OperationalError as error:
                if is_disk_full(error):
                    raise StorageFullError(self.table) from error
                raise
            self._purge(force=False)
            return int(result.lastrowid)

    def _rows(self, columns: Sequence[str]) -> list[dict[str, Any]]:
        """Every row that is still within the retention period, oldest first."""
        with self._lock:
            self._purge(force=True)
            cursor = self._conn.execute(
                f"SELECT id, created_at, {', '.join(columns)} FROM {self.table} ORDER BY id"
            )
            keys = [column[0] for column in cursor.description]
            return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]

    def _purge(self, force: bool) -> None:
        if self.retention_days is None:
            return
        if force or time.time() - self._purged_at > PURGE_EVERY_SECONDS:
            # With 0 days every row goes, also one written within the clock's resolution.
            ahead = timedelta(minutes=1) if self.retention_days == 0 else timedelta(0)
            now = datetime.now(UTC) + ahead
            if isinstance(self._db, SqliteDatabase):
                purge_older_than(
                    self._db.conn,
                    self.table,
                    "created_at",
                    self.retention_days,
                    timestamp_format="unixepoch",
                    now=now,
                )
            else:
                cutoff = (now - timedelta(days=self.retention_days)).timestamp()
                self._db.execute(f"DELETE FROM {self.table} WHERE created_at < ?", (cutoff,))
            self._purged_at = time.time()

    def close(self) -> None:
        self._db.close()
