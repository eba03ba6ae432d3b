"""Dutch terms in English: the glossary read backwards, for glossing quotes and carrying terms.

The glossary maps English phrases to the Dutch words the documents use. Read backwards, it
says what a Dutch term is in English: "regiehouder" → "coordinator". An English reader of a
Dutch quote gets its key term glossed ("regiehouder (care coordinator)"), preferring the
English words they used themselves; names (capitalised terms, acronyms) are never glossed.
"""

from __future__ import annotations

import re
from functools import cached_property

from service.answering.model import Gloss
from service.glossary import Glossary

MAX_GLOSSES = 2


class DutchTerms:
    """The glossary's Dutch terms with their best English phrase (built once per glossary)."""

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary

    @cached_property
    def english(self) -> dict[str, str]:
        """Dutch term (lower case) → one English phrase: one that lists the term first, then
        singular, then the shortest (the most general wording), then alphabetically."""
        ranked: dict[str, tuple[tuple[int, bool, int, str], str]] = {}
        for phrase, dutch_terms in self.glossary.terms.items():
            for position, term in enumerate(dutch_terms):
                key = term.lower()
                if key == phrase or not _is_common_noun(term):
                    continue
                rank = (position, phrase.endswith("s"), len(phrase), phrase)
                if key not in ranked or rank < ranked[key][0]:
                    ranked[key] = (rank, phrase)
        return {term: phrase for term, (_, phrase) in ranked.items()}

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.english:
            return None
        # longest first, so "ambulant hulpverleners" wins over "ambulant"; simple inflections
        # ("regiehouders", "betrokkenen") still count as the term
        terms = sorted(self.english, key=len, reverse=True)
        alternatives = "|".join(re.escape(t) for t in terms)
        return re.compile(rf"(?<!\w)({alternatives})(?:s|en|n|e)?(?!\w)", re.IGNORECASE)

    def found_in(self, text: str) -> list[str]:
        """The glossary's Dutch terms in ``text`` (lower case), in order of appearance."""
        if self._pattern is None:
            return []
        return list(dict.fromkeys(m.group(1).lower() for m in self._pattern.finditer(text)))

    def to_english(self, term: str) -> str | None:
        return self.english.get(term.lower())

    def glosses(self, text: str, question: str) -> list[Gloss]:
        """The key Dutch terms of ``text`` in English, for a reader who asked ``question`` in
        English: first the terms the question asked about (in its own words), then the longest
        other terms, at most ``MAX_GLOSSES``."""
        present = self.found_in(text)
        if not present:
            return []
        chosen: dict[str, str] = {}
        for phrase, dutch_terms in self.glossary.matches(question)[0]:
            for term in (t.lower() for t in dutch_terms):
                if term in present and term not in chosen and phrase != term:
                    chosen[term] = phrase
                    break
        for term in sorted(present, key=len, reverse=True):
            if term not in chosen:
                chosen[term] = self.english[term]
        glosses = [Gloss(term, english) for term, english in chosen.items()]
        return glosses[:MAX_GLOSSES]


def _is_common_noun(term: str) -> bool:
    """A lower-case word or phrase: names ("SAVE", "Veilig Thuis") are not glossed."""
    return term == term.lower() and any(c.isalpha() for c in term)
