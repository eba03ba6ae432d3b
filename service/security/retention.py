"""Retention: delete rows older than a number of days from SQLite stores, leaving no copies."""

from __future__ import annotations

import logging
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Literal

__all__ = ["purge_older_than"]

logger = logging.getLogger(__name__)

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def purge_older_than(
    conn: sqlite3.Connection,
    table: str,
    timestamp_column: str,
    days: float,
    *,
    timestamp_format: Literal["iso", "unixepoch"] = "iso",
    now: datetime | None = None,
) -> int:
    """Delete the rows of ``table`` whose ``timestamp_column`` is more than ``days`` old.

    Timestamps are ISO 8601 text (any form SQLite's ``julianday`` reads; without an offset
    they count as UTC) or, with ``timestamp_format="unixepoch"``, seconds since 1970. Rows
    whose timestamp cannot be read are kept and counted in a warning. Deleted content is
    overwritten (``secure_delete``) and the WAL is checkpointed, so no copy stays on disk.
    Commits; returns the number of rows deleted.
    """
    for name in (table, timestamp_column):
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"{name!r} is not a plain SQL identifier (letters, digits, _)")
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")

    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    if cutoff.tzinfo is not None:
        cutoff = cutoff.astimezone(UTC).replace(tzinfo=None)
    modifier = ", 'unixepoch'" if timestamp_format == "unixepoch" else ""
    stamp = f'julianday("{timestamp_column}"{modifier})'

    conn.execute("PRAGMA secure_delete = ON")
    with conn:
        cursor = conn.execute(
            f'DELETE FROM "{table}" WHERE {stamp} < julianday(?)', (cutoff.isoformat(),)
        )
        deleted = cursor.rowcount
    unreadable = conn.execute(
        f'SELECT count(*) FROM "{table}" WHERE "{timestamp_column}" IS NOT NULL AND {stamp} IS NULL'
    ).fetchone()[0]
    if unreadable:
        logger.warning(
            "Kept %d rows of %s: their %s is not a readable timestamp",
            unreadable,
            table,
            timestamp_column,
        )
    if deleted:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    logger.info("Purged %d rows older than %s days from %s", deleted, days, table)
    return deleted
