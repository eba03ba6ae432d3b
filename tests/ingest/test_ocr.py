"""Scanned pages: made in the test by rendering a text PDF's pages to an image-only PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import ocr
from ingest.loaders import load_document
from ingest.pipeline import ingest
from tests.fakes import HashingEmbedder
from tests.service.documents.conftest import PDF_PAGES, make_pdf, make_scan
from vraagbaak.errors import DocumentLoadError

needs_tesseract = pytest.mark.skipif(
    not ocr.ocr_available(), reason=f"needs Debian's tesseract: {ocr.INSTALL_COMMAND}"
)


def _half_scanned(tmp_path: Path) -> Path:
    """Page 1 with a text layer, page 2 only a picture of text."""
    import pypdfium2 as pdfium

    text_pdf = make_pdf(tmp_path / "text.pdf")
    scan = make_scan(text_pdf, tmp_path / "scan.pdf")
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(pdfium.PdfDocument(str(text_pdf)), [0])
    mixed.import_pages(pdfium.PdfDocument(str(scan)), [1])
    target = tmp_path / "gemengd.pdf"
    mixed.save(str(target))
    return target


@needs_tesseract
def test_pages_without_text_layer_are_read_by_ocr_with_page_numbers_kept(tmp_path: Path) -> None:
    raw = load_document(_half_scanned(tmp_path))
    assert raw.ocr_pages == (2,) and raw.textless_pages == ()
    assert "Veilig Thuis" in raw.pages[1].text and raw.pages[1].number == 2
    assert "Protocol huiselijk geweld" in raw.pages[0].text


@needs_tesseract
def test_ocr_pages_travel_with_the_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_scan(make_pdf(tmp_path / "text.pdf"), corpus / "scan.pdf")
    index_dir = tmp_path / "index"
    report = ingest([corpus], index_dir, HashingEmbedder())
    assert report.indexed == ["scan.pdf"]
    from ingest.index import load_index

    index = load_index(index_dir)
    doc = index.documents["scan"]
    assert list(doc.ocr_pages) == [1, 2]
    assert any("acute onveiligheid" in c.text and c.page == 2 for c in index.chunks)


def test_without_tesseract_pages_are_reported_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr, "tesseract_languages", lambda: None)
    raw = load_document(_half_scanned(tmp_path))
    assert raw.ocr_pages == () and raw.textless_pages == (2,)
    with pytest.raises(DocumentLoadError) as caught:
        load_document(make_scan(tmp_path / "text.pdf", tmp_path / "all-scan.pdf"))
    assert ocr.INSTALL_COMMAND in caught.value.reason
    assert PDF_PAGES  # the scan's text comes from these pages
