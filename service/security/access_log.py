"""An access log that keeps no user text and no secrets.

Uvicorn's own access log writes the full request line, query string included, so a search
term or an ``?api_key=`` would land in the log. This middleware logs instead: the method, the
route's template (``/api/faq/sets/{name}``, not the name) or, for a path no route matched,
the path cut short with keys masked and personal data redacted; the status; the duration.
Serve with uvicorn's access log off (``vraagbaak serve`` does).
"""

from __future__ import annotations

import logging
import re
import time

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.security.redaction import redact

__all__ = ["MAX_LOGGED_CHARS", "AccessLogMiddleware", "loggable", "mask_keys"]

logger = logging.getLogger("service.access")

MAX_LOGGED_CHARS = 120
# vb_<scope>_<id>_<secret>: the id may be logged (it names the key), the secret never.
_KEY = re.compile(r"(vb_[A-Za-z]+_[0-9A-Fa-f]+_)[A-Za-z0-9_\-]+")


def mask_keys(text: str) -> str:
    """``text`` with the secret part of every API key replaced by ``***``."""
    return _KEY.sub(r"\1***", text)


def loggable(text: str, limit: int = MAX_LOGGED_CHARS) -> str:
    """Client-chosen text made safe to log: keys masked, personal data redacted, cut short."""
    # each path segment on its own: "/111222333/" is a BSN between separators
    safe = "/".join(redact(part) for part in mask_keys(text).split("/"))
    if len(safe) > limit:
        return f"{safe[:limit]}…({len(text)} chars)"
    return safe


def _logged_path(scope: Scope) -> str:
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str) and template and not isinstance(route, Mount):
        return template
    return loggable(str(scope.get("path", "")))


class AccessLogMiddleware:
    """One INFO line per HTTP request: method, route template, status, milliseconds."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_watching(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_watching)
        finally:
            client = scope.get("client")
            logger.info(
                "%s %s %s %d %.0fms",
                client[0] if client else "-",
                loggable(str(scope.get("method", "")), 16),
                _logged_path(scope),
                status,
                (time.perf_counter() - started) * 1000,
            )
