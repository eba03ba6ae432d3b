"""Feedback and question logs: redacted, WAL, and purged after the retention period."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from service.feedback import FeedbackStore
from service.question_log import QuestionLog


def test_expired_rows_are_purged_and_recent_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "vraagbaak.sqlite"
    feedback = FeedbackStore(path, retention_days=30)
    old = feedback.add("down", "oude vraag", "", "", None, [])
    feedback.add("up", "nieuwe vraag", "", "mail me: a.b@example.nl", None, ["c1"])
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE feedback SET created_at = ? WHERE id = ?", (time.time() - 31 * 86400, old)
        )
    rows = feedback.all()
    assert [r["question"] for r in rows] == ["nieuwe vraag"]
    assert rows[0]["comment"] == "mail me: [E-MAIL]" and rows[0]["chunk_ids"] == ["c1"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_question_log_shares_the_database_but_not_the_table(tmp_path: Path) -> None:
    path = tmp_path / "vraagbaak.sqlite"
    FeedbackStore(path).add("up", "q", "", "", None, [])
    log = QuestionLog(path, retention_days=None)
    log.add("Bel 06-12345678", "nl", False, "extractive", "c")
    assert [r["question"] for r in log.all()] == ["Bel [TELEFOON]"]
    assert len(FeedbackStore(path).all()) == 1
