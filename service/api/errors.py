"""Error responses that say what to fix."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from vraagbaak.errors import VraagbaakError

logger = logging.getLogger(__name__)


def _explain(error: dict[str, object]) -> str:
    location = [str(p) for p in error.get("loc", ()) if p != "body"]  # type: ignore[attr-defined]
    field = ".".join(location)
    kind = str(error.get("type", ""))
    message = str(error.get("msg", "invalid"))
    if kind == "json_invalid":
        return 'The request body is not valid JSON — send a JSON object, e.g. {"question": "…"}'
    if kind == "missing":
        return f"'{field}' is required"
    if kind == "extra_forbidden":
        return f"'{field}' is not a known field — remove it"
    if kind == "string_pattern_mismatch" and field.endswith("conversation_id"):
        return (
            f"'{field}' must be the conversation_id a previous answer returned "
            "(32 hexadecimal characters) — leave it out to start a new conversation"
        )
    if kind == "model_attributes_type" or (kind == "dict_type" and not field):
        return "The request body must be a JSON object"
    return f"'{field}': {message}" if field else message


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_explain(e) for e in exc.errors()]
        return JSONResponse(
            status_code=422,
            content={"detail": "; ".join(problems), "errors": jsonable(exc.errors())},
        )

    @app.exception_handler(VraagbaakError)
    async def _unavailable(request: Request, exc: VraagbaakError) -> JSONResponse:
        logger.error("%s", exc)
        return JSONResponse(status_code=503, content={"detail": str(exc)})


def jsonable(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """The validation errors without the rejected input: it may not even be encodable."""
    return [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "type": str(error.get("type", "")),
            "msg": str(error.get("msg", "")),
        }
        for error in errors
    ]
