"""The FastAPI application: ``create_app(settings)``; everything heavy loads at start-up."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import Depends, FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send
from threadpoolctl import threadpool_limits

from service.answering.extractive import prepare_index
from service.api.errors import install_error_handlers
from service.api.openai_compat import router as openai_router
from service.api.routes import public_router, router
from service.assistant import Assistant, build_assistant
from service.documents.routes import UploadBodyLimit, install_documents
from service.engine import Engine
from service.evalbench.routes import install_evalbench
from service.faq.routes import install_faq
from service.feedback import FeedbackStore
from service.mcp_server import install_mcp
from service.question_log import QuestionLog
from service.security.access_log import AccessLogMiddleware, loggable
from service.security.keys import KeyStore
from service.security.middleware import (
    SecurityHeadersMiddleware,
    require_scope,
)
from service.security.ratelimit import RateLimiter
from vraagbaak import __version__
from vraagbaak.settings import Settings

logger = logging.getLogger(__name__)

STATIC = resources.files("service") / "static"
REFRESH_SECONDS = 2.0


def create_app(
    settings: Settings | None = None,
    engine: Engine | None = None,
    assistant: Assistant | None = None,
) -> FastAPI:
    settings = settings or Settings()
    docs = settings.api_docs_enabled

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Requests run in parallel and each needs only small matrix products: one BLAS thread
        # each beats BLAS threads fighting over the same cores (≈3× here, docs/performance.md).
        threadpool_limits(limits=1, user_api="blas")
        app.state.engine = engine or Engine.load(settings)
        app.state.assistant = assistant or build_assistant(app.state.engine)
        prepare_index(app.state.engine.index)
        app.state.feedback = (
            FeedbackStore(settings.database, settings.retention_days)
            if settings.store_feedback and settings.retention_days
            else None
        )
        app.state.question_log = (
            QuestionLog(settings.database, settings.retention_days)
            if settings.store_questions and settings.retention_days
            else None
        )
        stop = threading.Event()
        watcher = threading.Thread(
            target=_watch_index, args=(app.state.engine, stop), daemon=True, name="index-watch"
        )
        watcher.start()
        yield
        stop.set()
        for store in (app.state.feedback, app.state.question_log):
            if store is not None:
                store.close()

    app = FastAPI(
        title="Vraagbaak",
        version=__version__,
        description="Answers from youth-care documents, with the passages they rest on.",
        lifespan=lifespan,
        docs_url=None,  # served below from local files: no CDN, no inline script
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    app.state.require_keys = settings.require_api_keys
    app.state.key_store = KeyStore(settings.database) if settings.require_api_keys else None
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    install_error_handlers(app)
    app.include_router(public_router)
    app.include_router(router, dependencies=[Depends(require_scope("ask"))])
    install_faq(app, settings)
    install_evalbench(app, settings)  # /eval: gold sets by clicking, runs, verdicts
    install_documents(app)  # /documents: upload, replace, delete; page images
    app.include_router(openai_router)  # /v1: OpenAI chat-completions clients
    install_mcp(app)  # /mcp: agents' MCP clients
    _add_pages(app, docs=docs)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    app.add_middleware(RefusedOriginLogger, allowed=set(settings.cors_origins))
    app.add_middleware(
        UploadBodyLimit,
        max_bytes=settings.max_body_bytes,
        upload_max_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(
        SecurityHeadersMiddleware, content_security_policy=settings.content_security_policy
    )
    app.add_middleware(AccessLogMiddleware)
    return app


def _watch_index(engine: Engine, stop: threading.Event) -> None:
    """Pick up a re-ingest: the new build is loaded aside and swapped in whole."""
    while not stop.wait(REFRESH_SECONDS):
        try:
            if engine.refresh():
                prepare_index(engine.index)
        except Exception:
            logger.exception("Could not load the new index build; still serving the previous one")


class RefusedOriginLogger:
    """Logs cross-origin requests from origins CORS will refuse, saying how to allow them.

    The browser only shows the page's user a CORS error; the log line tells the operator.
    Plain ASGI, as it sees every request.
    """

    MAX_REMEMBERED = 1000  # origins already warned about; later requests log at DEBUG

    def __init__(self, app: ASGIApp, allowed: set[str]) -> None:
        self.app = app
        self.allowed = allowed
        self._warned: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "*" not in self.allowed:
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
            if origin and origin != own and origin not in self.allowed:
                first = origin not in self._warned
                if first and len(self._warned) < self.MAX_REMEMBERED:
                    self._warned.add(origin)
                logger.log(
                    logging.WARNING if first else logging.DEBUG,
                    "Refused cross-origin request from %s to %s: add the origin to "
                    "VRAAGBAAK_CORS_ORIGINS to allow it",
                    loggable(origin),
                    loggable(str(scope.get("path", ""))),
                )
        await self.app(scope, receive, send)


def _add_pages(app: FastAPI, docs: bool) -> None:
    def static_file(name: str, media_type: str) -> Response:
        path = STATIC / name
        if not path.is_file():
            return HTMLResponse(f"{name} is missing from this installation", status_code=404)
        return FileResponse(str(path), media_type=media_type)

    @app.get("/", include_in_schema=False)
    def chat_page() -> Response:
        return static_file("index.html", "text/html")

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> Response:
        return static_file("widget.js", "text/javascript")

    @app.get("/faq", include_in_schema=False)
    def faq_page() -> Response:
        return static_file("faq.html", "text/html")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    if not docs:
        return

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> Response:
        return static_file("docs.html", "text/html")

    @app.get("/docs.js", include_in_schema=False)
    def api_docs_script() -> Response:
        return static_file("docs.js", "text/javascript")

    try:
        import fastapi_offline  # ships Swagger UI 5 (OpenAPI 3.1) as plain files

        assets = Path(fastapi_offline.__file__).parent / "static"
        app.mount("/docs-assets", StaticFiles(directory=str(assets)), name="docs-assets")
    except ImportError:
        logger.warning("fastapi-offline is not installed: /docs will not render")
