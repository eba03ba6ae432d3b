"""Tell Dutch from English, for documents and for short questions alike.

Counts function words of each language, then spelling patterns typical of each (Dutch "ij",
"oe", "sch", plural "-en"; English "th", "wh", "-tion"), which decide short keyword queries
such as "JIM selection criteria". A tie means Dutch: the corpus and most users are Dutch.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["nl", "en"]

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

# Words shared by both languages ("in", "is", "of", "over", "die", "we", "me") count for neither.
_DUTCH_WORDS = frozenset(
    {
        "de", "het", "een", "en", "van", "te", "dat", "voor", "met", "zijn", "niet", "aan", "er",
        "om", "ook", "als", "bij", "wat", "wie", "hoe", "waar", "wanneer", "welke", "welk",
        "waarom", "heeft", "hebben", "wordt", "worden", "door", "naar", "uit", "tussen", "dan",
        "nog", "maar", "kan", "kunnen", "moet", "moeten", "mijn", "onze", "jullie", "ze", "zij",
        "hij", "wij", "ik", "je", "jij", "u", "deze", "dit", "geen", "meer", "veel", "zo", "al",
        "op", "tot", "na", "ja", "nee", "wel", "zou", "zal", "was", "waren", "werd",
        "hun", "hem", "haar",
        "daar", "hier", "nu", "mag", "mogen", "doet", "doen", "gaat",
        "waardoor", "waarbij", "hoeveel", "vaak", "binnen", "zonder", "onder",
        "sinds", "omdat", "dus", "bijvoorbeeld", "zoals", "elkaar", "iemand", "iets", "alle",
        "andere", "eigen", "goed", "beter", "tijdens", "volgens", "vanuit", "betekent",
    }
)  # fmt: skip
_ENGLISH_WORDS = frozenset(
    {
        "the", "a", "an", "and", "to", "that", "for", "with", "are", "not", "who", "what", "how",
        "when", "where", "which", "why", "does", "do", "did", "has", "have", "had", "be", "been",
        "by", "from", "at", "as", "or", "this", "these", "those", "can", "could", "should",
        "would", "will", "there", "their", "they", "it", "its", "about", "between", "is",
        "was", "were", "on", "i", "you", "your", "our", "my", "he", "she", "his", "her", "them",
        "if", "than", "then", "into", "during", "without", "within", "because", "so", "any",
        "all", "other", "some", "many", "much", "more", "most", "such", "whom", "whose", "also",
        "get", "gets", "make", "makes", "need", "needs", "used", "use", "according", "after",
        "before", "only", "while", "each", "both", "through", "mean", "means", "role", "holds",
    }
)  # fmt: skip
_AMBIGUOUS = frozenset({"in", "is", "of", "over", "die", "we", "me", "was", "so", "on", "al"})
_DUTCH_PATTERNS = re.compile(r"ij|oe|ui|aa|uu|sch|cht|eid|(?<=\w\w\w)en\b|tie\b|ië")
_ENGLISH_PATTERNS = re.compile(
    r"th|wh|tion|sh|ea|ph|ght|dge|ck|ce\b|(?<=\w)ly\b|(?<=\w)ies\b|(?<=\w\w)ed\b|ay\b"
)
_WORD_WEIGHT = 3  # a function word says more than a spelling pattern


def detect_language(text: str) -> Language:
    """'nl' or 'en' for ``text``; Dutch when the evidence is even."""
    words = [w.lower() for w in _WORD.findall(text)]
    dutch = sum(w in _DUTCH_WORDS and w not in _AMBIGUOUS for w in words) * _WORD_WEIGHT
    english = sum(w in _ENGLISH_WORDS and w not in _AMBIGUOUS for w in words) * _WORD_WEIGHT
    if dutch == english:
        joined = " ".join(w for w in words if len(w) > 2)
        dutch += len(_DUTCH_PATTERNS.findall(joined))
        english += len(_ENGLISH_PATTERNS.findall(joined))
    return "en" if english > dutch else "nl"
