"""The FAQ editor's API under ``/api/faq``: sets, entries, drafting, approval, export/import.

``install_faq(app, settings)`` opens the store on ``app.state.faq_store``, adds this router, the
``/static/faq.js`` and ``/static/faq.css`` files of the ``/faq`` page, and at start-up (after
the engine is loaded) checks every citation against the index (``flag_stale_entries``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ingest.index import Index
from service.answering.extractive import ExtractiveAnswerer
from service.faq import drafting
from service.faq.exchange import (
    EXPORT_FORMATS,
    MEDIA_TYPES,
    export_filename,
    export_set,
    import_entries,
)
from service.faq.staleness import flag_stale_entries
from service.faq.store import (
    FaqEntryNotFoundError,
    FaqError,
    FaqSetExistsError,
    FaqSetNotFoundError,
    FaqStore,
)
from service.security.middleware import require_scope
from vraagbaak.settings import Settings

logger = logging.getLogger(__name__)
# Entry ids are SQLite row ids: a larger number is a 422 saying so, not a 500 from SQLite.
EntryId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The entry's number in its set")]

STATIC = resources.files("service") / "static"
STATIC_FILES = {"faq.js": "text/javascript", "faq.css": "text/css"}
MAX_TEXT_CHARS = 2_000_000

faq_router = APIRouter(
    prefix="/api/faq", tags=["faq"], dependencies=[Depends(require_scope("faq"))]
)


# --- request bodies -------------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateSet(_Body):
    name: str = Field(min_length=1, max_length=120, description="Unique name of the set")
    description: str = Field("", max_length=2000)
    language: Literal["nl", "en"] = "nl"


class AddQuestions(_Body):
    questions: list[str] = Field(
        default_factory=list,
        max_length=drafting.MAX_QUESTIONS,
        description="Questions to draft answers for",
    )
    text: str | None = Field(
        None,
        max_length=MAX_TEXT_CHARS,
        description="An uploaded TXT (one per line) or CSV file's text",
    )
    filename: str = Field("", max_length=255, description="The uploaded file's name (.txt/.csv)")


class CitationRef(_Body):
    chunk_id: str = Field(min_length=1)
    quote: str = Field(min_length=1, max_length=5000)


class PatchEntry(_Body):
    question: str | None = Field(None, max_length=drafting.MAX_QUESTION_CHARS)
    answer: str | None = Field(None, max_length=20000)
    notes: str | None = Field(None, max_length=5000)
    remove_citations: list[int] = Field(
        default_factory=list, description="Citation numbers (1-based) to remove"
    )
    add_citations: list[CitationRef] = Field(default_factory=list)


class ImportBody(_Body):
    content: str = Field(max_length=MAX_TEXT_CHARS, description="The file's text")
    filename: str = Field("", max_length=255, description="Its name: .json or .csv")


# --- helpers --------------------------------------------------------------------------------


def store_of(request: Request) -> FaqStore:
    store = getattr(request.app.state, "faq_store", None)
    if store is None:
        raise HTTPException(
            503, "The FAQ store is not available — install_faq(app, settings) was not called"
        )
    return store


def index_of(request: Request) -> Index:
    return request.app.state.engine.index


def who(request: Request) -> str:
    key = getattr(request.state, "api_key", None)
    if key is not None:
        return f"key:{key.name or key.id}"
    header = request.headers.get("x-vraagbaak-user", "").strip()
    return header[:80] if header else "web"


def drafter_of(request: Request) -> drafting.DraftAnswerer:
    assistant = getattr(request.app.state, "assistant", None)
    if assistant is not None and hasattr(assistant, "extractive"):
        return assistant.extractive()
    return ExtractiveAnswerer(request.app.state.engine.retriever)


def _run(action: Callable[[], Any]) -> Any:
    """Turn FAQ errors into 404 / 409 / 422 with their messages."""
    try:
        return action()
    except (FaqSetNotFoundError, FaqEntryNotFoundError) as exc:
        raise HTTPException(404, str(exc)) from exc
    except FaqSetExistsError as exc:
        raise HTTPException(409, str(exc)) from exc
    except FaqError as exc:
        raise HTTPException(422, str(exc)) from exc


def _entry_json(
    store: FaqStore, set_name: str, entry_id: int, history: bool = False
) -> dict[str, Any]:
    entry = store.get_entry(set_name, entry_id)
    data = entry.to_json()
    if history:
        data["history"] = [h.to_json() for h in store.history(set_name, entry_id)]
    return data


# --- sets -----------------------------------------------------------------------------------


@faq_router.get("/sets")
def list_sets(request: Request) -> dict[str, Any]:
    """All FAQ sets with their entry, approved and stale counts."""
    return {"sets": [s.to_json() for s in store_of(request).list_sets()]}


@faq_router.post("/sets", status_code=201)
def create_set(body: CreateSet, request: Request) -> dict[str, Any]:
    """A new, empty set (409 when the name is taken)."""
    store = store_of(request)
    faq_set = _run(lambda: store.create_set(body.name, body.description, body.language))
    return faq_set.to_json()


@faq_router.get("/sets/{name}")
def get_set(name: str, request: Request) -> dict[str, Any]:
    """A set with all its entries."""
    store = store_of(request)
    faq_set = _run(lambda: store.get_set(name))
    return faq_set.to_json() | {"entries": [e.to_json() for e in store.entries(name)]}


@faq_router.delete("/sets/{name}", status_code=204)
def delete_set(name: str, request: Request) -> Response:
    store = store_of(request)
    _run(lambda: store.delete_set(name))
    return Response(status_code=204)


@faq_router.post("/sets/{name}/questions", status_code=201)
def add_questions(name: str, body: AddQuestions, request: Request) -> dict[str, Any]:
    """Draft answers for questions: a JSON list, and/or an uploaded TXT/CSV file's text."""
    store = store_of(request)
    _run(lambda: store.get_set(name))
    questions = list(body.questions)
    if body.text is not None:
        questions += _run(lambda: drafting.read_questions(body.text or "", body.filename))
    if not any(q.strip() for q in questions):
        raise HTTPException(
            422,
            "No questions given — send 'questions' (a list) or 'text' "
            "(a TXT file with one question a line, or a CSV with a 'question' "
            "column)",
        )
    drafter = drafter_of(request)
    entries = _run(lambda: drafting.add_questions(store, name, questions, drafter, who(request)))
    return {"added": len(entries), "entries": [e.to_json() for e in entries]}


@faq_router.get("/sets/{name}/entries/{entry_id}")
def get_entry(name: str, entry_id: EntryId, request: Request) -> dict[str, Any]:
    """One entry with its edit history."""
    store = store_of(request)
    return _run(lambda: _entry_json(store, name, entry_id, history=True))


@faq_router.patch("/sets/{name}/entries/{entry_id}")
def patch_entry(name: str, entry_id: EntryId, body: PatchEntry, request: Request) -> dict[str, Any]:
    """Edit the text or notes, remove citations (by number) and add citations (chunk id and a
    quote verbatim from that passage). Changing an approved entry makes it a draft again."""
    store = store_of(request)
    by = who(request)

    def apply() -> dict[str, Any]:
        entry = store.get_entry(name, entry_id)
        for number in body.remove_citations:
            if not 1 <= number <= len(entry.citations):
                raise FaqError(
                    f"Entry {entry_id} has {len(entry.citations)} citation(s); there "
                    f"is no citation {number}"
                )
        refs = [(ref.chunk_id, ref.quote) for ref in body.add_citations]
        index = index_of(request) if refs else None
        if index is not None:  # check every new quote before changing anything
            for chunk_id, quote in refs:
                drafting.make_citation(index, chunk_id, quote)
        with store.transaction():
            drafting.edit_entry(
                store,
                name,
                entry_id,
                by,
                answer=body.answer,
                question=body.question,
                notes=body.notes,
            )
            for number in sorted(set(body.remove_citations), reverse=True):
                drafting.remove_citation(store, name, entry_id, number, by)
            for chunk_id, quote in refs:
                assert index is not None
                drafting.add_citation(store, index, name, entry_id, chunk_id, quote, by)
        return _entry_json(store, name, entry_id, history=True)

    return _run(apply)


@faq_router.post("/sets/{name}/entries/{entry_id}/approve")
def approve_entry(name: str, entry_id: EntryId, request: Request) -> dict[str, Any]:
    """Approve an entry (422 without a citation, or when a quote no longer matches)."""
    store = store_of(request)
    entry = _run(lambda: drafting.approve(store, name, entry_id, who(request), index_of(request)))
    return entry.to_json()


@faq_router.post("/sets/{name}/entries/{entry_id}/unapprove")
def unapprove_entry(name: str, entry_id: EntryId, request: Request) -> dict[str, Any]:
    store = store_of(request)
    entry = _run(lambda: drafting.unapprove(store, name, entry_id, who(request)))
    return entry.to_json()


@faq_router.delete("/sets/{name}/entries/{entry_id}", status_code=204)
def delete_entry(name: str, entry_id: EntryId, request: Request) -> Response:
    store = store_of(request)
    _run(lambda: store.delete_entry(name, entry_id, who(request)))
    return Response(status_code=204)


@faq_router.get("/sets/{name}/export")
def export(
    name: str,
    request: Request,
    format: str = Query("md", description="md, csv, json or evalset"),
    download: bool = Query(True, description="Send as an attachment"),
) -> Response:
    """The set as Markdown (approved entries), CSV or JSON (all entries), or a gold-set JSONL
    eval set (approved entries) for `vraagbaak eval run`."""
    if format not in EXPORT_FORMATS:
        raise HTTPException(
            422, f"Unknown format '{format}' — use one of {', '.join(EXPORT_FORMATS)}"
        )
    store = store_of(request)
    text = _run(lambda: export_set(store, name, format))
    headers = {}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{export_filename(name, format)}"'
    return Response(content=text, media_type=MEDIA_TYPES[format], headers=headers)


@faq_router.post("/sets/{name}/import", status_code=201)
def import_file(name: str, body: ImportBody, request: Request) -> dict[str, Any]:
    """Add the entries of a JSON or CSV file that export wrote — all of them or none."""
    store = store_of(request)
    result = _run(lambda: import_entries(store, name, body.content, body.filename, who(request)))
    report = flag_stale_entries(store, index_of(request), set_name=name, by="import")
    entries = [store.get_entry(name, e.id).to_json() for e in result.entries]
    return {"added": result.count, "stale": len(report.flagged), "entries": entries}


@faq_router.get("/sets/{name}/suggest")
def suggest(
    name: str,
    request: Request,
    doc: str = Query(..., min_length=1, description="Document id (GET /api/documents)"),
    n: int = Query(10, ge=1, le=50),
) -> dict[str, Any]:
    """Questions the set could hold about one document, from its headings and key sentences."""
    store = store_of(request)
    faq_set = _run(lambda: store.get_set(name))
    index = index_of(request)
    suggestions = _run(lambda: drafting.suggest_questions(index, doc, n, faq_set.language))
    return {"doc_id": doc, "suggestions": [s.to_json() for s in suggestions]}


@faq_router.get("/search")
def search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=1000, description="What to look for"),
    k: int = Query(5, ge=1, le=20),
) -> dict[str, Any]:
    """Passages for the editor, with their sentences, so one can be added as a citation."""
    hits = request.app.state.engine.retriever.search(q, k)
    results = []
    for hit in hits:
        data = hit.to_json()
        data["sentences"] = [
            {"start": s, "end": e, "text": hit.chunk.text[s:e]} for s, e in hit.chunk.sentences
        ]
        results.append(data)
    return {"results": results}


# --- installation ---------------------------------------------------------------------------


def install_faq(app: FastAPI, settings: Settings, store: FaqStore | None = None) -> None:
    """Add the API and the page's static files; at each start-up open the FAQ store on
    ``app.state.faq_store`` and check the entries' citations against the index."""
    app.include_router(faq_router)
    _add_static(app)

    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[Any]:
        faq_store = store or FaqStore.open(settings)
        app_.state.faq_store = faq_store
        async with outer(app_) as state:
            engine = getattr(app_.state, "engine", None)
            if engine is not None:
                try:
                    report = flag_stale_entries(faq_store, engine.index)
                    logger.info("%s", report.summary())
                except Exception:
                    logger.exception("Checking FAQ citations against the index failed")
            yield state
        if store is None:
            faq_store.close()

    app.router.lifespan_context = lifespan


def _add_static(app: FastAPI) -> None:
    def serve(name: str) -> Callable[[], Response]:
        def handler() -> Response:
            path = STATIC / name
            if not path.is_file():
                return HTMLResponse(f"{name} is missing from this installation", status_code=404)
            return FileResponse(str(path), media_type=STATIC_FILES[name])

        return handler

    for name in STATIC_FILES:
        app.add_api_route(f"/static/{name}", serve(name), methods=["GET"], include_in_schema=False)


__all__ = ["JSONResponse", "faq_router", "install_faq"]
