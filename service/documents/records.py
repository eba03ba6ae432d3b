"""The ingest jobs as every replica sees them: each job's state, written by the replica that
runs it on every change, in the shared database (``ingest_jobs``)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from service.db import DatabaseTarget, open_database

KEEP = 200  # newest jobs kept; older ones are dropped on the next write
RELOAD_SECONDS = 0.5


class JobRecords:
    def __init__(self, database: DatabaseTarget) -> None:
        self._db = open_database(database)

    def save(self, job: dict[str, Any], created: float) -> None:
        now = time.time()
        self._db.execute(
            "INSERT INTO ingest_jobs (id, created_at, updated_at, state, job) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "updated_at = excluded.updated_at, state = excluded.state, job = excluded.job",
            (job["id"], created, now, job["state"], json.dumps(job, ensure_ascii=False)),
        )

    def prune(self) -> None:
        self._db.execute(
            "DELETE FROM ingest_jobs WHERE id NOT IN "
            "(SELECT id FROM ingest_jobs ORDER BY created_at DESC LIMIT ?)",
            (KEEP,),
        )

    def load(self, job_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT job FROM ingest_jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def unfinished(self) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT job FROM ingest_jobs WHERE state IN ('queued', 'running')"
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def abandon_unfinished(self, reason: str) -> None:
        """Mark jobs left queued or running by a process that has ended as failed."""
        for job in self.unfinished():
            job.update(state="failed", message=reason)
            self.save(job, time.time())


class StoredJob:
    """A job another replica runs, read back from the database (at most every half second)."""

    def __init__(self, records: JobRecords, data: dict[str, Any]) -> None:
        self._records, self._data = records, data
        self._read_at = time.monotonic()
        self._lock = threading.Lock()

    def _fresh(self) -> dict[str, Any]:
        with self._lock:
            if time.monotonic() - self._read_at >= RELOAD_SECONDS:
                self._data = self._records.load(self._data["id"]) or self._data
                self._read_at = time.monotonic()
            return self._data

    @property
    def state(self) -> str:
        return str(self._fresh()["state"])

    @property
    def version(self) -> int:
        return hash(json.dumps(self._fresh(), sort_keys=True))

    def to_json(self) -> dict[str, Any]:
        return self._fresh()
