"""When to say "Dit staat niet in de documenten": a small calibrated model over evidence signals.

Similarity alone cannot tell an unanswerable on-topic question ("Hoeveel gezinnen bereikten de
buurtteams in Amersfoort?") from an answerable one: both find passages about buurtteams. What
differs is whether the question's specific terms — a place, a year, a rare word — occur in
what would be quoted, and whether the quotes give what is asked (a number, a date, …). The
features below measure that; a logistic model weighs them.

The features are meant to hold on a corpus nobody fitted them on: shares and ranks rather than
raw BM25 scores (which grow with the corpus), and no hand-made glossary. A question's words are
held against quotes in its own language only; across languages (an English question, a Dutch
passage) the dense model's cosines speak for the words, and only names and numbers, which
both languages share, are checked letter for letter. The model's coefficients and threshold
are part of the corpus profile (service/profile.py), fitted by ``vraagbaak calibrate``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS

from ingest.lexical import LexicalIndex
from service.answering.asked import CHECKED, answers_type, asked_type
from service.retrieval import QueryScores

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
_ENGLISH_FUNCTION_WORDS = frozenset(STOPWORDS_EN_PLUS) | {
    "many",
    "much",
    "whose",
    "whom",
    "mean",
    "means",
    "stand",
    "according",
}


# "artikel 4.3.1", "article 11": the article asked about must be one a quote's passage names
_ARTICLE = re.compile(r"\b(?:artikel|article|art\.)\s+(\d+(?:\.\d+)*[a-z]?)\b", re.IGNORECASE)
_NUMBERED = re.compile(r"(?<![\w.])\d+(?:\.\d+)+(?![\w])")  # "4.3.1", "11.2": an article
_DEMONYMS = frozenset(
    {
        "dutch", "english", "american", "european", "british", "german", "french", "belgian",
        "us", "usa", "uk", "eu", "nederlands", "nederlandse", "engels", "engelse", "amerikaans",
        "amerikaanse", "europees", "europese", "brits", "britse", "duits", "duitse", "frans",
        "franse", "belgisch", "belgische",
    }
)  # fmt: skip


class Quote(NamedTuple):
    """A sentence the answer would quote, with what the evidence needs to know of it."""

    text: str
    cosine: float  # to the question
    passage: str  # the whole passage (with its title and section path)
    same_language: bool  # the passage is in the question's language


@dataclass(frozen=True)
class Evidence:
    quoted_sentence: float  # cosine of the sentence the answer would quote first
    best_sentence: float  # cosine of the best-matching sentence anywhere
    # how far the best passage stands out: its best-sentence cosine minus the median one of
    # the top 50 passages (a corpus-size-free scale, unlike a raw cosine level)
    sentence_lift: float
    # whether search agrees: 1 / rank, in the BM25 ranking, of the passage quoted first
    lexical_agreement: float
    # share of the question's term weight (IDF) the answer lacks: half for what no quoted
    # sentence holds, half for what no cited passage holds; same-language quotes only
    missing_share: float
    unknown_name: float  # 1 when a name or number of the question is not in the corpus
    missing_entity: float  # 1 when a name or number of the question is not in a cited passage
    type_missing: float  # 1 when the question asks for a number, date, … that no quote gives
    cross_language: float  # 1 when no quote is in the question's language

    def vector(self, names: Sequence[str] | None = None) -> np.ndarray:
        values = asdict(self)
        return np.array([values[n] for n in (names or values)], dtype=np.float64)


FEATURES: tuple[str, ...] = tuple(f.name for f in fields(Evidence))


def question_terms(question: str, language: str, lexical: LexicalIndex) -> list[frozenset[str]]:
    """What the question asks about, as groups of corpus terms (one each, now).

    Each content word's stem, without question words (Dutch) or function words (English).
    Terms the corpus never uses are left out (``unknown_name`` speaks for names).
    """
    analyzer, known = lexical.analyzer, lexical.document_frequency
    stop = _ENGLISH_FUNCTION_WORDS if language == "en" else _DUTCH_QUESTION_WORDS
    words: Iterable[str] = (w for w in _TERM_WORD.findall(question.lower()) if w not in stop)
    groups: list[frozenset[str]] = []
    for word in words:
        groups.extend(frozenset([t]) for t in analyzer.tokens(word) if t in known)
    return list(dict.fromkeys(groups))


def question_names(question: str) -> list[str]:
    """The question's names and numbers: capitalised words after its first, acronyms,
    numbers of two digits or more. Both languages write them alike; words for a country's
    people or language ("Dutch", "Nederlandse") are no names: the other language says them
    otherwise."""
    words = _WORD.findall(_NUMBERED.sub(" ", question))
    names = [
        w
        for i, w in enumerate(words)
        if (
            (w.isdigit() and len(w) >= 2)
            or (i > 0 and w[:1].isupper() and len(w) > 2)
            or (w.isupper() and len(w) >= 2)
        )
        and w.lower() not in _DEMONYMS
    ]
    return [*_NUMBERED.findall(question), *names]


def gather_evidence(
    question: str,
    terms: list[frozenset[str]],
    scores: QueryScores,
    quotes: Sequence[Quote],
    lexical: LexicalIndex,
    lexical_rank: int | None = None,
    nearest_other_language: bool = False,
) -> Evidence:
    """``terms`` from ``question_terms``; ``quotes`` what the answer would quote, best first;
    ``lexical_rank`` the 1-based BM25 rank of the first quote's passage (None: not ranked);
    ``nearest_other_language``: the sentence closest to the question (dense model) is in
    another language, so the question's names may be the other language's words for it."""
    analyzer = lexical.analyzer
    same = [q for q in quotes if q.same_language]
    quoted = frozenset().union(*(analyzer.term_set(q.text) for q in same))
    cited = frozenset().union(*(analyzer.term_set(q.passage) for q in same))
    names = question_names(question)
    if nearest_other_language or (quotes and not quotes[0].same_language):
        # Across languages only numbers and acronyms can be checked by their letters (a name
        # may be spelled otherwise: "Spanje", "Spain"); the cosines speak for the rest.
        names = [n for n in names if n[:1].isdigit() or n.isupper()]
    if quotes and not same:
        name_terms = {t for n in names for t in analyzer.tokens(n)}
        terms = [g for g in terms if g & name_terms]
        quoted = frozenset().union(*(analyzer.term_set(q.text) for q in quotes))
        cited = frozenset().union(*(analyzer.term_set(q.passage) for q in quotes))
    weights = [min(lexical.idf(t) for t in group) for group in terms]
    total = sum(weights)
    lacking = sum(
        w * ((not group & quoted) + (not group & cited)) / 2
        for w, group in zip(weights, terms, strict=True)
    )
    passages = " ".join(q.passage for q in quotes).lower()
    passage_words = set(_WORD.findall(passages))
    kind = asked_type(question)
    sentence = scores.sentence
    top = np.sort(sentence)[::-1][:50] if len(sentence) else np.zeros(1)
    return Evidence(
        quoted_sentence=quotes[0].cosine if quotes else 0.0,
        best_sentence=float(top[0]),
        sentence_lift=float(top[0] - np.median(top)),
        lexical_agreement=1.0 / lexical_rank if lexical_rank else 0.0,
        missing_share=float(lacking / total) if total > 0 else 0.0,
        unknown_name=float(any(_unknown(w, lexical) for w in names)),
        missing_entity=float(
            not quotes
            or any(not _mentioned(w, passage_words, passages) for w in names)
            or any(not _own_article(n, quotes) for n in _ARTICLE.findall(question))
        ),
        type_missing=float(
            kind in CHECKED
            and not any(answers_type(question, q.text, q.passage, q.same_language) for q in quotes)
        ),
        cross_language=float(bool(quotes) and not same),
    )


def _own_article(number: str, quotes: Sequence[Quote]) -> bool:
    """Whether a cited passage is article ``number`` itself — its section path names it, or a
    heading line "Artikel 4.3.1 Titel" — rather than a passage that refers to it ("gelet op
    de artikelen 1.1, 4.3.1", "Artikel 4.3.1, eerste lid, van de wet …")."""
    own = re.compile(
        rf"(?:^|>)\s*(?:artikel|article|art\.)\s+{re.escape(number)}(?![\w.]*\d)"
        r"(?:\s*(?:>|$)|[ \t]+[^\n,;]*$)",
        re.IGNORECASE | re.MULTILINE,
    )
    return any(own.search(q.passage) for q in quotes)


def _mentioned(name: str, words: set[str], text: str) -> bool:
    """A name in a passage, in any inflection ("Arnhemse" for "Arnhem", "JIMs" for "JIM") or
    compound; a number exactly ("4.3.1", "2018")."""
    key = name.lower()
    if key in words:
        return True
    if key[:1].isdigit():
        return re.search(rf"(?<![\w.]){re.escape(key)}(?![\w]|\.\d)", text) is not None
    stem = key[: max(3, len(key) - 2)]
    return any(w.startswith(stem) or (len(key) >= 4 and key in w) for w in words)


def _unknown(name: str, lexical: LexicalIndex) -> bool:
    """A name the corpus never uses, in any inflection: "Arnhemse" is known from "Arnhem"."""
    stems = lexical.analyzer.tokens(name)
    if not stems or stems[0] in lexical.document_frequency:
        return False
    stem = stems[0]
    return len(stem) < 6 or not lexical.has_term_starting(stem[: max(5, len(stem) - 3)])


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
    features: tuple[str, ...] = field(default=FEATURES)  # the Evidence fields it weighs

    def probability(self, evidence: Evidence) -> float:
        z = (evidence.vector(self.features) - np.array(self.mean)) / np.array(self.scale)
        logit = float(z @ np.array(self.coefficients)) + self.intercept
        return 1.0 / (1.0 + math.exp(-logit))

    def refuses(self, evidence: Evidence, threshold: float | None = None) -> bool:
        return self.probability(evidence) >= (self.threshold if threshold is None else threshold)

    @classmethod
    def bundled(cls) -> RefusalModel:
        """The default profile's model (service/profiles/default.json)."""
        return _bundled_model()

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RefusalModel:
        values = dict(data)
        for name in ("mean", "scale", "coefficients", "features"):
            if name in values:
                values[name] = tuple(values[name])
        known = {f.name for f in fields(cls)}
        model = cls(**{k: v for k, v in values.items() if k in known})
        unknown = set(model.features) - set(FEATURES)
        if unknown or len(model.coefficients) != len(model.features):
            raise ValueError(f"refusal model does not fit the evidence ({sorted(unknown)})")
        return model

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


@cache
def _bundled_model() -> RefusalModel:
    text = (resources.files("service") / "profiles" / "default.json").read_text("utf-8")
    return RefusalModel.from_data(json.loads(text)["refusal"])
