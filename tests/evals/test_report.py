"""The HTML/Markdown report: verdicts first, failures next, a failures-only filter, run.json."""

import json
import re
from pathlib import Path
from typing import Any

from evals.compare import compare_runs, load_run
from evals.report import RUN_FILE, failures, verdict_rows, write_report
from evals.runner import merge, run_answers, run_retrieval, summarise_splits
from evals.thresholds import verdicts
from tests.evals.test_metrics import QUESTIONS, FakeAnswerer, FakeRetriever


def _run(gated: bool = True) -> dict[str, Any]:
    retrieval = run_retrieval(FakeRetriever(), QUESTIONS)
    answers = run_answers(FakeAnswerer(), QUESTIONS)
    summary = summarise_splits(QUESTIONS, retrieval, answers)
    gates = {"min": {"recall_at_5": 0.5, "citation_hit": 0.85}, "max": {}}
    gate = {
        "thresholds": "t.toml",
        "corpus": "x",
        "part": "all questions",
        "split": "all",
        "checked": gated,
        "verdicts": verdicts(summary, gates) if gated else [],
        "skipped": [],
        "failures": [],
        "note": "",
    }
    return {
        "meta": {"corpus": "x", "gold_set": "g.jsonl", "split": "all", "profile": None},
        "summary": summary,
        "counts": summary["counts"],
        "answers_run": True,
        "gate": gate,
        "questions": merge(retrieval, answers),
    }


def test_verdicts_read_as_sentences() -> None:
    rows = verdict_rows(_run())
    assert [r["text"] for r in rows] == [
        "Recall@5 0.67 — drempel 0.50 — gehaald",
        "Juiste bron geciteerd 0.33 — drempel 0.85 — niet gehaald",
    ]
    assert all(r["explanation"].endswith(".") for r in rows)
    # without a gate: the headline metrics, each without a threshold
    plain = verdict_rows(_run(gated=False))
    assert plain[0]["text"] == "Recall@5 0.67 — geen drempel"


def test_failures_by_kind() -> None:
    found = failures(_run())
    assert [q["id"] for q in found["citation_miss"]] == ["q2"]
    assert [q["id"] for q in found["wrong_refusal"]] == ["q3"]
    assert [q["id"] for q in found["answered_unanswerable"]] == ["q4"]
    assert found["bad_quote"] == []


def test_report_order_filter_and_run_json(tmp_path: Path) -> None:
    run = _run()
    html_path = write_report(run, tmp_path)
    page = html_path.read_text("utf-8")
    order = [page.index(marker) for marker in ("Oordeel", "Fouten", "Alle vragen", "Gegevens")]
    assert order == sorted(order)
    assert "1 van de 2 drempels niet gehaald." in page
    # each failure shows the question, the expected quote, the answer and the cited passage
    failure = page[page.index("Verkeerde bron geciteerd (1)") :]
    for text in ("who coordinates", "verwijzer meestal gezien als regiehouder", "het weer"):
        assert text in failure
    # the quoted sentence is marked inside its passage; passage text is escaped
    assert "<mark>Een passage over iets heel anders, namelijk het weer.</mark>" in failure
    # failures-only filter: a checkbox hides the rows marked ok, no script needed
    assert 'id="alleen-fouten"' in page and "<script" not in page
    rows = re.findall(r'<tr class="(ok|fail)">', page)
    assert rows == ["ok", "fail", "fail", "fail"]
    # metadata is a small table, not a dump of dicts
    assert '<table class="meta">' in page and "{'" not in page
    saved = load_run(tmp_path / RUN_FILE)
    assert saved == json.loads(json.dumps(run))
    assert compare_runs(saved, run).same_questions
    markdown = (tmp_path / "report.md").read_text("utf-8")
    assert markdown.index("## Oordeel") < markdown.index("## Fouten")
    run["questions"][1]["answer"]["citations"][0]["text"] = "<img src=x onerror=alert(1)>"
    assert "<img src=x" not in write_report(run, tmp_path / "x").read_text("utf-8")
