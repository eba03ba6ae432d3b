"""The lexical side of the index: BM25 over Dutch-stemmed words without Dutch stop words."""

from __future__ import annotations

import bisect
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_DUTCH

from ingest.memo import ByteBoundedMemo, size_of_terms

logger = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG to stderr

_WORD = re.compile(r"\w+(?:[-@]\w+)*", re.UNICODE)
_JOINER = re.compile(r"[-@]")
_STOPWORDS = frozenset(STOPWORDS_DUTCH)


class DutchAnalyzer:
    """Lower-cases, splits compounds at hyphens too, drops stop words, applies Snowball Dutch."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("dutch")

    def tokens(self, text: str) -> list[str]:
        words: list[str] = []
        for word in _WORD.findall(text.lower()):
            if "-" in word or "@" in word:
                words.append(word.replace("@", ""))
                words.extend(_JOINER.split(word))
            else:
                words.append(word)
        kept = [w for w in words if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]
        return list(self._stemmer.stemWords(kept))

    def term_set(self, text: str) -> frozenset[str]:
        """The distinct terms of ``text``, remembered: answers look at the same passages and
        sentences question after question."""
        return TERM_SETS.get_or_compute(text, lambda: frozenset(self.tokens(text)))


# Shared by every analyzer (they all analyse alike). Bounded by bytes: a sentence's entry is
# ~1 KB, so this holds the sentences of a large corpus, while a long question is one bounded
# entry that can push out only its share.
TERM_SET_BYTES = 64_000_000
TERM_SETS: ByteBoundedMemo[str, frozenset[str]] = ByteBoundedMemo(
    TERM_SET_BYTES, size_of_terms, max_entry_bytes=256_000
)


class LexicalIndex:
    """BM25 scores for passages (or any list of texts), in the order they were given."""

    def __init__(self, bm25: bm25s.BM25, document_frequency: dict[str, int]) -> None:
        self._bm25 = bm25
        self._vocab = set(bm25.vocab_dict) if bm25.vocab_dict else set()
        self.document_frequency = document_frequency
        self.size = int(bm25.scores.get("num_docs", 0)) if isinstance(bm25.scores, dict) else 0
        self.analyzer = DutchAnalyzer()
        self._sorted_terms: list[str] | None = None

    def has_term_starting(self, prefix: str) -> bool:
        """Whether any corpus term starts with ``prefix`` ("arnhem" for the "Arnhemse" teams)."""
        if self._sorted_terms is None:
            self._sorted_terms = sorted(self.document_frequency)
        at = bisect.bisect_left(self._sorted_terms, prefix)
        return at < len(self._sorted_terms) and self._sorted_terms[at].startswith(prefix)

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        analyzer = DutchAnalyzer()
        corpus_tokens = [analyzer.tokens(t) or ["\u2205"] for t in texts]
        bm25 = bm25s.BM25()
        bm25.index(corpus_tokens, show_progress=False)
        frequency = Counter(term for tokens in corpus_tokens for term in set(tokens))
        index = cls(bm25, dict(frequency))
        index.size = len(texts)
        return index

    def save(self, directory: Path) -> None:
        self._bm25.save(str(directory), show_progress=False)
        (directory / "document_frequency.json").write_text(
            json.dumps({"size": self.size, "terms": self.document_frequency}, ensure_ascii=False)
        )

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        bm25 = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        stored = json.loads((directory / "document_frequency.json").read_text("utf-8"))
        index = cls(bm25, stored["terms"])
        index.size = int(stored["size"])
        return index

    def idf(self, term: str) -> float:
        """Inverse document frequency; a term the corpus never uses gets the highest value."""
        return math.log(1 + self.size / (self.document_frequency.get(term, 0) + 0.5))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query`` (zeros when no query word is known)."""
        tokens = [t for t in self.analyzer.tokens(query) if t in self._vocab]
        if not tokens or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def top(self, query: str, k: int) -> list[tuple[int, float]]:
        scores = self.scores(query)
        k = min(k, self.size)
        if k == 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best])]
        return [(int(i), float(scores[i])) for i in best if scores[i] > 0]
