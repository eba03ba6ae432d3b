"""Ingest benchmark: cold ingest of the corpus, re-ingest with nothing changed, index size.

    python benchmarks/ingest_speed.py [--corpus corpus] [--embedder e5-small-q4]

Prints a table; nothing is asserted. Cold means an empty data dir and an empty embedding cache.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ingest.pipeline import ingest
from service.engine import open_embedder
from vraagbaak.settings import Settings


def directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--embedder", default="e5-small-q4")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(corpus_dir=args.corpus, data_dir=Path(data_dir), embedder=args.embedder)
        started = time.perf_counter()
        embedder = open_embedder(settings)
        assert embedder.dimension  # loads the model now, so the ingest figures exclude it
        load_seconds = time.perf_counter() - started
        cold = ingest([args.corpus], settings.index_dir, embedder)
        warm = ingest([args.corpus], settings.index_dir, embedder)
        chars = sum(
            len(t) for t in [p.read_text("utf-8", "ignore") for p in args.corpus.glob("*.txt")]
        )
        build = (settings.index_dir / "current").resolve()
        rows = [
            ("embedder", settings.embedder),
            ("model load (s)", f"{load_seconds:.2f}"),
            ("documents", str(cold.documents)),
            ("passages", str(cold.passages)),
            ("sentences", str(cold.sentences)),
            ("cold ingest (s)", f"{cold.seconds:.1f}"),
            ("passages/s (cold)", f"{cold.passages / cold.seconds:.1f}"),
            ("texts embedded/s (cold)", f"{(cold.passages + cold.sentences) / cold.seconds:.1f}"),
            ("corpus chars/s (cold)", f"{chars / cold.seconds:,.0f}"),
            ("re-ingest, nothing changed (s)", f"{warm.seconds:.2f}"),
            ("index size (MB)", f"{directory_size(build) / 1e6:.1f}"),
            ("embedding cache (MB)", f"{directory_size(settings.cache_dir) / 1e6:.1f}"),
        ]
    width = max(len(k) for k, _ in rows)
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for key, value in rows:
        print(f"| {key.ljust(width)} | {value} |")


if __name__ == "__main__":
    main()
