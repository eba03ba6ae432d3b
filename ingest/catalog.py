"""The corpus catalog: real titles, authors, years and languages for the corpus files.

Extracted text rarely carries a usable title, so ``corpus/catalog.yaml`` maps each file name to
what a citation should show::

    000_a40865c55bc392e4.txt:
      title: Samenwerking tussen …
      author: Academische Werkplaats Transformatie Jeugd Utrecht
      year: 2019
      language: nl

Files missing from the catalog fall back on the file's own metadata (see ``describe_document``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from ingest.model import RawDocument, Section
from vraagbaak.errors import CatalogError

logger = logging.getLogger(__name__)

CATALOG_FILE = "catalog.yaml"
LANGUAGES = ("nl", "en")
_FIELDS = ("title", "author", "year", "language")


@dataclass(frozen=True)
class CatalogEntry:
    title: str | None = None
    author: str | None = None
    year: str | None = None
    language: str | None = None  # "nl" or "en"; None: detect it from the text


def load_catalog(corpus_dir: Path) -> dict[str, CatalogEntry]:
    """Entries of ``corpus_dir/catalog.yaml`` by file name; {} when there is no catalog."""
    path = Path(corpus_dir) / CATALOG_FILE
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogError(path, None, f"cannot be read ({error})") from error
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        raise CatalogError(path, line, f"not valid YAML ({error.problem})") from error
    except yaml.YAMLError as error:
        raise CatalogError(path, None, f"not valid YAML ({error})") from error
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise CatalogError(path, _line(root), "expected file names mapped to their details")
    catalog: dict[str, CatalogEntry] = {}
    for key, value in root.value:
        name = _scalar(path, key, "a file name")
        if name is None:
            raise CatalogError(path, _line(key), "empty file name")
        if name in catalog:
            raise CatalogError(path, _line(key), f"'{name}' is listed twice")
        catalog[name] = _entry(path, name, value)
    logger.debug("catalog %s: %d entries", path, len(catalog))
    return catalog


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _scalar(path: Path, node: yaml.Node, what: str) -> str | None:
    if not isinstance(node, yaml.ScalarNode):
        raise CatalogError(path, _line(node), f"expected {what}, found a list or mapping")
    text = str(node.value).strip()
    return text or None


def _entry(path: Path, name: str, node: yaml.Node) -> CatalogEntry:
    if not isinstance(node, yaml.MappingNode):
        raise CatalogError(
            path, _line(node), f"'{name}' needs fields (title, author, year, language)"
        )
    values: dict[str, str | None] = {}
    for key, value in node.value:
        field_name = _scalar(path, key, "a field name")
        if field_name not in _FIELDS:
            allowed = ", ".join(_FIELDS)
            raise CatalogError(
                path, _line(key), f"unknown field '{field_name}' for '{name}' (allowed: {allowed})"
            )
        values[field_name] = _scalar(path, value, f"a text value for '{field_name}'")
    language = values.get("language")
    if language is not None and language.lower() not in LANGUAGES:
        raise CatalogError(
            path, _line(node), f"language of '{name}' must be nl or en, not '{language}'"
        )
    return CatalogEntry(
        title=values.get("title"),
        author=values.get("author"),
        year=values.get("year"),
        language=language.lower() if language else None,
    )


def describe_document(
    path: Path,
    raw: RawDocument,
    entry: CatalogEntry | None,
    sections: Sequence[Section] = (),
    text: str = "",
) -> str:
    """The title citations show: the catalog's, the file's own, the first heading, or its name."""
    if entry is not None and entry.title:
        return entry.title
    if raw.title:
        return raw.title
    for section in sections:
        heading = section.heading.strip()
        if heading and not _is_generic(heading):
            return heading
    if not sections and text:
        first_line = text.strip().split("\n", 1)[0].strip()
        if 0 < len(first_line) <= 100 and not first_line.endswith((".", ",", ";", ":")):
            return first_line
    return Path(path).stem


def _is_generic(heading: str) -> bool:
    """Headings like "Samenvatting" say nothing about which document this is."""
    generic = {"samenvatting", "inleiding", "voorwoord", "inhoud", "inhoudsopgave", "summary"}
    return heading.lower().rstrip(":") in generic or heading.lower() == "management summary"
