"""Turn a document's raw page text into clean, reflowed text that still knows where it came from.

Extracted report text is hard-wrapped, breaks words at line ends, repeats running headers and
footers and keeps stray page numbers. Cleaning undoes that while recording, for every clean
character, its offset in the *raw* text (the pages' text joined with ``"\\n"``), so a quote can
always be traced back to its page.
"""

from __future__ import annotations

import bisect
import logging
import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.markdown import render_markdown
from ingest.model import PageText
from ingest.structure import FUNCTION_WORDS

logger = logging.getLogger(__name__)

PAGE_SEPARATOR = "\n"

# Glyphs PDF extractors produce for list bullets (including Wingdings private-use code points).
_BULLET_GLYPHS = "•▪■□●◦‣⁃∙·\uf0b7\uf0a7\uf0a2\uf0d8\uf076\uf0fc\uf0a8\uf06e\uf071"
_BULLET = re.compile(rf"[{_BULLET_GLYPHS}]\s*|[-*–—](?=\s*[^\W\d_])\s*|[-*–—]\s+")
_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")

_PAGE_NUMBER_LINE = re.compile(
    r"(?:(?:pagina|page|blz\.?|p\.)\s*)?[-–—]?\s*\d{1,4}\s*(?:(?:/|van|of)\s*\d{1,4})?\s*[-–—]?",
    re.IGNORECASE,
)
_PIPE_FOOTER = re.compile(r"\d{1,4}\s*\|.{0,100}|.{0,100}\|\s*\d{1,4}")
_ENUMERATOR = re.compile(r"(?:\d{1,3}(?:\.\d{1,3})*[.)]|[a-z][.)]|\([a-z0-9]{1,3}\))\s")
_UNDOTTED_NUMBERED_HEADING = re.compile(r"\d{1,2}(?:\.\d{1,2})*\s+[A-Z]")
_KEYWORD_HEADING = re.compile(
    r"(?:Bijlage|Hoofdstuk|Artikel|Afdeling|Paragraaf|BIJLAGE|HOOFDSTUK|ARTIKEL|AFDELING)"
    r"\s+(?:\d{1,3}|[IVX]{1,5})\b[.:]?(?:\s+[A-Z(“‘\"']|\s*$)"
)
_WORD = re.compile(r"\w+(?:-\w+)*")
_TOC_ENTRY = re.compile(
    r"(?P<title>\S.{1,110}?)(?P<leader>\s*(?:[.…·_]\s?){2,}\s*|\t+\s*|\s+)(?P<number>\d{1,3})"
)
_CONTENTS_NAMES = frozenset(
    {"inhoud", "inhoudsopgave", "inhoudstafel", "contents", "table of contents", "content"}
)
_MIN_LED_ENTRIES = 3  # lines with dot leaders or tabs before their page number
_MIN_PLAIN_ENTRIES = 5  # lines that merely end in a number
_MIN_RECURRING_TITLES = 3
_MAX_TITLE_CHARS = 110
_MIN_GAP_LINES = 2  # body lines between two listed headings where they recur
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")

# After a line-end hyphen these words mark a Dutch elision ("jeugd- en gezinswerkers").
_ELISION_WORDS = frozenset({"en", "of", "tot", "en/of", "t/m", "noch"})
_SENTENCE_END = ".!?"
_EDGE_LINES = 3  # how many lines at the top and bottom of a page may be header or footer
_EDGE_BLOCK_LINES = 10  # a running block of lines that starts at the page edge may be this long
_RUNNING_SHARE = 0.4  # a running header or footer is on at least this share of the pages
_LABEL_LINE_CHARS = 40
_MIN_LABEL_BLOCK_LINES = 4


@dataclass(frozen=True)
class CleanText:
    """Clean text plus the maps back to pages and to the raw text."""

    text: str
    page_starts: tuple[tuple[int, int], ...] = ()  # (clean offset, page number) per page start
    # Offset in the raw text (pages joined with PAGE_SEPARATOR) of each clean character;
    # left empty, it is filled with the identity map (text that needed no cleaning).
    source_offsets: array[int] = field(default_factory=lambda: array("l"), compare=False)
    # (clean offset, level) of lines the source marks as headings (Markdown's "#" lines)
    headings: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        if not self.source_offsets and self.text:
            object.__setattr__(self, "source_offsets", array("l", range(len(self.text))))
        if len(self.source_offsets) != len(self.text):
            raise ValueError("source_offsets must have one entry per character of text")

    def page_at(self, offset: int) -> int | None:
        """Page number of the character at ``offset`` (None when the document has no pages)."""
        if not self.page_starts:
            return None
        index = bisect.bisect_right(self.page_starts, offset, key=lambda start: start[0]) - 1
        return self.page_starts[max(index, 0)][1]

    def main_page(self, start: int, end: int) -> int | None:
        """The page holding most of the text in [start, end): where a reader should look."""
        if not self.page_starts:
            return None
        counts: dict[int, int] = {}
        boundaries = [offset for offset, _ in self.page_starts] + [len(self.text)]
        for (offset, page), next_offset in zip(self.page_starts, boundaries[1:], strict=True):
            overlap = min(end, next_offset) - max(start, offset)
            if overlap > 0:
                counts[page] = counts.get(page, 0) + overlap
        return (
            max(counts, key=lambda page: (counts[page], -page)) if counts else self.page_at(start)
        )


def normalise_for_match(s: str) -> str:
    """Collapse whitespace runs to one space and strip: how quotes are compared with passages."""
    return _SPACES.sub(" ", s).strip()


@dataclass(frozen=True)
class _Line:
    page: int  # index into the pages
    start: int  # raw offsets of the line's content, surrounding whitespace excluded
    end: int
    text: str
    indent: int  # leading whitespace: some extractions indent each paragraph's first line


class _Builder:
    """Accumulates clean characters together with their raw offsets."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.offsets = array("l")

    def add(self, text: str, raw_offset: int) -> None:
        for char in text:
            self.chars.append(char)
            self.offsets.append(raw_offset)

    def pop(self) -> None:
        self.chars.pop()
        self.offsets.pop()


def clean_pages(pages: Sequence[PageText], *, markdown: bool = False) -> CleanText:
    """Clean a document's pages into reflowed text with page and raw-offset maps.

    With ``markdown`` the pages are Markdown source: it is rendered to text first (one line per
    block, so its line breaks are kept as they are) and the offsets still point into the source.
    """
    if markdown:
        return _clean_markdown(pages)
    raw = PAGE_SEPARATOR.join(page.text for page in pages)
    lines = _split_lines(pages)
    dropped = _header_footer_lines(lines, len(pages))
    dropped |= _table_of_contents(lines, dropped)
    if dropped:
        logger.debug("dropped %d header/footer/page-number lines", len(dropped))
    builder = _Builder()
    _reflow(raw, lines, dropped, builder)
    text = "".join(builder.chars)
    return CleanText(
        text=text,
        page_starts=_page_starts(pages, builder.offsets),
        source_offsets=builder.offsets,
    )


def _clean_markdown(pages: Sequence[PageText]) -> CleanText:
    rendered_pages: list[PageText] = []
    source_of = array("l")  # rendered (pages joined) offset -> source (pages joined) offset
    heading_levels: dict[int, int] = {}  # rendered offset of a heading line -> level
    page_start = 0
    for page in pages:
        rendered = render_markdown(page.text)
        for offset, level in rendered.headings:
            heading_levels[len(source_of) + offset] = level
        source_of.extend(page_start + offset for offset in rendered.offsets)
        source_of.append(page_start + len(page.text))  # the page separator
        rendered_pages.append(PageText(page.number, rendered.text))
        page_start += len(page.text) + len(PAGE_SEPARATOR)
    raw = PAGE_SEPARATOR.join(page.text for page in rendered_pages)
    lines = _split_lines(rendered_pages)
    builder = _Builder()
    _reflow(raw, lines, _table_of_contents(lines, set()), builder, keep_breaks=True)
    text = "".join(builder.chars)
    headings = []
    for rendered_offset, level in sorted(heading_levels.items()):
        clean_offset = bisect.bisect_left(builder.offsets, rendered_offset)
        if clean_offset < len(text):
            headings.append((clean_offset, level))
    return CleanText(
        text=text,
        page_starts=_page_starts(rendered_pages, builder.offsets),
        source_offsets=array("l", (source_of[offset] for offset in builder.offsets)),
        headings=tuple(headings),
    )


def _split_lines(pages: Sequence[PageText]) -> list[_Line]:
    lines: list[_Line] = []
    page_start = 0
    for page_index, page in enumerate(pages):
        line_start = 0
        for content in page.text.split("\n"):
            stripped = content.strip()
            start = page_start + line_start + len(content) - len(content.lstrip())
            indent = len(content) - len(content.lstrip())
            lines.append(_Line(page_index, start, start + len(stripped), stripped, indent))
            line_start += len(content) + 1
        page_start += len(page.text) + len(PAGE_SEPARATOR)
    return lines


def _key(text: str) -> str:
    return _SPACES.sub(" ", _DIGITS.sub("#", text.lower())).strip()


def _is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER_LINE.fullmatch(text)) or bool(_PIPE_FOOTER.fullmatch(text))


def _header_footer_lines(lines: Sequence[_Line], page_count: int) -> set[int]:
    """Indices of lines that are running headers/footers or stray page numbers."""
    dropped = {i for i, line in enumerate(lines) if line.text and _is_page_number(line.text)}
    if page_count >= 2:
        dropped |= _repeated_page_edges(lines, page_count, dropped)
        dropped |= _label_blocks_at_page_breaks(lines, dropped)
    else:
        dropped |= _lines_beside_page_numbers(lines, dropped)
    return dropped


def _lines_by_page(lines: Sequence[_Line]) -> dict[int, list[int]]:
    by_page: dict[int, list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        if line.text:
            by_page[line.page].append(i)
    return by_page


def _repeated_page_edges(
    lines: Sequence[_Line], page_count: int, page_numbers: set[int]
) -> set[int]:
    """Lines at the top or bottom of pages whose text (digits aside) recurs on many pages.

    A block of such lines (a footer of several lines: date, author, registration number) is
    dropped as a whole, however many lines it has, as long as it runs from the page's edge.
    """
    by_page = _lines_by_page(lines)
    candidates: dict[str, list[int]] = defaultdict(list)
    for indices in by_page.values():
        edge = set(indices[:_EDGE_BLOCK_LINES] + indices[-_EDGE_BLOCK_LINES:])
        seen_on_page: set[str] = set()
        for i in sorted(edge):
            if lines[i].text[-1] in _SENTENCE_END:
                continue  # a sentence, even if it recurs, is body text
            key = _key(lines[i].text)
            if key not in seen_on_page:
                seen_on_page.add(key)
                candidates[key].append(i)
    # Some layouts alternate two running headers (left and right pages): each recurs on
    # about half the pages.
    needed = max(2, math.ceil(page_count * _RUNNING_SHARE))
    running = {
        i
        for key, indices in candidates.items()
        if len(indices) >= needed
        and (
            "#" not in key
            or len({lines[i].text for i in indices}) == 1  # a fixed date: "4.5.2016 …"
            or _numbers_follow_pages([lines[i] for i in indices])
        )
        for i in indices
    }
    dropped: set[int] = set()
    for page_lines in by_page.values():
        for from_edge in (page_lines, page_lines[::-1]):
            for depth, i in enumerate(from_edge[:_EDGE_BLOCK_LINES]):
                if i in running:
                    dropped.add(i)
                elif i not in page_numbers and depth >= _EDGE_LINES:
                    break  # past the edge lines only a block running from the edge counts
    return dropped


def _label_blocks_at_page_breaks(lines: Sequence[_Line], dropped: set[int]) -> set[int]:
    """A block of short "Label:" / value lines at a page break: a form box beside the text.

    Such a box (date, adopted by, registration number) is extracted after the page's body and
    would otherwise land in the middle of the text that runs on to the next page.
    """
    by_page = _lines_by_page(lines)
    pages = sorted(by_page)
    found: set[int] = set()
    for n, page in enumerate(pages):
        indices = [i for i in by_page[page] if i not in dropped]
        edges = []
        if n + 1 < len(pages):
            edges.append(indices[::-1])  # the bottom of a page the text runs on from
        if n > 0:
            edges.append(indices)  # the top of a page the text runs on to
        for edge in edges:
            block: list[int] = []
            for i in edge:
                text = lines[i].text
                if len(text) > _LABEL_LINE_CHARS or text[-1] in _SENTENCE_END + ";,":
                    break
                block.append(i)
            labels = sum(lines[i].text.endswith(":") for i in block)
            body = len(edge) - len(block)
            if (
                len(block) >= _MIN_LABEL_BLOCK_LINES
                and labels >= 2
                and 3 * labels >= len(block)
                and labels < len(block)
                and body >= len(block)
            ):
                found.update(block)
    return found


def _numbers_follow_pages(lines: Sequence[_Line]) -> bool:
    """True when some number in the line moves in step with the page ("Pagina 3/7" on page 3).

    This keeps lines such as "Artikel 5." that happen to open several pages.
    """
    numbers = [[int(n) for n in _DIGITS.findall(line.text)] for line in lines]
    width = min(len(n) for n in numbers)
    for position in range(width):
        offsets = {n[position] - line.page for n, line in zip(numbers, lines, strict=True)}
        if len(offsets) == 1:
            return True
    return False


def _lines_beside_page_numbers(lines: Sequence[_Line], page_numbers: set[int]) -> set[int]:
    """Running header lines that recur right next to stray page numbers.

    Text extracted without page breaks shows a page break as "<header>", "<page number>"; a
    line found beside two or more different page numbers is such a header.
    """
    reach = 2
    neighbours: dict[str, set[int]] = defaultdict(set)
    places: dict[str, list[int]] = defaultdict(list)
    non_empty = [i for i, line in enumerate(lines) if line.text]
    position = {line_index: n for n, line_index in enumerate(non_empty)}
    for number_index in sorted(page_numbers):
        n = position[number_index]
        for m in range(max(0, n - reach), min(len(non_empty), n + reach + 1)):
            i = non_empty[m]
            if i in page_numbers or lines[i].text[-1] in _SENTENCE_END:
                continue
            key = _key(lines[i].text)
            neighbours[key].add(number_index)
            places[key].append(i)
    return {
        i
        for key, found in neighbours.items()
        if len(found) >= 2 and len(set(places[key])) >= 2
        for i in places[key]
    }


def _table_of_contents(lines: Sequence[_Line], dropped: set[int]) -> set[int]:
    """Lines of a table of contents: they are not content, and their titles are not headings.

    A table of contents is a run of lines that end in page numbers (after dot leaders or a tab:
    three lines are enough; after a space: five, numbers not going down), or a run of short lines
    that each recur later on a line of their own (the headings they list). A "Contents" line
    right above the run goes with it.
    """
    kept = [i for i, line in enumerate(lines) if line.text and i not in dropped]
    texts = [lines[i].text for i in kept]
    found: set[int] = set()
    for first, last in _runs_of_entries(texts) + _runs_of_recurring_titles(texts):
        if first > 0 and _name(texts[first - 1]) in _CONTENTS_NAMES:
            first -= 1
        found.update(kept[first : last + 1])
    if found:
        logger.debug("dropped %d table-of-contents lines", len(found))
    return found


def _name(text: str) -> str:
    return " ".join(text.lower().rstrip(":").split())


def _runs_of_entries(texts: Sequence[str]) -> list[tuple[int, int]]:
    """(first, last) of runs of "Title ..... 12" lines (a wrapped title may sit in between)."""
    runs: list[tuple[int, int]] = []
    n = 0
    while n < len(texts):
        entries: list[tuple[int, int, bool]] = []  # (line, page number, with a leader)
        m = n
        while m < len(texts):
            entry = _TOC_ENTRY.fullmatch(texts[m])
            if entry:
                number = int(entry.group("number"))
                if entries and number < entries[-1][1]:
                    break
                entries.append((m, number, bool(entry.group("leader").strip())))
            elif not (entries and _is_title_line(texts[m]) and _led_entry(texts, m + 1)):
                break  # only a wrapped title may sit between two entries
            m += 1
        led = sum(leader for _, _, leader in entries)
        if led >= _MIN_LED_ENTRIES or len(entries) >= _MIN_PLAIN_ENTRIES:
            runs.append((entries[0][0], entries[-1][0]))
            n = entries[-1][0] + 1
        else:
            n += 1
    return runs


def _led_entry(texts: Sequence[str], n: int) -> bool:
    entry = _TOC_ENTRY.fullmatch(texts[n]) if n < len(texts) else None
    return bool(entry and entry.group("leader").strip())


def _runs_of_recurring_titles(texts: Sequence[str]) -> list[tuple[int, int]]:
    """(first, last) of runs of short title lines that recur later, each with text between.

    The headings a table of contents lists come back in the same order, with body text between
    them; lines of a summary that the report repeats word for word come back side by side.
    """
    places: dict[str, list[int]] = defaultdict(list)
    for n, text in enumerate(texts):
        places[_title_key(text)].append(n)
    runs: list[tuple[int, int]] = []
    n = 0
    while n < len(texts):
        m, previous = n, n
        while m < len(texts) and _is_title_line(texts[m]):
            after = [k for k in places[_title_key(texts[m])] if k > previous + _MIN_GAP_LINES]
            if not after:
                break
            previous = after[0]
            m += 1
        if m - n >= _MIN_RECURRING_TITLES:
            runs.append((n, m - 1))
        n = max(m, n + 1)
    return runs


def _is_title_line(text: str) -> bool:
    return len(text) <= _MAX_TITLE_CHARS and text[-1] not in _SENTENCE_END + ",;:"


def _title_key(text: str) -> str:
    """A title without its page number and leader, as it appears in the table of contents."""
    entry = _TOC_ENTRY.fullmatch(text)
    return _name(entry.group("title") if entry else text)


def _normalise_line(raw: str, line: _Line, builder: _Builder) -> None:
    """Emit one line: bullets become "- ", whitespace runs one space, ligatures expanded."""
    position = line.start
    bullet = _BULLET.match(raw, line.start, line.end)
    if bullet and bullet.end() < line.end:
        builder.add("- ", bullet.start())
        position = bullet.end()
    in_space = False
    for offset in range(position, line.end):
        char = raw[offset]
        if char.isspace():
            if not in_space:
                builder.add(" ", offset)
            in_space = True
            continue
        in_space = False
        if char in _INVISIBLE:
            continue
        builder.add(_LIGATURES.get(char, char), offset)


def _reflow(
    raw: str,
    lines: Sequence[_Line],
    dropped: set[int],
    builder: _Builder,
    *,
    keep_breaks: bool = False,
) -> None:
    """Join the kept lines; with ``keep_breaks`` every line break stays (a blank line: "\n\n")."""
    kept: list[tuple[_Line, int]] = []  # (line, blank lines before it)
    blank = 0
    for i, line in enumerate(lines):
        if i in dropped:
            continue
        if not line.text:
            blank += 1
            continue
        kept.append((line, blank))
        blank = 0
    if not kept:
        return
    texts = [_normalised_text(raw, line) for line, _ in kept]
    width = _wrap_width(texts)
    soft_gap = _soft_gap(texts, [gap for _, gap in kept], width)
    vocabulary = _hyphenated_words(raw)
    previous = kept[0][0]
    _normalise_line(raw, previous, builder)
    for n in range(1, len(kept)):
        line, gap = kept[n]
        before, after = texts[n - 1], texts[n]
        separator_offset = previous.end  # whitespace in the raw text right after that line
        hyphen = None if keep_breaks else _hyphen_join(before, after, vocabulary)
        if keep_breaks:
            builder.add("\n\n" if gap else "\n", separator_offset)
        elif hyphen == "drop":
            builder.pop()
        elif hyphen == "space":
            builder.add(" ", separator_offset)
        elif hyphen is None:
            decision = _join_or_break(before, after, gap, soft_gap, width)
            if decision == " " and line.indent >= 2 and not _starts_lower(after):
                decision = "\n"
            builder.add(decision, separator_offset)
        _normalise_line(raw, line, builder)
        previous = line
    while builder.chars and builder.chars[-1].isspace():
        builder.pop()


def _normalised_text(raw: str, line: _Line) -> str:
    scratch = _Builder()
    _normalise_line(raw, line, scratch)
    return "".join(scratch.chars)


def _wrap_width(texts: Sequence[str]) -> int:
    lengths = sorted(len(t) for t in texts)
    return max(lengths[int(len(lengths) * 0.9)] if len(lengths) > 1 else lengths[0], 20)


def _starts_lower(text: str) -> bool:
    return text[:1].islower()


def _soft_gap(texts: Sequence[str], gaps: Sequence[int], width: int) -> int:
    """Blank lines between wrapped lines *within* a paragraph (some extractions double-space)."""
    counts: Counter[int] = Counter()
    for n in range(1, len(texts)):
        before = texts[n - 1]
        if (
            len(before) >= 0.7 * width
            and before[-1] not in _SENTENCE_END
            and _starts_lower(texts[n])
        ):
            counts[gaps[n]] += 1
    return counts.most_common(1)[0][0] if counts else 0


def _hyphenated_words(raw: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(raw) if "-" in w}


def _hyphen_join(before: str, after: str, vocabulary: set[str]) -> str | None:
    """How to join a line ending in a hyphen: "drop" it, "keep" it, keep it and add a "space"."""
    if len(before) < 2 or before[-1] != "-" or not before[-2].isalnum() or not after[:1].isalnum():
        return None
    head = before.rsplit(" ", 1)[-1]
    next_word = after.split(" ", 1)[0]
    if next_word.lower().rstrip(",.;:") in _ELISION_WORDS:
        return "space"
    if any(c in head for c in "/@:") or "." in head[:-1]:
        return "keep"  # a URL or e-mail address
    if "-" in head[:-1]:
        return "keep"  # "kant-en-klare"
    if not (before[-2].islower() and after[0].islower()):
        return "keep"  # "ABC-aanpak", "0-100", "Noord-Holland"
    tail = _WORD.match(next_word)
    if tail and f"{head.lower()}{tail.group().lower()}" in vocabulary:
        return "keep"  # the document spells this compound with a hyphen elsewhere
    return "drop"


def _join_or_break(before: str, after: str, gap: int, soft_gap: int, width: int) -> str:
    """The separator between two lines: " " (wrapped), "\\n" (new line) or "\\n\\n" (paragraph)."""
    breaking = "\n\n" if gap > soft_gap else "\n"
    if after.startswith("- ") or _ENUMERATOR.match(after):
        return breaking
    if _UNDOTTED_NUMBERED_HEADING.match(after) and _looks_like_heading(after, width):
        return breaking
    if _KEYWORD_HEADING.match(after):
        return breaking
    if (
        _starts_lower(after)
        and before[-1] not in _SENTENCE_END
        and (
            gap <= soft_gap
            or len(before) >= 0.6 * width
            or before.rsplit(" ", 1)[-1].lower() in FUNCTION_WORDS  # "… van het" / "vorige plan"
        )
    ):
        return " "
    if gap > soft_gap:
        return breaking
    if before[-1] in _SENTENCE_END + ":" and _looks_like_heading(after, width):
        return breaking
    first_word = after.split(" ", 1)[0]
    if len(before) + 1 + len(first_word) >= 0.85 * width:
        return " "
    return breaking


def _looks_like_heading(text: str, width: int) -> bool:
    return len(text) < 0.7 * width and text[-1] not in _SENTENCE_END + ",;" and text[0].isupper()


def _page_starts(pages: Sequence[PageText], offsets: array[int]) -> tuple[tuple[int, int], ...]:
    if not any(page.number is not None for page in pages):
        return ()
    starts: list[tuple[int, int]] = []
    raw_start = 0
    for page in pages:
        clean_start = bisect.bisect_left(offsets, raw_start)
        if page.number is not None and clean_start < len(offsets):
            if starts and starts[-1][0] == clean_start:
                starts.pop()  # the previous page produced no clean text
            starts.append((clean_start, page.number))
        raw_start += len(page.text) + len(PAGE_SEPARATOR)
    if not starts and pages[0].number is not None:
        starts.append((0, pages[0].number))
    return tuple(starts)
