"""The corpus profile: shipped as data, written into the build, loaded with the index."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

from evals.calibration import calibrate
from ingest.index import PROFILE_FILE, current_build
from ingest.pipeline import ingest
from service.answering.extractive import AnswerConfig, ExtractiveAnswerer
from service.engine import Engine
from service.profile import Profile, load_profile, profile_for_ingest, save_profile
from service.retrieval import FusionWeights, RetrievalConfig
from tests.fakes import HashingEmbedder
from vraagbaak.settings import Settings


def test_the_default_profile_is_data_and_matches_the_code_defaults() -> None:
    profile = Profile.default()
    assert profile.name == "default"
    assert profile.retrieval == RetrievalConfig() and profile.answer == AnswerConfig()
    assert not profile.glossary.terms  # no corpus's glossary in the default
    assert Profile.from_data(json.loads(profile.to_json())) == profile


def test_a_build_without_a_profile_gets_the_default_with_the_corpus_glossary(
    small_settings: Settings,
) -> None:
    (small_settings.corpus_dir / "glossary.yaml").write_text("waiting time: [wachttijd]\n")
    build = current_build(small_settings.index_dir)
    assert build is not None and not (build / PROFILE_FILE).exists()
    profile = load_profile(build, small_settings.corpus_dir)
    assert profile.glossary.terms == {"waiting time": ("wachttijd",)}
    assert profile.refusal == Profile.default().refusal


def test_ingest_writes_the_profile_and_the_engine_uses_it(small_settings: Settings) -> None:
    corpus = small_settings.corpus_dir
    (corpus / "glossary.yaml").write_text("waiting time: [wachttijd]\n")
    (corpus / "extra.txt").write_text("Een extra rapport over de wachttijd bij buurtteams.\n")
    chosen = replace(
        profile_for_ingest(small_settings.index_dir, [corpus]),
        name="mine",
        retrieval=RetrievalConfig(dutch=FusionWeights(0.2, 0.2, 0.6)),
        answer=AnswerConfig(max_sentences=2),
    )
    ingest([corpus], small_settings.index_dir, HashingEmbedder(), profile=chosen.to_data())
    engine = Engine.load(small_settings, embedder=HashingEmbedder())
    assert engine.profile.name == "mine"
    assert engine.retriever.config.dutch == FusionWeights(0.2, 0.2, 0.6)
    assert engine.retriever.glossary.terms == {"waiting time": ("wachttijd",)}
    assert ExtractiveAnswerer(engine.retriever).config.max_sentences == 2
    # a re-ingest keeps the profile of the build before it
    (corpus / "extra.txt").write_text("Een ander rapport over de wachttijd.\n")
    ingest([corpus], small_settings.index_dir, HashingEmbedder())
    engine.refresh()
    assert engine.profile.name == "mine"


def test_calibrate_fits_on_the_dev_part_and_writes_the_build(
    small_settings: Settings, tmp_path: Path
) -> None:
    questions = [
        ("Wie heeft de regie als SAVE betrokken is?", True, "dev"),
        ("Hoeveel gezinnen ondersteunden de buurtteams in 2018?", True, "dev"),
        ("Wat was de wachttijd voor een eerste gesprek?", True, "dev"),
        ("Hoeveel gezinnen woonden in Amersfoort in 2016?", False, "dev"),
        ("Wat kost een parkeervergunning in Zeist?", False, "dev"),
        ("Wat is het telefoonnummer van Youké?", False, "test"),
    ]
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"q{n}",
                    "question": text,
                    "language": "nl",
                    "answerable": answerable,
                    "doc": "jim.txt",
                    "quotes": ["x"] if answerable else [],
                    "facts": [],
                    "split": split,
                }
            )
            + "\n"
            for n, (text, answerable, split) in enumerate(questions)
        )
    )
    engine = Engine.load(small_settings, embedder=HashingEmbedder())
    result = calibrate(small_settings, gold, engine=engine)
    assert result.questions == 5 and result.unanswerable == 2  # the test item is not read
    assert result.profile.fitted.split == "dev" and result.profile.fitted.gold_set == "gold.jsonl"
    assert result.profile.refusal.embedder == "hashing-test"
    written = load_profile(current_build(small_settings.index_dir))
    assert written.refusal == result.profile.refusal
    assert any("threshold" in line for line in result.changes())
    assert Engine.load(small_settings, embedder=HashingEmbedder()).profile == written


def test_save_profile_replaces_the_file_whole(small_settings: Settings) -> None:
    profile = replace(Profile.default(), name="other")
    path = save_profile(small_settings.index_dir, profile)
    assert json.loads(path.read_text())["name"] == "other"
    assert asdict(load_profile(path.parent).answer) == asdict(profile.answer)
