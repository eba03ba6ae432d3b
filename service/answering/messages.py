"""The fixed texts of answers, in the question's language."""

from __future__ import annotations

from service.answering.model import Language

NOT_FOUND = {
    "nl": "Dit staat niet in de documenten.",
    "en": "This is not in the documents.",
}
RELATED_HINT = {
    "nl": "Mogelijk verwante passages staan hieronder.",
    "en": "Possibly related passages are listed below.",
}
CURATED = {
    "nl": "Gecontroleerd door een trainer",
    "en": "Checked by a trainer",
}
# An English reader of quotes from Dutch documents: what they are, and their key terms.
QUOTED_FROM_DUTCH = "From the Dutch documents, quoted as written:"
KEY_TERMS = "Dutch terms: {terms}."


def not_found(language: Language, has_related: bool) -> str:
    text = NOT_FOUND[language]
    return f"{text} {RELATED_HINT[language]}" if has_related else text
