"""Hybrid search: dense passages and sentences (FAISS / e5) fused with Dutch BM25.

Small indexes score every passage and every sentence exactly. Large ones ask approximate
indexes for candidates — the passage index (HNSW) for the best ``candidates`` passages, the
sentence index (IVF-SQ8) for the best ``sentence_candidates`` sentences — and give every other
passage the lowest candidate score on that side; BM25 scores every passage (cheap, sparse).
Weighted fusion min-max-normalises each side between its best and its ``candidates``-th best
score and clips below, so a passage that is no candidate on a side scores 0 there, as it would
with exact scores: fusing over all passages is fusing over the union of the candidates.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import faiss
import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ingest.dense import search_dense
from ingest.embedders import Embedder, embed_query
from ingest.index import Index
from ingest.language import detect_language
from ingest.model import Chunk, DocumentInfo
from service.glossary import Glossary
from service.security.token_window import heavy_lane

if TYPE_CHECKING:
    from service.profile import Profile

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FusionWeights:
    dense: float
    sentence: float
    lexical: float


@dataclass(frozen=True)
class RetrievalConfig:
    """Fusion settings. What a deployment uses comes from its corpus profile (service/profile.py,
    the default in service/profiles/default.json); these defaults equal the default profile's.

    Weights depend on the question's language: Dutch questions share the documents' words, so
    BM25 leads; English ones reach the Dutch text mainly through the multilingual vectors.
    """

    fusion: Literal["weighted", "rrf"] = "weighted"
    dutch: FusionWeights = FusionWeights(dense=0.30, sentence=0.10, lexical=0.60)
    english: FusionWeights = FusionWeights(dense=0.45, sentence=0.40, lexical=0.15)
    candidates: int = 200
    sentence_candidates: int = 800  # sentences the sentence index proposes (large indexes)
    rrf_k: int = 60
    expand_english: bool = True  # add Dutch glossary terms to English questions

    def weights(self, language: str) -> FusionWeights:
        return self.english if language == "en" else self.dutch


@dataclass(frozen=True)
class SearchHit:
    chunk: Chunk
    document: DocumentInfo
    score: float
    dense: float
    sentence: float
    lexical: float

    def to_json(self) -> dict[str, object]:
        return {
            "chunk_id": self.chunk.id,
            "text": self.chunk.text,
            "score": round(self.score, 4),
            "source": self.document.source,
            "doc_id": self.document.doc_id,
            "title": self.document.title,
            "section": self.chunk.section or None,
            "page": self.chunk.page,
            "page_end": self.chunk.page_end,
            "start": self.chunk.start,
            "end": self.chunk.end,
        }


class SentenceCosines:
    """Cosine of the query with any sentence, by sentence row: looked up in ``every`` (all
    sentences, small indexes) or computed exactly when asked for (large indexes)."""

    def __init__(self, index: Index, vector: np.ndarray, every: np.ndarray | None = None) -> None:
        self._index = index
        self._vector = vector
        self._every = every

    def __getitem__(self, row: int) -> float:
        return float(self.of(np.array([row]))[0])

    def of(self, rows: np.ndarray) -> np.ndarray:
        """The cosines of several sentences at once (one read for a large index)."""
        if self._every is not None:
            return np.asarray(self._every[rows])
        return self._index.sentence_cosines(rows, self._vector)

    def __len__(self) -> int:
        return len(self._index.sentence_owner)


@dataclass(frozen=True)
class QueryScores:
    """Per-passage scores for one query, before fusion (the answerer reuses them)."""

    query_vector: np.ndarray
    dense: np.ndarray  # (passages,) cosine
    sentence: np.ndarray  # (passages,) best sentence cosine in each passage
    sentence_all: SentenceCosines  # cosine of any sentence, by sentence row
    lexical: np.ndarray  # (passages,) BM25
    language: str = "nl"
    expanded: str = ""  # the query as searched (English: with its Dutch glossary terms)


class HybridRetriever:
    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        glossary: Glossary | None = None,
        config: RetrievalConfig | None = None,
        query_cache_size: int = 1024,
        profile: Profile | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.glossary = glossary or Glossary({})
        self.config = config or RetrievalConfig()
        self.profile = profile  # what the answerer takes its settings from (None: the default)
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = query_cache_size
        self._lock = threading.Lock()

    def query_vector(self, query: str) -> np.ndarray:
        """Embed ``query``, remembering recent ones: practitioners repeat questions."""
        with self._lock:
            cached = self._query_cache.get(query)
            if cached is not None:
                self._query_cache.move_to_end(query)
                return cached
        with heavy_lane(query):  # long questions are embedded one at a time
            vector = embed_query(self.embedder, query)
        with self._lock:
            self._query_cache[query] = vector
            if len(self._query_cache) > self._cache_size:
                self._query_cache.popitem(last=False)
        return vector

    def expanded_query(self, query: str, language: str) -> str:
        """English questions get the Dutch glossary terms of their English words."""
        if self.config.expand_english and language == "en":
            return self.glossary.expand(query)
        return query

    def scores(self, query: str) -> QueryScores:
        index = self.index
        language = detect_language(query)
        expanded = self.expanded_query(query, language)
        vector = self.query_vector(expanded)
        dense = self.dense_scores(vector)
        if index.sentence_index is None:
            every = (
                np.asarray(index.sentence_vectors @ vector)
                if len(index.sentence_vectors)
                else np.zeros(0, dtype=np.float32)
            )
            sentence = index.best_sentence_per_chunk(every, fallback=dense)
            sentence_all = SentenceCosines(index, vector, every)
        else:
            sentence = self.sentence_scores(vector, fallback=dense)
            sentence_all = SentenceCosines(index, vector)
        lexical = index.lexical.scores(expanded)
        return QueryScores(vector, dense, sentence, sentence_all, lexical, language, expanded)

    def sentence_scores(self, vector: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        """Best sentence cosine per passage through the sentence index: the passages owning the
        best ``sentence_candidates`` sentences get their best one, every other passage the
        lowest score found (``fallback`` for passages without sentences)."""
        index = self.index
        assert index.sentence_index is not None
        found, rows = search_dense(index.sentence_index, vector, self.config.sentence_candidates)
        best = np.full(len(index.chunks), found.min() if len(found) else 0.0, dtype=np.float32)
        np.maximum.at(best, index.sentence_owner[rows, 0], found)
        without = index.sentence_end == index.sentence_start
        best[without] = fallback[without]
        return best

    def dense_scores(self, vector: np.ndarray) -> np.ndarray:
        """Cosine of every passage through the FAISS index: exact while small, HNSW when large
        (then only the best ``candidates`` are scored; the rest get the lowest score seen)."""
        index = self.index.dense
        n = index.ntotal
        k = n if isinstance(index, faiss.IndexFlat) else min(n, self.config.candidates)
        found, rows = search_dense(index, vector, k)
        dense = np.full(n, found.min() if len(found) else 0.0, dtype=np.float32)
        dense[rows] = found
        return dense

    def fuse(self, scores: QueryScores) -> np.ndarray:
        config = self.config
        weights = config.weights(scores.language)
        n = len(scores.dense)
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        if config.fusion == "rrf":
            fused = np.zeros(n, dtype=np.float64)
            for weight, values in (
                (weights.dense, scores.dense),
                (weights.sentence, scores.sentence),
                (weights.lexical, scores.lexical),
            ):
                ranks = np.empty(n)
                ranks[np.argsort(-values, kind="stable")] = np.arange(1, n + 1)
                fused += weight / (config.rrf_k + ranks)
            return fused.astype(np.float32)
        return (
            weights.dense * _minmax_top(scores.dense, config.candidates)
            + weights.sentence * _minmax_top(scores.sentence, config.candidates)
            + weights.lexical * _max_normalised(scores.lexical)
        ).astype(np.float32)

    def search(self, query: str, k: int = 5) -> list[SearchHit]:
        query = query.strip()
        if not query or not self.index.chunks:
            return []
        scores = self.scores(query)
        return self.hits(scores, self.fuse(scores), k)

    def hits(self, scores: QueryScores, fused: np.ndarray, k: int) -> list[SearchHit]:
        k = min(k, len(fused))
        best = np.argpartition(-fused, k - 1)[:k]
        best = best[np.argsort(-fused[best], kind="stable")]
        chunks, documents = self.index.chunks, self.index.documents
        return [
            SearchHit(
                chunk=chunks[row],
                document=documents[chunks[row].doc_id],
                score=float(fused[row]),
                dense=float(scores.dense[row]),
                sentence=float(scores.sentence[row]),
                lexical=float(scores.lexical[row]),
            )
            for row in best
        ]


def _minmax_top(values: np.ndarray, top: int) -> np.ndarray:
    """Scale so the best is 1 and the ``top``-th best is 0 (cosines crowd into a narrow band)."""
    if len(values) == 0:
        return values
    top = min(top, len(values))
    floor = np.partition(values, len(values) - top)[len(values) - top]
    ceiling = values.max()
    if ceiling - floor < 1e-9:
        return np.zeros_like(values)
    return np.clip((values - floor) / (ceiling - floor), 0.0, 1.0)


def _max_normalised(values: np.ndarray) -> np.ndarray:
    ceiling = float(values.max()) if len(values) else 0.0
    return values / ceiling if ceiling > 0 else np.zeros_like(values)


class VraagbaakRetriever(BaseRetriever):
    """The hybrid search as a LangChain ``BaseRetriever`` (documents carry the citation fields)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: HybridRetriever
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        documents = []
        for hit in self.retriever.search(query, self.k):
            metadata = hit.to_json()
            text = str(metadata.pop("text"))
            documents.append(Document(page_content=text, metadata=metadata, id=hit.chunk.id))
        return documents
