"""API keys: hashed at rest, scoped, revocable, optionally tied to web origins."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.security.keys import (
    SCOPES,
    InvalidOriginError,
    KeyRecord,
    KeyScope,
    KeyStore,
    normalize_origin,
)


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "data" / "vraagbaak.sqlite")


def test_a_created_key_authenticates_and_has_the_documented_format(store: KeyStore) -> None:
    record, plain_key = store.create("ask", name="wijkteam Noord", origins=None)

    assert plain_key.startswith(f"vb_ask_{record.id}_")
    assert store.authenticate(plain_key) == record
    assert record.name == "wijkteam Noord"
    assert record.scope == "ask"
    assert record.revoked_at is None


def test_the_database_holds_only_a_hash_of_the_key(store: KeyStore) -> None:
    _, plain_key = store.create("admin", name=None, origins=None)

    dump = "\n".join(sqlite3.connect(store.db_path).iterdump())

    assert plain_key not in dump
    assert plain_key.rsplit("_", 1)[-1] not in dump


def test_the_database_uses_wal_mode(store: KeyStore) -> None:
    mode = sqlite3.connect(store.db_path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


@pytest.mark.parametrize(
    "attempt",
    ["", "vb_ask", "vb_ask_deadbeef0000_secret", "Bearer x", "vb_admin_" + "0" * 12 + "_x"],
)
def test_unknown_or_malformed_keys_do_not_authenticate(store: KeyStore, attempt: str) -> None:
    store.create("admin", name=None, origins=None)
    assert store.authenticate(attempt) is None


def test_a_key_with_a_changed_secret_does_not_authenticate(store: KeyStore) -> None:
    _, plain_key = store.create("ask", name=None, origins=None)
    tampered = plain_key[:-1] + ("A" if plain_key[-1] != "A" else "B")

    assert store.authenticate(tampered) is None


def test_the_scope_in_the_key_text_grants_nothing(store: KeyStore) -> None:
    record, plain_key = store.create("ask", name=None, origins=None)
    promoted = plain_key.replace("vb_ask_", "vb_admin_", 1)

    assert store.authenticate(promoted) is None
    assert not record.allows("admin")


def test_a_revoked_key_stops_working_and_stays_listed(store: KeyStore) -> None:
    record, plain_key = store.create("faq", name="oud", origins=None)

    assert store.revoke(record.id) is True

    assert store.authenticate(plain_key) is None
    [listed] = store.list()
    assert listed.id == record.id
    assert listed.revoked_at is not None
    assert not listed.allows("ask")


def test_revoking_twice_or_an_unknown_id_reports_false(store: KeyStore) -> None:
    record, _ = store.create("ask", name=None, origins=None)
    store.revoke(record.id)

    assert store.revoke(record.id) is False
    assert store.revoke("no-such-id") is False


def test_list_returns_every_key_without_secrets(tmp_path: Path) -> None:
    times = iter(datetime(2024, 1, day, tzinfo=UTC) for day in range(1, 10))
    store = KeyStore(tmp_path / "keys.sqlite", clock=lambda: next(times))
    first, _ = store.create("ask", name="a", origins=None)
    second, _ = store.create("admin", name="b", origins=["https://gemeente.nl"])

    listed = store.list()

    assert listed == [first, second]
    assert not any(hasattr(record, "hash") for record in listed)


def test_keys_survive_reopening_the_store(tmp_path: Path) -> None:
    path = tmp_path / "keys.sqlite"
    record, plain_key = KeyStore(path).create("faq", name="x", origins=["https://a.nl"])

    assert KeyStore(path).authenticate(plain_key) == record


@pytest.mark.parametrize(
    ("scope", "allowed", "refused"),
    [
        ("ask", {"ask"}, {"faq", "eval", "admin"}),
        ("faq", {"ask", "faq"}, {"eval", "admin"}),
        ("eval", {"ask", "eval"}, {"faq", "admin"}),
        ("admin", {"ask", "faq", "eval", "admin"}, set()),
    ],
)
def test_scope_hierarchy(
    store: KeyStore, scope: KeyScope, allowed: set[KeyScope], refused: set[KeyScope]
) -> None:
    record, _ = store.create(scope, name=None, origins=None)

    assert {s for s in SCOPES if record.allows(s)} == allowed
    assert not any(record.allows(s) for s in refused)


def test_an_unknown_scope_is_refused_with_the_valid_choices(store: KeyStore) -> None:
    with pytest.raises(ValueError, match="ask, faq, eval, admin"):
        store.create("root", name=None, origins=None)  # type: ignore[arg-type]


def test_a_key_table_from_before_the_eval_scope_takes_eval_keys(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT, scope TEXT NOT NULL CHECK "
            "(scope IN ('ask', 'faq', 'admin')), hash TEXT NOT NULL, created_at TEXT NOT NULL, "
            "revoked_at TEXT, origins TEXT)"
        )
    old = KeyStore(path)
    kept, kept_key = old.create("faq", name="kept")
    record, plain = KeyStore(path).create("eval", name="evaluator")

    assert KeyStore(path).authenticate(plain) == record
    assert KeyStore(path).authenticate(kept_key) == kept


def test_a_key_without_origins_works_from_anywhere(store: KeyStore) -> None:
    record, _ = store.create("ask", name=None, origins=None)

    assert record.allows_origin(None)
    assert record.allows_origin("https://elders.example")


def test_a_widget_key_only_works_from_its_own_origins(store: KeyStore) -> None:
    record, _ = store.create("ask", name="widget", origins=["https://www.gemeente.nl/"])

    assert record.origins == ("https://www.gemeente.nl",)
    assert record.allows_origin("https://www.gemeente.nl")
    assert record.allows_origin("HTTPS://WWW.GEMEENTE.NL")
    assert not record.allows_origin("https://evil.example")
    assert not record.allows_origin("http://www.gemeente.nl")
    assert not record.allows_origin("https://www.gemeente.nl.evil.example")
    assert not record.allows_origin("null")
    assert not record.allows_origin(None)


@pytest.mark.parametrize(
    ("origin", "normalized"),
    [
        ("https://Gemeente.NL/", "https://gemeente.nl"),
        ("https://gemeente.nl:443", "https://gemeente.nl"),
        ("http://localhost:8080", "http://localhost:8080"),
    ],
)
def test_origins_are_normalized(origin: str, normalized: str) -> None:
    assert normalize_origin(origin) == normalized


@pytest.mark.parametrize("origin", ["gemeente.nl", "https://gemeente.nl/pad", "ftp://x.nl", "*"])
def test_origins_that_are_not_origins_are_refused_when_creating(
    store: KeyStore, origin: str
) -> None:
    with pytest.raises(InvalidOriginError, match=r"https://www\.gemeente\.nl"):
        store.create("ask", name=None, origins=[origin])
    assert store.list() == []


def test_key_record_holds_no_secret_fields() -> None:
    assert set(KeyRecord.__dataclass_fields__) == {
        "id",
        "name",
        "scope",
        "created_at",
        "revoked_at",
        "origins",
    }
