"""`vraagbaak docs` names the index's profile; `vraagbaak calibrate` refits it from a gold set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.index import PROFILE_FILE, current_build
from service.engine import Engine
from tests.fakes import HashingEmbedder
from vraagbaak.cli import app
from vraagbaak.settings import Settings

runner = CliRunner()


def test_docs_shows_the_profile(small_settings: Settings) -> None:
    result = runner.invoke(
        app,
        [
            "docs",
            "--data-dir",
            str(small_settings.data_dir),
            "--corpus",
            str(small_settings.corpus_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Profile: profile default (fitted on vraagbaak.jsonl, dev" in result.output


def test_calibrate_writes_the_profile_into_the_build(
    small_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load = Engine.load.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(
        Engine, "load", classmethod(lambda cls, s, **kw: load(cls, s, embedder=HashingEmbedder()))
    )
    rows = [
        ("Wie heeft de regie als SAVE betrokken is?", True),
        ("Hoeveel gezinnen ondersteunden de buurtteams in 2018?", True),
        ("Wat was de wachttijd voor een eerste gesprek?", True),
        ("Hoeveel gezinnen woonden in Amersfoort in 2016?", False),
        ("Wat kost een parkeervergunning in Zeist?", False),
    ]
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        "".join(
            json.dumps(
                {"id": f"q{n}", "question": q, "language": "nl", "answerable": a,
                 "doc": "jim.txt", "quotes": ["x"] if a else [], "facts": [], "split": "dev"}
            ) + "\n"
            for n, (q, a) in enumerate(rows)
        )
    )  # fmt: skip
    args = ["calibrate", "--gold", str(gold), "--data-dir", str(small_settings.data_dir)]
    dry = runner.invoke(app, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    build = current_build(small_settings.index_dir)
    assert build is not None and not (build / PROFILE_FILE).exists()
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "refusal threshold" in result.output and "fitted on gold.jsonl (dev)" in result.output
    assert json.loads((build / PROFILE_FILE).read_text())["fitted"]["gold_set"] == "gold.jsonl"
