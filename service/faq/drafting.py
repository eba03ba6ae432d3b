"""Drafting and editing FAQ entries.

A new question is answered by the extractive answerer (the same one ``/api/ask`` falls back
to), and its quotes become the draft's citations; a trainer then edits the text, removes or adds
citations and approves. Question lists come from TXT (one per line) or CSV (a ``question``
column). ``suggest_questions`` proposes questions for one document from its own statements,
in the forms professionals ask (wie, wat, wanneer, hoeveel, hoe lang, waarom) — simple rules,
same output for the same document.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
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
        page=chunk.page_at(start),
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


# A count of something: a number (or number word) and the noun after it.
_COUNT = re.compile(
    r"\b(\d+(?:[.,]\d+)?|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|twintig|"
    r"honderd|two|three|four|five|six|seven|eight|nine|eleven|twelve|twenty|hundred)"
    r"\s+(?P<unit>[a-zà-ÿ][\w-]{2,})",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:%|procent\b|percent\b)")
_TIME_UNITS = frozenset({
    "dagen", "dag", "weken", "week", "maanden", "maand", "jaar", "jaren", "uur", "uren",
    "days", "day", "weeks", "months", "month", "years", "year", "hours",
})  # fmt: skip
# Verbs after which a duration is the predicate: "De wachttijd was twee weken."
_DURATION_VERBS = frozenset({
    "is", "was", "zijn", "waren", "duurt", "duurde", "duren", "duurden", "bedraagt", "bedroeg",
    "are", "were", "takes", "took", "lasts", "lasted",
})  # fmt: skip
# Words that open a fronted phrase, after which a Dutch main clause puts its verb before the
# subject: "In 2018 kozen 45 jongeren …".
_FRONTED = frozenset({
    "in", "op", "bij", "na", "voor", "tijdens", "sinds", "vanaf", "daarna", "daarnaast", "toen",
    "vervolgens", "uiteindelijk", "inmiddels", "dit", "dat", "vorig", "afgelopen",
})  # fmt: skip
_MUST = {"moet": "Wie moet", "moeten": "Wie moeten", "must": "Who must", "should": "Who should"}
_COPULA = frozenset({"is", "zijn", "was", "waren", "are", "were"})
_ARTICLES = frozenset({"de", "het", "een", "the", "a", "an"})
_INDEFINITE = frozenset({"een", "a", "an"})
_CONDITION = re.compile(r"\s(?:als|wanneer|indien|if|when)\s", re.IGNORECASE)
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
    """Up to ``n`` questions about document ``doc_id``, each made from one of its own
    statements in the forms professionals ask: wie/who (a named actor or an obligation),
    wat/what (a definition), wanneer/when (a condition), hoeveel/how many and hoe lang/how
    long (a count or a duration), waarom/why (a reason), with the statement's own terms.
    Deterministic: document order, no randomness; one question per statement."""
    doc = index.documents.get(doc_id)
    if doc is None:
        raise FaqError(f"No document '{doc_id}' — GET /api/documents lists the ids")
    english = (language or doc.language) == "en"
    out: list[Suggestion] = []
    seen: set[str] = set()
    for chunk in (c for c in index.chunks if c.doc_id == doc_id):
        for sentence in chunk.sentence_texts():
            sentence = " ".join(sentence.split())
            if not 6 <= len(sentence.split()) <= 40 or not sentence.endswith("."):
                continue
            suggestion = _sentence_question(sentence, chunk, english)
            if suggestion is None or suggestion.question.lower() in seen:
                continue
            seen.add(suggestion.question.lower())
            out.append(suggestion)
            if len(out) == n:
                return out
    return out


def _sentence_question(sentence: str, chunk: Chunk, english: bool) -> Suggestion | None:
    """The question a statement answers, or None when no rule fits it."""
    body = sentence.rstrip(".").strip()
    words = body.split()
    for rule in (_count_question, _who_question, _what_question, _when_question):
        made = rule(body, words, english)
        if made is not None:
            question, reason = made
            return Suggestion(_tidy(question), reason, chunk.id, sentence)
    made = _keyword_question(body, english)
    if made is not None:
        return Suggestion(_tidy(made[0]), made[1], chunk.id, sentence)
    return None


def _count_question(body: str, words: list[str], english: bool) -> tuple[str, str] | None:
    """ "45 jongeren kozen een JIM" and "In 2018 kozen 45 jongeren een JIM" → "Hoeveel jongeren
    kozen (in 2018) een JIM?"; a duration → "Hoe lang …"."""
    for match in _COUNT.finditer(body):
        unit = match.group("unit")
        if unit.lower() in _STOP or re.fullmatch(r"(19|20)\d\d", match.group(1)):
            continue
        if not re.search(r"(en|s|'s|ers)$", unit.lower()):  # a count is of a plural noun
            continue
        before = body[: match.start()].split()
        after = body[match.end() :].strip()
        if unit.lower() in _TIME_UNITS:
            if not 2 <= len(before) <= 10 or before[-1].lower() not in _DURATION_VERBS:
                continue
            lead = "How long" if english else "Hoe lang"
            subject = _lower_first(" ".join(before[:-1]))
            return f"{lead} {before[-1].lower()} {subject}?", "duration"
        lead = "How many" if english else "Hoeveel"
        if not before:
            return f"{lead} {unit} {after}?", "number"
        # Inverted, "In 2018 kozen 45 jongeren …": a verb (no article before it) before the count.
        if (
            not english
            and 2 <= len(before) <= 4
            and before[0].lower() in _FRONTED
            and before[-1].islower()
            and before[-1] not in _STOP
            and before[-2].lower() not in _ARTICLES
        ):
            verb, front = before[-1], _lower_first(" ".join(before[:-1]))
            return f"{lead} {unit} {verb} {front} {after}?", "number"
    return None


def _who_question(body: str, words: list[str], english: bool) -> tuple[str, str] | None:
    """A statement that opens with a name ("SAVE MN was regiehouder …") or an obligation of
    a short subject ("De gemeente moet …") → "Wie …?"."""
    for position, word in enumerate(words[:5]):
        subject = words[:position]
        named = (len(subject) >= 2 and subject[0].lower() in _ARTICLES) or _is_name(subject)
        if word.lower() in _MUST and named:
            rest = " ".join(words[position + 1 :])
            return f"{_MUST[word.lower()]} {rest}?", "wie"
    name = 0
    while name < min(len(words), 4) and (
        (words[name].isupper() and len(words[name]) > 1) or (name > 0 and words[name][:1].isupper())
    ):
        name += 1
    if (
        _is_name(words[:name])
        and len(words) > name + 3
        and words[name].islower()
        and words[name] not in _STOP
        and not _CONDITION.search(body)
    ):
        lead = "Who" if english else "Wie"
        return f"{lead} {' '.join(words[name:])}?", "wie"
    return None


def _is_name(words: list[str]) -> bool:
    """An actor's name opening a statement, by its form: an acronym first ("SAVE MN"). A
    capitalised first word alone ("Lokalis", but also "In", "Zo") can't be told from any other
    sentence start, so it is not taken for a name."""
    return bool(words) and words[0].isupper() and len(words[0]) > 1


def _what_question(body: str, words: list[str], english: bool) -> tuple[str, str] | None:
    """A definition, "De JIM is een vertrouwde volwassene …" → "Wat is de JIM?"."""
    for position in range(1, min(len(words) - 2, 5)):
        # "X is een …": an indefinite article after the verb makes it a definition.
        if words[position].lower() in _COPULA and words[position + 1].lower() in _INDEFINITE:
            subject = words[:position]
            if len(subject) > 3 or any(re.match(r"(?i)(hier|daar)", w) for w in subject):
                return None
            if subject[0].lower() not in _ARTICLES and not subject[0].isupper():
                return None
            if not [w for w in subject if w.lower() not in _STOP]:  # "Het is een …"
                return None
            lead = ("What" if english else "Wat") + " " + words[position].lower()
            return f"{lead} {_lower_first(' '.join(subject))}?", "wat"
    return None


def _when_question(body: str, words: list[str], english: bool) -> tuple[str, str] | None:
    """ "SAVE MN was regiehouder als zij al bij aanvang … betrokken waren" → "Wanneer was SAVE MN
    regiehouder?": the main clause inverted, the condition being what is asked."""
    found = _CONDITION.search(body)
    if found is None:
        return None
    main = body[: found.start()].split()
    name = 0
    while name < min(len(main), 4) and (
        (main[name].isupper() and len(main[name]) > 1) or main[name][:1].isupper()
    ):
        name += 1
    if not _is_name(main[:name]) or len(main) < name + 2 or not main[name].islower():
        return None
    subject, verb, rest = " ".join(main[:name]), main[name], " ".join(main[name + 1 :])
    lead = "When" if english else "Wanneer"
    return f"{lead} {verb} {subject} {rest}?", "wanneer"


def _keyword_question(body: str, english: bool) -> tuple[str, str] | None:
    """A judged reason, "Het is belangrijk dat X, omdat …" → "Waarom is het belangrijk dat
    X?"; a share, "(Ongeveer) 23% van de trajecten werd …" → "Hoeveel procent van de
    trajecten werd …?"."""
    lower = body.lower()
    for keyword in ("omdat", "doordat", "because"):
        found = re.search(rf"\b{keyword}\b", lower)
        if not found:
            continue
        before = body[: found.start()].strip(" ,;:")
        judged = re.match(r"(?i)^(?:het is|it is) (\w+) (?:dat|that) (.+)$", before)
        if judged:
            lead = "Why is it" if english else "Waarom is het"
            link = "that" if english else "dat"
            return f"{lead} {judged.group(1)} {link} {judged.group(2)}?", keyword
    percent = _PERCENT.search(body)
    if percent and len(body[: percent.start()].split()) <= 1:
        after = body[percent.end() :].strip()
        if len(after.split()) >= 3 and after.lower().startswith(("van ", "of ")):
            lead = "What percentage" if english else "Hoeveel procent"
            return f"{lead} {after}?", "number"
    return None


def _tidy(question: str) -> str:
    question = " ".join(question.replace(" ,", ",").split())
    return question[:1].upper() + question[1:]


def _topic(sentence: str) -> str:
    """The first two content words of a sentence, as a rough subject."""
    words = [
        w
        for w in re.findall(r"[A-Za-zÀ-ÿ][\w-]*", sentence)
        if w.lower() not in _STOP and len(w) > 3
    ]
    return " ".join(_lower_first(w) if not w.isupper() else w for w in words[:2])


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[1].isupper():  # an acronym: JIM, SAVE
        return text
    return text[:1].lower() + text[1:]
