"""The default answerer: quote the sentences that answer, cite them, or refuse.

No LLM: sentence vectors were computed at ingest, so a question costs one query embedding
(shared with retrieval) and a few dot products.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np

from ingest.language import detect_language
from service.answering.messages import not_found
from service.answering.model import Answer, Citation, Language
from service.retrieval import HybridRetriever, QueryScores, SearchHit

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class AnswerConfig:
    passages: int = 6  # top passages whose sentences compete
    max_sentences: int = 3
    min_words: int = 5  # shorter sentences (headings, cells) are not quoted
    margin: float = 0.12  # sentences within this of the best one are kept
    semantic_weight: float = 0.55
    lexical_weight: float = 0.25
    passage_weight: float = 0.20
    redundancy: float = 0.6  # word overlap above which a second sentence adds nothing
    refusal_threshold: float = 0.80  # calibrated on the gold set: evals/EXPERIMENTS.md
    related: int = 3


@dataclass(frozen=True)
class _Candidate:
    hit: SearchHit
    sentence: int  # number within the chunk
    start: int
    end: int
    semantic: float
    lexical: float
    score: float


class ExtractiveAnswerer:
    def __init__(self, retriever: HybridRetriever, config: AnswerConfig | None = None) -> None:
        self.retriever = retriever
        self.config = config or AnswerConfig()

    def answer(self, question: str, language: Language | None = None) -> Answer:
        language = language or detect_language(question)
        retriever = self.retriever  # one index for the whole answer, even if a swap happens
        scores = retriever.scores(question)
        fused = retriever.fuse(scores)
        hits = retriever.hits(scores, fused, self.config.passages)
        candidates = self._candidates(question, hits, scores, fused)
        evidence = self.evidence(candidates)
        if evidence < self.config.refusal_threshold or not candidates:
            related = tuple(
                _citation(n, hit, 0, len(hit.chunk.text))
                for n, hit in enumerate(hits[: self.config.related], 1)
            )
            return Answer(
                answer=not_found(language, bool(related)),
                refused=True,
                language=language,
                citations=(),
                related=related,
                standalone_question=question,
                confidence=evidence,
            )
        chosen = self._select(candidates)
        citations = []
        parts = []
        for n, candidate in enumerate(chosen, 1):
            citations.append(_citation(n, candidate.hit, candidate.start, candidate.end,
                                       candidate.score))
            quote = " ".join(candidate.hit.chunk.text[candidate.start : candidate.end].split())
            parts.append(f"{quote} [{n}]")
        return Answer(
            answer=" ".join(parts),
            refused=False,
            language=language,
            citations=tuple(citations),
            standalone_question=question,
            confidence=evidence,
        )

    def evidence(self, candidates: list[_Candidate]) -> float:
        """How sure we are that the best sentence answers: semantic match plus word overlap."""
        if not candidates:
            return 0.0
        best = max(candidates, key=lambda c: c.semantic + 0.1 * c.lexical)
        return best.semantic + 0.1 * best.lexical

    def _candidates(
        self, question: str, hits: list[SearchHit], scores: QueryScores, fused: np.ndarray
    ) -> list[_Candidate]:
        index = self.retriever.index
        analyzer = index.lexical.analyzer
        query_terms = set(analyzer.tokens(self.retriever.lexical_query(question)))
        top = float(fused.max()) if len(fused) else 1.0
        config = self.config
        candidates = []
        for hit in hits:
            row = index.chunk_row[hit.chunk.id]
            passage = float(fused[row]) / top if top > 0 else 0.0
            for sentence_row in index.sentence_rows_of(row):
                n = int(index.sentence_owner[sentence_row, 1])
                start, end = hit.chunk.sentences[n]
                text = hit.chunk.text[start:end]
                if len(_WORD.findall(text)) < config.min_words:
                    continue
                terms = set(analyzer.tokens(text))
                lexical = len(query_terms & terms) / len(query_terms) if query_terms else 0.0
                semantic = float(scores.sentence_all[sentence_row])
                score = (
                    config.semantic_weight * semantic
                    + config.lexical_weight * lexical
                    + config.passage_weight * passage
                )
                candidates.append(_Candidate(hit, n, start, end, semantic, lexical, score))
        candidates.sort(key=lambda c: c.score, reverse=True)
        return candidates

    def _select(self, candidates: list[_Candidate]) -> list[_Candidate]:
        best = candidates[0].score
        chosen: list[_Candidate] = []
        seen_words: list[set[str]] = []
        for candidate in candidates:
            if len(chosen) == self.config.max_sentences or candidate.score < best - self.config.margin:
                break
            words = set(_WORD.findall(
                candidate.hit.chunk.text[candidate.start : candidate.end].lower()))
            if any(len(words & other) / max(1, min(len(words), len(other))) > self.config.redundancy
                   for other in seen_words):
                continue
            chosen.append(candidate)
            seen_words.append(words)
        return chosen


def _citation(n: int, hit: SearchHit, start: int, end: int, score: float | None = None) -> Citation:
    chunk = hit.chunk
    return Citation(
        n=n,
        chunk_id=chunk.id,
        source=hit.document.source,
        title=hit.document.title,
        section=chunk.section or None,
        page=chunk.page,
        text=chunk.text,
        quote=chunk.text[start:end],
        start=start,
        end=end,
        score=round(hit.score if score is None else score, 4),
    )
