"""The access log keeps no query string, no key secret, no personal data and no long header."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.security.access_log import AccessLogMiddleware, loggable, mask_keys

KEY = "vb_admin_0a1b2c3d_S3cretS3cret-S3cret_S3cret"


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/api/faq/sets/{name}")
    def one_set(name: str) -> dict[str, str]:
        return {"name": name}

    app.add_middleware(AccessLogMiddleware)
    return app


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "service.access"]


def test_the_secret_part_of_a_key_is_masked() -> None:
    assert mask_keys(f"Bearer {KEY}") == "Bearer vb_admin_0a1b2c3d_***"
    assert "S3cret" not in mask_keys(f"/x/{KEY}/y")


def test_loggable_text_is_redacted_and_cut_short() -> None:
    assert loggable("bsn 111222333") == "bsn [BSN]"
    long = "https://evil.example/" + "x" * 6000
    shown = loggable(long)
    assert len(shown) < 200 and "(6021 chars)" in shown


def test_a_route_is_logged_by_its_template_without_the_query_string(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="service.access")
    client = TestClient(_app())
    response = client.get(f"/api/faq/sets/Daan 111222333?q=BSN+111222333&api_key={KEY}")
    assert response.status_code == 200
    (line,) = _access_lines(caplog)
    assert "GET /api/faq/sets/{name} 200" in line
    for secret in ("111222333", "Daan", "S3cret", "api_key", "?"):
        assert secret not in line


def test_a_path_no_route_matches_is_logged_masked_redacted_and_cut(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="service.access")
    client = TestClient(_app())
    assert client.get(f"/nope/{KEY}/111222333/{'y' * 500}?api_key={KEY}").status_code == 404
    (line,) = _access_lines(caplog)
    assert "vb_admin_0a1b2c3d_***" in line and "[BSN]" in line and " 404 " in line
    assert "S3cret" not in line and "111222333" not in line and len(line) < 250


def test_a_request_that_crashes_is_logged_as_500(caplog: pytest.LogCaptureFixture) -> None:
    app = FastAPI()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    app.add_middleware(AccessLogMiddleware)
    caplog.set_level(logging.INFO, logger="service.access")
    assert TestClient(app, raise_server_exceptions=False).get("/boom").status_code == 500
    assert any(" /boom 500 " in line for line in _access_lines(caplog))
