"""Answering from the FAQ: a question that closely matches an approved FAQ question gets the
trainers' checked answer (``mode="curated"``) instead of a fresh extraction.

"Closely" means both:

- the e5 query embeddings of the two questions have cosine ≥ ``threshold`` (0.92), and
- a lexical check: the questions share most of their content words (Dutch-stemmed, stop words
  dropped; overlap ≥ ``min_overlap`` of the larger set) and mention the same numbers, so
  "wachtlijst 2018" never gets the answer curated for "wachtlijst 2019".

Only approved, non-stale entries of sets in the question's language are considered. The
approved questions' embeddings are cached and recomputed when the store changes.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np

from ingest.embedders import Embedder, embed_query
from ingest.index import Index
from ingest.lexical import DutchAnalyzer
from service.answering.messages import CURATED
from service.answering.model import Answer, Citation, Language
from service.engine import Engine
from service.faq.store import FaqEntry, FaqSet, FaqStore

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.92
DEFAULT_MIN_OVERLAP = 0.5
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_MARKER = re.compile(r"\[(\d+)\]")

IndexSource = Index | Callable[[], Index | None] | None


@dataclass(frozen=True)
class FaqMatch:
    faq_set: FaqSet
    entry: FaqEntry
    similarity: float
    overlap: float


class FaqAnswerer:
    """The ``Answerer`` for ``Assistant.before``.

    ``index`` gives the current passages for the citations' ``text`` (an ``Index``, or a
    callable such as ``lambda: engine.index`` so an index swap applies at once); without it a
    citation's text is its quote.
    """

    def __init__(
        self,
        store: FaqStore,
        embedder: Embedder,
        index: IndexSource = None,
        threshold: float = DEFAULT_THRESHOLD,
        min_overlap: float = DEFAULT_MIN_OVERLAP,
        query_vector: Callable[[str], np.ndarray] | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        # the retriever's, in the service: its cache then embeds a Dutch question once for both
        self._query_vector = query_vector or (lambda text: embed_query(embedder, text))
        self._index = index
        self.threshold = threshold
        self.min_overlap = min_overlap
        self._analyzer = DutchAnalyzer()
        self._lock = threading.Lock()
        self._revision: object = None
        self._entries: list[tuple[FaqSet, FaqEntry]] = []
        self._vectors = np.zeros((0, embedder.dimension), dtype=np.float32)
        self._vector_cache: dict[str, np.ndarray] = {}

    def index(self) -> Index | None:
        if self._index is None or isinstance(self._index, Index):
            return self._index
        return self._index()

    def _approved(self) -> tuple[list[tuple[FaqSet, FaqEntry]], np.ndarray]:
        revision = self.store.revision()
        with self._lock:
            if revision != self._revision:
                entries = self.store.approved_entries()
                missing = [e.question for _, e in entries if e.question not in self._vector_cache]
                if missing:
                    vectors = self.embedder.embed_batch(missing, "query")
                    self._vector_cache.update(zip(missing, vectors, strict=True))
                self._entries = entries
                self._vectors = (
                    np.vstack([self._vector_cache[e.question] for _, e in entries])
                    if entries
                    else np.zeros((0, self.embedder.dimension), dtype=np.float32)
                )
                self._revision = revision
            return self._entries, self._vectors

    def match(self, question: str, language: Language | None = None) -> FaqMatch | None:
        """The best approved entry for ``question`` if it passes both checks."""
        entries, vectors = self._approved()
        if not entries or not question.strip():
            return None
        query = self._query_vector(question)
        similarities = vectors @ query
        for row in np.argsort(-similarities, kind="stable"):
            similarity = float(similarities[row])
            if similarity < self.threshold:
                break
            faq_set, entry = entries[int(row)]
            if language is not None and faq_set.language != language:
                continue
            overlap = self.lexical_overlap(question, entry.question)
            if overlap >= self.min_overlap and _numbers(question) == _numbers(entry.question):
                return FaqMatch(faq_set, entry, similarity, overlap)
        return None

    def lexical_overlap(self, a: str, b: str) -> float:
        words_a = set(self._analyzer.tokens(a))
        words_b = set(self._analyzer.tokens(b))
        if not words_a or not words_b:
            return 0.0
        return len(words_a & words_b) / max(len(words_a), len(words_b))

    def answer(self, question: str, language: Language | None = None) -> Answer | None:
        found = self.match(question, language)
        if found is None:
            return None
        lang: Language = "en" if found.faq_set.language == "en" else "nl"
        logger.info(
            "Curated answer: FAQ '%s' entry %d (cosine %.3f)",
            found.faq_set.name,
            found.entry.id,
            found.similarity,
        )
        answer = curated_answer(found.entry, lang, question, self.index(), found.similarity)
        return replace(answer, checked_on=approval_date(self.store, found.faq_set, found.entry))


def approval_date(store: FaqStore, faq_set: FaqSet, entry: FaqEntry) -> str:
    """The day (ISO) a trainer last approved the entry; for an entry imported as approved,
    the day it was last changed."""
    approved = [
        h.changed_at for h in store.history(faq_set.name, entry.id) if h.action == "approve"
    ]
    when = max(approved) if approved else entry.updated_at
    return datetime.fromtimestamp(when, tz=UTC).date().isoformat()


def curated_answer(
    entry: FaqEntry, language: Language, question: str, index: Index | None, confidence: float = 1.0
) -> Answer:
    """The entry's answer listing only the citations its text cites ([n] present, renumbered in
    order of use); a text without any marker keeps them all."""
    text, kept = _cited_only(entry.answer, len(entry.citations))
    citations = []
    for n, old in enumerate(kept, 1):
        stored = entry.citations[old - 1]
        chunk = index.chunk(stored.chunk_id) if index is not None else None
        current = chunk is not None and chunk.text[stored.start : stored.end] == stored.quote
        citations.append(
            Citation(
                n=n,
                chunk_id=stored.chunk_id,
                source=stored.source,
                title=stored.title,
                section=stored.section,
                page=stored.page,
                text=chunk.text if current and chunk is not None else stored.quote,
                quote=stored.quote,
                start=stored.start if current else 0,
                end=stored.end if current else len(stored.quote),
                score=round(confidence, 4),
            )
        )
    return Answer(
        answer=text,
        refused=False,
        language=language,
        citations=tuple(citations),
        standalone_question=question,
        mode="curated",
        confidence=round(confidence, 4),
        notes=(CURATED[language],),
    )


def _cited_only(answer: str, count: int) -> tuple[str, list[int]]:
    """``answer`` with its markers renumbered 1..n in order of first use (markers of citations
    that don't exist dropped), and the old numbers of the citations kept, in the new order."""
    used = [n for n in dict.fromkeys(int(m) for m in _MARKER.findall(answer)) if 0 < n <= count]
    if not _MARKER.search(answer):
        return answer, list(range(1, count + 1))
    new = {old: n for n, old in enumerate(used, 1)}

    def renumber(match: re.Match[str]) -> str:
        old = int(match.group(1))
        return f"[{new[old]}]" if old in new else ""

    return _MARKER.sub(renumber, answer), used


def _numbers(text: str) -> set[str]:
    return {n.replace(",", ".") for n in _NUMBER.findall(text)}


def faq_answerer_for(engine: Engine, store: FaqStore | None = None) -> FaqAnswerer:
    """The FAQ answerer for ``build_assistant``: the store at ``<data_dir>/faq.sqlite`` (or the
    one given), the engine's embedder, and always the engine's current index and retriever
    (whose query-vector cache the FAQ shares)."""
    return FaqAnswerer(
        store or FaqStore.open(engine.settings),
        engine.embedder,
        lambda: engine.index,
        query_vector=lambda text: engine.retriever.query_vector(text),
    )
