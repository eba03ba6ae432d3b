"""The OpenAI-compatible endpoint: the official `openai` client and a raw SSE reader against a
real uvicorn server on loopback, TestClient for the error cases (fake embedder); one
integration test with the real model and index."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
import uvicorn
from fastapi.testclient import TestClient

from ingest.embedders import Embedder
from service.answering.messages import not_found
from service.answering.model import Answer, Language
from service.api.app import create_app
from service.assistant import build_assistant
from service.engine import Engine
from service.security.keys import KeyStore
from tests.fakes import HashingEmbedder
from vraagbaak.settings import Settings

QUESTION = "Wie is regiehouder als SAVE betrokken is?"
CITATION_FIELDS = {
    "n",
    "chunk_id",
    "source",
    "title",
    "section",
    "page",
    "text",
    "quote",
    "start",
    "end",
    "score",
    "ocr",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(settings: Settings, engine: Engine) -> Iterator[str]:
    """The app on a real uvicorn server on 127.0.0.1; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, engine=engine), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.time() + 20
        while not server.started:
            assert time.time() < deadline and thread.is_alive(), "server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def base_url(small_settings: Settings) -> Iterator[str]:
    yield from serve(small_settings, Engine.load(small_settings, embedder=HashingEmbedder()))


@pytest.fixture
def client(small_settings: Settings) -> Iterator[TestClient]:
    engine = Engine.load(small_settings, embedder=HashingEmbedder())
    with TestClient(create_app(small_settings, engine=engine)) as test_client:
        yield test_client


def test_the_openai_client_gets_the_answer_with_references(base_url: str) -> None:
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0)
    completion = client.chat.completions.create(
        model="vraagbaak", messages=[{"role": "user", "content": QUESTION}]
    )
    message = completion.choices[0].message
    assert message.role == "assistant" and "SAVE" in (message.content or "")
    extra = message.model_extra or {}
    references = extra["references"]
    assert extra["refused"] is False and references
    for reference in references:
        assert set(reference) == CITATION_FIELDS
        assert reference["text"][reference["start"] : reference["end"]] == reference["quote"]
        assert f"[{reference['n']}]" in (message.content or "")
    assert completion.choices[0].finish_reason == "stop" and completion.model == "vraagbaak"


def test_the_openai_client_streams_the_answer_then_the_references(base_url: str) -> None:
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0)
    stream = client.chat.completions.create(
        model="vraagbaak",
        messages=[{"role": "user", "content": QUESTION}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    final = next(c for c in chunks if c.choices and c.choices[0].finish_reason == "stop")
    extra = final.choices[0].delta.model_extra or {}
    assert "SAVE" in text and extra["refused"] is False
    assert extra["references"] and all(f"[{r['n']}]" in text for r in extra["references"])
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_a_raw_sse_reader_sees_openai_chunks_and_done(base_url: str) -> None:
    events: list[str] = []
    with httpx.stream(
        "POST",
        f"{base_url}/v1/chat/completions",
        json={
            "model": "vraagbaak",
            "stream": True,
            "messages": [{"role": "user", "content": QUESTION}],
        },
        timeout=20,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line:
                assert line.startswith("data: "), line
                events.append(line.removeprefix("data: "))
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    last = chunks[-1]["choices"][0]
    assert last["finish_reason"] == "stop"
    assert {r["n"] for r in last["delta"]["references"]} and "[1]" in text


def test_search_model_returns_passages_only(client: TestClient) -> None:
    body = client.post(
        "/v1/chat/completions",
        json={
            "model": "vraagbaak-search",
            "k": 2,
            "messages": [{"role": "user", "content": "regiehouder SAVE"}],
        },
    ).json()
    message = body["choices"][0]["message"]
    assert len(message["references"]) == 2 and message["refused"] is False
    first = message["references"][0]
    assert set(first) == CITATION_FIELDS and "SAVE" in first["text"]
    assert message["content"].startswith("[1] ") and "[2] " in message["content"]


class Refusing:
    """An answerer that finds nothing: the refusal /api/ask would send."""

    def answer(self, question: str, language: Language | None = None) -> Answer:
        return Answer(not_found("nl", False), refused=True, language="nl", citations=())


def test_a_refusal_is_a_normal_reply_marked_refused(small_settings: Settings) -> None:
    engine = Engine.load(small_settings, embedder=HashingEmbedder())
    assistant = build_assistant(engine)
    assistant.before.insert(0, Refusing())
    with TestClient(create_app(small_settings, engine=engine, assistant=assistant)) as client:
        response = client.post(
            "/v1/chat/completions",
            json={"model": "vraagbaak", "messages": [{"role": "user", "content": QUESTION}]},
        )
    assert response.status_code == 200
    message = response.json()["choices"][0]["message"]
    assert message["refused"] is True and message["references"] == []
    assert message["content"] == not_found("nl", False)  # it says so, in words


def test_earlier_messages_are_the_conversation(client: TestClient) -> None:
    body = client.post(
        "/v1/chat/completions",
        json={
            "model": "vraagbaak",
            "messages": [
                {"role": "system", "content": "Antwoord kort."},
                {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": "SAVE is de regiehouder [1]."},
                {"role": "user", "content": [{"type": "text", "text": "en bij de aanbevelingen?"}]},
            ],
        },
    ).json()
    alone = client.post("/api/ask", json={"question": "en bij de aanbevelingen?"}).json()
    followed = client.post("/api/ask", json={"question": QUESTION}).json()
    follow_up = client.post(
        "/api/ask",
        json={
            "question": "en bij de aanbevelingen?",
            "conversation_id": followed["conversation_id"],
        },
    ).json()
    content = body["choices"][0]["message"]["content"]
    assert content == follow_up["answer"]
    assert follow_up["standalone_question"] != alone["standalone_question"]


def test_models_are_listed(client: TestClient) -> None:
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["vraagbaak", "vraagbaak-search"]
    assert client.get("/v1/models/vraagbaak").json()["id"] == "vraagbaak"
    missing = client.get("/v1/models/gpt-4")
    assert missing.status_code == 404 and "vraagbaak-search" in missing.json()["error"]["message"]


@pytest.mark.parametrize(
    ("payload", "status", "expected"),
    [
        ({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}, 404, "Unknown model"),
        ({"model": "vraagbaak", "messages": []}, 400, "messages"),
        ({"model": "vraagbaak"}, 400, "'messages' is required"),
        ({"messages": [{"role": "user", "content": "x"}]}, 400, "'model' is required"),
        (
            {"model": "vraagbaak", "messages": [{"role": "system", "content": "Wees aardig"}]},
            400,
            "last message must be a 'user' message",
        ),
        (
            {
                "model": "vraagbaak",
                "messages": [
                    {"role": "user", "content": "x"},
                    {"role": "assistant", "content": "y"},
                ],
            },
            400,
            "last message must be a 'user' message",
        ),
        (
            {"model": "vraagbaak", "messages": [{"role": "tool", "content": "x"}]},
            400,
            "role 'tool' is not supported",
        ),
        ({"model": "vraagbaak", "messages": [{"role": "user", "content": "  "}]}, 400, "empty"),
        ({"model": "vraagbaak", "messages": [{"role": "user"}]}, 400, "'content' is missing"),
        (
            {"model": "vraagbaak", "messages": [{"role": "user", "content": "x" * 2001}]},
            400,
            "at most 2000",
        ),
        (
            {
                "model": "vraagbaak",
                "messages": [
                    {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}
                ],
            },
            400,
            "only text is supported",
        ),
        (
            {"model": "vraagbaak", "n": 2, "messages": [{"role": "user", "content": "x"}]},
            400,
            "'n'",
        ),
    ],
)
def test_wrong_requests_get_openai_errors_saying_what_to_fix(
    client: TestClient, payload: dict[str, object], status: int, expected: str
) -> None:
    response = client.post("/v1/chat/completions", json=payload)
    assert response.status_code == status
    error = response.json()["error"]
    assert expected in error["message"] and error["type"]


def test_malformed_json_is_an_openai_error(client: TestClient) -> None:
    response = client.post(
        "/v1/chat/completions", content=b"{model: ", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]["message"]


def test_keys_are_required_with_scope_ask_and_errors_stay_openai_shaped(
    small_settings: Settings, tmp_path: Path
) -> None:
    settings = small_settings.model_copy(update={"require_api_keys": True})
    store = KeyStore(settings.database_path)
    _, ask_key = store.create("ask", "open webui", None)
    engine = Engine.load(settings, embedder=HashingEmbedder())
    for base in serve(settings, engine):
        good = openai.OpenAI(base_url=f"{base}/v1", api_key=ask_key, max_retries=0)
        assert [m.id for m in good.models.list()] == ["vraagbaak", "vraagbaak-search"]
        answer = good.chat.completions.create(
            model="vraagbaak", messages=[{"role": "user", "content": QUESTION}]
        )
        assert "SAVE" in (answer.choices[0].message.content or "")
        bad = openai.OpenAI(base_url=f"{base}/v1", api_key="vb_ask_nope_nope", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as refused:
            bad.chat.completions.create(
                model="vraagbaak", messages=[{"role": "user", "content": QUESTION}]
            )
        assert "Invalid API key" in refused.value.message
        missing = httpx.get(f"{base}/v1/models", timeout=10)
        assert missing.status_code == 401
        assert "Authorization: Bearer" in missing.json()["error"]["message"]


def test_the_endpoint_is_rate_limited_like_the_api(small_settings: Settings) -> None:
    settings = small_settings.model_copy(update={"rate_limit_per_minute": 1, "rate_limit_burst": 1})
    engine = Engine.load(settings, embedder=HashingEmbedder())
    with TestClient(create_app(settings, engine=engine)) as test_client:
        statuses = [test_client.get("/v1/models").status_code for _ in range(3)]
        limited = test_client.get("/v1/models")
    assert 429 in statuses and limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limit_exceeded"
    assert "Retry-After" in limited.headers


@pytest.mark.integration
def test_real_model_names_save_mn_as_regiehouder(
    real_index_settings: Settings,
    real_embedder: Embedder,
) -> None:
    engine = Engine.load(real_index_settings, embedder=real_embedder)
    for base in serve(real_index_settings, engine):
        client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused", max_retries=0)
        completion = client.chat.completions.create(
            model="vraagbaak",
            messages=[{"role": "user", "content": "wie heeft de regie als SAVE betrokken is?"}],
        )
        message = completion.choices[0].message
        content = message.content or ""
        references = (message.model_extra or {})["references"]
        assert "SAVE MN" in content and "regiehouder" in content.lower()
        assert references and any("SAVE MN" in r["quote"] for r in references)
