"""`vraagbaak eval run` with a registered corpus, splits and per-corpus gates (fake engine)."""

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import evals.cli
import evals.registry
import evals.thresholds
from evals.cli import eval_app, format_summary
from service.engine import Engine
from tests.evals.test_metrics import QUESTIONS, FakeAnswerer, FakeRetriever

runner = CliRunner()


@dataclass(frozen=True)
class Params:
    chunk_chars: int = 800


@dataclass(frozen=True)
class Manifest:
    embedder: str = "fake"
    params: Params = Params()


@dataclass(frozen=True)
class Document:
    source: str


@dataclass
class Index:
    documents: dict[str, Document]
    manifest: Manifest = Manifest()
    build_id: str = "build-1"


@dataclass(frozen=True)
class Config:
    k: int = 10


class Profile:
    def describe(self) -> dict[str, Any]:
        return {"name": "fake-profile", "fitted": {"split": "dev"}}

    def summary(self) -> str:
        return "profile fake-profile"


class FakeSearcher(FakeRetriever):
    config = Config()


@dataclass
class FakeEngine:
    index: Index
    retriever: FakeSearcher = field(default_factory=FakeSearcher)


class EngineWithProfile(FakeEngine):
    profile = Profile()


def _gold(tmp_path: Path) -> Path:
    """q1, q2 dev; q3, q4 test: the test part has one answerable question that retrieval misses
    and that the answerer refuses, and one unanswerable question the answerer fails on."""
    rows = []
    for question in QUESTIONS:
        split = "test" if question.id in ("q3", "q4") else "dev"
        rows.append(
            {
                "id": question.id,
                "question": question.question,
                "language": question.language,
                "answerable": question.answerable,
                "doc": question.doc,
                "quotes": list(question.quotes),
                "facts": list(question.facts),
                "split": split,
            }
        )
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    (tmp_path / "evals").mkdir()
    (tmp_path / "docs").mkdir()
    _gold(tmp_path)
    registry = tmp_path / "evals" / "corpora.toml"
    registry.write_text(
        '[x]\ndocs = "docs"\ngold = "gold.jsonl"\n\n[y]\ndocs = "docs"\ngold = "none.jsonl"\n'
    )
    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text("[x.min]\nrecall_at_5 = 0.5\n")
    monkeypatch.setattr(evals.registry, "REGISTRY", registry)
    monkeypatch.setattr(evals.thresholds, "DEFAULT_THRESHOLDS", thresholds)
    monkeypatch.setattr(
        evals.cli, "_make_answerer", lambda engine, settings: (FakeAnswerer(), None)
    )
    state: dict[str, Any] = {"engine": EngineWithProfile(Index({"d1": Document("doc.txt")}))}

    def load(settings: Any, embedder: Any = None, config: Any = None) -> Any:
        state["settings"] = settings
        return state["engine"]

    monkeypatch.setattr(Engine, "load", load)
    state["tmp"], state["thresholds"] = tmp_path, thresholds
    return state


def _json(output: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(output[output.index("{") :])
    return result


def test_registered_corpus_picks_its_set_and_documents(setup: dict[str, Any]) -> None:
    setup["thresholds"].write_text("[x.min]\nrecall_at_5 = 0.0\n")
    result = runner.invoke(eval_app, ["run", "--corpus", "x", "--json"])
    assert result.exit_code == 0, result.output
    data = _json(result.stdout)
    assert setup["settings"].corpus_dir == setup["tmp"] / "docs"
    meta = data["meta"]
    assert meta["corpus"] == "x" and meta["split"] == "all"
    assert meta["gold_set"] == str(setup["tmp"] / "gold.jsonl")
    assert meta["profile"] == {"name": "fake-profile", "fitted": {"split": "dev"}}
    summary = data["summary"]
    assert summary["counts"]["questions"] == 4
    splits = summary["splits"]
    assert [splits["dev"]["counts"]["questions"], splits["test"]["counts"]["questions"]] == [2, 2]
    assert splits["dev"]["metrics"]["recall_at_5"] == 1.0
    assert splits["test"]["metrics"]["recall_at_5"] == 0.0
    assert {q["split"] for q in data["questions"]} == {"dev", "test"}
    assert "All thresholds met (the test part)" in result.stderr


def test_the_gate_checks_the_test_part(setup: dict[str, Any]) -> None:
    # all questions reach R@5 2/3 and dev 1.0, but the test part 0.0: the gate fails
    result = runner.invoke(eval_app, ["run", "--corpus", "x"])
    assert result.exit_code == 1
    assert "Thresholds not met (the test part)" in result.stderr
    assert "recall_at_5 = 0.00 is below the minimum 0.50" in result.stderr
    # the readable summary shows the parts side by side
    header = next(line for line in result.stdout.splitlines() if "dev" in line)
    assert header.split() == ["all", "dev", "test"]
    assert "profile fake-profile" in result.stdout
    # a dev-only run is not gated
    result = runner.invoke(eval_app, ["run", "--corpus", "x", "--split", "dev", "--json"])
    assert result.exit_code == 0, result.output
    assert "Thresholds not checked" in result.stderr
    assert list(_json(result.stdout)["summary"]["splits"]) == ["dev"]
    # a test-only run is, and shows no side-by-side columns (all equals test)
    result = runner.invoke(eval_app, ["run", "--corpus", "x", "--split", "test"])
    assert result.exit_code == 1
    assert not any(line.split() == ["all", "test"] for line in result.stdout.splitlines())


def test_gates_of_another_corpus_do_not_apply(setup: dict[str, Any], tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text("[min]\nmrr_at_10 = 0.0\n\n[z.min]\nrecall_at_5 = 0.9\n")
    result = runner.invoke(eval_app, ["run", "--corpus", "x", "--thresholds", str(other)])
    assert result.exit_code == 0, result.output
    setup["thresholds"].write_text("[z.min]\nrecall_at_5 = 0.9\n")
    result = runner.invoke(eval_app, ["run", "--corpus", "x"])
    assert result.exit_code == 0 and "No thresholds for corpus 'x'" in result.stderr


def test_a_folder_path_still_works(setup: dict[str, Any]) -> None:
    gold = str(setup["tmp"] / "gold.jsonl")
    folder = setup["tmp"] / "elsewhere"
    result = runner.invoke(eval_app, ["run", gold, "--corpus", str(folder), "--json"])
    assert result.exit_code == 0, result.output  # an explicit set is not gated by default
    assert setup["settings"].corpus_dir == folder
    assert _json(result.stdout)["meta"]["corpus"] is None


def test_an_unsplit_set_is_gated_on_all_questions(setup: dict[str, Any]) -> None:
    gold = setup["tmp"] / "gold.jsonl"
    rows = [json.loads(line) for line in gold.read_text().splitlines()]
    gold.write_text("\n".join(json.dumps({**r, "split": "dev"}) for r in rows) + "\n")
    result = runner.invoke(
        eval_app, ["run", str(gold), "--thresholds", str(setup["thresholds"]), "--corpus", "x"]
    )
    assert result.exit_code == 0, result.output
    assert "All thresholds met (all questions (the set has no test part))" in result.stderr


def test_engine_without_profile(setup: dict[str, Any]) -> None:
    setup["engine"] = FakeEngine(Index({"d1": Document("doc.txt")}))
    result = runner.invoke(eval_app, ["run", "--corpus", "x", "--json", "--split", "test"])
    assert _json(result.stdout)["meta"]["profile"] is None


def test_clear_errors(setup: dict[str, Any]) -> None:
    result = runner.invoke(eval_app, ["run", "--corpus", "y"])
    assert result.exit_code == 1 and "corpus 'y' has no gold set yet" in result.stderr
    result = runner.invoke(eval_app, ["run", "--corpus", "x", "--split", "train"])
    assert result.exit_code == 2 and "--split must be one of" in result.stderr
    setup["engine"] = replace(setup["engine"], index=Index({"d1": Document("other.pdf")}))
    result = runner.invoke(eval_app, ["run", "--corpus", "x"])
    assert result.exit_code == 1
    assert "holds none of corpus 'x'" in result.stderr
    assert "vraagbaak ingest --data-dir DIR --corpus" in result.stderr


def test_format_summary_without_splits_has_no_side_by_side() -> None:
    from evals.runner import run_answers, run_retrieval, summarise

    retrieval = run_retrieval(FakeRetriever(), QUESTIONS)
    text = format_summary(summarise(QUESTIONS, retrieval, run_answers(FakeAnswerer(), QUESTIONS)))
    assert text.startswith("Questions: 4")
    assert "quoted sentences not statements  0 of 2" in text
    assert "answer length p50 (answered)" in text and "quotes per answer p50 (answered) 1" in text


def test_report_writes_run_json_that_compare_reads(setup: dict[str, Any]) -> None:
    report = setup["tmp"] / "rep"
    result = runner.invoke(eval_app, ["run", "--corpus", "x", "--report", str(report)])
    assert result.exit_code == 1  # the gate fails, the report is written all the same
    run = json.loads((report / "run.json").read_text("utf-8"))
    assert run["gate"]["split"] == "test" and run["gate"]["checked"] is True
    assert run["gate"]["verdicts"][0] | {"value": None} == {
        "metric": "recall_at_5",
        "value": None,
        "threshold": 0.5,
        "kind": "min",
        "pass": False,
    }
    page = (report / "report.html").read_text("utf-8")
    assert "Recall@5 0.00 — drempel 0.50 — niet gehaald" in page
    assert "getoetst op het testdeel" in page
    path = str(report / "run.json")
    result = runner.invoke(eval_app, ["compare", path, path])
    assert result.exit_code == 0, result.output
    assert "Both runs asked the same 4 questions." in result.stdout
