"""The questions asked, kept only when enabled (VRAAGBAAK_STORE_QUESTIONS) and redacted first."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from service.security.redaction import redact

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    question TEXT NOT NULL,
    language TEXT NOT NULL,
    refused INTEGER NOT NULL,
    mode TEXT NOT NULL,
    conversation_id TEXT
)
"""


class QuestionLog:
    def __init__(self, path: Path, retention_days: int | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA secure_delete=ON")
        self._conn.execute(SCHEMA)
        self._lock = threading.Lock()
        self.retention_days = retention_days

    def add(
        self, question: str, language: str, refused: bool, mode: str, conversation_id: str | None
    ) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO questions (created_at, question, language, refused, mode, "
                "conversation_id) VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), redact(question), language, int(refused), mode, conversation_id),
            )
            self._purge_expired()

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            self._purge_expired()
            cursor = self._conn.execute(
                "SELECT id, created_at, question, language, refused, mode, conversation_id "
                "FROM questions ORDER BY id"
            )
            keys = [column[0] for column in cursor.description]
            return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]

    def _purge_expired(self) -> None:
        if self.retention_days:
            cutoff = time.time() - self.retention_days * 86400
            self._conn.execute("DELETE FROM questions WHERE created_at < ?", (cutoff,))

    def close(self) -> None:
        self._conn.close()
