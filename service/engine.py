"""The loaded state every front end shares: embedder, index and the retriever over them.

Loading is explicit (``Engine.load``), never at import time. ``refresh`` picks up a new index
build after a re-ingest and swaps it in whole, so no request sees half an index.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ingest.embedders import (
    CachedEmbedder,
    Embedder,
    EmbeddingCache,
    LazyEmbedder,
    load_embedder,
)
from ingest.index import Index, current_build, load_index
from service.profile import Profile, load_profile
from service.retrieval import HybridRetriever, RetrievalConfig
from vraagbaak.settings import Settings

logger = logging.getLogger(__name__)


def open_embedder(settings: Settings) -> Embedder:
    """The configured embedder for ingest: cached by text hash, loaded on first use."""
    name = settings.embedder

    def load() -> Embedder:
        cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite")
        return CachedEmbedder(load_embedder(name, settings.cache_dir, settings.e5_engine), cache)

    return LazyEmbedder(name, load)


@dataclass
class Engine:
    settings: Settings
    embedder: Embedder
    retriever: HybridRetriever
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        config: RetrievalConfig | None = None,
    ) -> Engine:
        embedder = embedder or load_embedder(
            settings.embedder, settings.cache_dir, settings.e5_engine
        )
        index = load_index(settings.index_dir, embedder.name)
        retriever = _retriever(index, embedder, Path(settings.corpus_dir), config)
        logger.info(
            "Loaded index %s: %d documents, %d passages, embedder %s, %s",
            index.build_id,
            len(index.documents),
            len(index.chunks),
            embedder.name,
            retriever.profile.summary() if retriever.profile else "",
        )
        return cls(settings, embedder, retriever)

    @property
    def index(self) -> Index:
        return self.retriever.index

    @property
    def profile(self) -> Profile:
        """The corpus profile the current build was made (or calibrated) with."""
        return self.retriever.profile or Profile.default()

    def refresh(self) -> bool:
        """Swap in a newer index build if one became current; True when it did."""
        build = current_build(self.settings.index_dir)
        if build is None or build == self.index.path:
            return False
        with self._lock:
            if build == self.index.path:
                return False
            index = load_index(self.settings.index_dir, self.embedder.name)
            self.retriever = _retriever(index, self.embedder, Path(self.settings.corpus_dir))
        logger.info("Switched to index build %s", index.build_id)
        return True


def _retriever(
    index: Index, embedder: Embedder, corpus_dir: Path, config: RetrievalConfig | None = None
) -> HybridRetriever:
    """The retriever over ``index`` with the profile of its build (``config``: an experiment's
    fusion settings instead of the profile's)."""
    profile = load_profile(index.path, corpus_dir)
    return HybridRetriever(
        index, embedder, profile.glossary, config or profile.retrieval, profile=profile
    )
