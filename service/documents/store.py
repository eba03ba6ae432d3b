"""Where the documents live, for the page and for ``vraagbaak ingest`` alike.

The corpus folder (``VRAAGBAAK_CORPUS_DIR``) is the one list of documents: ``vraagbaak ingest``
indexes it by default and the /documents page writes into it — an upload is placed there
(replacing a file of the same name, wherever in the folder it is), a delete moves the file out
to ``<data dir>/documents/removed/`` (nothing is thrown away). Every build also keeps the exact
bytes it indexed beside the index (``ingest/originals.py``); citations render from those.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

from ingest.index import Index
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.model import DocumentInfo
from ingest.originals import original_path
from ingest.pipeline import file_sha256
from vraagbaak.settings import Settings


class DocumentStore:
    def __init__(self, settings: Settings) -> None:
        self.corpus_dir = Path(settings.corpus_dir)
        self.index_dir = settings.index_dir
        self.root = settings.data_dir / "documents"

    def staging_dir(self, job_id: str) -> Path:
        folder = self.root / "incoming" / job_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def locate(self, name: str) -> Path | None:
        """The corpus file called ``name`` (in any subfolder that ingest reads), if any."""
        if not self.corpus_dir.is_dir():
            return None
        for path in sorted(self.corpus_dir.rglob(name)):
            relative = path.relative_to(self.corpus_dir).parts
            if path.is_file() and not any(part.startswith(".") for part in relative):
                return path
        return None

    def place(self, staged: Path, name: str) -> Path:
        """Put an uploaded file into the corpus folder, replacing one of the same name."""
        target = self.locate(name) or self.corpus_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{uuid.uuid4().hex}.upload")  # hidden: ingest skips it
        shutil.copyfile(staged, temporary)
        os.replace(temporary, target)
        staged.unlink(missing_ok=True)
        return target

    def remove(self, name: str) -> Path | None:
        """Move the corpus file ``name`` out of the corpus folder; where it went (None: absent)."""
        path = self.locate(name)
        if path is None:
            return None
        removed = self.root / "removed"
        removed.mkdir(parents=True, exist_ok=True)
        target = removed / f"{time.strftime('%Y%m%d-%H%M%S')}-{name}"
        shutil.move(str(path), target)
        return target

    def original(self, doc: DocumentInfo) -> Path | None:
        """The bytes ``doc`` was indexed from: kept beside the index, else the corpus file when
        it is still the same (an index built before originals were kept)."""
        kept = original_path(self.index_dir, doc.sha256, doc.source)
        if kept.exists():
            return kept
        path = self.locate(doc.source)
        if path is not None and file_sha256(path) == doc.sha256:
            return path
        return None


def supported_types() -> str:
    return ", ".join(sorted(SUPPORTED_SUFFIXES))


def is_supported(name: str) -> bool:
    return Path(name).suffix.lower() in SUPPORTED_SUFFIXES


def safe_name(name: str) -> str | None:
    """The file name an upload is stored under (no folders); None when it is not usable."""
    base = Path(name.replace("\\", "/")).name.strip()
    if not base or base.startswith(".") or len(base) > 200 or "\x00" in base:
        return None
    return base


def document_by_source(index: Index, name: str) -> DocumentInfo | None:
    return next((d for d in index.documents.values() if d.source == name), None)
