"""Which FAISS index to use for the dense side, and how to search it.

Exact (``IndexFlatIP``) while it is fast, HNSW beyond. The threshold comes from
``benchmarks/scale.py`` on this 2-core machine under load (docs/scaling.md): one exact query
costs ≈0.13–0.15 ms per 1,000 vectors of dimension 384 (10k: 0.3 ms, 100k: 13 ms, 1M: 150 ms),
HNSW (M=32) ≈0.4 ms at recall@10 ≥ 0.95. Pure latency crosses over at a few thousand vectors,
but up to 20,000 vectors exact search stays within ~3 ms, is always right and needs no build
(HNSW takes ~10 s for 20k vectors here, minutes for 1M), so exact is kept up to 20,000.

Sentence vectors (about 6.6 per passage) get their own index once there are more than
``exact_max`` of them: an inverted file with scalar-quantised codes
(``choose_sentence_index``). It only proposes candidate sentences; the service re-scores the
sentences of candidate passages exactly, so its codes may be lossy. IVF rather than HNSW because
building a graph over 661k sentence vectors (100k passages) takes ~15 minutes on this machine
against well under a minute for IVF, and SQ8 codes take a quarter of float32 memory
(docs/scaling.md has the measurements).
"""

from __future__ import annotations

import math

import faiss
import numpy as np

EXACT_MAX_VECTORS = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
# 512 reaches recall@10 ≥ 0.95 even on uniformly random vectors (the hardest case); e5-like
# vectors reach it at 64 (10k) to 128 (100k) (docs/scaling.md) — lower it when latency matters.
HNSW_EF_SEARCH = 512
SENTENCE_NPROBE = 64  # recall@10 ≈ 0.95 against exact at 661k sentences, ≈2 ms
SENTENCE_TRAINING_PER_LIST = 64


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


def choose_sentence_index(
    n_vectors: int, dim: int, *, exact_max: int = EXACT_MAX_VECTORS, nprobe: int = SENTENCE_NPROBE
) -> faiss.Index | None:
    """An empty, untrained index for ``n_vectors`` sentence vectors, or None while exact search
    over the plain matrix is cheap (up to ``exact_max``).

    Above: ``IndexIVFScalarQuantizer`` with 8-bit codes, nlist ≈ √n, inner product.
    """
    if dim < 1:
        raise ValueError(f"dim must be positive, got {dim}")
    if n_vectors <= exact_max:
        return None
    nlist = max(1, min(round(math.sqrt(n_vectors)), n_vectors // 39))  # ≥ 39 points per list
    index = faiss.IndexIVFScalarQuantizer(
        faiss.IndexFlatIP(dim),
        dim,
        nlist,
        faiss.ScalarQuantizer.QT_8bit,
        faiss.METRIC_INNER_PRODUCT,
    )
    index.nprobe = min(nprobe, nlist)
    return index


def build_sentence_index(
    vectors: np.ndarray, *, exact_max: int = EXACT_MAX_VECTORS, seed: int = 0
) -> faiss.Index | None:
    """``choose_sentence_index`` for ``vectors``, trained on a sample of them and filled."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a (n, dim) matrix, got shape {vectors.shape}")
    index = choose_sentence_index(len(vectors), vectors.shape[1], exact_max=exact_max)
    if index is None:
        return None
    sample = min(len(vectors), SENTENCE_TRAINING_PER_LIST * faiss.extract_index_ivf(index).nlist)
    rows = np.sort(np.random.default_rng(seed).choice(len(vectors), sample, replace=False))
    index.train(vectors[rows])
    index.add(vectors)
    return index
