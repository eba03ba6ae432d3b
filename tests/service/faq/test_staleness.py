from __future__ import annotations

import copy

from ingest.index import Index
from service.faq.drafting import approve, make_citation
from service.faq.staleness import flag_stale_entries
from service.faq.store import FaqStore, NewEntry
from tests.fakes import HashingEmbedder
from tests.service.faq.conftest import CORPUS, build_index
from vraagbaak.settings import Settings

REGIE = "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren."
WACHT = "De wachtlijsten voor specialistische hulp liepen op tot twaalf weken."


def _cite(store: FaqStore, index: Index, question: str, chunk_row: int, quote: str) -> int:
    citation = make_citation(index, index.chunks[chunk_row].id, quote)
    entry = store.add_entry("S", NewEntry(question, f"{quote} [1]", (citation,)))
    return approve(store, "S", entry.id, "ann", index).id


def test_reingest_flags_repoints_and_clears(
    store: FaqStore, index: Index, settings: Settings, embedder: HashingEmbedder
) -> None:
    store.create_set("S")
    regie = _cite(store, index, "Wie heeft de regie?", 0, REGIE)
    wacht = _cite(store, index, "Hoe lang is de wachtlijst?", 3, WACHT)
    later = _cite(
        store,
        index,
        "Wat moet de gemeente doen?",
        4,
        "De gemeente moet de toegang tot specialistische hulp beter regelen.",
    )
    assert flag_stale_entries(store, index).flagged == []

    # Re-ingest: the JIM passage gains a sentence (new chunk id, quote still there); the
    # waiting-list passage is rewritten (quote gone); the recommendations stay as they were.
    corpus = copy.deepcopy(CORPUS)
    _title, passages = corpus["jim"]
    passages[0] = (passages[0][0], "Nieuw: de regie is herzien. " + passages[0][1])
    _title_w, passages_w = corpus["wachtlijst"]
    passages_w[0] = (
        passages_w[0][0],
        "De wachtlijsten liepen op tot acht weken. Gezinnen wachtten lang.",
    )
    new_index = build_index(settings.index_dir, corpus, embedder)
    assert new_index.chunk(store.get_entry("S", regie).citations[0].chunk_id) is None

    report = flag_stale_entries(store, new_index)
    assert report.repointed == [("S", regie)]
    assert [(s, i) for s, i, _ in report.flagged] == [("S", wacht)]

    moved = store.get_entry("S", regie)
    assert not moved.stale and moved.status == "approved"
    chunk = new_index.chunk(moved.citations[0].chunk_id)
    assert chunk is not None
    assert chunk.text[moved.citations[0].start : moved.citations[0].end] == REGIE
    assert store.history("S", regie)[-1].action == "repoint"
    assert store.history("S", regie)[-1].changed_by == "ingest"

    stale = store.get_entry("S", wacht)
    assert stale.stale and "no longer in 'Wachtlijsten specialistische jeugdhulp'" in (
        stale.stale_reason
    )
    assert stale.status == "approved"  # kept, but the matcher skips stale entries
    assert not store.get_entry("S", later).stale
    assert store.get_set("S").stale == 1

    # Running again changes nothing; restoring the document clears the flag.
    assert flag_stale_entries(store, new_index).repointed == []
    restored = build_index(settings.index_dir, CORPUS, embedder)
    report = flag_stale_entries(store, restored)
    assert ("S", wacht) in report.cleared and not store.get_entry("S", wacht).stale


def test_removed_document_is_stale(
    store: FaqStore, index: Index, settings: Settings, embedder: HashingEmbedder
) -> None:
    store.create_set("S")
    wacht = _cite(store, index, "Hoe lang is de wachtlijst?", 3, WACHT)
    smaller = build_index(settings.index_dir, {"jim": CORPUS["jim"]}, embedder)
    report = flag_stale_entries(store, smaller)
    assert report.flagged and "no longer in the corpus" in store.get_entry("S", wacht).stale_reason
