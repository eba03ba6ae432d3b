"""Hardening: re-ingest under load, killed processes, logs, web safety and request limits.

Everything runs on the small test corpus with the fake embedder, on loopback only, and every
loop is bounded in count and time.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import service.api.app as app_module
from ingest.index import BUILDS, current_build, load_index
from ingest.pipeline import ingest
from service.api.app import create_app
from service.engine import Engine
from tests.conftest import SMALL_CORPUS
from tests.fakes import HashingEmbedder
from vraagbaak.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "service" / "static"
QUESTIONS = (
    "Wie is regiehouder als SAVE betrokken is?",
    "Hoeveel gezinnen ondersteunden de buurtteams in 2018?",
    "Wat was de gemiddelde wachttijd voor een eerste gesprek?",
    "Welke kennis hebben gezinswerkers nodig over de JIM-aanpak?",
)


def _client(settings: Settings) -> TestClient:
    engine = Engine.load(settings, embedder=HashingEmbedder())
    return TestClient(create_app(settings, engine=engine))


@pytest.fixture
def client(small_settings: Settings) -> Iterator[TestClient]:
    with _client(small_settings) as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _build_chunk_ids(index_dir: Path, build: str) -> set[str]:
    with (index_dir / BUILDS / build / "chunks.jsonl").open(encoding="utf-8") as rows:
        return {json.loads(line)["id"] for line in rows if line.strip()}


# --- (a) a re-ingest while requests run ------------------------------------------------------


def _second_version(directory: Path) -> Path:
    """The small corpus with every sentence changed, so no passage id survives the change."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in SMALL_CORPUS.items():
        title, rest = text.split("\n", 1)
        changed = f"{title} (herzien)\n" + re.sub(r"([a-z])\.(\s)", r"\1 (herzien).\2", rest)
        (directory / name).write_text(changed, encoding="utf-8")
    return directory


def _cited_ids(endpoint: str, response: httpx.Response) -> list[str]:
    if endpoint == "/api/search":
        return [r["chunk_id"] for r in response.json()["results"]]
    if endpoint == "/api/ask":
        body = response.json()
    else:
        blocks = [b for b in response.text.split("\n\n") if b.strip()]
        if not blocks or not blocks[-1].startswith("event: done"):
            raise AssertionError(f"stream did not end with `done`: {response.text[-300:]!r}")
        body = json.loads(blocks[-1].split("data: ", 1)[1])
    return [c["chunk_id"] for c in body["citations"] + body["related"]]


def test_a_reingest_while_requests_run_fails_nothing_and_never_mixes_builds(
    small_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "REFRESH_SECONDS", 0.05)
    index_dir = small_settings.index_dir
    first = current_build(index_dir)
    assert first is not None
    versions = [Path(small_settings.corpus_dir), _second_version(tmp_path / "corpus-v2")]
    ids = [_build_chunk_ids(index_dir, first.name), set()]

    settings = small_settings.model_copy(
        update={"rate_limit_per_minute": 1_000_000, "rate_limit_burst": 100_000}
    )
    engine = Engine.load(settings, embedder=HashingEmbedder())
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, engine=engine), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    server_thread = threading.Thread(target=server.run, daemon=True)
    server_thread.start()
    failures: list[str] = []
    answers: list[tuple[str, list[str]]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client_loop(number: int) -> None:
        endpoints = ("/api/ask", "/api/search", "/api/chat/stream")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for count in range(2000):
                if stop.is_set():
                    return
                endpoint = endpoints[(number + count) % 3]
                question = QUESTIONS[count % len(QUESTIONS)]
                payload = (
                    {"query": question} if endpoint == "/api/search" else {"question": question}
                )
                try:
                    response = http.post(endpoint, json=payload)
                    if response.status_code != 200:
                        raise AssertionError(f"HTTP {response.status_code}: {response.text}")
                    cited = _cited_ids(endpoint, response)
                except Exception as exc:
                    with lock:
                        failures.append(f"{endpoint}: {exc.__class__.__name__}: {exc}")
                    continue
                with lock:
                    answers.append((endpoint, cited))

    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started
        clients = [threading.Thread(target=client_loop, args=(n,)) for n in range(4)]
        for thread in clients:
            thread.start()
        builds_seen = {first.name}
        ends = time.monotonic() + 4.0
        for number in range(1, 9):  # v2, v1, v2, … while the clients keep asking
            if time.monotonic() > ends:
                break
            version = number % 2
            report = ingest([versions[version]], index_dir, HashingEmbedder())
            assert report.build is not None
            builds_seen.add(report.build)
            if not ids[version]:
                ids[version] = _build_chunk_ids(index_dir, report.build)
            time.sleep(0.3)
        time.sleep(0.3)
        stop.set()
        for thread in clients:
            thread.join(timeout=20)
        seen = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()["index_build"]
    finally:
        stop.set()
        server.should_exit = True
        server_thread.join(timeout=10)

    assert not failures, failures[:10]
    assert ids[0] and ids[1] and not ids[0] & ids[1], "the two versions must share no passage"
    assert len(builds_seen) >= 3 and seen in builds_seen
    mixed = [(e, c) for e, c in answers if c and not (set(c) <= ids[0] or set(c) <= ids[1])]
    assert not mixed, mixed[:5]
    served = {v for _, c in answers if c for v in (0, 1) if set(c) <= ids[v]}
    assert served == {0, 1}, "answers from both index versions were expected"
    assert len(answers) >= 20


# --- (b) a killed ingest ---------------------------------------------------------------------

_SLOW_INGEST = """
import sys, time
from pathlib import Path
import ingest.index as index_module
from ingest.pipeline import ingest
from tests.fakes import HashingEmbedder

real = index_module.build_dense_index
def stalled(vectors, **options):  # runs while the new build is being written aside
    print("writing", flush=True)
    time.sleep(60)
    return real(vectors, **options)
index_module.build_dense_index = stalled
ingest([Path(sys.argv[1])], Path(sys.argv[2]), HashingEmbedder())
print("finished", flush=True)
"""


def test_a_killed_ingest_leaves_the_previous_index_serving(
    small_settings: Settings, tmp_path: Path
) -> None:
    index_dir = small_settings.index_dir
    before = current_build(index_dir)
    assert before is not None
    changed = _second_version(tmp_path / "corpus-v2")
    process = subprocess.Popen(
        [sys.executable, "-c", _SLOW_INGEST, str(changed), str(index_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        partial: list[Path] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            partial = list((index_dir / BUILDS).glob(".*.partial"))
            if partial and (partial[0] / "passage_vectors.npy").exists():
                break
            time.sleep(0.05)
        assert partial, (
            f"no .partial build appeared: {process.stderr.read() if process.stderr else ''}"
        )
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    assert current_build(index_dir) == before
    assert not (partial[0] / "manifest.json").exists()
    index = load_index(index_dir, "hashing-test")
    assert index.path == before
    with _client(small_settings) as client:
        health = client.get("/health").json()
        assert health["index_build"] == before.name
        assert client.post("/api/ask", json={"question": QUESTIONS[0]}).status_code == 200
        found = client.post("/api/search", json={"query": QUESTIONS[0]})
        assert found.status_code == 200
        ids = {r["chunk_id"] for r in found.json()["results"]}
        assert ids and ids <= _build_chunk_ids(index_dir, before.name)
    # The next ingest is not disturbed by what the killed one left behind.
    report = ingest([changed], index_dir, HashingEmbedder())
    assert (
        report.build is not None and current_build(index_dir) == index_dir / BUILDS / report.build
    )


# --- (c) SQLite stores under SIGKILL ---------------------------------------------------------

_WRITERS = {
    "feedback": """
from service.feedback import FeedbackStore
store = FeedbackStore(path)
def write(i):
    store.add("up", f"vraag {i}", "antwoord", "", None, [])
""",
    "keys": """
from service.security.keys import KeyStore
store = KeyStore(path)
def write(i):
    store.create("ask", name=f"sleutel {i}")
""",
    "faq": """
from service.faq.store import FaqStore, NewEntry
store = FaqStore(path)
store.create_set("set")
def write(i):
    store.add_entry("set", NewEntry(question=f"vraag {i}", answer="antwoord"))
""",
}
_WRITE_LOOP = """
import sys, time
from pathlib import Path
path = Path(sys.argv[1])
{setup}
ends = time.monotonic() + 30
for i in range(1, 100_000):
    if time.monotonic() > ends:
        break
    write(i)
    print(i, flush=True)
"""
_COUNT = {
    "feedback": "SELECT COUNT(*) FROM feedback",
    "keys": "SELECT COUNT(*) FROM api_keys",
    "faq": "SELECT COUNT(*) FROM faq_entries",
}


@pytest.mark.parametrize("store", sorted(_WRITERS))
def test_sqlite_stores_use_wal_and_survive_a_kill_mid_write(store: str, tmp_path: Path) -> None:
    path = tmp_path / f"{store}.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-c", _WRITE_LOOP.format(setup=_WRITERS[store]), str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acknowledged = 0
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        for line in process.stdout:  # ends when the writer exits (it stops after 30 s)
            acknowledged = int(line)
            if acknowledged >= 40 or time.monotonic() > deadline:
                break
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
    assert acknowledged >= 40, process.stderr.read() if process.stderr else ""
    assert process.returncode == -signal.SIGKILL
    assert process.stdout is not None
    for line in process.stdout.read().split():  # what it printed before it was killed
        acknowledged = int(line)

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute(_COUNT[store]).fetchone()[0]
    finally:
        conn.close()
    # Every write the writer saw committed is there, plus at most the one it was killed in
    # between its commit and its print.
    assert acknowledged <= rows <= acknowledged + 1


# --- (d) logs --------------------------------------------------------------------------------


def test_logs_hold_no_question_text_at_info_level(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    question = "Wie is regiehouder bij Zwartkopmeesje-Xylofoonhuis 4521?"
    caplog.set_level(logging.DEBUG)
    assert client.post("/api/ask", json={"question": question}).status_code == 200
    assert client.post("/api/search", json={"query": question}).status_code == 200
    with client.stream("POST", "/api/chat/stream", json={"question": question}) as response:
        assert "event: done" in "".join(response.iter_text())
    assert (
        client.post(
            "/api/feedback", json={"rating": "down", "question": question, "comment": question}
        ).status_code
        == 200
    )
    assert caplog.records, "logging was not captured"
    for record in caplog.records:
        if record.levelno >= logging.INFO:
            text = record.getMessage()
            assert "Zwartkopmeesje" not in text and "4521" not in text, (record.name, text)


# --- (e) security headers, CSP, no inline scripts --------------------------------------------


@pytest.mark.parametrize("path", ["/", "/widget.js", "/faq", "/static/faq.js", "/health"])
def test_pages_carry_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src and script_src.group(1).split() == ["'self'"]
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


class _ScriptFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]
        if tag == "script":
            self.scripts.append(dict(attrs) | {"#text": ""})
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1]["#text"] = (self.scripts[-1]["#text"] or "") + data


@pytest.mark.parametrize("page", sorted(p.name for p in STATIC.glob("*.html")))
def test_pages_have_no_inline_scripts_or_event_handlers(page: str) -> None:
    finder = _ScriptFinder()
    finder.feed((STATIC / page).read_text("utf-8"))
    assert finder.scripts, f"{page} loads no script at all"
    for script in finder.scripts:
        assert script.get("src"), f"{page}: a <script> without src"
        assert not (script["#text"] or "").strip(), f"{page}: a <script> with a body"
    assert not finder.handlers, f"{page}: inline event handlers {finder.handlers}"


# --- (f) escaping ----------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script> en <img src=x onerror=alert(1)>"


def test_markup_in_documents_comes_back_as_plain_json_text(
    small_settings: Settings, small_corpus: Path
) -> None:
    (small_corpus / "aanval.txt").write_text(
        "Waarschuwing over scripts\n\nDit document bevat letterlijk "
        + HOSTILE
        + " als voorbeeld van gevaarlijke invoer in een rapport.\n",
        encoding="utf-8",
    )
    ingest([small_corpus], small_settings.index_dir, HashingEmbedder())
    with _client(small_settings) as client:
        response = client.post("/api/search", json={"query": "alert onerror script img", "k": 3})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        hit = next(r for r in response.json()["results"] if r["source"] == "aanval.txt")
        assert HOSTILE in hit["text"]
        assert "<script>alert(1)</script>" in response.text  # JSON, not HTML-escaped
        passage = client.get(f"/api/passages/{hit['chunk_id']}")
        assert passage.status_code == 200
        assert passage.headers["content-type"] == "application/json"
        assert HOSTILE in passage.json()["text"] and HOSTILE in passage.json()["context"]["text"]


_HTML_SINKS = re.compile(r"\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write")


def test_the_widget_and_faq_page_never_feed_server_data_to_html_sinks() -> None:
    sinks = []
    for script in sorted(STATIC.glob("*.js")):
        for number, line in enumerate(script.read_text("utf-8").splitlines(), 1):
            if _HTML_SINKS.search(line):
                sinks.append((script.name, number, line.strip()))
    # The one sink: the widget's icons, constant SVG markup keyed by names in the code.
    assert [(name, line) for name, _, line in sinks] == [
        ("widget.js", "svg.innerHTML = ICONS[name]; // constant markup from this file only")
    ]
    widget = (STATIC / "widget.js").read_text("utf-8")
    icons = re.search(r"const ICONS = \{(.*?)\n  \};", widget, re.S)
    assert icons is not None
    names = set(re.findall(r"^\s+(\w+):", icons.group(1), re.M))
    calls = re.findall(r"\bicon\(([^)]*)\)", widget)
    for argument in calls:
        if argument == "name":  # the definition itself
            continue
        if argument == "rating":  # iterates over the literal ["up", "down"]
            assert '["up", "down"].map((rating)' in widget and {"up", "down"} <= names
            continue
        assert re.fullmatch(r'"(\w+)"', argument) and argument.strip('"') in names, argument


# --- (g) request limits, keys, binding --------------------------------------------------------


def test_a_body_over_the_limit_gets_413(small_settings: Settings) -> None:
    settings = small_settings.model_copy(update={"max_body_bytes": 1000})
    with _client(settings) as client:
        response = client.post("/api/ask", json={"question": "regie " * 300})
        assert response.status_code == 413
        assert "at most 1000" in response.json()["detail"]
        assert client.post("/api/ask", json={"question": QUESTIONS[0]}).status_code == 200


def test_over_the_rate_limit_gets_429_with_retry_after(small_settings: Settings) -> None:
    settings = small_settings.model_copy(update={"rate_limit_per_minute": 1, "rate_limit_burst": 2})
    with _client(settings) as client:
        codes = [client.post("/api/search", json={"query": "regie"}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        refused = client.post("/api/search", json={"query": "regie"})
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert client.get("/health").status_code == 200  # health is not rate limited


def test_serving_on_all_interfaces_without_keys_is_refused() -> None:
    from vraagbaak.cli import app as cli

    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2
    output = result.output + (getattr(result, "stderr", "") or "")
    assert "--require-keys" in output and "--open" in output


def test_required_keys_are_enforced_by_scope(small_settings: Settings) -> None:
    settings = small_settings.model_copy(update={"require_api_keys": True})
    with _client(settings) as client:
        store = client.app.state.key_store  # type: ignore[attr-defined]
        _, ask_key = store.create("ask", name="test")
        _, faq_key = store.create("faq", name="test")
        question = {"question": QUESTIONS[0]}
        missing = client.post("/api/ask", json=question)
        assert missing.status_code == 401 and "Authorization: Bearer" in missing.json()["detail"]
        wrong = client.post(
            "/api/ask", json=question, headers={"Authorization": "Bearer vb_ask_0000_nope"}
        )
        assert wrong.status_code == 401
        asked = client.post(
            "/api/ask", json=question, headers={"Authorization": f"Bearer {ask_key}"}
        )
        assert asked.status_code == 200
        faq = client.get("/api/faq/sets", headers={"Authorization": f"Bearer {ask_key}"})
        assert faq.status_code == 403 and "'faq'" in faq.json()["detail"]
        assert (
            client.get("/api/faq/sets", headers={"Authorization": f"Bearer {faq_key}"}).status_code
            == 200
        )
        assert client.get("/health").status_code == 200


def test_the_same_app_can_be_started_twice(small_settings: Settings) -> None:
    app = create_app(small_settings, engine=Engine.load(small_settings, embedder=HashingEmbedder()))
    with TestClient(app) as client:
        assert client.get("/api/faq/sets").status_code == 200
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/faq/sets").status_code == 200


@pytest.mark.parametrize("path", ["/api/ask", "/api/search", "/api/feedback", "/api/faq/sets"])
def test_a_lone_surrogate_in_the_body_is_a_4xx(client: TestClient, path: str) -> None:
    field = {"/api/search": "query", "/api/faq/sets": "name"}.get(path, "question")
    extra = ', "rating": "up"' if path == "/api/feedback" else ""
    body = f'{{"{field}": "regie \\ud800"{extra}}}'.encode()
    response = TestClient(client.app, raise_server_exceptions=False).post(
        path, content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


# --- (f) second round: issue 18 --------------------------------------------------------------


def test_a_500_carries_the_security_headers(small_settings: Settings) -> None:
    app = create_app(small_settings, engine=Engine.load(small_settings, embedder=HashingEmbedder()))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "bad_id",
    ["a@b.nl", "111222333", "NL91ABNA0417164300", "x", "../../etc/passwd", "A" * 32],
)
def test_conversation_ids_must_have_the_issued_form(client: TestClient, bad_id: str) -> None:
    asked = client.post("/api/ask", json={"question": QUESTIONS[0], "conversation_id": bad_id})
    assert asked.status_code == 422 and "previous answer returned" in asked.json()["detail"]
    rated = client.post(
        "/api/feedback", json={"rating": "up", "question": "q", "conversation_id": bad_id}
    )
    assert rated.status_code == 422
    assert client.app.state.feedback.all() == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "bad_chunk", ["a@b.nl", "111222333", "NL91ABNA0417164300", "jim:0001:deadbeef"]
)
def test_feedback_chunk_ids_must_be_passages_of_the_index(
    client: TestClient, bad_chunk: str
) -> None:
    response = client.post(
        "/api/feedback", json={"rating": "up", "question": "q", "chunk_ids": [bad_chunk]}
    )
    assert response.status_code == 422
    assert client.app.state.feedback.all() == []  # type: ignore[attr-defined]


def test_issued_ids_are_stored_and_every_free_text_field_is_redacted(
    small_settings: Settings,
) -> None:
    settings = small_settings.model_copy(update={"store_questions": True})
    with _client(settings) as client:
        first = client.post("/api/ask", json={"question": "Wie heeft de regie? bsn 111-222-333"})
        conversation = first.json()["conversation_id"]
        chunk = first.json()["citations"][0]["chunk_id"]
        rated = client.post(
            "/api/feedback",
            json={
                "rating": "down",
                "question": "geboren 12-mrt-2015",
                "answer": "bel 06/12345678",
                "comment": "woont op 3511 ab 4a, BSN111222333",
                "conversation_id": conversation,
                "chunk_ids": [chunk],
            },
        )
        assert rated.status_code == 200
        (row,) = client.app.state.feedback.all()  # type: ignore[attr-defined]
        (logged,) = client.app.state.question_log.all()  # type: ignore[attr-defined]
    assert row["conversation_id"] == conversation and row["chunk_ids"] == [chunk]
    assert row["question"] == "geboren [DATUM]" and row["answer"] == "bel [TELEFOON]"
    assert row["comment"] == "woont op [ADRES], BSN[BSN]"
    assert logged["question"] == "Wie heeft de regie? bsn [BSN]"
    assert logged["conversation_id"] == conversation


def test_the_stores_redact_id_fields_that_do_not_have_the_issued_form(tmp_path: Path) -> None:
    from service.feedback import FeedbackStore
    from service.question_log import QuestionLog

    feedback = FeedbackStore(tmp_path / "db.sqlite")
    feedback.add("up", "q", "", "", "mail a@b.nl", ["111222333"])
    log = QuestionLog(tmp_path / "db.sqlite")
    log.add("q", "nl", False, "extractive", "NL91ABNA0417164300")
    assert feedback.all()[0]["conversation_id"] == "mail [E-MAIL]"
    assert feedback.all()[0]["chunk_ids"] == ["[BSN]"]
    assert log.all()[0]["conversation_id"] == "[IBAN]"


def test_retention_zero_stores_nothing_and_purges_what_was_kept(tmp_path: Path) -> None:
    from service.feedback import FeedbackStore

    FeedbackStore(tmp_path / "db.sqlite", retention_days=30).add("up", "q", "", "", None, [])
    emptied = FeedbackStore(tmp_path / "db.sqlite", retention_days=0)
    assert emptied.all() == []
    emptied.add("up", "q", "", "", None, [])
    assert emptied.all() == []
    with pytest.raises(ValueError, match="negative"):
        FeedbackStore(tmp_path / "db.sqlite", retention_days=-1)


def test_retention_zero_turns_feedback_off_in_the_app(small_settings: Settings) -> None:
    settings = small_settings.model_copy(update={"retention_days": 0, "store_questions": True})
    with _client(settings) as client:
        response = client.post("/api/feedback", json={"rating": "up", "question": "q"})
        assert response.json() == {"id": None, "stored": False}
        assert client.app.state.question_log is None  # type: ignore[attr-defined]


def test_access_log_holds_no_query_string_key_or_long_header(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    key = "vb_admin_0a1b2c3d_" + "S3cret" * 7
    caplog.set_level(logging.DEBUG)
    client.get(f"/api/faq/search?q=BSN+111222333&api_key={key}")
    client.get("/api/faq/sets/Daan%20111222333")
    client.post(
        "/api/search",
        json={"query": "regie"},
        headers={"origin": "https://evil.example/" + "x" * 6000},
    )
    client.post("/api/search", json={"query": "regie"}, headers={"origin": "https://evil.example"})
    server = [r for r in caplog.records if not r.name.startswith("httpx")]  # not the client's
    lines = [r.getMessage() for r in server if r.levelno >= logging.INFO]
    assert any("/api/faq/sets/{name}" in line for line in lines)
    for line in lines:
        assert "111222333" not in line and "S3cret" not in line and "Daan" not in line, line
        assert len(line) < 400, line
    refused = [line for line in lines if "evil.example" in line]
    assert len(refused) == 2  # each refused origin is warned about once, cut short


def test_api_docs_are_off_by_default_with_required_keys(small_settings: Settings) -> None:
    with _client(small_settings) as client:
        assert client.get("/docs").status_code == 200
        assert client.get("/openapi.json").status_code == 200
    keyed = small_settings.model_copy(update={"require_api_keys": True})
    with _client(keyed) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").status_code == 404
    hidden = small_settings.model_copy(update={"api_docs": False})
    with _client(hidden) as client:
        assert client.get("/openapi.json").status_code == 404
    shown = keyed.model_copy(update={"api_docs": True})
    with _client(shown) as client:
        assert client.get("/openapi.json").status_code == 200


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.0.0.1", False),
        ("128.0.0.1", False),
        ("example.org", False),
    ],
)
def test_the_whole_127_block_is_loopback(host: str, loopback: bool) -> None:
    from vraagbaak.cli import is_loopback

    assert is_loopback(host) is loopback


def _deep_json(depth: int) -> str:
    return '{"entries": ' + "[" * depth + "]" * depth + "}"


def test_a_deeply_nested_faq_import_is_a_422_not_a_500(client: TestClient) -> None:
    assert client.post("/api/faq/sets", json={"name": "diep"}).status_code == 201
    for content in (_deep_json(1000), _deep_json(100_000)):
        response = TestClient(client.app, raise_server_exceptions=False).post(
            "/api/faq/sets/diep/import",
            json={"content": content, "filename": "diep.json"},
        )
        assert response.status_code in (413, 422), response.text
        if response.status_code == 422:
            assert "nested" in response.json()["detail"]


def test_a_deeply_nested_faq_import_from_the_cli_is_a_message(
    small_settings: Settings, tmp_path: Path
) -> None:
    from vraagbaak.cli import app as cli

    data = ["--data-dir", str(small_settings.data_dir)]
    runner = CliRunner()
    assert runner.invoke(cli, ["faq", "create", "diep", *data]).exit_code == 0
    deep = tmp_path / "diep.json"
    deep.write_text(_deep_json(1000), encoding="utf-8")
    csv_file = tmp_path / "diep.csv"
    csv_file.write_text('question,citations\nvraag,"' + "[" * 1000 + "]" * 1000 + '"\n')
    for path in (deep, csv_file):
        result = runner.invoke(cli, ["faq", "import", "diep", str(path), *data])
        output = result.output + (getattr(result, "stderr", "") or "")
        assert result.exit_code == 1 and "levels deep, at most 32" in output, output
        assert "Traceback" not in output and not isinstance(result.exception, RecursionError)


def test_faq_csv_export_neutralises_formulas_and_imports_back(client: TestClient) -> None:
    assert client.post("/api/faq/sets", json={"name": "csv"}).status_code == 201
    rows = "question,answer,notes\n" + '"=HYPERLINK(""http://x"")",+1,@SUM(A1)\n' + "-2,ok,\n"
    imported = client.post("/api/faq/sets/csv/import", json={"content": rows, "filename": "in.csv"})
    assert imported.status_code == 201, imported.text
    exported = client.get("/api/faq/sets/csv/export?format=csv").text
    cells = [cell for line in exported.splitlines()[1:] for cell in line.split(",")]
    assert not any(cell.lstrip('"').startswith(("=", "+", "-", "@")) for cell in cells), exported
    again = client.post("/api/faq/sets", json={"name": "csv2"})
    assert again.status_code == 201
    back = client.post(
        "/api/faq/sets/csv2/import", json={"content": exported, "filename": "out.csv"}
    ).json()["entries"]
    assert [e["question"] for e in back] == ['=HYPERLINK("http://x")', "-2"]
    assert back[0]["answer"] == "+1" and back[0]["notes"] == "@SUM(A1)"


def test_the_faq_edit_history_stores_the_user_header_redacted(client: TestClient) -> None:
    assert client.post("/api/faq/sets", json={"name": "hist"}).status_code == 201
    who = {"X-Vraagbaak-User": "Daan bsn 111222333 a@b.nl"}
    created = client.post(
        "/api/faq/sets/hist/questions", json={"questions": ["Wie heeft de regie?"]}, headers=who
    )
    assert created.status_code == 201, created.text
    entry = created.json()["entries"][0]["id"]
    changed = client.patch(f"/api/faq/sets/hist/entries/{entry}", json={"notes": "x"}, headers=who)
    assert changed.status_code == 200, changed.text
    store = client.app.state.faq_store  # type: ignore[attr-defined]
    (item, *_) = store.history("hist", entry)
    assert "111222333" not in item.changed_by and "a@b.nl" not in item.changed_by
    assert "[BSN]" in item.changed_by


class _WindowedEmbedder(HashingEmbedder):
    """The fake embedder with a tokenizer (one token per word) and a 40-token window."""

    window_tokens = 40

    def token_count(self, text: str) -> int:
        return len(text.split()) + 2


def test_a_question_over_the_model_window_is_refused_before_any_work(
    small_settings: Settings,
) -> None:
    engine = Engine.load(small_settings, embedder=_WindowedEmbedder())
    with TestClient(create_app(small_settings, engine=engine)) as client:
        long = "en " + " ".join(["regie"] * 60)
        calls: list[str] = []
        client.app.state.assistant.ask = lambda *a: calls.append("ask")  # type: ignore[attr-defined]
        for path, field in (("/api/ask", "question"), ("/api/chat/stream", "question")):
            response = client.post(path, json={field: long})
            assert response.status_code == 422, response.text
            assert "63 tokens long and the model reads at most 40" in response.json()["detail"]
        searched = client.post("/api/search", json={"query": long})
        assert searched.status_code == 422 and "'query'" in searched.json()["detail"]
        assert calls == []
        del client.app.state.assistant.ask  # type: ignore[attr-defined]
        fits = client.post("/api/ask", json={"question": " ".join(["regie"] * 30)})
        assert fits.status_code == 200


def test_the_widget_can_keep_nothing_in_session_storage() -> None:
    """Static check (the browser suite covers storage itself): with the ``no-storage``
    attribute the widget neither reads nor writes sessionStorage."""
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    assert " *   no-storage " in source
    restore = source[source.index("    restore() {") : source.index("    persist() {")]
    persist = source[source.index("    persist() {") : source.index("    newConversation() {")]
    assert 'this.hasAttribute("no-storage") ? null : store.load(' in restore
    assert persist.index('if (this.hasAttribute("no-storage")) return;') < persist.index(
        "store.save("
    )
    assert source.count("sessionStorage.setItem") == 1  # only through store.save


class _FullDisk:
    """A connection whose every write fails the way SQLite does on a full disk."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self.real = real

    def execute(self, sql: str, *args: object) -> object:
        if sql.lstrip().upper().startswith("INSERT"):
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
            raise error
        return self.real.execute(sql, *args)

    def close(self) -> None:
        self.real.close()


def test_a_full_disk_makes_feedback_a_503_and_answers_keep_working(
    small_settings: Settings,
) -> None:
    settings = small_settings.model_copy(update={"store_questions": True})
    with _client(settings) as client:
        state = client.app.state  # type: ignore[attr-defined]
        state.feedback._conn = _FullDisk(state.feedback._conn)
        state.question_log._conn = _FullDisk(state.question_log._conn)
        rated = client.post("/api/feedback", json={"rating": "up", "question": "q"})
        assert rated.status_code == 503
        assert "disk is full" in rated.json()["detail"]
        assert client.post("/api/ask", json={"question": QUESTIONS[0]}).status_code == 200
