"""The documents as MCP tools, for agents (Claude Desktop, IDEs, Onyx): search, ask,
get_passage and list_documents, with the same provenance the API gives.

Two transports over one tool set: ``vraagbaak mcp`` serves stdio (:func:`run_stdio` loads the
index explicitly, then serves), and the web service mounts streamable HTTP at ``/mcp``
(:func:`install_mcp`), where the API's keys apply (scope ``ask``, ``Authorization: Bearer``)
and the rate limits count as for any other API call. The HTTP transport is stateless, so any
replica behind a load balancer can answer any request.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from service.answering.extractive import prepare_index
from service.api.routes import documents_json, passage_json
from service.api.schemas import MAX_K, MAX_QUESTION_CHARS
from service.assistant import Assistant, build_assistant
from service.engine import Engine
from service.security.middleware import require_scope
from vraagbaak import __version__
from vraagbaak.settings import Settings

logger = logging.getLogger(__name__)

MCP_PATH = "/mcp"
INSTRUCTIONS = (
    "Vraagbaak answers from Dutch youth-care documents (reports, protocols). Use `ask` for an "
    "answer that quotes the documents with numbered citations, or says the documents do not "
    "answer it; `search` for the best passages; `get_passage` to read a passage in its context; "
    "`list_documents` for what is indexed. Questions may be in Dutch or English."
)

AnswerLog = Callable[[str, dict[str, Any]], None]

Text = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS)]


def build_server(assistant: Callable[[], Assistant], log: AnswerLog | None = None) -> MCPServer:
    """The four tools over ``assistant()``, asked on every call (an index swap applies at once)."""
    # MCPServer configures the root logger when it has no handlers yet; the service's (or the
    # CLI's) logging stays as it was.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    server: MCPServer = MCPServer(
        "vraagbaak", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING"
    )
    root.handlers[:] = handlers
    root.setLevel(level)

    @server.tool()
    def search(
        query: Text,
        k: Annotated[int, Field(ge=1, le=MAX_K, description=f"1 to {MAX_K}")] = 5,
    ) -> dict[str, Any]:
        """The passages that best match `query`, best first, with their source document,
        title, section, page and character offsets."""
        hits = assistant().engine.retriever.search(query.strip(), k)
        return {"passages": [{"rank": n} | hit.to_json() for n, hit in enumerate(hits, 1)]}

    @server.tool()
    def ask(question: Text) -> dict[str, Any]:
        """An answer quoting the documents, each statement marked [n] and cited in `citations`
        (document, section, page, verbatim quote) — or `refused: true` with a sentence saying
        the documents do not answer it, and `related` passages that might help."""
        answer, _ = assistant().ask(question)
        payload = answer.to_json()
        if log is not None:
            log(question, payload)
        return payload

    @server.tool()
    def get_passage(
        chunk_id: Annotated[str, Field(min_length=1, max_length=200)],
    ) -> dict[str, Any]:
        """The passage `chunk_id` (as `search` and `ask` return it) with the passages around it:
        its text, its document, section, page, and the surrounding text as `context`."""
        found = passage_json(assistant().engine.index, chunk_id)
        if found is None:
            raise ToolError(
                f"No passage '{chunk_id}' — it may be gone after a re-ingest; search again"
            )
        return found

    @server.tool()
    def list_documents() -> dict[str, Any]:
        """The indexed documents: id, source file, title, author, year, language, pages and
        number of passages."""
        return {"documents": documents_json(assistant().engine.index)}

    return server


def run_stdio(settings: Settings, engine: Engine | None = None) -> None:
    """Load the index and model, then serve MCP over stdin/stdout until the client closes it.

    A re-ingest is picked up between calls, as the web service does.
    """
    engine = engine or Engine.load(settings)
    prepare_index(engine.index)
    loaded = build_assistant(engine)

    def current() -> Assistant:
        try:
            if engine.refresh():
                prepare_index(engine.index)
        except Exception:
            logger.exception("Could not load the new index build; still serving the previous one")
        return loaded

    build_server(current).run("stdio")


def install_mcp(app: FastAPI) -> None:
    """Streamable HTTP at ``/mcp`` on the service, behind the API's keys and limits.

    Needs ``app.state.assistant`` at request time (the app's start-up loads it).
    """

    def log(question: str, payload: dict[str, Any]) -> None:
        question_log = getattr(app.state, "question_log", None)
        if question_log is not None:
            question_log.add(
                question, payload["language"], payload["refused"], payload["mode"], None
            )

    server = build_server(lambda: app.state.assistant, log)
    guarded = _Guarded(set(app.state.settings.cors_origins))

    @asynccontextmanager
    async def running(_: FastAPI) -> AsyncIterator[None]:
        # A session manager runs once: each start of the app gets a new one. Stateless with
        # JSON answers: no session to pin to one replica. Origins are checked by _Guarded (the
        # CORS list), so the SDK's localhost-only host check is off.
        server.streamable_http_app(
            streamable_http_path=MCP_PATH,
            stateless_http=True,
            json_response=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        sessions = server.session_manager
        async with sessions.run():
            guarded.app = sessions.handle_request
            try:
                yield
            finally:
                guarded.app = None

    app.router.routes.append(
        Route(MCP_PATH, guarded, methods=["GET", "POST", "DELETE"], include_in_schema=False)
    )
    app.include_router(APIRouter(lifespan=running))


class _Guarded:
    """The MCP transport behind an origin check and the API's key check (an ASGI app, so the
    transport can stream its answer)."""

    def __init__(self, allowed: set[str]) -> None:
        self.app: Callable[[Scope, Receive, Send], Awaitable[None]] | None = None  # when running
        self.allowed = allowed
        self.check_key = require_scope("ask")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        origin = request.headers.get("origin")
        if origin and "*" not in self.allowed and origin.rstrip("/") not in self.allowed:
            detail = (
                f"Origin '{origin}' may not use {MCP_PATH}: add it to VRAAGBAAK_CORS_ORIGINS "
                "(MCP clients outside a browser send no Origin)"
            )
            await JSONResponse({"detail": detail}, status_code=403)(scope, receive, send)
            return
        try:
            await self.check_key(request)
        except HTTPException as exc:
            refusal = JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
            await refusal(scope, receive, send)
            return
        if self.app is None:
            detail = "The MCP server is starting or stopping — try again in a moment"
            await JSONResponse({"detail": detail}, status_code=503)(scope, receive, send)
            return
        await self.app(scope, receive, send)
