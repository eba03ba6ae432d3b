"""Follow-up questions made standalone, without an LLM: carry the previous turn's key terms.

"Wie heeft de regie als SAVE betrokken is?" then "en in de eindfase?" becomes
"en in de eindfase? (regie SAVE betrokken)". The carried terms are in the language of the
follow-up: a Dutch follow-up to an English question carries the Dutch glossary terms of its
English words, an English one carries the English of the Dutch terms, and names go as they are.
A follow-up that points back ("wat doet die dan?") also carries the names and key terms of the
previous answer's first quote.

Nothing grows with the conversation: at most ``MAX_CARRIED`` terms are carried, the
standalone question is never longer than ``MAX_QUESTION_CHARS``, and the store keeps a few
capped turns per conversation.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from bm25s.stopwords import STOPWORDS_EN_PLUS

from ingest.lexical import DutchAnalyzer, LexicalIndex
from service.answering.gloss import DutchTerms
from service.answering.model import MAX_QUESTION_CHARS, Answer, Language

MAX_CARRIED = 8  # terms carried into a follow-up
MAX_ANSWER_TERMS = 4  # names and key terms kept of an answer's first quote
MAX_ANSWER_CHARS = 500  # kept of an answer, for the LLM rewriting a follow-up
MAX_QUOTED = 8  # quoted sentences kept of an answer

_FOLLOW_UP_START = re.compile(
    r"^(en|maar|of|ook|dus|wat als|en als|hoe zit het|en wat|and|but|also|what about|how about|"
    r"and what|and in|what if)\b",
    re.IGNORECASE,
)
_REFERS_BACK = re.compile(
    r"\b(dat|die|dit|deze|daar|daarvan|daarbij|hun|zij|hij|ze|het|it|they|them|this|that|"
    r"those|there|their|he|she|his|her)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w@-]+", re.UNICODE)
_ENGLISH_STOPWORDS = frozenset(STOPWORDS_EN_PLUS) | {"who", "whom", "whose", "which", "when"}


@dataclass(frozen=True)
class Turn:
    """What a follow-up may refer back to, all of it capped."""

    question: str  # as asked
    standalone: str  # as answered
    language: Language
    answer_terms: tuple[str, ...] = ()  # names and key terms of the answer's first quote
    answer: str = ""  # the start of the answer, for the LLM rewriting a follow-up
    # the sentences the answer quoted (chunk id, start, end): a follow-up leads with another
    quoted: tuple[tuple[str, int, int], ...] = ()


def is_follow_up(question: str) -> bool:
    words = _WORD.findall(question)
    if not words:
        return False
    if _FOLLOW_UP_START.match(question.strip()):
        return True
    return len(words) <= 4 and bool(_REFERS_BACK.search(question))


def refers_back(question: str) -> bool:
    """Whether ``question`` points at something by a pronoun ("wat doet die dan?"), which is
    then likely named in the previous answer ("het" is left out: mostly an article)."""
    return any(m.group(0).lower() != "het" for m in _REFERS_BACK.finditer(question))


def cap(text: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """``text`` cut to ``limit`` characters, at a word boundary when there is one."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return cut[:space].rstrip() if space > limit // 2 else cut


def names(text: str) -> list[str]:
    """The names and numbers in ``text``, the same in both languages: "SAVE", "Lokalis",
    "2018" (a capitalised word only when it doesn't start a sentence)."""
    found = []
    end = 0
    previous = ""  # the last non-space character before the word
    for match in _WORD.finditer(text):
        word = match.group(0)
        gap = text[end : match.start()].strip()
        previous = gap[-1] if gap else previous
        end = match.end()
        starts_sentence = not previous or previous in ".!?:(\"'“‘"
        previous = word[-1]
        if (
            any(c.isdigit() for c in word)
            or (word.isupper() and len(word) >= 2)
            or (word[:1].isupper() and len(word) > 2 and not starts_sentence)
        ) and word.lower() not in _ENGLISH_STOPWORDS:
            found.append(word)
    return found


class FollowUps:
    """Rewrites follow-ups as standalone questions with one index's analyzer and glossary."""

    def __init__(
        self,
        lexical: LexicalIndex,
        terms: DutchTerms,
        limit: int = MAX_QUESTION_CHARS,
        max_carried: int = MAX_CARRIED,
    ) -> None:
        self.analyzer: DutchAnalyzer = lexical.analyzer
        self.terms = terms
        self.limit = limit
        self.max_carried = max_carried

    def standalone(self, question: str, language: Language, previous: Turn | None) -> str:
        """``question`` as it stands (capped), or with the previous turn's key terms added, in
        ``language``, when it follows up."""
        question = cap(question.strip(), self.limit)
        if previous is None or not is_follow_up(question):
            return question
        own = set(self.analyzer.tokens(question)) | {w.lower() for w in _WORD.findall(question)}
        carried: list[str] = []
        candidates = self._carry(previous.standalone, previous.language, language)
        if refers_back(question):
            candidates += self._answer_terms(previous.answer_terms, language)
        for term in candidates:
            if len(carried) == self.max_carried:
                break
            stems = set(self.analyzer.tokens(term))
            if not stems or stems & own or term.lower() in own:
                continue
            if term.lower() not in {c.lower() for c in carried}:
                carried.append(term)
                own |= stems
        while carried and len(question) + len(" ".join(carried)) + 3 > self.limit:
            carried.pop()
        return f"{question} ({' '.join(carried)})" if carried else question

    def _carry(self, text: str, source: Language, target: Language) -> list[str]:
        """The key terms of ``text`` (in ``source``) as ``target`` words."""
        if source == target == "nl":
            return [w for w in _WORD.findall(text) if self.analyzer.tokens(w)]
        if source == target:  # English: its glossary phrases and names, not every word
            phrases, _ = self.terms.glossary.matches(text)
            kept = {p for p, _ in phrases if p not in _ENGLISH_STOPWORDS}
            return _in_order(text, kept) + names(text)
        if target == "nl":  # English → Dutch: the glossary's Dutch terms, names as they are
            phrases, rest = self.terms.glossary.matches(text)
            dutch = [terms[0] for phrase, terms in phrases if phrase not in _ENGLISH_STOPWORDS]
            uncovered = {w.lower() for w in rest}
            return dutch + [w for w in names(text) if w.lower() in uncovered]
        carried: list[str] = []  # Dutch → English: the English of glossary terms, and names
        kept = set(names(text))
        for word in _WORD.findall(text):
            english = self.terms.to_english(word)
            if english is not None:
                carried.append(english)
            elif word in kept:
                carried.append(word)
        return carried

    def _answer_terms(self, terms: tuple[str, ...], target: Language) -> list[str]:
        if target == "nl":
            return list(terms)
        # the answer's terms are glossary terms (lower case) or names (kept as they are)
        return [self.terms.to_english(t) or (t if t != t.lower() else "") for t in terms if t]

    def answer_terms(self, answer: Answer) -> tuple[str, ...]:
        """Names and glossary terms of the answer's first quote, which a later "die" or "it"
        may point at (always Dutch: quotes are verbatim)."""
        if answer.refused or not answer.citations:
            return ()
        quote = cap(answer.citations[0].quote, self.limit)
        named = [w for w in names(quote) if not any(c.isdigit() for c in w)]
        found = list(dict.fromkeys(self.terms.found_in(quote) + named))
        return tuple(found[:MAX_ANSWER_TERMS])


def _in_order(text: str, phrases: set[str]) -> list[str]:
    """``phrases`` in the order they appear in ``text``."""
    lower = text.lower()
    return sorted(phrases, key=lambda p: lower.find(p))


class ConversationStore:
    """The last turns of recent conversations, in memory and bounded in count and size."""

    def __init__(self, max_conversations: int = 5000, max_turns: int = 1) -> None:
        self._turns: OrderedDict[str, list[Turn]] = OrderedDict()
        self._max_conversations = max_conversations
        self._max_turns = max_turns
        self._lock = threading.Lock()

    def new_id(self) -> str:
        return uuid.uuid4().hex

    def last_turn(self, conversation_id: str) -> Turn | None:
        with self._lock:
            turns = self._turns.get(conversation_id)
            return turns[-1] if turns else None

    def add(self, conversation_id: str, turn: Turn) -> None:
        turn = Turn(
            cap(turn.question),
            cap(turn.standalone),
            turn.language,
            tuple(cap(t, 100) for t in turn.answer_terms[:MAX_ANSWER_TERMS]),
            cap(turn.answer, MAX_ANSWER_CHARS),
            turn.quoted[:MAX_QUOTED],
        )
        with self._lock:
            turns = self._turns.setdefault(conversation_id, [])
            self._turns.move_to_end(conversation_id)
            turns.append(turn)
            del turns[: -self._max_turns]
            while len(self._turns) > self._max_conversations:
                self._turns.popitem(last=False)
