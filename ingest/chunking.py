"""Split clean text into sentences and pack them into passages (chunks) within sections.

Sentences are what answers quote; passages are what retrieval returns and citations point at.
A passage holds whole sentences, never crosses a section boundary, and overlaps its
predecessor by a sentence or so, so a fact near a boundary stays findable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ingest.cleaning import CleanText
from ingest.model import Chunk, Section

# Words that end in a full stop without ending the sentence (compared in lower case, without
# the final dot). Single letters (initials such as "J. de Vries") are handled separately.
_ABBREVIATIONS = frozenset(
    {
        "bijv", "bv", "b.v", "o.a", "e.d", "m.b.t", "d.w.z", "nl", "dr", "drs", "mevr", "dhr",
        "mr", "ir", "ing", "prof", "etc", "ca", "resp", "i.p.v", "t.a.v", "m.n", "evt", "incl",
        "excl", "vs", "jl", "nr", "blz", "pag", "zgn", "z.g", "z.g.a", "e.a", "al", "art", "o.b.v",
        "n.a.v", "t.z.t", "a.s", "i.c", "i.s.m", "m.u.v", "v.w.b", "t.b.v", "i.o.m", "o.l.v",
        "e.g", "i.e", "cf", "approx", "mrs", "ms", "st", "vgl", "zie", "fig", "tab",
    }
)  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_NEXT_SENTENCE_START = re.compile(r"\s+[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ]")
_WORD_BEFORE = re.compile(r"(\S+)$")
_ENUMERATOR = re.compile(r"\(?[0-9]{1,3}(?:\.[0-9]{1,3})*[.)]|\(?[a-zA-Z][.)]")
# An item of a list of definitions: "1. bedrijf: …", "a. melding: …", "- RVV 1990: …" (a term
# of at most six words, a colon, its meaning).
_DEFINITION_ITEM = re.compile(
    r"(?:(?:\d{1,3}|[a-z])[.)]\s+|[-–•]\s+|\([a-z0-9]{1,3}\)\s+)"
    r"[^\W\d_][^\s:;.!?]*(?:\s+[^\s:;.!?]+){0,5}:\s+\S"
)
# Sub-items of a numbered or bulleted definition: "a. …", "(ii) …", "1° …".
_SUB_ITEM = re.compile(r"(?:[a-z]{1,2}[.)]|\([a-z0-9]{1,3}\)|[0-9]{1,2}°)\s")
_MIN_DEFINITIONS = 3  # items of that form in one section make it a list of definitions
# A section whose text (after its heading line) is shorter than this joins the next section.
_TINY_SECTION_CHARS = 20


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in ``text``, without surrounding whitespace.

    Every line is split on its own: a heading or list item is a sentence by itself.
    """
    spans: list[tuple[int, int]] = []
    line_start = 0
    for line in text.split("\n"):
        spans.extend((line_start + s, line_start + e) for s, e in _line_sentences(line))
        line_start += len(line) + 1
    return spans


def _line_sentences(line: str) -> Iterator[tuple[int, int]]:
    start = 0
    for match in _SENTENCE_END.finditer(line):
        end = match.end()
        if not _NEXT_SENTENCE_START.match(line, end) or not _ends_sentence(line, start, match):
            continue
        yield from _trimmed(line, start, end)
        start = end
    yield from _trimmed(line, start, len(line))


def _ends_sentence(line: str, sentence_start: int, match: re.Match[str]) -> bool:
    if match.group()[0] != ".":
        return True
    word = _WORD_BEFORE.search(line, sentence_start, match.start() + 1)
    if word is None:
        return True
    token = word.group(1).lstrip("(\"'“‘[").lower()
    if token.rstrip(".") in _ABBREVIATIONS:
        return False
    if len(token) == 2 and token[0].isalpha():
        return False  # an initial: "J. de Vries", "L. van Dam"
    if re.fullmatch(r"(?:[a-z]\.){2,}", token):
        return False  # other abbreviations in the "a.b.c." pattern
    # "1. Inleiding", "a. blijkens": an enumerator opening the line is not a sentence.
    return not (line[sentence_start : word.start()].strip() == "" and _ENUMERATOR.fullmatch(token))


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    segment = text[start:end]
    stripped = segment.strip()
    if stripped:
        lead = len(segment) - len(segment.lstrip())
        yield start + lead, start + lead + len(stripped)


def chunk_document(
    doc_id: str,
    clean: CleanText,
    sections: Sequence[Section],
    *,
    max_chars: int = 900,
    overlap_sentences: int = 1,
) -> list[Chunk]:
    """Passages of whole sentences, at most ``max_chars`` long, one section at a time."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    chunks: list[Chunk] = []
    for section_path, start, end in _section_ranges(clean.text, sections):
        spans = [(start + s, start + e) for s, e in split_sentences(clean.text[start:end])]
        spans = _definitions_whole(clean.text, start, end, spans, max_chars)
        units = [piece for s, e in spans for piece in _fit(clean.text, s, e, max_chars)]
        for group in _pack(units, max_chars, overlap_sentences):
            chunks.append(_make_chunk(doc_id, len(chunks), clean, section_path, group))
    return chunks


def _definitions_whole(
    text: str, start: int, end: int, spans: list[tuple[int, int]], max_chars: int
) -> list[tuple[int, int]]:
    """In a list of definitions ("a. term: meaning", "- term: meaning") each item is one unit.

    An item's sentences and its sub-items ("a. …", "b. …" on the lines right under it) are
    merged, so a definition is quoted and retrieved whole, with its term, as far as it fits.
    """
    lines: list[tuple[int, int, str]] = []
    position = start
    for line in text[start:end].split("\n"):
        lines.append((position, position + len(line), line.strip()))
        position += len(line) + 1
    items = [n for n, (_, _, line) in enumerate(lines) if _DEFINITION_ITEM.match(line)]
    if len(items) < _MIN_DEFINITIONS:
        return spans
    groups: list[tuple[int, int]] = []
    for n in items:
        last = n
        lettered = bool(_SUB_ITEM.match(lines[n][2]))  # its siblings look like sub-items
        while (
            not lettered
            and last + 1 < len(lines)
            and lines[last + 1][2]
            and not _DEFINITION_ITEM.match(lines[last + 1][2])
            and _SUB_ITEM.match(lines[last + 1][2])
        ):
            last += 1
        if lines[last][1] - lines[n][0] <= max_chars:
            groups.append((lines[n][0], lines[last][1]))
    merged: list[tuple[int, int]] = []
    for span in spans:
        group = next((g for g in groups if g[0] <= span[0] < g[1]), None)
        if group and merged and group[0] <= merged[-1][0] < group[1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], span[1]))
        else:
            merged.append(span)
    return merged


def _section_ranges(text: str, sections: Sequence[Section]) -> Iterator[tuple[str, int, int]]:
    """(section path, start, end) of each stretch of text; a heading-only section joins the next."""
    ordered = sorted((s for s in sections if 0 <= s.start < len(text)), key=lambda s: s.start)
    bounds: list[tuple[str, int, str | None]] = [("", 0, None)]
    for section in ordered:
        if section.start == bounds[-1][1]:
            bounds.pop()
        bounds.append((" > ".join(section.path), section.start, section.heading))
    pending_start: int | None = None
    for n, (path, start, heading) in enumerate(bounds):
        end = bounds[n + 1][1] if n + 1 < len(bounds) else len(text)
        range_start = start if pending_start is None else pending_start
        if n + 1 < len(bounds) and _is_tiny(text, start, end, heading):
            pending_start = range_start
            continue
        pending_start = None
        if text[range_start:end].strip():
            yield path, range_start, end


def _is_tiny(text: str, start: int, end: int, heading: str | None) -> bool:
    """Too little text under the heading, which may run over more than one line."""
    content = "".join(text[start:end].split())
    if heading is None:
        return len(content) < _TINY_SECTION_CHARS
    title = "".join(heading.split())
    if content.startswith(title):
        return len(content) - len(title) < _TINY_SECTION_CHARS
    heading_end = text.find("\n", start, end)
    body = text[heading_end:end] if heading_end != -1 else ""
    return len("".join(body.split())) < _TINY_SECTION_CHARS


def _fit(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Split a sentence longer than ``max_chars`` at word boundaries."""
    while end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars + 1)
        if cut <= start:
            cut = start + max_chars  # one enormous "word" (a URL, a table row): cut anyway
        yield from _trimmed_span(text, start, cut)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        yield from _trimmed_span(text, start, end)


def _trimmed_span(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    for s, e in _trimmed(text[start:end], 0, end - start):
        yield start + s, start + e


def _pack(
    units: Sequence[tuple[int, int]], max_chars: int, overlap_sentences: int
) -> Iterator[list[tuple[int, int]]]:
    """Groups of consecutive units, each spanning at most ``max_chars``, overlapping a little."""
    first = 0
    while first < len(units):
        last = first  # inclusive
        while last + 1 < len(units) and units[last + 1][1] - units[first][0] <= max_chars:
            last += 1
        yield list(units[first : last + 1])
        if last + 1 >= len(units):
            return
        # The next group repeats the last few units, as long as it still makes progress and
        # the repeated units leave room for at least the next new one.
        following = last + 1
        overlap = min(overlap_sentences, last - first)
        while overlap > 0 and units[following][1] - units[following - overlap][0] > max_chars:
            overlap -= 1
        first = following - max(overlap, 0)


def _make_chunk(
    doc_id: str,
    ordinal: int,
    clean: CleanText,
    section_path: str,
    units: Sequence[tuple[int, int]],
) -> Chunk:
    start, end = units[0][0], units[-1][1]
    text = clean.text[start:end]
    return Chunk(
        id=Chunk.make_id(doc_id, ordinal, text),
        doc_id=doc_id,
        ordinal=ordinal,
        text=text,
        section=section_path,
        page=clean.page_at(start),
        page_end=clean.page_at(end - 1),
        start=start,
        end=end,
        sentences=tuple((s - start, e - start) for s, e in units),
        page_breaks=tuple(
            (offset - start, page) for offset, page in clean.page_starts if start < offset < end
        ),
    )
