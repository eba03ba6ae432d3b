"""Ingest jobs from the /documents page: one runs at a time, the others wait in line.

A job changes the corpus folder (places uploads, moves deleted files out), then runs the same
incremental, atomic ingest as ``vraagbaak ingest`` over it, swaps the new build into the running
engine (serving never stops: requests see the old build or the new one), re-checks the FAQ
citations and prepares each new document's report.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ingest.embedders import CachedEmbedder, EmbeddingCache
from ingest.pipeline import ingest
from service.db.locks import ingest_lock
from service.documents.records import JobRecords, StoredJob
from service.documents.report import ReportCache
from service.documents.store import DocumentStore, document_by_source
from service.engine import Engine
from service.faq.staleness import flag_stale_entries
from service.faq.store import FaqStore, has_faq_database
from service.profile import profile_for_ingest
from vraagbaak.settings import Settings

logger = logging.getLogger(__name__)

State = Literal["queued", "running", "done", "failed"]
FINAL_STATUSES = frozenset({"searchable", "unchanged", "skipped", "removed", "failed"})
READ_STATUSES = FINAL_STATUSES | {"indexed"}  # read and passaged, waiting for the new build


@dataclass
class DocumentProgress:
    name: str
    status: str = "queued"
    reason: str = ""
    doc_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "reason": self.reason,
                "doc_id": self.doc_id}


@dataclass
class Job:
    id: str
    action: Literal["upload", "delete"]
    documents: list[DocumentProgress]
    staged: dict[str, Path] = field(default_factory=dict)  # uploads: name -> staged file
    state: State = "queued"
    stage: str = "waiting for the job before it"
    message: str = ""
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    version: int = 0  # raised on every change: the event stream sends when it moves
    faq: dict[str, Any] | None = None  # what the FAQ citation check flagged, re-pointed, cleared

    @property
    def done(self) -> int:
        return sum(d.status in READ_STATUSES for d in self.documents)

    def to_json(self) -> dict[str, Any]:
        end = self.finished or time.time()
        return {
            "id": self.id,
            "action": self.action,
            "state": self.state,
            "stage": self.stage,
            "done": self.done,
            "total": len(self.documents),
            "documents": [d.to_json() for d in self.documents],
            "message": self.message,
            "faq": self.faq,
            "seconds": round(end - self.started, 1) if self.started else 0.0,
        }


class IngestJobs:
    """The job queue and its one worker thread (started with the first job)."""

    KEEP_FINISHED = 200

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        after_swap: Callable[[Engine], None] = lambda engine: None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.after_swap = after_swap
        self.store = DocumentStore(settings)
        self.reports = ReportCache(self.store.root / "reports")
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Job] = queue.Queue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._embedder: CachedEmbedder | None = None
        # Shared with the other replicas, so any of them reports on any job.
        self.records = JobRecords(settings.database)
        if settings.database_url is None:  # one process: what it left unfinished has ended
            self.records.abandon_unfinished("the service restarted during the job")

    def new_job(self, action: Literal["upload", "delete"], names: list[str]) -> Job:
        job = Job(uuid.uuid4().hex[:12], action, [DocumentProgress(n) for n in names])
        return job

    def submit(self, job: Job) -> Job:
        self._publish(job)
        self.records.prune()
        with self._lock:
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if j.state in ("done", "failed")]
            for old in finished[: max(0, len(finished) - self.KEEP_FINISHED)]:
                del self._jobs[old.id]
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, daemon=True, name="ingest-jobs")
                self._worker.start()
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job | StoredJob | None:
        """A job of this replica, else one another replica runs (None: no such job)."""
        job = self._jobs.get(job_id)
        if job is not None:
            return job
        data = self.records.load(job_id)
        return None if data is None else StoredJob(self.records, data)

    def pending_deletes(self) -> set[str]:
        return {
            d["name"]
            for j in self.records.unfinished()
            if j["action"] == "delete"
            for d in j["documents"]
        }

    def _publish(self, job: Job) -> None:
        self.records.save(job.to_json(), job.created)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                self._run(job)
            except Exception as error:  # the job fails; the service and the queue go on
                logger.exception("Ingest job %s failed", job.id)
                job.state, job.message = "failed", f"{error.__class__.__name__}: {error}"
                for document in job.documents:
                    if document.status not in FINAL_STATUSES:
                        document.status, document.reason = "failed", job.message
            finally:
                shutil.rmtree(self.store.root / "incoming" / job.id, ignore_errors=True)
                job.finished = job.finished or time.time()
                job.version += 1
                self._publish(job)

    def _set(self, job: Job, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(job, name, value)
        job.version += 1
        self._publish(job)

    def _ingest_embedder(self) -> CachedEmbedder:
        if self._embedder is None:
            cache = EmbeddingCache(self.settings.cache_dir / "embeddings.sqlite")
            self._embedder = CachedEmbedder(self.engine.embedder, cache)
        return self._embedder

    def _run(self, job: Job) -> None:
        self._set(job, state="running", stage="placing the files", started=time.time())
        by_name = {d.name: d for d in job.documents}
        for document in job.documents:
            if job.action == "upload":
                self.store.place(job.staged[document.name], document.name)
            elif self.store.remove(document.name) is None:
                document.status, document.reason = "failed", "no longer in the corpus folder"
        self._set(job, stage="reading")

        def progress(name: str, status: str, reason: str) -> None:
            if status == "embedding":
                self._set(job, stage="embedding the new passages")
            elif name in by_name and job.action == "upload":
                by_name[name].status, by_name[name].reason = status, reason
                job.version += 1
                self._publish(job)

        corpus = Path(self.settings.corpus_dir)
        with ingest_lock(self.settings):  # busy on another replica: the job fails, saying so
            report = ingest(
                [corpus],
                self.settings.index_dir,
                self._ingest_embedder(),
                profile=profile_for_ingest(self.settings.index_dir, [corpus]).to_data(),
                progress=progress,
            )
        skipped = dict(report.skipped)
        for document in job.documents:
            if document.status == "queued" and document.name in report.unchanged:
                document.status = "unchanged"  # nothing changed at all: ingest stopped early
            elif document.name in skipped:
                document.status, document.reason = "skipped", skipped[document.name]
        self._set(job, stage="switching to the new index")
        if self.engine.refresh():
            self.after_swap(self.engine)
        index = self.engine.index
        for document in job.documents:
            doc = document_by_source(index, document.name)
            if job.action == "delete" and document.status != "failed":
                document.status = "removed" if doc is None else "failed"
            elif document.status == "indexed" and doc is not None:
                document.status, document.doc_id = "searchable", doc.doc_id
            elif document.status == "unchanged" and doc is not None:
                document.doc_id = doc.doc_id
            elif document.status not in FINAL_STATUSES:
                document.status = "skipped"
                document.reason = document.reason or "not indexed"
        if report.changed and has_faq_database(self.settings):
            self._set(job, stage="checking FAQ citations")
            faq = FaqStore.open(self.settings)
            try:
                checked = flag_stale_entries(faq, index)
                job.message, job.faq = checked.summary(), checked.to_json()
            finally:
                faq.close()
        self._set(job, stage="writing the reports")
        for document in job.documents:
            doc = document_by_source(index, document.name)
            if document.status == "searchable" and doc is not None:
                self.report(doc.doc_id)
        self._set(job, state="done", stage="done", finished=time.time())

    def report(self, doc_id: str) -> dict[str, Any] | None:
        index = self.engine.index
        doc = index.documents.get(doc_id)
        if doc is None:
            return None
        path = self.store.original(doc)
        chunks = [c for c in index.chunks if c.doc_id == doc_id]
        if path is None:
            return {"doc_id": doc_id, "source": doc.source, "title": doc.title,
                    "pages": doc.pages, "passages": len(chunks),
                    "warnings": ["The original file is no longer available"]}
        return self.reports.get(path, doc, chunks)
