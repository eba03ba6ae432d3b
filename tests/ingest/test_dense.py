"""ingest.dense: exact below the threshold, HNSW (passages) or IVF-SQ8 (sentences) above, and
the approximate indexes find what exact search finds."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from ingest.dense import (
    EXACT_MAX_VECTORS,
    SENTENCE_NPROBE,
    build_dense_index,
    build_sentence_index,
    choose_dense_index,
    choose_sentence_index,
    search_dense,
)


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


def test_sentences_exact_below_the_threshold_ivf_sq8_above() -> None:
    assert choose_sentence_index(EXACT_MAX_VECTORS, 8) is None
    large = choose_sentence_index(EXACT_MAX_VECTORS + 1, 8)
    assert isinstance(large, faiss.IndexIVFScalarQuantizer)
    assert large.nprobe == SENTENCE_NPROBE
    assert build_sentence_index(np.zeros((5, 8), np.float32)) is None


def test_the_sentence_index_finds_what_exact_search_finds() -> None:
    rng = np.random.default_rng(2)
    centres = _unit(rng, 50, 64)  # clustered, like sentence vectors of related passages
    vectors = centres[rng.integers(50, size=5_000)] + 0.3 * _unit(rng, 5_000, 64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[rng.integers(5_000, size=50)] + 0.1 * _unit(rng, 50, 64)
    index = build_sentence_index(vectors, exact_max=0)
    assert isinstance(index, faiss.IndexIVFScalarQuantizer)
    _, truth = search_dense(build_dense_index(vectors), queries, k=10)
    _, found = search_dense(index, queries, k=10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)])
    assert recall >= 0.9, recall
