"""When to say "Dit staat niet in de documenten": a small calibrated model over evidence signals.

Similarity alone cannot tell an unanswerable on-topic question ("Hoeveel gezinnen bereikten de
buurtteams in Amersfoort?") from an answerable one: both find passages about buurtteams. What
differs is whether the question's specific terms — a place, a year, a rare word — occur in
what was found. The features below measure that; a logistic model weighs them. Its
coefficients are fitted on the gold set's answerable and unanswerable questions by
``python -m evals.calibration`` and stored in ``refusal_model.json`` next to this file.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources

import numpy as np

from ingest.lexical import LexicalIndex
from service.retrieval import QueryScores, SearchHit

MODEL_FILE = "refusal_model.json"
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Evidence:
    best_sentence: float  # cosine of the best-matching sentence anywhere
    best_lexical: float  # top BM25 score
    missing_rare_term: float  # highest IDF of a question term absent from the top passage
    coverage_top3: float  # IDF-weighted share of question terms found in the top 3 passages
    unknown_name: float  # 1 when a capitalised word or number of the question is not in the corpus
    missing_number: float  # 1 when a number of the question is not in the top passage

    def vector(self) -> np.ndarray:
        return np.array(list(asdict(self).values()), dtype=np.float64)


def gather_evidence(
    question: str,
    terms: list[str],
    scores: QueryScores,
    hits: list[SearchHit],
    lexical: LexicalIndex,
) -> Evidence:
    """``terms`` are the question's analysed terms (glossary-expanded for English)."""
    analyzer = lexical.analyzer
    known = lexical.document_frequency
    if scores.language == "en":  # English words the Dutch corpus lacks say nothing
        terms = [t for t in terms if t in known]
    terms = list(dict.fromkeys(terms))
    top_terms = [analyzer.term_set(hit.chunk.text) for hit in hits[:3]]
    first = top_terms[0] if top_terms else set()
    union = set().union(*top_terms) if top_terms else set()
    weights = np.array([lexical.idf(t) for t in terms]) if terms else np.ones(1)
    present = np.array([t in union for t in terms]) if terms else np.ones(1, dtype=bool)
    words = _WORD.findall(question)
    names = [
        w
        for i, w in enumerate(words)
        if (w.isdigit() and len(w) >= 2)
        or (i > 0 and w[:1].isupper() and len(w) > 2)
        or (w.isupper() and len(w) >= 2)
    ]
    top_words = set(_WORD.findall(hits[0].chunk.text.lower())) if hits else set()
    return Evidence(
        best_sentence=float(scores.sentence.max()) if len(scores.sentence) else 0.0,
        best_lexical=float(scores.lexical.max()) if len(scores.lexical) else 0.0,
        missing_rare_term=max((lexical.idf(t) for t in terms if t not in first), default=0.0),
        coverage_top3=float((weights * present).sum() / weights.sum()),
        unknown_name=float(
            any((stems := analyzer.tokens(w)) and stems[0] not in known for w in names)
        ),
        missing_number=float(any(w.isdigit() and w not in top_words for w in words)),
    )


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
