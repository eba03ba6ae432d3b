"""Long questions: refused over the model's window, queued one at a time below it."""

from __future__ import annotations

import threading

import pytest
from fastapi import HTTPException

from service.security import token_window
from service.security.token_window import (
    HEAVY_CHARS,
    LaneBusyError,
    check_question_fits,
    heavy_lane,
)


class _Counting:
    window_tokens = 10

    def token_count(self, text: str) -> int:
        return len(text.split())


def test_a_question_over_the_window_is_a_422_that_says_how_much_to_cut() -> None:
    check_question_fits(_Counting(), "een twee drie")
    with pytest.raises(HTTPException) as refused:
        check_question_fits(_Counting(), " ".join(["woord"] * 20), "query")
    assert refused.value.status_code == 422
    assert "'query' is 20 tokens long and the model reads at most 10" in refused.value.detail
    check_question_fits(object(), "x " * 5000)  # cannot count: not checked


def test_short_texts_pass_while_a_long_one_holds_the_lane_and_long_ones_time_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(token_window, "HEAVY_WAIT_SECONDS", 0.2)
    monkeypatch.setattr(token_window, "_lane", {"free_at": 0.0})
    long = "x" * HEAVY_CHARS
    inside = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with heavy_lane(long):
            inside.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(5)
    with heavy_lane("Wie heeft de regie?"):  # short: never waits
        pass
    with pytest.raises(LaneBusyError, match="shorter question"), heavy_lane(long):
        pass
    release.set()
    holder.join(5)
    monkeypatch.setattr(token_window, "_lane", {"free_at": 0.0})
    with heavy_lane(long):  # free again
        pass
