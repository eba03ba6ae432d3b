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
from service.glossary import Glossary
from service.retrieval import HybridRetriever, RetrievalConfig
from vraagbaak.settings import Settings

logger = logging.getLogger(__name__)


def open_embedder(settings: Settings) -> Embedder:
    """The configured embedder for ingest: cached by text hash, loaded on first use."""
    name = settings.embedder

    def load() -> Embedder:
        cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite")
        return CachedEmbedder(load_embedder(name, settings.cache_dir), cache)

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
        embedder = embedder or load_embedder(settings.embedder, settings.cache_dir)
        index = load_index(settings.index_dir, embedder.name)
        glossary = Glossary.load(Path(settings.corpus_dir))
        retriever = HybridRetriever(index, embedder, glossary, config)
        logger.info(
            "Loaded index %s: %d documents, %d passages, embedder %s",
            index.build_id,
            len(index.documents),
            len(index.chunks),
            embedder.name,
        )
        return cls(settings, embedder, retriever)

    @property
    def index(self) -> Index:
        return self.retriever.index

    def refresh(self) -> bool:
        """Swap in a newer index build if one became current; True when it did."""
        build = current_build(self.settings.index_dir)
        if build is None or build == self.index.path:
            return False
        with self._lock:
            if build == self.index.path:
                return False
            index = load_index(self.settings.index_dir, self.embedder.name)
            self.retriever = HybridRetriever(
                index, self.embedder, self.retriever.glossary, self.retriever.config
            )
        logger.info("Switched to index build %s", index.build_id)
        return True
