"""The byte-bounded memo: its memory stays within the budget whatever is remembered."""

from __future__ import annotations

import random
import string

from ingest.lexical import TERM_SETS, DutchAnalyzer
from ingest.memo import ByteBoundedMemo, size_of_terms


def test_the_memo_stays_within_its_byte_budget_and_drops_the_oldest() -> None:
    memo: ByteBoundedMemo[str, int] = ByteBoundedMemo(10_000, lambda k, v: len(k), 5_000)
    for n in range(100):
        memo.put(f"{n:04d}" + "x" * 996, n)  # 1 000 bytes each
        assert memo.nbytes <= 10_000
    assert len(memo) == 10
    assert memo.get("0099" + "x" * 996) == 99 and memo.get("0000" + "x" * 996) is None


def test_an_entry_over_the_entry_limit_is_computed_but_not_kept() -> None:
    memo: ByteBoundedMemo[str, int] = ByteBoundedMemo(10_000, lambda k, v: len(k), 2_000)
    memo.put("small", 1)
    assert memo.get_or_compute("y" * 3_000, lambda: 7) == 7
    assert len(memo) == 1 and memo.get("small") == 1


def test_distinct_long_questions_cannot_grow_the_term_cache_past_its_budget() -> None:
    analyzer = DutchAnalyzer()
    rng = random.Random(18)
    budget = ByteBoundedMemo[str, frozenset[str]](2_000_000, size_of_terms, 200_000)
    words = ["".join(rng.choices(string.ascii_lowercase, k=8)) for _ in range(5_000)]
    for _ in range(300):  # 300 distinct ~2 000-character questions
        question = "en " + " ".join(rng.choices(words, k=220))
        budget.get_or_compute(question, lambda q=question: frozenset(analyzer.tokens(q)))  # type: ignore[misc]
        assert budget.nbytes <= 2_000_000
    assert len(budget) < 300
    assert TERM_SETS.max_bytes <= 64_000_000  # the shared memo is bounded by bytes too
