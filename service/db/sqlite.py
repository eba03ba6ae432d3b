"""The embedded backend: one SQLite file, WAL mode (a crash loses nothing committed, readers
never wait for the writer) and ``secure_delete`` (a deleted row's text is overwritten)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from service.db import Dialect, DiskFullError, IntegrityError, Result
from service.db.migrations import migrate_sqlite


class SqliteDatabase:
    dialect: Dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # One connection, used by one thread at a time: autocommit unless in ``transaction``.
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "secure_delete=ON",
            "foreign_keys=ON",
            "busy_timeout=10000",
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        self._lock = threading.RLock()
        with self._lock:
            self.schema_version = migrate_sqlite(self.conn)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        with self._lock:
            try:
                cursor = self.conn.execute(sql, tuple(params))
                rows = cursor.fetchall()
            except sqlite3.IntegrityError as error:
                raise IntegrityError(str(error)) from error
            except sqlite3.OperationalError as error:
                if is_disk_full(error):
                    raise DiskFullError(str(error)) from error
                raise
            columns = tuple(c[0] for c in cursor.description or ())
            return Result(rows, cursor.rowcount, columns)

    @contextmanager
    def transaction(self) -> Iterator[SqliteDatabase]:
        with self._lock:
            if self.conn.in_transaction:
                yield self
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self.conn.close()


def is_disk_full(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_FULL or "disk is full" in str(error)
