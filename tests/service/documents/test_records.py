"""Ingest job records: what one replica writes, another reads back; a restart ends the jobs a
single process left unfinished."""

from __future__ import annotations

from pathlib import Path

from service.documents.records import KEEP, JobRecords, StoredJob


def _job(job_id: str, state: str, action: str = "delete") -> dict[str, object]:
    return {
        "id": job_id,
        "action": action,
        "state": state,
        "message": "",
        "documents": [{"name": f"{job_id}.pdf", "status": "queued"}],
    }


def test_a_job_is_read_back_and_followed(tmp_path: Path) -> None:
    path = tmp_path / "vraagbaak.sqlite"
    writer, reader = JobRecords(path), JobRecords(path)
    writer.save(_job("j1", "running"), 1.0)
    seen = StoredJob(reader, reader.load("j1") or {})
    assert seen.state == "running"
    writer.save(_job("j1", "done"), 1.0)
    assert reader.load("j1") == _job("j1", "done")
    assert reader.unfinished() == []


def test_unfinished_jobs_are_failed_after_a_restart_and_old_ones_dropped(tmp_path: Path) -> None:
    records = JobRecords(tmp_path / "vraagbaak.sqlite")
    records.save(_job("left", "running"), 0.0)
    assert [j["documents"][0]["name"] for j in records.unfinished()] == ["left.pdf"]
    records.abandon_unfinished("the service restarted during the job")
    left = records.load("left") or {}
    assert left["state"] == "failed" and "restarted" in left["message"]
    for number in range(KEEP + 1):
        records.save(_job(f"j{number}", "done"), float(number + 1))
    records.prune()
    assert records.load("left") is None and records.load(f"j{KEEP}") is not None
