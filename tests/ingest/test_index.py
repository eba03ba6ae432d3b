"""ingest.index: a build keeps its index types through write and load; vectors are mapped."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from ingest.index import IndexParams, load_index
from ingest.pipeline import ingest
from tests.fakes import HashingEmbedder


def test_small_builds_are_exact_and_forced_ones_approximate(
    small_corpus: Path, tmp_path: Path
) -> None:
    embedder = HashingEmbedder()
    ingest([small_corpus], tmp_path / "exact", embedder)
    exact = load_index(tmp_path / "exact", embedder.name)
    assert isinstance(exact.dense, faiss.IndexFlatIP)
    assert exact.sentence_index is None

    ingest([small_corpus], tmp_path / "forced", embedder, IndexParams(exact_max_vectors=0))
    forced = load_index(tmp_path / "forced", embedder.name)
    assert forced.manifest.params.exact_max_vectors == 0
    assert isinstance(forced.dense, faiss.IndexHNSWFlat)
    assert isinstance(forced.sentence_index, faiss.IndexIVFScalarQuantizer)
    assert forced.sentence_index.ntotal == len(forced.sentence_vectors)
    np.testing.assert_array_equal(forced.sentence_vectors, exact.sentence_vectors)


def test_vectors_are_memory_mapped_and_texts_read_on_demand(small_settings) -> None:  # type: ignore[no-untyped-def]
    index = load_index(small_settings.index_dir)
    assert isinstance(index.sentence_vectors, np.memmap)
    assert isinstance(index.passage_vectors, np.memmap)
    assert set(index.clean_texts) == set(index.documents)
    doc_id = index.chunks[0].doc_id
    assert index.clean_texts[doc_id] == (index.path / "texts" / f"{doc_id}.txt").read_text()
    rows = index.sentence_rows_of(0)
    vector = index.passage_vectors[0]
    np.testing.assert_allclose(
        index.sentence_cosines(rows, vector), index.sentence_vectors[rows] @ vector, rtol=1e-6
    )


def test_rows_stay_readable_after_the_build_is_removed(small_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A server still on a build that two later ingests removed keeps answering from it."""
    import shutil

    copy = tmp_path / "index"
    shutil.copytree(small_settings.index_dir, copy, symlinks=True)
    index = load_index(copy)
    rows = index.sentence_rows_of(0)
    vector = index.passage_vectors[0]
    before = index.sentence_cosines(rows, vector)
    shutil.rmtree(index.path)
    np.testing.assert_array_equal(index.sentence_cosines(rows, vector), before)
