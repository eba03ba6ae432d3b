"""Ingest counts documents, passages and embeddings as it goes, and says so in one line."""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import ingest
from ingest.progress import IngestProgress
from tests.conftest import write_small_corpus
from tests.fakes import HashingEmbedder


def test_ingest_counts_what_it_has_done(tmp_path: Path) -> None:
    corpus = write_small_corpus(tmp_path / "corpus")
    seen: list[tuple[int, int, int]] = []
    counts = IngestProgress(lambda p: seen.append((p.documents, p.passages, p.embedded)))
    report = ingest([corpus], tmp_path / "index", HashingEmbedder(), counts=counts)
    assert counts.documents == counts.documents_total == 2
    assert counts.passages == report.passages
    assert counts.embedded == counts.to_embed == report.passages + report.sentences
    assert seen == sorted(seen)  # only ever forward
    assert len({e for _, _, e in seen}) > 2  # embeddings reported batch by batch
    line = counts.line()
    assert line.startswith(f"documents 2/2, passages {report.passages}, embeddings ")
    assert f"{counts.embedded}/{counts.to_embed} (" in line


def test_the_line_before_embedding() -> None:
    counts = IngestProgress()
    counts.expect(documents=5)
    counts.add(documents=1, passages=40)
    assert counts.line().startswith("documents 1/5 (")
    assert ", passages 40, embeddings not started, " in counts.line()
