"""Shared fixtures: a small Dutch test corpus indexed with the fake embedder (unit tests) and the
shipped corpus indexed once per session with the real bundled model (integration tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.embedders import load_embedder
from ingest.pipeline import ingest
from tests.fakes import HashingEmbedder
from vraagbaak.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
REAL_PDF = ROOT / "tests" / "fixtures" / "parkeerverordening-heerlen-2025.pdf"

SMALL_CORPUS = {
    "jim.txt": """Samenwerking in de JIM-aanpak

1. Inleiding

De JIM-aanpak ondersteunt gezinnen om zelf de regie te nemen. Een jongere kiest zelf een
mentor uit het eigen netwerk.

2. Regie

Als SAVE al bij aanvang van het traject betrokken is, is SAVE de regiehouder. In andere
trajecten heeft de gezinswerker van het buurtteam de regie.
De jeugdhulpverlener van Youké begeleidt de JIM tijdens het traject.

3. Aanbevelingen

Gezinswerkers hebben meer kennis over de JIM-aanpak nodig. Maak vooraf afspraken over de
rolverdeling tussen basishulp en specialistische hulp.
""",
    "buurtteams.txt": """Halfjaarrapportage buurtteams

Bereik

In het eerste halfjaar van 2018 ondersteunden de buurtteams 4.210 gezinnen in Utrecht.
Het aantal verwijzingen naar specialistische zorg daalde licht ten opzichte van 2017.

Wachttijden

De gemiddelde wachttijd voor een eerste gesprek was twee weken.
""",
}


def write_small_corpus(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in SMALL_CORPUS.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    return write_small_corpus(tmp_path / "corpus")


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def small_settings(tmp_path: Path, small_corpus: Path, fake_embedder: HashingEmbedder) -> Settings:
    settings = Settings(
        corpus_dir=small_corpus, data_dir=tmp_path / "data", embedder=fake_embedder.name
    )
    ingest([small_corpus], settings.index_dir, fake_embedder)
    return settings


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    return load_embedder("e5-small-q4")


@pytest.fixture(scope="session")
def real_index_settings(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Settings:  # type: ignore[no-untyped-def]
    """The shipped corpus indexed with the bundled e5 model, once per test session.

    Set VRAAGBAAK_TEST_INDEX to a data dir that already holds such an index to skip the ingest
    (CI ingests the corpus once for the eval gate and reuses it here).
    """
    import os

    data_dir = tmp_path_factory.mktemp("real-data")
    reuse = os.environ.get("VRAAGBAAK_TEST_INDEX")
    if reuse and (Path(reuse) / "index" / "current").exists():
        shutil.copytree(Path(reuse) / "index", data_dir / "index", symlinks=True)
    settings = Settings(corpus_dir=CORPUS, data_dir=data_dir)
    ingest([CORPUS], settings.index_dir, real_embedder)
    return settings
