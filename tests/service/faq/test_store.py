from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from service.faq.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    FaqEntryNotFoundError,
    FaqError,
    FaqSetExistsError,
    FaqSetNotFoundError,
    FaqStore,
    NewEntry,
    StoredCitation,
    migrate,
)

CITATION = StoredCitation(
    chunk_id="jim:0000:abcdef12",
    quote="SAVE MN was regiehouder.",
    start=0,
    end=24,
    title="Evaluatie",
    page=3,
    section="Regie",
    source="jim.txt",
    passage_sha="f" * 64,
)


def test_sets_are_unique_and_counted(store: FaqStore) -> None:
    store.create_set("Training A", "Voor nieuwe medewerkers", "nl")
    with pytest.raises(FaqSetExistsError):
        store.create_set("Training A")
    with pytest.raises(FaqError, match="Language"):
        store.create_set("B", language="de")
    store.add_entry("Training A", NewEntry("Wie heeft de regie?", "SAVE MN [1]", (CITATION,)))
    [faq_set] = store.list_sets()
    assert (faq_set.name, faq_set.entries, faq_set.approved, faq_set.stale) == (
        "Training A",
        1,
        0,
        0,
    )
    with pytest.raises(FaqSetNotFoundError, match="POST /api/faq/sets"):
        store.get_set("nope")


def test_entries_keep_citations_and_history(store: FaqStore) -> None:
    store.create_set("S")
    entry = store.add_entry(
        "S", NewEntry("Wie heeft de regie?", "SAVE MN [1]", (CITATION,)), by="ann"
    )
    assert entry.citations == (CITATION,)
    assert entry.citations[0].doc_id == "jim"
    edited = store.update_entry("S", entry.id, by="bob", answer="SAVE MN heeft de regie [1]")
    assert edited.answer == "SAVE MN heeft de regie [1]"
    assert edited.updated_at > entry.updated_at
    history = store.history("S", entry.id)
    assert [(h.action, h.changed_by) for h in history] == [("create", "ann"), ("edit", "bob")]
    assert history[1].previous["answer"] == "SAVE MN [1]"
    assert history[1].previous["citations"][0]["chunk_id"] == CITATION.chunk_id
    # An update that changes nothing leaves no history.
    store.update_entry("S", entry.id, by="bob", answer="SAVE MN heeft de regie [1]")
    assert len(store.history("S", entry.id)) == 2
    store.delete_entry("S", entry.id)
    with pytest.raises(FaqEntryNotFoundError):
        store.get_entry("S", entry.id)


def test_add_entries_is_all_or_nothing(store: FaqStore) -> None:
    store.create_set("S")
    with pytest.raises(FaqError):
        store.add_entries("S", [NewEntry("Goed"), NewEntry("   ")])
    assert store.entries("S") == []


def test_database_uses_wal(store: FaqStore) -> None:
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION


def test_old_database_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "faq.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, upto=1) == 1  # the first release: no staleness columns yet
    conn.execute(
        "INSERT INTO faq_sets (name, description, language, created_at, updated_at) "
        "VALUES ('Oud', '', 'nl', 1, 1)"
    )
    conn.execute(
        "INSERT INTO faq_entries (set_id, question, answer, citations, status, notes, "
        "created_at, updated_at) VALUES (1, 'Oude vraag?', 'Antwoord', '[]', 'draft', "
        "'', 1, 1)"
    )
    conn.close()

    store = FaqStore(path)
    assert store.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
    [entry] = store.entries("Oud")
    assert (entry.question, entry.stale, entry.stale_reason) == ("Oude vraag?", False, "")
    store.update_entry("Oud", entry.id, by="t", stale=True, stale_reason="weg")
    assert store.get_entry("Oud", entry.id).stale
    store.close()
    # Opening again does not re-run anything.
    assert FaqStore(path).schema_version == SCHEMA_VERSION


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "faq.sqlite"
    FaqStore(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.close()
    with pytest.raises(FaqError, match="newer"):
        FaqStore(path)
