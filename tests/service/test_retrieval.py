"""Hybrid retrieval: fusion mechanics with the fake embedder; the flagship questions on e5."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import ingest
from service.engine import Engine
from service.glossary import Glossary
from service.retrieval import FusionWeights, RetrievalConfig, VraagbaakRetriever
from tests.conftest import REAL_PDF
from tests.fakes import HashingEmbedder
from vraagbaak.settings import Settings

SAVE_QUOTE = "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren"


def test_search_ranks_the_matching_passage_first(small_settings: Settings) -> None:
    retriever = Engine.load(small_settings, embedder=HashingEmbedder()).retriever
    hits = retriever.search("gemiddelde wachttijd eerste gesprek", k=3)
    assert "wachttijd" in hits[0].chunk.text
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_lexical_only_and_dense_only_configs_differ(small_settings: Settings) -> None:
    engine = Engine.load(small_settings, embedder=HashingEmbedder())
    only_lexical = FusionWeights(dense=0, sentence=0, lexical=1)
    engine.retriever.config = RetrievalConfig(dutch=only_lexical, english=only_lexical)
    hits = engine.retriever.search("4.210 gezinnen", k=1)
    assert "4.210" in hits[0].chunk.text and hits[0].lexical > 0


def test_rrf_fusion_returns_ranked_hits(small_settings: Settings) -> None:
    engine = Engine.load(
        small_settings, embedder=HashingEmbedder(), config=RetrievalConfig(fusion="rrf")
    )
    hits = engine.retriever.search("regiehouder SAVE", k=2)
    assert len(hits) == 2 and "SAVE" in hits[0].chunk.text


def test_english_questions_get_dutch_glossary_terms(tmp_path: Path) -> None:
    (tmp_path / "glossary.yaml").write_text("waiting time: [wachttijd]\nfamilies: [gezinnen]\n")
    glossary = Glossary.load(tmp_path)
    assert glossary.dutch_terms("What was the waiting time for families?") == [
        "wachttijd",
        "gezinnen",
    ]
    assert glossary.expand("nothing to add") == "nothing to add"


def test_langchain_retriever_returns_documents_with_citation_metadata(
    small_settings: Settings,
) -> None:
    retriever = VraagbaakRetriever(
        retriever=Engine.load(small_settings, embedder=HashingEmbedder()).retriever, k=2
    )
    documents = retriever.invoke("regiehouder SAVE")
    assert len(documents) == 2
    assert "SAVE" in documents[0].page_content
    assert {"chunk_id", "source", "title", "section", "page"} <= set(documents[0].metadata)


def test_query_vectors_are_cached(small_settings: Settings) -> None:
    embedder = HashingEmbedder()
    calls = []
    original = embedder.embed_batch
    embedder.embed_batch = lambda texts, kind: calls.append(texts) or original(texts, kind)  # type: ignore[method-assign]
    retriever = Engine.load(small_settings, embedder=embedder).retriever
    retriever.search("wachttijd", 1)
    retriever.search("wachttijd", 1)
    assert len(calls) == 1


@pytest.mark.integration
@pytest.mark.parametrize(
    "question",
    [
        "wie heeft de regie als SAVE betrokken is?",
        "who holds regie when SAVE is involved?",
    ],
)
def test_the_save_passage_is_in_the_top_three(
    real_index_settings: Settings,
    real_embedder,  # type: ignore[no-untyped-def]
    question: str,
) -> None:
    hits = Engine.load(real_index_settings, embedder=real_embedder).retriever.search(question, 3)
    assert any(SAVE_QUOTE in " ".join(h.chunk.text.split()) for h in hits)


@pytest.mark.integration
def test_a_pdf_definition_comes_back_with_its_page(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / REAL_PDF.name).write_bytes(REAL_PDF.read_bytes())
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    ingest([corpus], settings.index_dir, real_embedder)
    hits = Engine.load(settings, embedder=real_embedder).retriever.search(
        "wat is een deelautoplaats?", 3
    )
    # The definitions list is among the top three; the definition itself stands on page 2,
    # whatever page its passage starts on.
    definition = next(h for h in hits if "6. deelautoplaats: parkeerplaats" in h.chunk.text)
    assert definition.chunk.page_at(definition.chunk.text.index("6. deelautoplaats")) == 2
    assert definition.chunk.page is not None and definition.chunk.page_end is not None
    assert definition.chunk.page <= 2 <= definition.chunk.page_end
    assert "Pagina" not in definition.chunk.text


def test_dense_scores_come_from_faiss_also_when_the_index_is_hnsw(
    small_settings: Settings,
) -> None:
    from ingest.dense import build_dense_index

    retriever = Engine.load(small_settings, embedder=HashingEmbedder()).retriever
    vector = retriever.query_vector("regiehouder SAVE")
    exact = retriever.dense_scores(vector)
    assert exact == pytest.approx(retriever.index.passage_vectors @ vector, abs=1e-5)
    retriever.index.dense = build_dense_index(retriever.index.passage_vectors, exact_max=0)
    approximate = retriever.dense_scores(vector)
    assert approximate.argmax() == exact.argmax()
    assert approximate.max() == pytest.approx(exact.max(), abs=1e-5)


WORDS = [
    "gezin",
    "jongere",
    "mentor",
    "buurtteam",
    "regie",
    "wachttijd",
    "zorg",
    "verwijzing",
    "gemeente",
    "jeugdhulp",
    "traject",
    "afspraak",
    "school",
    "ouders",
    "netwerk",
    "hulpverlener",
    "rapportage",
    "bereik",
    "kosten",
    "beleid",
    "wijk",
    "veiligheid",
    "samenwerking",
    "specialistisch",
    "basishulp",
    "aanmelding",
    "evaluatie",
    "doel",
    "plan",
    "gesprek",
]


def _varied_corpus(directory: Path, documents: int = 30, seed: int = 3) -> Path:
    """Enough passages and sentences that a threshold of 0 gives the approximate indexes work."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True)
    for d in range(documents):
        paragraphs = []
        for p in range(6):
            sentences = [
                " ".join(rng.choice(WORDS, size=8)).capitalize() + f" {d * 100 + p * 10 + s}."
                for s in range(5)
            ]
            paragraphs.append(f"{p + 1}. Onderdeel {d}-{p}\n\n" + " ".join(sentences))
        (directory / f"doc{d:02d}.txt").write_text(
            f"Rapport {d}\n\n" + "\n\n".join(paragraphs), encoding="utf-8"
        )
    return directory


def _engines(tmp_path: Path) -> tuple[Engine, Engine]:
    from ingest.index import IndexParams

    corpus = _varied_corpus(tmp_path / "corpus")
    embedder = HashingEmbedder()
    engines = []
    for name, params in (("exact", IndexParams()), ("forced", IndexParams(exact_max_vectors=0))):
        settings = Settings(corpus_dir=corpus, data_dir=tmp_path / name, embedder=embedder.name)
        ingest([corpus], settings.index_dir, embedder, params)
        engines.append(Engine.load(settings, embedder=embedder))
    return engines[0], engines[1]


QUERIES = [
    "wachttijd gesprek gezin",
    "regie buurtteam mentor",
    "kosten beleid gemeente",
    "samenwerking specialistisch basishulp",
    "Onderdeel 7-3",
    "jongere school ouders netwerk",
]


def test_the_large_index_path_agrees_with_the_exact_one(tmp_path: Path) -> None:
    exact, forced = _engines(tmp_path)
    assert forced.index.sentence_index is not None and exact.index.sentence_index is None
    overlap = []
    for query in QUERIES:
        want = [h.chunk.id for h in exact.retriever.search(query, 5)]
        got = [h.chunk.id for h in forced.retriever.search(query, 5)]
        overlap.append(len(set(want) & set(got)) / 5)
        assert got[0] == want[0], query
    assert sum(overlap) / len(overlap) >= 0.8, overlap


def test_sentence_cosines_are_exact_on_the_large_index_path(tmp_path: Path) -> None:
    _, forced = _engines(tmp_path)
    scores = forced.retriever.scores("wachttijd gesprek gezin")
    index = forced.index
    every = np.asarray(index.sentence_vectors) @ scores.query_vector
    for row in (0, len(every) // 2, len(every) - 1):
        assert scores.sentence_all[row] == pytest.approx(float(every[row]), abs=1e-6)
    assert len(scores.sentence_all) == len(every)
    assert scores.sentence.max() == pytest.approx(float(every.max()), abs=0.01)  # SQ8 codes


def test_answers_on_the_large_index_path_are_well_cited(tmp_path: Path) -> None:
    from service.answering.extractive import ExtractiveAnswerer

    exact, forced = _engines(tmp_path)
    answered = 0
    for query in QUERIES:
        expected = ExtractiveAnswerer(exact.retriever).answer(query)
        answer = ExtractiveAnswerer(forced.retriever).answer(query)
        assert answer.refused == expected.refused, query
        answered += not answer.refused
        for citation in answer.citations:
            chunk = forced.index.chunk(citation.chunk_id)
            assert chunk is not None and citation.quote == chunk.text[citation.start : citation.end]
            assert (citation.start, citation.end) in chunk.sentences
        assert answer.answer == expected.answer, query
    assert answered >= 2  # the comparison must not pass on refusals alone
