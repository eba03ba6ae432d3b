"""What a long question may cost: refused over the model's window, and queued when long.

A question over the window is embedded in several windows and its words searched and
matched everywhere, so its cost grows with its length. A question a person types fits easily;
the character limit of the request schema does not bound tokens (digits, rare words and
non-Latin scripts take a token or more per character): :func:`check_question_fits` refuses it
with a 422 before any work.

Within the window, embedding a long question still costs tens of short ones. Long texts go
through :func:`heavy_lane` one at a time, with a rest after each, so a crowd of long
questions takes at most half a core's worth of embedding, and short questions never queue
behind them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, runtime_checkable

from fastapi import HTTPException

from vraagbaak.errors import VraagbaakError

__all__ = ["HEAVY_CHARS", "LaneBusyError", "check_question_fits", "heavy_lane"]

HEAVY_CHARS = 400  # ~100 tokens: a long question; a typical one has 60-120 characters
_HEAVY = threading.BoundedSemaphore(1)


@runtime_checkable
class _Windowed(Protocol):
    def token_count(self, text: str) -> int: ...

    @property
    def window_tokens(self) -> int: ...


def check_question_fits(embedder: object, question: str, field: str = "question") -> None:
    """Raise a 422 when ``question`` takes more tokens than ``embedder``'s window; embedders
    that cannot count tokens are not checked."""
    model = getattr(embedder, "inner", embedder)  # a cached or lazy wrapper
    if not isinstance(model, _Windowed):
        return
    tokens = model.token_count(question)
    window = model.window_tokens
    if tokens > window:
        shorter = max(1, len(question) * window // tokens)
        raise HTTPException(
            422,
            f"'{field}' is {tokens} tokens long and the model reads at most {window} — "
            f"shorten it to about {shorter} characters, or ask in two questions",
        )


HEAVY_WAIT_SECONDS = 20.0  # a long question waits this long for the lane, then gets a 503


class LaneBusyError(VraagbaakError):
    """Too many long questions at once; the API answers 503 with this message."""


# After a long text's turn the lane rests as long again, so long texts get at most half of one
# core however many arrive; the first one of a quiet moment starts at once.
HEAVY_REST = 1.0
_lane = {"free_at": 0.0}


@contextmanager
def heavy_lane(text: str) -> Iterator[None]:
    """Run the block in the single lane for long texts; short ones pass at once."""
    if len(text) < HEAVY_CHARS:
        yield
        return
    if not _HEAVY.acquire(timeout=HEAVY_WAIT_SECONDS):
        raise LaneBusyError(
            "Busy with other long questions: try again in a minute, or ask a shorter question"
        )
    try:
        time.sleep(max(0.0, _lane["free_at"] - time.monotonic()))
        started = time.monotonic()
        try:
            yield
        finally:
            ended = time.monotonic()
            _lane["free_at"] = ended + (ended - started) * HEAVY_REST
    finally:
        _HEAVY.release()
