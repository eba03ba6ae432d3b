import math
from dataclasses import dataclass
from typing import ClassVar

import pytest

from evals.goldset import GoldQuestion
from evals.metrics import (
    aggregate,
    first_hit_rank,
    ndcg_at_k,
    percentile,
    recall_at_k,
    reciprocal_rank,
    retrieval_metrics,
)
from evals.runner import evaluate, run_answers, run_retrieval, summarise


def test_recall_and_first_hit() -> None:
    ranked = [False, False, True, False]
    assert first_hit_rank(ranked) == 3
    assert first_hit_rank([False, False]) is None
    assert recall_at_k(ranked, 1) == 0.0
    assert recall_at_k(ranked, 3) == 1.0
    assert recall_at_k([], 5) == 0.0


def test_reciprocal_rank_cut_at_k() -> None:
    assert reciprocal_rank([True]) == 1.0
    assert reciprocal_rank([False, True]) == 0.5
    assert reciprocal_rank([False] * 10 + [True], k=10) == 0.0


def test_ndcg_binary() -> None:
    assert ndcg_at_k([True, False, False]) == 1.0
    assert ndcg_at_k([False, True]) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k([False, False]) == 0.0
    # two relevant results at ranks 1 and 3: ideal would be ranks 1 and 2
    expected = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k([True, False, True]) == pytest.approx(expected)
    # with a known number of relevant passages the ideal uses it
    assert ndcg_at_k([True], n_relevant=2) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    assert ndcg_at_k([False] * 10 + [True], k=10) == 0.0


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([10.0, 1.0, 5.0], 0) == 1.0
    assert percentile(range(1, 101), 95) == pytest.approx(95.05)
    with pytest.raises(ValueError):
        percentile([1.0], 120)


def test_retrieval_metrics_and_aggregate() -> None:
    metrics = retrieval_metrics([[True], [False, True], [False] * 10])
    assert metrics["n"] == 3
    assert metrics["recall_at_1"] == pytest.approx(1 / 3)
    assert metrics["recall_at_5"] == pytest.approx(2 / 3)
    assert metrics["mrr_at_10"] == pytest.approx((1 + 0.5) / 3)
    assert retrieval_metrics([])["recall_at_5"] is None
    groups = aggregate(["aa", "ab", "b"], lambda s: s[0], lambda items: {"n": len(items)})
    assert groups == {"a": {"n": 2}, "b": {"n": 1}}


# --- the runner with a fake retriever and answerer ------------------------------------------


@dataclass(frozen=True)
class FakeChunk:
    id: str
    text: str
    section: str = ""
    page: int | None = 1


@dataclass(frozen=True)
class FakeDoc:
    source: str
    title: str


@dataclass(frozen=True)
class FakeHit:
    chunk: FakeChunk
    document: FakeDoc
    score: float


PASSAGES = {
    "a": "De gezinswerker bij Lokalis werd als verwijzer meestal gezien als regiehouder.",
    "b": "Binnen negen trajecten zijn achttien professionals geïnterviewd.",
    "c": "Een passage over iets heel anders, namelijk het weer.",
}


class FakeRetriever:
    """Returns fixed rankings per question text."""

    rankings: ClassVar[dict[str, list[str]]] = {
        "wie is regiehouder": ["a", "b", "c"],
        "who coordinates": ["c", "b", "a"],
        "hoeveel professionals": ["c", "a"],
        "wat is het weer op mars": ["c"],
    }

    def search(self, query: str, k: int = 5) -> list[FakeHit]:
        return [
            FakeHit(FakeChunk(cid, PASSAGES[cid]), FakeDoc("doc.txt", "Rapport"), 1.0 - i / 10)
            for i, cid in enumerate(self.rankings[query][:k])
        ]


@dataclass(frozen=True)
class FakeCitation:
    n: int
    chunk_id: str
    source: str
    title: str
    page: int | None
    text: str
    quote: str


@dataclass(frozen=True)
class FakeAnswer:
    answer: str
    refused: bool
    citations: tuple[FakeCitation, ...]
    confidence: float = 0.9


class FakeAnswerer:
    def answer(self, question: str) -> FakeAnswer:
        if question == "hoeveel professionals":
            return FakeAnswer("Dat staat er niet in.", True, ())
        if question == "wat is het weer op mars":
            raise RuntimeError("boom")
        cid = FakeRetriever.rankings[question][0]
        text = PASSAGES[cid]
        citation = FakeCitation(1, cid, "doc.txt", "Rapport", 1, text, text)
        return FakeAnswer(f"{text} [1]", False, (citation,))


def q(
    qid: str, text: str, language: str, quote: str | None, facts: tuple[str, ...] = ()
) -> GoldQuestion:
    return GoldQuestion(
        id=qid,
        question=text,
        language=language,
        answerable=quote is not None,
        doc="doc.txt" if quote else None,
        quotes=(quote,) if quote else (),
        facts=facts,
    )


QUESTIONS = [
    q(
        "q1",
        "wie is regiehouder",
        "nl",
        "verwijzer meestal gezien als regiehouder",
        ("verwijzer", "gezinswerker bij Lokalis", "nergens"),
    ),
    q("q2", "who coordinates", "en", "verwijzer meestal gezien als regiehouder", ("verwijzer",)),
    q("q3", "hoeveel professionals", "nl", "achttien professionals geïnterviewd"),
    q("q4", "wat is het weer op mars", "nl", None),
]


def test_run_retrieval_records() -> None:
    records = run_retrieval(FakeRetriever(), QUESTIONS, k=10)
    assert [r["first_hit_rank"] for r in records] == [1, 3, None, None]
    assert records[0]["results"][0]["title"] == "Rapport"
    assert records[0]["results"][0]["relevant"] is True
    assert records[0]["latency_ms"] >= 0
    assert len(records[0]["results"][0]["text"]) <= 200


def test_run_answers_records_and_errors() -> None:
    records = run_answers(FakeAnswerer(), QUESTIONS)
    by_id = {r["id"]: r for r in records}
    assert by_id["q1"]["citation_hit"] is True
    assert by_id["q1"]["fact_coverage"] == pytest.approx(2 / 3)
    assert by_id["q1"]["facts_missing"] == ["nergens"]
    assert by_id["q2"]["citation_hit"] is False  # cites passage c
    assert by_id["q3"]["refused"] is True
    assert by_id["q4"]["error"].startswith("RuntimeError")
    assert run_answers(None, QUESTIONS) == []


def test_summary() -> None:
    retrieval = run_retrieval(FakeRetriever(), QUESTIONS)
    answers = run_answers(FakeAnswerer(), QUESTIONS)
    summary = summarise(QUESTIONS, retrieval, answers)
    metrics = summary["metrics"]
    assert summary["counts"]["answerable"] == 3
    assert summary["counts"]["unanswerable"] == 1
    assert metrics["recall_at_1"] == pytest.approx(1 / 3)
    assert metrics["recall_at_5"] == pytest.approx(2 / 3)
    assert metrics["recall_at_5_en"] == 1.0
    assert metrics["recall_at_5_nl"] == pytest.approx(0.5)
    assert metrics["mrr_at_10"] == pytest.approx((1 + 1 / 3) / 3)
    assert metrics["citation_hit"] == pytest.approx(1 / 3)
    assert metrics["false_refusal_rate"] == pytest.approx(1 / 3)
    assert metrics["refusal_rate_unanswerable"] == 0.0  # q4 errored, it did not refuse
    assert summary["retrieval"]["by_doc"]["doc.txt"]["n"] == 3
    assert summary["answers"]["overall"]["errors"] == 1
    no_answers = summarise(QUESTIONS, retrieval, None)
    assert no_answers["answers"] is None
    assert no_answers["metrics"]["citation_hit"] is None


def test_evaluate_accepts_an_engine() -> None:
    class Engine:
        retriever = FakeRetriever()

    result = evaluate(Engine(), QUESTIONS, answerer=None)
    assert result["answers_run"] is False
    assert result["questions"][0]["answer"] is None
    assert result["counts"]["questions"] == 4
    with pytest.raises(TypeError):
        run_retrieval(object(), QUESTIONS)


def test_answer_shape_in_the_summary() -> None:
    retrieval = run_retrieval(FakeRetriever(), QUESTIONS)
    answers = run_answers(FakeAnswerer(), QUESTIONS)
    by_id = {r["id"]: r for r in answers}
    assert by_id["q1"]["shape"] == {"sentences": 1, "bad": []}
    assert by_id["q4"]["shape"] == {"sentences": 0, "bad": []}  # the answerer failed
    # q2 quotes a sentence that is a table row
    by_id["q2"]["shape"] = {
        "sentences": 1,
        "bad": [{"n": 1, "sentence": "Totaal 389 281 282", "rules": ["table", "fragment"]}],
    }
    summary = summarise(QUESTIONS, retrieval, answers)
    metrics = summary["metrics"]
    assert metrics["bad_quotes"] == 1
    overall = summary["answers"]["overall"]
    assert overall["quoted_sentences"] == 2
    assert overall["bad_quotes_by_rule"]["table"] == 1
    assert overall["bad_quotes_by_rule"]["fragment"] == 1
    # answered: q1 and q2 (q3 refused, q4 failed), each with one quote
    lengths = sorted(len(by_id[i]["answer"]) for i in ("q1", "q2"))
    assert metrics["answer_chars_p50"] == pytest.approx(sum(lengths) / 2)
    assert metrics["quotes_per_answer_p50"] == 1
    assert summary["answers"]["by_language"]["en"]["bad_quotes"] == 1
