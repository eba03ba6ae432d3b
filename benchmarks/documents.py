"""Document management figures (issue 21): upload through the API against `vraagbaak ingest`,
progress spacing, /api/ask during the upload, and page-image render times.

    python benchmarks/documents.py [--corpus corpus] [--data-dir D] [--pdfs DIR] [--renders 200]

1. Upload vs CLI. Both start from the same state: an index of a one-file seed corpus (with the
   embedding cache of ``--data-dir`` when given, so texts it has seen are not embedded again).
   CLI: the corpus's documents are copied into the seed corpus and ``vraagbaak ingest`` runs.
   Upload: ``vraagbaak serve`` runs on another copy; the documents are POSTed to
   /api/documents in one request and the job is followed on its event stream until ``done``.
   Two clients ask questions through /api/ask all the while: every non-200 is a failure.
2. Render: every page of every PDF in ``--pdfs`` (default: corpus B's documents) is indexed
   with the fake embedder (rendering does not depend on it) and ``--renders`` page images are
   requested for passages' sentences, through the app in-process; p50, p95 and max are printed.

Prints the figures; exits 1 when an /api/ask request failed during the upload.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.fakes: the fake embedder for the render index
SUPPORTED = {".pdf", ".docx", ".md", ".txt"}
SEED = "Seed\n\nDit document is er alleen zodat de service een index heeft om te starten.\n"
QUESTIONS = [
    "Wie heeft de regie als SAVE betrokken is?",
    "Hoe lang is de wachttijd voor specialistische hulp?",
    "What does the buurtteam do?",
    "Welke aanbevelingen doet het rapport?",
]


def vraagbaak(*args: str) -> list[str]:
    return [sys.executable, "-m", "vraagbaak.cli", *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed_state(root: Path, corpus: Path, cache_from: Path | None) -> Path:
    """A data dir + corpus folder holding only the seed document (and corpus metadata)."""
    seed = root / "seed"
    (seed / "corpus").mkdir(parents=True)
    (seed / "corpus" / "seed.txt").write_text(SEED, "utf-8")
    for extra in ("catalog.yaml", "glossary.yaml"):
        if (corpus / extra).exists():
            shutil.copy(corpus / extra, seed / "corpus" / extra)
    if cache_from is not None and (cache_from / "cache").is_dir():
        shutil.copytree(cache_from / "cache", seed / "data" / "cache")
    subprocess.run(
        vraagbaak("ingest", "--corpus", str(seed / "corpus"), "--data-dir", str(seed / "data")),
        check=True,
        capture_output=True,
    )
    return seed


def copy_state(seed: Path, target: Path) -> Path:
    shutil.copytree(seed, target, symlinks=True)
    return target


def cli_ingest(state: Path, documents: list[Path]) -> float:
    for document in documents:
        shutil.copy(document, state / "corpus" / document.name)
    started = time.perf_counter()
    subprocess.run(
        vraagbaak("ingest", "--corpus", str(state / "corpus"), "--data-dir", str(state / "data")),
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def asker(url: str, stop: threading.Event, counts: dict[str, int]) -> None:
    with httpx.Client(timeout=60) as client:
        while not stop.is_set():
            question = random.choice(QUESTIONS)
            try:
                ok = client.post(url + "/api/ask", json={"question": question}).status_code == 200
            except httpx.HTTPError:
                ok = False
            counts["ok" if ok else "failed"] += 1


def upload(state: Path, documents: list[Path]) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (state / "serve.log").open("wb")
    server = subprocess.Popen(
        vraagbaak(
            "serve",
            "--port",
            str(port),
            "--corpus",
            str(state / "corpus"),
            "--data-dir",
            str(state / "data"),
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ)
        | {"VRAAGBAAK_RATE_LIMIT_PER_MINUTE": "1000000", "VRAAGBAAK_RATE_LIMIT_BURST": "100000"},
    )
    try:
        for _ in range(1200):
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        counts = {"ok": 0, "failed": 0}
        stop = threading.Event()
        askers = [threading.Thread(target=asker, args=(url, stop, counts)) for _ in range(2)]
        for thread in askers:
            thread.start()
        files = [("files", (d.name, d.read_bytes())) for d in documents]
        started = time.perf_counter()
        job = httpx.post(url + "/api/documents", files=files, timeout=600).json()["job"]
        gaps, last, final = [], time.perf_counter(), None
        with httpx.stream("GET", f"{url}/api/ingest/jobs/{job}/events", timeout=None) as events:
            for line in events.iter_lines():
                if line.startswith("data: "):
                    now = time.perf_counter()
                    gaps.append(now - last)
                    last = now
                    final = json.loads(line[6:])
        seconds = time.perf_counter() - started
        stop.set()
        for thread in askers:
            thread.join()
        return {
            "seconds": seconds,
            "max_gap": max(gaps),
            "events": len(gaps),
            "job": final,
            "asks": counts,
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def render_times(pdfs: list[Path], renders: int, root: Path) -> list[float]:
    from fastapi.testclient import TestClient

    from ingest.pipeline import ingest
    from service.api.app import create_app
    from service.engine import Engine
    from tests.fakes import HashingEmbedder
    from vraagbaak.settings import Settings

    corpus = root / "render-corpus"
    corpus.mkdir()
    for pdf in pdfs:
        shutil.copy(pdf, corpus / pdf.name)
    embedder = HashingEmbedder()
    settings = Settings(
        corpus_dir=corpus,
        data_dir=root / "render-data",
        embedder=embedder.name,
        rate_limit_per_minute=10**6,
        rate_limit_burst=10**6,
    )
    ingest([corpus], settings.index_dir, embedder)
    engine = Engine.load(settings, embedder=embedder)
    chunks = [c for c in engine.index.chunks if c.page is not None and c.sentences]
    rng = random.Random(21)
    times = []
    with TestClient(create_app(settings, engine=engine)) as client:
        for _ in range(renders):
            chunk = rng.choice(chunks)
            start, end = rng.choice(chunk.sentences)
            page = rng.randint(chunk.page or 1, chunk.page_end or chunk.page or 1)
            began = time.perf_counter()
            response = client.get(
                f"/api/documents/{chunk.doc_id}/pages/{page}.png",
                params={"chunk": chunk.id, "start": start, "end": end},
            )
            times.append(time.perf_counter() - began)
            response.raise_for_status()
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="a data dir whose embedding cache both runs start with",
    )
    parser.add_argument("--pdfs", type=Path, default=ROOT / "evals" / "corpora" / "b" / "docs")
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--skip-upload", action="store_true")
    args = parser.parse_args()

    failed = False
    with tempfile.TemporaryDirectory(prefix="vraagbaak-documents-") as tmp:
        root = Path(tmp)
        if not args.skip_upload:
            documents = sorted(p for p in args.corpus.iterdir() if p.suffix.lower() in SUPPORTED)
            seed = seed_state(root, args.corpus, args.data_dir)
            cli = cli_ingest(copy_state(seed, root / "cli"), documents)
            page = upload(copy_state(seed, root / "page"), documents)
            print(f"documents: {len(documents)} from {args.corpus}")
            print(f"vraagbaak ingest:        {cli:7.1f} s")
            print(
                f"upload through the API:  {page['seconds']:7.1f} s "
                f"({page['seconds'] / cli:.2f}× the CLI; target ≤ 1.10×)"
            )
            print(
                f"progress events: {page['events']}, largest gap {page['max_gap']:.2f} s "
                "(target ≤ 2 s)"
            )
            print(
                f"job: {page['job']['state']}, "
                + ", ".join(f"{d['name']}: {d['status']}" for d in page["job"]["documents"])
            )
            print(
                f"/api/ask during the upload: {page['asks']['ok']} answered, "
                f"{page['asks']['failed']} failed (target 0)"
            )
            failed = page["asks"]["failed"] > 0
        fixture = ROOT / "tests" / "fixtures" / "parkeerverordening-heerlen-2025.pdf"
        pdfs = sorted(args.pdfs.glob("*.pdf")) or [fixture]
        times = render_times(pdfs, args.renders, root)
        print(
            f"page images ({len(times)} from {len(pdfs)} PDFs): "
            f"p50 {statistics.median(times) * 1000:.0f} ms, "
            f"p95 {percentile(times, 0.95) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
            "(target p95 < 300 ms)"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
