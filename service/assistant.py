"""The question-answering flow every front end uses: conversation → answerer → answer.

Follow-ups become standalone questions; the LLM answers when one is configured and
reachable, the extractive answerer otherwise (and always as the fallback).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from ingest.language import detect_language
from service.answering.conversation import ConversationStore, standalone_question
from service.answering.extractive import AnswerConfig, ExtractiveAnswerer
from service.answering.model import Answer, Language
from service.answering.refusal import RefusalModel
from service.engine import Engine

logger = logging.getLogger(__name__)


class Answerer(Protocol):
    """Anything that answers a standalone question (the LLM answerer, the FAQ lookup)."""

    def answer(self, question: str, language: Language | None = None) -> Answer | None: ...


class Condenser(Protocol):
    """Rewrites a follow-up as a standalone question (the LLM); None when it can't."""

    def condense(self, history: Sequence[str], question: str) -> str | None: ...


@dataclass
class Assistant:
    engine: Engine
    answer_config: AnswerConfig = field(default_factory=AnswerConfig)
    conversations: ConversationStore = field(default_factory=ConversationStore)
    before: list[Answerer] = field(default_factory=list)  # tried in order before extraction
    condenser: Condenser | None = None  # the LLM rewrites follow-ups when configured
    refusal: RefusalModel | None = None  # None: the calibrated model bundled with the package
    stream_pace_seconds: float = 0.012

    def extractive(self) -> ExtractiveAnswerer:
        # Built per call from the engine's current retriever, so an index swap applies at once.
        return ExtractiveAnswerer(self.engine.retriever, self.answer_config, self.refusal)

    def ask(self, question: str, conversation_id: str | None = None) -> tuple[Answer, str]:
        question = question.strip()
        conversation_id, standalone, language = self._prepare(question, conversation_id)
        answer = None
        for answerer in self.before:
            answer = _try(answerer, standalone, language)
            if answer is not None:
                break
        if answer is None:
            answer = self.extractive().answer(standalone, language)
        return self._finish(answer, question, standalone, conversation_id), conversation_id

    def _prepare(self, question: str, conversation_id: str | None) -> tuple[str, str, Language]:
        conversation_id = conversation_id or self.conversations.new_id()
        previous = self.conversations.last_question(conversation_id)
        standalone = None
        if previous and self.condenser is not None:
            standalone = self.condenser.condense([previous], question)
        if standalone is None:
            analyzer = self.engine.index.lexical.analyzer
            standalone = standalone_question(question, previous, analyzer)
        return conversation_id, standalone, detect_language(question)

    def _finish(
        self, answer: Answer, question: str, standalone: str, conversation_id: str
    ) -> Answer:
        if standalone != question:
            answer = _with_standalone(answer, standalone)
        self.conversations.add(conversation_id, standalone)
        return answer

    def stream(
        self, question: str, conversation_id: str | None = None
    ) -> Iterator[dict[str, object]]:
        """Events for server-sent streaming: text pieces, then the citations and the rest.

        An answerer with ``stream`` (the LLM) sends its tokens live; its final answer (verified,
        so possibly different text, or the extractive fallback) comes in ``done``, whose
        ``answer`` text replaces what was streamed.
        """
        question = question.strip()
        conversation_id, standalone, language = self._prepare(question, conversation_id)
        answer: Answer | None = None
        started = streamed = False
        for answerer in self.before:
            streamer = getattr(answerer, "stream", None)
            if streamer is None:
                answer = _try(answerer, standalone, language)
            else:
                if not started:  # refused is not known yet: `done` carries the final value
                    yield {
                        "event": "start",
                        "conversation_id": conversation_id,
                        "language": language,
                        "refused": False,
                    }
                    started = True
                try:
                    for event in streamer(standalone, language):
                        if event["event"] == "token":
                            streamed = True
                            yield {"event": "token", "text": event["text"]}
                        elif event["event"] == "answer":
                            answer = event["answer"]
                except Exception:
                    logger.exception("%s failed; falling back", type(answerer).__name__)
                    answer = None
            if answer is not None:
                break
        if answer is None:
            answer = self.extractive().answer(standalone, language)
        answer = self._finish(answer, question, standalone, conversation_id)
        if not started:
            yield {
                "event": "start",
                "conversation_id": conversation_id,
                "language": answer.language,
                "refused": answer.refused,
            }
        if not streamed:
            for n, piece in enumerate(_pieces(answer.answer)):
                if n:
                    # An extracted answer is complete at once; a short pause between pieces
                    # lets it arrive the way people read it instead of as one block.
                    time.sleep(self.stream_pace_seconds)
                yield {"event": "token", "text": piece}
        yield {"event": "done", **answer.to_json(conversation_id)}


def _try(answerer: Answerer, question: str, language: Language) -> Answer | None:
    try:
        return answerer.answer(question, language)
    except Exception:  # an optional answerer failing must not fail the question
        logger.exception("%s failed; falling back", type(answerer).__name__)
        return None


def build_assistant(engine: Engine) -> Assistant:
    """The assistant as configured: the LLM first when an endpoint is set, FAQ answers first."""
    from service.faq.matcher import faq_answerer_for

    before: list[Answerer] = [faq_answerer_for(engine)]  # a checked answer beats a new one
    condenser: Condenser | None = None
    settings = engine.settings
    if settings.llm_base_url and settings.llm_model:
        try:
            from service.answering.llm import LLMAnswerer

            llm = LLMAnswerer(lambda: engine.retriever, settings)
        except ImportError:
            logger.warning(
                "LLM endpoint configured but langchain-openai is not installed "
                "(pip install 'vraagbaak[llm]'); answering extractively"
            )
        else:
            before.append(llm)
            condenser = llm
            logger.info("LLM answers via %s (model %s)", settings.llm_base_url, settings.llm_model)
    elif settings.llm_base_url:
        logger.warning(
            "VRAAGBAAK_LLM_BASE_URL is set but VRAAGBAAK_LLM_MODEL is not; answering extractively"
        )
    return Assistant(
        engine,
        answer_config=AnswerConfig.from_settings(settings),
        before=before,
        condenser=condenser,
    )


def _with_standalone(answer: Answer, standalone: str) -> Answer:
    return replace(answer, standalone_question=standalone)


def _pieces(text: str, size: int = 3) -> Iterator[str]:
    words = text.split(" ")
    for i in range(0, len(words), size):
        yield " ".join(words[i : i + size]) + (" " if i + size < len(words) else "")
