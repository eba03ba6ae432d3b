"""The default answerer: quote the sentences that answer, cite them, or refuse.

No LLM: sentence vectors were computed at ingest, so a question costs one query embedding
(shared with retrieval) and a few dot products.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ingest.index import Index
from ingest.language import detect_language
from ingest.lexical import DutchAnalyzer
from service.answering.asked import (
    after_section_number,
    answers_type,
    asked_type,
    gives_number,
    question_parts,
    unanswered_types,
)
from service.answering.messages import not_found, part_not_found
from service.answering.model import Answer, Citation, Language
from service.answering.refusal import (
    Evidence,
    Quote,
    RefusalModel,
    gather_evidence,
    question_terms,
)
from service.retrieval import HybridRetriever, QueryScores, SearchHit
from vraagbaak.settings import Settings

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)
# A line that labels rather than says: a heading of the passage's section path (the citation
# shows that already) or a figure or table caption.
_CAPTION = re.compile(r"(figuur|tabel|bijlage|figure|table|appendix)\s+\d+\b", re.IGNORECASE)
_TERMINAL = re.compile(r"[.!?:;…]['’”\")]*$")
_QUESTION_END = re.compile(r"\?['’”\")]*$")
_FULL_STOP = re.compile(r"[.!]['’”\")]*$")
_WHOLE_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")  # "fraude-onderzoek" is one word
_GLUED_NUMBER = re.compile(r"\s*\d{1,3}[.)](?=[^\W\d_])")
_NUMBER_CELL = re.compile(r"^[€$£]?[+-]?\d[\d.,]*%?$")
_LIST_ITEM = re.compile(r"^\s*(?:[-–—•●▪◦·*►✓]|\(?[a-zA-Z0-9]{1,3}\))\s*")
_REFERENCE = re.compile(
    r"\b(?:zie|see|vgl\.?|cf\.?)\s+(?:ook\s+|also\s+)?(?:de\s+|het\s+|the\s+)?"
    r"(?:(?:hier)?boven|(?:hier)?onder|eerder|bijlage|tabel|figuur|hoofdstuk|paragraaf|pagina|"
    r"blz\.|artikel|above|below|earlier|appendix|annex|table|figure|chapter|section|page)",
    re.IGNORECASE,
)
# Sentences prepared ahead of the questions: the whole of a usual corpus, a bounded share
# (≈ 3 KB each) of a very large one, whose other sentences are prepared when first quoted.
PREPARED_SENTENCES = 20_000
_WARNED: set[str] = set()  # embedders already told that the refusal model doesn't fit them
Span = tuple[str, int, int]  # a quoted sentence: chunk id, start, end


@dataclass(frozen=True)
class AnswerConfig:
    """Answer settings. A deployment's come from its corpus profile (service/profile.py); these
    defaults equal the default profile's."""

    passages: int = 8  # top passages whose sentences compete
    max_sentences: int = 5
    max_chars: int = 600  # quotes after the first are added only while the answer fits
    min_words: int = 6  # shorter sentences (headings, cells, fragments) are not quoted
    question_penalty: float = 1.0  # a sentence that asks (interview guides) answers nothing
    number_bonus: float = 0.3  # "hoeveel …?": a sentence that gives a number comes first
    margin: float = 0.3  # sentences within this of the best one are kept
    semantic_weight: float = 0.55
    lexical_weight: float = 0.25
    passage_weight: float = 0.40
    redundancy: float = 0.6  # word overlap above which a second sentence adds nothing
    per_passage: int = 1  # quotes taken from one passage: more cite other passages instead
    # P(unanswerable) at or above which we refuse; None: the calibrated model's own threshold
    refusal_threshold: float | None = None
    related: int = 3
    # refuse a one-part question whose asked number, amount, date, article or contact no quote
    # gives (a two-part question is answered, with a note on the missing part)
    refuse_missing_type: bool = True

    @classmethod
    def from_settings(cls, settings: Settings, base: AnswerConfig | None = None) -> AnswerConfig:
        """``base`` (a profile's settings; else the defaults), with the refusal threshold a
        deployment may override."""
        if settings.refusal_threshold is None:
            return base or cls()
        return replace(base or cls(), refusal_threshold=settings.refusal_threshold)


@dataclass(frozen=True)
class _Candidate:
    hit: SearchHit
    sentence: int  # number within the chunk
    start: int
    end: int
    semantic: float
    lexical: float
    score: float

    @property
    def quote(self) -> str:
        return " ".join(self.hit.chunk.text[self.start : self.end].split())


@dataclass(frozen=True)
class Draft:
    """What the answerer found for a question before deciding to answer or refuse."""

    scores: QueryScores
    hits: list[SearchHit]
    candidates: list[_Candidate]
    chosen: list[_Candidate]  # the quotes the answer would have
    evidence: Evidence


class ExtractiveAnswerer:
    def __init__(
        self,
        retriever: HybridRetriever,
        config: AnswerConfig | None = None,
        refusal: RefusalModel | None = None,
    ) -> None:
        self.retriever = retriever
        profile = retriever.profile
        self.config = config or (profile.answer if profile else AnswerConfig())
        self.refusal = refusal or (profile.refusal if profile else RefusalModel.bundled())
        self._calibrated = self.refusal.embedder == retriever.embedder.name
        if not self._calibrated and retriever.embedder.name not in _WARNED:
            _WARNED.add(retriever.embedder.name)
            logger.warning(
                "The refusal model was calibrated for %s, not %s: refusing only when nothing "
                "matches. Run `vraagbaak calibrate` to calibrate it for this embedder.",
                self.refusal.embedder,
                retriever.embedder.name,
            )

    def answer(
        self,
        question: str,
        language: Language | None = None,
        seen: Collection[Span] = (),
    ) -> Answer:
        """``seen``: the (chunk id, start, end) of sentences the reader was already shown (the
        previous answer's quotes, for a follow-up): none of them leads the answer."""
        language = language or detect_language(question)
        draft = self.draft(question, seen)
        hits, candidates, chosen = draft.hits, draft.candidates, draft.chosen
        unanswerable = self.refusal.probability(draft.evidence)
        threshold = self.config.refusal_threshold
        refuse = (self._calibrated and self.refusal.refuses(draft.evidence, threshold)) or (
            self.config.refuse_missing_type
            and draft.evidence.type_missing > 0
            and len(question_parts(question)) == 1
        )
        if not chosen or refuse:
            return Answer(
                answer=not_found(language, bool(hits)),
                refused=True,
                language=language,
                citations=(),
                related=self._related(hits, candidates),
                standalone_question=question,
                confidence=round(1.0 - unanswerable, 4),
            )
        citations = []
        parts = []
        for n, candidate in enumerate(chosen, 1):
            citations.append(
                _citation(n, candidate.hit, candidate.start, candidate.end, candidate.score)
            )
            parts.append(f"{candidate.quote} [{n}]")
        sentences = [
            (c.quote, _context(c.hit), c.hit.document.language == language) for c in chosen
        ]
        notes = tuple(part_not_found(language, k) for k in unanswered_types(question, sentences))
        return Answer(
            answer=" ".join(parts),
            refused=False,
            language=language,
            citations=tuple(citations),
            standalone_question=question,
            confidence=round(1.0 - unanswerable, 4),
            notes=notes,
        )

    def draft(self, question: str, seen: Collection[Span] = ()) -> Draft:
        """Search, pick the quotes and gather the refusal evidence (calibration uses it too);
        ``seen`` as for ``answer``."""
        retriever = self.retriever  # one index for the whole answer, even if a swap happens
        scores = retriever.scores(question)
        fused = retriever.fuse(scores)
        hits = retriever.hits(scores, fused, self.config.passages)
        candidates = _unseen_first(self._candidates(question, hits, scores, fused), seen)
        chosen = self._select(candidates) if candidates else []
        lexical = retriever.index.lexical
        quotes = [
            Quote(
                c.quote,
                c.semantic,
                _context(c.hit),
                c.hit.document.language == scores.language,
            )
            for c in chosen
        ]
        rank = None
        if chosen:
            row = retriever.index.chunk_row[chosen[0].hit.chunk.id]
            if scores.lexical[row] > 0:
                rank = int((scores.lexical > scores.lexical[row]).sum()) + 1
        evidence = gather_evidence(
            question,
            question_terms(question, scores.language, lexical),
            scores,
            quotes,
            lexical,
            rank,
            _nearest_language(retriever.index, scores) not in (None, scores.language),
        )
        return Draft(scores, hits, candidates, chosen, evidence)

    def _related(self, hits: list[SearchHit], candidates: list[_Candidate]) -> tuple[Citation, ...]:
        """The passages that came closest, each with its best sentence as the quote."""
        related: list[Citation] = []
        for hit in hits[: self.config.related]:
            best = next((c for c in candidates if c.hit.chunk.id == hit.chunk.id), None)
            start, end = (best.start, best.end) if best else (0, len(hit.chunk.text))
            related.append(_citation(len(related) + 1, hit, start, end))
        return tuple(related)

    def _candidates(
        self, question: str, hits: list[SearchHit], scores: QueryScores, fused: np.ndarray
    ) -> list[_Candidate]:
        index = self.retriever.index
        analyzer = index.lexical.analyzer
        query_terms = analyzer.term_set(scores.expanded or question)
        kind = asked_type(question)
        top = float(fused.max()) if len(fused) else 1.0
        config = self.config
        candidates = []
        for hit in hits:
            same_language = hit.document.language == scores.language
            row = index.chunk_row[hit.chunk.id]
            passage = float(fused[row]) / top if top > 0 else 0.0
            sentence_rows = index.sentence_rows_of(row)
            headings = _headings(hit.chunk.section)
            cosines = scores.sentence_all.of(sentence_rows).tolist()
            numbers = index.sentence_owner[sentence_rows, 1].tolist()
            for n, cosine in zip(numbers, cosines, strict=True):
                start, end = hit.chunk.sentences[n]
                start += _glued_number_length(hit.chunk.text[start:end])  # "26.We …" → "We …"
                facts = _facts(analyzer, hit.chunk.text[start:end], headings)
                if facts.words < config.min_words or facts.label or not facts.statement:
                    continue
                lexical = len(query_terms & facts.terms) / len(query_terms) if query_terms else 0.0
                score = (
                    config.semantic_weight * cosine
                    + config.lexical_weight * lexical
                    + config.passage_weight * passage
                )
                if facts.asks:
                    score -= config.question_penalty
                elif kind is not None and answers_type(
                    question, hit.chunk.text[start:end], hit.chunk.section, same_language
                ):
                    score += config.number_bonus
                candidates.append(_Candidate(hit, n, start, end, cosine, lexical, score))
        candidates.sort(key=lambda c: c.score, reverse=True)
        return candidates

    def _select(self, candidates: list[_Candidate]) -> list[_Candidate]:
        """The best sentence, then the next best ones from other passages while they are close
        to it, say something new and keep the answer within ``max_chars`` (a long sentence is
        passed over for a shorter one: more passages cited, the answer still short)."""
        best = candidates[0].score
        chosen: list[_Candidate] = []
        seen_words: list[frozenset[str]] = []
        length = 0
        for candidate in candidates:
            if (
                len(chosen) == self.config.max_sentences
                or candidate.score < best - self.config.margin
            ):
                break
            if sum(c.hit.chunk.id == candidate.hit.chunk.id for c in chosen) >= (
                self.config.per_passage
            ):
                continue
            quote = candidate.quote
            if chosen and length + len(quote) > self.config.max_chars:
                continue
            words = _words(quote)[1]
            if any(
                len(words & other) / max(1, min(len(words), len(other))) > self.config.redundancy
                for other in seen_words
            ):
                continue
            chosen.append(candidate)
            seen_words.append(words)
            length += len(quote)
        return chosen


def _unseen_first(candidates: list[_Candidate], seen: Collection[Span]) -> list[_Candidate]:
    """``candidates`` with the best one the reader has not seen first: a follow-up's answer
    leads with something new (what was seen may still follow it)."""
    if not seen or not candidates:
        return candidates

    def shown(c: _Candidate) -> bool:
        return any(
            chunk == c.hit.chunk.id and start < c.end and c.start < end
            for chunk, start, end in seen
        )

    lead = next((n for n, c in enumerate(candidates) if not shown(c)), None)
    if lead is None or lead == 0:
        return candidates
    return [candidates[lead], *candidates[:lead], *candidates[lead + 1 :]]


class _Facts(NamedTuple):
    """What the answerer needs to know of a sentence, whatever the question."""

    words: int
    label: bool  # a heading of its passage's section path or a caption: never quoted
    asks: bool  # a question (interview guides): answers nothing
    number: bool  # gives a number (for "hoeveel …?")
    terms: frozenset[str]  # its lexical terms
    statement: bool  # says something: not a table row, cross-reference, bare bullet or title


@lru_cache(maxsize=200_000)
def _facts(analyzer: DutchAnalyzer, text: str, headings: frozenset[str]) -> _Facts:
    """Remembered: the same sentences come back question after question."""
    return _Facts(
        words=len(_WHOLE_WORD.findall(text)),
        label=_is_label(text, headings),
        asks=text.rstrip().endswith("?"),
        number=_gives_number(text),
        terms=analyzer.term_set(text),
        statement=_is_statement(text),
    )


def _glued_number_length(sentence: str) -> int:
    """How many characters of a list number are glued to the first word ("26.We …": 3)."""
    match = _GLUED_NUMBER.match(sentence)
    return match.end() if match else 0


def _is_statement(sentence: str) -> bool:
    """Whether a sentence says something one can quote as an answer. Not: a question (an
    interview guide's), a table row (tab- or pipe-separated cells, or mostly numbers without a
    closing full stop), a cross-reference ("zie bijlage 3", "see above"), a list item or a
    title-like line without closing punctuation."""
    text = sentence.strip()
    if not text or _QUESTION_END.search(text):
        return False
    words = _WORD.findall(text)
    closed = bool(_TERMINAL.search(text))
    numbers = sum(1 for w in text.split() if _NUMBER_CELL.match(w.strip("()[],;:")))
    if "\t" in text or text.count("|") >= 2:
        return False
    if not closed and numbers >= 2 and numbers >= 0.3 * len(words):
        return False
    reference = _REFERENCE.search(text)
    if reference and (reference.start() <= 2 or len(words) < 10):
        return False
    if _LIST_ITEM.match(text) and not _FULL_STOP.search(text):
        return False  # a bullet ends with a full stop when it is a whole sentence
    return closed or len(words) > 15 or text.endswith(",")


def prepare_index(index: Index, limit: int = PREPARED_SENTENCES) -> int:
    """Work out the facts of the index's first ``limit`` sentences, and the terms of their
    passages (the refusal evidence reads them), ahead of the questions — at start-up and
    after a re-ingest — so a question does not pay for its first sight of them; returns how
    many sentences."""
    analyzer = index.lexical.analyzer
    count = 0
    for chunk in index.chunks:
        headings = _headings(chunk.section)
        analyzer.term_set(chunk.text)
        for start, end in chunk.sentences:
            if count == limit:
                return count
            _facts(analyzer, chunk.text[start:end], headings)
            count += 1
    return count


@lru_cache(maxsize=200_000)
def _words(text: str) -> tuple[int, frozenset[str]]:
    """How many words ``text`` has, and which (lower case); remembered, as the same sentences
    come back question after question."""
    found = _WORD.findall(text.lower())
    return len(found), frozenset(found)


@lru_cache(maxsize=4096)
def _headings(section: str) -> frozenset[str]:
    return frozenset(_label_key(part) for part in section.split(" > ") if part)


def _label_key(text: str) -> str:
    """A heading's words without its number: "3.2. Rolverdeling" → "rolverdeling"."""
    return " ".join(_WORD.findall(after_section_number(f"{text.strip()} ").lower()))


def _is_label(sentence: str, headings: frozenset[str]) -> bool:
    text = sentence.strip()
    if _TERMINAL.search(text):
        return False
    return _label_key(text) in headings or bool(_CAPTION.match(text))


_gives_number = gives_number  # what the tests call it


def _nearest_language(index: Index, scores: QueryScores) -> str | None:
    """The language of the document whose sentence is closest to the question (dense)."""
    if not len(scores.sentence):
        return None
    chunk = index.chunks[int(np.argmax(scores.sentence))]
    return index.documents[chunk.doc_id].language


def _context(hit: SearchHit) -> str:
    """A quote's passage with what names it: title, author, section path."""
    document = hit.document
    return f"{document.title}\n{document.author or ''}\n{hit.chunk.section}\n{hit.chunk.text}"


def _citation(n: int, hit: SearchHit, start: int, end: int, score: float | None = None) -> Citation:
    chunk = hit.chunk
    page = chunk.page_at(start)
    return Citation(
        n=n,
        chunk_id=chunk.id,
        source=hit.document.source,
        title=hit.document.title,
        section=chunk.section or None,
        page=page,
        text=chunk.text,
        quote=chunk.text[start:end],
        start=start,
        end=end,
        score=round(hit.score if score is None else score, 4),
        ocr=page in hit.document.ocr_pages,
    )
