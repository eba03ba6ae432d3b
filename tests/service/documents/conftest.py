"""PDFs made in the test: a text PDF (reportlab) and a scan of it (its page rendered to an
image and saved as an image-only PDF)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.engine import Engine
from tests.fakes import HashingEmbedder
from vraagbaak.settings import Settings

PDF_PAGES = [
    [
        "Protocol huiselijk geweld",
        "Bij signalen van huiselijk geweld volgt de hulpverlener de meldcode in vijf stappen.",
        "Stap een is het in kaart brengen van de signalen en het vastleggen daarvan in het",
        "dossier van het gezin.",
    ],
    [
        "Veilig Thuis",
        "Bij acute onveiligheid neemt de hulpverlener dezelfde dag contact op met Veilig Thuis.",
        "Het advies van Veilig Thuis wordt besproken met de gedragswetenschapper van het team.",
    ],
]


def make_pdf(path: Path, pages: list[list[str]] = PDF_PAGES) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for lines in pages:
        y = 780
        for line in lines:
            pdf.setFont("Helvetica", 11)
            pdf.drawString(60, y, line)
            y -= 18
        pdf.showPage()
    pdf.save()
    return path


def make_scan(text_pdf: Path, target: Path) -> Path:
    """Every page of ``text_pdf`` as a 200 dpi picture in an image-only PDF."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(text_pdf))
    images = [page.render(scale=200 / 72).to_pil().convert("RGB") for page in document]
    document.close()
    images[0].save(target, "PDF", resolution=200, save_all=True, append_images=images[1:])
    return target


def wait_for(client: TestClient, job_id: str, headers: dict[str, str] | None = None) -> Any:
    """The job's final state, read from its event stream (one request, however long it runs)."""
    last = None
    with client.stream("GET", f"/api/ingest/jobs/{job_id}/events", headers=headers) as events:
        for line in events.iter_lines():
            if line.startswith("data: "):
                last = json.loads(line[6:])
    assert last is not None and last["state"] in ("done", "failed"), last
    return last


@pytest.fixture
def doc_client(small_settings: Settings) -> Iterator[TestClient]:
    engine = Engine.load(small_settings, embedder=HashingEmbedder())
    with TestClient(create_app(small_settings, engine=engine)) as client:
        yield client
