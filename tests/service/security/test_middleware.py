"""Body limit, security headers and key/rate checks, each on a tiny FastAPI app."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.security.keys import KeyRecord, KeyScope, KeyStore
from service.security.middleware import (
    DEFAULT_CONTENT_SECURITY_POLICY,
    BodySizeLimitMiddleware,
    SecurityHeadersMiddleware,
    require_scope,
)
from service.security.ratelimit import RateLimiter

# --- body size ----------------------------------------------------------------------------

MAX_BYTES = 100


def _echo_app() -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    @app.post("/question")
    async def question(payload: dict[str, str]) -> dict[str, str]:
        return payload

    app.add_middleware(BodySizeLimitMiddleware, max_bytes=MAX_BYTES)
    return app


@pytest.fixture
def echo_client() -> TestClient:
    return TestClient(_echo_app())


def test_a_body_within_the_limit_reaches_the_endpoint(echo_client: TestClient) -> None:
    response = echo_client.post("/echo", content=b"x" * MAX_BYTES)

    assert response.status_code == 200
    assert response.json() == {"received": MAX_BYTES}


def test_a_too_large_content_length_is_refused_with_413(echo_client: TestClient) -> None:
    response = echo_client.post("/echo", content=b"x" * 250)

    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large: 250 bytes, at most 100 allowed"}


def test_a_too_large_json_question_is_refused_with_413(echo_client: TestClient) -> None:
    response = echo_client.post("/question", json={"question": "Wat is " * 50})

    assert response.status_code == 413


def _call_in_chunks(app: ASGIApp, chunks: list[bytes]) -> tuple[int, dict[str, object]]:
    """Send a chunked body (no Content-Length, as a streaming client would) straight to ASGI."""
    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": n < len(chunks) - 1}
        for n, chunk in enumerate(chunks)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/echo",
        "raw_path": b"/echo",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }

    async def run() -> None:
        await app(scope, receive, send)

    asyncio.run(run())
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body)


def test_a_streamed_body_without_content_length_is_counted() -> None:
    status, body = _call_in_chunks(_echo_app(), [b"y" * 40] * 5)

    assert status == 413
    assert body == {"detail": "Request body too large: 120 bytes, at most 100 allowed"}


def test_a_small_streamed_body_passes() -> None:
    status, body = _call_in_chunks(_echo_app(), [b"y" * 40] * 2)

    assert (status, body) == (200, {"received": 80})


def test_a_plain_asgi_app_that_does_not_handle_the_error_still_answers_413() -> None:
    async def raw_app(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    status, body = _call_in_chunks(BodySizeLimitMiddleware(raw_app, max_bytes=10), [b"z" * 5] * 3)

    assert status == 413
    assert body == {"detail": "Request body too large: 15 bytes, at most 10 allowed"}


# --- security headers ---------------------------------------------------------------------


def _headers_app(**options: str | None) -> FastAPI:
    app = FastAPI()

    @app.get("/page")
    def page() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/own-policy")
    def own_policy() -> JSONResponse:
        return JSONResponse({}, headers={"Content-Security-Policy": "default-src 'none'"})

    app.add_middleware(SecurityHeadersMiddleware, **options)
    return app


def test_every_response_gets_the_security_headers() -> None:
    client = TestClient(_headers_app())

    for path in ("/page", "/not-found"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == DEFAULT_CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"


def test_the_default_policy_forbids_framing_and_foreign_scripts() -> None:
    assert "frame-ancestors 'none'" in DEFAULT_CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in DEFAULT_CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in DEFAULT_CONTENT_SECURITY_POLICY


def test_a_policy_that_allows_framing_gets_no_contradicting_x_frame_options() -> None:
    policy = "default-src 'self'; frame-ancestors https://www.gemeente.nl"
    client = TestClient(_headers_app(content_security_policy=policy))

    headers = client.get("/page").headers

    assert headers["content-security-policy"] == policy
    assert "x-frame-options" not in headers


def test_no_policy_can_be_configured_but_the_other_headers_stay() -> None:
    headers = TestClient(_headers_app(content_security_policy=None)).get("/page").headers

    assert "content-security-policy" not in headers
    assert headers["x-content-type-options"] == "nosniff"


def test_a_header_set_by_the_endpoint_is_kept() -> None:
    headers = TestClient(_headers_app()).get("/own-policy").headers

    assert headers.get_list("content-security-policy") == ["default-src 'none'"]


# --- API keys and rate limits -------------------------------------------------------------


AskKey = Annotated[KeyRecord | None, Depends(require_scope("ask"))]
FaqKey = Annotated[KeyRecord | None, Depends(require_scope("faq"))]
AdminKey = Annotated[KeyRecord | None, Depends(require_scope("admin"))]


def _guarded_app(
    key_store: KeyStore | None, limiter: RateLimiter | None, *, require_keys: bool
) -> FastAPI:
    app = FastAPI()
    app.state.require_keys = require_keys
    app.state.key_store = key_store
    app.state.rate_limiter = limiter

    @app.post("/ask")
    def ask(key: AskKey) -> dict[str, str | None]:
        return {"key": key.id if key else None}

    @app.get("/faq")
    def faq(key: FaqKey) -> dict[str, str | None]:
        return {"key": key.id if key else None}

    @app.get("/admin")
    def admin(key: AdminKey) -> dict[str, str | None]:
        return {"key": key.id if key else None}

    return app


def _bearer(plain_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain_key}"}


@pytest.fixture
def key_store(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "keys.sqlite")


@pytest.fixture
def client(key_store: KeyStore) -> TestClient:
    generous = RateLimiter(rate_per_minute=6000, burst=1000)
    return TestClient(_guarded_app(key_store, generous, require_keys=True))


def test_a_request_without_a_key_is_told_how_to_get_one(client: TestClient) -> None:
    response = client.post("/ask")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Missing API key: send 'Authorization: Bearer <key>' "
        "(create one with `vraagbaak keys create --scope ask`)"
    }
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("authorization", ["Basic dXNlcjpwdw==", "Bearer", "Bearer   ", "vb_x"])
def test_a_malformed_authorization_header_counts_as_missing(
    client: TestClient, authorization: str
) -> None:
    response = client.post("/ask", headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.json()["detail"].startswith("Missing API key")


def test_an_unknown_key_is_refused(client: TestClient) -> None:
    response = client.post("/ask", headers=_bearer("vb_ask_000000000000_guess"))

    assert response.status_code == 401
    assert response.json()["detail"].startswith("Invalid API key")


def test_a_revoked_key_is_refused(client: TestClient, key_store: KeyStore) -> None:
    record, plain_key = key_store.create("ask", name=None, origins=None)
    assert client.post("/ask", headers=_bearer(plain_key)).status_code == 200

    key_store.revoke(record.id)

    assert client.post("/ask", headers=_bearer(plain_key)).status_code == 401


def test_the_bearer_scheme_is_case_insensitive(client: TestClient, key_store: KeyStore) -> None:
    record, plain_key = key_store.create("ask", name=None, origins=None)

    response = client.post("/ask", headers={"Authorization": f"bearer {plain_key}"})

    assert response.status_code == 200
    assert response.json() == {"key": record.id}


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("ask", {"/ask": 200, "/faq": 403, "/admin": 403}),
        ("faq", {"/ask": 200, "/faq": 200, "/admin": 403}),
        ("admin", {"/ask": 200, "/faq": 200, "/admin": 200}),
    ],
)
def test_each_scope_reaches_exactly_its_endpoints(
    client: TestClient, key_store: KeyStore, scope: KeyScope, expected: dict[str, int]
) -> None:
    _, plain_key = key_store.create(scope, name=None, origins=None)

    statuses = {
        "/ask": client.post("/ask", headers=_bearer(plain_key)).status_code,
        "/faq": client.get("/faq", headers=_bearer(plain_key)).status_code,
        "/admin": client.get("/admin", headers=_bearer(plain_key)).status_code,
    }

    assert statuses == expected


def test_the_wrong_scope_is_explained(client: TestClient, key_store: KeyStore) -> None:
    _, plain_key = key_store.create("ask", name=None, origins=None)

    response = client.get("/admin", headers=_bearer(plain_key))

    assert response.status_code == 403
    assert "scope 'ask'" in response.json()["detail"]
    assert "--scope admin" in response.json()["detail"]


def test_a_widget_key_works_only_from_its_origin(client: TestClient, key_store: KeyStore) -> None:
    _, plain_key = key_store.create("ask", name="widget", origins=["https://www.gemeente.nl"])

    def status(origin: str | None) -> int:
        headers = _bearer(plain_key) | ({"Origin": origin} if origin else {})
        return client.post("/ask", headers=headers).status_code

    assert status("https://www.gemeente.nl") == 200
    assert status("https://evil.example") == 403
    assert status(None) == 403


def _limited_app(key_store: KeyStore, *, burst: int, require_keys: bool = True) -> FastAPI:
    limiter = RateLimiter(rate_per_minute=1, burst=burst)
    return _guarded_app(key_store, limiter, require_keys=require_keys)


def test_a_key_over_its_limit_gets_429_with_retry_after(key_store: KeyStore) -> None:
    app = _limited_app(key_store, burst=2)
    _, plain_key = key_store.create("ask", name=None, origins=None)
    # Different addresses, so only the key's own bucket runs out.
    statuses = [
        TestClient(app, client=(f"10.0.0.{n}", 1234)).post("/ask", headers=_bearer(plain_key))
        for n in range(3)
    ]

    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert statuses[2].headers["retry-after"] == "60"
    assert statuses[2].json() == {"detail": "Too many requests: try again in 60 seconds."}


def test_an_address_over_its_limit_gets_429_whatever_key_it_uses(key_store: KeyStore) -> None:
    client = TestClient(_limited_app(key_store, burst=2))
    keys = [key_store.create("ask", name=None, origins=None)[1] for _ in range(3)]

    statuses = [client.post("/ask", headers=_bearer(k)).status_code for k in keys]

    assert statuses == [200, 200, 429]


def test_failed_key_attempts_use_up_the_address_limit(key_store: KeyStore) -> None:
    client = TestClient(_limited_app(key_store, burst=3))

    statuses = [client.post("/ask", headers=_bearer(f"vb_ask_x_{n}")).status_code for n in range(4)]

    assert statuses == [401, 401, 401, 429]


def test_without_required_keys_only_the_address_limit_applies(key_store: KeyStore) -> None:
    app = _limited_app(key_store, burst=2, require_keys=False)
    client = TestClient(app)

    first, second, third = (client.get("/admin") for _ in range(3))

    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    assert first.json() == {"key": None}
    assert TestClient(app, client=("10.9.9.9", 1)).get("/admin").status_code == 200


def test_without_a_limiter_or_required_keys_everything_passes() -> None:
    client = TestClient(_guarded_app(None, None, require_keys=False))

    assert all(client.post("/ask").status_code == 200 for _ in range(50))


def test_requiring_keys_without_a_key_store_is_a_loud_configuration_error() -> None:
    client = TestClient(_guarded_app(None, None, require_keys=True))

    with pytest.raises(RuntimeError, match="key_store"):
        client.post("/ask", headers=_bearer("vb_ask_x_y"))
