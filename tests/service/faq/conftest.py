"""A tiny corpus indexed with the hashing embedder, an engine over it and an empty FAQ store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from ingest.chunking import split_sentences
from ingest.embedders import embed_passages
from ingest.index import Index, IndexParams, Manifest, load_index, write_index
from ingest.lexical import LexicalIndex
from ingest.model import Chunk, DocumentInfo, text_hash
from service.answering.extractive import AnswerConfig, ExtractiveAnswerer
from service.answering.refusal import Evidence, RefusalModel
from service.engine import Engine
from service.faq.store import FaqStore
from tests.fakes import HashingEmbedder
from vraagbaak.settings import Settings

Documents = dict[str, tuple[str, list[tuple[str, str]]]]  # doc_id -> (title, [(section, text)])

CORPUS: Documents = {
    "jim": (
        "Evaluatie JIM-aanpak",
        [
            (
                "1 Inleiding > Regie",
                "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren. "
                "Een medewerker van SAVE MN werkte dan samen met de professionals bij Lokalis.",
            ),
            (
                "2 Werkwijze",
                "De JIM is een vertrouwde volwassene uit het netwerk van de jongere. "
                "Het is belangrijk dat de jongere de JIM zelf kiest, "
                "omdat het vertrouwen dan groter is.",
            ),
            (
                "3 Resultaten",
                "In 2018 kozen 45 jongeren een JIM binnen het traject. "
                "Ongeveer 23% van de trajecten werd voortijdig beëindigd.",
            ),
        ],
    ),
    "wachtlijst": (
        "Wachtlijsten specialistische jeugdhulp",
        [
            (
                "Knelpunten",
                "De wachtlijsten voor specialistische hulp liepen op tot twaalf weken. "
                "Gezinnen moesten daardoor lang wachten op passende hulp.",
            ),
            (
                "Aanbevelingen",
                "De gemeente moet de toegang tot specialistische hulp beter regelen. "
                "Wijkteams krijgen meer ruimte om zelf hulp in te zetten.",
            ),
        ],
    ),
}


def build_index(index_dir: Path, documents: Documents, embedder: HashingEmbedder) -> Index:
    """Write a build for ``documents`` (one passage per section) the way ingest does."""
    infos, clean_texts, chunks = [], {}, []
    for doc_id, (title, passages) in documents.items():
        text = ""
        for ordinal, (section, passage) in enumerate(passages):
            start = len(text)
            text += passage
            chunks.append(
                Chunk(
                    id=Chunk.make_id(doc_id, ordinal, passage),
                    doc_id=doc_id,
                    ordinal=ordinal,
                    text=passage,
                    section=section,
                    page=ordinal + 1,
                    page_end=ordinal + 1,
                    start=start,
                    end=len(text),
                    sentences=tuple(split_sentences(passage)),
                )
            )
            text += "\n\n"
        clean_texts[doc_id] = text
        infos.append(
            DocumentInfo(
                doc_id=doc_id,
                source=f"{doc_id}.txt",
                title=title,
                author=None,
                year=None,
                language="nl",
                sha256=text_hash(text),
                pages=len(passages),
                chars=len(text),
            )
        )
    titles = {d.doc_id: d.title for d in infos}
    passage_vectors = embed_passages(
        embedder, [f"{titles[c.doc_id]} — {c.section}\n{c.text}" for c in chunks]
    )
    owners = [(row, n) for row, c in enumerate(chunks) for n in range(len(c.sentences))]
    sentence_vectors = embed_passages(
        embedder, [chunks[row].sentence_texts()[n] for row, n in owners]
    )
    manifest = Manifest(
        embedder=embedder.name,
        dimension=embedder.dimension,
        params=IndexParams(),
        documents={d.source: d.sha256 for d in infos},
        passages=len(chunks),
        sentences=len(owners),
    )
    write_index(
        index_dir,
        manifest,
        infos,
        clean_texts,
        chunks,
        passage_vectors,
        sentence_vectors,
        np.asarray(owners, dtype=np.int32).reshape(-1, 2),
        LexicalIndex.build([c.text for c in chunks]),
    )
    return load_index(index_dir, embedder.name)


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {"data_dir": tmp_path / "data", "corpus_dir": tmp_path / "corpus"}
    )


@pytest.fixture
def index(settings: Settings, embedder: HashingEmbedder) -> Index:
    return build_index(settings.index_dir, CORPUS, embedder)


@pytest.fixture
def engine(settings: Settings, embedder: HashingEmbedder, index: Index) -> Engine:
    return Engine.load(settings, embedder=embedder)


# The bundled refusal model is fitted for e5; for the hashing embedder refuse when the best
# sentence's cosine is at most 0.4.
_FEATURES = len(fields(Evidence))
REFUSAL = RefusalModel(
    mean=(0.0,) * _FEATURES,
    scale=(1.0,) * _FEATURES,
    coefficients=(-20.0,) + (0.0,) * (_FEATURES - 1),  # best_sentence comes first
    intercept=8.0,
    threshold=0.5,
    embedder=HashingEmbedder().name,
)


@pytest.fixture
def answerer(engine: Engine) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(engine.retriever, AnswerConfig(), REFUSAL)


@pytest.fixture
def store(settings: Settings) -> Iterator[FaqStore]:
    faq_store = FaqStore.open(settings)
    yield faq_store
    faq_store.close()
