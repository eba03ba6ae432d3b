"""One ingest at a time per index directory, also when replicas share it (NFS, a volume).

The lock is ``flock`` on ``<index dir>/.ingest.lock``: the kernel (or the NFS lock manager)
drops it when the holding process dies, so a killed ingest never leaves the index locked.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vraagbaak.errors import VraagbaakError

LOCK_NAME = ".ingest.lock"


class IngestBusyError(VraagbaakError):
    def __init__(self, where: str) -> None:
        super().__init__(
            f"Another ingest is running on {where} (on this or another replica) — wait until "
            "it has finished, then try again; the service keeps answering from the current build"
        )


@contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index directory's ingest lock; IngestBusyError at once when it is taken."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise IngestBusyError(f"the index at {index_dir}") from error
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
