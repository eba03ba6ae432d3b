"""The OpenAI chat-completions protocol, for front ends that speak it (Open WebUI, LibreChat).

``POST /v1/chat/completions`` and ``GET /v1/models``. Model ``vraagbaak`` answers (the same
answer ``/api/ask`` gives); ``vraagbaak-search`` lists the best passages. The last user message
is the question, the user messages before it are the conversation. The citations travel in the
message's ``references`` (same fields as ``/api/ask`` citations), a refusal is a normal reply
with ``"refused": true``. Errors use OpenAI's shape, ``{"error": {"message", "type", …}}``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from service.api.errors import _explain as explain_validation_error
from service.api.routes import _log_question, read_by_ocr
from service.api.schemas import MAX_K, MAX_QUESTION_CHARS
from service.assistant import Assistant
from service.security.middleware import require_scope

ANSWER_MODEL = "vraagbaak"
SEARCH_MODEL = "vraagbaak-search"
MODELS = {
    ANSWER_MODEL: "Answers quoting the documents, each statement marked [n], citations in "
    "`references`",
    SEARCH_MODEL: "The passages that best match the question, best first, in `references`",
}
SEARCH_K = 5
MAX_MESSAGES = 100
MAX_REPLAYED = 2  # earlier user questions asked again to rebuild the conversation


class OpenAIRoute(APIRoute):
    """Every error of these routes in OpenAI's shape: validation, keys, limits, unknown model."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def openai_errors(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                problems = [explain_validation_error(e) for e in exc.errors()]
                return error_response(400, "; ".join(problems), param=_param(exc))
            except HTTPException as exc:
                return error_response(
                    exc.status_code, str(exc.detail), headers=dict(exc.headers or {})
                )

        return openai_errors


router = APIRouter(
    prefix="/v1",
    tags=["openai"],
    route_class=OpenAIRoute,
    dependencies=[Depends(require_scope("ask"))],
)


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str = Field(..., description="system, developer, user or assistant")
    content: str | list[ContentPart] | None = None


class ChatCompletionRequest(BaseModel):
    """OpenAI's request; fields Vraagbaak has no use for (temperature, …) are accepted."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(..., description=f"'{ANSWER_MODEL}' or '{SEARCH_MODEL}'")
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=MAX_MESSAGES)
    stream: bool | None = False
    stream_options: dict[str, Any] | None = None
    n: int | None = Field(None, ge=1, le=1, description="Only one choice is made")
    k: int | None = Field(
        None, ge=1, le=MAX_K, description=f"{SEARCH_MODEL}: number of passages (default 5)"
    )


class BadChatRequestError(Exception):
    def __init__(self, message: str, param: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.status = status


@router.get("/models")
def list_models() -> dict[str, Any]:
    """The two models: answers, or passages only."""
    return {
        "object": "list",
        "data": [_model_json(name) for name in MODELS],
    }


@router.get("/models/{model_id}")
def get_model(model_id: str) -> dict[str, Any]:
    if model_id not in MODELS:
        raise HTTPException(404, _unknown_model(model_id))
    return _model_json(model_id)


@router.post("/chat/completions")
async def chat_completions(body: ChatCompletionRequest, request: Request) -> Response:
    """An answer (or passages) to the last user message, in OpenAI's chat-completion format."""
    try:
        question, earlier = _question_and_history(body)
    except BadChatRequestError as exc:
        return error_response(exc.status, exc.message, param=exc.param)
    assistant: Assistant = request.app.state.assistant
    if body.model == SEARCH_MODEL:
        reply = await run_in_threadpool(_search_reply, assistant, question, body.k or SEARCH_K)
    else:
        reply = await run_in_threadpool(_answer_reply, assistant, request, question, earlier)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    usage = _usage(body, reply["content"])
    if body.stream:
        include_usage = bool((body.stream_options or {}).get("include_usage"))
        chunks = _chunks(
            completion_id, created, body.model, reply, usage if include_usage else None
        )
        return StreamingResponse(
            chunks,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return JSONResponse(
        {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": body.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", **reply},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": usage,
        }
    )


def _question_and_history(body: ChatCompletionRequest) -> tuple[str, list[str]]:
    if body.model not in MODELS:
        raise BadChatRequestError(_unknown_model(body.model), "model", status=404)
    texts: list[tuple[str, str]] = []
    for number, message in enumerate(body.messages):
        where = f"messages[{number}]"
        if message.role in ("system", "developer"):
            continue  # the answer comes from the documents, whatever a system prompt asks
        if message.role not in ("user", "assistant"):
            raise BadChatRequestError(
                f"{where}: role '{message.role}' is not supported — send 'user' messages "
                "(and earlier 'assistant' replies); Vraagbaak does not call tools",
                f"{where}.role",
            )
        texts.append((message.role, _text_of(message, where)))
    if not texts or texts[-1][0] != "user":
        raise BadChatRequestError(
            "The last message must be a 'user' message: it is the question "
            '(e.g. {"role": "user", "content": "Wie heeft de regie?"})',
            "messages",
        )
    question = texts[-1][1].strip()
    if not question:
        raise BadChatRequestError(
            "The last user message is empty — put the question in it", "messages"
        )
    if len(question) > MAX_QUESTION_CHARS:
        raise BadChatRequestError(
            f"The question is {len(question)} characters; at most {MAX_QUESTION_CHARS} allowed",
            "messages",
        )
    earlier = [text.strip() for role, text in texts[:-1] if role == "user" and text.strip()]
    return question, earlier


def _text_of(message: ChatMessage, where: str) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    if content is None:
        if message.role == "assistant":
            return ""
        raise BadChatRequestError(f"{where}: 'content' is missing — send the text", where)
    texts = []
    for part_number, part in enumerate(content):
        if part.type != "text" or part.text is None:
            raise BadChatRequestError(
                f"{where}.content[{part_number}]: only text is supported, not '{part.type}'",
                f"{where}.content",
            )
        texts.append(part.text)
    return "\n".join(texts)


def _answer_reply(
    assistant: Assistant, request: Request, question: str, earlier: list[str]
) -> dict[str, Any]:
    conversation_id = _conversation(assistant, earlier)
    answer, conversation_id = assistant.ask(question, conversation_id)
    payload = answer.to_json(conversation_id)
    _log_question(request, question, payload)
    return {
        "content": answer.answer,
        "refused": answer.refused,
        "references": payload["citations"],
    }


def _conversation(assistant: Assistant, earlier: list[str]) -> str | None:
    """A conversation holding the earlier questions as ``/api/ask`` would have kept them: they
    are asked again, the last few only (a follow-up builds on the turn before it)."""
    conversation_id = None
    for question in earlier[-MAX_REPLAYED:]:
        _, conversation_id = assistant.ask(question, conversation_id)
    return conversation_id


def _search_reply(assistant: Assistant, query: str, k: int) -> dict[str, Any]:
    hits = assistant.engine.retriever.search(query, k)
    references = []
    lines = []
    for n, hit in enumerate(hits, 1):
        passage = hit.to_json()
        text = str(passage["text"])
        references.append(
            {
                "n": n,
                "chunk_id": passage["chunk_id"],
                "source": passage["source"],
                "title": passage["title"],
                "section": passage["section"],
                "page": passage["page"],
                "text": text,
                "quote": text,  # the whole passage is the quote: text[start:end] == quote
                "start": 0,
                "end": len(text),
                "score": passage["score"],
                "ocr": read_by_ocr(hit.chunk, hit.document),
            }
        )
        where = " — ".join(str(p) for p in (passage["title"], passage["section"]) if p)
        page = f", p. {passage['page']}" if passage["page"] else ""
        lines.append(f"[{n}] {where}{page}\n{' '.join(text.split())}")
    return {"content": "\n\n".join(lines), "refused": not hits, "references": references}


def _chunks(
    completion_id: str,
    created: int,
    model: str,
    reply: dict[str, Any],
    usage: dict[str, int] | None,
) -> Iterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None, **extra: Any) -> str:
        data = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
            if delta or finish
            else [],
            **extra,
        }
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""}, None)
    for piece in _pieces(reply["content"]):
        yield chunk({"content": piece}, None)
    yield chunk({"references": reply["references"], "refused": reply["refused"]}, "stop")
    if usage is not None:
        yield chunk({}, None, usage=usage)
    yield "data: [DONE]\n\n"


def _pieces(text: str, words: int = 4) -> Iterator[str]:
    parts = text.split(" ")
    for start in range(0, len(parts), words):
        end = start + words
        yield " ".join(parts[start:end]) + (" " if end < len(parts) else "")


def _usage(body: ChatCompletionRequest, content: str) -> dict[str, int]:
    """Words, not tokens: there is no tokenizer of the client's model to count with."""
    prompt = sum(len(m.content.split()) if isinstance(m.content, str) else 0 for m in body.messages)
    completion = len(content.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _model_json(name: str) -> dict[str, Any]:
    return {
        "id": name,
        "object": "model",
        "created": 0,
        "owned_by": "vraagbaak",
        "description": MODELS[name],
    }


def _unknown_model(model: str) -> str:
    return (
        f"Unknown model '{model}' — use '{ANSWER_MODEL}' (answers) or '{SEARCH_MODEL}' (passages)"
    )


ErrorType = Literal[
    "invalid_request_error",
    "authentication_error",
    "permission_error",
    "rate_limit_error",
    "api_error",
]
_ERROR_TYPES: dict[int, tuple[ErrorType, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "model_not_found"),
    413: ("invalid_request_error", "request_too_large"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}


def error_response(
    status: int,
    message: str,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    fallback: tuple[ErrorType, str | None] = (
        "invalid_request_error" if status < 500 else "api_error",
        None,
    )
    kind, code = _ERROR_TYPES.get(status, fallback)
    if status == 404 and param != "model":
        code = None
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": param, "code": code}},
        status_code=status,
        headers=headers,
    )


def _param(exc: RequestValidationError) -> str | None:
    for error in exc.errors():
        location = [str(p) for p in error.get("loc", ()) if p != "body"]
        if location:
            return ".".join(location)
    return None
