from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from evals.goldset import GoldSetError, load_goldset
from service.api.app import create_app
from service.assistant import Assistant
from service.engine import Engine
from service.faq.routes import install_faq
from tests.service.faq.conftest import REFUSAL
from vraagbaak.settings import Settings

QUESTIONS = [
    "Wie is regiehouder als SAVE MN bij aanvang betrokken is?",
    "Hoe lang waren de wachtlijsten voor specialistische hulp?",
    "Waarom is het belangrijk dat de jongere de JIM zelf kiest?",
    "Hoeveel jongeren kozen in 2018 een JIM?",
    "Wat moet de gemeente regelen voor specialistische hulp?",
]


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    app = create_app(settings, engine=engine, assistant=Assistant(engine, refusal=REFUSAL))
    install_faq(app, settings)
    with TestClient(app) as test_client:
        yield test_client


def test_trainer_flow(client: TestClient, tmp_path: object) -> None:
    response = client.post(
        "/api/faq/sets",
        json={"name": "Training JIM", "language": "nl", "description": "Voor nieuwe collega's"},
    )
    assert response.status_code == 201, response.text
    assert client.post("/api/faq/sets", json={"name": "Training JIM"}).status_code == 409

    response = client.post("/api/faq/sets/Training JIM/questions", json={"questions": QUESTIONS})
    assert response.status_code == 201, response.text
    assert response.json()["added"] == 5
    entries = client.get("/api/faq/sets/Training JIM").json()["entries"]
    assert [e["question"] for e in entries] == QUESTIONS
    assert all(e["status"] == "draft" for e in entries)

    # Review the first draft.
    first = client.get(f"/api/faq/sets/Training JIM/entries/{entries[0]['id']}").json()
    assert "regiehouder" in first["answer"] and first["citations"]
    assert first["history"][0]["action"] == "create"
    url = f"/api/faq/sets/Training JIM/entries/{first['id']}"

    # Edit the text, swap the citation for one found through the editor's search.
    hits = client.get("/api/faq/search", params={"q": "SAVE MN regiehouder"}).json()["results"]
    sentence = hits[0]["sentences"][0]
    response = client.patch(
        url,
        json={
            "answer": "SAVE MN heeft de regie als het vanaf het begin betrokken is [1].",
            "notes": "Nagekeken met de teamleider",
            "remove_citations": [1],
            "add_citations": [{"chunk_id": hits[0]["chunk_id"], "quote": sentence["text"]}],
        },
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["answer"].startswith("SAVE MN heeft de regie")
    assert [c["quote"] for c in edited["citations"]] == [sentence["text"]]
    bad = client.patch(
        url,
        json={"add_citations": [{"chunk_id": hits[0]["chunk_id"], "quote": "Dit staat er niet"}]},
    )
    assert bad.status_code == 422 and "not verbatim" in bad.json()["detail"]

    approved = client.post(f"{url}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"

    # A draft without citations cannot be approved.
    empty = client.patch(
        f"/api/faq/sets/Training JIM/entries/{entries[1]['id']}",
        json={"remove_citations": list(range(len(entries[1]["citations"]), 0, -1))},
    )
    assert empty.status_code == 200, empty.text
    refused = client.post(f"/api/faq/sets/Training JIM/entries/{entries[1]['id']}/approve")
    assert refused.status_code == 422 and "citation" in refused.json()["detail"]

    markdown = client.get("/api/faq/sets/Training JIM/export", params={"format": "md"})
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert 'filename="training-jim.md"' in markdown.headers["content-disposition"]
    assert "## Wie is regiehouder als SAVE MN bij aanvang betrokken is?" in markdown.text
    assert "Hoe lang waren" not in markdown.text

    evalset = client.get("/api/faq/sets/Training JIM/export", params={"format": "evalset"})
    assert evalset.headers["content-type"].startswith("application/x-ndjson")
    path = tmp_path / "faq.jsonl"  # type: ignore[operator]
    path.write_text(evalset.text, encoding="utf-8")
    try:
        [gold] = load_goldset(path)
    except GoldSetError as exc:  # pragma: no cover - the message says what is wrong
        pytest.fail(str(exc))
    assert gold.quotes == (sentence["text"],)

    # The assistant now answers the approved question from the FAQ.
    ask = client.post("/api/ask", json={"question": QUESTIONS[0]}).json()
    assert ask["mode"] in ("curated", "extractive")  # curated once build_assistant is hooked

    for fmt, media in (("csv", "text/csv"), ("json", "application/json")):
        response = client.get("/api/faq/sets/Training JIM/export", params={"format": fmt})
        assert response.headers["content-type"].startswith(media)


def test_upload_import_suggest_delete_and_errors(client: TestClient) -> None:
    missing = client.get("/api/faq/sets/nope")
    assert missing.status_code == 404
    assert missing.json()["detail"] == (
        "No FAQ set 'nope' — create it with POST /api/faq/sets (or `vraagbaak faq create nope`)"
    )
    assert client.post("/api/faq/sets", json={"name": "S", "language": "de"}).status_code == 422
    client.post("/api/faq/sets", json={"name": "S"})

    upload = client.post(
        "/api/faq/sets/S/questions",
        json={
            "text": "question,thema\nHoe lang waren de wachtlijsten?,wacht\n",
            "filename": "q.csv",
        },
    )
    assert upload.status_code == 201 and upload.json()["added"] == 1
    bad_csv = client.post("/api/faq/sets/S/questions", json={"text": "a,b\n", "filename": "q.csv"})
    assert bad_csv.status_code == 422 and "line 1" in bad_csv.json()["detail"]
    assert client.post("/api/faq/sets/S/questions", json={"questions": []}).status_code == 422

    exported = client.get("/api/faq/sets/S/export", params={"format": "json"}).text
    client.post("/api/faq/sets", json={"name": "T"})
    imported = client.post(
        "/api/faq/sets/T/import", json={"content": exported, "filename": "s.json"}
    )
    assert imported.status_code == 201 and imported.json()["added"] == 1
    broken = client.post(
        "/api/faq/sets/T/import",
        json={"content": "question,status\nA?,draft\nB?,weird\n", "filename": "t.csv"},
    )
    assert broken.status_code == 422 and "line 3" in broken.json()["detail"]
    assert len(client.get("/api/faq/sets/T").json()["entries"]) == 1

    suggestions = client.get("/api/faq/sets/S/suggest", params={"doc": "jim"}).json()
    first = suggestions["suggestions"][0]
    assert first["question"] == "Wanneer was SAVE MN regiehouder?"
    assert first["sentence"].startswith("SAVE MN was regiehouder")
    assert client.get("/api/faq/sets/S/suggest", params={"doc": "x"}).status_code == 422

    entry_id = client.get("/api/faq/sets/T").json()["entries"][0]["id"]
    assert client.delete(f"/api/faq/sets/T/entries/{entry_id}").status_code == 204
    assert client.get(f"/api/faq/sets/T/entries/{entry_id}").status_code == 404
    assert client.get("/api/faq/sets/S/export", params={"format": "pdf"}).status_code == 422
    sets = {s["name"]: s for s in client.get("/api/faq/sets").json()["sets"]}
    assert sets["S"]["entries"] == 1 and sets["T"]["entries"] == 0


def test_static_files_are_served(client: TestClient) -> None:
    script = client.get("/static/faq.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/faq.css").headers["content-type"].startswith("text/css")
    page = client.get("/faq")
    assert page.status_code == 200 and '<script src="/static/faq.js"' in page.text
    assert "<script>" not in page.text


def test_entry_numbers_beyond_sqlite_are_a_422(client: TestClient) -> None:
    """Found by the schemathesis run: an id too large for SQLite was a 500."""
    client.post("/api/faq/sets", json={"name": "S"})
    huge = 2**70
    for method, path in (
        ("GET", f"/api/faq/sets/S/entries/{huge}"),
        ("POST", f"/api/faq/sets/S/entries/{huge}/approve"),
        ("POST", f"/api/faq/sets/S/entries/{huge}/unapprove"),
        ("DELETE", f"/api/faq/sets/S/entries/{huge}"),
        ("PATCH", "/api/faq/sets/S/entries/0"),
    ):
        response = client.request(method, path, json={} if method == "PATCH" else None)
        assert response.status_code == 422, (method, path, response.text)
        assert "entry_id" in response.text
