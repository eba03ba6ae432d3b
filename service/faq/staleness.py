"""Keeping FAQ citations honest after a re-ingest.

Chunk ids are content-addressed (``doc_id:ordinal:texthash``), so an edited passage gets a new
id. ``flag_stale_entries(store, index)`` checks every citation of every entry against the
current index (it runs at service start-up and after ``vraagbaak ingest``):

- the passage still exists and holds the quote at the stored offsets: fine;
- the passage still exists but the quote moved within it: offsets are updated;
- the passage is gone but the quote is still verbatim in another passage of the *same*
  document: the citation is **re-pointed** to that passage automatically. The quoted words are
  unchanged, so an approved entry stays approved; the previous version is kept in the entry's
  history under the action ``repoint`` (by ``ingest``) so a trainer can see what moved;
- otherwise (document removed, or the quote no longer verbatim in it) the entry is flagged
  **stale** with a reason per citation. Stale entries keep their status, but the matcher does
  not serve them until a trainer fixes the citations and approves again.

An entry that was stale and whose citations all check out again (say the document was
restored) loses the flag.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from ingest.index import Index
from ingest.model import Chunk, text_hash
from service.faq.store import FaqEntry, FaqStore, StoredCitation

logger = logging.getLogger(__name__)

BY = "ingest"


@dataclass
class StalenessReport:
    checked: int = 0
    flagged: list[tuple[str, int, str]] = field(default_factory=list)  # (set, entry id, reason)
    repointed: list[tuple[str, int]] = field(default_factory=list)
    cleared: list[tuple[str, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "checked": self.checked,
            "flagged": [{"set": s, "id": i, "reason": r} for s, i, r in self.flagged],
            "repointed": [{"set": s, "id": i} for s, i in self.repointed],
            "cleared": [{"set": s, "id": i} for s, i in self.cleared],
        }

    def summary(self) -> str:
        return (
            f"FAQ: checked {self.checked} entries — {len(self.flagged)} stale, "
            f"{len(self.repointed)} re-pointed, {len(self.cleared)} no longer stale"
        )


def check_citation(index: Index, citation: StoredCitation) -> tuple[StoredCitation | None, str]:
    """The citation as it should be now (maybe moved), or None with the reason it broke."""
    chunk = index.chunk(citation.chunk_id)
    if chunk is not None:
        if chunk.text[citation.start : citation.end] == citation.quote:
            return citation, ""
        start = chunk.text.find(citation.quote)
        if start >= 0:
            return _pointed(index, citation, chunk, start), ""
    doc_id = citation.doc_id
    doc = index.documents.get(doc_id)
    label = citation.title or citation.source or doc_id
    if doc is None:
        return None, f"document '{label}' is no longer in the corpus"
    for candidate in _chunks_of(index, doc_id):
        start = candidate.text.find(citation.quote)
        if start >= 0:
            return _pointed(index, citation, candidate, start), ""
    return None, f"the quote “{_short(citation.quote)}” is no longer in '{doc.title}'"


def _pointed(index: Index, citation: StoredCitation, chunk: Chunk, start: int) -> StoredCitation:
    doc = index.documents[chunk.doc_id]
    return replace(
        citation,
        chunk_id=chunk.id,
        start=start,
        end=start + len(citation.quote),
        title=doc.title,
        source=doc.source,
        page=chunk.page_at(start),
        section=chunk.section or None,
        passage_sha=text_hash(chunk.text),
    )


def _chunks_of(index: Index, doc_id: str) -> list[Chunk]:
    return [c for c in index.chunks if c.doc_id == doc_id]


def _short(text: str, size: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def check_entry(index: Index, entry: FaqEntry) -> tuple[tuple[StoredCitation, ...], list[str]]:
    """The entry's citations as they should be now, and the reasons any of them broke."""
    citations = []
    reasons = []
    for n, citation in enumerate(entry.citations, 1):
        checked, reason = check_citation(index, citation)
        if checked is None:
            citations.append(citation)  # kept as it was, so the trainer sees what was cited
            reasons.append(f"[{n}] {reason}")
        else:
            citations.append(checked)
    return tuple(citations), reasons


def flag_stale_entries(
    store: FaqStore, index: Index, set_name: str | None = None, by: str = BY
) -> StalenessReport:
    """Check all entries (or one set's) against ``index``; flag, re-point or clear them."""
    report = StalenessReport()
    for faq_set, entry in store.all_entries():
        if set_name is not None and faq_set.name != set_name:
            continue
        report.checked += 1
        citations, reasons = check_entry(index, entry)
        if reasons:
            reason = "; ".join(reasons)
            if not entry.stale or entry.stale_reason != reason:
                store.update_entry(
                    faq_set.name, entry.id, by=by, action="stale", stale=True, stale_reason=reason
                )
            report.flagged.append((faq_set.name, entry.id, reason))
            continue
        if citations != entry.citations:
            store.update_entry(
                faq_set.name,
                entry.id,
                by=by,
                action="repoint",
                citations=citations,
                stale=False,
                stale_reason="",
            )
            report.repointed.append((faq_set.name, entry.id))
            if entry.stale:
                report.cleared.append((faq_set.name, entry.id))
        elif entry.stale:
            store.update_entry(
                faq_set.name, entry.id, by=by, action="fresh", stale=False, stale_reason=""
            )
            report.cleared.append((faq_set.name, entry.id))
    if report.flagged or report.repointed or report.cleared:
        logger.info("%s", report.summary())
    return report
