"""The gold-set workflow through /api/eval: sets, items by quote, export, runs, comparison."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evals.goldset import load_goldset
from service.api.app import create_app
from service.assistant import Assistant
from service.engine import Engine
from tests.service.faq.conftest import REFUSAL
from vraagbaak.settings import Settings

REGIE = "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren."


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    app = create_app(settings, engine=engine, assistant=Assistant(engine, refusal=REFUSAL))
    with TestClient(app) as test_client:
        yield test_client


def _passage(client: TestClient, question: str, contains: str) -> tuple[str, str]:
    results = client.get("/api/eval/search", params={"q": question}).json()["results"]
    for hit in results:
        for sentence in hit["sentences"]:
            if contains in sentence["text"]:
                return hit["chunk_id"], sentence["text"]
    raise AssertionError(f"no passage with {contains!r} in {results}")


def _make_set(client: TestClient) -> int:
    created = client.post("/api/eval/sets", json={"name": "regie"})
    assert created.status_code == 201, created.text
    set_id: int = created.json()["id"]
    for question, contains in (
        ("Wie heeft de regie als SAVE MN betrokken is?", "regiehouder"),
        ("Hoeveel jongeren kozen een JIM?", "45 jongeren"),
        ("Hoe lang waren de wachtlijsten voor specialistische hulp?", "twaalf weken"),
    ):
        chunk_id, sentence = _passage(client, question, contains)
        added = client.post(
            f"/api/eval/sets/{set_id}/items",
            json={"question": question, "language": "nl", "chunk_id": chunk_id, "quote": sentence},
        )
        assert added.status_code == 201, added.text
    none = client.post(
        f"/api/eval/sets/{set_id}/items",
        json={"question": "Wat kost een JIM-traject in Eindhoven?", "answerable": False},
    )
    assert none.status_code == 201, none.text
    return set_id


def test_items_are_verbatim_and_export_loads_as_a_gold_set(
    client: TestClient, tmp_path: Path
) -> None:
    set_id = _make_set(client)
    gold = client.get(f"/api/eval/sets/{set_id}").json()
    assert gold["counts"] == {"items": 4, "answerable": 3, "unanswerable": 1}
    first = gold["items"][0]
    assert first["quotes"] == [REGIE] and first["doc"] == "jim.txt"
    assert "regiehouder" in first["facts"] and "SAVE" not in first["facts"]  # asked already
    numbers = gold["items"][1]["facts"]
    assert "45 jongeren" in numbers and "2018" not in numbers

    exported = client.get(f"/api/eval/sets/{set_id}/export")
    assert exported.headers["content-type"].startswith("application/x-ndjson")
    path = tmp_path / "set.jsonl"
    path.write_text(exported.text, encoding="utf-8")
    questions = load_goldset(path)
    assert [q.answerable for q in questions] == [True, True, True, False]
    assert questions[0].quotes == (REGIE,)

    other = client.post("/api/eval/sets", json={"name": "kopie"}).json()["id"]
    imported = client.post(f"/api/eval/sets/{other}/import", json={"content": exported.text})
    assert imported.status_code == 201 and imported.json()["added"] == 4


def test_a_quote_not_in_the_passage_is_refused_with_what_to_do(client: TestClient) -> None:
    set_id = client.post("/api/eval/sets", json={"name": "fout"}).json()["id"]
    chunk_id, _ = _passage(client, "Wie heeft de regie?", "regiehouder")
    wrong = client.post(
        f"/api/eval/sets/{set_id}/items",
        json={"question": "Wie?", "chunk_id": chunk_id, "quote": "SAVE MN had altijd de regie."},
    )
    assert wrong.status_code == 422
    assert "not verbatim" in wrong.json()["detail"]
    missing = client.post(f"/api/eval/sets/{set_id}/items", json={"question": "Wie?"})
    assert missing.status_code == 422 and "not answerable" in missing.json()["detail"]
    bad_import = client.post(f"/api/eval/sets/{set_id}/import", json={"content": "{nope"})
    assert bad_import.status_code == 422 and "line 1" in bad_import.json()["detail"]
    assert client.post("/api/eval/sets", json={"name": "fout"}).status_code == 422


def test_edit_and_delete_an_item(client: TestClient) -> None:
    set_id = _make_set(client)
    item = client.get(f"/api/eval/sets/{set_id}").json()["items"][0]
    changed = client.put(
        f"/api/eval/sets/{set_id}/items/{item['id']}",
        json={"question": "Wie is regiehouder?", "answerable": False},
    )
    assert changed.status_code == 200 and changed.json()["id"] == item["id"]
    assert client.delete(f"/api/eval/sets/{set_id}/items/{item['id']}").status_code == 204
    assert client.get(f"/api/eval/sets/{set_id}").json()["counts"]["items"] == 3
    assert client.delete(f"/api/eval/sets/{set_id}/items/{item['id']}").status_code == 404


def test_run_gives_verdicts_and_is_stored_for_comparison(client: TestClient) -> None:
    set_id = _make_set(client)
    run = client.post("/api/eval/runs", json={"set": set_id, "corpus": "a"})
    assert run.status_code == 201, run.text
    body = run.json()
    assert body["metrics"]["recall_at_5"] is not None
    verdict = next(v for v in body["verdicts"] if v["metric"] == "recall_at_5")
    assert verdict["threshold"] == 0.90 and verdict["pass"] == (verdict["value"] >= 0.90)
    assert "drempel" in verdict["text"] and verdict["explanation"]
    assert len(body["questions"]) == 4
    flags = [q["failed"] for q in body["questions"]]
    assert flags == sorted(flags, reverse=True)  # failures first
    again = client.get(f"/api/eval/runs/{body['id']}").json()
    assert again["metrics"] == body["metrics"]
    second = client.post("/api/eval/runs", json={"set": set_id, "corpus": "a"}).json()
    compared = client.get("/api/eval/compare", params={"a": body["id"], "b": second["id"]})
    assert compared.status_code == 200 and compared.json()["same_questions"] is True
    assert [r["id"] for r in client.get("/api/eval/runs").json()["runs"]] == [
        second["id"],
        body["id"],
    ]


def test_unknown_things_are_4xx(client: TestClient) -> None:
    assert client.get("/api/eval/sets/99").status_code == 404
    assert client.get("/api/eval/runs/99").status_code == 404
    assert client.post("/api/eval/runs", json={"set": 99}).status_code == 404
    empty = client.post("/api/eval/sets", json={"name": "leeg"}).json()["id"]
    assert client.post("/api/eval/runs", json={"set": empty}).status_code == 422


def test_keys_eval_scope_or_admin(settings: Settings, engine: Engine) -> None:
    settings = settings.model_copy(update={"require_api_keys": True})
    app = create_app(settings, engine=engine, assistant=Assistant(engine, refusal=REFUSAL))
    with TestClient(app) as client:
        store = app.state.key_store
        keys = {scope: store.create(scope)[1] for scope in ("ask", "faq", "eval", "admin")}
        for scope, status in (("ask", 403), ("faq", 403), ("eval", 200), ("admin", 200)):
            response = client.get(
                "/api/eval/sets", headers={"Authorization": f"Bearer {keys[scope]}"}
            )
            assert response.status_code == status, scope
        assert client.get("/api/eval/sets").status_code == 401
        eval_key = {"Authorization": f"Bearer {keys['eval']}"}
        assert client.get("/api/faq/sets", headers=eval_key).status_code == 403
        assert (
            client.post("/api/search", json={"query": "regie"}, headers=eval_key).status_code == 200
        )


def test_a_run_on_an_unregistered_corpus_shows_the_headline_metrics_without_gates(
    client: TestClient,
) -> None:
    set_id = _make_set(client)
    body = client.post("/api/eval/runs", json={"set": set_id}).json()
    assert body["verdicts"] and all(v["threshold"] is None for v in body["verdicts"])
    assert all(v["pass"] is None and "geen drempel" in v["text"] for v in body["verdicts"])
    assert "Geen drempels" in body["note"]
    unknown = client.post("/api/eval/runs", json={"set": set_id, "corpus": "zz"})
    assert unknown.status_code == 422 and "use one of" in unknown.json()["detail"]
