"""Follow-up questions made standalone, without an LLM: carry the previous question's key terms."""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict

from ingest.lexical import DutchAnalyzer

_FOLLOW_UP_START = re.compile(
    r"^(en|maar|of|ook|dus|wat als|en als|hoe zit het|en wat|and|but|also|what about|how about|"
    r"and what|and in|what if)\b",
    re.IGNORECASE,
)
_REFERS_BACK = re.compile(
    r"\b(dat|die|dit|deze|daar|daarvan|daarbij|hun|zij|hij|ze|het|it|they|them|this|that|"
    r"those|there|their)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w@-]+", re.UNICODE)


def is_follow_up(question: str) -> bool:
    words = _WORD.findall(question)
    if not words:
        return False
    if _FOLLOW_UP_START.match(question.strip()):
        return True
    return len(words) <= 4 and bool(_REFERS_BACK.search(question))


def standalone_question(question: str, previous: str | None, analyzer: DutchAnalyzer) -> str:
    """``question`` as it stands, or with the key terms of ``previous`` added when it follows up.

    "Wie heeft de regie als SAVE betrokken is?" then "en in de eindfase?" becomes
    "en in de eindfase? (regie SAVE betrokken)".
    """
    if not previous or not is_follow_up(question):
        return question
    own = set(analyzer.tokens(question))
    carried: list[str] = []
    for word in _WORD.findall(previous):
        stems = analyzer.tokens(word)
        if stems and not own.intersection(stems) and word not in carried:
            carried.append(word)
    return f"{question} ({' '.join(carried)})" if carried else question


class ConversationStore:
    """The standalone questions of recent conversations, in memory and bounded."""

    def __init__(self, max_conversations: int = 5000, max_turns: int = 20) -> None:
        self._turns: OrderedDict[str, list[str]] = OrderedDict()
        self._max_conversations = max_conversations
        self._max_turns = max_turns
        self._lock = threading.Lock()

    def new_id(self) -> str:
        return uuid.uuid4().hex

    def last_question(self, conversation_id: str) -> str | None:
        with self._lock:
            turns = self._turns.get(conversation_id)
            return turns[-1] if turns else None

    def add(self, conversation_id: str, standalone: str) -> None:
        with self._lock:
            turns = self._turns.setdefault(conversation_id, [])
            self._turns.move_to_end(conversation_id)
            turns.append(standalone)
            del turns[: -self._max_turns]
            while len(self._turns) > self._max_conversations:
                self._turns.popitem(last=False)
