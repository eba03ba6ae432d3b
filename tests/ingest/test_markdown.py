from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.cleaning import clean_pages
from ingest.loaders import load_document
from ingest.markdown import TABLE_CELL_SEPARATOR, render_markdown
from ingest.model import PageText
from ingest.structure import find_sections

CORPUS_B = Path(__file__).resolve().parents[2] / "evals" / "corpora" / "b" / "docs"

LAW = """<meta http-equiv='Content-Type' content='text/html; charset=utf-8' />

##Besluit van 1 januari 2020, houdende regels over de zorg

Wij, gelet op de wet;
Hebben goedgevonden en verstaan:
### Hoofdstuk  1

####Begripsbepalingen

### Artikel  1.1

In dit besluit wordt verstaan onder:

–  *aanbieder:* een **organisatie** die zorg levert;

–  *cliënt:* degene die zorg ontvangt.

### Hoofdstuk  2

####De gemeente

### Artikel  2.1

1.  Het college zorgt voor een [toegang](https://example.org/toegang) tot zorg.
2.  Het college maakt dit bekend.

### Artikel  2.2

| Leeftijd  | Bedrag  |
|:---|:---|
| 0 t/m 8 jaar  | € 537  |
"""


def rendered_pairs(source: str) -> list[tuple[str, str]]:
    rendered = render_markdown(source)
    return [(c, source[o]) for c, o in zip(rendered.text, rendered.offsets, strict=True)]


def test_markup_is_removed_and_text_kept() -> None:
    text = render_markdown(LAW).text

    assert "<meta" not in text and "*" not in text and "#" not in text and "|" not in text
    assert "](" not in text and "https://" not in text
    assert "–  aanbieder: een organisatie die zorg levert;" in text
    assert "Het college zorgt voor een toegang tot zorg." in text
    assert f"0 t/m 8 jaar{TABLE_CELL_SEPARATOR}€ 537" in text.splitlines()


def test_headings_are_lines_of_their_own_with_their_level() -> None:
    rendered = render_markdown(LAW)
    lines = {
        " ".join(rendered.text[offset:].split("\n", 1)[0].split()): level
        for offset, level in rendered.headings
    }

    assert lines["Begripsbepalingen"] == 4  # "####Title" without a space is a heading too
    assert lines["Artikel 1.1"] == 3
    assert lines["Besluit van 1 januari 2020, houdende regels over de zorg"] == 2


def test_every_rendered_character_points_at_its_source() -> None:
    for char, source_char in rendered_pairs(LAW):
        if char.isspace() or char in TABLE_CELL_SEPARATOR:
            continue
        assert char == source_char or (char == "-" and source_char == "–")


def test_wrapped_lines_of_a_paragraph_are_joined_and_paragraphs_kept_apart() -> None:
    text = render_markdown("Een zin die\ndoorloopt op de volgende regel.\n\nNieuwe alinea.").text

    assert text == "Een zin die doorloopt op de volgende regel.\n\nNieuwe alinea."


def test_inline_markup_forms() -> None:
    text = render_markdown(
        "Zie **vet**, *cursief*, __ook vet__, `code`, ![logo](a.png), 5 * 3, snake_case, "
        "\\*sterretje\\*, &amp; <br/> <https://example.org>."
    ).text

    assert text == (
        "Zie vet, cursief, ook vet, code, logo, 5 * 3, snake_case, *sterretje*, &  "
        "https://example.org."
    )


def test_clean_markdown_maps_back_to_the_file() -> None:
    clean = clean_pages([PageText(None, LAW)], markdown=True)

    for n, char in enumerate(clean.text):
        if not char.isspace() and char not in TABLE_CELL_SEPARATOR and char != "-":
            assert LAW[clean.source_offsets[n]] == char
    assert list(clean.source_offsets) == sorted(clean.source_offsets)
    assert clean.text[clean.headings[0][0] :].startswith("Besluit van 1 januari 2020")


def test_a_law_keeps_its_chapter_in_the_section_path() -> None:
    clean = clean_pages([PageText(None, LAW)], markdown=True)
    sections = find_sections(clean.text, clean.headings)
    paths = [" > ".join(s.path) for s in sections]

    assert "Hoofdstuk 1 Begripsbepalingen > Artikel 1.1" in paths
    assert "Hoofdstuk 2 De gemeente > Artikel 2.1" in paths
    assert "Hoofdstuk 2 De gemeente > Artikel 2.2" in paths


def test_articles_are_not_glued_to_the_one_before() -> None:
    clean = clean_pages([PageText(None, LAW)], markdown=True)
    chunks = chunk_document("d", clean, find_sections(clean.text, clean.headings))
    by_section = {c.section: c.text for c in chunks}

    article = by_section["Hoofdstuk 2 De gemeente > Artikel 2.1"]
    assert "Het college maakt dit bekend." in article
    assert "Leeftijd" not in article and "aanbieder" not in article


@pytest.mark.skipif(not CORPUS_B.is_dir(), reason="corpus B is not in this checkout")
@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("besluit-jeugdwet-BWBR0035779.md", "Hoofdstuk 2 De gemeente > Artikel 2.1"),
        (
            "besluit-jeugdwet-BWBR0035779.md",
            "Hoofdstuk 3 De certificering > § 3.1 De certificerende instelling > Artikel 3.1.2",
        ),
        ("regeling-jeugdwet-BWBR0036007.md", "§ 1 Begripsbepalingen > Artikel 1"),
        ("un-convention-rights-of-the-child.md", "PART I > Article 12"),
        ("besluit-verplichte-meldcode-BWBR0033723.md", "Artikel 2"),
    ],
)
def test_real_markdown_laws(name: str, path: str) -> None:
    raw = load_document(CORPUS_B / name)
    clean = clean_pages(raw.pages, markdown=True)
    sections = find_sections(clean.text, clean.headings)
    chunks = chunk_document("d", clean, sections)

    assert path in {c.section for c in chunks}
    for chunk in chunks:
        assert clean.text[chunk.start : chunk.end] == chunk.text
        assert not any(mark in chunk.text for mark in ("<meta", "**", "###", "*:", "](", "|:-"))


def test_markdown_title_is_the_top_heading_without_markup(tmp_path: Path) -> None:
    path = tmp_path / "besluit.md"
    path.write_text(
        "<meta charset='utf-8' />\n\n##**Besluit** over  zorg\n\n###Artikel 1\n", "utf-8"
    )

    assert load_document(path).title == "Besluit over zorg"
