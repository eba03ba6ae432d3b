"""End-to-end scale test: a synthetic index of N passages through the real code path.

    python benchmarks/scale_e2e.py [--sizes 10000,100000] [--queries 200] [--out docs/scaling.md]

Per size, each step in its own process so memory figures are the step's own:

1. **build** — N passages from ``benchmarks/synthetic.py`` (the seed corpus ×N, varied), grouped
   into documents of 100 passages, vectors perturbed from the real e5 vectors (no embedding),
   BM25 through ``LexicalIndex.build`` and everything written by ``ingest.index.write_index``
   (which picks the FAISS index types by size).
2. **in-process** — ``Engine.load`` on that data dir, then the gold questions through
   ``HybridRetriever.search`` (first pass: query embedded with e5; later passes: query vector
   cached, i.e. search alone) and through ``ExtractiveAnswerer.answer``.
3. **HTTP** — ``vraagbaak serve`` on that data dir; the questions to ``/api/search`` and
   ``/api/ask`` one at a time; the server's VmHWM/VmRSS from ``/proc`` after start-up and after
   the queries.

``--approximate-real`` also rewrites the real index (``.vraagbaak``) with the size threshold at
0 — the large-index path on the real corpus — and runs ``vraagbaak eval run`` on both.
Sizes whose stages would not fit ``--budget`` are extrapolated from the largest measured size,
and marked so. The table is printed and written into docs/scaling.md between the
``end-to-end`` markers; nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import (  # noqa: E402
    free_port,
    start_server,
    stop_server,
    vraagbaak_command,
    wait_until_up,
)
from benchmarks.scale import END_TO_END_END as END  # noqa: E402
from benchmarks.scale import END_TO_END_START as START  # noqa: E402
from benchmarks.scale import machine, percentiles  # noqa: E402
from benchmarks.synthetic import (  # noqa: E402
    base_vectors,
    seed_passages,
    synthetic_sentences,
    synthetic_vectors,
)

PASSAGES_PER_DOCUMENT = 100
GOAL_SIZE = 100_000
GOAL_P95_MS = 100.0
GOAL_MEMORY_MB = 2048.0
HTTP_LIMITS = {"VRAAGBAAK_RATE_LIMIT_PER_MINUTE": "1000000", "VRAAGBAAK_RATE_LIMIT_BURST": "100000"}


def proc_status(pid: int | str = "self") -> dict[str, float]:
    """VmHWM, VmRSS, RssAnon, RssFile of a process, in MB."""
    wanted = {"VmHWM", "VmRSS", "RssAnon", "RssFile"}
    status: dict[str, float] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as lines:
        for line in lines:
            key, _, value = line.partition(":")
            if key in wanted:
                status[key] = int(value.split()[0]) / 1024
    return status


def child(*args: str, timeout: float) -> dict[str, Any]:
    """Run a step of this script in a fresh process; its last stdout line is JSON."""
    done = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- 1. build ---------------------------------------------------------------------------------


def build(size: int, data_dir: Path) -> dict[str, Any]:
    from ingest.index import IndexParams, Manifest, write_index
    from ingest.lexical import LexicalIndex
    from ingest.model import Chunk, DocumentInfo

    started = time.perf_counter()
    cpu = time.process_time()
    seeds = seed_passages()
    documents: list[DocumentInfo] = []
    clean_texts: dict[str, str] = {}
    chunks: list[Chunk] = []
    lexical_texts: list[str] = []
    passages = iter(synthetic_sentences(size, seeds, seed=size))
    for d in range(math.ceil(size / PASSAGES_PER_DOCUMENT)):
        doc_id, title = f"syn{d:06d}", f"Synthetisch document {d}"
        parts: list[str] = []
        offset = 0
        for ordinal in range(min(PASSAGES_PER_DOCUMENT, size - d * PASSAGES_PER_DOCUMENT)):
            section, sentences = next(passages)
            spans, at = [], 0
            for sentence in sentences:
                spans.append((at, at + len(sentence)))
                at += len(sentence) + 1
            text = " ".join(sentences)
            chunks.append(
                Chunk(
                    id=Chunk.make_id(doc_id, ordinal, text),
                    doc_id=doc_id,
                    ordinal=ordinal,
                    text=text,
                    section=section,
                    page=None,
                    page_end=None,
                    start=offset,
                    end=offset + len(text),
                    sentences=tuple(spans),
                )
            )
            lexical_texts.append(f"{title}\n{section}\n{text}")
            parts.append(text)
            offset += len(text) + 2
        clean_texts[doc_id] = "\n\n".join(parts)
        documents.append(
            DocumentInfo(
                doc_id=doc_id,
                source=f"{doc_id}.txt",
                title=title,
                author=None,
                year=None,
                language="nl",
                sha256=hashlib.sha256(clean_texts[doc_id].encode()).hexdigest(),
                pages=None,
                chars=len(clean_texts[doc_id]),
            )
        )
    texts_s = time.perf_counter() - started

    stage = time.perf_counter()
    lexical = LexicalIndex.build(lexical_texts)
    del lexical_texts
    bm25_s = time.perf_counter() - stage

    stage = time.perf_counter()
    base, _ = base_vectors()
    passage_vectors = synthetic_vectors(size, seed=size, base=base)
    owners = np.array(
        [(row, n) for row, c in enumerate(chunks) for n in range(len(c.sentences))], np.int32
    ).reshape(-1, 2)
    # A sentence lies near its passage: half its passage's vector, half another real vector.
    sentence_vectors = synthetic_vectors(len(owners), seed=size + 7, base=base)
    for start in range(0, len(owners), 65_536):
        block = sentence_vectors[start : start + 65_536]
        block += passage_vectors[owners[start : start + 65_536, 0]]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
    vectors_s = time.perf_counter() - stage

    stage = time.perf_counter()
    manifest = Manifest(
        embedder="e5-small-q4",
        dimension=passage_vectors.shape[1],
        params=IndexParams(),
        documents={d.source: d.sha256 for d in documents},
        passages=len(chunks),
        sentences=len(owners),
    )
    path = write_index(
        data_dir / "index",
        manifest,
        documents,
        clean_texts,
        chunks,
        passage_vectors,
        sentence_vectors,
        owners,
        lexical,
    )
    write_s = time.perf_counter() - stage
    files = {p.name: p.stat().st_size / 1e6 for p in path.iterdir() if p.is_file()}
    return {
        "passages": len(chunks),
        "sentences": len(owners),
        "documents": len(documents),
        "texts_s": texts_s,
        "bm25_s": bm25_s,
        "vectors_s": vectors_s,
        "write_s": write_s,
        "build_s": time.perf_counter() - started,
        "build_cpu_s": time.process_time() - cpu,
        "build_peak_mb": proc_status()["VmHWM"],
        "files_mb": files,
        "disk_mb": sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6,
    }


# --- 2. in-process ----------------------------------------------------------------------------


def gold_questions(count: int) -> list[str]:
    from evals.goldset import load_goldset

    return [q.question for q in load_goldset()][:count]


def chunk_bytes(chunks: list[Any]) -> int:
    """Deep size of the Chunk objects: object, strings, sentence spans (small ints shared)."""
    total = 0
    for c in chunks:
        total += sys.getsizeof(c) + (sys.getsizeof(c.__dict__) if hasattr(c, "__dict__") else 0)
        total += sys.getsizeof(c.id) + sys.getsizeof(c.text) + sys.getsizeof(c.section)
        total += sys.getsizeof(c.sentences)
        total += sum(
            sys.getsizeof(s) + sys.getsizeof(s[0]) + sys.getsizeof(s[1]) for s in c.sentences
        )
    return total


def timed(fn: Any, questions: list[str]) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for question in questions:
        started, cpu_started = time.perf_counter(), time.process_time()
        fn(question)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return wall, cpu


def summary(wall: list[float], cpu: list[float]) -> dict[str, float]:
    p50, p95 = percentiles(wall)
    cpu50, cpu95 = percentiles(cpu)
    return {"p50": p50, "p95": p95, "cpu_p50": cpu50, "cpu_p95": cpu95, "n": len(wall)}


def in_process(data_dir: Path, count: int) -> dict[str, Any]:
    from service.answering.extractive import AnswerConfig, ExtractiveAnswerer
    from service.engine import Engine
    from vraagbaak.settings import Settings

    before = proc_status()
    settings = Settings(data_dir=data_dir, corpus_dir=ROOT / "corpus")
    started = time.perf_counter()
    engine = Engine.load(settings)
    load_s = time.perf_counter() - started
    gc.collect()
    loaded = proc_status()
    retriever = engine.retriever
    questions = gold_questions(count)
    cold = summary(*timed(lambda q: retriever.search(q, 5), questions))
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(2):
        w, c = timed(lambda q: retriever.search(q, 5), questions)
        wall += w
        cpu += c
    warm = summary(wall, cpu)
    scores = [retriever.scores(q) for q in questions[:50]]
    fuse_wall = []
    for s in scores:
        started = time.perf_counter()
        retriever.fuse(s)
        fuse_wall.append((time.perf_counter() - started) * 1000)
    answerer = ExtractiveAnswerer(retriever, AnswerConfig.from_settings(settings))
    ask = summary(*timed(answerer.answer, questions))
    answered = sum(not answerer.answer(q).refused for q in questions[:20])
    index = engine.index
    return {
        "candidates_only": engine.index.sentence_index is not None,
        "dense_index": type(index.dense).__name__,
        "sentence_index": type(index.sentence_index).__name__ if index.sentence_index else "none",
        "load_s": load_s,
        "rss_before_mb": before["VmRSS"],
        "after_load": loaded,
        "after_queries": proc_status(),
        "chunks_mb": chunk_bytes(index.chunks) / 1e6,
        "search_embedding": cold,
        "search": warm,
        "fuse_p50_ms": percentiles(fuse_wall)[0],
        "ask": ask,
        "answered_of_20": answered,
    }


# --- 3. HTTP ----------------------------------------------------------------------------------


def over_http(data_dir: Path, count: int, log: Path) -> dict[str, Any]:
    import httpx

    env = {**os.environ, **HTTP_LIMITS, "PYTHONPATH": str(ROOT)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = start_server(data_dir, ROOT / "corpus", port, env, log)
    try:
        wait_until_up(base, server, timeout=600)
        startup_s = time.perf_counter() - started
        up = proc_status(server.pid)
        questions = gold_questions(count)
        results: dict[str, Any] = {"startup_s": startup_s, "after_start": up}
        with httpx.Client(base_url=base, timeout=120) as client:
            for name, endpoint, key in (
                ("search_embedding", "/api/search", "query"),
                ("search", "/api/search", "query"),
                ("search_2", "/api/search", "query"),
                ("ask", "/api/ask", "question"),
            ):
                wall = []
                for question in questions:
                    body = {key: question} | ({"k": 5} if key == "query" else {})
                    t = time.perf_counter()
                    client.post(endpoint, json=body).raise_for_status()
                    wall.append((time.perf_counter() - t) * 1000)
                results[name] = wall
        results["search"] = results["search"] + results.pop("search_2")
        for name in ("search_embedding", "search", "ask"):
            p50, p95 = percentiles(results[name])
            results[name] = {"p50": p50, "p95": p95, "n": len(results[name])}
        results["after_queries"] = proc_status(server.pid)
        return results
    finally:
        stop_server(server)


# --- the real corpus on the large-index path --------------------------------------------------


def approximate_copy(source: Path, target: Path) -> tuple[int, int]:
    """``source``'s index rewritten with exact_max_vectors=0: HNSW passages, IVF sentences.
    Returns its passage and sentence counts."""
    from dataclasses import replace

    from ingest.index import load_index, write_index

    index = load_index(source / "index")
    manifest = index.manifest
    manifest.params = replace(manifest.params, exact_max_vectors=0)
    write_index(
        target / "index",
        manifest,
        list(index.documents.values()),
        dict(index.clean_texts),
        index.chunks,
        np.asarray(index.passage_vectors),
        np.asarray(index.sentence_vectors),
        np.asarray(index.sentence_owner),
        index.lexical,
    )
    return len(index.chunks), len(index.sentence_owner)


def eval_metrics(data_dir: Path) -> dict[str, float]:
    done = subprocess.run(
        vraagbaak_command("eval", "run", "--json", "--data-dir", str(data_dir)),
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=1200,
        check=False,
    )
    metrics = json.loads(done.stdout)["summary"]["metrics"]
    return {k: float(v) for k, v in metrics.items() if isinstance(v, int | float)}


def approximate_real(source: Path, work: Path) -> dict[str, Any]:
    approximate = work / "approximate-real"
    passages, sentences = approximate_copy(source, approximate)
    return {
        "passages": passages,
        "sentences": sentences,
        "exact": eval_metrics(source),
        "approximate": eval_metrics(approximate),
    }


# --- report -----------------------------------------------------------------------------------


def rows_for(size: int, result: dict[str, Any]) -> list[str]:
    b, p, h = result["build"], result["in_process"], result["http"]
    note = result.get("note", "")
    memory = h["after_queries"]

    def ms(part: dict[str, float]) -> str:
        cpu = f" (CPU {part['cpu_p95']:.1f})" if "cpu_p95" in part else ""
        return f"{part['p50']:.1f} / {part['p95']:.1f}{cpu}"

    return [
        f"| {size:,} | {b['sentences']:,} | {p['dense_index']} / {p['sentence_index']} "
        f"| {b['build_s']:.0f} (BM25 {b['bm25_s']:.0f}, write {b['write_s']:.0f}) "
        f"| {b['disk_mb']:,.0f} | {p['load_s']:.1f} | {ms(p['search'])} "
        f"| {ms(p['search_embedding'])} | {ms(p['ask'])} | {ms(h['search'])} "
        f"| {ms(h['search_embedding'])} | {ms(h['ask'])} "
        f"| {memory['VmHWM']:,.0f} ({memory['RssAnon']:,.0f} anon + {memory['RssFile']:,.0f} file)"
        f" | {h['after_start']['VmRSS']:,.0f} | {p['chunks_mb']:,.0f} | {note} |"
    ]


HEADER = (
    "| passages | sentences | FAISS passages / sentences | build s | disk MB | load s "
    "| search p50 / p95 ms | search + embedding | ask | HTTP search | HTTP search + embedding "
    "| HTTP ask | server VmHWM MB after queries | server RSS MB at start | Chunk objects MB "
    "| note |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
)


def extrapolated(size: int, measured: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Memory as the line through the two largest measured sizes (what the model and libraries
    take does not grow), disk and BM25 build linear, the write n log n (HNSW); latency is the
    largest measured size's."""
    sizes = sorted(measured)
    large = sizes[-1]
    small = sizes[-2] if len(sizes) > 1 else None
    scale = size / large
    result = json.loads(json.dumps(measured[large]))
    for key in ("bm25_s", "disk_mb", "texts_s", "vectors_s"):
        result["build"][key] *= scale
    write = scale * math.log(size) / math.log(large)
    result["build"]["write_s"] *= write
    result["build"]["build_s"] = sum(
        result["build"][k] for k in ("texts_s", "bm25_s", "vectors_s", "write_s")
    )
    result["build"]["sentences"] = round(measured[large]["build"]["sentences"] * scale)
    result["in_process"]["load_s"] *= scale
    result["in_process"]["chunks_mb"] *= scale
    for step, part in (
        ("http", "after_queries"),
        ("http", "after_start"),
        ("in_process", "after_queries"),
    ):
        status = result[step][part]
        for key in status:
            if small is None:
                status[key] *= scale
                continue
            low = measured[small][step][part][key]
            slope = (status[key] - low) / (large - small)
            status[key] = status[key] + slope * (size - large)
    result["note"] = (
        f"**extrapolated**: memory on the line through {small or 0:,} and {large:,}, disk and "
        f"BM25 ×{scale:.0f}, write n log n; latency = the {large:,} figures, not measured"
    )
    return result


def goal_rows(results: dict[int, dict[str, Any]]) -> str:
    result = results.get(GOAL_SIZE)
    if result is None or "extrapolated" in result.get("note", ""):
        return f"The {GOAL_SIZE:,}-passage goal was not measured in this run."
    p, h = result["in_process"], result["http"]
    met = {True: "**met**", False: "**not met**"}
    rows = [
        f"| goal (issue 8) at {GOAL_SIZE:,} passages | target | measured | |",
        "|---|---:|---:|---|",
    ]
    for label, p95 in (
        ("search p95, in-process (`HybridRetriever.search`)", p["search"]["p95"]),
        ("search p95, in-process, with query embedding", p["search_embedding"]["p95"]),
        ("search p95, HTTP `/api/search`", h["search"]["p95"]),
        ("search p95, HTTP `/api/search`, with query embedding", h["search_embedding"]["p95"]),
    ):
        rows.append(
            f"| {label} | ≤ {GOAL_P95_MS:.0f} ms | {p95:.1f} ms | {met[p95 <= GOAL_P95_MS]} |"
        )
    queries = h["search"]["n"] + h["search_embedding"]["n"] + h["ask"]["n"]
    for label, memory in (
        (f"server memory, `vraagbaak serve` VmHWM after {queries:,} requests", h["after_queries"]),
        ("in-process memory, VmHWM after the in-process queries", p["after_queries"]),
    ):
        peak = memory["VmHWM"]
        rows.append(
            f"| {label} | ≤ {GOAL_MEMORY_MB:,.0f} MB | {peak:,.0f} MB "
            f"| {met[peak <= GOAL_MEMORY_MB]} |"
        )
    return "\n".join(rows)


def approximate_table(real: dict[str, Any] | None) -> str:
    if not real:
        return "(not run: `--approximate-real`)"
    lines = [
        f"Real index: {real['passages']:,} passages, {real['sentences']:,} sentences.",
        "",
        "| metric | exact path | large-index path (threshold 0) | change |",
        "|---|---:|---:|---:|",
    ]
    for key in (
        "recall_at_1",
        "recall_at_5",
        "recall_at_10",
        "mrr_at_10",
        "citation_hit",
        "fact_coverage",
        "refusal_rate_unanswerable",
        "false_refusal_rate",
        "retrieval_latency_p50_ms",
    ):
        a, b = real["exact"].get(key), real["approximate"].get(key)
        if a is not None and b is not None:
            lines.append(f"| {key} | {a:.3f} | {b:.3f} | {b - a:+.3f} |")
    return "\n".join(lines)


def section(results: dict[int, dict[str, Any]], real: dict[str, Any] | None, info: str) -> str:
    table = "\n".join(
        [HEADER, *(r for size in sorted(results) for r in rows_for(size, results[size]))]
    )
    return SECTION.format(
        info=info, table=table, goals=goal_rows(results), approximate=approximate_table(real)
    )


SECTION = """## End to end: the service on a synthetic index

Generated by `python benchmarks/scale_e2e.py` on {info}.
Each size is a synthetic index built through `ingest.index.write_index` (passages from
`benchmarks/synthetic.py` in documents of 100, perturbed real e5 vectors, BM25 through
`LexicalIndex`), then loaded by `service.engine.Engine` in a fresh process and served by
`vraagbaak serve` in another. Queries are the gold questions, one at a time. *search* is
`HybridRetriever.search(k=5)` with the query vector cached (the retrieval itself); *+ embedding*
is the first pass, which embeds each question with e5; *ask* is `ExtractiveAnswerer.answer`
(HTTP: `/api/ask`). CPU ms (p95, in-process) in brackets: the machine was shared, so wall time
is noisy. Memory is the server's `VmHWM` (peak RSS) from `/proc` after all HTTP queries,
split into anonymous memory and memory-mapped file pages (the vector matrices, read row by
row; the kernel may drop those pages under pressure). *Chunk objects* is the deep size of the
Python `Chunk` list (texts, ids, sentence spans).

{table}

{goals}

### The large-index path on the real corpus

The real index rewritten with `IndexParams.exact_max_vectors=0`
— HNSW over passages, IVF-SQ8 over sentences, candidate scoring — against the exact path,
with `vraagbaak eval run` (232 gold questions):

{approximate}
"""


def update_doc(path: Path, text: str) -> None:
    current = path.read_text("utf-8") if path.exists() else ""
    block = f"{START}\n{text.rstrip()}\n{END}"
    if START in current and END in current:
        before, rest = current.split(START, 1)
        after = rest.split(END, 1)[1]
        updated = before + block + after
    else:
        marker = "## Where one machine stops"
        updated = (
            current.replace(marker, block + "\n\n" + marker, 1)
            if marker in current
            else current + "\n" + block + "\n"
        )
    path.write_text(updated, "utf-8")
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step", nargs="?", default="all", choices=["all", "build", "measure"])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--extrapolate", default="1000000", help="sizes to extrapolate to")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--budget", type=float, default=900.0, help="seconds per stage")
    parser.add_argument("--data-dir", type=Path, help="(steps) the synthetic data dir")
    parser.add_argument("--size", type=int, default=0, help="(build step)")
    parser.add_argument("--work", type=Path, help="where synthetic indexes go (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic indexes")
    parser.add_argument("--approximate-real", action="store_true")
    parser.add_argument("--real-data-dir", type=Path, default=ROOT / ".vraagbaak")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "scaling.md")
    parser.add_argument("--no-doc", action="store_true", help="print only")
    parser.add_argument(
        "--from-results", type=Path, help="write the doc from a results.json of an earlier run"
    )
    args = parser.parse_args()
    if args.step == "build":
        print(json.dumps(build(args.size, args.data_dir)))
        return
    if args.step == "measure":
        print(json.dumps(in_process(args.data_dir, args.queries)))
        return

    if args.from_results:
        saved = json.loads(args.from_results.read_text("utf-8"))
        sizes = {
            int(size): result
            for size, result in saved["sizes"].items()
            if "extrapolated" not in result.get("note", "")
        }
        measured = dict(sizes)
        for size in sorted(int(s) for s in args.extrapolate.split(",") if s):
            if size > max(measured):
                sizes[size] = extrapolated(size, measured)
        update_doc(args.out, section(sizes, saved["real"], saved["info"]))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="vraagbaak-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict[int, dict[str, Any]] = {}
    for size in sorted(int(s.replace("_", "")) for s in args.sizes.split(",")):
        data_dir = work / f"n{size}"
        shutil.rmtree(data_dir, ignore_errors=True)
        print(f"--- {size:,} passages: building in {data_dir}", flush=True)
        built = child(
            "build", "--size", str(size), "--data-dir", str(data_dir), timeout=3 * args.budget
        )
        print(json.dumps(built), flush=True)
        measured = child(
            "measure",
            "--data-dir",
            str(data_dir),
            "--queries",
            str(args.queries),
            timeout=args.budget,
        )
        print(json.dumps(measured), flush=True)
        served = over_http(data_dir, args.queries, work / f"serve-{size}.log")
        print(json.dumps(served), flush=True)
        results[size] = {"build": built, "in_process": measured, "http": served}
        print("\n".join([HEADER, *rows_for(size, results[size])]), flush=True)
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    if results:
        measured = dict(results)
        for size in sorted(int(s) for s in args.extrapolate.split(",") if s):
            if size > max(measured):
                results[size] = extrapolated(size, measured)
    real = approximate_real(args.real_data_dir, work) if args.approximate_real else None
    info = f"{time.strftime('%Y-%m-%d %H:%M')}; {machine()}"
    saved = {"sizes": results, "real": real, "info": info}
    (work / "results.json").write_text(json.dumps(saved, indent=1))
    text = section(results, real, info)
    print(text)
    if not args.no_doc:
        update_doc(args.out, text)
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
