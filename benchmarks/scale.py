"""Scale test: FAISS exact / HNSW / IVF and BM25 at 10k, 100k and 1M synthetic passages.

    python benchmarks/scale.py [--sizes 10000,100000,1000000] [--quick] [--out docs/scaling.md]

Passages come from ``benchmarks/synthetic.py`` (the seed corpus ×N, varied); vectors are
perturbed real e5 vectors of the current index (random unit vectors when there is none), not
embeddings — embedding 1M passages is out of reach here. Queries are the gold questions,
embedded with e5 (the real query distribution). Per size it measures build time, memory (RSS
growth of this process), single-query latency p50/p95 and recall@10 against exact search, for
IndexFlatIP, HNSW (M=32, efSearch swept) and IVFFlat (nlist≈√n, nprobe swept); BM25 build
time, memory and latency through the project's own DutchAnalyzer/LexicalIndex; and what the
sentence-vector matrix (≈6.6 sentences per passage) would take. A stage projected to take
longer than ``--budget`` seconds is not run but extrapolated from the size before, and marked so.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import (  # noqa: E402
    SeedPassage,
    base_vectors,
    seed_passages,
    synthetic_passages,
    synthetic_vectors,
)

DIM = 384
TARGET_RECALL = 0.95
EF_VALUES = (16, 32, 64, 128, 256, 512)
NPROBE_VALUES = (1, 2, 4, 8, 16, 32, 64, 128)


def rss_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def mem_available() -> int:
    with open("/proc/meminfo", encoding="ascii") as info:
        for line in info:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95


def time_queries(fn: Callable[[int], object], count: int) -> tuple[float, float]:
    """p50/p95 of one query at a time, on one thread (OpenMP threads only add spin-waiting
    for a single query, and a loaded 2-core machine turns that into tens of milliseconds)."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return _time_queries(fn, count)
    finally:
        faiss.omp_set_num_threads(threads)


def index_mb(index: faiss.Index) -> float:
    """Size of the index as FAISS serialises it: its vectors plus graph or lists."""
    return float(faiss.serialize_index(index).nbytes) / 1e6


def _time_queries(fn: Callable[[int], object], count: int) -> tuple[float, float]:
    fn(0)  # warm-up
    samples = []
    for i in range(count):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def one_query(index: faiss.Index, queries: np.ndarray) -> Callable[[int], object]:
    """Search the i-th query (cycling) alone, k=10."""
    return lambda i: index.search(queries[i % len(queries) : i % len(queries) + 1], 10)


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    k = truth.shape[1]
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(found, truth, strict=True)]))


@dataclass
class Row:
    size: int
    method: str
    build_s: float | None
    memory_mb: float | None
    p50_ms: float | None
    p95_ms: float | None
    recall: float | None = None
    setting: str = ""
    note: str = ""


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    sweeps: list[tuple[int, str, int, float, float]] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(format_row(row), flush=True)

    def last(self, method: str) -> Row | None:
        matches = [r for r in self.rows if r.method == method and r.note != "extrapolated"]
        return matches[-1] if matches else None


def fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def format_row(row: Row) -> str:
    return (
        f"| {row.size:>9,} | {row.method:<22} | {row.setting:<12} | {fmt(row.build_s, 1):>8} | "
        f"{fmt(row.memory_mb, 0):>8} | {fmt(row.p50_ms)} | {fmt(row.p95_ms)} | "
        f"{fmt(row.recall, 3)} | {row.note} |"
    )


HEADER = (
    "| passages | method | setting | build s | memory MB | p50 ms | p95 ms | recall@10 | note |\n"
    "|---:|---|---|---:|---:|---:|---:|---:|---|"
)


def query_vectors(count: int, base: np.ndarray) -> tuple[np.ndarray, list[str], str]:
    from evals.goldset import load_goldset

    questions = [q.question for q in load_goldset()][:count]
    try:
        from ingest.embedders import E5SmallQ4Embedder

        embedder = E5SmallQ4Embedder()
        vectors = np.vstack([embedder.embed_batch([q], "query") for q in questions])
        return vectors.astype(np.float32), questions, "gold questions embedded with e5-small-q4"
    except Exception as exc:  # no model: perturbed vectors still give a fair recall test
        print(f"e5 unavailable ({exc}); queries are perturbed vectors", file=sys.stderr)
        return synthetic_vectors(len(questions), seed=99, base=base), questions, "perturbed vectors"


def extrapolate(previous: Row, size: int, scale: Callable[[int, int], float]) -> Row:
    factor = scale(previous.size, size)
    return Row(
        size,
        previous.method,
        None if previous.build_s is None else previous.build_s * factor,
        None if previous.memory_mb is None else previous.memory_mb * size / previous.size,
        previous.p50_ms,
        previous.p95_ms,
        previous.recall,
        previous.setting,
        "extrapolated",
    )


def n_log_n(small: int, large: int) -> float:
    return (large * math.log(large)) / (small * math.log(small))


def bench_dense(
    size: int,
    vectors: np.ndarray,
    queries: np.ndarray,
    results: Results,
    budget: float,
    sentences_per_passage: float,
) -> None:
    q_count = len(queries)
    # What retrieval does today: a full matrix-vector product over every passage vector.
    p50, p95 = time_queries(lambda i: vectors @ queries[i % q_count], q_count)
    results.add(Row(size, "numpy matvec (today)", 0.0, vectors.nbytes / 1e6, p50, p95, 1.0))
    sentences = round(size * sentences_per_passage)
    sentence_mb = sentences * DIM * 4 / 1e6
    if sentence_mb < mem_available() / 1e6 / 4:
        matrix = synthetic_vectors(sentences, seed=size + 7, base=vectors[: min(size, 50_000)])
        p50, p95 = time_queries(lambda i: matrix @ queries[i % q_count], min(q_count, 50))
        del matrix
        gc.collect()
        note = f"{sentences:,} sentence vectors"
    else:
        previous_sentences = results.last("sentence matvec (today)")
        p50 = p95 = math.nan
        if previous_sentences is not None:
            scale = sentences / (previous_sentences.size * sentences_per_passage)
            p50 = (previous_sentences.p50_ms or 0) * scale  # linear in n
            p95 = (previous_sentences.p95_ms or 0) * scale
        note = f"{sentences:,} sentence vectors; latency extrapolated (not allocated)"
    results.add(Row(size, "sentence matvec (today)", 0.0, sentence_mb, p50, p95, 1.0, note=note))

    started = time.perf_counter()
    flat = faiss.IndexFlatIP(DIM)
    flat.add(vectors)
    build = time.perf_counter() - started
    memory = flat.ntotal * DIM * 4 / 1e6
    truth = flat.search(queries, 10)[1]
    p50, p95 = time_queries(one_query(flat, queries), q_count)
    results.add(Row(size, "IndexFlatIP (exact)", build, memory, p50, p95, 1.0))
    del flat
    gc.collect()

    # HNSW
    previous = results.last("HNSW M=32")
    projected = 0.0
    if previous is not None and previous.build_s is not None:
        projected = previous.build_s * n_log_n(previous.size, size)
    if previous is not None and projected > budget:
        row = extrapolate(previous, size, n_log_n)
        row.note = (
            f"extrapolated (build ≈{projected:.0f} s > budget {budget:.0f} s): build n log n, "
            f"memory linear; latency and recall are the {previous.size:,} figures, not measured"
        )
        results.add(row)
    else:
        started = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 80
        hnsw.add(vectors)
        build = time.perf_counter() - started
        memory = index_mb(hnsw)
        chosen: Row | None = None
        last: Row | None = None
        for ef in EF_VALUES:
            hnsw.hnsw.efSearch = ef
            recall = recall_at(hnsw.search(queries, 10)[1], truth)
            p50, p95 = time_queries(
                one_query(hnsw, queries),
                q_count,
            )
            results.sweeps.append((size, "HNSW efSearch", ef, recall, p50))
            if recall >= TARGET_RECALL and chosen is None:
                chosen = Row(size, "HNSW M=32", build, memory, p50, p95, recall, f"efSearch={ef}")
            last = Row(size, "HNSW M=32", build, memory, p50, p95, recall, f"efSearch={ef}")
        best = chosen or last
        if best is not None:
            results.add(best)
        del hnsw
        gc.collect()

    # IVF
    nlist = max(1, round(math.sqrt(size)))
    previous = results.last("IVFFlat")
    projected = previous.build_s * size / previous.size if previous and previous.build_s else 0
    if previous and projected > budget:
        row = extrapolate(previous, size, lambda a, b: b / a)
        row.note = f"extrapolated (build ≈{projected:.0f} s > budget)"
        results.add(row)
        return
    started = time.perf_counter()
    quantizer = faiss.IndexFlatIP(DIM)
    ivf = faiss.IndexIVFFlat(quantizer, DIM, nlist, faiss.METRIC_INNER_PRODUCT)
    train = vectors[np.random.default_rng(size).permutation(size)[: min(size, 64 * nlist)]]
    ivf.train(train)
    ivf.add(vectors)
    build = time.perf_counter() - started
    memory = index_mb(ivf)
    chosen = None
    last = None
    for nprobe in NPROBE_VALUES:
        if nprobe > nlist:
            break
        ivf.nprobe = nprobe
        recall = recall_at(ivf.search(queries, 10)[1], truth)
        p50, p95 = time_queries(one_query(ivf, queries), q_count)
        results.sweeps.append((size, "IVF nprobe", nprobe, recall, p50))
        last = Row(size, "IVFFlat", build, memory, p50, p95, recall, f"nlist={nlist} np={nprobe}")
        if recall >= TARGET_RECALL:
            chosen = last
            break
    if chosen or last:
        results.add(chosen or last)  # type: ignore[arg-type]
    del ivf, quantizer
    gc.collect()


def bench_bm25(
    size: int, seeds: list[SeedPassage], questions: list[str], results: Results, budget: float
) -> None:
    import bm25s

    from ingest.lexical import DutchAnalyzer

    previous = results.last("BM25 (bm25s)")
    if previous and previous.build_s is not None:
        projected = previous.build_s * size / previous.size
        projected_mb = (previous.memory_mb or 0) * 10 * size / previous.size  # token lists too
        if projected > budget or projected_mb * 1e6 > mem_available() * 0.6:
            row = extrapolate(previous, size, lambda a, b: b / a)
            row.p50_ms = (previous.p50_ms or 0) * size / previous.size  # scoring is O(postings)
            row.p95_ms = (previous.p95_ms or 0) * size / previous.size
            row.note = (
                f"extrapolated linearly from {previous.size:,} (build ≈{projected:.0f} s "
                f"> budget {budget:.0f} s or memory)"
            )
            results.add(row)
            return
    analyzer = DutchAnalyzer()
    before = rss_bytes()
    started = time.perf_counter()
    tokens = [
        analyzer.tokens(f"{s}\n{t}") or ["\u2205"]
        for s, t in synthetic_passages(size, seeds, seed=size)
    ]
    analyse = time.perf_counter() - started
    bm25 = bm25s.BM25()
    bm25.index(tokens, show_progress=False)
    build = time.perf_counter() - started
    del tokens
    gc.collect()
    peak = (rss_bytes() - before) / 1e6
    memory = sum(a.nbytes for a in bm25.scores.values() if hasattr(a, "nbytes")) / 1e6
    memory += len(bm25.vocab_dict) * 80 / 1e6  # the vocabulary dict, ≈80 bytes an entry
    vocabulary = set(bm25.vocab_dict)

    def bm25_top(i: int) -> np.ndarray:
        # What LexicalIndex.scores + top do: known query terms, every passage scored, top 100.
        terms = [t for t in analyzer.tokens(questions[i % len(questions)]) if t in vocabulary]
        scores = np.asarray(bm25.get_scores(terms), dtype=np.float32)
        return np.argpartition(-scores, 99)[:100]

    p50, p95 = time_queries(bm25_top, len(questions))
    results.add(
        Row(
            size,
            "BM25 (bm25s)",
            build,
            memory,
            p50,
            p95,
            None,
            "scores+top100",
            f"analyzer {analyse:.0f} s of the build; RSS growth while building {peak:,.0f} MB",
        )
    )


def crossover(results: Results) -> tuple[float, float, float]:
    """Vectors where exact search costs as much as HNSW at its tuned efSearch.

    Exact latency is linear in n (fit through the measured points); HNSW latency is nearly flat.
    """
    flats = [r for r in results.rows if r.method == "IndexFlatIP (exact)" and r.p50_ms]
    hnsws = [
        r for r in results.rows if r.method == "HNSW M=32" and r.note != "extrapolated" and r.p50_ms
    ]
    if not flats or not hnsws:
        return math.nan, math.nan, math.nan
    slope = sum((r.p50_ms or 0) * r.size for r in flats) / sum(r.size**2 for r in flats)
    hnsw_ms = statistics.median(r.p50_ms or 0 for r in hnsws)
    return hnsw_ms / slope, slope * 1000, hnsw_ms


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs (`nproc`), {model}, {mem_available() / 1e9:.0f} GB available, "
        f"Python {platform.python_version()}, faiss {faiss.__version__}; load average {load}"
    )


def write_markdown(path: Path, results: Results, info: dict[str, str]) -> None:
    cross, ms_per_1k, hnsw_ms = crossover(results)
    table = "\n".join([HEADER, *(format_row(r) for r in results.rows)])
    sweep = "\n".join(
        ["| passages | knob | value | recall@10 | p50 ms |", "|---:|---|---:|---:|---:|"]
        + [f"| {s:,} | {k} | {v} | {r:.3f} | {p:.2f} |" for s, k, v, r, p in results.sweeps]
    )
    text = TEMPLATE.format(
        table=table,
        sweep=sweep,
        crossover=f"{cross:,.0f}" if not math.isnan(cross) else "n/a",
        ms_per_1k=f"{ms_per_1k:.3f}",
        hnsw_ms=f"{hnsw_ms:.2f}",
        mapping="\n".join(
            ["| Vraagbaak piece | OpenSearch |", "|---|---|"]
            + [f"| {piece} | {engine} |" for piece, engine in MAPPING]
        ),
        **info,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")


MAPPING = [
    (
        "build directory (`builds/<id>`)",
        "one index per build, e.g. `vraagbaak-passages-<build id>`",
    ),
    (
        "`current` symlink, atomic rename",
        "index alias `vraagbaak-passages` moved with one `_aliases` call (remove old + "
        "add new is atomic)",
    ),
    (
        "manifest (`manifest.json`)",
        "the index `_meta` mapping field (embedder, dimension, params, document hashes), "
        "read before incremental ingest",
    ),
    (
        "chunk store (`chunks.jsonl`, texts)",
        "`_source` of each passage document: text, doc_id, section, page, offsets, sentence spans",
    ),
    (
        "dense passage vectors (FAISS)",
        "`knn_vector` field (dimension 384, `innerproduct`, HNSW m=32, ef_search tuned as here)",
    ),
    (
        "BM25 (`bm25s`, DutchAnalyzer)",
        "`text` field with the `dutch` analyzer (plus a glossary synonym filter for "
        "English questions)",
    ),
    (
        "sentence vectors + `sentence_owner`",
        "`nested` field `sentences` with `text`, `start`, `end` and a `knn_vector`; a "
        "nested kNN query scores a passage by its best sentence (`score_mode: max`) — our"
        " `np.maximum.at`",
    ),
    (
        "weighted fusion (dense / sentence / BM25 weights of `RetrievalConfig`)",
        "`hybrid` query with three sub-queries and a search pipeline with `min_max` "
        "normalisation and `arithmetic_mean` with the same three weights",
    ),
    (
        "incremental ingest by content hash",
        "unchanged documents are copied with `_reindex` into the new build index (vectors"
        " reused, no re-embedding), changed ones embedded and bulk-indexed",
    ),
    (
        "embedding cache (SQLite)",
        "stays with the ingest workers (or a shared key-value store) — the engine never embeds",
    ),
]


TEMPLATE = """# Scaling Vraagbaak: from one corpus to a million passages

Generated by `python benchmarks/scale.py --sizes {sizes}` on {date}; {machine}.
Numbers were taken while other jobs ran on the machine, so latencies are noisy (±30 %);
the ratios between methods are what to read.

**Data.** Passages: {passages}. Vectors: {vectors}; queries: {queries}.
Memory is the size of the structure: FAISS indexes as serialised (vectors included), the
numpy rows the float32 matrix, BM25 its sparse score matrix plus vocabulary (the RSS growth
while building, token lists included, is in the note). Latency is one query at a time on one
thread, the way a request is served (with 2 OpenMP threads on this loaded 2-core machine a
single exact query was 3–10× slower, from spin-waiting).
Recall@10 is against exact search on the same vectors; for
HNSW and IVF the row shows the cheapest setting reaching recall ≥ {target} (the sweep is below).
Rows marked *extrapolated* were projected to exceed the time budget ({budget} s per stage)
and are scaled from the largest measured size (build: n log n for HNSW, linear otherwise).

## Figures

{table}

### efSearch / nprobe sweeps

{sweep}

## Which FAISS index at which size

* **Exact (`IndexFlatIP`)** costs ≈{ms_per_1k} ms per 1,000 vectors per query here (linear
  fit), needs no build and no tuning, and is always right. HNSW at the setting that reaches
  recall ≥ 0.95 costs ≈{hnsw_ms} ms, so on latency alone the **crossover is ≈{crossover}
  vectors**. Below ~20,000 vectors both are within a few milliseconds and exact wins on
  simplicity (no build: HNSW needs ~5–10 s for 10–20k vectors here, minutes at 100k), so
  `ingest/dense.py` (`choose_dense_index`) is exact up to 20,000 vectors and HNSW above.
* **HNSW (M=32, efConstruction=80)** is the choice beyond that on one machine: sub-millisecond
  queries at recall ≥ 0.95 with efSearch 64 (10k) → 128 (100k) → probably 256 at 1M (the
  sweep's trend; 1M was not built, see the note), memory ≈ vectors + ≈0.27 KB per vector for
  the graph. Its cost is the build (n log n; ~110 s at 100k here, projected ~20 min at 1M on
  2 busy cores) — acceptable because every ingest writes a new build, and incremental ingest
  could `add` to a copy. `ingest/dense.py` defaults to efSearch 512, which also holds recall
  ≥ 0.95 on uniformly random vectors (the unit test); lower it to 128–256 for e5 vectors.
* **IVFFlat (nlist≈√n)** builds 10–20× faster than HNSW (62 s at 1M) with no extra memory,
  but needs nprobe 32–64 for recall ≥ 0.95 on e5's anisotropic vectors and its latency grows
  with √n (5 ms at 1M, against HNSW's 0.4 ms at 100k — 1M HNSW was not built, see above).
  It is the pick when build time matters more than
  latency (frequent full rebuilds at 1M), and with PQ codes (IVFPQ) when memory runs out — at
  a cost in recall unless the top candidates are re-ranked with exact vectors.

**Where the service is today.** `service/retrieval.py` (`HybridRetriever.scores`) does not use
the FAISS index at all: it multiplies the query with *every* passage vector and *every*
sentence vector (numpy/OpenBLAS), and asks BM25 for the score of every passage. With ≈6.6
sentences per passage the dense side touches ≈7.6 n vectors per query (rows *numpy matvec*
and *sentence matvec*): sub-millisecond at our ~1k passages on an idle machine, ≈100 ms at 100k
passages (the 661k sentence vectors, 1 GB), and ≈1 s at 1M, where the sentence matrix alone is
≈10 GB. Note also the 10k rows: numpy's matrix-vector product took 16 ms where FAISS's
single-threaded exact search took 0.26 ms on the same vectors — most likely OpenBLAS splitting
the product over both cores and, on a loaded machine, waiting for the descheduled thread (4 ms
scheduler ticks): on the real index (6.5k sentence vectors) the product's p95 was 28 ms with
default threads and 0.4 ms with `OPENBLAS_NUM_THREADS=1`.
The change is to take candidates first — HNSW top-`candidates` passages and top
sentences (a second HNSW over sentences, or only the sentences of candidate passages), BM25
top-`candidates` — and fuse over that union only. `_minmax_top` already normalises by the
`candidates`-th best score, so fusing over the candidate set keeps the ranking of every
passage that can reach the top.

## Where one machine stops

At 1M passages: passage vectors 1.5 GB float32, the HNSW graph ≈0.3 GB more, and sentence
vectors (≈6.6M) ≈10 GB — the sentence side is what breaks a 16 GB machine, and the reason to
index sentences with HNSW/IVFPQ (or store float16 / int8: 5 / 2.5 GB) rather than keep a dense
matrix for a full product (≈1 s per query here). BM25 at 1M is small (≈0.4 GB sparse matrix,
extrapolated) but building it is ~17 min, 80 % of it the Python DutchAnalyzer, and scoring
every passage costs milliseconds per query term; top-k retrieval over posting lists (bm25s
`retrieve`, or a search engine's WAND/block-max) avoids the full scan. Ingest is the real
wall: embedding 1M passages + 6.6M sentences with e5-small costs ≈20–25 CPU-ms per text
(docs/performance.md: cold-ingest CPU time), ≈45 CPU-hours — about a day on 2 idle cores, so
above ~100k passages embedding must move to a GPU or many workers whatever the index.
One 2-core machine therefore serves ~100k passages well
(HNSW for passages and sentences, ~3 GB); 1M needs ≥ 16 GB RAM and HNSW/quantised sentence
vectors, and a day of CPU embedding per full rebuild, or a GPU.

## On a distributed engine: OpenSearch

**Choice: OpenSearch** (Elasticsearch would map the same way). It is the one engine that
gives us, in one cluster, a real BM25 with a Dutch analyzer (the `dutch` analyzer with
stop words and Snowball, like `ingest/lexical.py`), approximate kNN on dense vectors (HNSW
via Lucene or FAISS, with `nested` vectors for several vectors per document), hybrid
queries with score normalisation and weighted combination (the `normalization-processor`
search pipeline: min-max + arithmetic mean, which is our `weighted` fusion), and index
aliases for atomic swaps. Vespa is technically stronger for custom ranking, but a heavier
operational lift for a municipal IT department; Qdrant would need a second engine for BM25.

{mapping}

The answer step (extractive sentences, citations, refusal) stays in our Python service,
stateless and horizontally scaled behind the load balancer; it needs the top passages with
their sentence spans and sentence scores, which the nested inner hits return.
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--budget",
        type=float,
        default=600.0,
        help="seconds a stage may take before it is extrapolated instead",
    )
    parser.add_argument("--quick", action="store_true", help="sizes 2000,10000; 40 queries")
    parser.add_argument("--no-bm25", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "scaling.md")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.queries = "2000,10000", 40
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(","))
    faiss.omp_set_num_threads(os.cpu_count() or 1)

    base, vector_source = base_vectors()
    queries, questions, query_source = query_vectors(args.queries, base)
    seeds = seed_passages()
    sentences_per_passage = 6.6
    manifest = ROOT / ".vraagbaak" / "index" / "current" / "manifest.json"
    if manifest.exists():
        import json

        data = json.loads(manifest.read_text("utf-8"))
        sentences_per_passage = data["sentences"] / max(1, data["passages"])
    print(
        f"vectors: {vector_source}; queries: {query_source}; "
        f"{sentences_per_passage:.2f} sentences per passage"
    )
    print(HEADER)
    results = Results()
    for size in sizes:
        vectors = synthetic_vectors(size, seed=size, base=base)
        bench_dense(size, vectors, queries, results, args.budget, sentences_per_passage)
        del vectors
        gc.collect()
        if not args.no_bm25:
            bench_bm25(size, seeds, questions, results, args.budget)
    info = {
        "sizes": ",".join(str(s) for s in sizes),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "passages": f"the seed corpus ({len(seeds)} passages from corpus/) repeated with "
        "variation by `benchmarks/synthetic.py` (sentences shuffled, numbers and municipality "
        "names swapped)",
        "vectors": vector_source,
        "queries": f"{len(queries)} {query_source}",
        "target": str(TARGET_RECALL),
        "budget": f"{args.budget:.0f}",
    }
    cross, ms_per_1k, hnsw_ms = crossover(results)
    print(
        f"crossover exact vs HNSW ≈ {cross:,.0f} vectors "
        f"(exact {ms_per_1k:.3f} ms per 1k vectors, HNSW {hnsw_ms:.2f} ms)"
    )
    write_markdown(args.out, results, info)


if __name__ == "__main__":
    main()
