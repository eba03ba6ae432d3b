"""The command line as people use it: help that shows flags as flags, hints that work when
pasted (run again here), and progress lines when ingest's output goes to a log."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import service.engine
from service.faq.store import FaqSetNotFoundError
from tests.conftest import write_small_corpus
from tests.fakes import HashingEmbedder
from vraagbaak.cli import app
from vraagbaak.errors import EmbedderMismatchError, IndexMissingError
from vraagbaak.options import command

runner = CliRunner()


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and sub-command (typer builds on its own copy of click)."""
    found = []
    for name, sub in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if hasattr(sub, "commands"):
            found += _commands(sub, path)
    return found


def test_every_help_shows_flags_as_flags() -> None:
    paths = _commands(typer.main.get_command(app))
    assert ("serve",) in paths and ("faq", "add") in paths and ("mcp",) in paths
    for path in [(), *paths]:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.output, (path, result.output)
    serve = runner.invoke(app, ["serve", "--help"]).output
    assert "--require-keys " in serve and "--open " in serve and "--port <int>" in serve


def pasted(hint: str) -> list[str]:
    """The words a shell makes of a hint shown between backquotes."""
    words = shlex.split(hint.split("`")[1])
    assert words[0] == "vraagbaak"
    return words[1:]


def test_faq_hints_quote_set_names_and_work_when_pasted(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    created = runner.invoke(app, ["faq", "create", "regie en samenwerking", *data])
    assert created.exit_code == 0, created.output
    listed = runner.invoke(app, ["faq", "list", "regie en samenwerking", *data])
    assert "'regie en samenwerking'" in listed.output.split("`")[1]
    words = pasted(listed.output)
    assert words[:3] == ["faq", "add", "regie en samenwerking"]
    assert words[-2:] == ["--data-dir", str(tmp_path / "data")]

    missing = str(FaqSetNotFoundError("regie en samenwerking"))
    assert pasted(missing) == ["faq", "create", "regie en samenwerking"]


def test_index_hints_carry_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "mijn data"
    assert pasted(str(IndexMissingError(data / "index"))) == ["ingest", "--data-dir", str(data)]
    assert pasted(str(IndexMissingError(Path(".vraagbaak") / "index"))) == ["ingest"]
    words = pasted(str(EmbedderMismatchError(data / "index", "a", "b")).split("with ", 2)[2])
    assert words == ["ingest", "--rebuild", "--embedder", "b", "--data-dir", str(data)]


def test_key_hints_work_when_pasted(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data dir")]
    refused = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--port", "1", *data])
    assert refused.exit_code == 2
    words = pasted(refused.output)
    assert words == ["keys", "create", "--scope", "ask", *data]
    result = runner.invoke(app, words)
    assert result.exit_code == 0 and result.output.startswith("vb_ask_")

    revoked = runner.invoke(app, ["keys", "revoke", "nope", *data])
    assert revoked.exit_code == 1
    assert runner.invoke(app, pasted(revoked.output)).exit_code == 0


def test_command_quotes_what_the_shell_would_split() -> None:
    line = command("vraagbaak", "faq", "add", "set met spaties", "Wat is 'regie'?", data_dir=None)
    assert shlex.split(line) == ["vraagbaak", "faq", "add", "set met spaties", "Wat is 'regie'?"]


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service.engine, "open_embedder", lambda settings: HashingEmbedder())


def test_ingest_to_a_log_prints_progress_lines(tmp_path: Path, fake_model: None) -> None:
    corpus = write_small_corpus(tmp_path / "corpus")
    args = ["ingest", str(corpus), "--data-dir", str(tmp_path / "data")]
    result = runner.invoke(app, [*args, "--progress-every", "0.001"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("ingest: ")]
    assert lines, result.output
    assert all(" passages " in line and line.endswith(" s") for line in lines)
    assert any("documents 2/2" in line for line in lines)
    embedding = [line for line in lines if "embeddings not started" not in line]
    assert embedding, lines  # a line when embedding begins, then every few seconds
    done, total = embedding[-1].split("embeddings ")[1].split(" ")[0].split("/")
    assert 0 <= int(done) <= int(total) and int(total) > 0 and "/s)" in embedding[-1]


def test_ingest_without_progress_lines_for_json(tmp_path: Path, fake_model: None) -> None:
    corpus = write_small_corpus(tmp_path / "corpus")
    args = ["ingest", str(corpus), "--data-dir", str(tmp_path / "data"), "--json"]
    result = runner.invoke(app, [*args, "--progress-every", "0.001"])
    assert result.exit_code == 0 and "ingest: " not in result.output
