"""Run the gold questions through retrieval and the answerer; per-question records + summary.

Records are plain JSON-ready dicts so ``--json`` output, the report and ``compare`` share them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from evals.answer_shape import answer_shape, shape_summary
from evals.goldset import LANGUAGES, SPLITS, GoldQuestion, fact_found, quote_matches
from evals.metrics import (
    aggregate,
    first_hit_rank,
    mean,
    percentile,
    retrieval_metrics,
)

logger = logging.getLogger(__name__)

SNIPPET_CHARS = 200
PASSAGE_CHARS = 600  # of a cited passage, for the report
RETRIEVAL_METRICS = ("recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10", "ndcg_at_10")
ANSWER_METRICS = (
    "citation_hit",
    "fact_coverage",
    "refusal_rate_unanswerable",
    "false_refusal_rate",
    "answer_latency_p50_ms",
    "answer_latency_p95_ms",
    "bad_quotes",
    "answer_chars_p50",
    "quotes_per_answer_p50",
)

Record = dict[str, Any]


class Searcher(Protocol):
    def search(self, query: str, k: int = ...) -> Sequence[Any]: ...


class Answerer(Protocol):
    def answer(self, question: str) -> Any: ...


def _retriever_of(engine_or_retriever: Any) -> Searcher:
    retriever = getattr(engine_or_retriever, "retriever", engine_or_retriever)
    if not hasattr(retriever, "search"):
        raise TypeError(f"{type(engine_or_retriever).__name__} has no search() or retriever")
    return retriever


def is_relevant(question: GoldQuestion, passage_text: str) -> bool:
    """A passage is relevant when it contains (most of) any of the question's gold quotes."""
    return any(quote_matches(quote, passage_text) for quote in question.quotes)


def _base(question: GoldQuestion) -> Record:
    return {
        "id": question.id,
        "question": question.question,
        "language": question.language,
        "answerable": question.answerable,
        "doc": question.doc,
        "category": question.category,
        "style": question.style,
        "split": question.split,
        "quotes": list(question.quotes),
    }


def run_retrieval(
    engine_or_retriever: Any,
    questions: Sequence[GoldQuestion],
    k: int = 10,
    progress: Callable[[int, int], None] | None = None,
) -> list[Record]:
    """Search each question; record what came back, which results hold a gold quote, timing."""
    retriever = _retriever_of(engine_or_retriever)
    records = []
    for number, question in enumerate(questions, 1):
        started = time.perf_counter()
        hits = list(retriever.search(question.question, k))
        latency = (time.perf_counter() - started) * 1000
        results = []
        for rank, hit in enumerate(hits, 1):
            chunk, document = hit.chunk, hit.document
            results.append(
                {
                    "rank": rank,
                    "chunk_id": chunk.id,
                    "title": document.title,
                    "source": document.source,
                    "section": chunk.section or None,
                    "page": chunk.page,
                    "score": round(float(hit.score), 5),
                    "text": chunk.text[:SNIPPET_CHARS],
                    "relevant": is_relevant(question, chunk.text),
                }
            )
        relevant = [r["relevant"] for r in results]
        doc_rank = next((r["rank"] for r in results if r["source"] == question.doc), None)
        records.append(
            _base(question)
            | {
                "results": results,
                "first_hit_rank": first_hit_rank(relevant),
                "doc_rank": doc_rank,  # first result from the gold document, relevant or not
                "latency_ms": round(latency, 2),
            }
        )
        if progress:
            progress(number, len(questions))
    return records


def run_answers(
    answerer: Answerer | None,
    questions: Sequence[GoldQuestion],
    progress: Callable[[int, int], None] | None = None,
) -> list[Record]:
    """Ask each question; record refusal, whether a citation holds a gold quote, key-fact
    coverage and timing. Without an answerer there is nothing to record (an empty list); an
    answerer that raises on one question gets an ``error`` on that record, not a crash."""
    if answerer is None:
        return []
    records = []
    for number, question in enumerate(questions, 1):
        started = time.perf_counter()
        try:
            answer = answerer.answer(question.question)
        except Exception as exc:
            logger.exception("answerer failed on %s", question.id)
            records.append(
                _base(question)
                | {
                    "refused": False,
                    "answer": "",
                    "citations": [],
                    "citation_hit": False,
                    "fact_coverage": 0.0,
                    "facts_missing": list(question.facts),
                    "shape": {"sentences": 0, "bad": []},
                    "confidence": None,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                    "error": f"{exc.__class__.__name__}: {exc}",
                }
            )
            continue
        latency = (time.perf_counter() - started) * 1000
        citations = list(getattr(answer, "citations", ()))
        refused = bool(getattr(answer, "refused", False))
        answer_text = str(getattr(answer, "answer", ""))
        citation_hit = any(
            quote_matches(quote, c.text) for c in citations for quote in question.quotes
        )
        evidence = " ".join([answer_text, *(c.quote for c in citations)])
        found = [fact for fact in question.facts if fact_found(fact, evidence)]
        coverage = len(found) / len(question.facts) if question.facts else None
        cited = [
            {
                "n": c.n,
                "chunk_id": c.chunk_id,
                "source": c.source,
                "title": c.title,
                "section": getattr(c, "section", None),
                "page": c.page,
                "quote": c.quote,
                "text": str(getattr(c, "text", ""))[:PASSAGE_CHARS],
            }
            for c in citations
        ]
        records.append(
            _base(question)
            | {
                "refused": refused,
                "answer": answer_text,
                "citations": cited,
                "citation_hit": citation_hit,
                "fact_coverage": coverage,
                "facts_missing": [f for f in question.facts if f not in found],
                "shape": answer_shape(cited),
                "confidence": _float_or_none(getattr(answer, "confidence", None)),
                "latency_ms": round(latency, 2),
                "error": None,
            }
        )
        if progress:
            progress(number, len(questions))
    return records


def _float_or_none(value: Any) -> float | None:
    try:
        return None if value is None else round(float(value), 4)
    except (TypeError, ValueError):
        return None


def _ranked(records: Sequence[Record]) -> list[list[bool]]:
    return [[r["relevant"] for r in record["results"]] for record in records]


def _retrieval_group(records: list[Record]) -> dict[str, Any]:
    return retrieval_metrics(_ranked(records))


def _rate(flags: Sequence[bool]) -> float | None:
    return mean(1.0 if f else 0.0 for f in flags)


def _answer_group(records: list[Record]) -> dict[str, Any]:
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    coverages = [r["fact_coverage"] for r in answerable if r["fact_coverage"] is not None]
    answered = [r for r in answerable if not r["refused"]]
    answered_coverage = [r["fact_coverage"] for r in answered if r["fact_coverage"] is not None]
    return {
        "n": len(records),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "citation_hit": _rate([r["citation_hit"] for r in answerable]),
        "citation_hit_when_answered": _rate([r["citation_hit"] for r in answered]),
        "fact_coverage": mean(coverages),
        "fact_coverage_when_answered": mean(answered_coverage),
        "refusal_rate_unanswerable": _rate([r["refused"] for r in unanswerable]),
        "false_refusal_rate": _rate([r["refused"] for r in answerable]),
        "errors": sum(1 for r in records if r.get("error")),
        **_shape_group(records),
    }


def _shape_group(records: list[Record]) -> dict[str, Any]:
    """What the answers look like: quoted sentences that are no statement (all answers), and
    the median length and number of quotes of the answers given (refusals left out)."""
    given = [r for r in records if not r["refused"] and not r.get("error")]
    shape = shape_summary(r["shape"] for r in records if r.get("shape"))
    return {
        "quoted_sentences": shape["sentences"],
        "bad_quotes": shape["bad_quotes"],
        "bad_quotes_by_rule": shape["by_rule"],
        "answer_chars_p50": percentile([len(r["answer"]) for r in given], 50),
        "quotes_per_answer_p50": percentile([len(r["citations"]) for r in given], 50),
    }


def _counts(questions: Sequence[GoldQuestion]) -> dict[str, Any]:
    by_language: dict[str, int] = {}
    by_doc: dict[str, int] = {}
    for q in questions:
        by_language[q.language] = by_language.get(q.language, 0) + 1
        by_doc[str(q.doc)] = by_doc.get(str(q.doc), 0) + 1
    return {
        "questions": len(questions),
        "answerable": sum(q.answerable for q in questions),
        "unanswerable": sum(not q.answerable for q in questions),
        "by_language": dict(sorted(by_language.items())),
        "by_doc": dict(sorted(by_doc.items())),
    }


def summarise(
    questions: Sequence[GoldQuestion],
    retrieval: Sequence[Record],
    answers: Sequence[Record] | None = None,
    k: int = 10,
) -> dict[str, Any]:
    """Metrics overall, per language and per document (retrieval: answerable questions only),
    latencies and counts. ``metrics`` is a flat name → value map (what thresholds and
    ``compare`` read); answer metrics are None when answers were not run."""
    answerable = [r for r in retrieval if r["answerable"]]
    overall = _retrieval_group(answerable)
    by_language = aggregate(answerable, lambda r: r["language"], _retrieval_group)
    latencies = [r["latency_ms"] for r in retrieval]
    metrics: dict[str, Any] = {name: overall[name] for name in RETRIEVAL_METRICS}
    for language in LANGUAGES:
        group = by_language.get(language, {})
        for name in RETRIEVAL_METRICS:
            metrics[f"{name}_{language}"] = group.get(name)
    metrics["retrieval_latency_p50_ms"] = percentile(latencies, 50)
    metrics["retrieval_latency_p95_ms"] = percentile(latencies, 95)
    answer_summary: dict[str, Any] | None = None
    if answers:
        answer_overall = _answer_group(list(answers))
        answer_latencies = [r["latency_ms"] for r in answers]
        answer_overall["answer_latency_p50_ms"] = percentile(answer_latencies, 50)
        answer_overall["answer_latency_p95_ms"] = percentile(answer_latencies, 95)
        answer_summary = {
            "overall": answer_overall,
            "by_language": aggregate(answers, lambda r: r["language"], _answer_group),
            "by_doc": aggregate(
                [r for r in answers if r["answerable"]], lambda r: r["doc"], _answer_group
            ),
        }
        for name in ANSWER_METRICS:
            metrics[name] = answer_overall.get(name)
    else:
        for name in ANSWER_METRICS:
            metrics[name] = None
    return {
        "k": k,
        "counts": _counts(questions),
        "metrics": metrics,
        "retrieval": {
            "overall": overall,
            "by_language": by_language,
            "by_doc": aggregate(answerable, lambda r: r["doc"], _retrieval_group),
            "by_category": aggregate(answerable, lambda r: r["category"] or "-", _retrieval_group),
            "latency_ms": {
                "p50": metrics["retrieval_latency_p50_ms"],
                "p95": metrics["retrieval_latency_p95_ms"],
            },
        },
        "answers": answer_summary,
    }


def summarise_splits(
    questions: Sequence[GoldQuestion],
    retrieval: Sequence[Record],
    answers: Sequence[Record] | None = None,
    k: int = 10,
) -> dict[str, Any]:
    """``summarise`` over all questions, plus ``splits``: the same summary for each part
    (``dev``, ``test``) that has questions in this run."""
    summary = summarise(questions, retrieval, answers, k)
    parts: dict[str, Any] = {}
    for split in SPLITS:
        part = [q for q in questions if q.split == split]
        if not part:
            continue
        ids = {q.id for q in part}
        parts[split] = summarise(
            part,
            [r for r in retrieval if r["id"] in ids],
            [r for r in answers if r["id"] in ids] if answers else None,
            k,
        )
    summary["splits"] = parts
    return summary


def merge(retrieval: Sequence[Record], answers: Sequence[Record] | None) -> list[Record]:
    """One record per question: the retrieval record with the answer record under "answer"."""
    by_id = {r["id"]: r for r in answers or ()}
    merged = []
    for record in retrieval:
        answer = by_id.get(record["id"])
        extra = (
            {key: value for key, value in answer.items() if key not in _base_keys()}
            if answer
            else None
        )
        merged.append(record | {"answer": extra})
    return merged


def _base_keys() -> set[str]:
    return {
        "id",
        "question",
        "language",
        "answerable",
        "doc",
        "category",
        "style",
        "split",
        "quotes",
    }


def evaluate(
    engine_or_retriever: Any,
    questions: Sequence[GoldQuestion],
    answerer: Answerer | None = None,
    k: int = 10,
) -> dict[str, Any]:
    """Everything ``vraagbaak eval run --json`` prints: summary, per-question records, counts."""
    retrieval = run_retrieval(engine_or_retriever, questions, k)
    answers = run_answers(answerer, questions) if answerer is not None else None
    summary = summarise_splits(questions, retrieval, answers, k)
    return {
        "summary": summary,
        "counts": summary["counts"],
        "answers_run": answerer is not None,
        "questions": merge(retrieval, answers),
    }
