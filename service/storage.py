"""What users leave behind (feedback, logged questions): SQLite tables that purge themselves.

WAL mode so a crash mid-write loses nothing committed; ``secure_delete`` and the retention
purge (``service.security.retention``) so expired text does not linger in the file. Callers
redact before they store.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from service.security.retention import purge_older_than

PURGE_EVERY_SECONDS = 3600


class RetainedTable:
    table: ClassVar[str]
    schema: ClassVar[str]

    def __init__(self, path: Path, retention_days: int | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA secure_delete=ON")
        self._conn.execute(self.schema)
        self._lock = threading.Lock()
        self.retention_days = retention_days
        self._purged_at = 0.0

    def _insert(self, columns: Sequence[str], values: Sequence[Any]) -> int:
        marks = ", ".join("?" * len(columns))
        with self._lock:
            cursor = self._conn.execute(
                f"INSERT INTO {self.table} (created_at, {', '.join(columns)}) VALUES (?, {marks})",
                (time.time(), *values),
            )
            self._purge(force=False)
            return int(cursor.lastrowid or 0)

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
        if not self.retention_days:
            return
        if force or time.time() - self._purged_at > PURGE_EVERY_SECONDS:
            purge_older_than(
                self._conn,
                self.table,
                "created_at",
                self.retention_days,
                timestamp_format="unixepoch",
            )
            self._purged_at = time.time()

    def close(self) -> None:
        self._conn.close()
