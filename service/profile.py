"""A corpus profile: everything fitted or chosen on data, kept as data with the index build.

Fusion weights, answer settings, the refusal model and its threshold, and the glossary (the
language bridge English → Dutch for BM25) are one frozen ``Profile``. The default profile ships
as ``service/profiles/default.json``; ingest writes the profile in use beside the build's
manifest (``profile.json``), the engine loads it from there, and ``vraagbaak calibrate`` refits
it on a gold set's dev part and writes it back. So a build always says what it was tuned on.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ingest.index import PROFILE_FILE, current_build
from service.answering.extractive import AnswerConfig
from service.answering.refusal import RefusalModel
from service.glossary import Glossary
from service.retrieval import FusionWeights, RetrievalConfig

logger = logging.getLogger(__name__)

DEFAULT_PROFILE = "default.json"


@dataclass(frozen=True)
class Fit:
    """Where a profile's fitted values come from."""

    gold_set: str = ""
    split: str = ""
    date: str = ""
    note: str = ""


@dataclass(frozen=True)
class Profile:
    name: str
    retrieval: RetrievalConfig
    answer: AnswerConfig
    refusal: RefusalModel
    glossary: Glossary
    fitted: Fit = Fit()
    glossary_source: str = ""  # where the glossary came from (a corpus folder's glossary.yaml)

    @classmethod
    def default(cls) -> Profile:
        return _default_profile()

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Profile:
        """From the JSON form; missing parts are taken from the default profile."""
        base = _default_data() if data is not _default_data() else {}
        merged = {**base, **data}
        retrieval = dict(merged["retrieval"])
        for language in ("dutch", "english"):
            retrieval[language] = FusionWeights(**retrieval[language])
        glossary = merged.get("glossary") or {}
        terms = {
            str(k).lower(): tuple(str(t) for t in v)
            for k, v in (glossary.get("terms") or {}).items()
        }
        return cls(
            name=str(merged.get("name", "")),
            retrieval=RetrievalConfig(**_known(RetrievalConfig, retrieval)),
            answer=AnswerConfig(**_known(AnswerConfig, merged["answer"])),
            refusal=RefusalModel.from_data(merged["refusal"]),
            glossary=Glossary(terms),
            fitted=Fit(**_known(Fit, merged.get("fitted") or {})),
            glossary_source=str(glossary.get("source", "")),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "fitted": asdict(self.fitted),
            "retrieval": asdict(self.retrieval),
            "answer": asdict(self.answer),
            "refusal": asdict(self.refusal),
            "glossary": {"source": self.glossary_source, "terms": dict(self.glossary.terms)},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_data(), ensure_ascii=False, indent=2) + "\n"

    def with_glossary(self, glossary: Glossary, source: str) -> Profile:
        return replace(self, glossary=glossary, glossary_source=source)

    def describe(self) -> dict[str, Any]:
        """What ``docs`` and ``eval run`` show: the profile without its glossary's terms."""
        data = self.to_data()
        data["glossary"] = {"source": self.glossary_source, "entries": len(self.glossary.terms)}
        return data

    def summary(self) -> str:
        fit = self.fitted
        where = ", ".join(v for v in (fit.gold_set, fit.split, fit.date) if v) or "not fitted"
        return (
            f"profile {self.name} (fitted on {where}; refusal threshold "
            f"{self.refusal.threshold:.3f}; glossary {len(self.glossary.terms)} entries)"
        )


def _known(kind: type, data: dict[str, Any]) -> dict[str, Any]:
    """The keys ``kind`` has: a profile written by a newer version still loads."""
    names = {f.name for f in fields(kind)}
    return {k: v for k, v in data.items() if k in names}


@cache
def _default_data() -> dict[str, Any]:
    text = (resources.files("service") / "profiles" / DEFAULT_PROFILE).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _default_profile() -> Profile:
    return Profile.from_data(_default_data())


def load_profile(build: Path | None, corpus_dir: Path | None = None) -> Profile:
    """The profile of an index build; a build from before profiles gets the default one, with
    the corpus folder's glossary (as such builds were searched)."""
    if build is not None and (build / PROFILE_FILE).exists():
        try:
            return Profile.from_data(json.loads((build / PROFILE_FILE).read_text("utf-8")))
        except (OSError, ValueError, TypeError, KeyError) as exc:
            logger.warning("Ignoring %s: %s; using the default profile", build / PROFILE_FILE, exc)
    profile = Profile.default()
    if corpus_dir is not None and (corpus_dir / "glossary.yaml").exists():
        profile = profile.with_glossary(Glossary.load(corpus_dir), str(corpus_dir))
    return profile


def profile_for_ingest(index_dir: Path, corpus_dirs: list[Path]) -> Profile:
    """The profile a new build gets: the current build's (a calibration survives a re-ingest),
    else the default; the glossary is the corpus folder's own when it has one."""
    build = current_build(index_dir)
    profile = load_profile(build) if build is not None else Profile.default()
    for directory in corpus_dirs:
        if directory.is_dir() and (directory / "glossary.yaml").exists():
            return profile.with_glossary(Glossary.load(directory), str(directory))
    return profile


def save_profile(index_dir: Path, profile: Profile) -> Path:
    """Write ``profile`` into the current build (atomically: a reader sees the old or new)."""
    build = current_build(index_dir)
    if build is None:
        raise FileNotFoundError(f"no index build in {index_dir}")
    target = build / PROFILE_FILE
    temporary = build / f".{PROFILE_FILE}.tmp"
    temporary.write_text(profile.to_json(), "utf-8")
    temporary.replace(target)
    return target
