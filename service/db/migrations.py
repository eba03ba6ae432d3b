"""The one schema history of every store, for SQLite and Postgres alike.

``MIGRATIONS`` is ordered; the ``schema_version`` table records how many have run, and opening a
database brings it up to date. Never edit a migration that has shipped — append a new one. The
SQL is SQLite's; ``for_postgres`` changes the few words Postgres spells otherwise (serial ids,
8-byte floats). Migrations 4–6 name tables SQLite databases had before the history covered them,
hence ``IF NOT EXISTS``. On SQLite the FAQ sets keep their own file, so each file runs the whole
history and holds empty copies of the other stores' tables.
"""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING

from service.db import SchemaTooNewError

if TYPE_CHECKING:
    from service.db import Database

MIGRATIONS: tuple[str, ...] = (
    # 1: FAQ sets, entries and history
    """
    CREATE TABLE faq_sets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        language TEXT NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE faq_entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        set_id INTEGER NOT NULL REFERENCES faq_sets(id) ON DELETE CASCADE,
        question TEXT NOT NULL,
        answer TEXT NOT NULL DEFAULT '',
        citations TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved')),
        notes TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE faq_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        entry_id INTEGER NOT NULL REFERENCES faq_entries(id) ON DELETE CASCADE,
        changed_at REAL NOT NULL,
        changed_by TEXT NOT NULL,
        action TEXT NOT NULL,
        previous TEXT NOT NULL
    );
    """,
    # 2: FAQ staleness after a re-ingest
    """
    ALTER TABLE faq_entries ADD COLUMN stale INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE faq_entries ADD COLUMN stale_reason TEXT NOT NULL DEFAULT '';
    """,
    # 3: FAQ lookups by set and by status (the matcher reads approved entries on every question)
    """
    CREATE INDEX faq_entries_by_set ON faq_entries (set_id, id);
    CREATE INDEX faq_entries_by_status ON faq_entries (status, stale);
    CREATE INDEX faq_history_by_entry ON faq_history (entry_id, id);
    """,
    # 4: feedback and the question log (redacted before they are stored)
    """
    CREATE TABLE IF NOT EXISTS feedback (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at REAL NOT NULL,
        rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        comment TEXT NOT NULL,
        conversation_id TEXT,
        chunk_ids TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS questions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at REAL NOT NULL,
        question TEXT NOT NULL,
        language TEXT NOT NULL,
        refused INTEGER NOT NULL,
        mode TEXT NOT NULL,
        conversation_id TEXT
    );
    """,
    # 5: API keys (only a hash of each)
    """
    CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        name TEXT,
        scope TEXT NOT NULL CHECK (scope IN ('ask', 'faq', 'eval', 'admin')),
        hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        origins TEXT
    );
    """,
    # 6: the eval workbench's gold sets and runs
    """
    CREATE TABLE IF NOT EXISTS eval_sets (
        id INTEGER PRIMARY KEY, created_at REAL NOT NULL,
        name TEXT NOT NULL UNIQUE, items TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE IF NOT EXISTS eval_runs (
        id INTEGER PRIMARY KEY, created_at REAL NOT NULL,
        set_id INTEGER NOT NULL, set_name TEXT NOT NULL, run TEXT NOT NULL
    );
    """,
    # 7: ingest jobs of the /documents page, so every replica can report on them
    """
    CREATE TABLE ingest_jobs (
        id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        state TEXT NOT NULL,
        job TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
# Two replicas starting together: the second waits for the first one's migrations.
_POSTGRES_LOCK = 0x76626D67  # "vbmg"


def for_postgres(sql: str) -> str:
    sql = re.sub(r"\bINTEGER PRIMARY KEY( AUTOINCREMENT)?", "BIGSERIAL PRIMARY KEY", sql)
    sql = re.sub(r"\bINTEGER\b", "BIGINT", sql)
    return re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)


def _check(version: int) -> None:
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(version, SCHEMA_VERSION)


def migrate_sqlite(conn: sqlite3.Connection, upto: int | None = None) -> int:
    """Apply the migrations a SQLite database (autocommit connection) has not had yet; returns
    the version it is at now."""
    target = SCHEMA_VERSION if upto is None else upto
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    if row is None:
        conn.execute("INSERT INTO schema_version (version) VALUES (0)")
        version = 0
    else:
        version = int(row[0])
    _check(version)
    for number in range(version + 1, target + 1):
        # executescript commits first, so run each migration inside its own transaction.
        conn.executescript(
            f"BEGIN;\n{MIGRATIONS[number - 1]}\nUPDATE schema_version SET version = {number};\n"
            "COMMIT;"
        )
    return max(version, target)


def migrate_postgres(db: Database) -> int:
    with db.transaction():
        db.execute(f"SELECT pg_advisory_xact_lock({_POSTGRES_LOCK})")
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = db.execute("SELECT version FROM schema_version").fetchone()
        if row is None:
            db.execute("INSERT INTO schema_version (version) VALUES (0)")
            version = 0
        else:
            version = int(row[0])
        _check(version)
        for number in range(version + 1, SCHEMA_VERSION + 1):
            db.execute(for_postgres(MIGRATIONS[number - 1]))
            db.execute("UPDATE schema_version SET version = ?", (number,))
    return max(version, SCHEMA_VERSION)
