"""The shared backend for several replicas: Postgres through psycopg 3 and a connection pool.

One pool per URL and process (``shared_database``), migrated when it is first opened. A
statement outside ``transaction`` borrows a connection for itself (autocommit); inside, every
statement of the thread runs on the transaction's connection.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from service.db import Dialect, DiskFullError, IntegrityError, Result
from service.db.migrations import migrate_postgres
from vraagbaak.errors import VraagbaakError

_POOLS: dict[str, PostgresDatabase] = {}
_POOLS_LOCK = threading.Lock()


class PostgresUnavailableError(VraagbaakError):
    def __init__(self, reason: str) -> None:
        super().__init__(
            f"VRAAGBAAK_DATABASE_URL names Postgres but {reason} — install the driver with "
            "`pip install -e '.[postgres]'` (scripts/setup.sh does) and check the URL"
        )


class PostgresDatabase:
    dialect: Dialect = "postgres"

    def __init__(self, url: str, max_size: int = 10) -> None:
        try:
            import psycopg
            from psycopg_pool import ConnectionPool
        except ImportError as error:
            raise PostgresUnavailableError("psycopg is not installed") from error
        self._errors = psycopg.errors
        self.url = url
        self.pool = ConnectionPool(
            url, min_size=1, max_size=max_size, kwargs={"autocommit": True}, open=False
        )
        try:
            self.pool.open(wait=True, timeout=15)
        except psycopg.Error as error:
            raise PostgresUnavailableError(f"it cannot be reached ({error})") from error
        self._local = threading.local()
        self.schema_version = migrate_postgres(self)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        query = sql.replace("%", "%%").replace("?", "%s") if params else sql
        args = tuple(params) if params else None
        conn = getattr(self._local, "conn", None)
        try:
            if conn is not None:
                return _run(conn, query, args)
            with self.pool.connection() as own:
                return _run(own, query, args)
        except self._errors.IntegrityError as error:
            raise IntegrityError(str(error)) from error
        except self._errors.DiskFull as error:
            raise DiskFullError(str(error)) from error

    @contextmanager
    def transaction(self) -> Iterator[PostgresDatabase]:
        if getattr(self._local, "conn", None) is not None:
            yield self
            return
        with self.pool.connection() as conn, conn.transaction():
            self._local.conn = conn
            try:
                yield self
            finally:
                self._local.conn = None

    def advisory_lock(self, key: int) -> AdvisoryLock:
        return AdvisoryLock(self, key)

    def close(self) -> None:
        """Shared by every store of the process: the pool closes when the process ends."""


class AdvisoryLock:
    """A session-level ``pg_try_advisory_lock``, held on its own connection until released."""

    def __init__(self, db: PostgresDatabase, key: int) -> None:
        self._db, self._key = db, key
        self._conn: Any = None

    def acquire(self) -> bool:
        conn = self._db.pool.getconn()
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
        if row and row[0]:
            self._conn = conn
            return True
        self._db.pool.putconn(conn)
        return False

    def release(self) -> None:
        if self._conn is not None:
            self._conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
            self._db.pool.putconn(self._conn)
            self._conn = None


def _run(conn: Any, query: str, args: tuple[Any, ...] | None) -> Result:
    cursor = conn.execute(query, args)
    rows = cursor.fetchall() if cursor.description else []
    columns = tuple(c.name for c in cursor.description or ())
    return Result([tuple(r) for r in rows], cursor.rowcount, columns)


def shared_database(url: str) -> PostgresDatabase:
    with _POOLS_LOCK:
        db = _POOLS.get(url)
        if db is None:
            db = _POOLS[url] = PostgresDatabase(url)
        return db


@atexit.register
def _close_pools() -> None:
    for db in _POOLS.values():
        db.pool.close()
