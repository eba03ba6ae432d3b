"""Ranking metrics with binary relevance, percentiles and per-group aggregation.

A ranked list is given as booleans, best first: ``relevant[i]`` says whether the result at
rank ``i + 1`` contains one of the question's gold quotes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def first_hit_rank(relevant: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant result, or None when none is."""
    for rank, is_relevant in enumerate(relevant, 1):
        if is_relevant:
            return rank
    return None


def recall_at_k(relevant: Sequence[bool], k: int) -> float:
    """1.0 when a relevant result is in the top ``k`` (hit rate: each question wants one passage
    holding its answer), else 0.0."""
    return 1.0 if any(relevant[:k]) else 0.0


def reciprocal_rank(relevant: Sequence[bool], k: int = 10) -> float:
    rank = first_hit_rank(relevant[:k])
    return 0.0 if rank is None else 1.0 / rank


def ndcg_at_k(relevant: Sequence[bool], k: int = 10, n_relevant: int | None = None) -> float:
    """Binary nDCG@k.

    The ideal ranking puts ``n_relevant`` relevant results first; when the number of relevant
    passages in the whole index is unknown (the usual case: the gold set names quotes, not
    passages) it is the number of relevant results retrieved in the top ``k`` (at least one).
    """
    top = list(relevant[:k])
    dcg = sum(1.0 / math.log2(rank + 1) for rank, rel in enumerate(top, 1) if rel)
    if dcg == 0.0:
        return 0.0
    ideal_count = n_relevant if n_relevant is not None else sum(top)
    ideal_count = max(1, min(k, ideal_count))
    idcg = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal_count + 1))
    return min(1.0, dcg / idcg)


def percentile(values: Iterable[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) with linear interpolation; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def retrieval_metrics(ranked: Sequence[Sequence[bool]]) -> dict[str, Any]:
    """Recall@1/5/10, MRR@10 and nDCG@10 averaged over questions (None when there are none)."""
    return {
        "n": len(ranked),
        "recall_at_1": mean(recall_at_k(r, 1) for r in ranked),
        "recall_at_5": mean(recall_at_k(r, 5) for r in ranked),
        "recall_at_10": mean(recall_at_k(r, 10) for r in ranked),
        "mrr_at_10": mean(reciprocal_rank(r, 10) for r in ranked),
        "ndcg_at_10": mean(ndcg_at_k(r, 10) for r in ranked),
    }


def group_by(items: Iterable[T], key: Callable[[T], str | None]) -> dict[str, list[T]]:
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(str(key(item)), []).append(item)
    return dict(sorted(groups.items()))


def aggregate(
    items: Iterable[T],
    key: Callable[[T], str | None],
    compute: Callable[[list[T]], Mapping[str, Any]],
) -> dict[str, dict[str, Any]]:
    """``compute`` applied to each group of ``items`` (groups sorted by name)."""
    return {name: dict(compute(members)) for name, members in group_by(items, key).items()}
