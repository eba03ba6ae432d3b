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
    "nl": "Gecontroleerd antwoord uit de FAQ",
    "en": "Checked answer from the FAQ",
}


def not_found(language: Language, has_related: bool) -> str:
    text = NOT_FOUND[language]
    return f"{text} {RELATED_HINT[language]}" if has_related else text
