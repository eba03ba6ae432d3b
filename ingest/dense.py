"""Which FAISS index to use for the dense side, and how to search it.

Exact (``IndexFlatIP``) while it is fast, HNSW beyond. The threshold comes from
``benchmarks/scale.py`` on this 2-core machine under load (docs/scaling.md): one exact query
costs ≈0.13–0.15 ms per 1,000 vectors of dimension 384 (10k: 0.3 ms, 100k: 13 ms, 1M: 150 ms),
HNSW (M=32) ≈0.4 ms at recall@10 ≥ 0.95. Pure latency crosses over at a few thousand vectors,
but up to 20,000 vectors exact search stays within ~3 ms, is always right and needs no build
(HNSW takes ~10 s for 20k vectors here, minutes for 1M), so exact is kept up to 20,000.

Note that the service searches sentence vectors too (about 6.6 per passage), so the number
that matters for the sentence side is sentences, not passages.
"""

from __future__ import annotations

import faiss
import numpy as np

EXACT_MAX_VECTORS = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
# 512 reaches recall@10 ≥ 0.95 even on uniformly random vectors (the hardest case); e5-like
# vectors reach it at 64 (10k) to 128 (100k) (docs/scaling.md) — lower it when latency matters.
HNSW_EF_SEARCH = 512


def choose_dense_index(
    n_vectors: int,
    dim: int,
    *,
    exact_max: int = EXACT_MAX_VECTORS,
    ef_search: int = HNSW_EF_SEARCH,
) -> faiss.Index:
    """An empty inner-product index for ``n_vectors`` L2-normalised vectors of ``dim``.

    Exact up to ``exact_max`` vectors, HNSW (M=32) above. Add the vectors with ``index.add``.
    """
    if dim < 1:
        raise ValueError(f"dim must be positive, got {dim}")
    if n_vectors <= exact_max:
        return faiss.IndexFlatIP(dim)
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = ef_search
    return index


def build_dense_index(vectors: np.ndarray, **options: int) -> faiss.Index:
    """``choose_dense_index`` for ``vectors``, filled with them."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a (n, dim) matrix, got shape {vectors.shape}")
    index = choose_dense_index(len(vectors), vectors.shape[1], **options)
    if len(vectors):
        index.add(vectors)
    return index


def search_dense(index: faiss.Index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best rows for one query vector: ``(scores, rows)``, best first.

    Fewer than ``k`` when the index holds fewer (HNSW may also return fewer; missing slots,
    row -1, are dropped). A (m, dim) query matrix gives (m, k) arrays, padded with -1 rows.
    """
    matrix = np.ascontiguousarray(np.atleast_2d(query), dtype=np.float32)
    if matrix.shape[1] != index.d:
        raise ValueError(f"query has dimension {matrix.shape[1]}, index has {index.d}")
    k = min(k, index.ntotal)
    if k <= 0:
        empty = np.zeros((len(matrix), 0))
        return (
            (empty.astype(np.float32), empty.astype(np.int64))
            if query.ndim == 2
            else (np.zeros(0, np.float32), np.zeros(0, np.int64))
        )
    scores, rows = index.search(matrix, k)
    if query.ndim == 2:
        return scores, rows
    found = rows[0] >= 0
    return scores[0][found], rows[0][found]
