"""The chat API: search, ask, stream, documents and passages, feedback, health."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from ingest.index import Index
from ingest.model import Chunk, DocumentInfo
from service.api.schemas import (
    AskRequest,
    AskResponse,
    FeedbackRequest,
    FeedbackResponse,
    SearchRequest,
    SearchResponse,
)
from service.assistant import Assistant
from service.engine import Engine
from service.security.token_window import check_question_fits

logger = logging.getLogger(__name__)

router = APIRouter()
public_router = APIRouter()  # no key needed: health checks from load balancers
CONTEXT_PASSAGES = 1


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def assistant_of(request: Request) -> Assistant:
    return request.app.state.assistant


@public_router.get("/health", tags=["service"])
def health(request: Request) -> dict[str, Any]:
    """Whether the index is loaded, what it holds, and which mode the service runs in."""
    engine = engine_of(request)
    index = engine.index
    return {
        "status": "ok",
        "index_loaded": True,
        "index_build": index.build_id,
        "documents": len(index.documents),
        "passages": len(index.chunks),
        "embedder": engine.embedder.name,
        "require_keys": bool(getattr(request.app.state, "require_keys", False)),
        "llm": bool(engine.settings.llm_base_url),
    }


# The two hot endpoints return their JSON directly: the payloads are built to the declared
# response models (tests/service/test_api.py checks them), so FastAPI need not validate them
# a second time on every request.
@router.post("/api/search", response_model=SearchResponse, tags=["chat"])
def search(body: SearchRequest, request: Request) -> Response:
    """The passages that best match ``query``, best first."""
    check_question_fits(engine_of(request).embedder, body.query, "query")
    hits = engine_of(request).retriever.search(body.query, body.k)
    return JSONResponse({"results": [hit.to_json() for hit in hits]})


@router.post("/api/ask", response_model=AskResponse, tags=["chat"])
def ask(body: AskRequest, request: Request) -> Response:
    """An answer quoting the documents, each statement marked [n] and cited — or a refusal."""
    check_question_fits(engine_of(request).embedder, body.question)
    answer, conversation_id = assistant_of(request).ask(body.question, body.conversation_id)
    payload = answer.to_json(conversation_id)
    _log_question(request, body.question, payload)
    return JSONResponse(payload)


@router.post("/api/chat/stream", tags=["chat"])
def chat_stream(body: AskRequest, request: Request) -> StreamingResponse:
    """The same answer as server-sent events: `start`, `token`s of text, then `done`."""
    check_question_fits(engine_of(request).embedder, body.question)
    events = assistant_of(request).stream(body.question, body.conversation_id)

    def encode(items: Iterator[dict[str, object]]) -> Iterator[str]:
        try:
            for item in items:
                event = item.pop("event")
                if event == "done":
                    _log_question(request, body.question, item)
                yield f"event: {event}\ndata: {json.dumps(item, ensure_ascii=False)}\n\n"
        except Exception:
            logger.exception("Streaming an answer failed")
            message = {"detail": "The answer could not be completed — please try again."}
            yield f"event: error\ndata: {json.dumps(message)}\n\n"

    return StreamingResponse(
        encode(events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/api/documents", tags=["documents"])
def documents(request: Request) -> dict[str, Any]:
    return {"documents": documents_json(engine_of(request).index)}


def documents_json(index: Index) -> list[dict[str, Any]]:
    """The indexed documents with their passage counts (also the MCP server's list)."""
    counts: dict[str, int] = {}
    for chunk in index.chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    return [
        _document_json(doc) | {"passages": counts.get(doc.doc_id, 0)}
        for doc in index.documents.values()
    ]


@router.get("/api/documents/{doc_id}", tags=["documents"])
def document(doc_id: str, request: Request) -> dict[str, Any]:
    index = engine_of(request).index
    doc = index.documents.get(doc_id)
    if doc is None:
        raise HTTPException(404, f"No document '{doc_id}' — GET /api/documents lists the ids")
    passages = [
        {
            "chunk_id": c.id,
            "section": c.section or None,
            "page": c.page,
            "start": c.start,
            "end": c.end,
        }
        for c in index.chunks
        if c.doc_id == doc_id
    ]
    return _document_json(doc) | {"text": index.clean_texts[doc_id], "passages": passages}


@router.get("/api/passages/{chunk_id}", tags=["documents"])
def passage(chunk_id: str, request: Request) -> dict[str, Any]:
    """A passage with the passages around it, so the reader sees the quote in its context."""
    found = passage_json(engine_of(request).index, chunk_id)
    if found is None:
        raise HTTPException(
            404, f"No passage '{chunk_id}' — it may be gone after a re-ingest; search again"
        )
    return found


def read_by_ocr(chunk: Chunk, doc: DocumentInfo) -> bool:
    """Some of the passage's text was read from a scanned page: the reader should check it."""
    if chunk.page is None:
        return False
    return any(chunk.page <= n <= (chunk.page_end or chunk.page) for n in doc.ocr_pages)


def passage_json(index: Index, chunk_id: str) -> dict[str, Any] | None:
    """The passage ``chunk_id`` in its context (also the MCP server's); None when unknown."""
    row = index.chunk_row.get(chunk_id)
    if row is None:
        return None
    chunk = index.chunks[row]
    doc = index.documents[chunk.doc_id]
    text = index.clean_texts[chunk.doc_id]
    neighbours = [
        c
        for c in index.chunks[max(0, row - CONTEXT_PASSAGES) : row + CONTEXT_PASSAGES + 1]
        if c.doc_id == chunk.doc_id
    ]
    context_start = min(c.start for c in neighbours)
    context_end = max(c.end for c in neighbours)
    return {
        "chunk_id": chunk.id,
        "doc_id": doc.doc_id,
        "source": doc.source,
        "title": doc.title,
        "section": chunk.section or None,
        "page": chunk.page,
        "page_end": chunk.page_end,
        "ocr": read_by_ocr(chunk, doc),
        "text": chunk.text,
        "start": chunk.start,
        "end": chunk.end,
        "sentences": [list(span) for span in chunk.sentences],
        "context": {
            "text": text[context_start:context_end],
            "start": context_start,
            "end": context_end,
            # where the passage itself sits inside the context text
            "passage_start": chunk.start - context_start,
            "passage_end": chunk.end - context_start,
        },
        "previous": neighbours[0].id if neighbours[0].id != chunk.id else None,
        "next": neighbours[-1].id if neighbours[-1].id != chunk.id else None,
    }


@router.post("/api/feedback", response_model=FeedbackResponse, tags=["chat"])
def feedback(body: FeedbackRequest, request: Request) -> dict[str, Any]:
    """Thumbs up or down (and a comment) on an answer; personal data is redacted first."""
    store = request.app.state.feedback
    if store is None:
        return {"id": None, "stored": False}
    unknown = [c for c in body.chunk_ids if c not in engine_of(request).index.chunk_row]
    if unknown:
        raise HTTPException(
            422, f"Unknown passage '{unknown[0]}' — send the chunk ids of the answer you rate"
        )
    feedback_id = store.add(
        body.rating, body.question, body.answer, body.comment, body.conversation_id, body.chunk_ids
    )
    return {"id": feedback_id, "stored": True}


def _log_question(request: Request, question: str, answer: dict[str, Any]) -> None:
    """Keep the (redacted) question when the question log is enabled; never the raw text."""
    log = getattr(request.app.state, "question_log", None)
    if log is not None:
        log.add(
            question,
            str(answer["language"]),
            bool(answer["refused"]),
            str(answer["mode"]),
            answer.get("conversation_id"),
        )


def _document_json(doc: Any) -> dict[str, Any]:
    return {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "title": doc.title,
        "author": doc.author,
        "year": doc.year,
        "language": doc.language,
        "pages": doc.pages,
    }
