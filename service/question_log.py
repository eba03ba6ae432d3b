"""The questions asked, kept only when enabled (VRAAGBAAK_STORE_QUESTIONS) and redacted first."""

from __future__ import annotations

import logging
from typing import Any

from service.security.redaction import redact
from service.storage import (
    CONVERSATION_ID_PATTERN,
    RetainedTable,
    StorageFullError,
    stored_id,
)

logger = logging.getLogger(__name__)

COLUMNS = ("question", "language", "refused", "mode", "conversation_id")


class QuestionLog(RetainedTable):
    table = "questions"

    def add(
        self, question: str, language: str, refused: bool, mode: str, conversation_id: str | None
    ) -> None:
        row = (
            redact(question),
            language,
            int(refused),
            mode,
            stored_id(conversation_id, CONVERSATION_ID_PATTERN),
        )
        try:
            self._insert(COLUMNS, row)
        except StorageFullError as error:  # the answer matters more than its log line
            logger.warning("%s", error)

    def all(self) -> list[dict[str, Any]]:
        return self._rows(COLUMNS)
