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


# What a question asked for that no quoted sentence gives (service/answering/asked.py).
_ASKED = {
    "contact": ("Het gevraagde telefoonnummer of adres", "The phone number or address asked for"),
    "amount": ("Het gevraagde bedrag", "The amount asked for"),
    "percentage": ("Het gevraagde percentage", "The percentage asked for"),
    "date": ("De gevraagde datum", "The date asked for"),
    "quantity": ("Het gevraagde aantal of de gevraagde duur", "The number or duration asked for"),
    "article": ("Het gevraagde artikel", "The article asked for"),
}


def part_not_found(language: Language, kind: str) -> str:
    """"The amount asked for is not in the documents." for an answer that quotes what the
    documents say around it."""
    dutch, english = _ASKED.get(kind, ("Het gevraagde", "What was asked"))
    if language == "en":
        return f"{english} is not in the quoted passages."
    return f"{dutch} staat niet in de geciteerde passages."
