"""The document-management API and the /documents page.

Managing documents (upload, delete, jobs, reports) needs the ``admin`` scope when keys are
required; the original file and its page images are citations, so ``ask`` may read them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from ingest.index import Index
from ingest.model import Chunk
from ingest.pipeline import find_files
from service.documents.jobs import IngestJobs, Job
from service.documents.records import KEEP as KEEP_JOBS
from service.documents.records import StoredJob
from service.documents.render import render_highlighted
from service.documents.store import is_supported, safe_name, supported_types
from service.engine import Engine
from service.security.middleware import BodySizeLimitMiddleware, require_scope
from vraagbaak.settings import Settings

logger = logging.getLogger(__name__)

STATIC = resources.files("service") / "static"
UPLOAD_PATH = "/api/documents"
EVENT_INTERVAL = 0.25  # how often the event stream looks at the job
HEARTBEAT = 1.0  # it sends the job's state at least this often, changed or not
MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}

admin_router = APIRouter(dependencies=[Depends(require_scope("admin"))], tags=["documents"])
reader_router = APIRouter(dependencies=[Depends(require_scope("ask"))], tags=["documents"])


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def jobs_of(request: Request) -> IngestJobs:
    """The app's job queue, made on first use (it needs the loaded engine)."""
    state = request.app.state
    jobs: IngestJobs | None = getattr(state, "document_jobs", None)
    if jobs is None:
        from service.answering.extractive import prepare_index

        def prepare(engine: Engine) -> None:
            prepare_index(engine.index)

        jobs = IngestJobs(state.settings, _engine(request), prepare)
        state.document_jobs = jobs
    return jobs


def _job_or_404(request: Request, job_id: str) -> Job | StoredJob:
    job = jobs_of(request).get(job_id)
    if job is None:
        raise HTTPException(
            404, f"No ingest job '{job_id}' — the newest {KEEP_JOBS} jobs are kept"
        )
    return job


@admin_router.post("/api/documents", status_code=202)
async def upload(request: Request, files: list[UploadFile]) -> JSONResponse:
    """Add or replace documents (multipart field ``files``): answers at once with the job id;
    the job runs after the ones before it."""
    settings: Settings = request.app.state.settings
    names: list[str] = []
    for file in files:
        name = safe_name(file.filename or "")
        if name is None:
            raise HTTPException(422, f"'{file.filename}' is not a usable file name")
        if not is_supported(name):
            raise HTTPException(
                415, f"'{name}' is not a supported type — supported: {supported_types()}"
            )
        if (file.size or 0) > settings.max_upload_bytes:
            raise HTTPException(
                413, f"'{name}' is {file.size} bytes, at most {settings.max_upload_bytes} allowed"
            )
        if name in names:
            raise HTTPException(422, f"'{name}' is sent twice — send each file once")
        names.append(name)
    jobs = jobs_of(request)
    job = jobs.new_job("upload", names)
    folder = jobs.store.staging_dir(job.id)
    for file, name in zip(files, names, strict=True):
        target = folder / name
        with target.open("wb") as out:
            while chunk := await file.read(1 << 20):
                out.write(chunk)
        job.staged[name] = target
    jobs.submit(job)
    return JSONResponse({"job": job.id}, status_code=202)


@admin_router.delete("/api/documents/{doc_id}", status_code=202)
def delete(doc_id: str, request: Request) -> JSONResponse:
    """Remove a document: its file leaves the corpus folder and the next build drops it."""
    jobs = jobs_of(request)
    doc = _engine(request).index.documents.get(doc_id)
    if doc is None:
        raise HTTPException(404, f"No document '{doc_id}' — GET /api/documents lists the ids")
    pending = jobs.pending_deletes()
    if doc.source in pending:
        raise HTTPException(409, f"'{doc.source}' is already being removed")
    files, _ = find_files([jobs.store.corpus_dir])
    if not {f.name for f in files} - pending - {doc.source}:
        raise HTTPException(
            409, f"'{doc.source}' is the last document: upload another one before removing it"
        )
    if jobs.store.locate(doc.source) is None:
        raise HTTPException(
            409,
            f"'{doc.source}' is not in the corpus folder ({jobs.store.corpus_dir}): it was "
            "ingested from elsewhere — remove it there and run `vraagbaak ingest` again",
        )
    job = jobs.submit(jobs.new_job("delete", [doc.source]))
    return JSONResponse({"job": job.id}, status_code=202)


@admin_router.get("/api/ingest/jobs/{job_id}")
def job_status(job_id: str, request: Request) -> dict[str, Any]:
    return _job_or_404(request, job_id).to_json()


@admin_router.get("/api/ingest/jobs/{job_id}/events")
async def job_events(job_id: str, request: Request) -> StreamingResponse:
    """Server-sent events: ``progress`` with the job's state whenever it changes (and at least
    every second), then ``done``."""
    job = _job_or_404(request, job_id)

    async def events() -> AsyncIterator[str]:
        sent_version, sent_at = -1, 0.0
        loop = asyncio.get_running_loop()
        while True:
            finished = job.state in ("done", "failed")
            now = loop.time()
            if job.version != sent_version or now - sent_at >= HEARTBEAT or finished:
                sent_version, sent_at = job.version, now
                event = "done" if finished else "progress"
                yield f"event: {event}\ndata: {json.dumps(job.to_json(), ensure_ascii=False)}\n\n"
            if finished or await request.is_disconnected():
                return
            await asyncio.sleep(EVENT_INTERVAL)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@admin_router.get("/api/documents/{doc_id}/report")
def document_report(doc_id: str, request: Request) -> dict[str, Any]:
    """What ingest made of the document: pages, passages, sections, removed lines, warnings."""
    report = jobs_of(request).report(doc_id)
    if report is None:
        raise HTTPException(404, f"No document '{doc_id}' — GET /api/documents lists the ids")
    return report


@reader_router.get("/api/documents/{doc_id}/file")
def document_file(doc_id: str, request: Request) -> Response:
    """The original file (a PDF opens at a page with ``#page=N``)."""
    doc = _engine(request).index.documents.get(doc_id)
    if doc is None:
        raise HTTPException(404, f"No document '{doc_id}' — GET /api/documents lists the ids")
    path = jobs_of(request).store.original(doc)
    if path is None:
        raise HTTPException(404, f"The original file of '{doc.source}' is no longer available")
    suffix = path.suffix.lower()
    return FileResponse(
        str(path),
        media_type=MEDIA_TYPES.get(suffix, "application/octet-stream"),
        filename=doc.source,
        content_disposition_type="inline" if suffix == ".pdf" else "attachment",
    )


def _chunk_of(index: Index, doc_id: str, chunk_id: str | None) -> Chunk | None:
    if chunk_id is None:
        return None
    chunk = index.chunk(chunk_id)
    if chunk is None or chunk.doc_id != doc_id:
        raise HTTPException(
            404, f"No passage '{chunk_id}' in '{doc_id}' — it may be gone after a re-ingest"
        )
    return chunk


@reader_router.get("/api/documents/{doc_id}/pages/{number}.png")
async def page_image(
    doc_id: str,
    number: int,
    request: Request,
    chunk: str | None = Query(None, description="The cited passage, to highlight"),
    start: int | None = Query(None, ge=0, description="Quote start within the passage text"),
    end: int | None = Query(None, ge=0, description="Quote end within the passage text"),
) -> Response:
    """Page ``number`` of a PDF as PNG, with the quote (or the whole passage) highlighted."""
    index = _engine(request).index
    doc = index.documents.get(doc_id)
    if doc is None:
        raise HTTPException(404, f"No document '{doc_id}' — GET /api/documents lists the ids")
    if not doc.source.lower().endswith(".pdf"):
        raise HTTPException(404, f"'{doc.source}' has no pages to show: only PDFs do")
    if doc.pages is not None and not 1 <= number <= doc.pages:
        raise HTTPException(404, f"'{doc.source}' has pages 1 to {doc.pages}")
    passage = _chunk_of(index, doc_id, chunk)
    quote = ""
    if passage is not None:
        s = start if start is not None else 0
        e = end if end is not None else len(passage.text)
        if not 0 <= s < e <= len(passage.text):
            raise HTTPException(
                422, f"start and end must lie within the passage (0 to {len(passage.text)})"
            )
        quote = passage.text[s:e]
    path = jobs_of(request).store.original(doc)
    if path is None:
        raise HTTPException(404, f"The original file of '{doc.source}' is no longer available")
    scanned = number in doc.ocr_pages
    rendered = await run_in_threadpool(render_highlighted, path, number, quote, scanned=scanned)
    return Response(
        rendered.png,
        media_type="image/png",
        headers={
            "Cache-Control": "private, max-age=3600",
            "X-Highlighted-Characters": str(rendered.highlighted),
            "X-OCR": "1" if scanned else "0",
        }
        | ({"X-Highlight-Top": f"{rendered.top:.3f}"} if rendered.top is not None else {}),
    )


class UploadBodyLimit:
    """The body-size limit, with the larger upload limit for ``POST /api/documents``."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int) -> None:
        self.normal = BodySizeLimitMiddleware(app, max_bytes)
        # a multipart body carries a little more than the file itself
        self.upload = BodySizeLimitMiddleware(app, upload_max_bytes + 64_000)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        is_upload = (
            scope["type"] == "http"
            and scope.get("method") == "POST"
            and scope.get("path") == UPLOAD_PATH
        )
        await (self.upload if is_upload else self.normal)(scope, receive, send)


def install_documents(app: FastAPI) -> None:
    """The document routes and the /documents page."""
    app.include_router(admin_router)
    app.include_router(reader_router)

    def static_file(name: str, media_type: str) -> Response:
        path = STATIC / name
        if not path.is_file():
            return HTMLResponse(f"{name} is missing from this installation", status_code=404)
        return FileResponse(str(path), media_type=media_type)

    @app.get("/documents", include_in_schema=False)
    def documents_page() -> Response:
        return static_file("documents.html", "text/html")

    @app.get("/documents.js", include_in_schema=False)
    def documents_script() -> Response:
        return static_file("documents.js", "text/javascript")

    @app.get("/documents.css", include_in_schema=False)
    def documents_style() -> Response:
        return static_file("documents.css", "text/css")
