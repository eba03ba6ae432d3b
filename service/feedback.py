"""Feedback on answers (thumbs up/down and a comment), in SQLite, redacted before storing."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from service.security.redaction import redact

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    comment TEXT NOT NULL,
    conversation_id TEXT,
    chunk_ids TEXT NOT NULL
)
"""


class FeedbackStore:
    def __init__(self, path: Path, retention_days: int | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA secure_delete=ON")  # purged text leaves no trace in the file
        self._conn.execute(SCHEMA)
        self._lock = threading.Lock()
        self.retention_days = retention_days

    def add(
        self,
        rating: str,
        question: str,
        answer: str,
        comment: str,
        conversation_id: str | None,
        chunk_ids: list[str],
    ) -> int:
        with self._lock:
            cursor = self._conn.execute(
                "INSERT INTO feedback (created_at, rating, question, answer, comment, "
                "conversation_id, chunk_ids) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    rating,
                    redact(question),
                    redact(answer),
                    redact(comment),
                    conversation_id,
                    json.dumps(chunk_ids),
                ),
            )
            self._purge_expired()
            return int(cursor.lastrowid or 0)

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            self._purge_expired()
            rows = self._conn.execute(
                "SELECT id, created_at, rating, question, answer, comment, conversation_id, "
                "chunk_ids FROM feedback ORDER BY id"
            ).fetchall()
        keys = (
            "id",
            "created_at",
            "rating",
            "question",
            "answer",
            "comment",
            "conversation_id",
            "chunk_ids",
        )
        return [
            dict(zip(keys, row, strict=True)) | {"chunk_ids": json.loads(row[7])} for row in rows
        ]

    def _purge_expired(self) -> None:
        if self.retention_days:
            self._conn.execute(
                "DELETE FROM feedback WHERE created_at < ?",
                (time.time() - self.retention_days * 86400,),
            )

    def close(self) -> None:
        self._conn.close()
