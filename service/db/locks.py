"""Only one ingest at a time across replicas: a Postgres advisory lock when the stores are in
Postgres (``VRAAGBAAK_DATABASE_URL``), and always the lock file on the (shared) index directory,
so an ingest started without the database URL still waits its turn."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ingest.lock import IngestBusyError, index_lock
from service.db import open_database
from service.db.postgres import PostgresDatabase
from vraagbaak.settings import Settings

INGEST_LOCK_KEY = 0x76626967  # "vbig"


@contextmanager
def ingest_lock(settings: Settings) -> Iterator[None]:
    if settings.database_url is None:
        with index_lock(settings.index_dir):
            yield
        return
    db = open_database(settings.database_url)
    assert isinstance(db, PostgresDatabase)
    lock = db.advisory_lock(INGEST_LOCK_KEY)
    if not lock.acquire():
        raise IngestBusyError("the index these replicas share (Postgres advisory lock)")
    try:
        with index_lock(settings.index_dir):
            yield
    finally:
        lock.release()
