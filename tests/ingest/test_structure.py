from __future__ import annotations

from pathlib import Path

import pytest

from ingest.cleaning import clean_pages
from ingest.loaders import load_document
from ingest.model import PageText, Section
from ingest.structure import find_sections
from tests.conftest import REAL_PDF

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"

BODY = (
    "Dit is een gewone alinea met genoeg tekst om als lopende tekst te gelden, zodat de regel "
    "erboven als kop herkend kan worden."
)


def headings(text: str) -> list[str]:
    return [section.heading for section in find_sections(text)]


def corpus_sections(name: str) -> list[Section]:
    raw = (CORPUS / name).read_text(encoding="utf-8")
    return find_sections(clean_pages([PageText(None, raw)]).text)


def test_numbered_headings_get_levels_and_paths() -> None:
    text = "\n".join(
        [
            "Samenvatting",
            BODY,
            "1. Inleiding",
            BODY,
            "1.1. Achtergrond van het onderzoek",
            BODY,
            "1.2. Onderzoeksvragen",
            BODY,
            "2. Methode",
            BODY,
            "2.1. Samenwerking tussen basishulp en specialistische hulp",
            BODY,
        ]
    )
    sections = find_sections(text)

    assert [(s.heading, s.level) for s in sections] == [
        ("Samenvatting", 1),
        ("1. Inleiding", 1),
        ("1.1. Achtergrond van het onderzoek", 2),
        ("1.2. Onderzoeksvragen", 2),
        ("2. Methode", 1),
        ("2.1. Samenwerking tussen basishulp en specialistische hulp", 2),
    ]
    assert sections[3].path == ("1. Inleiding", "1.2. Onderzoeksvragen")
    assert sections[5].path[0] == "2. Methode"
    assert text[sections[2].start :].startswith("1.1. Achtergrond")


@pytest.mark.parametrize(
    "heading",
    ["3 Resultaten", "Hoofdstuk 4", "Hoofdstuk 2. Effectieve Basishulp", "Artikel 2",
     "Bijlage 1: Topiclijst fase 1", "Conclusies", "Aanbevelingen", "Discussie", "Literatuur",
     "Management Summary", "Voorwoord", "# Markdown kop"],
)  # fmt: skip
def test_heading_forms_are_recognised(heading: str) -> None:
    assert headings(f"{BODY}\n{heading}\n{BODY}") == [heading.lstrip("# ")]


@pytest.mark.parametrize(
    "line",
    [
        "1. Het college kan, bij openbaar te maken besluit, weggedeelten aanwijzen.",
        "6. deelautoplaats: parkeerplaats aangewezen voor het parkeren van een deelauto.",
        "9. Is de samenwerking geëvalueerd op het gebied van gemaakte afspraken?",
        "3. Vertrouwen en respect; bouwen aan werkrelaties; kennen professionals elkaar",
        "Hoofdstuk 3 geeft weer hoe we bijdragen aan de buurtagenda",
        "Strategisch niveau 10 45",
        "2018",
        "Figuur 1: Fasen van de JIM-aanpak",
        "Inleiding ........................ 5",
        "Organisatievorm van JGZ en",
        "- Sociale basishulp",
        "“Een sterke sociale basis”",
    ],
)
def test_false_positives_are_avoided(line: str) -> None:
    assert headings(f"{BODY}\n{line}\n{BODY}") == []


def test_short_title_line_standing_alone_is_a_heading_under_its_section() -> None:
    text = "\n".join(["3. Resultaten", BODY, "Rolverdeling binnen de samenwerking", BODY])
    sections = find_sections(text)

    assert sections[-1].heading == "Rolverdeling binnen de samenwerking"
    assert sections[-1].path == ("3. Resultaten", "Rolverdeling binnen de samenwerking")


def test_table_cells_are_not_headings() -> None:
    text = "\n".join([BODY, "Wijk", "Bereik", "Overvecht", "17 procent", BODY])
    assert headings(text) == []


def test_header_cells_under_a_table_caption_are_not_headings() -> None:
    # As extracted from 001: the column headers stand alone above long cells.
    text = "\n".join(
        [
            "Resultaten", BODY, "Tabel 7: Wederzijdse verwachtingen", "JIM’s Professionals", BODY,
            "Tabel 2 Aantal respondenten", "2.3.1 Dataverzameling", "Verzameling van documenten",
            BODY,
        ]
    )  # fmt: skip

    assert headings(text) == [
        "Resultaten", "2.3.1 Dataverzameling", "Verzameling van documenten"
    ]  # fmt: skip


def test_a_title_line_recurring_close_by_is_a_table_label() -> None:
    text = "\n".join(
        [
            "Resultaten", BODY, "Volgens professionals", BODY, "Volgens professionals", BODY,
            "Taken van de JIM", BODY,
        ]
    )  # fmt: skip

    assert headings(text) == ["Resultaten", "Taken van de JIM"]


def test_table_of_contents_entries_are_skipped() -> None:
    text = "\n".join(["Inhoud", "Inleiding", "Methode", "", "Inleiding", BODY, "Methode", BODY])
    sections = find_sections(text)

    assert [s.heading for s in sections] == ["Inhoud", "Inleiding", "Methode"]
    assert text[sections[1].start :].startswith(f"Inleiding\n{BODY}")


def test_appendix_sections_nest_their_known_names() -> None:
    text = "\n".join(["4. Discussie", BODY, "Bijlage 1: Topiclijst", BODY, "Introductie", BODY])
    sections = find_sections(text)

    assert sections[-1].path == ("Bijlage 1: Topiclijst", "Introductie")


def test_numbered_points_without_chapters_nest_under_named_sections() -> None:
    text = "\n".join(["Samenvatting", BODY, "1. Randvoorwaarden", BODY, "2. Visie", BODY])
    sections = find_sections(text)

    assert sections[1].path == ("Samenvatting", "1. Randvoorwaarden")
    assert sections[2].path == ("Samenvatting", "2. Visie")


def test_numbered_subsections_leave_a_chapter_whose_title_was_lost() -> None:
    # As extracted from 002: chapter 2's title is missing, and "1.1" comes before the
    # chapter title "Inleiding" (printed beside it), right after the summary.
    text = "\n".join(
        [
            "Samenvatting", BODY, "1.1 Waarom dit onderzoek?", BODY, "Inleiding", BODY,
            "1.2 Potentieel werkzame elementen", BODY, "2.1 Onderzoeksopzet", BODY,
            "2.2 Procedure werving", BODY, "Resultaten", BODY, "3.2 Randvoorwaarden", BODY,
        ]
    )  # fmt: skip
    paths = {s.heading: s.path for s in find_sections(text)}

    assert paths["1.1 Waarom dit onderzoek?"] == ("1.1 Waarom dit onderzoek?",)
    assert paths["1.2 Potentieel werkzame elementen"][0] == "Inleiding"
    assert paths["2.1 Onderzoeksopzet"] == ("2.1 Onderzoeksopzet",)
    assert paths["2.2 Procedure werving"] == ("2.2 Procedure werving",)
    assert paths["3.2 Randvoorwaarden"] == ("Resultaten", "3.2 Randvoorwaarden")


def test_empty_text_has_no_sections() -> None:
    assert find_sections("") == []


def test_real_pdf_articles() -> None:
    text = clean_pages(load_document(REAL_PDF).pages).text
    sections = find_sections(text)
    found = [s.heading for s in sections]

    assert "AFDELING I DEFINITIES" in found
    assert "Artikel 1" in found and "Artikel 2." in found
    article = next(s for s in sections if s.heading == "Artikel 2.")
    assert article.path[0].startswith("AFDELING II") and article.level == 2
    assert not any(h.startswith(("6. deelautoplaats", "1. Het college")) for h in found)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("000_a40865c55bc392e4.txt",
         [("Samenvatting", 1), ("1. Inleiding", 1), ("1.2. Onderzoeksvragen", 2),
          ("2. Methode", 1), ("3. Resultaten", 1),
          ("3.5. Reflectie op resultaten in membercheck", 2), ("4. Discussie", 1),
          ("Bijlage 1: Topiclijst fase 1", 1)]),
        ("001_2dee6ced833473bc.txt",
         [("Samenvatting", 1), ("Inleiding", 1), ("2. Methode", 1), ("Resultaten", 1),
          ("4. Discussie", 1), ("Bijlage 1: Topiclijst Fase 2 voor de JIM", 1)]),
        ("002_046c0404f7c2ee17.txt",
         [("Samenvatting", 1), ("Inleiding", 1), ("1.2 Potentieel werkzame elementen", 2),
          ("Resultaten", 1), ("3.14.3 JGZ en wijkteam in één team of organisatie", 3),
          ("Conclusies en aanbevelingen", 1), ("4.3 Aanbevelingen", 2)]),
        ("003_ac686dcf53bd400a.txt",
         [("Management Summary", 1), ("1. Inleiding en onderzoeksmodel", 1),
          ("3.5. Leerprocessen", 2), ("6.4. Aanbevelingen", 2), ("7. Nawoord", 1),
          ("Bijlage 15: Speelveld voor het bieden van integrale gezondheidszorg gemeente "
           "Overbetuwe", 1)]),
        ("004_5a33403272936a1a.txt",
         [("Hoofdstuk 1. Toegankelijk voor alle jongeren en gezinnen", 1),
          ("Hoofdstuk 5. Professionele teams", 1)]),
    ],
)  # fmt: skip
def test_corpus_table_of_contents(name: str, expected: list[tuple[str, int]]) -> None:
    sections = corpus_sections(name)
    levels = {s.heading: s.level for s in sections}
    order = [s.heading for s in sections]

    assert [(heading, levels.get(heading)) for heading, _ in expected] == expected
    positions = [order.index(heading) for heading, _ in expected]
    assert positions == sorted(positions)


def test_corpus_subsection_paths() -> None:
    sections = corpus_sections("003_ac686dcf53bd400a.txt")
    by_heading = {s.heading: s for s in sections}

    assert by_heading["3.5. Leerprocessen"].path == ("3. Literatuurstudie", "3.5. Leerprocessen")
    assert by_heading["6.4. Aanbevelingen"].level == 2
    assert "1 SWT met generalistisch profiel" not in by_heading

    paths = {s.heading: s.path for s in corpus_sections("002_046c0404f7c2ee17.txt")}
    methods = paths["2.2.1 Deelnemende gemeenten en respondenten"]
    assert methods[0] == "2.2 Procedure werving organisaties"
    assert paths["3.2.2 Gezamenlijke huisvesting"][0] == "Resultaten"
    assert paths["7.2 Bijlage 2: Context"] == ("7.2 Bijlage 2: Context",)

    cells = {"JIM’s Professionals", "JIM’s", "Volgens professionals"}
    assert not cells & {s.heading for s in corpus_sections("001_2dee6ced833473bc.txt")}


def test_parts_of_a_law_nest_by_rank_and_keep_the_chapter() -> None:
    text = "\n".join(
        [
            "Hoofdstuk 2",
            "De gemeente",
            "Afdeling 2.1 Toegang",
            "§ 2.1.1 Algemeen",
            "Artikel 2.3",
            BODY,
            "Artikel 2.4",
            BODY,
            "Hoofdstuk 3 Slotbepalingen",
            "Artikel 3.1",
            BODY,
        ]
    )
    paths = [" > ".join(s.path) for s in find_sections(text)]

    assert paths == [
        "Hoofdstuk 2 De gemeente",
        "Hoofdstuk 2 De gemeente > Afdeling 2.1 Toegang",
        "Hoofdstuk 2 De gemeente > Afdeling 2.1 Toegang > § 2.1.1 Algemeen",
        "Hoofdstuk 2 De gemeente > Afdeling 2.1 Toegang > § 2.1.1 Algemeen > Artikel 2.3",
        "Hoofdstuk 2 De gemeente > Afdeling 2.1 Toegang > § 2.1.1 Algemeen > Artikel 2.4",
        "Hoofdstuk 3 Slotbepalingen",
        "Hoofdstuk 3 Slotbepalingen > Artikel 3.1",
    ]


def test_english_chapters_and_articles() -> None:
    text = "\n".join(["CHAPTER I", "General provisions", "Article 1", BODY, "Article 2", BODY])
    paths = [" > ".join(s.path) for s in find_sections(text)]

    assert paths == [
        "CHAPTER I General provisions",
        "CHAPTER I General provisions > Article 1",
        "CHAPTER I General provisions > Article 2",
    ]


def test_a_bare_article_does_not_take_its_first_sentence_as_title() -> None:
    text = "\n".join(["Artikel 1", "In deze verordening wordt verstaan onder:", BODY])

    assert headings(text) == ["Artikel 1"]


def test_marked_headings_are_headings_whatever_their_form() -> None:
    text = f"Preambule van de regeling\n{BODY}\nArtikel 1\n{BODY}"
    marked = [(0, 2), (text.index("Artikel 1"), 3)]

    sections = find_sections(text, marked)
    assert [(s.heading, s.level) for s in sections] == [
        ("Preambule van de regeling", 2),
        ("Artikel 1", 1),
    ]


def test_recitals_have_a_section_of_their_own_and_articles_their_chapter() -> None:
    recital = (
        "The protection of natural persons in relation to the processing of personal data is a "
        "fundamental right, laid down in the Charter and in the Treaty."
    )
    text = "\n".join(
        [
            "REGULATIONS",
            "THE EUROPEAN PARLIAMENT AND THE COUNCIL OF THE EUROPEAN UNION,",
            "Having regard to the Treaty on the Functioning of the European Union,",
            "Whereas:",
            *(f"({n}) {recital}" for n in range(1, 6)),
            "HAVE ADOPTED THIS REGULATION:",
            "CHAPTER I",
            "General provisions",
            "Article 1",
            "Subject-matter and objectives",
            f"1. {recital}",
        ]
    )
    sections = find_sections(text)
    paths = [" > ".join(s.path) for s in sections]

    assert "Whereas" in paths
    whereas = next(s for s in sections if s.heading == "Whereas")
    assert text.index("(1) The protection") > whereas.start
    assert not [s for s in sections if whereas.start < s.start < text.index("(5)")]
    assert "CHAPTER I General provisions > Article 1 Subject-matter and objectives" in paths


def test_overwegingen_have_a_section_of_their_own() -> None:
    text = "\n".join(["Het college,", "Overwegende:", f"(1) {BODY}", f"(2) {BODY}"])
    assert headings(text) == ["Overwegende"]
