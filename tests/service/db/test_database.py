"""Every store on both backends: the same calls, the same results (one migration history)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from ingest.lock import IngestBusyError
from service.db import IntegrityError, open_database
from service.db.locks import ingest_lock
from service.db.migrations import SCHEMA_VERSION
from service.evalbench.store import EvalBenchError, EvalSets
from service.faq.store import FaqStore, NewEntry, StoredCitation
from service.feedback import FeedbackStore
from service.question_log import QuestionLog
from service.security.keys import KeyStore
from vraagbaak.settings import Settings


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "vraagbaak.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_the_schema_is_at_the_last_migration(database: str) -> None:
    db = open_database(database)
    assert db.execute("SELECT version FROM schema_version").fetchone() == (SCHEMA_VERSION,)
    with pytest.raises(IntegrityError):
        db.execute("INSERT INTO eval_sets (created_at, name) VALUES (1, 'a'), (2, 'a')")


def test_faq_sets_entries_and_history(database: str) -> None:
    store = FaqStore(database)
    store.create_set("Regie", "over regie")
    citation = StoredCitation("doc:0001:abcdef12", "SAVE is regiehouder.", 0, 20)
    [entry] = store.add_entries(
        "Regie", [NewEntry("Wie heeft de regie?", "SAVE [1].", (citation,))]
    )
    store.update_entry("Regie", entry.id, by="trainer a.b@example.nl", status="approved")
    assert [(s.name, s.entries, s.approved) for s in store.list_sets()] == [("Regie", 1, 1)]
    [(faq_set, approved)] = store.approved_entries()
    assert approved.citations == (citation,) and faq_set.name == "Regie"
    item = store.history("Regie", entry.id)[-1]
    assert item.changed_by == "trainer [E-MAIL]" and item.previous["status"] == "draft"
    with pytest.raises(Exception, match="needs a question"), store.transaction():
        store.add_entries("Regie", [NewEntry("Nog een?"), NewEntry("  ")])
    assert len(store.entries("Regie")) == 1  # all or nothing
    store.delete_set("Regie")
    assert store.list_sets() == [] and store.revision()[:2] == (0, 0)


def test_keys_feedback_questions_and_eval_sets(database: str) -> None:
    keys = KeyStore(database)
    record, plain = keys.create("ask", name="wijkteam")
    assert KeyStore(database).authenticate(plain) == record
    assert keys.revoke(record.id) and KeyStore(database).authenticate(plain) is None

    feedback = FeedbackStore(database, retention_days=30)
    feedback.add("up", "Bel 06-12345678", "a", "", None, ["c1"])
    [row] = FeedbackStore(database, retention_days=30).all()
    assert row["question"] == "Bel [TELEFOON]" and row["chunk_ids"] == ["c1"]
    log = QuestionLog(database, retention_days=0)  # 0 days: nothing is written
    log.add("q", "nl", False, "extractive", None)
    assert log.all() == []

    sets = EvalSets(database)
    made = sets.create("Gold A")
    with pytest.raises(EvalBenchError, match="exists already"):
        sets.create("Gold A")
    assert [s["id"] for s in sets.list()] == [made["id"]]


def test_one_ingest_at_a_time(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = [Settings(data_dir=tmp_path / "a", index_path=tmp_path / "shared")]
    try:
        url = request.getfixturevalue("postgres_url")
        settings.append(settings[0].model_copy(update={"database_url": url}))
    except pytest.skip.Exception:
        pass
    for each in settings:
        held, release = threading.Event(), threading.Event()

        def hold(config: Settings, held: threading.Event, release: threading.Event) -> None:
            with ingest_lock(config):
                held.set()
                release.wait(10)

        thread = threading.Thread(target=hold, args=(each, held, release))
        thread.start()
        assert held.wait(10)
        with pytest.raises(IngestBusyError, match="Another ingest is running"), ingest_lock(each):
            pass
        release.set()
        thread.join()
        with ingest_lock(each):  # free again
            pass


def test_an_old_sqlite_database_joins_the_history(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:  # feedback as stored before the history existed
        conn.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at REAL NOT NULL,"
            " rating TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, comment TEXT NOT"
            " NULL, conversation_id TEXT, chunk_ids TEXT NOT NULL)"
        )
        conn.execute("INSERT INTO feedback VALUES (1, 1e10, 'up', 'oud', '', '', NULL, '[]')")
    assert [r["question"] for r in FeedbackStore(path).all()] == ["oud"]
    assert FaqStore(path).schema_version == SCHEMA_VERSION
