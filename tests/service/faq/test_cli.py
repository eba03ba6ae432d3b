from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.goldset import load_goldset
from ingest.index import Index
from service.answering.extractive import ExtractiveAnswerer
from service.engine import Engine
from service.faq import cli
from tests.fakes import HashingEmbedder
from tests.service.faq.conftest import REFUSAL
from vraagbaak.settings import Settings

runner = CliRunner()


@pytest.fixture
def data_dir(settings: Settings, index: Index, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(cli, "load_engine", lambda s: Engine.load(s, embedder=HashingEmbedder()))
    # the hashing embedder's cosines are low: draft with a lower evidence threshold
    monkeypatch.setattr(
        cli, "draft_answerer", lambda engine: ExtractiveAnswerer(engine.retriever, refusal=REFUSAL)
    )
    return str(settings.data_dir)


def invoke(*args: str) -> str:
    result = runner.invoke(cli.faq_app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_flow(data_dir: str, tmp_path: Path) -> None:
    d = ("--data-dir", data_dir)
    assert "Created FAQ set 'Training'" in invoke(
        "create", "Training", "--description", "x", "--language", "nl", *d
    )
    failed = runner.invoke(cli.faq_app, ["create", "Training", *d])
    assert failed.exit_code == 1 and "already exists" in failed.output

    questions = tmp_path / "questions.csv"
    questions.write_text(
        "question\nHoe lang waren de wachtlijsten voor specialistische hulp?\n", encoding="utf-8"
    )
    out = invoke(
        "add",
        "Training",
        "Wie is regiehouder als SAVE MN bij aanvang betrokken is?",
        "--file",
        str(questions),
        *d,
    )
    assert "Drafted 2 answer(s)" in out

    entries = json.loads(invoke("list", "Training", "--json", *d))
    assert [e["status"] for e in entries] == ["draft", "draft"]
    assert all(e["citations"] and e["stale"] is False for e in entries)
    first = entries[0]["id"]
    assert "regiehouder" in invoke("show", "Training", str(first), *d)

    out = invoke("edit", "Training", str(first), "--answer", "SAVE MN heeft de regie [1].", *d)
    assert "SAVE MN heeft de regie [1]." in out
    assert "Approved #" in invoke("approve", "Training", str(first), *d)

    md = invoke("export", "Training", "--format", "md", *d)
    assert "## Wie is regiehouder" in md and "Hoe lang waren" not in md
    target = tmp_path / "training.jsonl"
    runner.invoke(cli.faq_app, ["export", "Training", "--format", "evalset", "-o", str(target), *d])
    assert [q.answerable for q in load_goldset(target)] == [True]

    exported = tmp_path / "training.json"
    invoke("export", "Training", "--format", "json", "-o", str(exported), *d)
    invoke("create", "Kopie", *d)
    assert "Imported 2 entries" in invoke("import", "Kopie", str(exported), *d)
    bad = tmp_path / "bad.csv"
    bad.write_text("question,status\nA?,draft\nB?,nope\n", encoding="utf-8")
    failed = runner.invoke(cli.faq_app, ["import", "Kopie", str(bad), *d])
    assert failed.exit_code == 1 and "bad.csv: line 3" in failed.output
    assert len(json.loads(invoke("list", "Kopie", "--json", *d))) == 2

    assert "Wanneer was SAVE MN regiehouder?" in invoke("suggest", "Training", "--doc", "jim", *d)
    assert "checked 4 entries" in invoke("check", *d)
    missing = runner.invoke(cli.faq_app, ["list", "Nope", *d])
    assert missing.exit_code == 1 and "No FAQ set 'Nope'" in missing.output


def test_exported_evalset_runs_in_vraagbaak_eval(
    data_dir: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    eval_cli = pytest.importorskip("evals.cli")
    d = ("--data-dir", data_dir)
    invoke("create", "Training", *d)
    invoke(
        "add",
        "Training",
        "Wie is regiehouder als SAVE MN bij aanvang betrokken is?",
        "Hoe lang waren de wachtlijsten voor specialistische hulp?",
        *d,
    )
    invoke("approve", "Training", "1", "2", *d)
    target = tmp_path / "training.jsonl"
    invoke("export", "Training", "--format", "evalset", "-o", str(target), *d)

    load = Engine.load
    monkeypatch.setattr(
        Engine,
        "load",
        lambda settings, embedder=None, config=None: load(settings, HashingEmbedder(), config),
    )
    result = runner.invoke(eval_cli.eval_app, ["run", str(target), "--no-answers", "--json", *d])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{") :])["summary"]
    assert summary["counts"]["questions"] == 2
    assert summary["metrics"]["recall_at_5"] == 1.0
