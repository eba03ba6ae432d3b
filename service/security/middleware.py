"""HTTP protections: body size limit, security headers, API-key scopes and rate limits.

Each piece stands alone. The dependency from :func:`require_scope` reads its collaborators
from ``app.state``:

- ``require_keys: bool`` — when False (the default) no key is needed;
- ``key_store: KeyStore`` — needed when ``require_keys`` is True;
- ``rate_limiter: RateLimiter | None`` — per-client-address and per-key limits.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.security.keys import KeyRecord, KeyScope, KeyStore
from service.security.ratelimit import RateLimiter

__all__ = [
    "DEFAULT_CONTENT_SECURITY_POLICY",
    "BodySizeLimitMiddleware",
    "RequestBodyTooLargeError",
    "SecurityHeadersMiddleware",
    "require_scope",
]

logger = logging.getLogger(__name__)


# --- body size ----------------------------------------------------------------------------


class RequestBodyTooLargeError(HTTPException):
    """Raised from ``receive`` once the body passes the limit; FastAPI turns it into a 413."""

    def __init__(self, received: int, max_bytes: int) -> None:
        super().__init__(
            status_code=413,
            detail=f"Request body too large: {received} bytes, at most {max_bytes} allowed",
        )


class BodySizeLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, by Content-Length and by counting."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must not be negative, got {max_bytes}")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(RequestBodyTooLargeError(declared, self.max_bytes), scope, send)
            return

        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise RequestBodyTooLargeError(received, self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except Exception as exc:
            # Reached only when the app did not answer the error itself (FastAPI does).
            error = _body_too_large_error(exc)
            if error is None or response_started:
                raise
            await self._refuse(error, scope, send)

    @staticmethod
    async def _refuse(error: RequestBodyTooLargeError, scope: Scope, send: Send) -> None:
        logger.info("Refused a request body: %s", error.detail)
        response = JSONResponse({"detail": error.detail}, status_code=error.status_code)

        async def no_body() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, no_body, send)


def _body_too_large_error(exc: Exception) -> RequestBodyTooLargeError | None:
    """The size error behind ``exc``, also when a task group wrapped it (and nothing else)."""
    if isinstance(exc, ExceptionGroup):
        matched, rest = exc.split(RequestBodyTooLargeError)
        if matched is None or rest is not None:
            return None
        inner: BaseException = matched
        while isinstance(inner, BaseExceptionGroup):
            inner = inner.exceptions[0]
        return inner if isinstance(inner, RequestBodyTooLargeError) else None
    return exc if isinstance(exc, RequestBodyTooLargeError) else None


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


# --- security headers ---------------------------------------------------------------------

# For the service's own pages. The widget runs inside other sites' pages through a script
# tag and calls the API with CORS; this policy does not apply there. Our own pages are not
# meant to be framed, which also rules out clickjacking.
DEFAULT_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """Add CSP, nosniff and no-referrer headers to every HTTP response that lacks them.

    ``X-Frame-Options: DENY`` is added only when the policy forbids all framing, so it
    never contradicts a policy that allows some sites to frame the pages.
    """

    def __init__(
        self,
        app: ASGIApp,
        content_security_policy: str | None = DEFAULT_CONTENT_SECURITY_POLICY,
    ) -> None:
        self.app = app
        headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
        if content_security_policy:
            headers["Content-Security-Policy"] = content_security_policy
            if "frame-ancestors 'none'" in content_security_policy:
                headers["X-Frame-Options"] = "DENY"
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # The server-error handler sits outside every middleware, so its 500 would go out
            # without our headers: answer here, then let the error travel on to be logged.
            if not started:
                response = JSONResponse(
                    {"detail": "Internal server error — the request could not be completed"},
                    status_code=500,
                )
                await response(scope, receive, send_with_headers)
            raise


# --- API keys and rate limits -------------------------------------------------------------


def require_scope(scope: KeyScope) -> Callable[[Request], Awaitable[KeyRecord | None]]:
    """A FastAPI dependency: the caller's key record (None when keys are not required).

    Order: per-address limit (429), key present (401) and valid (401), scope and origin
    (403), per-key limit (429). Async, so the common case (no keys) costs no thread hop;
    the key lookup (SQLite) runs in the thread pool.
    """

    async def dependency(request: Request) -> KeyRecord | None:
        state = request.app.state
        limiter: RateLimiter | None = getattr(state, "rate_limiter", None)
        address = request.client.host if request.client else "unknown"
        _enforce_limit(limiter, f"address:{address}")

        if not getattr(state, "require_keys", False):
            return None
        key_store: KeyStore | None = getattr(state, "key_store", None)
        if key_store is None:
            raise RuntimeError("app.state.require_keys is set but app.state.key_store is not")

        plain_key = _bearer_token(request)
        if plain_key is None:
            raise HTTPException(
                status_code=401,
                detail=(
                    "Missing API key: send 'Authorization: Bearer <key>' "
                    f"(create one with `vraagbaak keys create --scope {scope}`)"
                ),
                headers={"WWW-Authenticate": "Bearer"},
            )
        record = await run_in_threadpool(key_store.authenticate, plain_key)
        if record is None:
            raise HTTPException(
                status_code=401,
                detail=(
                    "Invalid API key: it is unknown or has been revoked "
                    f"(create a new one with `vraagbaak keys create --scope {scope}`)"
                ),
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if not record.allows(scope):
            raise HTTPException(
                status_code=403,
                detail=(
                    f"This API key has scope '{record.scope}' but this endpoint needs "
                    f"'{scope}' (create one with `vraagbaak keys create --scope {scope}`)"
                ),
            )
        origin = request.headers.get("origin")
        if not record.allows_origin(origin):
            shown = f"origin '{origin}'" if origin else "a request without an Origin header"
            raise HTTPException(
                status_code=403,
                detail=(
                    f"This API key may not be used from {shown}: it only works on the "
                    "websites it was created for. Use a key created for this site."
                ),
            )
        _enforce_limit(limiter, f"key:{record.id}")
        request.state.api_key = record
        return record

    return dependency


def _bearer_token(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _enforce_limit(limiter: RateLimiter | None, bucket: str) -> None:
    if limiter is None:
        return
    wait = limiter.check(bucket)
    if wait is None:
        return
    seconds = max(1, math.ceil(wait))
    raise HTTPException(
        status_code=429,
        detail=f"Too many requests: try again in {seconds} seconds.",
        headers={"Retry-After": str(seconds)},
    )
