"""ingest.dense: exact below the threshold, HNSW above, and HNSW finds what exact finds."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from ingest.dense import EXACT_MAX_VECTORS, build_dense_index, choose_dense_index, search_dense


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_exact_below_the_threshold_hnsw_above() -> None:
    assert isinstance(choose_dense_index(EXACT_MAX_VECTORS, 8), faiss.IndexFlatIP)
    assert isinstance(choose_dense_index(EXACT_MAX_VECTORS + 1, 8), faiss.IndexHNSWFlat)
    with pytest.raises(ValueError):
        choose_dense_index(10, 0)


def test_search_dense_shapes_and_small_indexes() -> None:
    rng = np.random.default_rng(1)
    vectors = _unit(rng, 3, 16)
    index = build_dense_index(vectors)
    scores, rows = search_dense(index, vectors[1], k=10)  # more than there are
    assert rows.tolist()[0] == 1 and len(rows) == 3
    assert np.all(np.diff(scores) <= 1e-6)
    _, rows2 = search_dense(index, vectors[:2], k=2)
    assert rows2.shape == (2, 2) and rows2[:, 0].tolist() == [0, 1]
    empty = build_dense_index(np.zeros((0, 16), np.float32))
    assert len(search_dense(empty, vectors[0], k=5)[1]) == 0
    with pytest.raises(ValueError):
        search_dense(index, np.zeros(8, np.float32), k=1)


def test_hnsw_recall_against_exact_on_20k_random_vectors() -> None:
    rng = np.random.default_rng(0)
    vectors = _unit(rng, 20_000, 384)  # uniformly random: the hardest case for a graph index
    queries = _unit(rng, 100, 384)
    hnsw = build_dense_index(vectors, exact_max=0)
    assert isinstance(hnsw, faiss.IndexHNSWFlat)
    exact = build_dense_index(vectors)
    assert isinstance(exact, faiss.IndexFlatIP)
    _, truth = search_dense(exact, queries, k=10)
    _, found = search_dense(hnsw, queries, k=10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)])
    assert recall >= 0.95, recall
