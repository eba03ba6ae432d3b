"""The chat API through TestClient on the small corpus (fake embedder), plus real uvicorn."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.schemas import AskResponse, SearchResponse
from service.engine import Engine
from tests.fakes import HashingEmbedder
from vraagbaak.settings import Settings


@pytest.fixture
def client(small_settings: Settings) -> Iterator[TestClient]:
    engine = Engine.load(small_settings, embedder=HashingEmbedder())
    with TestClient(create_app(small_settings, engine=engine)) as test_client:
        yield test_client


def test_health_describes_the_index(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["index_loaded"] is True
    assert body["documents"] == 2 and body["passages"] > 0
    assert body["embedder"] == "hashing-test"


def test_search_returns_passages_with_citation_fields(client: TestClient) -> None:
    response = client.post("/api/search", json={"query": "wie is regiehouder bij SAVE", "k": 3})
    assert response.status_code == 200
    results = response.json()["results"]
    assert 1 <= len(results) <= 3
    assert "SAVE" in results[0]["text"]
    assert {"chunk_id", "text", "score", "source", "title", "section", "page"} <= set(results[0])
    assert results[0]["source"] == "jim.txt"


def test_ask_answers_with_verbatim_quotes(client: TestClient) -> None:
    body = client.post(
        "/api/ask", json={"question": "Wie is regiehouder als SAVE betrokken is?"}
    ).json()
    assert body["refused"] is False and body["language"] == "nl"
    assert body["citations"] and body["conversation_id"]
    for citation in body["citations"]:
        assert citation["text"][citation["start"] : citation["end"]] == citation["quote"]
        assert f"[{citation['n']}]" in body["answer"]
    assert "SAVE" in body["answer"]


def test_hot_endpoints_send_exactly_their_declared_models(client: TestClient) -> None:
    """/api/search and /api/ask skip FastAPI's response validation for speed: what they send
    must still be exactly the documented model (no missing, extra or mistyped field)."""
    for path, body, model in (
        ("/api/search", {"query": "wie is regiehouder bij SAVE", "k": 3}, SearchResponse),
        ("/api/ask", {"question": "Wie is regiehouder als SAVE betrokken is?"}, AskResponse),
        ("/api/ask", {"question": "Hoeveel kost een pizza in Rome?"}, AskResponse),
    ):
        sent = client.post(path, json=body).json()
        assert model.model_validate(sent, strict=True).model_dump(mode="json") == sent, path


def test_follow_up_questions_continue_the_conversation(client: TestClient) -> None:
    first = client.post(
        "/api/ask", json={"question": "Wie is regiehouder als SAVE betrokken is?"}
    ).json()
    follow = client.post(
        "/api/ask",
        json={"question": "en bij de aanbevelingen?", "conversation_id": first["conversation_id"]},
    ).json()
    assert follow["conversation_id"] == first["conversation_id"]
    assert "SAVE" in follow["standalone_question"]


def test_stream_sends_text_then_citations(client: TestClient) -> None:
    with client.stream(
        "POST", "/api/chat/stream", json={"question": "Wie is regiehouder als SAVE betrokken is?"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = "".join(response.iter_text())
    events = [block for block in raw.split("\n\n") if block.strip()]
    names = [block.split("\n")[0].removeprefix("event: ") for block in events]
    assert names[0] == "start" and names[-1] == "done" and "token" in names
    text = "".join(
        json.loads(b.split("data: ", 1)[1])["text"] for b in events if b.startswith("event: token")
    )
    done = json.loads(events[-1].split("data: ", 1)[1])
    assert text == done["answer"] and done["citations"]


def test_documents_and_passages_open_the_source(client: TestClient) -> None:
    documents = client.get("/api/documents").json()["documents"]
    assert {d["source"] for d in documents} == {"jim.txt", "buurtteams.txt"}
    doc = client.get(f"/api/documents/{documents[0]['doc_id']}").json()
    assert doc["text"] and doc["passages"]
    chunk_id = doc["passages"][0]["chunk_id"]
    passage = client.get(f"/api/passages/{chunk_id}").json()
    context = passage["context"]
    assert context["text"][context["passage_start"] : context["passage_end"]] == passage["text"]
    assert client.get("/api/passages/nope").status_code == 404
    assert client.get("/api/documents/nope").status_code == 404


def test_feedback_is_stored(client: TestClient, small_settings: Settings) -> None:
    response = client.post(
        "/api/feedback",
        json={
            "rating": "down",
            "question": "Wie heeft de regie?",
            "answer": "SAVE [1]",
            "comment": "Bel me op 06-12345678",
            "chunk_ids": [client.app.state.engine.index.chunks[0].id],  # type: ignore[attr-defined]
        },
    )
    assert response.status_code == 200 and response.json()["stored"] is True
    stored = client.app.state.feedback.all()  # type: ignore[attr-defined]
    assert stored[-1]["rating"] == "down" and "06-12345678" not in stored[-1]["comment"]


@pytest.mark.parametrize(
    ("path", "payload", "expected"),
    [
        ("/api/ask", {"question": ""}, "question"),
        ("/api/ask", {"question": "   "}, "question"),
        ("/api/ask", {"question": "x" * 2001}, "2000"),
        ("/api/ask", {}, "'question' is required"),
        ("/api/ask", {"question": "ok", "colour": "red"}, "not a known field"),
        ("/api/search", {"query": "regie", "k": 0}, "'k'"),
        ("/api/search", {"query": "regie", "k": 51}, "50"),
        ("/api/search", {"query": "regie", "k": "veel"}, "'k'"),
        ("/api/feedback", {"rating": "meh", "question": "q"}, "rating"),
    ],
)
def test_bad_requests_get_a_4xx_saying_what_to_fix(
    client: TestClient, path: str, payload: dict[str, object], expected: str
) -> None:
    response = client.post(path, json=payload)
    assert response.status_code == 422
    assert expected in response.json()["detail"]


def test_malformed_json_is_a_4xx(client: TestClient) -> None:
    response = client.post(
        "/api/ask", content=b"{question: ", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["detail"]


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/search", "/api/ask", "/api/chat/stream", "/api/feedback", "/health"} <= set(paths)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_real_uvicorn_server_on_loopback(small_settings: Settings) -> None:
    engine = Engine.load(small_settings, embedder=HashingEmbedder())
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(small_settings, engine=engine),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.time() + 10
        while not server.started and time.time() < deadline:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        answer = httpx.post(
            f"{base}/api/ask",
            json={"question": "Hoeveel gezinnen ondersteunden de buurtteams in 2018?"},
            timeout=10,
        ).json()
        assert any("4.210" in c["quote"] for c in answer["citations"])
        assert httpx.post(f"{base}/api/ask", json={"question": ""}, timeout=10).status_code == 422
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_questions_are_logged_redacted_only_when_enabled(small_settings: Settings) -> None:
    from service.question_log import QuestionLog

    engine = Engine.load(small_settings, embedder=HashingEmbedder())
    question = "Mijn zoon (BSN 111222333) wacht al lang: wie is regiehouder?"
    with TestClient(create_app(small_settings, engine=engine)) as test_client:
        test_client.post("/api/ask", json={"question": question})
        assert test_client.app.state.question_log is None  # type: ignore[attr-defined]
    enabled = small_settings.model_copy(update={"store_questions": True})
    with TestClient(create_app(enabled, engine=engine)) as test_client:
        test_client.post("/api/ask", json={"question": question})
        with test_client.stream("POST", "/api/chat/stream", json={"question": question}) as r:
            "".join(r.iter_text())
    rows = QuestionLog(enabled.database_path).all()
    assert len(rows) == 2
    assert all("111222333" not in row["question"] and "[BSN]" in row["question"] for row in rows)


def test_api_docs_render_offline(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in page.text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert "SwaggerUIBundle" in client.get("/docs.js").text
