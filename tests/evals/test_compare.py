import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evals.cli import eval_app
from evals.compare import compare_runs, format_comparison, load_run, paired_bootstrap
from evals.report import RECALL_PLOT, SCORE_PLOT, write_report
from evals.runner import merge, run_answers, run_retrieval, summarise
from tests.evals.test_metrics import QUESTIONS, FakeAnswerer, FakeRetriever


def question(
    qid: str,
    rank: int | None,
    refused: bool | None = None,
    answerable: bool = True,
    citation_hit: bool = False,
) -> dict[str, Any]:
    answer = None if refused is None else {"refused": refused, "citation_hit": citation_hit}
    return {
        "id": qid,
        "question": f"vraag {qid}",
        "answerable": answerable,
        "first_hit_rank": rank,
        "answer": answer,
    }


def run(metrics: dict[str, float | None], *questions: dict[str, Any]) -> dict[str, Any]:
    return {"summary": {"metrics": metrics}, "questions": list(questions)}


def test_metric_deltas() -> None:
    a = run({"recall_at_5": 0.8, "false_refusal_rate": 0.2, "citation_hit": None})
    b = run({"recall_at_5": 0.9, "false_refusal_rate": 0.1, "citation_hit": None})
    deltas = {d.name: d for d in compare_runs(a, b).deltas}
    assert deltas["recall_at_5"].delta == pytest.approx(0.1)
    assert deltas["recall_at_5"].improved is True
    assert deltas["false_refusal_rate"].improved is True  # lower is better
    assert deltas["citation_hit"].delta is None


def test_question_changes() -> None:
    a = run(
        {},
        question("q1", None),
        question("q2", 1),
        question("q3", 4),
        question("q4", 2),
        question("q5", 1, refused=True),
        question("q6", None, refused=False, answerable=False),
        question("q7", 1, refused=False, citation_hit=True),
        question("gone", 1),
    )
    b = run(
        {},
        question("q1", 3),
        question("q2", None),
        question("q3", 1),
        question("q4", 2),
        question("q5", 1, refused=False),
        question("q6", None, refused=True, answerable=False),
        question("q7", 1, refused=False, citation_hit=False),
        question("new", 1),
    )
    comparison = compare_runs(a, b)
    better = {(c.id, c.kind, c.detail) for c in comparison.better}
    worse = {(c.id, c.kind, c.detail) for c in comparison.worse}
    assert better == {
        ("q1", "miss→hit", "miss → #3"),
        ("q3", "rank", "#4 → #1"),
        ("q5", "refused", "refused → answered"),
        ("q6", "refused", "answered → refused"),  # unanswerable: refusing is right
    }
    assert worse == {("q2", "hit→miss", "#1 → miss"), ("q7", "citation", "citation hit → miss")}
    assert comparison.only_in_a == ["gone"]
    assert comparison.only_in_b == ["new"]
    text = format_comparison(comparison, "base", "cand")
    assert "Better questions (4):" in text and "Worse questions (2):" in text
    assert "The runs asked different questions: 7 in both, 1 only in base, 1 only in cand" in text
    assert "gone" not in text  # counts, not ids
    assert json.loads(json.dumps(comparison.to_json()))["worse"][0]["id"] in {"q2", "q7"}


def _real_run() -> dict[str, Any]:
    retrieval = run_retrieval(FakeRetriever(), QUESTIONS)
    answers = run_answers(FakeAnswerer(), QUESTIONS)
    summary = summarise(QUESTIONS, retrieval, answers)
    return {"summary": summary, "counts": summary["counts"], "questions": merge(retrieval, answers)}


def test_compare_cli_and_report(tmp_path: Path) -> None:
    a = _real_run()
    b = json.loads(json.dumps(a))
    b["questions"][0]["first_hit_rank"] = None
    (tmp_path / "a.json").write_text(json.dumps(a))
    (tmp_path / "b.json").write_text(json.dumps(b))
    result = CliRunner().invoke(
        eval_app, ["compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")]
    )
    assert result.exit_code == 0, result.output
    assert "hit→miss" in result.output
    result = CliRunner().invoke(
        eval_app, ["compare", str(tmp_path / "a.json"), str(tmp_path / "missing.json")]
    )
    assert result.exit_code == 1
    with pytest.raises(ValueError, match="not an eval run"):
        (tmp_path / "c.json").write_text("{}")
        load_run(tmp_path / "c.json")


def test_report_is_self_contained_and_escaped(tmp_path: Path) -> None:
    data = _real_run()
    data["questions"][0]["question"] = "<script>alert(1)</script> & co"
    html_path = write_report(data, tmp_path / "rep")
    html = html_path.read_text("utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "http://" not in html and "https://" not in html
    assert (tmp_path / "rep" / "report.md").read_text("utf-8").startswith("# ")
    for plot in (RECALL_PLOT, SCORE_PLOT):
        assert (tmp_path / "rep" / plot).read_bytes().startswith(b"\x89PNG")
        assert f'src="{plot}"' in html


def _runs_with_recall(hits_a: list[bool], hits_b: list[bool]) -> tuple[dict, dict]:
    def make(hits: list[bool], latency: float) -> dict[str, Any]:
        questions = [question(f"q{i}", 1 if hit else None) for i, hit in enumerate(hits)]
        recall = sum(hits) / len(hits)
        return run({"recall_at_5": recall, "answer_latency_p50_ms": latency}, *questions)

    return make(hits_a, 100.0), make(hits_b, 109.0)


def test_a_small_change_is_noise_a_large_one_is_real() -> None:
    # one question of forty flips: within run-to-run noise
    a, b = _runs_with_recall([True] * 30 + [False] * 10, [True] * 31 + [False] * 9)
    comparison = compare_runs(a, b)
    recall = next(d for d in comparison.deltas if d.name == "recall_at_5")
    assert recall.paired_delta == pytest.approx(0.025)
    assert recall.low is not None and recall.low <= 0 <= (recall.high or 0)
    assert recall.real is False and recall.improved is None
    # a 9% slower answer is noise too
    latency = next(d for d in comparison.deltas if d.name == "answer_latency_p50_ms")
    assert latency.improved is None
    text = format_comparison(comparison)
    assert "(noise)" in text and "Both runs asked the same 40 questions." in text
    # ten questions flip the same way: real
    a, b = _runs_with_recall([True] * 30 + [False] * 10, [True] * 40)
    recall = next(d for d in compare_runs(a, b).deltas if d.name == "recall_at_5")
    assert recall.real is True and recall.improved is True
    assert recall.low is not None and recall.low > 0


def test_latency_beyond_ten_percent_counts() -> None:
    a = run({"answer_latency_p50_ms": 100.0})
    b = run({"answer_latency_p50_ms": 112.0})
    latency = compare_runs(a, b).deltas[0]
    assert latency.real is True and latency.improved is False


def test_paired_bootstrap() -> None:
    assert paired_bootstrap([1, 0, 1], [1, 0, 1]) == (0.0, 0.0, 0.0)
    observed, low, high = paired_bootstrap([0.0] * 20, [1.0] * 20, "sum")
    assert observed == low == high == 20.0
    # deterministic
    assert paired_bootstrap([0, 1] * 10, [1, 1] * 10) == paired_bootstrap([0, 1] * 10, [1, 1] * 10)
    with pytest.raises(ValueError):
        paired_bootstrap([], [])


def test_load_run_accepts_json_output_with_text_before_it(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("Report: somewhere\n" + json.dumps(_real_run()))
    assert load_run(path)["summary"]["counts"]["questions"] == 4
