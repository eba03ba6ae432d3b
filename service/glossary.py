"""A small bilingual glossary kept with the corpus: English domain terms → Dutch ones.

English questions over Dutch text reach the dense side through the multilingual model; the
lexical side only matches when the Dutch words are in the query, which this adds.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

logger = logging.getLogger(__name__)

GLOSSARY_FILE = "glossary.yaml"


@dataclass(frozen=True)
class Glossary:
    terms: dict[str, tuple[str, ...]]  # english phrase (lower case) -> dutch terms

    @classmethod
    def load(cls, corpus_dir: Path) -> Glossary:
        path = corpus_dir / GLOSSARY_FILE
        if not path.exists():
            return cls({})
        try:
            data = yaml.safe_load(path.read_text("utf-8")) or {}
        except yaml.YAMLError as exc:
            logger.warning("Ignoring %s: %s", path, exc)
            return cls({})
        terms = {
            str(english).lower(): tuple(dutch if isinstance(dutch, list) else [dutch])
            for english, dutch in data.items()
        }
        return cls({k: tuple(str(v) for v in vs) for k, vs in terms.items()})

    def dutch_terms(self, question: str) -> list[str]:
        """The Dutch equivalents of the English phrases in ``question``, longest phrases first."""
        found: list[str] = []
        for _, dutch in self.matches(question)[0]:
            found.extend(t for t in dutch if t not in found)
        return found

    def matches(self, question: str) -> tuple[list[tuple[str, tuple[str, ...]]], list[str]]:
        """The glossary phrases in ``question`` with their Dutch terms (longest phrases first,
        none overlapping), and the question's words no phrase covers."""
        words = re.sub(r"[^\w@-]+", " ", question.lower()).split()
        longest = self._longest_phrase
        found: list[tuple[str, tuple[str, ...]]] = []
        used = [False] * len(words)
        for size in range(min(longest, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                if any(used[start : start + size]):
                    continue
                phrase = " ".join(words[start : start + size])
                dutch = self.terms.get(phrase)
                if dutch:
                    used[start : start + size] = [True] * size
                    found.append((phrase, dutch))
        return found, [w for w, covered in zip(words, used, strict=True) if not covered]

    @cached_property
    def _longest_phrase(self) -> int:
        return max((len(k.split()) for k in self.terms), default=0)

    def expand(self, question: str) -> str:
        extra = self.dutch_terms(question)
        return f"{question} {' '.join(extra)}" if extra else question
