"""The one seam between the stores and their database: SQLite (embedded default) or Postgres.

``open_database(target)`` takes a SQLite file path or a ``postgresql://`` URL (the setting
``VRAAGBAAK_DATABASE_URL``). Both backends run the same migration history when opened
(``service.db.migrations``) and take the same SQL: ``?`` placeholders, ``RETURNING id`` for a
new row's id. Stores keep only dialect-free SQL; what differs (purging, locks) asks ``dialect``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from vraagbaak.errors import VraagbaakError

__all__ = [
    "Database",
    "DatabaseTarget",
    "Dialect",
    "DiskFullError",
    "IntegrityError",
    "Result",
    "SchemaTooNewError",
    "is_postgres_url",
    "open_database",
]

Dialect = Literal["sqlite", "postgres"]


class IntegrityError(VraagbaakError):
    """A constraint refused the write (a duplicate name, a missing parent row)."""


class DiskFullError(VraagbaakError):
    """The database has no room left for the write."""


class SchemaTooNewError(VraagbaakError):
    def __init__(self, version: int, known: int) -> None:
        super().__init__(
            f"The database is at schema version {version}, newer than this Vraagbaak knows "
            f"({known}) — upgrade Vraagbaak"
        )


@dataclass
class Result:
    """A statement's outcome, read in full (so the connection goes back at once)."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    rowcount: int = -1
    columns: tuple[str, ...] = ()

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    @property
    def description(self) -> list[tuple[str]]:
        return [(name,) for name in self.columns]

    @property
    def lastrowid(self) -> int:
        """The id of an ``INSERT … RETURNING id``."""
        return int(self.rows[0][0]) if self.rows else 0


class Database(Protocol):
    dialect: Dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result: ...

    def transaction(self) -> AbstractContextManager[Any]:
        """All-or-nothing; statements run through ``execute`` in this thread join it, and a
        nested ``transaction`` joins the outer one."""
        ...

    def close(self) -> None: ...


DatabaseTarget = Path | str | Database


def is_postgres_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))


def open_database(target: DatabaseTarget) -> Database:
    """The database at ``target`` (a SQLite path or a Postgres URL), migrated to the current
    schema; an open ``Database`` is returned as it is."""
    if isinstance(target, (str, Path)):
        if is_postgres_url(target):
            from service.db.postgres import shared_database

            return shared_database(str(target))
        from service.db.sqlite import SqliteDatabase

        return SqliteDatabase(Path(target))
    return target


def rows_as_dicts(result: Result) -> Iterator[dict[str, Any]]:
    for row in result.rows:
        yield dict(zip(result.columns, row, strict=True))
