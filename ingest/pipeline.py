"""Incremental ingest: find what changed by content hash, process only that, swap the index."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
from tqdm import tqdm

from ingest.catalog import CatalogEntry, describe_document, load_catalog
from ingest.chunking import chunk_document
from ingest.cleaning import clean_pages
from ingest.embedders import Embedder, SpanEmbedder, can_embed_spans, embed_passages
from ingest.index import (
    Index,
    IndexParams,
    Manifest,
    load_index,
    read_manifest,
    read_profile,
    remove_abandoned_builds,
    write_index,
)
from ingest.language import detect_language
from ingest.lexical import LexicalIndex
from ingest.limits import check_document_size, check_file_size
from ingest.loaders import SUPPORTED_SUFFIXES, load_document
from ingest.model import Chunk, DocumentInfo
from ingest.originals import prune_originals, store_original
from ingest.progress import IngestProgress
from ingest.structure import find_sections
from vraagbaak.errors import DocumentLoadError, VraagbaakError

logger = logging.getLogger(__name__)


@dataclass
class IngestReport:
    indexed: list[str] = field(default_factory=list)  # added or changed
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    documents: int = 0
    passages: int = 0
    sentences: int = 0
    seconds: float = 0.0
    build: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.indexed or self.removed)


@dataclass
class _ProcessedDocument:
    info: DocumentInfo
    clean_text: str
    chunks: list[Chunk]


def find_files(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Supported files under ``paths``; anything else given explicitly is reported, not dropped."""
    found: list[Path] = []
    problems: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            found.extend(_files_under(path, problems))
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                found.append(path)
            else:
                problems.append(
                    (
                        path.name,
                        f"unsupported file type '{path.suffix}' — supported: "
                        f"{', '.join(sorted(SUPPORTED_SUFFIXES))}",
                    )
                )
        else:
            problems.append((str(path), "no such file or folder"))
    return found, problems


def _files_under(root: Path, problems: list[tuple[str, str]]) -> list[Path]:
    """Supported files in ``root`` and its folders (hidden ones left out). A link that leads
    outside ``root`` (to a file or a folder) is not followed but reported, so nothing outside
    the corpus is indexed by accident; so is a link that leads nowhere."""
    real_root = root.resolve()
    found: list[Path] = []
    for directory, folders, names in os.walk(root):  # does not enter linked folders
        here = Path(directory)
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in folders:
            folder = here / name
            if folder.is_symlink() and not folder.resolve().is_relative_to(real_root):
                problems.append(
                    (
                        str(folder.relative_to(root)),
                        f"links to a folder outside {root} ({os.readlink(folder)}) — "
                        "copy the documents in instead",
                    )
                )
        for name in names:
            file = here / name
            shown = str(file.relative_to(root))
            if name.startswith("."):
                continue
            if file.is_symlink():
                target = os.readlink(file)
                if not file.exists():
                    problems.append((shown, f"broken link (to {target}) — remove it"))
                    continue
                if not file.resolve().is_relative_to(real_root):
                    problems.append(
                        (
                            shown,
                            f"links to a file outside {root} ({target}) — "
                            "copy the file in instead",
                        )
                    )
                    continue
            if file.suffix.lower() in SUPPORTED_SUFFIXES and file.is_file():
                found.append(file)
    return sorted(found)


def doc_id_for(path: Path, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-").lower() or "document"
    doc_id, n = base, 2
    while doc_id in taken:
        doc_id, n = f"{base}-{n}", n + 1
    taken.add(doc_id)
    return doc_id


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def process_document(
    path: Path, doc_id: str, sha256: str, entry: CatalogEntry | None, params: IndexParams
) -> _ProcessedDocument:
    check_file_size(path)
    raw = load_document(path)
    check_document_size(path, raw)
    clean = clean_pages(raw.pages, markdown=path.suffix.lower() == ".md")
    if not clean.text.strip():
        raise DocumentLoadError(path, "no text left after cleaning")
    sections = find_sections(clean.text, clean.headings)
    chunks = chunk_document(
        doc_id,
        clean,
        sections,
        max_chars=params.max_chars,
        overlap_sentences=params.overlap_sentences,
    )
    title = describe_document(path, raw, entry, sections, clean.text)
    numbered_pages = [p.number for p in raw.pages if p.number is not None]
    info = DocumentInfo(
        doc_id=doc_id,
        source=path.name,
        title=title,
        author=entry.author if entry else raw.author,
        year=entry.year if entry else None,
        language=(entry.language if entry and entry.language else detect_language(clean.text)),
        sha256=sha256,
        pages=max(numbered_pages) if numbered_pages else None,
        chars=len(clean.text),
        ocr_pages=raw.ocr_pages,
    )
    return _ProcessedDocument(info, clean.text, chunks)


def passage_embedding_text(chunk: Chunk, doc: DocumentInfo, params: IndexParams) -> str:
    if not params.embed_title:
        return chunk.text
    context = doc.title if not chunk.section else f"{doc.title} — {chunk.section}"
    return f"{context}\n{chunk.text}"


def ingest(
    paths: Sequence[Path],
    index_dir: Path,
    embedder: Embedder,
    params: IndexParams | None = None,
    *,
    rebuild: bool = False,
    show_progress: bool = False,
    profile: Mapping[str, Any] | None = None,
    progress: Callable[[str, str, str], None] | None = None,
    counts: IngestProgress | None = None,
) -> IngestReport:
    """Bring the index at ``index_dir`` in line with the files under ``paths``; a new build
    gets ``profile`` (the corpus profile's JSON form), else the current build's one.
    ``progress(file name, status, reason)`` hears of each file: reading, indexed, unchanged,
    skipped; then ("", "embedding", "") before the new passages are embedded. ``counts``
    follows the documents, passages and embeddings done (progress lines in a log)."""
    started = time.perf_counter()
    params = params or IndexParams()
    report = IngestReport()
    remove_abandoned_builds(index_dir)  # a killed ingest's unfinished build
    files, report.skipped = find_files(paths)
    catalog: dict[str, CatalogEntry] = {}
    for path in paths:
        if path.is_dir():
            catalog.update(load_catalog(path))

    previous = _previous_index(index_dir, embedder.name, params, rebuild)
    old_hashes = previous.manifest.documents if previous else {}
    old_docs = {d.source: d for d in previous.documents.values()} if previous else {}

    hashes: dict[Path, str] = {}
    for path in files:
        try:
            hashes[path] = file_sha256(path)
        except OSError as exc:
            report.skipped.append((path.name, f"cannot be read: {exc.strerror or exc}"))
    current_names = {p.name for p in hashes}
    report.removed = sorted(set(old_hashes) - current_names)
    if (
        previous
        and not report.removed
        and all(old_hashes.get(p.name) == h for p, h in hashes.items())
        and not report.skipped
    ):
        report.unchanged = sorted(current_names)
        report.documents = len(previous.documents)
        report.passages = len(previous.chunks)
        report.sentences = len(previous.sentence_owner)
        report.build = previous.build_id
        report.seconds = time.perf_counter() - started
        return report

    taken: set[str] = set()
    processed: list[_ProcessedDocument] = []
    tell = progress or (lambda name, status, reason: None)
    counts = counts or IngestProgress()
    counts.expect(documents=len(hashes))
    reading = tqdm(list(hashes), desc="Reading", unit="file", disable=not show_progress)
    for path in _counted(reading, counts, processed):
        old = old_docs.get(path.name)
        store_original(index_dir, path, hashes[path])
        if previous and old and old.sha256 == hashes[path]:
            taken.add(old.doc_id)
            processed.append(_reuse(previous, old))
            report.unchanged.append(path.name)
            tell(path.name, "unchanged", "")
            continue
        tell(path.name, "reading", "")
        doc_id = doc_id_for(
            path, taken | {d.doc_id for d in old_docs.values() if d.source != path.name}
        )
        taken.add(doc_id)
        try:
            processed.append(
                process_document(path, doc_id, hashes[path], catalog.get(path.name), params)
            )
            report.indexed.append(path.name)
            tell(path.name, "indexed", "")
        except DocumentLoadError as exc:
            logger.warning("Skipped %s: %s", path.name, exc.reason)
            report.skipped.append((path.name, exc.reason))
            tell(path.name, "skipped", exc.reason)
        except Exception as exc:  # a parser bug must not stop the other documents
            logger.exception("Skipped %s: unexpected error", path.name)
            report.skipped.append((path.name, f"unexpected error: {exc.__class__.__name__}: {exc}"))
            tell(path.name, "skipped", f"unexpected error: {exc.__class__.__name__}")

    if not processed and not previous:
        raise VraagbaakError(
            "Nothing to index: no readable document found in "
            + ", ".join(str(p) for p in paths)
            + (
                " (" + "; ".join(f"{n}: {r}" for n, r in report.skipped) + ")"
                if report.skipped
                else f" — supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}"
            )
        )
    if profile is None:
        profile = read_profile(index_dir)
    tell("", "embedding", "")
    _assemble_and_write(
        processed, index_dir, embedder, params, report, show_progress, profile, counts
    )
    prune_originals(index_dir)
    report.seconds = time.perf_counter() - started
    return report


def _previous_index(
    index_dir: Path, embedder_name: str, params: IndexParams, rebuild: bool
) -> Index | None:
    if rebuild:
        return None
    try:
        manifest = read_manifest(index_dir)
        if manifest is None or manifest.embedder != embedder_name or manifest.params != params:
            return None
        return load_index(index_dir, embedder_name)
    except VraagbaakError as exc:
        logger.warning("Building the index from scratch: %s", exc)
        return None


def _counted(
    paths: Iterable[Path], counts: IngestProgress, processed: list[_ProcessedDocument]
) -> Iterator[Path]:
    """``paths`` one by one; each time the caller is done with one, ``counts`` hears of it and
    of the passages it added to ``processed``."""
    for path in paths:
        before = len(processed)
        yield path
        counts.add(documents=1, passages=sum(len(p.chunks) for p in processed[before:]))


def _reuse(previous: Index, old: DocumentInfo) -> _ProcessedDocument:
    chunks = [c for c in previous.chunks if c.doc_id == old.doc_id]
    return _ProcessedDocument(old, previous.clean_texts[old.doc_id], chunks)


def _assemble_and_write(
    processed: list[_ProcessedDocument],
    index_dir: Path,
    embedder: Embedder,
    params: IndexParams,
    report: IngestReport,
    show_progress: bool,
    profile: Mapping[str, Any] | None = None,
    counts: IngestProgress | None = None,
) -> None:
    counts = counts or IngestProgress()
    documents = [p.info for p in processed]
    by_id = {d.doc_id: d for d in documents}
    chunks = [c for p in processed for c in p.chunks]
    passage_texts = [passage_embedding_text(c, by_id[c.doc_id], params) for c in chunks]
    owners = [(row, n) for row, c in enumerate(chunks) for n in range(len(c.sentences))]
    sentence_texts = [chunks[row].text[slice(*chunks[row].sentences[n])] for row, n in owners]
    if not params.embed_sentences:
        owners, sentence_texts = [], []
    counts.expect(to_embed=len(passage_texts) + len(sentence_texts))

    if owners and params.sentence_vectors == "late" and can_embed_spans(embedder):
        passage_vectors, sentence_vectors = _embed_late(
            embedder, chunks, passage_texts, show_progress, counts
        )
    else:
        passage_vectors = _embed(
            embedder, passage_texts, show_progress, "Embedding passages", counts
        )
        sentence_vectors = _embed(
            embedder, sentence_texts, show_progress, "Embedding sentences", counts
        )
    manifest = Manifest(
        embedder=embedder.name,
        dimension=embedder.dimension,
        params=params,
        documents={d.source: d.sha256 for d in documents},
        passages=len(chunks),
        sentences=len(owners),
    )
    build = write_index(
        index_dir,
        manifest,
        documents,
        {p.info.doc_id: p.clean_text for p in processed},
        chunks,
        passage_vectors,
        sentence_vectors,
        np.asarray(owners, dtype=np.int32).reshape(-1, 2),
        LexicalIndex.build([_lexical_text(c, by_id[c.doc_id]) for c in chunks]),
        profile,
    )
    report.documents = len(documents)
    report.passages = len(chunks)
    report.sentences = len(owners)
    report.build = build.name


def _lexical_text(chunk: Chunk, doc: DocumentInfo) -> str:
    return f"{doc.title}\n{chunk.section}\n{chunk.text}"


def _embed_late(
    embedder: Embedder,
    chunks: list[Chunk],
    passage_texts: list[str],
    show_progress: bool,
    counts: IngestProgress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Passage vectors, and their sentences' vectors pooled from the same forward pass ("late
    chunking"), in chunk order: one pass per passage instead of one more per sentence."""
    spanning = cast(SpanEmbedder, embedder)
    batch = 32
    passages: list[np.ndarray] = []
    sentences: list[np.ndarray] = []
    for start in tqdm(
        range(0, len(chunks), batch),
        desc="Embedding passages and sentences",
        unit="batch",
        disable=not show_progress or not chunks,
    ):
        texts = passage_texts[start : start + batch]
        spans = []
        for chunk, text in zip(chunks[start : start + batch], texts, strict=True):
            shift = len(text) - len(chunk.text)  # the passage text ends with the chunk's text
            spans.append([(shift + s, shift + e) for s, e in chunk.sentences])
        vectors, span_vectors = spanning.embed_passages_and_spans(texts, spans)
        passages.append(vectors)
        sentences.extend(span_vectors)
        if counts is not None:
            counts.add(embedded=len(texts) + sum(len(s) for s in spans))
    empty = np.zeros((0, embedder.dimension), dtype=np.float32)
    return (
        np.vstack(passages) if passages else empty,
        np.vstack(sentences) if sentences else empty,
    )


def _embed(
    embedder: Embedder,
    texts: list[str],
    show_progress: bool,
    label: str,
    counts: IngestProgress | None = None,
) -> np.ndarray:
    """Embed in batches (the cached embedder the CLI passes skips texts it has seen)."""
    batch = 32
    counts = counts or IngestProgress()
    parts = []
    for start in tqdm(
        range(0, len(texts), batch),
        desc=label,
        unit="batch",
        disable=not show_progress or not texts,
    ):
        part = texts[start : start + batch]
        parts.append(embed_passages(embedder, part, batch_size=batch))
        counts.add(embedded=len(part))
    if not parts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.vstack(parts)
