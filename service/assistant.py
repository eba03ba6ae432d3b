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

from bm25s.stopwords import STOPWORDS_EN_PLUS

from ingest.language import detect_language
from service.answering.conversation import ConversationStore, FollowUps, Turn, cap, is_follow_up
from service.answering.extractive import AnswerConfig, ExtractiveAnswerer
from service.answering.gloss import DutchTerms
from service.answering.messages import KEY_TERMS, QUOTED_FROM_DUTCH
from service.answering.model import Answer, Gloss, Language
from service.answering.refusal import RefusalModel
from service.engine import Engine
from service.glossary import Glossary

logger = logging.getLogger(__name__)

_ENGLISH_STOPWORDS = frozenset(STOPWORDS_EN_PLUS)


class Answerer(Protocol):
    """Anything that answers a standalone question (the LLM answerer, the FAQ lookup)."""

    def answer(self, question: str, language: Language | None = None) -> Answer | None: ...


class Condenser(Protocol):
    """Rewrites a follow-up as a standalone question in ``language`` (the LLM), from the
    previous turn's question and answer; None when it can't."""

    def condense(
        self,
        history: Sequence[str],
        question: str,
        answer: str = "",
        language: Language | None = None,
    ) -> str | None: ...


@dataclass
class Assistant:
    engine: Engine
    answer_config: AnswerConfig = field(default_factory=AnswerConfig)
    conversations: ConversationStore = field(default_factory=ConversationStore)
    before: list[Answerer] = field(default_factory=list)  # tried in order before extraction
    condenser: Condenser | None = None  # the LLM rewrites follow-ups when configured
    refusal: RefusalModel | None = None  # None: the calibrated model bundled with the package
    stream_pace_seconds: float = 0.012
    _terms: DutchTerms | None = field(default=None, init=False, repr=False)

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
            previous = self.conversations.last_turn(conversation_id)
            seen = previous.quoted if previous and is_follow_up(question) else ()
            answer = self.extractive().answer(standalone, language, seen)
        return self._finish(answer, question, standalone, conversation_id), conversation_id

    def dutch_terms(self) -> DutchTerms:
        """The glossary read backwards, built once per glossary (it compiles a pattern)."""
        glossary: Glossary = self.engine.retriever.glossary
        if self._terms is None or self._terms.glossary is not glossary:
            self._terms = DutchTerms(glossary)
        return self._terms

    def follow_ups(self) -> FollowUps:
        return FollowUps(self.engine.index.lexical, self.dutch_terms())

    def _prepare(self, question: str, conversation_id: str | None) -> tuple[str, str, Language]:
        """The conversation, the standalone question (never longer than a question may be)
        and the question's language, which is the conversation's from here on."""
        question = cap(question)
        conversation_id = conversation_id or self.conversations.new_id()
        previous = self.conversations.last_turn(conversation_id)
        language = detect_language(question)
        standalone = None
        if previous is not None and self.condenser is not None:
            standalone = self.condenser.condense(
                [previous.standalone], question, previous.answer, language
            )
        if standalone is None:
            standalone = self.follow_ups().standalone(question, language, previous)
        return conversation_id, cap(standalone), language

    def _finish(
        self, answer: Answer, question: str, standalone: str, conversation_id: str
    ) -> Answer:
        question = cap(question)
        shown = standalone if self._differs(standalone, question) else question
        if answer.standalone_question != shown:
            answer = replace(answer, standalone_question=shown)
        answer = self._for_reader(answer, standalone)
        self.conversations.add(
            conversation_id,
            Turn(
                question,
                standalone,
                answer.language,
                self.follow_ups().answer_terms(answer),
                "" if answer.refused else answer.answer,
                tuple((c.chunk_id, c.start, c.end) for c in answer.citations),
            ),
        )
        return answer

    def _differs(self, standalone: str, question: str) -> bool:
        """Whether the rewritten question says more than the question (not only other case,
        punctuation or function words): only then is it shown."""
        if standalone == question:
            return False
        analyzer = self.engine.index.lexical.analyzer
        words = [set(analyzer.tokens(text)) - _ENGLISH_STOPWORDS for text in (standalone, question)]
        return words[0] != words[1]

    def _for_reader(self, answer: Answer, question: str) -> Answer:
        """An English answer quoting Dutch documents says so, and glosses its key Dutch terms
        with their English from the glossary (the words of the standalone ``question`` first);
        quotes and citations stay as they are."""
        if answer.language != "en" or answer.refused or answer.mode == "curated":
            return answer
        if not any(self._dutch(c.chunk_id) for c in answer.citations):
            return answer
        glosses = self.dutch_terms().glosses(answer.answer, question)
        text = answer.answer
        if answer.mode == "extractive":
            text = f"{QUOTED_FROM_DUTCH}\n{text}"
        if glosses:
            text = f"{text}\n{_key_terms(glosses)}"
        return replace(answer, answer=text, gloss=tuple(glosses))

    def _dutch(self, chunk_id: str) -> bool:
        document = self.engine.index.documents.get(chunk_id.rsplit(":", 2)[0])
        return document is None or document.language != "en"

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
            previous = self.conversations.last_turn(conversation_id)
            seen = previous.quoted if previous and is_follow_up(question) else ()
            answer = self.extractive().answer(standalone, language, seen)
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
        answer_config=AnswerConfig.from_settings(settings, engine.profile.answer),
        before=before,
        condenser=condenser,
    )


def _key_terms(glosses: Sequence[Gloss]) -> str:
    return KEY_TERMS.format(terms=", ".join(f"{g.term} ({g.english})" for g in glosses))


def _pieces(text: str, size: int = 3) -> Iterator[str]:
    words = text.split(" ")
    for i in range(0, len(words), size):
        yield " ".join(words[i : i + size]) + (" " if i + size < len(words) else "")
