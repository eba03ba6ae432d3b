"""Drafting and editing FAQ entries.

A new question is answered by the extractive answerer (the same one ``/api/ask`` falls back
to), and its quotes become the draft's citations; a trainer then edits the text, removes or adds
citations and approves. Question lists come from TXT (one per line) or CSV (a ``question``
column). ``suggest_questions`` proposes questions for one document from its section headings
and key sentences — simple rules, same output for the same document.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ingest.index import Index
from ingest.model import Chunk, text_hash
from service.answering.model import Answer, Citation, Language
from service.faq.store import FaqEntry, FaqError, FaqStore, NewEntry, StoredCitation

MAX_QUESTION_CHARS = 500
MAX_QUESTIONS = 500
NO_ANSWER_NOTE = {
    "nl": "Geen antwoord gevonden in de documenten — zoek in het corpus en voeg een citaat toe.",
    "en": "No answer found in the documents — search the corpus and add a citation.",
}
_MARKER = re.compile(r"\s*\[(\d+)\]")


class DraftAnswerer(Protocol):
    """``ExtractiveAnswerer`` (or ``Assistant.extractive()``): answers with verbatim quotes."""

    def answer(self, question: str, language: Language | None = None) -> Answer: ...


class QuestionListError(FaqError):
    """A question list that cannot be read; the message names the line."""


# --- citations ------------------------------------------------------------------------------


def stored_citation(citation: Citation) -> StoredCitation:
    return StoredCitation(
        chunk_id=citation.chunk_id,
        quote=citation.quote,
        start=citation.start,
        end=citation.end,
        title=citation.title,
        page=citation.page,
        section=citation.section,
        source=citation.source,
        passage_sha=text_hash(citation.text),
    )


def citation_from_chunk(index: Index, chunk: Chunk, start: int, end: int) -> StoredCitation:
    doc = index.documents.get(chunk.doc_id)
    return StoredCitation(
        chunk_id=chunk.id,
        quote=chunk.text[start:end],
        start=start,
        end=end,
        title=doc.title if doc else chunk.doc_id,
        page=chunk.page,
        section=chunk.section or None,
        source=doc.source if doc else "",
        passage_sha=text_hash(chunk.text),
    )


def make_citation(index: Index, chunk_id: str, quote: str) -> StoredCitation:
    """A citation of ``quote`` in passage ``chunk_id``; the quote must be verbatim in it."""
    chunk = index.chunk(chunk_id)
    if chunk is None:
        raise FaqError(
            f"No passage '{chunk_id}' in the index — it may be gone after a "
            "re-ingest; search the corpus again"
        )
    quote = quote.strip()
    if not quote:
        raise FaqError("The quote is empty — copy a sentence from the passage")
    start = chunk.text.find(quote)
    if start < 0:
        raise FaqError(
            f"The quote is not verbatim in passage '{chunk_id}' — copy it exactly "
            "from the passage text (same spelling, punctuation and line breaks)"
        )
    return citation_from_chunk(index, chunk, start, start + len(quote))


# --- drafting -------------------------------------------------------------------------------


def draft(answerer: DraftAnswerer, question: str, language: Language) -> NewEntry:
    """The extractive answer to ``question`` as a draft entry (no citations when it refuses)."""
    answer = answerer.answer(question, language)
    if answer.refused or not answer.citations:
        return NewEntry(question=question, notes=NO_ANSWER_NOTE[language])
    return NewEntry(
        question=question,
        answer=answer.answer,
        citations=tuple(stored_citation(c) for c in answer.citations),
    )


def add_questions(
    store: FaqStore,
    set_name: str,
    questions: Iterable[str],
    answerer: DraftAnswerer,
    by: str = "system",
) -> list[FaqEntry]:
    """Draft every question and store the drafts together; questions already in the set, and
    repeats within ``questions``, are skipped."""
    faq_set = store.get_set(set_name)
    language: Language = "en" if faq_set.language == "en" else "nl"
    known = {_key(e.question) for e in store.entries(set_name)}
    drafts = []
    for question in questions:
        question = " ".join(question.split())
        if not question or _key(question) in known:
            continue
        if len(question) > MAX_QUESTION_CHARS:
            raise FaqError(
                f"Question too long ({len(question)} characters, at most "
                f"{MAX_QUESTION_CHARS}): {question[:60]}…"
            )
        known.add(_key(question))
        drafts.append(draft(answerer, question, language))
    if len(drafts) > MAX_QUESTIONS:
        raise FaqError(f"{len(drafts)} questions at once; at most {MAX_QUESTIONS}")
    return store.add_entries(set_name, drafts, by) if drafts else []


def _key(question: str) -> str:
    return " ".join(re.findall(r"\w+", question.lower()))


def read_questions(text: str, filename: str = "") -> list[str]:
    """Questions from a TXT list (one a line; blank lines and ``#`` comments skipped) or a CSV
    file with a header row holding a ``question`` column (``vraag`` is accepted too).

    CSV is assumed for ``*.csv`` names, or without a name when the first line looks like a
    header with a question column.
    """
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0].strip().lower()
    looks_csv = bool(re.match(r'^"?(question|vraag)"?\s*([,;\t]|$)', first)) or bool(
        re.search(r'[,;\t]"?(question|vraag)"?\s*([,;\t]|$)', first)
    )
    if filename.lower().endswith(".csv") or (not filename and looks_csv):
        return _csv_questions(text, filename or "questions.csv")
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _csv_questions(text: str, filename: str) -> list[str]:
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise QuestionListError(
            f"{filename}: the file is empty — the first line must be a "
            "header with a 'question' column"
        ) from None
    except csv.Error as exc:
        raise QuestionListError(f"{filename}: line 1: {exc}") from exc
    names = [h.strip().lower() for h in header]
    column = next((names.index(n) for n in ("question", "vraag") if n in names), None)
    if column is None:
        raise QuestionListError(
            f"{filename}: line 1: no 'question' column in the header ({', '.join(header)}) — "
            "the first line must name the columns, e.g. 'question'"
        )
    questions = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if column >= len(row):
                raise QuestionListError(
                    f"{filename}: line {reader.line_num}: no value in the 'question' column"
                )
            if row[column].strip():
                questions.append(row[column].strip())
    except csv.Error as exc:
        raise QuestionListError(f"{filename}: line {reader.line_num}: {exc}") from exc
    return questions


# --- editing --------------------------------------------------------------------------------


def edit_entry(
    store: FaqStore,
    set_name: str,
    entry_id: int,
    by: str,
    *,
    answer: str | None = None,
    question: str | None = None,
    notes: str | None = None,
) -> FaqEntry:
    """Change the text. Changing the answer or question of an approved entry makes it a draft
    again: only what a trainer approved is served as checked."""
    entry = store.get_entry(set_name, entry_id)
    changes: dict[str, Any] = {}
    if answer is not None and answer != entry.answer:
        changes["answer"] = answer.strip()
    if question is not None and " ".join(question.split()) != entry.question:
        changes["question"] = " ".join(question.split())
    if notes is not None and notes != entry.notes:
        changes["notes"] = notes
    if not changes:
        return entry
    if entry.status == "approved" and ({"answer", "question"} & changes.keys()):
        changes["status"] = "draft"
    return store.update_entry(set_name, entry_id, by=by, action="edit", **changes)


def remove_citation(
    store: FaqStore, set_name: str, entry_id: int, number: int, by: str
) -> FaqEntry:
    """Remove citation ``number`` (1-based, as [n] in the answer); later markers move up."""
    entry = store.get_entry(set_name, entry_id)
    if not 1 <= number <= len(entry.citations):
        raise FaqError(
            f"Entry {entry_id} has {len(entry.citations)} citation(s); there is no "
            f"citation {number}"
        )
    citations = entry.citations[: number - 1] + entry.citations[number:]
    changes: dict[str, Any] = {
        "citations": citations,
        "answer": renumber_markers(entry.answer, number),
    }
    if entry.status == "approved":
        changes["status"] = "draft"
    return store.update_entry(set_name, entry_id, by=by, action="remove_citation", **changes)


def renumber_markers(answer: str, removed: int) -> str:
    """Drop the ``[removed]`` markers from ``answer`` and shift higher numbers down by one."""

    def replace(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n == removed:
            return ""
        return match.group(0).replace(f"[{n}]", f"[{n - 1}]") if n > removed else match.group(0)

    return _MARKER.sub(replace, answer).strip()


def add_citation(
    store: FaqStore,
    index: Index,
    set_name: str,
    entry_id: int,
    chunk_id: str,
    quote: str,
    by: str,
) -> FaqEntry:
    """Cite ``quote`` from passage ``chunk_id`` (checked verbatim against the index)."""
    entry = store.get_entry(set_name, entry_id)
    citation = make_citation(index, chunk_id, quote)
    if any(
        c.chunk_id == citation.chunk_id and c.start == citation.start and c.end == citation.end
        for c in entry.citations
    ):
        raise FaqError("This quote is already cited in the entry")
    changes: dict[str, Any] = {"citations": (*entry.citations, citation)}
    if entry.status == "approved":
        changes["status"] = "draft"
    return store.update_entry(set_name, entry_id, by=by, action="add_citation", **changes)


def approve(
    store: FaqStore, set_name: str, entry_id: int, by: str, index: Index | None = None
) -> FaqEntry:
    """Approve an entry: it needs an answer and at least one citation, and (when ``index`` is
    given) every quote must still be verbatim in its passage."""
    entry = store.get_entry(set_name, entry_id)
    if not entry.citations:
        raise FaqError(
            f"Entry {entry_id} has no citations — add at least one citation before approving"
        )
    if not entry.answer.strip():
        raise FaqError(f"Entry {entry_id} has no answer text — write the answer before approving")
    if index is not None:
        for n, citation in enumerate(entry.citations, 1):
            chunk = index.chunk(citation.chunk_id)
            if chunk is None or chunk.text[citation.start : citation.end] != citation.quote:
                raise FaqError(
                    f"Citation {n} of entry {entry_id} no longer matches the "
                    "documents — remove it and cite the passage again"
                )
    return store.update_entry(
        set_name, entry_id, by=by, action="approve", status="approved", stale=False, stale_reason=""
    )


def unapprove(store: FaqStore, set_name: str, entry_id: int, by: str) -> FaqEntry:
    return store.update_entry(set_name, entry_id, by=by, action="unapprove", status="draft")


# --- suggestions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    question: str
    reason: str  # "heading" or the key word that made the sentence interesting
    chunk_id: str
    sentence: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "question": self.question,
            "reason": self.reason,
            "chunk_id": self.chunk_id,
            "sentence": self.sentence,
        }


_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:%|procent|percent)?")
_KEYWORDS_NL = ("omdat", "belangrijk", "moet", "knelpunt", "aanbeveling", "doordat", "daarom")
_KEYWORDS_EN = ("because", "important", "must", "bottleneck", "recommend", "therefore")
_STOP = frozenset({
    "de", "het", "een", "en", "van", "in", "op", "te", "dat", "die", "is", "zijn", "voor",
    "met", "als", "aan", "bij", "of", "er", "om", "door", "ook", "niet", "naar", "wordt",
    "worden", "werd", "werden", "dan", "tot", "uit", "over", "nog", "wel", "kan", "kunnen",
    "meer", "deze", "dit", "zij", "ze", "hun", "hij", "haar", "we", "wij", "the", "a", "an",
    "and", "on", "to", "that", "are", "for", "with", "as", "at", "by", "or",
    "it", "be", "this", "was", "were", "from", "has", "have", "had", "not", "which", "their",
    "they", "moet", "moeten", "moesten", "ongeveer", "mogen", "zal", "zullen", "omdat",
    "doordat", "daarom", "belangrijk", "must", "because", "important", "therefore",
})  # fmt: skip


def suggest_questions(
    index: Index, doc_id: str, n: int = 10, language: str | None = None
) -> list[Suggestion]:
    """Up to ``n`` questions about document ``doc_id``: one per section heading ("Wat zegt
    <title> over <heading>?") alternating with ones from key sentences (reasons, musts,
    importance, numbers). Deterministic: document order, no randomness."""
    doc = index.documents.get(doc_id)
    if doc is None:
        raise FaqError(f"No document '{doc_id}' — GET /api/documents lists the ids")
    lang = language or doc.language
    english = lang == "en"
    title = _short_title(doc.title)
    chunks = [c for c in index.chunks if c.doc_id == doc_id]
    from_headings: list[Suggestion] = []
    seen_headings: set[str] = set()
    for chunk in chunks:
        heading = chunk.section.split(" > ")[-1].strip() if chunk.section else ""
        heading = re.sub(r"^[\d.]+\s+", "", heading).strip(" :")
        if len(heading) < 4 or heading.lower() in seen_headings:
            continue
        seen_headings.add(heading.lower())
        topic = heading.capitalize() if heading.isupper() else heading
        question = (
            f"What does {title} say about {topic}?"
            if english
            else f"Wat zegt {title} over {_lower_first(topic)}?"
        )
        from_headings.append(Suggestion(question, "heading", chunk.id))
    from_sentences: list[Suggestion] = []
    seen_sentences: set[str] = set()
    for chunk in chunks:
        for sentence in chunk.sentence_texts():
            sentence = " ".join(sentence.split())
            if not 8 <= len(sentence.split()) <= 40 or sentence in seen_sentences:
                continue
            suggestion = _sentence_question(sentence, chunk, title, english)
            if suggestion is not None and suggestion.question not in {
                s.question for s in from_sentences
            }:
                seen_sentences.add(sentence)
                from_sentences.append(suggestion)
    merged: list[Suggestion] = []
    for pair in _interleave(from_headings, from_sentences):
        if pair.question not in {s.question for s in merged}:
            merged.append(pair)
        if len(merged) == n:
            break
    return merged


def _sentence_question(sentence: str, chunk: Chunk, title: str, english: bool) -> Suggestion | None:
    lower = sentence.lower()
    heading = re.sub(r"^[\d.]+\s+", "", chunk.section.split(" > ")[-1]).strip(" :")
    topic = _lower_first(heading) if len(heading) >= 4 else _topic(sentence)
    if not topic:
        return None
    keywords = _KEYWORDS_EN if english else _KEYWORDS_NL
    for keyword in keywords:
        found = re.search(rf"\b{keyword}", lower)
        if not found:
            continue
        before = sentence[: found.start()].strip(" ,;:")
        if keyword in ("omdat", "doordat", "because"):
            judged = re.match(r"(?i)^het is (\w+) dat (.+)$", before)
            if judged:
                question = f"Waarom is het {judged.group(1)} dat {judged.group(2)}?"
            elif len(before.split()) >= 3:
                question = (
                    f"What is the reason that {_lower_first(before)}?"
                    if english
                    else f"Wat is de reden dat {_lower_first(before)}?"
                )
            else:
                continue
        elif keyword in ("moet", "must") and 1 <= len(before.split()) <= 4:
            question = (
                f"What must {_lower_first(before)} do according to {title}?"
                if english
                else f"Wat moet {_lower_first(before)} volgens {title} doen?"
            )
        elif keyword in ("moet", "must"):
            question = (
                f"What must happen regarding {topic}?"
                if english
                else f"Wat moet er gebeuren rond {topic}?"
            )
        elif keyword in ("knelpunt", "bottleneck"):
            question = (
                f"Which bottlenecks does {title} mention about {topic}?"
                if english
                else f"Welke knelpunten noemt {title} rond {topic}?"
            )
        elif keyword in ("aanbeveling", "recommend"):
            question = (
                f"What does {title} recommend about {topic}?"
                if english
                else f"Wat beveelt {title} aan over {topic}?"
            )
        else:
            question = (
                f"What is important about {topic} according to {title}?"
                if english
                else f"Wat is volgens {title} belangrijk bij {topic}?"
            )
        return Suggestion(question, keyword, chunk.id, sentence)
    number = _NUMBER.search(sentence)
    if number and not re.fullmatch(r"(19|20)\d\d", number.group().strip()):
        question = (
            f"What figures does {title} give about {topic}?"
            if english
            else f"Welke cijfers noemt {title} over {topic}?"
        )
        return Suggestion(question, "number", chunk.id, sentence)
    return None


def _topic(sentence: str) -> str:
    """The first two content words of a sentence, as a rough subject."""
    words = [
        w
        for w in re.findall(r"[A-Za-zÀ-ÿ][\w-]*", sentence)
        if w.lower() not in _STOP and len(w) > 3
    ]
    return " ".join(_lower_first(w) if not w.isupper() else w for w in words[:2])


def _short_title(title: str) -> str:
    title = " ".join(title.split())
    if len(title) <= 60:
        return title
    cut = title[:60].rsplit(" ", 1)[0]
    return f"{cut}…"


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[1].isupper():  # an acronym: JIM, SAVE
        return text
    return text[:1].lower() + text[1:]


def _interleave(first: Sequence[Suggestion], second: Sequence[Suggestion]) -> list[Suggestion]:
    out: list[Suggestion] = []
    for i in range(max(len(first), len(second))):
        if i < len(first):
            out.append(first[i])
        if i < len(second):
            out.append(second[i])
    return out
