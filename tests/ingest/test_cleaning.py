from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_document
from ingest.cleaning import PAGE_SEPARATOR, CleanText, clean_pages, normalise_for_match
from ingest.loaders import load_document
from ingest.model import PageText
from ingest.structure import find_sections
from tests.conftest import REAL_PDF

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
BULLET_GLYPHS = "•▪\uf0b7\uf0a7\uf0a2-*–—"


def clean(text: str) -> str:
    return clean_pages([PageText(None, text)]).text


# --- hyphens --------------------------------------------------------------------------------


def test_word_broken_at_line_end_is_joined() -> None:
    assert clean("we willen dit goed organ-\niseren met partners.") == (
        "we willen dit goed organiseren met partners."
    )


def test_line_end_hyphen_with_trailing_spaces_and_blank_line_is_joined() -> None:
    text = "De professionals vonden de samenwerking door de afspraken ver-   \n\nbeterd."
    assert clean(text) == "De professionals vonden de samenwerking door de afspraken verbeterd."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("binnen de JIM-\naanpak werken", "binnen de JIM-aanpak werken"),
        ("de doelgroep 0-\n100 jaar", "de doelgroep 0-100 jaar"),
        ("voor jeugd-\nen gezinswerkers", "voor jeugd- en gezinswerkers"),
        ("met hulp-\nof ondersteuningsbehoefte", "met hulp- of ondersteuningsbehoefte"),
        ("in Utrecht-\nStad", "in Utrecht-Stad"),
        ("een kant-en-\nklare oplossing", "een kant-en-klare oplossing"),
        ("zie https://youke.nl/kans-op-\nblijvend", "zie https://youke.nl/kans-op-blijvend"),
    ],
)
def test_real_hyphens_are_kept(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_hyphenated_compound_seen_elsewhere_keeps_its_hyphen() -> None:
    text = "Het zelf-organiserend vermogen en het zelf-\norganiserend werken."
    assert clean(text) == "Het zelf-organiserend vermogen en het zelf-organiserend werken."


def test_hyphens_inside_lines_are_untouched() -> None:
    text = "kennis-, praktijk- en opleidingsorganisaties; Extra@teams en de JIM-aanpak (0-100)"
    assert clean(text) == text


# --- headers, footers and page numbers ------------------------------------------------------


def paged_report(pages: int = 3) -> list[PageText]:
    return [
        PageText(
            n,
            f"Pagina {n}/{pages}\n\nTekst op pagina {n} over de samenwerking tussen buurtteams "
            f"en de jeugdgezondheidszorg.\n\nDe Teststudie | Eindrapportage\n",
        )
        for n in range(1, pages + 1)
    ]


def test_running_header_and_footer_are_dropped_from_pages() -> None:
    result = clean_pages(paged_report())

    assert "Pagina" not in result.text
    assert "Eindrapportage" not in result.text
    assert result.text.count("Tekst op pagina") == 3


def test_repeated_header_without_page_number_is_dropped() -> None:
    articles = {1: 3, 2: 5, 3: 6, 4: 9}
    pages = [
        PageText(n, f"Gemeente Heerlen — Parkeerverordening\nArtikel {a}\nInhoud van artikel {a}.")
        for n, a in articles.items()
    ]
    result = clean_pages(pages)

    assert "Parkeerverordening" not in result.text
    # "Artikel N" also opens every page, but its number does not follow the page number.
    assert all(f"Artikel {a}" in result.text for a in articles.values())


def test_numbers_that_do_not_follow_pages_are_kept_at_page_tops() -> None:
    articles = [(1, 5), (2, 9), (3, 4)]
    pages = [PageText(n, f"Artikel {a}.\nDe tekst van dit artikel.") for n, a in articles]
    result = clean_pages(pages)

    assert "Artikel 5." in result.text and "Artikel 9." in result.text


@pytest.mark.parametrize(
    "line",
    ["5  |  De Sterkste Schakels |  Eindrapportage", "Pagina 2/7", "12", " - 4 - ", "Page 3 of 9"],
)
def test_stray_page_numbers_and_footers_are_dropped_without_page_breaks(line: str) -> None:
    text = f"De eerste alinea eindigt hier.\n\n{line}\n\nDe tweede alinea begint hier."
    assert clean(text) == "De eerste alinea eindigt hier.\n\nDe tweede alinea begint hier."


def test_header_that_recurs_beside_page_numbers_is_dropped() -> None:
    header = "Samenwerking tussen professionals en informele mentoren binnen de aanpak"
    text = (
        f"Eerste deel van het verslag.\n\n{header}\n\n13\n\nTweede deel van het verslag.\n\n"
        f"{header}\n28\n\nDerde deel van het verslag."
    )
    result = clean(text)

    assert header not in result
    assert "Tweede deel" in result and "Derde deel" in result


def test_footnote_beside_page_numbers_is_kept() -> None:
    text = "Tekst.\n\n2\n KCC = klantcontactcentrum\n3\n\nMeer tekst."
    assert "KCC = klantcontactcentrum" in clean(text)


NUMERALS = ["een", "twee", "drie", "vier", "vijf", "zes", "zeven"]


def body_lines(n: int) -> list[str]:
    return [
        f"De gemeente stelt op pagina {NUMERALS[n - 1]} regels vast over het parkeren en",
        "over de vergunningen die bewoners en bedrijven daarvoor kunnen aanvragen bij het college.",
    ]


def pages_with(
    top: Callable[[int], list[str]], bottom: Callable[[int], list[str]], count: int = 7
) -> list[PageText]:
    return [
        PageText(n, "\n".join([*top(n), f"Tekst van pagina {n}.", *body_lines(n), *bottom(n)]))
        for n in range(1, count + 1)
    ]


def assert_only_body(result: CleanText, count: int = 7) -> None:
    for n in range(1, count + 1):
        assert f"Tekst van pagina {n}." in result.text
    leftover = result.text
    for n in range(1, count + 1):
        leftover = leftover.replace(f"Tekst van pagina {n}.", "")
        leftover = leftover.replace(" ".join(body_lines(n)), "")
    assert leftover.split() == [], leftover


def test_browser_print_date_title_line_and_url_line_are_dropped() -> None:
    result = clean_pages(
        pages_with(
            lambda n: ["7-12-2026 15:04 Verordening parkeren 2025 - Lokale regelgeving"],
            lambda n: [f"https://lokaleregelgeving.example.nl/CVDR712345/1 {n}/7"],
        )
    )
    assert_only_body(result)


def test_word_export_header_and_footer_are_dropped() -> None:
    result = clean_pages(
        pages_with(lambda n: ["Beleidsplan Jeugd 2025"], lambda n: [f"Pagina {n} van 7"])
    )
    assert_only_body(result)


def test_alternating_journal_headers_are_dropped() -> None:
    def header(n: int) -> list[str]:
        if n % 2:
            return [f"4.5.2016 EN Official Journal of the European Union L 119/{n + 10}"]
        return [f"L 119/{n + 10} EN Official Journal of the European Union 4.5.2016"]

    result = clean_pages(pages_with(header, lambda n: [], count=5))
    assert_only_body(result, count=5)


def test_a_footer_block_of_many_lines_is_dropped_as_a_whole() -> None:
    block = [
        "Datum:",
        "18-12-2024",
        "Vastgesteld door:",
        "Gemeenteraad van",
        "Voorbeeldstad",
        "Registratienummer:",
        "RV-2024-17",
    ]
    result = clean_pages(pages_with(lambda n: [], lambda n: [*block, f"Pagina {n}/7"]))
    assert_only_body(result)


def test_a_label_box_at_a_page_break_is_dropped_but_a_form_at_the_end_is_kept() -> None:
    box = ["Datum:", "18-12-2024", "Vastgesteld door:", "Gemeenteraad van", "Voorbeeldstad"]
    pages = pages_with(lambda n: [], lambda n: box if n in (1, 3) else [], count=3)
    result = clean_pages(pages)

    assert_only_body(result, count=3)
    assert "Vastgesteld door" not in result.text
    assert result.page_at(result.text.index("Tekst van pagina 2.")) == 2


def test_a_label_form_on_the_last_page_is_kept() -> None:
    form = ["Auteur:", "Voorbeeld Auteur", "Afdeling:", "Beleid", "Telefoonnummer:"]
    pages = pages_with(lambda n: [], lambda n: form if n == 3 else [], count=3)

    assert "Auteur: Voorbeeld Auteur" in " ".join(clean_pages(pages).text.split())


def test_a_running_footer_is_never_a_heading() -> None:
    pages = pages_with(lambda n: [], lambda n: ["Handleiding Familieplan april 2025"])
    clean = clean_pages(pages)

    assert "Handleiding" not in clean.text
    assert all("Handleiding" not in s.heading for s in find_sections(clean.text))


def test_real_pdf_has_no_header_or_footer_block_in_its_passages() -> None:
    clean = clean_pages(load_document(REAL_PDF).pages)
    chunks = chunk_document("heerlen", clean, find_sections(clean.text))
    body = [c for c in chunks if c.page_end is not None and c.page_end < 7]

    assert body
    for chunk in body:
        assert "Pagina" not in chunk.text
        assert "Registratienummer" not in chunk.text and "18-12-2024" not in chunk.text
        assert "Vastgesteld door" not in chunk.text


def test_real_pdf_loses_its_running_header_and_keeps_pages() -> None:
    result = clean_pages(load_document(REAL_PDF).pages)

    assert "Pagina" not in result.text
    definition = result.text.index("deelautoplaats: parkeerplaats aangewezen")
    assert result.page_at(definition) == 2
    assert [number for _, number in result.page_starts] == list(range(1, 8))


def test_corpus_footer_is_dropped_and_words_are_rejoined() -> None:
    text = clean((CORPUS / "002_046c0404f7c2ee17.txt").read_text(encoding="utf-8"))

    assert "Sterkste Schakels |" not in text
    assert "\n5\n" not in text
    assert "werkzame elementen de praktijk ervaart in de samenwerking" in text


# --- whitespace, paragraphs, bullets --------------------------------------------------------

WRAPPED = "  \n".join(
    [
        "Samenvatting",
        "Huidig onderzoek naar de samenwerking tussen professionals uit de basishulp en de",
        "specialistische hulp voor jeugd binnen de JIM-aanpak, is een van de projecten in de",
        "Academische Werkplaats. De werkplaats is een samenwerkingsverband van vele partijen.",
        "Het doel is duidelijk.",
        "",
        "Een tweede alinea begint hier en loopt door tot het einde van de regel zoals altijd",
        "gebeurt in dit soort rapporten.",
        "",
    ]
)


def test_wrapped_lines_become_paragraphs_and_headings_stay_on_their_own_line() -> None:
    assert clean(WRAPPED) == (
        "Samenvatting\n"
        "Huidig onderzoek naar de samenwerking tussen professionals uit de basishulp en de "
        "specialistische hulp voor jeugd binnen de JIM-aanpak, is een van de projecten in de "
        "Academische Werkplaats. De werkplaats is een samenwerkingsverband van vele partijen. "
        "Het doel is duidelijk.\n\n"
        "Een tweede alinea begint hier en loopt door tot het einde van de regel zoals altijd "
        "gebeurt in dit soort rapporten."
    )


def test_double_spaced_extraction_is_rejoined() -> None:
    double_spaced = WRAPPED.replace("\n", "\n\n")
    double_spaced = double_spaced.replace("duidelijk.  \n\n", "duidelijk.  \n\n \n\n")
    assert clean(double_spaced) == clean(WRAPPED)


@pytest.mark.parametrize("bullet", ["•", "▪", "\uf0b7", "\uf0a7", "-", "*", "– "])
def test_bullets_become_dashes_on_their_own_lines(bullet: str) -> None:
    text = f"De principes zijn:\n{bullet} Leefwereld centraal\n{bullet}Uitgaan van mogelijkheden\n"
    assert clean(text) == "De principes zijn:\n- Leefwereld centraal\n- Uitgaan van mogelijkheden"


def test_list_item_that_wraps_is_rejoined() -> None:
    text = (
        " • Strategische niveau: onder andere met beleidsmedewerkers, managers, \n"
        "teamleiders en coördinatoren.\n"
        " • Cliëntniveau: ouders.\n"
    )
    assert clean(text) == (
        "- Strategische niveau: onder andere met beleidsmedewerkers, managers, teamleiders en "
        "coördinatoren.\n- Cliëntniveau: ouders."
    )


def test_numbered_heading_after_full_line_starts_a_new_line() -> None:
    text = (
        "De professionals werkten samen aan de doelen die zij met het gezin hadden opgesteld.\n"
        "2. Methode\n"
        "In de periode vanaf december 2016 is de samenwerking onderzocht.\n"
    )
    assert "opgesteld.\n2. Methode\nIn de periode" in clean(text)


def test_whitespace_inside_lines_is_collapsed() -> None:
    assert clean("Een  zin\tmet   gaten.\u00a0Klaar.") == "Een zin met gaten. Klaar."


def test_normalise_for_match() -> None:
    expected = "de regie ligt bij het gezin"
    assert normalise_for_match("  de regie\n\n ligt  bij\thet gezin ") == expected
    assert normalise_for_match("") == ""


# --- the maps back to pages and raw text ----------------------------------------------------


def test_page_starts_and_page_at() -> None:
    result = clean_pages(paged_report())

    assert [number for _, number in result.page_starts] == [1, 2, 3]
    for number in (1, 2, 3):
        assert result.page_at(result.text.index(f"pagina {number} over")) == number
    assert result.page_at(0) == 1
    assert result.page_at(len(result.text) - 1) == 3


def test_pages_without_numbers_have_no_page_map() -> None:
    result = clean_pages([PageText(None, "Een tekst zonder pagina's.")])

    assert result.page_starts == ()
    assert result.page_at(3) is None


def test_empty_pages_give_empty_text() -> None:
    result = clean_pages([PageText(1, ""), PageText(2, "  \n ")])

    assert result.text == ""
    assert result.page_at(0) in (None, 1)


def test_clean_text_built_from_plain_text_maps_to_itself() -> None:
    plain = CleanText("abc")

    assert list(plain.source_offsets) == [0, 1, 2]
    with pytest.raises(ValueError):
        CleanText("abc", source_offsets=CleanText("ab").source_offsets)


def raw_of(pages: list[PageText]) -> str:
    return PAGE_SEPARATOR.join(page.text for page in pages)


def test_source_offsets_point_at_the_same_characters() -> None:
    pages = paged_report()
    result = clean_pages(pages)
    raw = raw_of(pages)

    for offset, char in enumerate(result.text):
        source = raw[result.source_offsets[offset]]
        assert source == char or (source.isspace() and char.isspace())


words = st.sampled_from(
    ["de", "regie", "JIM-aanpak", "organ-", "iseren", "jeugd-", "en", "0-100", "Extra@teams",
     "Samenvatting", "3.2.", "Inleiding", "12", "bijv.", "Pagina", "2/7", "Youké", "ligt.", "é"]
)  # fmt: skip
separators = st.sampled_from([" ", " ", " ", "\n", "\n\n", "  \n", "\n \n\n", "\t"])
bullets = st.sampled_from(["", "", "", "• ", "- ", "* ", "\uf0b7 ", "▪"])


@st.composite
def raw_texts(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 40))):
        if not parts or parts[-1].endswith("\n"):
            parts.append(draw(bullets))
        parts.append(draw(words))
        parts.append(draw(separators))
    return "".join(parts)


@settings(max_examples=150, deadline=None)
@given(pages=st.lists(raw_texts(), min_size=1, max_size=4), numbered=st.booleans())
def test_property_source_offsets_map_back(pages: list[str], numbered: bool) -> None:
    page_texts = [PageText(n + 1 if numbered else None, text) for n, text in enumerate(pages)]
    result = clean_pages(page_texts)
    raw = raw_of(page_texts)

    assert len(result.source_offsets) == len(result.text)
    assert list(result.source_offsets) == sorted(result.source_offsets)
    for offset, char in enumerate(result.text):
        source = raw[result.source_offsets[offset]]
        same = source == char or (source.isspace() and char.isspace())
        bullet = source in BULLET_GLYPHS and char in "- "
        assert same or bullet, (offset, char, source)
    assert result.text == result.text.strip()
    if numbered and result.text:
        assert result.page_at(0) is not None


# --- table of contents ----------------------------------------------------------------------

PARAGRAPH = (
    "Dit hoofdstuk beschrijft wat de gemeente doet en waarom zij dat zo doet, met voorbeelden\n"
    "uit de praktijk van de wijkteams en de jeugdgezondheidszorg in de regio."
)


def report_with_contents(contents: list[str]) -> str:
    body = [f"{title}\n{PARAGRAPH}" for title in ("1. Inleiding", "2. Methode", "3. Resultaten")]
    return "\n".join(["Rapport over samenwerking", "Inhoudsopgave", *contents, *body])


@pytest.mark.parametrize(
    "contents",
    [
        ["1. Inleiding ........ 3", "2. Methode .......... 5", "3. Resultaten ....... 9"],
        ["1. Inleiding\t3", "2. Methode\t5", "3. Resultaten\t9"],
        ["1. Inleiding", "2. Methode", "3. Resultaten"],  # no page numbers: the titles recur
    ],
)
def test_a_table_of_contents_is_not_content(contents: list[str]) -> None:
    text = clean(report_with_contents(contents))

    assert "Inhoudsopgave" not in text
    assert text.count("2. Methode") == 1
    assert text.index("1. Inleiding") > text.index("Rapport over samenwerking")
    headings = [s.heading for s in find_sections(text)]
    assert headings[-3:] == ["1. Inleiding", "2. Methode", "3. Resultaten"]


def test_lines_that_end_in_numbers_are_not_a_table_of_contents() -> None:
    rows = ["Utrecht 12", "Amersfoort 7", "Zeist 4"]  # decreasing counts, no leaders
    assert all(row in clean("\n".join(["Aantal gezinnen per gemeente:", *rows])) for row in rows)


def test_a_summary_repeated_word_for_word_is_kept() -> None:
    summary = ["Samenwerking vraagt tijd", "en vertrouwen tussen", "professionals in de wijk"]
    text = "\n".join([*summary, PARAGRAPH, *summary, PARAGRAPH])

    assert clean(text).count("vertrouwen tussen") == 2


def test_contents_pages_of_a_pdf_are_skipped() -> None:
    pages = [
        PageText(1, "Inhoud\nInleiding .... 2\nWerkwijze .... 2\nUitkomsten .... 3"),
        PageText(2, f"Inleiding\n{PARAGRAPH}\nWerkwijze\n{PARAGRAPH}"),
        PageText(3, f"Uitkomsten\n{PARAGRAPH}"),
    ]
    result = clean_pages(pages)

    assert "...." not in result.text and "Inhoud\n" not in result.text
    assert result.page_at(result.text.index("Inleiding")) == 2


def test_a_sentence_cut_by_a_paragraph_break_after_a_function_word_is_joined() -> None:
    text = "Eerste alinea.\n\nNoem hierin ook de datum van het\n\nvorige plan.\n\nVolgende alinea."

    assert "Noem hierin ook de datum van het vorige plan." in clean(text).split("\n")


def test_articles_with_a_paragraph_each_are_not_a_table_of_contents() -> None:
    articles = [f"Article {n}\n{PARAGRAPH.replace(chr(10), ' ')}" for n in range(1, 8)]
    text = clean("\n".join(articles))

    assert all(f"Article {n}" in text for n in range(1, 8))
    assert text.count("wijkteams") == 7


def test_markdown_articles_are_not_a_table_of_contents() -> None:
    source = "\n\n".join(f"### Article {n}\n{PARAGRAPH.replace(chr(10), ' ')}" for n in range(1, 8))
    text = clean_pages([PageText(None, source)], markdown=True).text

    assert text.count("wijkteams") == 7
