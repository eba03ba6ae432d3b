"""A small bilingual glossary kept with the corpus: English domain terms → Dutch ones.

English questions over Dutch text reach the dense side through the multilingual model; the
lexical side only matches when the Dutch words are in the query, which this adds.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
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
        text = " " + re.sub(r"[^\w@-]+", " ", question.lower()) + " "
        found: list[str] = []
        for english in sorted(self.terms, key=len, reverse=True):
            if f" {english} " in text:
                text = text.replace(f" {english} ", "  ")
                found.extend(t for t in self.terms[english] if t not in found)
        return found

    def expand(self, question: str) -> str:
        extra = self.dutch_terms(question)
        return f"{question} {' '.join(extra)}" if extra else question
