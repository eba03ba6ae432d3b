"""When to say "Dit staat niet in de documenten": a small calibrated model over evidence signals.

Similarity alone cannot tell an unanswerable on-topic question ("Hoeveel gezinnen bereikten de
buurtteams in Amersfoort?") from an answerable one: both find passages about buurtteams. What
differs is whether the question's specific terms — a place, a year, a rare word — occur in
what would be quoted. The features below measure that; a logistic model weighs them. Its
coefficients are fitted on the gold set's answerable and unanswerable questions by
``python -m evals.calibration`` and stored in ``refusal_model.json`` next to this file.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources

import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS

from ingest.lexical import LexicalIndex
from service.glossary import Glossary
from service.retrieval import QueryScores

MODEL_FILE = "refusal_model.json"
_WORD = re.compile(r"\w+", re.UNICODE)
_TERM_WORD = re.compile(r"\w+(?:[-@]\w+)*", re.UNICODE)  # as the analyzer splits words
# Words that ask rather than say what is asked about: an answer never contains them. (Dutch
# stop words are already dropped by the analyzer; English ones are dropped here.)
_DUTCH_QUESTION_WORDS = frozenset(
    {
        "hoeveel",
        "welke",
        "welk",
        "waarom",
        "waar",
        "wanneer",
        "waarmee",
        "waardoor",
        "waarvoor",
        "waarop",
        "waaraan",
        "waarin",
        "hoelang",
        # the frame of a definition question: "wat wordt bedoeld met …", "wat verstaat … onder"
        "bedoeld",
        "verstaat",
        "verstaan",
        "betekent",
    }
)
_ENGLISH_FUNCTION_WORDS = frozenset(STOPWORDS_EN_PLUS) | {"many", "much", "whose", "whom"}


@dataclass(frozen=True)
class Evidence:
    best_sentence: float  # cosine of the best-matching sentence anywhere
    quoted_sentence: float  # cosine of the sentence the answer would quote first
    best_lexical: float  # top BM25 score
    # summed IDF of the question's terms the answer lacks: half for each term no quoted
    # sentence holds, half for each no cited passage holds (a quote's passage often states
    # the rest of what the question asks: "which parties" around the sentence naming them)
    missing_terms: float
    unknown_name: float  # 1 when a capitalised word or number of the question is not in the corpus
    missing_number: float  # 1 when a number of the question is not in the top passage

    def vector(self) -> np.ndarray:
        return np.array(list(asdict(self).values()), dtype=np.float64)


def question_terms(
    question: str, language: str, lexical: LexicalIndex, glossary: Glossary
) -> list[frozenset[str]]:
    """What the question asks about, as groups of corpus terms any one of which will do.

    Dutch: each content word's stem. English: each glossary phrase becomes one group of its
    Dutch terms (and the English word itself when the corpus has it: names, "JIM"), other
    words count only when the corpus has them, and English function words are dropped, so an
    English question is held to the same concepts as its Dutch twin. Terms the corpus never
    uses are left out (``unknown_name`` speaks for names).
    """
    analyzer, known = lexical.analyzer, lexical.document_frequency
    groups: list[frozenset[str]] = []
    if language == "en":
        phrases, rest = glossary.matches(question)
        for phrase, dutch in phrases:
            if phrase in _ENGLISH_FUNCTION_WORDS:
                continue
            stems = {t for text in (*dutch, phrase) for t in analyzer.tokens(text) if t in known}
            if stems:
                groups.append(frozenset(stems))
        words: Iterable[str] = (w for w in rest if w not in _ENGLISH_FUNCTION_WORDS)
    else:
        words = (w for w in _TERM_WORD.findall(question.lower()) if w not in _DUTCH_QUESTION_WORDS)
    for word in words:
        groups.extend(frozenset([t]) for t in analyzer.tokens(word) if t in known)
    return list(dict.fromkeys(groups))


def gather_evidence(
    question: str,
    terms: list[frozenset[str]],
    scores: QueryScores,
    top_passage: str,
    quotes: list[tuple[str, float, str]],
    lexical: LexicalIndex,
) -> Evidence:
    """``terms`` from ``question_terms``; ``quotes`` the sentences the answer would quote, best
    first, each with its cosine to the question and the text of the passage it is from."""
    analyzer = lexical.analyzer
    quoted = frozenset().union(*(analyzer.term_set(q) for q, _, _ in quotes))
    cited = frozenset().union(*(analyzer.term_set(p) for _, _, p in quotes))
    words = _WORD.findall(question)
    names = [
        w
        for i, w in enumerate(words)
        if (w.isdigit() and len(w) >= 2)
        or (i > 0 and w[:1].isupper() and len(w) > 2)
        or (w.isupper() and len(w) >= 2)
    ]
    top_words = set(_WORD.findall(top_passage.lower()))
    return Evidence(
        best_sentence=float(scores.sentence.max()) if len(scores.sentence) else 0.0,
        quoted_sentence=quotes[0][1] if quotes else 0.0,
        best_lexical=float(scores.lexical.max()) if len(scores.lexical) else 0.0,
        missing_terms=float(
            sum(
                min(lexical.idf(t) for t in group) * ((not group & quoted) + (not group & cited))
                for group in terms
            )
            / 2
        ),
        unknown_name=float(any(_unknown(w, lexical) for w in names)),
        missing_number=float(any(w.isdigit() and w not in top_words for w in words)),
    )


def _unknown(name: str, lexical: LexicalIndex) -> bool:
    """A name the corpus never uses, in any inflection: "Arnhemse" is known from "Arnhem"."""
    stems = lexical.analyzer.tokens(name)
    if not stems or stems[0] in lexical.document_frequency:
        return False
    stem = stems[0]
    return len(stem) < 6 or not lexical.has_term_starting(stem[:-2])


@dataclass(frozen=True)
class RefusalModel:
    """Logistic model: P(unanswerable) from standardised evidence; refuse at ``threshold``."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coefficients: tuple[float, ...]
    intercept: float
    threshold: float
    embedder: str  # similarity scales differ between models: the fit holds for this one only
    trained_on: str = ""

    def probability(self, evidence: Evidence) -> float:
        z = (evidence.vector() - np.array(self.mean)) / np.array(self.scale)
        logit = float(z @ np.array(self.coefficients)) + self.intercept
        return 1.0 / (1.0 + math.exp(-logit))

    def refuses(self, evidence: Evidence, threshold: float | None = None) -> bool:
        return self.probability(evidence) >= (self.threshold if threshold is None else threshold)

    @classmethod
    def bundled(cls) -> RefusalModel:
        return _bundled_model()

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


@cache
def _bundled_model() -> RefusalModel:
    data = json.loads((resources.files("service.answering") / MODEL_FILE).read_text("utf-8"))
    return RefusalModel(
        mean=tuple(data["mean"]),
        scale=tuple(data["scale"]),
        coefficients=tuple(data["coefficients"]),
        intercept=float(data["intercept"]),
        threshold=float(data["threshold"]),
        embedder=str(data["embedder"]),
        trained_on=str(data.get("trained_on", "")),
    )
