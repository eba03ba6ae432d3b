"""Render Markdown to plain text that still knows, character by character, where it came from.

Markup is removed (HTML tags, emphasis, link targets, table pipes, code fences), headings are
kept as lines of their own and reported with their level, and the lines of one paragraph are
joined, so cleaning receives one line per paragraph, list item, table row or heading. Every
rendered character carries the offset of the source character it stands for, so a quote can be
traced back to the file.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field

# "## Title", also "####Title" without the space that CommonMark wants.
_HEADING = re.compile(r"[ ]{0,3}(#{1,6})[ \t]*([^#\s].*?)[ \t]*#*[ \t]*")
_FENCE = re.compile(r"[ ]{0,3}(```|~~~)")
_RULE = re.compile(r"[ ]{0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})")
_BULLET_ITEM = re.compile(r"[ \t]*([*+-])[ \t]+")
_NUMBERED_ITEM = re.compile(r"[ \t]*\d{1,3}[.)][ \t]+")
_QUOTE_PREFIX = re.compile(r"[ ]{0,3}(?:>[ \t]?)+")
_TABLE_SEPARATOR = re.compile(r"\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?")
_INLINE = re.compile(
    r"(?P<autolink><(?P<url>(?:https?|mailto):[^>\s]+)>)"
    r"|(?P<tag></?[A-Za-z!][^>]*>)"
    r"|(?P<link>!?\[(?P<label>[^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\))"
    r"|(?P<escape>\\(?P<escaped>[\\`*_{}\[\]()#+\-.!|>~]))"
    r"|(?P<entity>&(?P<name>amp|lt|gt|quot|apos|nbsp|#\d{1,6});)"
    r"|(?P<code>`+)"
)
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'", "nbsp": " "}
TABLE_CELL_SEPARATOR = "; "


@dataclass
class RenderedMarkdown:
    """Plain text, the source offset of each of its characters, and its headings' lines."""

    text: str = ""
    offsets: array[int] = field(default_factory=lambda: array("l"))
    headings: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, level)


class _Out:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.offsets = array("l")
        self.headings: list[tuple[int, int]] = []

    def add(self, chars: list[tuple[str, int]]) -> None:
        for char, offset in chars:
            self.chars.append(char)
            self.offsets.append(offset)

    def separate(self, separator: str, offset: int) -> None:
        """Start a new block: one newline (list item, table row) or a blank line (paragraph)."""
        if not self.chars:
            return
        while self.chars and self.chars[-1] in " \t":
            self.chars.pop()
            self.offsets.pop()
        trailing = len(self.chars) - len("".join(self.chars).rstrip("\n"))
        for _ in range(len(separator) - trailing):
            self.chars.append("\n")
            self.offsets.append(offset)


def render_markdown(source: str) -> RenderedMarkdown:
    """Plain text of ``source`` with an offset map and the rendered headings."""
    out = _Out()
    in_fence = False
    paragraph_open = False
    previous_kind = ""
    position = 0
    for line in source.split("\n"):
        start, position = position, position + len(line) + 1
        line_end = start + len(line)
        if _FENCE.match(line):
            in_fence = not in_fence
            paragraph_open = False
            out.separate("\n\n", start)
            continue
        if in_fence:
            out.separate("\n", start)
            out.add([(c, start + i) for i, c in enumerate(line)])
            continue
        quote = _QUOTE_PREFIX.match(line)
        body_start = start + (quote.end() if quote else 0)
        body = source[body_start:line_end]
        if not body.strip() or _RULE.fullmatch(body):
            paragraph_open = False
            continue
        if heading := _HEADING.fullmatch(body):
            out.separate("\n\n", start)
            out.headings.append((len(out.chars), len(heading.group(1))))
            out.add(_inline(source, body_start + heading.start(2), body_start + heading.end(2)))
            out.separate("\n\n", line_end)
            paragraph_open, previous_kind = False, "heading"
            continue
        if body.lstrip().startswith("|") or _is_table_row(body, previous_kind):
            paragraph_open = False
            if _TABLE_SEPARATOR.fullmatch(body.strip()):
                previous_kind = "table"
                continue
            out.separate("\n" if previous_kind == "table" else "\n\n", start)
            out.add(_table_row(source, body_start, line_end))
            previous_kind = "table"
            continue
        rendered = _inline(source, body_start, line_end)
        if not "".join(c for c, _ in rendered).strip():
            paragraph_open = False  # a line of HTML tags only (<meta …>, <br/>)
            continue
        item = _BULLET_ITEM.match(body) or _NUMBERED_ITEM.match(body)
        if item:
            out.separate("\n" if previous_kind == "item" else "\n\n", start)
            if _BULLET_ITEM.match(body):
                marker = body_start + item.start(1)
                text = _inline(source, body_start + item.end(), line_end)
                rendered = [("-", marker), (" ", marker + 1), *text]
            paragraph_open, previous_kind = True, "item"
        elif paragraph_open:
            out.add([(" ", start - 1)])  # a wrapped line of the same paragraph
        else:
            out.separate("\n\n", start)
            paragraph_open, previous_kind = True, "paragraph"
        out.add(_strip_leading(rendered))
    while out.chars and out.chars[-1].isspace():
        out.chars.pop()
        out.offsets.pop()
    return RenderedMarkdown("".join(out.chars), out.offsets, out.headings)


def _is_table_row(body: str, previous_kind: str) -> bool:
    return previous_kind == "table" and body.count("|") >= 1


def _strip_leading(chars: list[tuple[str, int]]) -> list[tuple[str, int]]:
    n = 0
    while n < len(chars) and chars[n][0] in " \t":
        n += 1
    return chars[n:]


def _table_row(source: str, start: int, end: int) -> list[tuple[str, int]]:
    """A row's cells joined with "; " (each separator standing on the pipe it replaces)."""
    cells: list[list[tuple[str, int]]] = []
    pipes: list[int] = []
    cell_start = start
    for offset in range(start, end + 1):
        if offset == end or (source[offset] == "|" and source[offset - 1 : offset] != "\\"):
            cell = _strip_leading(_inline(source, cell_start, offset))
            while cell and cell[-1][0] in " \t":
                cell.pop()
            if cell:
                cells.append(cell)
                pipes.append(offset)
            cell_start = offset + 1
    row: list[tuple[str, int]] = []
    for n, cell in enumerate(cells):
        if n:
            row.extend((c, pipes[n - 1]) for c in TABLE_CELL_SEPARATOR)
        row.extend(cell)
    return row


def _inline(source: str, start: int, end: int) -> list[tuple[str, int]]:
    """Characters of source[start:end] without inline markup, each with its source offset."""
    chars: list[tuple[str, int, bool]] = []  # (char, offset, literal: not a markup candidate)
    position = start
    for match in _INLINE.finditer(source, start, end):
        chars.extend((source[i], i, False) for i in range(position, match.start()))
        position = match.end()
        if match.group("autolink"):
            chars.extend((source[i], i, True) for i in range(*match.span("url")))
        elif match.group("link"):
            label_start, label_end = match.span("label")
            inner = _inline(source, label_start, label_end)
            chars.extend((c, i, True) for c, i in inner)
        elif match.group("escape"):
            chars.append((match.group("escaped"), match.start("escaped"), True))
        elif match.group("entity"):
            name = match.group("name")
            char = chr(int(name[1:])) if name.startswith("#") else _ENTITIES[name]
            chars.append((char, match.start(), True))
        # tags and code backticks are dropped
    chars.extend((source[i], i, False) for i in range(position, end))
    return _without_emphasis(chars)


def _without_emphasis(chars: list[tuple[str, int, bool]]) -> list[tuple[str, int]]:
    """Drop ``*`` and ``_`` emphasis markers: those that touch a word on exactly one side."""
    kept: list[tuple[str, int]] = []
    for n, (char, offset, literal) in enumerate(chars):
        if not literal and char in "*_":
            before = _neighbour(chars, n, -1)
            after = _neighbour(chars, n, 1)
            left_flank = not after.isspace() and (char == "*" or not _word(before))
            right_flank = not before.isspace() and (char == "*" or not _word(after))
            if left_flank or right_flank:
                continue
        kept.append((char, offset))
    return kept


def _neighbour(chars: list[tuple[str, int, bool]], n: int, step: int) -> str:
    """The nearest character that is not an emphasis marker itself (" " at the line's ends)."""
    m = n + step
    while 0 <= m < len(chars) and chars[m][0] == chars[n][0] and not chars[m][2]:
        m += step
    return chars[m][0] if 0 <= m < len(chars) else " "


def _word(char: str) -> bool:
    return char.isalnum()
