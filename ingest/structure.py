"""Find the headings in a document's clean text, so passages can cite their section.

Extracted reports carry no markup, so headings are recognised by their form: numbering
("3.2. Werkwijze …", "Hoofdstuk 4", "Artikel 2"), well-known section names ("Samenvatting",
"Conclusies") and short title-like lines standing on their own. Levels come from the numbering
depth; unnumbered headings nest under the numbered section they appear in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ingest.model import Section

_MAX_HEADING_CHARS = 110
_MAX_TITLE_LINE_CHARS = 90
_MAX_TITLE_LINE_WORDS = 12
_MIN_BODY_CHARS = 100  # a title-like line must be followed by real text, not by more cells

_MARKDOWN = re.compile(r"(#{1,6})\s+(\S.*?)\s*#*")
_NUMBERED = re.compile(r"(\d{1,2}(?:\.\d{1,2})*)(\.?)\s+(\S.*)")
_KEYWORD = re.compile(
    r"(?:(?P<word>hoofdstuk|afdeling|deel|boek|titel|paragraaf|artikel|bijlage|chapter|part|"
    r"section|article|appendix|annex)\s+|(?P<sign>§)\s*)"
    r"(?P<number>\d{1,3}[a-z]?(?:\.\d{1,3}[a-z]?)*|[IVXLC]{1,6})\b\.?:?\s*(?P<rest>.*)",
    re.IGNORECASE,
)
# How the parts of laws and regulations nest: a lower rank contains a higher one.
_KEYWORD_RANK = {
    "deel": 0, "boek": 0, "part": 0, "hoofdstuk": 1, "titel": 1, "chapter": 1, "bijlage": 1,
    "appendix": 1, "annex": 1, "afdeling": 2, "paragraaf": 3, "§": 3, "section": 3,
    "artikel": 4, "article": 4,
}  # fmt: skip
_TOC_PAGE_NUMBER = re.compile(r"(?:\.{2,}|…+|\t)\s*\d{1,3}$")
_TABLE_CAPTION = re.compile(r"(tabel|table)\s+\d+", re.IGNORECASE)
_CELL_LINES = 3  # title-like lines this close below a table caption are its header cells
_REPEAT_LINES = 6  # a title-like line recurring this close is a table label
_CAPTION = re.compile(r"(figuur|tabel|grafiek|figure|table|bron|source|noot|foto)\b", re.IGNORECASE)

# Section names that stand alone in reports; matched case-insensitively, ignoring a final colon.
_FRONT_OR_BACK_MATTER = frozenset(
    {
        "samenvatting", "management summary", "summary", "executive summary", "abstract",
        "voorwoord", "inhoud", "inhoudsopgave", "literatuur", "literatuurlijst", "referenties",
        "references", "bronnen", "bronvermelding", "bijlage", "bijlagen", "nawoord", "dankwoord",
        "colofon", "afkortingen", "begrippenlijst", "verantwoording", "preamble", "preambule",
        "whereas", "recitals", "overwegende", "overwegingen", "considerans",
    }
)  # fmt: skip
_BODY_SECTION_NAMES = frozenset(
    {
        "inleiding", "introductie", "achtergrond", "aanleiding", "methode", "methoden",
        "methodologie", "onderzoeksopzet", "onderzoeksvraag", "onderzoeksvragen", "werkwijze",
        "resultaten", "bevindingen", "conclusie", "conclusies", "conclusies en aanbevelingen",
        "discussie", "beschouwing", "aanbevelingen", "tot slot", "introduction", "background",
        "method", "methods", "results", "findings", "conclusion", "conclusions", "discussion",
        "recommendations",
    }
)  # fmt: skip
_SUMMARY_NAMES = frozenset({"samenvatting", "management summary", "summary", "executive summary"})
_OPENING_NAMES = frozenset({"inleiding", "introductie", "introduction", "voorwoord"})
_BACK_MATTER = frozenset(
    {"literatuur", "literatuurlijst", "referenties", "references", "bronnen", "bijlage", "bijlagen"}
)
# A line ending in one of these words is a fragment (a wrapped table cell), not a title; a
# line broken after one of them is a sentence that goes on.
FUNCTION_WORDS = frozenset(
    {
        "de", "het", "een", "en", "of", "van", "voor", "in", "op", "met", "aan", "te", "die",
        "dat", "om", "bij", "als", "tot", "door", "naar", "over", "uit", "the", "a", "an", "and",
        "or", "for", "on", "with", "to", "by",
    }
)  # fmt: skip


@dataclass(frozen=True)
class _Candidate:
    start: int
    text: str
    kind: str  # "markdown", "numbered", "keyword", "known", "title"
    depth: int = 0  # numbering depth, markdown level, or keyword rank
    number: tuple[int, ...] = ()
    dotted: bool = False  # "3." rather than "3"


def find_sections(text: str, marked: Sequence[tuple[int, int]] = ()) -> list[Section]:
    """Headings in ``text`` in document order, each with its level and enclosing headings.

    ``marked`` holds (offset, level) of lines the source itself marks as headings (Markdown).
    """
    candidates = _without_odd_chapter_numbers(_without_toc_entries(_candidates(text, dict(marked))))
    chapters = _has_chapter_numbering(candidates)
    sections: list[Section] = []
    stack: list[tuple[int, _Candidate]] = []  # (level, heading) from the top level down
    # The chapter number an unnumbered heading turned out to have: that of the first "N.x"
    # heading under it ("Inleiding" above "1.2 …" is chapter 1; "2.1 …" cannot be in it).
    chapter_of: dict[int, int] = {}
    in_summary = False
    for candidate in candidates:
        name = _name(candidate.text)
        if candidate.kind == "numbered" and candidate.depth == 1 and chapters:
            in_summary = False
        if name in _OPENING_NAMES or name in _BACK_MATTER:
            in_summary = False
        level = _level(candidate, stack, chapters=chapters, in_summary=in_summary)
        while stack and (
            stack[-1][0] >= level or _not_an_ancestor(stack[-1][1], candidate, chapter_of)
        ):
            stack.pop()
        if candidate.kind == "numbered" and len(candidate.number) > 1:
            for _, heading in stack:
                if heading.kind != "numbered":
                    chapter_of.setdefault(heading.start, candidate.number[0])
        stack.append((level, candidate))
        sections.append(
            Section(
                start=candidate.start,
                level=level,
                heading=candidate.text,
                path=tuple(heading.text for _, heading in stack),
            )
        )
        if level == 1 and name in _SUMMARY_NAMES:
            in_summary = True
    return sections


def _without_toc_entries(candidates: list[_Candidate]) -> list[_Candidate]:
    """Drop a heading that has no text under it and recurs later: a table-of-contents line."""
    kept = []
    for n, candidate in enumerate(candidates):
        later = candidates[n + 1 :]
        body = later[0].start - candidate.start - len(candidate.text) if later else _MIN_BODY_CHARS
        name = _name(candidate.text)
        if body < _MIN_BODY_CHARS // 2 and any(_name(c.text) == name for c in later):
            continue
        kept.append(candidate)
    return kept


def _without_odd_chapter_numbers(candidates: list[_Candidate]) -> list[_Candidate]:
    """Keep "N." headings only in the style most use ("3." or "3"): the rest are table cells."""
    chapters = [c for c in candidates if c.kind == "numbered" and c.depth == 1]
    if len(chapters) <= 2:
        return candidates
    majority = sum(c.dotted for c in chapters) * 2 >= len(chapters)
    return [c for c in candidates if not (c in chapters and c.dotted != majority)]


def _name(text: str) -> str:
    return " ".join(text.lower().rstrip(":").split())


def _level(
    candidate: _Candidate,
    stack: list[tuple[int, _Candidate]],
    *,
    chapters: bool,
    in_summary: bool,
) -> int:
    current = stack[-1][0] if stack else 0
    name = _name(candidate.text)
    if candidate.kind == "markdown":
        return candidate.depth
    if candidate.kind == "keyword":
        # One below the nearest part that contains it ("Hoofdstuk 2" holds "Artikel 2.3").
        containers = [lvl for lvl, h in stack if h.kind == "keyword" and h.depth < candidate.depth]
        return containers[-1] + 1 if containers else 1
    if candidate.kind == "numbered":
        title = _name(candidate.text.split(None, 1)[1])
        if chapters or candidate.depth > 1 or title in _BODY_SECTION_NAMES:
            return candidate.depth
        # A numbered point inside a section: one level below the nearest named heading.
        named = [level for level, heading in stack if heading.kind in ("known", "keyword")]
        return named[-1] + 1 if named else 1
    if candidate.kind == "known":
        in_appendix = any(_is_appendix(h) for _, h in stack)
        if name in _BACK_MATTER or (name in _OPENING_NAMES and not in_appendix):
            return 1
        if in_appendix:
            return current + 1
        if in_summary:
            return 2
        if chapters and any(h.kind == "numbered" for _, h in stack):
            return current + 1
        return 1
    # Title-like lines are siblings under the nearest heading that has a known rank.
    ranked = [level for level, heading in stack if heading.kind != "title"]
    return ranked[-1] + 1 if ranked else 1


def _is_appendix(heading: _Candidate) -> bool:
    first_word = heading.text.split(None, 1)[0].lower()
    return first_word in {"bijlage", "bijlagen", "appendix", "annex"}


def _not_an_ancestor(parent: _Candidate, child: _Candidate, chapter_of: dict[int, int]) -> bool:
    """A numbered "N.x" heading nests only under a heading numbered as a prefix of its own, or
    an unnumbered one of chapter N — never under a summary: when extraction lost a chapter's
    title or number, "2.1 …" stands alone rather than under the previous chapter's title."""
    if child.kind != "numbered" or len(child.number) <= 1:
        return False
    if parent.kind == "numbered":
        return child.number[: len(parent.number)] != parent.number
    if _name(parent.text) in _SUMMARY_NAMES:
        return True
    return chapter_of.get(parent.start, child.number[0]) != child.number[0]


def _has_chapter_numbering(candidates: list[_Candidate]) -> bool:
    """True when most "N.x" headings follow an "N." heading: the report numbers its chapters.

    Otherwise "1." … "12." are numbered points inside a section, and the chapter numbers were
    lost (extraction dropped them as stray page numbers).
    """
    chapter: int | None = None
    matched = total = 0
    for candidate in candidates:
        if candidate.kind != "numbered":
            continue
        if candidate.depth == 1:
            chapter = candidate.number[0]
        else:
            total += 1
            matched += candidate.number[0] == chapter
    return total > 0 and matched >= total / 2


def _lines(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            yield start + len(line) - len(line.lstrip()), stripped
        start += len(line) + 1


def _candidates(text: str, marked: dict[int, int]) -> list[_Candidate]:
    lines = list(_lines(text))
    found: list[tuple[int, _Candidate]] = []  # (line number among non-empty lines, heading)
    caption_at = -_CELL_LINES - 1
    merged_into_previous = -1
    for index, (start, line) in enumerate(lines):
        if _TABLE_CAPTION.match(line):
            caption_at = index
        if index == merged_into_previous:
            continue
        candidate: _Candidate | None
        if start in marked:
            candidate = _marked(start, line, marked[start])
        elif len(line) > _MAX_HEADING_CHARS:
            continue
        else:
            following = lines[index + 1][1] if index + 1 < len(lines) else ""
            candidate = _classify(start, line, following)
        if candidate is None:
            continue
        if candidate.kind == "keyword" and index + 1 < len(lines):
            title = _title_of_bare_keyword(candidate, *lines[index + 1], marked)
            if title is not None:
                candidate = _Candidate(start, f"{line} {title}", "keyword", candidate.depth)
                merged_into_previous = index + 1
        if candidate.kind != "title":
            caption_at = -_CELL_LINES - 1  # a real heading: whatever was captioned has ended
        elif index - caption_at <= _CELL_LINES:
            continue  # a header cell of the table just captioned
        found.append((index, candidate))
    # A title-like line that recurs a few lines away is a table's column or row label.
    title_lines: dict[str, list[int]] = {}
    for n, c in found:
        if c.kind == "title":
            title_lines.setdefault(_name(c.text), []).append(n)
    return [
        c
        for n, c in found
        if c.kind != "title"
        or not any(m != n and abs(m - n) <= _REPEAT_LINES for m in title_lines[_name(c.text)])
    ]


def _marked(start: int, line: str, level: int) -> _Candidate:
    """A line the source marks as a heading: its form may still say which part of a law it is."""
    if keyword := _keyword(start, line):
        return keyword
    return _Candidate(start, line, "markdown", level)


def _title_of_bare_keyword(
    heading: _Candidate, start: int, line: str, marked: dict[int, int]
) -> str | None:
    """The title on the line under a bare "Hoofdstuk 2" / "§ 3": it belongs to that heading."""
    keyword = _KEYWORD.fullmatch(heading.text)
    if keyword is None or keyword.group("rest") or _keyword(start, line):
        return None
    if _NUMBERED.fullmatch(line) or len(line) > _MAX_HEADING_CHARS:
        return None
    if marked:  # the source marks its headings: only a marked line is a title
        return line if start in marked else None
    return line if _is_title_like(line, "x" * _MIN_BODY_CHARS) else None


def _classify(start: int, line: str, following: str) -> _Candidate | None:
    if markdown := _MARKDOWN.fullmatch(line):
        return _Candidate(start, markdown.group(2), "markdown", len(markdown.group(1)))
    if _KEYWORD.fullmatch(line):
        return _keyword(start, line)  # None for a sentence that opens with "Hoofdstuk 3"
    if numbered := _NUMBERED.fullmatch(line):
        return _numbered(start, line, numbered)
    name = _name(line)
    if name in _FRONT_OR_BACK_MATTER or name in _BODY_SECTION_NAMES:
        return _Candidate(start, line.rstrip(":").strip(), "known")
    if _is_title_like(line, following):
        return _Candidate(start, line, "title")
    return None


def _keyword(start: int, line: str) -> _Candidate | None:
    """ "Hoofdstuk 2 De gemeente", "Artikel 1.1", "§ 3", "CHAPTER IV", "Article 12"."""
    keyword = _KEYWORD.fullmatch(line)
    if not keyword:
        return None
    rest = keyword.group("rest")
    if rest and not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "“‘'\""):
        return None  # "Hoofdstuk 3 geeft weer hoe …": a sentence
    if rest.endswith((".", ";", ",")) or _has_toc_page_number(line):
        return None
    word = (keyword.group("word") or keyword.group("sign")).lower()
    return _Candidate(start, line, "keyword", _KEYWORD_RANK[word])


def _numbered(start: int, line: str, match: re.Match[str]) -> _Candidate | None:
    number = tuple(int(part) for part in match.group(1).split("."))
    title = match.group(3)
    depth = len(number)
    if not (title[0].isupper() or title[0] in "“‘'\"") or any(n == 0 or n > 30 for n in number):
        return None
    if ";" in title:
        return None  # "3. Rust; regelmaat; reinheid": an item of a list, not a title
    if title.endswith((".", ",", ";", ":")) or _has_toc_page_number(title):
        return None
    if depth == 1 and ("?" in title or (not match.group(2) and len(title.split()) > 8)):
        return None  # a numbered question in a list, or a long table cell "1 Team met …"
    if len(title.split()) > 14 or _last_word(title) in FUNCTION_WORDS:
        return None
    return _Candidate(start, line, "numbered", depth, number, dotted=bool(match.group(2)))


def _has_toc_page_number(text: str) -> bool:
    """ "Inleiding ........ 5": a table-of-contents entry, not the heading itself."""
    return bool(_TOC_PAGE_NUMBER.search(text))


def _last_word(text: str) -> str:
    words = text.lower().split()
    return words[-1].strip("“”‘’'\"()") if words else ""


def _is_title_like(line: str, following: str) -> bool:
    words = line.split()
    if not (2 <= len(line) <= _MAX_TITLE_LINE_CHARS and len(words) <= _MAX_TITLE_LINE_WORDS):
        return False
    if not line[0].isupper() or line.endswith((".", ",", ";", ":", "?", "!", ")")):
        return False
    if _CAPTION.match(line) or any(c in line for c in "|=;") or _has_toc_page_number(line):
        return False
    if sum(c.isdigit() for c in line) > 4 or sum(w.isdigit() for w in words) > 1:
        return False  # a table row: "Strategisch niveau 10 45"
    if _last_word(line) in FUNCTION_WORDS or len(words[-1]) == 1:  # "… X": a table row
        return False
    return len(following) >= _MIN_BODY_CHARS or following.startswith("- ")
