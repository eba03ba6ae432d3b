"""Refuse a question longer than the embedding model reads at once, before any work on it.

A question over the window is embedded in several windows and its words searched and
matched everywhere, so its cost grows with its length. A question a person types fits easily;
the character limit of the request schema does not bound tokens (digits, rare words and
non-Latin scripts take a token or more per character).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from fastapi import HTTPException

__all__ = ["check_question_fits"]


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
