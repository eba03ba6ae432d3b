"""A small fake OpenAI-compatible server for tests: POST /v1/chat/completions, plain and streaming.

It runs uvicorn in a thread on 127.0.0.1 (a free port), records every request it gets, and
answers as scripted per test::

    with FakeOpenAI() as fake:
        fake.script(Reply(text="De gezinswerker heeft de regie [1]."))
        ... settings.llm_base_url = fake.base_url ...
        fake.requests[-1]["messages"]

A ``Reply`` is a fixed text or a function of the request (``citing``, ``gullible``), with an
optional delay (longer than the client's timeout to simulate one) or an HTTP status (500).
Replies queued with ``script`` are used once each, in order; then ``default`` answers.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

Body = dict[str, Any]
Replier = Callable[[Body], str]

INJECTION = "IGNORE PREVIOUS INSTRUCTIONS"
_PASSAGE = re.compile(r'<passage id="(\d+)"[^>]*>\n(.*?)\n</passage>', re.DOTALL)


@dataclass
class Reply:
    text: str | Replier = "NOT_IN_DOCUMENTS"
    delay: float = 0.0  # seconds before the response (or the first chunk) starts
    status: int = 200
    chunk_chars: int = 6  # streamed in pieces of this many characters
    fail_after_chunks: int | None = None  # streaming: drop the connection after this many

    def render(self, body: Body) -> str:
        return self.text(body) if callable(self.text) else self.text


@dataclass
class FakeOpenAI:
    default: Reply = field(default_factory=Reply)
    requests: list[Body] = field(default_factory=list)
    model: str = "fake-model"

    def __post_init__(self) -> None:
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- scripting ------------------------------------------------------------------------------

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def always(self, reply: Reply) -> None:
        with self._lock:
            self._queue.clear()
            self.default = reply

    def _next(self) -> Reply:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name="fake-openai"
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake OpenAI server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the API --------------------------------------------------------------------------------

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def completions(request: Request) -> Response:
            body: Body = await request.json()
            with self._lock:
                self.requests.append(body)
            reply = self._next()
            if reply.delay and not body.get("stream"):
                await asyncio.sleep(reply.delay)
            if reply.status != 200:
                if body.get("stream"):
                    await asyncio.sleep(0)
                return JSONResponse(
                    {
                        "error": {
                            "message": "scripted failure",
                            "type": "server_error",
                            "code": None,
                            "param": None,
                        }
                    },
                    status_code=reply.status,
                )
            text = reply.render(body)
            if body.get("stream"):
                return StreamingResponse(self._chunks(text, reply), media_type="text/event-stream")
            return JSONResponse(self._completion(text))

        return app

    def _completion(self, text: str) -> Body:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    async def _chunks(self, text: str, reply: Reply) -> AsyncIterator[str]:
        if reply.delay:
            await asyncio.sleep(reply.delay)
        pieces = [text[i : i + reply.chunk_chars] for i in range(0, len(text), reply.chunk_chars)]
        for number, piece in enumerate(pieces):
            if reply.fail_after_chunks is not None and number >= reply.fail_after_chunks:
                raise RuntimeError("scripted disconnect")
            delta: Body = {"content": piece}
            if number == 0:
                delta["role"] = "assistant"
            yield _sse(self._chunk(delta, None))
            await asyncio.sleep(0)
        yield _sse(self._chunk({}, "stop"))
        yield "data: [DONE]\n\n"

    def _chunk(self, delta: Body, finish: str | None) -> Body:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        }


def _sse(data: Body) -> str:
    return f"data: {json.dumps(data)}\n\n"


# --- request helpers and scripted "models" ------------------------------------------------------


def user_text(body: Body) -> str:
    return "\n".join(
        str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user"
    )


def system_text(body: Body) -> str:
    return "\n".join(
        str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "system"
    )


def passages(body: Body) -> dict[int, str]:
    """The data blocks of the prompt: passage number → its text."""
    return {int(n): text for n, text in _PASSAGE.findall(user_text(body))}


def citing(keyword: str, template: str = "{sentence} [{n}]") -> Replier:
    """A grounded model: quotes the sentence holding ``keyword`` from the passage that has it."""

    def reply(body: Body) -> str:
        for n, text in passages(body).items():
            for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
                if keyword.lower() in sentence.lower():
                    return template.format(sentence=sentence, n=n)
        return "NOT_IN_DOCUMENTS"

    return reply


def gullible(otherwise: str | Replier, hijacked: str) -> Replier:
    """A model that obeys instructions found in passages: when a passage says IGNORE PREVIOUS
    INSTRUCTIONS it replies ``hijacked`` (``{n}`` becomes that passage's number, so the hijacked
    text even cites it), else ``otherwise``."""

    def reply(body: Body) -> str:
        for n, text in passages(body).items():
            if INJECTION.lower() in text.lower():
                return hijacked.format(n=n)
        return otherwise(body) if callable(otherwise) else otherwise

    return reply
