"""Feedback on answers (thumbs up/down and a comment), redacted before it is stored."""

from __future__ import annotations

import json
from typing import Any

from service.security.redaction import redact
from service.storage import (
    CHUNK_ID_PATTERN,
    CONVERSATION_ID_PATTERN,
    RetainedTable,
    stored_id,
)

COLUMNS = ("rating", "question", "answer", "comment", "conversation_id", "chunk_ids")


class FeedbackStore(RetainedTable):
    table = "feedback"

    def add(
        self,
        rating: str,
        question: str,
        answer: str,
        comment: str,
        conversation_id: str | None,
        chunk_ids: list[str],
    ) -> int:
        return self._insert(
            COLUMNS,
            (
                rating,
                redact(question),
                redact(answer),
                redact(comment),
                stored_id(conversation_id, CONVERSATION_ID_PATTERN),
                json.dumps([stored_id(c, CHUNK_ID_PATTERN) for c in chunk_ids]),
            ),
        )

    def all(self) -> list[dict[str, Any]]:
        return [row | {"chunk_ids": json.loads(row["chunk_ids"])} for row in self._rows(COLUMNS)]
