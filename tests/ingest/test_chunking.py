from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_document, split_sentences
from ingest.cleaning import CleanText, clean_pages
from ingest.loaders import load_document
from ingest.model import Chunk, PageText, Section
from ingest.structure import find_sections
from tests.conftest import REAL_PDF

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def section(text: str, heading: str, *path: str, level: int = 1) -> Section:
    return Section(text.index(heading), level, heading, (*path, heading))


def assert_chunks_are_sound(clean: CleanText, chunks: Sequence[Chunk], max_chars: int) -> None:
    covered = bytearray(len(clean.text))
    for ordinal, chunk in enumerate(chunks):
        assert chunk.ordinal == ordinal
        assert clean.text[chunk.start : chunk.end] == chunk.text
        assert chunk.id == Chunk.make_id(chunk.doc_id, ordinal, chunk.text)
        assert len(chunk.text) <= max_chars
        assert chunk.text == chunk.text.strip() and chunk.text
        assert chunk.sentences and chunk.sentences[0][0] == 0
        assert chunk.sentences[-1][1] == len(chunk.text)
        for start, end in chunk.sentences:
            assert 0 <= start < end <= len(chunk.text)
            assert chunk.text[start:end] == chunk.text[start:end].strip()
        covered[chunk.start : chunk.end] = b"\x01" * (chunk.end - chunk.start)
    lost = [i for i, char in enumerate(clean.text) if not char.isspace() and not covered[i]]
    assert lost == [], clean.text[lost[0] : lost[0] + 40] if lost else ""


# --- sentences ------------------------------------------------------------------------------


def test_sentences_split_on_full_stops_question_and_exclamation_marks() -> None:
    assert sentences("De regie ligt bij het gezin. Wie neemt het over? Niemand!") == [
        "De regie ligt bij het gezin.",
        "Wie neemt het over?",
        "Niemand!",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Youké heeft expertise op o.a. autisme en echtscheiding.",
        "Denk aan bijv. Altrecht, Jellinek e.d. in de stad.",
        "Afspraken m.b.t. de regie, d.w.z. wie wat doet.",
        "Het gaat om twee partijen, nl. Lokalis en Youké.",
        "Het gesprek met dr. Jansen en mevr. De Boer was goed.",
        "Verslaving, schulden etc. Zulke problemen komen samen.",
        "Zie paragraaf 3.2 voor de resultaten van 2018.",
        "Overgenomen uit het boek door L. van Dam en S. Verhulst in 2016.",
        "Dit blijkt uit eerder werk (Van Dam et al. 2017) en andere bronnen.",
    ],
)
def test_abbreviations_initials_and_numbers_do_not_split(sentence: str) -> None:
    assert sentences(f"{sentence} Dan volgt een nieuwe zin.") == [
        sentence,
        "Dan volgt een nieuwe zin.",
    ]


def test_headings_and_list_items_are_sentences_of_their_own() -> None:
    text = "3.2. Samenwerking\nDe principes zijn:\n- Leefwereld centraal\n- Eenvoud\n1. Inleiding"
    assert sentences(text) == [
        "3.2. Samenwerking",
        "De principes zijn:",
        "- Leefwereld centraal",
        "- Eenvoud",
        "1. Inleiding",
    ]


def test_sentence_keeps_its_closing_quote_and_spans_exclude_whitespace() -> None:
    text = "  Hij zei: “Dat klopt.” Daarna ging hij.  \n\n  "
    assert split_sentences(text) == [(2, 23), (24, 40)]
    assert sentences(text) == ["Hij zei: “Dat klopt.”", "Daarna ging hij."]


def test_sentence_followed_by_lowercase_is_not_split() -> None:
    text = "Bel 06-1234. ook buiten kantoortijd."
    assert sentences(text) == [text]


def test_no_sentences_in_whitespace() -> None:
    assert split_sentences("") == [] and split_sentences(" \n\n ") == []


# --- passages -------------------------------------------------------------------------------

REPORT = (
    "Samenvatting\n"
    "De JIM-aanpak ondersteunt gezinnen. Een jongere kiest zelf een mentor. "
    "De mentor heet de JIM.\n\n"
    "1. Inleiding\n"
    "1.1. Achtergrond\n"
    "Sinds 2015 zijn gemeenten verantwoordelijk voor de jeugdhulp. Dat was een grote verandering. "
    "De buurtteams bieden basishulp.\n\n"
    "2. Regie\n"
    "Als SAVE al bij aanvang betrokken is, is SAVE de regiehouder. Anders is dat de gezinswerker."
)


def report_sections() -> list[Section]:
    return [
        section(REPORT, "Samenvatting"),
        section(REPORT, "1. Inleiding"),
        section(REPORT, "1.1. Achtergrond", "1. Inleiding", level=2),
        section(REPORT, "2. Regie"),
    ]


def test_chunks_follow_sections_and_map_back() -> None:
    clean = CleanText(REPORT)
    chunks = chunk_document("rapport", clean, report_sections())

    assert [c.section for c in chunks] == [
        "Samenvatting",
        "1. Inleiding > 1.1. Achtergrond",
        "2. Regie",
    ]
    assert chunks[0].text.startswith("Samenvatting\nDe JIM-aanpak")
    # "1. Inleiding" has no text of its own: it joins the next passage instead of standing alone.
    assert chunks[1].text.startswith("1. Inleiding\n1.1. Achtergrond\nSinds 2015")
    assert chunks[2].sentence_texts() == [
        "2. Regie",
        "Als SAVE al bij aanvang betrokken is, is SAVE de regiehouder.",
        "Anders is dat de gezinswerker.",
    ]
    assert all(c.page is None and c.page_end is None for c in chunks)
    assert_chunks_are_sound(clean, chunks, 900)


def test_text_before_the_first_heading_has_an_empty_section() -> None:
    text = "Een inleidende zin zonder kop.\nInleiding\nDe tekst van de inleiding."
    chunks = chunk_document("d", CleanText(text), [section(text, "Inleiding")])

    assert [c.section for c in chunks] == ["", "Inleiding"]


def test_passages_pack_whole_sentences_and_overlap() -> None:
    text = " ".join(f"Dit is zin nummer {n} over de samenwerking in de wijk." for n in range(1, 21))
    clean = CleanText(text)
    chunks = chunk_document("d", clean, [], max_chars=200, overlap_sentences=1)

    assert len(chunks) > 3
    for previous, current in itertools.pairwise(chunks):
        assert previous.sentence_texts()[-1] == current.sentence_texts()[0]
    assert_chunks_are_sound(clean, chunks, 200)


def test_no_overlap_when_asked() -> None:
    text = " ".join(f"Zin {n} gaat over regie en verantwoordelijkheid." for n in range(1, 30))
    chunks = chunk_document("d", CleanText(text), [], max_chars=150, overlap_sentences=0)

    for previous, current in itertools.pairwise(chunks):
        assert previous.end < current.start


def test_sentence_longer_than_max_chars_is_split_at_word_boundaries() -> None:
    text = "Een " + "heel " * 100 + "lange zin."
    clean = CleanText(text)
    chunks = chunk_document("d", clean, [], max_chars=120)

    assert len(chunks) > 1
    for chunk in chunks:
        assert not chunk.text.startswith("eel") and len(chunk.text) <= 120
    assert_chunks_are_sound(clean, chunks, 120)


def test_pages_of_passages() -> None:
    pages = [
        PageText(n, f"Op pagina {n} staat een zin over de regie van het gezin en de JIM.")
        for n in range(1, 4)
    ]
    clean = clean_pages(pages)
    chunks = chunk_document("d", clean, [], max_chars=80, overlap_sentences=0)

    assert [(c.page, c.page_end) for c in chunks] == [(1, 1), (2, 2), (3, 3)]
    wide = chunk_document("d", clean, [], max_chars=900)
    assert (wide[0].page, wide[0].page_end) == (1, 3)


def test_a_passage_across_a_page_break_runs_from_the_page_it_starts_on() -> None:
    # A short tail on page 1 and a long continuation on page 2: page 1 … page 2, not 2 … 2.
    pages = [
        PageText(1, "Eerste zin staat onderaan pagina een."),
        PageText(
            2,
            "Deze lange tweede zin loopt door op de volgende pagina en is veel langer "
            "dan de eerste zin, zodat het grootste deel op pagina twee staat.",
        ),
    ]
    clean = clean_pages(pages)
    [chunk] = chunk_document("d", clean, [], max_chars=900)

    assert (chunk.page, chunk.page_end) == (1, 2)
    # A quote cites the page it stands on.
    assert chunk.page_at(chunk.text.index("Eerste")) == 1
    assert chunk.page_at(chunk.text.index("Deze lange")) == 2
    assert chunk.page_at(len(chunk.text) - 1) == 2


def test_invalid_max_chars() -> None:
    with pytest.raises(ValueError):
        chunk_document("d", CleanText("tekst"), [], max_chars=0)


def test_corpus_document_chunks_are_sound() -> None:
    raw = (CORPUS / "000_a40865c55bc392e4.txt").read_text(encoding="utf-8")
    clean = clean_pages([PageText(None, raw)])
    sections = find_sections(clean.text)
    chunks = chunk_document("000", clean, sections)

    assert_chunks_are_sound(clean, chunks, 900)
    labels = {c.section for c in chunks}
    assert any(label.startswith("3. Resultaten > 3.3. Doelen en belangen") for label in labels)
    quote = "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren."
    assert any(quote in c.sentence_texts() for c in chunks)


# --- properties -----------------------------------------------------------------------------

words = st.sampled_from(
    ["de", "regie", "JIM-aanpak", "organ-", "iseren", "jeugd-", "en", "0-100", "Extra@teams",
     "bijv.", "o.a.", "J.", "3.2", "Samenvatting", "Inleiding", "1.", "2.1.", "12", "Pagina",
     "zin.", "Vraag?", "Ja!", "“citaat.”", "(haakjes)", "Youké", "x" * 30]
)  # fmt: skip
separators = st.sampled_from([" ", " ", " ", " ", "\n", "\n\n", "  \n", "\n \n\n"])
bullets = st.sampled_from(["", "", "", "• ", "- ", "* ", "\uf0b7 "])


@st.composite
def raw_texts(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 60))):
        if not parts or parts[-1].endswith("\n"):
            parts.append(draw(bullets))
        parts.append(draw(words))
        parts.append(draw(separators))
    return "".join(parts)


@settings(max_examples=150, deadline=None)
@given(
    pages=st.lists(raw_texts(), min_size=1, max_size=3),
    numbered=st.booleans(),
    max_chars=st.integers(20, 400),
    overlap=st.integers(0, 2),
)
def test_property_chunks_map_back_and_lose_nothing(
    pages: list[str], numbered: bool, max_chars: int, overlap: int
) -> None:
    clean = clean_pages([PageText(n + 1 if numbered else None, t) for n, t in enumerate(pages)])
    sections = find_sections(clean.text)
    chunks = chunk_document("doc", clean, sections, max_chars=max_chars, overlap_sentences=overlap)

    assert_chunks_are_sound(clean, chunks, max_chars)
    for chunk in chunks:
        for inside in (s for s in sections if chunk.start < s.start < chunk.end):
            # Only the passage's own section, or a heading-only one merged into it, starts inside.
            own = " > ".join(inside.path) == chunk.section
            assert own or _is_tiny(clean.text, inside, sections)
        if numbered:
            assert chunk.page is not None and chunk.page_end is not None
            assert chunk.page <= chunk.page_end


def _is_tiny(text: str, tiny: Section, sections: Sequence[Section]) -> bool:
    end = min([s.start for s in sections if s.start > tiny.start], default=len(text))
    newline = text.find("\n", tiny.start, end)
    body = text[newline:end] if newline != -1 else ""
    return len("".join(body.split())) < 20


@settings(max_examples=200, deadline=None)
@given(text=raw_texts())
def test_property_sentences_cover_the_text(text: str) -> None:
    spans = split_sentences(text)
    covered = bytearray(len(text))
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        covered[start:end] = b"\x01" * (end - start)
        previous_end = end
    assert all(covered[i] for i, char in enumerate(text) if not char.isspace())


DEFINITIONS = "\n".join(
    [
        "Artikel 1",
        "In deze regeling wordt verstaan onder:",
        "1. bedrijf: natuurlijke persoon of rechtspersoon die",
        "a. gevestigd is in een vergunningsector, of",
        "b. behoort tot de vrije beroepen.",
        "2. deelautoplaats: parkeerplaats voor een deelauto. Hierin geen onderscheid.",
        "3. houder: degene op wiens naam het kenteken staat;",
        "4. RVV 1990: Reglement verkeersregels en verkeerstekens 1990.",
    ]
)


def test_each_definition_is_one_unit_with_its_term() -> None:
    clean = CleanText(DEFINITIONS)
    [chunk] = chunk_document("d", clean, [section(DEFINITIONS, "Artikel 1")], max_chars=900)

    assert chunk.sentence_texts()[2:] == [
        "1. bedrijf: natuurlijke persoon of rechtspersoon die\n"
        "a. gevestigd is in een vergunningsector, of\nb. behoort tot de vrije beroepen.",
        "2. deelautoplaats: parkeerplaats voor een deelauto. Hierin geen onderscheid.",
        "3. houder: degene op wiens naam het kenteken staat;",
        "4. RVV 1990: Reglement verkeersregels en verkeerstekens 1990.",
    ]


def test_a_definition_longer_than_a_passage_is_still_split() -> None:
    clean = CleanText(DEFINITIONS)
    chunks = chunk_document("d", clean, [section(DEFINITIONS, "Artikel 1")], max_chars=70)

    assert_chunks_are_sound(clean, chunks, 70)
    assert "2. deelautoplaats: parkeerplaats voor een deelauto." in {
        s for c in chunks for s in c.sentence_texts()
    }


def test_bulleted_points_with_a_colon_are_not_glued_together() -> None:
    text = "\n".join(
        [
            "Uitgangspunten",
            "- Eenvoud: de inhoud is leidend. Niet het systeem.",
            "- Nabijheid: zorg in de buurt.",
            "- Veiligheid van kinderen is de ondergrens.",
            "- Samen: met het netwerk.",
        ]
    )
    [chunk] = chunk_document("d", CleanText(text), [section(text, "Uitgangspunten")])

    assert "- Veiligheid van kinderen is de ondergrens." in chunk.sentence_texts()
    assert "- Eenvoud: de inhoud is leidend. Niet het systeem." in chunk.sentence_texts()


def test_real_pdf_definition_is_a_sentence_of_its_own_on_its_page() -> None:
    clean = clean_pages(load_document(REAL_PDF).pages)
    chunks = chunk_document("heerlen", clean, find_sections(clean.text))
    definition = "6. deelautoplaats: parkeerplaats aangewezen voor het parkeren van een deelauto."

    holding = [c for c in chunks if definition in c.sentence_texts()]
    assert holding
    for chunk in holding:
        assert chunk.section.endswith("Artikel 1")
        assert chunk.page is not None and chunk.page_end is not None
        assert chunk.page <= 2 <= chunk.page_end
        assert "Datum" not in chunk.text and "Registratienummer" not in chunk.text


def test_a_heading_over_two_lines_without_text_joins_the_next_section() -> None:
    text = "§ 5.2\n\nErkenning als kwaliteitsregister jeugd\n\nArtikel 5.2.1\n\n" + "Tekst. " * 10
    paragraph = Section(0, 1, "§ 5.2 Erkenning als kwaliteitsregister jeugd", ("§ 5.2 …",))
    article = Section(text.index("Artikel"), 2, "Artikel 5.2.1", ("§ 5.2 …", "Artikel 5.2.1"))
    chunks = chunk_document("d", CleanText(text.strip()), [paragraph, article])

    assert [c.section for c in chunks] == ["§ 5.2 … > Artikel 5.2.1"]
    assert chunks[0].text.startswith("§ 5.2")
