"""Hybrid search: dense passages and sentences (FAISS / e5) fused with Dutch BM25.

Small indexes (exact FAISS search, no sentence index) score every passage and every sentence.
Large ones score candidates: the best ``candidates`` passages of the passage index and of BM25,
and the passages owning the best ``sentence_candidates`` sentences of the sentence index; those
get exact cosines, every other passage the lowest candidate score (docs/scaling.md).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

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

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FusionWeights:
    dense: float
    sentence: float
    lexical: float


@dataclass(frozen=True)
class RetrievalConfig:
    """Fusion settings; the values are the ones the evaluation chose (evals/EXPERIMENTS.md).

    Weights depend on the question's language: Dutch questions share the documents' words, so
    BM25 leads; English ones reach the Dutch text mainly through the multilingual vectors.
    """

    fusion: Literal["weighted", "rrf"] = "weighted"
    dutch: FusionWeights = FusionWeights(dense=0.30, sentence=0.10, lexical=0.60)
    english: FusionWeights = FusionWeights(dense=0.45, sentence=0.40, lexical=0.15)
    candidates: int = 200
    sentence_candidates: int = 400  # sentences the sentence index proposes (large indexes)
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
    """Cosine of the query with any sentence, by sentence row.

    Holds every sentence's cosine (``rows`` None) or those of the candidate passages' sentences
    (``rows`` sorted); any other row is computed when asked for.
    """

    def __init__(
        self, index: Index, vector: np.ndarray, values: np.ndarray, rows: np.ndarray | None = None
    ) -> None:
        self._index = index
        self._vector = vector
        self._values = values
        self._rows = rows

    def __getitem__(self, row: int) -> float:
        if self._rows is None:
            return float(self._values[row])
        at = int(np.searchsorted(self._rows, row))
        if at < len(self._rows) and self._rows[at] == row:
            return float(self._values[at])
        return float(self._index.sentence_cosines(np.array([row]), self._vector)[0])

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
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.glossary = glossary or Glossary({})
        self.config = config or RetrievalConfig()
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

    @property
    def scores_candidates_only(self) -> bool:
        """Large index: approximate search proposes candidates instead of scoring everything."""
        index = self.index
        return index.sentence_index is not None or not isinstance(index.dense, faiss.IndexFlat)

    def scores(self, query: str) -> QueryScores:
        index = self.index
        language = detect_language(query)
        expanded = self.expanded_query(query, language)
        vector = self.query_vector(expanded)
        lexical = index.lexical.scores(expanded)
        if self.scores_candidates_only:
            dense, sentence, sentence_all = self._candidate_scores(vector, lexical)
        else:
            dense = self.dense_scores(vector)
            every = (
                np.asarray(index.sentence_vectors @ vector)
                if len(index.sentence_vectors)
                else np.zeros(0, dtype=np.float32)
            )
            sentence = index.best_sentence_per_chunk(every, fallback=dense)
            sentence_all = SentenceCosines(index, vector, every)
        return QueryScores(vector, dense, sentence, sentence_all, lexical, language, expanded)

    def candidate_rows(self, vector: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """Sorted passage rows: the passage index's and BM25's best ``candidates`` and the
        owners of the sentence index's best ``sentence_candidates`` sentences."""
        index, config = self.index, self.config
        _, dense_rows = search_dense(index.dense, vector, config.candidates)
        parts = [dense_rows]
        if len(lexical):
            k = min(config.candidates, len(lexical))
            best = np.argpartition(-lexical, k - 1)[:k]
            parts.append(best[lexical[best] > 0])
        if index.sentence_index is not None:
            _, sentence_rows = search_dense(
                index.sentence_index, vector, config.sentence_candidates
            )
            parts.append(index.sentence_owner[sentence_rows, 0])
        return np.unique(np.concatenate(parts).astype(np.int64))

    def _candidate_scores(
        self, vector: np.ndarray, lexical: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, SentenceCosines]:
        """Exact dense and best-sentence cosines of the candidates, scattered over all passages
        (the rest get the lowest candidate score, so min-max fusion ignores them)."""
        index = self.index
        rows = self.candidate_rows(vector, lexical)
        n = len(index.chunks)
        candidate_dense = index.dense.reconstruct_batch(rows) @ vector
        starts, ends = index.sentence_start[rows], index.sentence_end[rows]
        lengths = ends - starts
        sentence_rows = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(
            lengths.sum()
        )
        cosines = index.sentence_cosines(sentence_rows, vector)
        candidate_sentence = candidate_dense.astype(np.float32, copy=True)
        has = lengths > 0
        if has.any():
            offsets = (np.cumsum(lengths) - lengths)[has]
            candidate_sentence[has] = np.maximum.reduceat(cosines, offsets)
        dense = _spread(rows, candidate_dense, n)
        sentence = _spread(rows, candidate_sentence, n)
        return dense, sentence, SentenceCosines(index, vector, cosines, sentence_rows)

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


def _spread(rows: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """A score for each of ``n`` passages: ``values`` at ``rows``, their minimum elsewhere."""
    spread = np.full(n, values.min() if len(values) else 0.0, dtype=np.float32)
    spread[rows] = values
    return spread


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
