"""Sentence vectors pooled from their passage's forward pass ("late chunking")."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ingest.embedders import CachedEmbedder, EmbeddingCache, LazyEmbedder, can_embed_spans
from ingest.index import IndexParams, load_index
from ingest.pipeline import ingest
from tests.fakes import HashingEmbedder


class SpanHashingEmbedder(HashingEmbedder):
    """The hashing fake, plus spans: a span's vector is the hashing vector of its text."""

    def __init__(self) -> None:
        super().__init__(name="span-hashing-test")
        self.span_calls: list[int] = []

    def embed_passages_and_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        self.span_calls.append(len(texts))
        return self.embed_batch(texts, "passage"), [
            self.embed_batch([t[s:e] for s, e in sp], "passage")
            for t, sp in zip(texts, spans, strict=True)
        ]


def test_only_an_embedder_that_pools_spans_is_asked_to() -> None:
    assert can_embed_spans(SpanHashingEmbedder())
    assert not can_embed_spans(HashingEmbedder())
    wrapped = LazyEmbedder("x", lambda: SpanHashingEmbedder())
    assert can_embed_spans(wrapped)


def test_cached_spans_are_not_computed_again(tmp_path: Path) -> None:
    inner = SpanHashingEmbedder()
    cached = CachedEmbedder(inner, EmbeddingCache(tmp_path / "cache.sqlite"))
    texts = ["Titel\nEen zin. Nog een zin.", "Andere tekst hier."]
    spans = [[(6, 14), (15, 27)], [(0, 18)]]
    passages, pooled = cached.embed_passages_and_spans(texts, spans)
    assert passages.shape == (2, inner.dimension) and [p.shape[0] for p in pooled] == [2, 1]
    assert np.allclose(pooled[0][0], inner.embed_batch(["Een zin."], "passage")[0])
    again = CachedEmbedder(inner, EmbeddingCache(tmp_path / "cache.sqlite"))
    passages2, pooled2 = again.embed_passages_and_spans(texts, spans)
    assert inner.span_calls == [2]
    assert np.allclose(passages, passages2) and np.allclose(pooled[0], pooled2[0])
    # another span of a known passage: that passage runs again, the other does not
    again.embed_passages_and_spans(texts, [[(0, 5)], [(0, 18)]])
    assert inner.span_calls == [2, 1]


def test_ingest_pools_each_sentence_from_its_passage(tmp_path: Path, small_corpus: Path) -> None:
    embedder = SpanHashingEmbedder()
    late = IndexParams(sentence_vectors="late")
    ingest([small_corpus], tmp_path / "late", embedder, late)
    index = load_index(tmp_path / "late")
    assert embedder.span_calls, "the sentences came from the passages' pass"
    assert index.manifest.params.sentence_vectors == "late"
    assert len(index.sentence_vectors) == len(index.sentence_owner) > 0
    for row, (chunk_row, n) in enumerate(index.sentence_owner.tolist()[:20]):
        chunk = index.chunks[chunk_row]
        expected = embedder.embed_batch([chunk.text[slice(*chunk.sentences[n])]], "passage")[0]
        assert np.allclose(index.sentence_vectors[row], expected, atol=1e-6)
    # an embedder that cannot pool spans embeds the sentences on their own
    plain = HashingEmbedder(name="span-hashing-test")
    ingest([small_corpus], tmp_path / "plain", plain, late)
    assert np.allclose(load_index(tmp_path / "plain").sentence_vectors, index.sentence_vectors)
