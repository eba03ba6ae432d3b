from __future__ import annotations

from pathlib import Path

import pytest

from ingest.catalog import CatalogEntry, describe_document, load_catalog
from ingest.model import PageText, RawDocument, Section
from vraagbaak.errors import CatalogError, VraagbaakError

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def write_catalog(folder: Path, text: str) -> Path:
    (folder / "catalog.yaml").write_text(text, encoding="utf-8")
    return folder


def raw_document(title: str | None = None) -> RawDocument:
    return RawDocument(path="rapport.pdf", pages=(PageText(1, "tekst"),), title=title)


def test_shipped_catalog_describes_every_corpus_file() -> None:
    catalog = load_catalog(CORPUS)

    assert set(catalog) == {path.name for path in CORPUS.glob("*.txt")}
    for entry in catalog.values():
        assert entry.title and entry.author and entry.year and entry.language == "nl"
    assert catalog["003_ac686dcf53bd400a.txt"].year == "2016"
    assert "Sterkste Schakels" in (catalog["002_046c0404f7c2ee17.txt"].title or "")


def test_missing_or_empty_catalog_is_empty(tmp_path: Path) -> None:
    assert load_catalog(tmp_path) == {}
    assert load_catalog(write_catalog(tmp_path, "# nog niets\n")) == {}


def test_entries_and_optional_fields(tmp_path: Path) -> None:
    write_catalog(
        tmp_path,
        "a.txt:\n  title: Rapport A\n  author: Lokalis\n  year: 2018\n  language: EN\n"
        "b.pdf:\n  title: Rapport B\n",
    )
    catalog = load_catalog(tmp_path)

    assert catalog["a.txt"] == CatalogEntry("Rapport A", "Lokalis", "2018", "en")
    assert catalog["b.pdf"] == CatalogEntry(title="Rapport B")


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("a.txt:\n  title: [open\n", 3, "not valid YAML"),
        ("a.txt:\n  titel: Rapport\n", 2, "unknown field 'titel'"),
        ("a.txt:\n  language: de\n", 2, "must be nl or en"),
        ("a.txt: Rapport A\n", 1, "needs fields"),
        ("a.txt:\n  title: A\na.txt:\n  title: B\n", 3, "listed twice"),
        ("- a.txt\n- b.txt\n", 1, "expected file names"),
        ("a.txt:\n  title:\n    - A\n", 3, "found a list"),
    ],
)
def test_malformed_catalog_names_the_line(
    tmp_path: Path, text: str, line: int, reason: str
) -> None:
    write_catalog(tmp_path, text)

    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    assert caught.value.line == line
    assert reason in caught.value.reason
    assert f"line {line}" in str(caught.value)
    assert isinstance(caught.value, VraagbaakError)


def test_title_prefers_catalog_then_metadata_then_heading_then_file_name() -> None:
    path = Path("corpus/rapport.pdf")
    sections = [
        Section(0, 1, "Samenvatting", ("Samenvatting",)),
        Section(40, 1, "Werken met de JIM-aanpak", ("Werken met de JIM-aanpak",)),
    ]
    entry = CatalogEntry(title="Catalogustitel")

    metadata = raw_document("Metadata")
    assert describe_document(path, metadata, entry, sections, "") == "Catalogustitel"
    assert describe_document(path, metadata, None, sections, "") == "Metadata"
    assert describe_document(path, raw_document(), CatalogEntry(), sections, "") == (
        "Werken met de JIM-aanpak"
    )
    assert describe_document(path, raw_document(), None, [], "") == "rapport"
