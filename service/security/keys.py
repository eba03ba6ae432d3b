"""API keys: created once, stored only as a SHA-256 hash, checked in constant time.

A key looks like ``vb_<scope>_<id>_<secret>``. The id finds the row; the secret (256 random
bits) is what proves possession. Only ``sha256(key)`` is stored, so a copy of the database
does not give anyone a working key.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import json
import logging
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, cast, get_args
from urllib.parse import urlsplit

from service.db import DatabaseTarget, open_database
from service.db.sqlite import SqliteDatabase
from vraagbaak.errors import VraagbaakError

__all__ = [
    "SCOPES",
    "InvalidOriginError",
    "KeyRecord",
    "KeyScope",
    "KeyStore",
    "normalize_origin",
]

logger = logging.getLogger(__name__)

KeyScope = Literal["ask", "faq", "eval", "admin"]
SCOPES: tuple[KeyScope, ...] = get_args(KeyScope)
# A key may do everything its own scope and the scopes below it may do (faq and eval are
# side by side: each may ask, neither may do the other's work).
_SCOPE_RANK: dict[str, int] = {"ask": 0, "faq": 1, "eval": 1, "admin": 2}

_KEY_PREFIX = "vb"
_ID_BYTES = 6
_SECRET_BYTES = 32
# Compared against when the key id is unknown, so that case costs the same work.
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()

# The table as ``service.db.migrations`` makes it; used to bring a table from before the eval
# scope into that form.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT,
    scope TEXT NOT NULL CHECK (scope IN ('ask', 'faq', 'eval', 'admin')),
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    origins TEXT
)
"""


class InvalidOriginError(VraagbaakError):
    def __init__(self, origin: str) -> None:
        super().__init__(
            f"'{origin}' is not a web origin: give scheme and host (and port if not the "
            "default), without a path, e.g. 'https://www.gemeente.nl'."
        )


def normalize_origin(origin: str) -> str:
    """``origin`` as browsers send it in the Origin header: lower-case, no trailing slash."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidOriginError(origin)
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise InvalidOriginError(origin)
    default_port = 443 if parts.scheme == "https" else 80
    port = "" if parts.port in (None, default_port) else f":{parts.port}"
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What is known about a key; never the secret."""

    id: str
    name: str | None
    scope: KeyScope
    created_at: datetime
    revoked_at: datetime | None
    origins: tuple[str, ...]

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, scope: KeyScope) -> bool:
        """admin may do everything, faq may use faq and ask, eval eval and ask, ask only ask."""
        own, needed = _SCOPE_RANK[self.scope], _SCOPE_RANK[scope]
        return not self.revoked and (own > needed or self.scope == scope)

    def allows_origin(self, origin: str | None) -> bool:
        """A key without origins works from anywhere; otherwise only from its own origins."""
        if not self.origins:
            return True
        if origin is None:
            return False
        try:
            return normalize_origin(origin) in self.origins
        except InvalidOriginError:
            return False


def _as_scope(value: str) -> KeyScope:
    if value not in _SCOPE_RANK:
        raise ValueError(f"Unknown scope {value!r}: use one of {', '.join(SCOPES)}")
    return cast(KeyScope, value)


def _hash_key(plain_key: str) -> str:
    return hashlib.sha256(plain_key.encode("utf-8")).hexdigest()


def _utc_now() -> datetime:
    return datetime.now(UTC)


class KeyStore:
    """API keys in the ``api_keys`` table (SQLite in WAL mode, or the shared Postgres)."""

    def __init__(
        self, database: DatabaseTarget, *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self._db = open_database(database)
        self._clock = clock
        self.db_path: Path | None = None
        if isinstance(self._db, SqliteDatabase):
            self.db_path = self._db.path
            with self._db.transaction():
                _allow_eval_scope(self._db.conn)

    def create(
        self,
        scope: KeyScope,
        name: str | None = None,
        origins: builtins.list[str] | None = None,
    ) -> tuple[KeyRecord, str]:
        """Make a key; the plain key is returned here and never again."""
        scope = _as_scope(scope)
        allowed_origins = tuple(dict.fromkeys(normalize_origin(o) for o in origins or ()))
        key_id = secrets.token_hex(_ID_BYTES)
        plain_key = f"{_KEY_PREFIX}_{scope}_{key_id}_{secrets.token_urlsafe(_SECRET_BYTES)}"
        record = KeyRecord(
            id=key_id,
            name=name,
            scope=scope,
            created_at=self._clock(),
            revoked_at=None,
            origins=allowed_origins,
        )
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO api_keys (id, name, scope, hash, created_at, revoked_at, origins) "
                "VALUES (?, ?, ?, ?, ?, NULL, ?)",
                (
                    key_id,
                    name,
                    scope,
                    _hash_key(plain_key),
                    record.created_at.isoformat(),
                    json.dumps(list(allowed_origins)) if allowed_origins else None,
                ),
            )
        logger.info("Created API key %s with scope %s", key_id, scope)
        return record, plain_key

    def list(self) -> builtins.list[KeyRecord]:
        """All keys, revoked ones included, oldest first."""
        with self._db.transaction() as conn:
            rows = conn.execute(
                "SELECT id, name, scope, created_at, revoked_at, origins "
                "FROM api_keys ORDER BY created_at, id"
            ).fetchall()
        return [_record_from_row(row) for row in rows]

    def get(self, key_id: str) -> KeyRecord | None:
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT id, name, scope, created_at, revoked_at, origins "
                "FROM api_keys WHERE id = ?",
                (key_id,),
            ).fetchone()
        return _record_from_row(row) if row else None

    def revoke(self, key_id: str) -> bool:
        """Revoke a key; False when there is no such key or it was already revoked."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (self._clock().isoformat(), key_id),
            )
        revoked = cursor.rowcount > 0
        if revoked:
            logger.info("Revoked API key %s", key_id)
        return revoked

    def authenticate(self, plain_key: str) -> KeyRecord | None:
        """The record of a valid, unrevoked key; None for anything else."""
        parts = plain_key.strip().split("_", 3)
        key_id = parts[2] if len(parts) == 4 and parts[0] == _KEY_PREFIX else ""
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT id, name, scope, created_at, revoked_at, origins, hash "
                "FROM api_keys WHERE id = ?",
                (key_id,),
            ).fetchone()
        stored_hash = row[6] if row else _DUMMY_HASH
        matches = hmac.compare_digest(stored_hash, _hash_key(plain_key.strip()))
        if row is None or not matches:
            return None
        record = _record_from_row(row[:6])
        return None if record.revoked else record


def _allow_eval_scope(conn: sqlite3.Connection) -> None:
    """A table made before the eval scope existed refuses it: copy it into the current form."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'api_keys'").fetchone()
    if row is None or "'eval'" in row[0]:
        return
    conn.execute("ALTER TABLE api_keys RENAME TO api_keys_before_eval")
    conn.execute(_SCHEMA)
    conn.execute("INSERT INTO api_keys SELECT * FROM api_keys_before_eval")
    conn.execute("DROP TABLE api_keys_before_eval")


def _record_from_row(row: tuple[str, str | None, str, str, str | None, str | None]) -> KeyRecord:
    key_id, name, scope, created_at, revoked_at, origins = row
    return KeyRecord(
        id=key_id,
        name=name,
        scope=_as_scope(scope),
        created_at=datetime.fromisoformat(created_at),
        revoked_at=datetime.fromisoformat(revoked_at) if revoked_at else None,
        origins=tuple(json.loads(origins)) if origins else (),
    )
