"""Two replicas on Postgres and one shared index directory, each a uvicorn server on its own
port with its own data dir and its own connection pool — A in this process, B in a process of
its own: what one replica changes, the other serves at its next request."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

import service.api.app as app_module
from ingest.index import current_build
from ingest.pipeline import ingest
from service.api.app import create_app
from service.engine import Engine
from service.security.keys import KeyStore
from tests.fakes import HashingEmbedder
from vraagbaak.cli import app as cli
from vraagbaak.settings import Settings

REGIE = "Wie is regiehouder als SAVE betrokken is?"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


ROOT = Path(__file__).resolve().parents[3]
# Replica B: the service over the fake embedder, as `vraagbaak serve` runs it, in its own process.
SERVE = """
import json, sys
import uvicorn
import service.api.app as app_module
from service.engine import Engine
from tests.fakes import HashingEmbedder
from vraagbaak.settings import Settings

app_module.REFRESH_SECONDS = 0.1
settings = Settings(**json.loads(sys.argv[1]))
engine = Engine.load(settings, embedder=HashingEmbedder())
app = app_module.create_app(settings, engine=engine)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


class Replica:
    def __init__(self, settings: Settings, own_process: bool) -> None:
        self.settings = settings
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        if own_process:
            self._start_process()
            return
        engine = Engine.load(settings, embedder=HashingEmbedder())
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings, engine=engine),
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "replica did not start"
            time.sleep(0.05)

    def _start_process(self) -> None:
        config = json.dumps(self.settings.model_dump(mode="json"))
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE, config, str(self.port)],
            cwd=ROOT,
            env=os.environ | {"PYTHONPATH": str(ROOT)},
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, "replica B exited"
            assert time.monotonic() < deadline, "replica B did not start"
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(20)
            return
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def replicas(
    tmp_path: Path, small_corpus: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Replica, Replica, str]]:
    monkeypatch.setattr(app_module, "REFRESH_SECONDS", 0.1)
    shared_index = tmp_path / "shared-index"  # the NFS mount or volume of a deployment
    ingest([small_corpus], shared_index, HashingEmbedder())
    made = []
    for name in ("a", "b"):
        settings = Settings(
            corpus_dir=small_corpus,
            data_dir=tmp_path / f"replica-{name}",
            index_path=shared_index,
            database_url=f"{postgres_url}?application_name=replica-{name}",
            embedder=HashingEmbedder().name,
            require_api_keys=True,
            rate_limit_per_minute=1_000_000,
            rate_limit_burst=100_000,
        )
        try:
            made.append(Replica(settings, own_process=name == "b"))
        except BaseException:
            for replica in made:
                replica.stop()
            raise
    admin = KeyStore(made[0].settings.database).create("admin", name="beheer")[1]
    try:
        yield made[0], made[1], admin
    finally:
        for replica in made:
            replica.stop()


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_key_made_on_a_works_on_b_until_a_revokes_it(
    replicas: tuple[Replica, Replica, str],
) -> None:
    a, b, _ = replicas
    record, key = KeyStore(a.settings.database).create("ask", name="wijkteam")
    response = httpx.post(f"{b.url}/api/search", json={"query": "regie"}, headers=_auth(key))
    assert response.status_code == 200, response.text
    assert KeyStore(a.settings.database).revoke(record.id)
    response = httpx.post(f"{b.url}/api/search", json={"query": "regie"}, headers=_auth(key))
    assert response.status_code == 401


def test_an_faq_answer_approved_on_a_is_served_by_b(replicas: tuple[Replica, Replica, str]) -> None:
    a, b, admin = replicas
    with httpx.Client(base_url=a.url, headers=_auth(admin), timeout=30) as on_a:
        assert on_a.post("/api/faq/sets", json={"name": "Regie"}).status_code == 201
        added = on_a.post("/api/faq/sets/Regie/questions", json={"questions": [REGIE]})
        assert added.status_code == 201, added.text
        [entry] = on_a.get("/api/faq/sets/Regie").json()["entries"]
        assert entry["citations"], entry
        approved = on_a.post(f"/api/faq/sets/Regie/entries/{entry['id']}/approve")
        assert approved.status_code == 200, approved.text
    answer = httpx.post(f"{b.url}/api/ask", json={"question": REGIE}, headers=_auth(admin)).json()
    assert answer["mode"] == "curated" and answer["answer"] == entry["answer"]


def test_feedback_written_to_both_is_exported_once(replicas: tuple[Replica, Replica, str]) -> None:
    a, b, admin = replicas
    for replica, rating in ((a, "up"), (b, "down")):
        response = httpx.post(
            f"{replica.url}/api/feedback",
            json={"rating": rating, "question": f"vraag aan {replica.port}"},
            headers=_auth(admin),
        )
        assert response.status_code == 200, response.text
    result = CliRunner().invoke(
        cli, ["feedback", "export"], env={"VRAAGBAAK_DATABASE_URL": a.settings.database_url}
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert sorted((r["rating"], r["question"]) for r in rows) == [
        ("down", f"vraag aan {b.port}"),
        ("up", f"vraag aan {a.port}"),
    ]


def test_a_reingest_on_a_is_served_by_both_with_no_failed_request(
    replicas: tuple[Replica, Replica, str],
) -> None:
    a, b, admin = replicas
    before = current_build(a.settings.index_dir)
    failures: list[str] = []
    counts = {a.url: 0, b.url: 0}
    stop = threading.Event()

    def load(url: str) -> None:
        with httpx.Client(base_url=url, headers=_auth(admin), timeout=30) as http:
            while not stop.is_set() and counts[url] < 2000:
                response = http.post("/api/search", json={"query": "wachttijd eerste gesprek"})
                counts[url] += 1
                if response.status_code != 200:
                    failures.append(f"{url}: HTTP {response.status_code} {response.text[:200]}")

    workers = [threading.Thread(target=load, args=(r.url,)) for r in (a, b)]
    for worker in workers:
        worker.start()
    text = "Nieuw beleid\n\nDe klachtencommissie behandelt elke klacht binnen zes weken.\n"
    uploaded = httpx.post(
        f"{a.url}/api/documents",
        files={"files": ("klachten.txt", text.encode(), "text/plain")},
        headers=_auth(admin),
    )
    assert uploaded.status_code == 202, uploaded.text
    served: set[str] = set()
    deadline = time.monotonic() + 120
    while served != {a.url, b.url} and time.monotonic() < deadline:
        for replica in (a, b):
            hits = httpx.post(
                f"{replica.url}/api/search",
                json={"query": "klachtencommissie klacht zes weken"},
                headers=_auth(admin),
            ).json()["results"]
            if any(h["source"] == "klachten.txt" for h in hits):
                served.add(replica.url)
        time.sleep(0.2)
    stop.set()
    for worker in workers:
        worker.join(30)
    for replica in (a, b):  # the job is followed from either replica
        job = httpx.get(
            f"{replica.url}/api/ingest/jobs/{uploaded.json()['job']}", headers=_auth(admin)
        )
        assert job.status_code == 200 and job.json()["state"] == "done", job.text
    assert served == {a.url, b.url}
    assert current_build(a.settings.index_dir) != before
    assert failures == [] and min(counts.values()) > 0, (failures[:3], counts)
