"""Retention purges old rows, and the deleted text does not linger in the database file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from service.security.retention import purge_older_than

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(tmp_path / "store.sqlite")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY, text TEXT, created_at TEXT)")
    yield connection
    connection.close()


def _add(conn: sqlite3.Connection, text: str, created_at: str | None) -> None:
    with conn:
        conn.execute("INSERT INTO feedback (text, created_at) VALUES (?, ?)", (text, created_at))


def _texts(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT text FROM feedback ORDER BY id")]


def test_rows_older_than_the_limit_are_deleted_and_newer_ones_kept(
    conn: sqlite3.Connection,
) -> None:
    _add(conn, "old", (NOW - timedelta(days=31)).isoformat())
    _add(conn, "just inside", (NOW - timedelta(days=29, hours=23)).isoformat())
    _add(conn, "new", NOW.isoformat())

    deleted = purge_older_than(conn, "feedback", "created_at", 30, now=NOW)

    assert deleted == 1
    assert _texts(conn) == ["just inside", "new"]


@pytest.mark.parametrize(
    "stamp",
    [
        "2025-04-01 08:00:00",
        "2025-04-01T08:00:00.123456",
        "2025-04-01T10:00:00+02:00",
        "2025-04-01",
    ],
)
def test_the_usual_iso_forms_are_understood(conn: sqlite3.Connection, stamp: str) -> None:
    _add(conn, "old", stamp)

    assert purge_older_than(conn, "feedback", "created_at", 30, now=NOW) == 1


def test_offsets_are_respected(conn: sqlite3.Connection) -> None:
    cutoff = NOW - timedelta(days=30)  # 2025-05-02 12:00 UTC
    _add(conn, "13:30 in Amsterdam is 11:30 UTC: old", "2025-05-02T13:30:00+02:00")
    _add(conn, "12:30 UTC: new", "2025-05-02T12:30:00+00:00")

    purge_older_than(conn, "feedback", "created_at", 30, now=NOW)

    assert cutoff.hour == 12
    assert _texts(conn) == ["12:30 UTC: new"]


def test_unix_timestamps(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "epoch.sqlite")
    conn.execute("CREATE TABLE log (question TEXT, at REAL)")
    conn.executemany(
        "INSERT INTO log VALUES (?, ?)",
        [("old", (NOW - timedelta(days=8)).timestamp()), ("new", NOW.timestamp())],
    )
    conn.commit()

    purge_older_than(conn, "log", "at", 7, timestamp_format="unixepoch", now=NOW)

    assert [row[0] for row in conn.execute("SELECT question FROM log")] == ["new"]


def test_unreadable_or_missing_timestamps_are_kept_and_reported(
    conn: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    _add(conn, "garbage", "gisteren")
    _add(conn, "missing", None)

    assert purge_older_than(conn, "feedback", "created_at", 0, now=NOW) == 0

    assert _texts(conn) == ["garbage", "missing"]
    assert "Kept 1 rows of feedback" in caplog.text


def test_deleted_text_is_not_left_in_the_database_files(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    secret = "Moeder van Daan belt over BSN-zaak XYZZY"
    _add(conn, secret, (NOW - timedelta(days=400)).isoformat())
    _add(conn, "recent", NOW.isoformat())
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    purge_older_than(conn, "feedback", "created_at", 365, now=NOW)

    on_disk = b"".join(path.read_bytes() for path in tmp_path.glob("store.sqlite*"))
    assert b"XYZZY" not in on_disk
    assert b"recent" in on_disk


@pytest.mark.parametrize(
    ("table", "column"), [("feedback; DROP TABLE feedback", "created_at"), ("feedback", "x--")]
)
def test_identifiers_are_never_pasted_into_sql_unchecked(
    conn: sqlite3.Connection, table: str, column: str
) -> None:
    with pytest.raises(ValueError, match="identifier"):
        purge_older_than(conn, table, column, 30)


def test_negative_days_are_refused(conn: sqlite3.Connection) -> None:
    with pytest.raises(ValueError, match="negative"):
        purge_older_than(conn, "feedback", "created_at", -1)
