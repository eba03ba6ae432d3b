"""Answer-shape counters: quoted sentences that are not statements (issue 17).

Each quoted sentence of an answer is checked against general rules; a sentence can break more
than one. These checks are the evaluation's own: they share no code with the answerer's
filters, so an answerer that lets such a sentence through is counted, not excused.

Rules:

- ``question``: ends with a question mark (interview guides, topic lists).
- ``bullet_without_verb``: a list item (dash, bullet, "a)", "3)") with no verb that is not
  a whole sentence either (one of 6 words or more, closed by a full stop).
- ``table``: a table row or cell: cells split by tabs or pipes, or mostly numbers with no verb.
- ``cross_reference``: points elsewhere ("zie boven", "zie bijlage 3", "see above", "zie tabel").
- ``fragment``: fewer than 6 words.
- ``heading``: equals a section heading of its passage, or has no terminal punctuation and
  the shape of a title (at most 15 words; numbered, capitalised words, or no verb), or is a
  short label without a verb that ends in a colon.
- ``glued_number``: a list number glued to the first word ("26.We hebben …").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ingest.chunking import split_sentences

RULES = (
    "question",
    "bullet_without_verb",
    "table",
    "cross_reference",
    "fragment",
    "heading",
    "glued_number",
)
MIN_WORDS = 6
MAX_HEADING_WORDS = 15  # longer lines without a full stop are cut sentences, not titles
MAX_LABEL_WORDS = 10  # "Onderwerp van de regeling:"; a longer line before a colon leads in

# Frequent finite verbs and auxiliaries of Dutch and English statements. A statement nearly
# always has one of these or a participle; a topic bullet or a title nearly never does. The
# list is not complete: a bullet whose only verb is missing still counts as a statement when
# it is a whole sentence (6 words or more, closed by a full stop).
_VERB_FORMS = """
    is zijn was waren ben bent wordt worden werd werden word heeft hebben had hadden heb hebt
    kan kunnen kon konden kunt moet moeten moest moesten mag mogen mocht mochten zal zullen
    zou zouden zult wil willen wilde wilden wilt gaat gaan ging gingen ga komt komen kwam kwamen
    kom staat staan stond stonden blijkt bleek blijken blijft blijven bleef bleven geeft geven
    gaf gaven krijgt krijgen kreeg kregen doet doen deed deden laat laten liet lieten ziet zien
    zag zagen neemt nemen nam namen houdt houden hield hielden vindt vinden vond vonden weet
    weten wist wisten lijkt lijken leek leken heet heten heette betekent betekenen bestaat
    bestaan bestond bevat bevatten omvat omvatten geldt gelden gold golden valt vallen viel
    vielen speelt spelen zorgt zorgen maakt maken kent kennen noemt noemen toont tonen biedt
    bieden brengt brengen zegt zeggen zei zeiden vraagt vragen beslist beslissen besluit
    draagt dragen ontvangt ontvangen verstaat verstaan werkt werken helpt helpen leidt leiden
    kiest kiezen koos kozen stelt stellen stelde stelden volgt volgen volgde betreft betreffen
    vormt vormen bepaalt bepalen bepaalde beschrijft beschrijven wijst wijzen meldt melden
    gebruikt gebruiken verstrekt verstrekken vermeldt vermelden legt leggen zit zitten zat
    ligt liggen lag spreekt spreken sprak denkt denken dacht ervaart ervaren voert voeren
    treedt treden trad zoekt zoeken zocht ondersteunt ondersteunen begeleidt
    begeleiden besteedt richt richten verwijst verwijzen beoordeelt beoordelen definieert
    definiëren definieerde omschrijft omschrijven omschreef onderscheidt onderscheiden
    is are was were be been being am has have had having does do did done can could must may
    might shall should will would means mean meant includes include included contains contain
    gives give gave takes take took makes make made shows show showed found finds find seems
    seem seemed becomes become became remains remain remained applies apply applied requires
    require required provides provide provided states state stated says say said refers refer
    decides decide decided ensures ensure ensured
"""
_VERBS = frozenset(_VERB_FORMS.split())
_ARTICLES_AND_TO = "het de een te om to the a an"
_NOT_BEFORE_VERB = frozenset(_ARTICLES_AND_TO.split())
# Participles: Dutch "gemaakt", "gegeven" (other prefixes go with an auxiliary of the list),
# English "approved"; nouns in -heid/-heden ("gezondheid") are not.
_PARTICIPLE = re.compile(r"^ge\w{3,}(?:d|t|en)$(?<!heid)(?<!heden)|^\w{3,}ed$")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"^[€$£]?[+-]?\d[\d.,]*%?$")
_BULLET = re.compile(r"^\s*(?:[-–—•●▪◦·*►✓]\s*|\(?[a-zA-Z0-9]{1,3}\)\s+)")
_GLUED_NUMBER = re.compile(r"^\s*\d{1,3}[.)](?=[^\W\d_])")
_NUMBERED = re.compile(
    r"^\s*(?:\d{1,3}(?:\.\d{1,3})*\.?|[IVXLC]{1,6}\.|(?:hoofdstuk|chapter|artikel|article|"
    r"afdeling|paragraaf|section|bijlage|annex|appendix|part|deel)\s+\S+)(?:\s|$)",
    re.IGNORECASE,
)
_TERMINAL = re.compile(r"[.!?;:…]['’”\")\]]*\s*$")
_ENDS_STATEMENT = re.compile(r"[.!]['’”\")\]]*\s*$")
_LABEL = re.compile(r":['’”\")\]]*\s*$")
_QUESTION = re.compile(r"\?['’”\")\]]*\s*$")
_REFERENCE_TARGETS = (
    r"(?:hier)?boven|(?:hier)?onder|eerder|verderop|bijlage|tabel|figuur|grafiek|hoofdstuk|"
    r"paragraaf|pagina|p\.|blz\.|artikel|above|below|earlier|appendix|annex|table|figure|"
    r"chapter|section|page|article"
)
_REFERENCE = re.compile(
    rf"\b(?:zie|see|vgl\.?|cf\.?|zoals\s+(?:beschreven|vermeld)\s+in)\s+(?:ook\s+|also\s+)?"
    rf"(?:de\s+|het\s+|the\s+)?(?:{_REFERENCE_TARGETS})",
    re.IGNORECASE,
)
_ENUMERATOR = re.compile(r"^\(?[a-zA-Z0-9]{1,3}[.)]\s+")
_CONTINUES = re.compile(r",\s*(?:en|of|and|or)?\s*$", re.IGNORECASE)
_LEADING_PUNCT = re.compile(r"^[\s\-–—•●▪◦·*►✓(\[\"'“‘]+")
_SECTION_NUMBER = re.compile(r"^\s*(?:\d{1,3}(?:\.\d{1,3})*\.?|[IVXLC]{1,6}\.)\s+")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def has_verb(text: str) -> bool:
    """True when ``text`` holds a finite verb or a participle. A listed form right after an
    article or "te"/"to" is a noun or an infinitive ("het zoeken", "te kiezen"), not one."""
    previous = ""
    for word in words(text):
        lower = word.lower()
        if (lower in _VERBS or _PARTICIPLE.match(lower)) and previous not in _NOT_BEFORE_VERB:
            return True
        previous = lower
    return False


def _key(text: str) -> str:
    """How a sentence and a heading are compared: NFKC, no section number, no punctuation at
    the ends, whitespace collapsed, lower case."""
    text = unicodedata.normalize("NFKC", text)
    text = _SECTION_NUMBER.sub("", text)
    return " ".join(text.split()).strip(" .:;,-–—").lower()


def _headings(section: str | None) -> set[str]:
    if not section:
        return set()
    return {_key(part) for part in section.split(" > ") if _key(part)}


def _title_shaped(text: str) -> bool:
    if _NUMBERED.match(text):
        return True
    tokens = [w for w in words(text) if w[0].isalpha()]
    if not tokens:
        return True
    if text.isupper():
        return True
    capitalised = sum(1 for w in tokens if w[0].isupper())
    if len(tokens) >= 2 and capitalised / len(tokens) >= 0.6:
        return True
    return not has_verb(text)


def sentence_flags(sentence: str, headings: Iterable[str] = ()) -> list[str]:
    """The rules ``sentence`` breaks (empty for a statement). ``headings``: the section
    headings of the passage it was quoted from (a path "A > B" counts as two headings)."""
    text = sentence.strip()
    flags: list[str] = []
    if not text:
        return ["fragment"]
    body = _LEADING_PUNCT.sub("", text)
    tokens = words(text)
    verb = has_verb(_ENUMERATOR.sub("", body))
    long_enough = len(tokens) >= MIN_WORDS
    if _QUESTION.search(text):
        flags.append("question")
    if _BULLET.match(text) and not verb and not (_ENDS_STATEMENT.search(text) and long_enough):
        flags.append("bullet_without_verb")
    numbers = [t for t in text.split() if _NUMBER.match(t.strip("()[],;:"))]
    if (
        "\t" in text
        or text.count("|") >= 2
        or (not verb and len(numbers) >= 2 and len(numbers) / max(1, len(tokens)) >= 0.3)
    ):
        flags.append("table")
    reference = _REFERENCE.search(text)
    if reference and (reference.start() == len(text) - len(body) or len(tokens) < 10):
        flags.append("cross_reference")
    if len(tokens) < MIN_WORDS:
        flags.append("fragment")
    known = {_key(h) for heading in headings for h in heading.split(" > ")}
    short = len(tokens) <= MAX_HEADING_WORDS
    shaped = (
        short
        and not _TERMINAL.search(text)
        and not _CONTINUES.search(text)  # a clause of a list ("…, of"), not a title
        and _title_shaped(body)
    )
    # a label that introduces what follows ("Onderwerp van de regeling:") states nothing
    label = len(tokens) <= MAX_LABEL_WORDS and not verb and _LABEL.search(text) is not None
    shaped = shaped or label
    # a list item or a table row without a full stop is already counted as such
    if _key(text) in known or (shaped and not _BULLET.match(text) and "table" not in flags):
        flags.append("heading")
    if _GLUED_NUMBER.match(text):
        flags.append("glued_number")
    return flags


def quoted_sentences(quote: str) -> list[str]:
    """The sentences of one quote (a quote may hold more than one)."""
    return [quote[start:end] for start, end in split_sentences(quote)] or [quote]


def answer_shape(citations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """For one answer's citations (``quote`` and, when known, ``section``): how many quoted
    sentences there are and which of them break a rule."""
    checked = 0
    bad = []
    for citation in citations:
        quote = str(citation.get("quote") or "")
        headings = _headings(citation.get("section"))
        for sentence in quoted_sentences(quote):
            checked += 1
            flags = sentence_flags(sentence, headings)
            if flags:
                bad.append({"n": citation.get("n"), "sentence": sentence, "rules": flags})
    return {"sentences": checked, "bad": bad}


def shape_summary(shapes: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Totals over answers: quoted sentences, bad ones, and bad ones per rule."""
    sentences = 0
    bad = 0
    by_rule = dict.fromkeys(RULES, 0)
    for shape in shapes:
        sentences += int(shape.get("sentences", 0))
        for item in shape.get("bad", ()):
            bad += 1
            for rule in item["rules"]:
                by_rule[rule] = by_rule.get(rule, 0) + 1
    return {"sentences": sentences, "bad_quotes": bad, "by_rule": by_rule}
