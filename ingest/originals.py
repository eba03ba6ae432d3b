"""The original file of every indexed document, kept beside the index.

``<index>/originals/<sha256><suffix>``: content-addressed, so a build can always be traced (and
rebuilt) from the exact bytes it was made of — ``documents.jsonl`` maps each document's file name
to its sha256 — and a citation opens the file its text came from even when the corpus folder
changed since. Files no kept build refers to are removed after each build.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from pathlib import Path

logger = logging.getLogger(__name__)

ORIGINALS = "originals"


def original_path(index_dir: Path, sha256: str, source: str) -> Path:
    return index_dir / ORIGINALS / f"{sha256}{Path(source).suffix.lower()}"


def store_original(index_dir: Path, path: Path, sha256: str) -> None:
    """Copy ``path`` in (once per content); a failure is logged, never fatal to the ingest."""
    target = original_path(index_dir, sha256, path.name)
    if target.exists():
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{uuid.uuid4().hex}.partial")
        shutil.copyfile(path, temporary)
        os.replace(temporary, target)
    except OSError as error:
        logger.warning("Could not keep the original of %s beside the index: %s", path, error)


def prune_originals(index_dir: Path) -> None:
    """Remove originals no build on disk (the current one or a kept older one) refers to."""
    folder = index_dir / ORIGINALS
    builds = index_dir / "builds"
    if not folder.is_dir() or not builds.is_dir():
        return
    wanted: set[str] = set()
    for build in builds.iterdir():
        documents = build / "documents.jsonl"
        if build.name.startswith(".") or not documents.exists():
            continue
        try:
            with documents.open(encoding="utf-8") as rows:
                wanted.update(json.loads(line)["sha256"] for line in rows if line.strip())
        except (OSError, ValueError, KeyError):
            return  # unsure what is still in use: keep everything
    for stored in folder.iterdir():
        if stored.name.split(".")[0] not in wanted:
            stored.unlink(missing_ok=True)
