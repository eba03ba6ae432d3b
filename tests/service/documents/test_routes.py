"""The document-management API on the small corpus with the fake embedder."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.engine import Engine
from service.faq.drafting import make_citation
from service.faq.store import FaqStore, NewEntry
from service.security.keys import KeyStore
from tests.fakes import HashingEmbedder
from tests.service.documents.conftest import make_pdf, wait_for
from vraagbaak.settings import Settings

NEW_TEXT = "Protocol pleegzorg\n\nEen pleegouder krijgt binnen zes weken een matchingsgesprek.\n"


def _search(client: TestClient, query: str) -> list[dict]:  # type: ignore[type-arg]
    return client.post("/api/search", json={"query": query, "k": 5}).json()["results"]  # type: ignore[no-any-return]


def test_upload_makes_a_document_searchable_and_reports_on_it(
    doc_client: TestClient, small_settings: Settings
) -> None:
    response = doc_client.post(
        "/api/documents", files=[("files", ("pleegzorg.txt", NEW_TEXT.encode(), "text/plain"))]
    )
    assert response.status_code == 202
    job = wait_for(doc_client, response.json()["job"])
    assert job["state"] == "done" and job["done"] == job["total"] == 1
    assert job["documents"][0] | {"doc_id": None} == {
        "name": "pleegzorg.txt",
        "status": "searchable",
        "reason": "",
        "doc_id": None,
    }
    assert (Path(small_settings.corpus_dir) / "pleegzorg.txt").read_text() == NEW_TEXT
    hits = _search(doc_client, "matchingsgesprek pleegouder")
    assert hits[0]["source"] == "pleegzorg.txt"
    doc_id = job["documents"][0]["doc_id"]
    report = doc_client.get(f"/api/documents/{doc_id}/report").json()
    assert report["passages"] >= 1 and report["warnings"] == []
    assert doc_client.get(f"/api/documents/{doc_id}/file").text == NEW_TEXT


def test_replace_by_name_drops_the_old_text(doc_client: TestClient) -> None:
    before = _search(doc_client, "gemiddelde wachttijd eerste gesprek")
    assert before[0]["source"] == "buurtteams.txt"
    new = "Halfjaarrapportage buurtteams\n\nDe buurtteams verhuisden naar het stadskantoor.\n"
    response = doc_client.post(
        "/api/documents", files=[("files", ("buurtteams.txt", new.encode(), "text/plain"))]
    )
    assert wait_for(doc_client, response.json()["job"])["documents"][0]["status"] == "searchable"
    texts = " ".join(hit["text"] for hit in _search(doc_client, "gemiddelde wachttijd gesprek"))
    assert "wachttijd" not in texts
    assert "stadskantoor" in _search(doc_client, "stadskantoor")[0]["text"]


def test_delete_removes_the_document_and_flags_faq_entries_citing_it(
    doc_client: TestClient, small_settings: Settings
) -> None:
    engine: Engine = doc_client.app.state.engine  # type: ignore[attr-defined]
    index = engine.index
    chunk = next(c for c in index.chunks if c.doc_id == "buurtteams")
    quote = chunk.text[chunk.sentences[0][0] : chunk.sentences[0][1]]
    store = FaqStore.open(small_settings)
    store.create_set("S")
    entry = store.add_entry(
        "S", NewEntry("Hoeveel gezinnen?", f"{quote} [1]", (make_citation(index, chunk.id, quote),))
    )
    response = doc_client.delete("/api/documents/buurtteams")
    assert response.status_code == 202
    job = wait_for(doc_client, response.json()["job"])
    assert job["documents"][0]["status"] == "removed"
    assert "buurtteams" not in {
        d["doc_id"] for d in doc_client.get("/api/documents").json()["documents"]
    }
    assert all(hit["source"] != "buurtteams.txt" for hit in _search(doc_client, "buurtteams 2018"))
    assert not (Path(small_settings.corpus_dir) / "buurtteams.txt").exists()
    assert list((small_settings.data_dir / "documents" / "removed").glob("*buurtteams.txt"))
    flagged = store.get_entry("S", entry.id)
    assert flagged.stale and "no longer in the corpus" in flagged.stale_reason
    store.close()


def test_job_events_stream_progress_then_done(doc_client: TestClient) -> None:
    response = doc_client.post(
        "/api/documents", files=[("files", ("pleegzorg.txt", NEW_TEXT.encode(), "text/plain"))]
    )
    job_id = response.json()["job"]
    with doc_client.stream("GET", f"/api/ingest/jobs/{job_id}/events") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        names = [
            line.split(": ", 1)[1] for line in events.iter_lines() if line.startswith("event:")
        ]
    assert names[-1] == "done" and set(names) <= {"progress", "done"}


def test_uploads_queue_behind_each_other(doc_client: TestClient) -> None:
    first = doc_client.post(
        "/api/documents",
        files=[("files", ("a.txt", b"Eerste protocol over de jeugdarts.\n", "text/plain"))],
    ).json()["job"]
    second = doc_client.post(
        "/api/documents",
        files=[("files", ("b.txt", b"Tweede protocol over de wijkagent.\n", "text/plain"))],
    ).json()["job"]
    assert wait_for(doc_client, second)["state"] == "done"
    assert doc_client.get(f"/api/ingest/jobs/{first}").json()["state"] == "done"
    sources = {d["source"] for d in doc_client.get("/api/documents").json()["documents"]}
    assert {"a.txt", "b.txt"} <= sources


def test_unsupported_type_is_415_listing_the_supported_ones(doc_client: TestClient) -> None:
    response = doc_client.post(
        "/api/documents", files=[("files", ("virus.exe", b"MZ", "application/octet-stream"))]
    )
    assert response.status_code == 415
    assert all(s in response.json()["detail"] for s in (".pdf", ".docx", ".md", ".txt"))


def test_over_the_size_limit_is_413(small_settings: Settings) -> None:
    settings = small_settings.model_copy(update={"max_upload_bytes": 1000})
    engine = Engine.load(settings, embedder=HashingEmbedder())
    with TestClient(create_app(settings, engine=engine)) as client:
        big = ("files", ("groot.txt", b"woord " * 50_000, "text/plain"))
        assert client.post("/api/documents", files=[big]).status_code == 413


def test_unknown_job_and_document_are_404_and_foreign_document_409(
    doc_client: TestClient, small_settings: Settings, tmp_path: Path
) -> None:
    assert doc_client.get("/api/ingest/jobs/nope").status_code == 404
    assert doc_client.delete("/api/documents/nope").status_code == 404
    assert doc_client.post("/api/documents").status_code == 422
    (Path(small_settings.corpus_dir) / "jim.txt").rename(tmp_path / "jim.txt")
    response = doc_client.delete("/api/documents/jim")
    assert response.status_code == 409 and "corpus folder" in response.json()["detail"]
    (tmp_path / "jim.txt").rename(Path(small_settings.corpus_dir) / "jim.txt")
    removed = wait_for(doc_client, doc_client.delete("/api/documents/buurtteams").json()["job"])
    assert removed["state"] == "done"
    last = doc_client.delete("/api/documents/jim")
    assert last.status_code == 409 and "last document" in last.json()["detail"]


def test_management_needs_the_admin_scope(small_settings: Settings) -> None:
    settings = small_settings.model_copy(update={"require_api_keys": True})
    engine = Engine.load(settings, embedder=HashingEmbedder())
    keys = KeyStore(settings.database_path)
    _, ask_key = keys.create("ask")
    _, admin_key = keys.create("admin")
    upload = [("files", ("x.txt", b"Een tekst.\n", "text/plain"))]
    with TestClient(create_app(settings, engine=engine)) as client:
        assert client.post("/api/documents", files=upload).status_code == 401
        asking = {"Authorization": f"Bearer {ask_key}"}
        assert client.post("/api/documents", files=upload, headers=asking).status_code == 403
        assert client.delete("/api/documents/jim", headers=asking).status_code == 403
        assert client.get("/api/ingest/jobs/x", headers=asking).status_code == 403
        assert client.get("/api/documents/jim/report", headers=asking).status_code == 403
        assert client.get("/api/documents/jim/file").status_code == 401
        assert client.get("/api/documents/jim/file", headers=asking).status_code == 200
        admin = {"Authorization": f"Bearer {admin_key}"}
        response = client.post("/api/documents", files=upload, headers=admin)
        assert response.status_code == 202
        assert wait_for(client, response.json()["job"], admin)["state"] == "done"


def test_pdf_page_image_highlights_the_quote(
    doc_client: TestClient, small_settings: Settings, tmp_path: Path
) -> None:
    pdf = make_pdf(tmp_path / "meldcode.pdf")
    response = doc_client.post(
        "/api/documents", files=[("files", ("meldcode.pdf", pdf.read_bytes(), "application/pdf"))]
    )
    job = wait_for(doc_client, response.json()["job"])
    doc_id = job["documents"][0]["doc_id"]
    passage = next(
        p for p in doc_client.get(f"/api/documents/{doc_id}").json()["passages"] if p["page"] == 2
    )
    text = doc_client.get(f"/api/passages/{passage['chunk_id']}").json()["text"]
    start = text.index("Bij acute")
    end = text.index("Veilig Thuis.", start) + len("Veilig Thuis.")
    image = doc_client.get(
        f"/api/documents/{doc_id}/pages/2.png",
        params={"chunk": passage["chunk_id"], "start": start, "end": end},
    )
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert int(image.headers["x-highlighted-characters"]) >= len("Bijacuteonveiligheid")
    plain = doc_client.get(f"/api/documents/{doc_id}/pages/1.png")
    assert plain.headers["x-highlighted-characters"] == "0"
    assert doc_client.get(f"/api/documents/{doc_id}/pages/9.png").status_code == 404
    assert doc_client.get("/api/documents/jim/pages/1.png").status_code == 404
    bad = doc_client.get(
        f"/api/documents/{doc_id}/pages/2.png", params={"chunk": passage["chunk_id"], "end": 10**6}
    )
    assert bad.status_code == 422
    original = doc_client.get(f"/api/documents/{doc_id}/file")
    assert original.headers["content-type"] == "application/pdf"
    assert original.content == pdf.read_bytes()
    report = doc_client.get(f"/api/documents/{doc_id}/report").json()
    assert report["pages"] == 2 and report["pages_without_text"] == []


def test_the_cli_and_the_page_see_the_same_documents(
    doc_client: TestClient, small_settings: Settings
) -> None:
    from ingest.index import load_index
    from ingest.originals import original_path
    from ingest.pipeline import ingest

    response = doc_client.post(
        "/api/documents", files=[("files", ("pleegzorg.txt", NEW_TEXT.encode(), "text/plain"))]
    )
    wait_for(doc_client, response.json()["job"])
    # `vraagbaak ingest` over the corpus folder finds nothing to do: the upload is there
    report = ingest([Path(small_settings.corpus_dir)], small_settings.index_dir, HashingEmbedder())
    assert not report.changed and "pleegzorg.txt" in report.unchanged
    # and every indexed document's bytes are kept beside the index
    for doc in load_index(small_settings.index_dir).documents.values():
        kept = original_path(small_settings.index_dir, doc.sha256, doc.source)
        assert kept.exists()
    # a file put into the folder by hand appears on the page after the next job
    (Path(small_settings.corpus_dir) / "handmatig.md").write_text("# Handmatig\n\nEen tekst.\n")
    second = doc_client.post(
        "/api/documents", files=[("files", ("ander.txt", b"Nog een protocol.\n", "text/plain"))]
    )
    wait_for(doc_client, second.json()["job"])
    sources = {d["source"] for d in doc_client.get("/api/documents").json()["documents"]}
    assert {"handmatig.md", "ander.txt", "pleegzorg.txt"} <= sources


def test_a_failing_job_is_reported_and_the_next_one_still_runs(
    doc_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.documents import jobs

    real_ingest = jobs.ingest
    calls = []

    def broken_once(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        return real_ingest(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jobs, "ingest", broken_once)
    first = doc_client.post(
        "/api/documents", files=[("files", ("a.txt", b"Eerste protocol.\n", "text/plain"))]
    ).json()["job"]
    failed = wait_for(doc_client, first)
    assert failed["state"] == "failed" and "disk full" in failed["message"]
    assert failed["documents"][0]["status"] == "failed"
    second = doc_client.post(
        "/api/documents", files=[("files", ("b.txt", b"Tweede protocol.\n", "text/plain"))]
    ).json()["job"]
    assert wait_for(doc_client, second)["state"] == "done"
    assert doc_client.get("/health").json()["documents"] == 4  # both files, as the folder holds
