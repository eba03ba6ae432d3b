"""Request and response bodies; validation messages say what to fix."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.answering.model import MAX_QUESTION_CHARS
from service.storage import CHUNK_ID_PATTERN, CONVERSATION_ID_PATTERN

MAX_K = 50


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SearchRequest(_Request):
    query: str = Field(
        ...,
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="What to look for, in Dutch or English",
    )
    k: int = Field(5, ge=1, le=MAX_K, description=f"Number of passages, 1 to {MAX_K}")


class AskRequest(_Request):
    question: str = Field(
        ...,
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="The question, in Dutch or English",
    )
    conversation_id: str | None = Field(
        None,
        pattern=CONVERSATION_ID_PATTERN,
        description="Continue a conversation: the id a previous answer returned",
    )


class FeedbackRequest(_Request):
    rating: Literal["up", "down"]
    question: str = Field(..., min_length=1, max_length=MAX_QUESTION_CHARS)
    answer: str = Field("", max_length=20_000)
    comment: str = Field("", max_length=2000)
    conversation_id: str | None = Field(None, pattern=CONVERSATION_ID_PATTERN)
    chunk_ids: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("chunk_ids")
    @classmethod
    def _passage_ids(cls, ids: list[str]) -> list[str]:
        for chunk_id in ids:
            if not re.fullmatch(CHUNK_ID_PATTERN, chunk_id):
                raise ValueError(
                    "each chunk id must be a passage id from an answer's citations "
                    "(like 'doc:0001:1a2b3c4d')"
                )
        return ids


class SearchResult(BaseModel):
    chunk_id: str
    text: str
    score: float
    source: str
    doc_id: str
    title: str
    section: str | None
    page: int | None
    page_end: int | None
    start: int
    end: int


class SearchResponse(BaseModel):
    results: list[SearchResult]


class CitationOut(BaseModel):
    n: int
    chunk_id: str
    source: str
    title: str
    section: str | None
    page: int | None
    text: str
    quote: str
    start: int
    end: int
    score: float
    ocr: bool = False


class GlossOut(BaseModel):
    term: str
    english: str


class AskResponse(BaseModel):
    answer: str
    refused: bool
    language: Literal["nl", "en"]
    conversation_id: str
    citations: list[CitationOut]
    related: list[CitationOut]
    standalone_question: str
    mode: str
    confidence: float
    notes: list[str]
    gloss: list[GlossOut] = Field(description="English answers: key Dutch terms in English")
    checked_on: str | None = Field(description="Curated answers: the day a trainer approved it")


class FeedbackResponse(BaseModel):
    id: int | None
    stored: bool
