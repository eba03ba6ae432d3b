from __future__ import annotations

from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from ingest.loaders import SUPPORTED_SUFFIXES, join_soft_breaks, load_document
from tests.conftest import REAL_PDF
from vraagbaak.errors import DocumentLoadError


def make_report_pdf(path: Path, pages: int = 3) -> Path:
    """A PDF like a real report: running header, footer and a word broken at a line end."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle("De Teststudie")
    pdf.setAuthor("Onderzoeksbureau Test")
    for number in range(1, pages + 1):
        pdf.drawString(72, 800, f"Pagina {number}/{pages}")
        pdf.drawString(72, 760, f"Op pagina {number} willen professionals de samenwerking organ-")
        pdf.drawString(72, 746, "iseren binnen de JIM-aanpak, samen met jeugd- en gezinswerkers.")
        pdf.drawString(72, 40, "De Teststudie | Eindrapportage")
        pdf.showPage()
    pdf.save()
    return path


@pytest.fixture
def report_pdf(tmp_path: Path) -> Path:
    return make_report_pdf(tmp_path / "rapport.pdf")


def test_supported_suffixes() -> None:
    assert {".pdf", ".txt", ".md", ".docx"} == set(SUPPORTED_SUFFIXES)


def test_pdf_has_one_numbered_page_per_page_and_its_metadata(report_pdf: Path) -> None:
    document = load_document(report_pdf)

    assert [page.number for page in document.pages] == [1, 2, 3]
    assert "Op pagina 2 willen" in document.pages[1].text
    assert document.title == "De Teststudie"
    assert document.author == "Onderzoeksbureau Test"
    assert document.path == str(report_pdf)


def test_real_pdf_keeps_its_pages() -> None:
    document = load_document(REAL_PDF)

    assert [page.number for page in document.pages] == list(range(1, 8))
    assert "deelautoplaats" in document.pages[1].text
    assert document.pages[1].text.startswith("Pagina 2/7")
    assert document.author == "Adriaanse, Ernst"


def test_encrypted_pdf_is_refused_with_advice(report_pdf: Path, tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=str(report_pdf))
    writer.encrypt("geheim")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as handle:
        writer.write(handle)

    with pytest.raises(DocumentLoadError) as caught:
        load_document(locked)
    assert caught.value.reason == "PDF is encrypted — save a copy without a password"
    assert caught.value.path == locked


def test_pdf_with_only_an_owner_password_is_read(report_pdf: Path, tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=str(report_pdf))
    writer.encrypt("", owner_password="eigenaar")
    restricted = tmp_path / "restricted.pdf"
    with restricted.open("wb") as handle:
        writer.write(handle)

    assert len(load_document(restricted).pages) == 3


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:200], id="only-the-start"),
        pytest.param(lambda data: b"%PDF-1.4\n" + b"\x00rommel" * 64, id="garbage"),
        pytest.param(lambda data: b"dit is geen pdf maar tekst", id="not-a-pdf"),
    ],
)
def test_damaged_pdf_raises_a_readable_error(report_pdf: Path, tmp_path: Path, damage) -> None:
    broken = tmp_path / "kapot.pdf"
    broken.write_bytes(damage(report_pdf.read_bytes()))

    with pytest.raises(DocumentLoadError) as caught:
        load_document(broken)
    assert "PDF" in caught.value.reason
    assert "damaged" in caught.value.reason or "text layer" in caught.value.reason


def test_pdf_without_text_layer_asks_for_ocr(tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(scan), pagesize=A4)
    for _ in range(2):
        pdf.rect(100, 100, 300, 400, fill=1)
        pdf.circle(300, 600, 50)
        pdf.showPage()
    pdf.save()

    with pytest.raises(DocumentLoadError) as caught:
        load_document(scan)
    assert caught.value.reason.startswith("PDF has no text layer (a scan?) — ")
    assert "OCR" in caught.value.reason


@pytest.mark.parametrize("name", ["leeg.pdf", "leeg.txt", "leeg.docx", "leeg.md"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    empty = tmp_path / name
    empty.write_bytes(b"")

    with pytest.raises(DocumentLoadError) as caught:
        load_document(empty)
    assert caught.value.reason == "file is empty"


def test_text_file_is_one_unnumbered_page(tmp_path: Path) -> None:
    path = tmp_path / "notitie.txt"
    path.write_text("Samenvatting\n\nDe regie ligt bij het gezin.\n", encoding="utf-8")

    document = load_document(path)

    assert len(document.pages) == 1
    assert document.pages[0].number is None
    assert document.pages[0].text == "Samenvatting\n\nDe regie ligt bij het gezin.\n"
    assert document.title is None


def test_utf8_bom_is_accepted_and_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfCli\xc3\xabnten en co\xc3\xb6rdinatie")

    assert load_document(path).pages[0].text == "Cliënten en coördinatie"


def test_non_utf8_text_names_the_byte_and_position(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Cliënten".encode("latin-1"))

    with pytest.raises(DocumentLoadError) as caught:
        load_document(path)
    assert caught.value.reason == "not UTF-8 text (byte 0xeb at position 3) — save it as UTF-8"


def test_markdown_title_comes_from_the_first_top_heading(tmp_path: Path) -> None:
    path = tmp_path / "notitie.md"
    path.write_text("Intro zonder kop\n\n## Sub\n\n# Werkwijze buurtteams\n\nTekst.\n", "utf-8")

    assert load_document(path).title == "Werkwijze buurtteams"


def test_docx_paragraphs_headings_tables_and_title(tmp_path: Path) -> None:
    path = tmp_path / "verslag.docx"
    document = docx.Document()
    document.core_properties.title = "Verslag buurtteams"
    document.core_properties.author = "Stichting Test"
    document.add_heading("Inleiding", level=1)
    document.add_paragraph("De buurtteams bieden basishulp aan gezinnen.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Wijk"
    table.cell(0, 1).text = "Gezinnen"
    table.cell(1, 0).text = "Overvecht"
    table.cell(1, 1).text = "17 procent"
    document.add_paragraph("Na de tabel volgt nog tekst.")
    document.save(str(path))

    loaded = load_document(path)

    assert loaded.title == "Verslag buurtteams"
    assert loaded.author == "Stichting Test"
    assert len(loaded.pages) == 1 and loaded.pages[0].number is None
    text = loaded.pages[0].text
    lines = text.split("\n\n")
    assert lines[0] == "Inleiding"
    assert "De buurtteams bieden basishulp aan gezinnen." in lines
    assert "Overvecht\t17 procent" in lines
    assert text.index("Overvecht") < text.index("Na de tabel")


def test_docx_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nep.docx"
    path.write_bytes(b"dit is geen Word-document")

    with pytest.raises(DocumentLoadError) as caught:
        load_document(path)
    assert "not a valid Word (.docx) document" in caught.value.reason


def test_docx_without_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "leeg-document.docx"
    docx.Document().save(str(path))

    with pytest.raises(DocumentLoadError) as caught:
        load_document(path)
    assert caught.value.reason == "document contains no text"


@pytest.mark.parametrize("name", ["tabel.xlsx", "README"])
def test_unsupported_suffix(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"data")

    with pytest.raises(DocumentLoadError) as caught:
        load_document(path)
    assert caught.value.reason.startswith("unsupported file type")
    assert ".pdf" in caught.value.reason


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DocumentLoadError, match="file not found"):
        load_document(tmp_path / "bestaat-niet.txt")
    folder = tmp_path / "map.txt"
    folder.mkdir()
    with pytest.raises(DocumentLoadError, match="folder"):
        load_document(folder)


def test_docx_soft_line_breaks_inside_a_sentence_are_joined(tmp_path: Path) -> None:
    path = tmp_path / "sjabloon.docx"
    document = docx.Document()
    paragraph = document.add_paragraph()
    for n, part in enumerate(["Neem als uitgangspunt het", "vorige plan", "."]):
        run = paragraph.add_run(part)
        if n < 2:
            run.add_break()  # <w:br/>: a soft line break inside the paragraph
    listing = document.add_paragraph()
    for n, part in enumerate(["Ontwikkelbehoeften:", "- Gezondheid", "- Identiteit"]):
        run = listing.add_run(part)
        if n < 2:
            run.add_break()
    document.save(str(path))

    text = load_document(path).pages[0].text

    assert "Neem als uitgangspunt het vorige plan." in text.split("\n\n")
    assert "Ontwikkelbehoeften:\n- Gezondheid\n- Identiteit" in text.split("\n\n")


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("Wij vinden dat\nje ouders helpen.", "Wij vinden dat je ouders helpen."),
        ("Contact met\nLisa de Vries.", "Contact met Lisa de Vries."),
        ("Eerste zin.\nTweede zin.", "Eerste zin.\nTweede zin."),
        ("Naam\nAdres", "Naam\nAdres"),
        ("Wat was helpend\n", "Wat was helpend"),
        ("Eerste deel van\n\nhet tweede blok", "Eerste deel van\n\nhet tweede blok"),
        ("Doelen:\n1. rust\n2. school", "Doelen:\n1. rust\n2. school"),
    ],
)
def test_soft_break_joining(paragraph: str, expected: str) -> None:
    assert join_soft_breaks(paragraph) == expected
