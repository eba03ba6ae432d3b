"""The parts of the e5 runtime that need no model: windows, batches, pooling spans."""

from __future__ import annotations

import numpy as np

from ingest.e5.graph import graph_name
from ingest.e5.runtime import make_windows, plan_batches, pool_spans


def test_long_texts_become_windows_weighted_by_their_tokens() -> None:
    windows = make_windows([list(range(7)), [1]], bos=0, eos=2, max_pos=5)
    assert [w.text for w in windows] == [0, 0, 0, 1]
    assert windows[0].ids == [0, 0, 1, 2, 2] and windows[2].ids == [0, 6, 2]
    assert [w.weight for w in windows] == [3.0, 3.0, 1.0, 1.0]


def test_batches_respect_the_padded_token_budget() -> None:
    windows = make_windows([[1] * n for n in (3, 10, 4, 9)], bos=0, eos=2, max_pos=64)
    batches = plan_batches(windows, max_tokens=24, max_batch=8)
    assert sorted(k for b in batches for k in b) == [0, 1, 2, 3]
    for batch in batches:
        assert len(batch) * max(len(windows[k].ids) for k in batch) <= 24


def test_a_span_is_the_mean_of_the_tokens_that_overlap_it() -> None:
    states = np.eye(4, dtype=np.float32)
    # tokens start at characters 0, 3, 6, 9 of a 12-character text
    vectors = pool_spans(states, [0, 3, 6, 9], 12, [(0, 5), (6, 12), (4, 5), (12, 12)])
    expected = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [0, 1, 0, 0], [0, 0, 0, 1]], np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert np.allclose(vectors, expected)


def test_a_cached_graph_is_named_by_all_it_depends_on() -> None:
    base = graph_name("sha", "q8", 4, None)
    assert base.startswith("e5-q8-") and base.endswith(".onnx")
    assert graph_name("sha", "q8", 4, None) == base
    assert graph_name("other", "q8", 4, None) != base
    assert graph_name("sha", "q4", 4, None) != graph_name("sha", "q4", 0, None)
    maxima = np.ones((2, 3, 4), np.float32)
    assert graph_name("sha", "i8", 4, maxima) != graph_name("sha", "i8", 4, maxima * 2)
