"""Measure the activation ranges the integer query graph ("ort-i8") is smoothed with.

``python -m benchmarks.e5_calibration [--data-dir D] [--sentences 300]`` runs the 8-bit graph over
a fixed sample of the index's sentences (embedded as queries, as the graph will be used),
records each input channel's largest magnitude at the qkv, attention-output and FFN-in
matmuls of every layer, and writes them with the model file's SHA-256 to
``ingest/e5/input_max.npz``. The ranges are the model's (a few channels carry outliers on
any text), so the file ships with the code and needs regenerating only for another model
file. Faithfulness and the gold-set figures are in evals/EXPERIMENTS.md.
"""

from __future__ import annotations

import argparse
import logging
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ingest.e5.backends import Embeddings
from ingest.e5.format import Bundle, file_sha256, load_bundle
from ingest.e5.graph import build_onnx
from ingest.e5.quantise import INPUT_MAX_FILE
from ingest.e5.runtime import QUERY_PREFIX
from ingest.e5.tokenizer import Tokenizer

logger = logging.getLogger(__name__)

SMOOTHED = 3  # per layer: qkv, attention output, FFN in (FFN out stays 8-bit weights only)


def activation_maxima(b: Bundle, texts: Sequence[str]) -> np.ndarray:
    """Largest |input| per channel of each layer's smoothed matmuls: [layers, 3, hidden]."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    model = onnx.load_from_string(build_onnx(b, "q8"))
    inputs = [n.input[0] for n in model.graph.node if n.op_type == "MatMulNBits"]
    assert len(inputs) == 4 * b.layers, "expected qkv, ao, fi, fo per layer"
    watched = [name for i, name in enumerate(inputs) if i % 4 < SMOOTHED]
    for name in watched:
        model.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    tokenizer, embeddings = Tokenizer(b), Embeddings(b)
    maxima = np.zeros((len(watched), b.hidden), dtype=np.float32)
    for text in texts:
        ids = np.array([[b.bos, *tokenizer.content_ids(QUERY_PREFIX + text)[:510], b.eos]])
        feed = {
            "emb": embeddings(ids).astype(np.float32),
            "keep": np.ones((1, ids.shape[1], 1), np.float32),
        }
        for row, values in enumerate(session.run(watched, feed)):
            maxima[row] = np.maximum(maxima[row], np.abs(values[0]).max(axis=0))
    return maxima.reshape(b.layers, SMOOTHED, b.hidden)


def sample_sentences(data_dir: Path | None, count: int, seed: int = 1) -> list[str]:
    """``count`` sentences drawn (with a fixed seed) from the current index's passages."""
    from ingest.index import load_index
    from vraagbaak.settings import Settings

    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    index = load_index(settings.index_dir, settings.embedder)
    sentences = [c.text[start:end] for c in index.chunks for start, end in c.sentences]
    random.seed(seed)
    return random.sample(sentences, min(count, len(sentences)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--sentences", type=int, default=300)
    parser.add_argument("--out", type=Path, default=INPUT_MAX_FILE)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    bundle = load_bundle()
    texts = sample_sentences(args.data_dir, args.sentences)
    maxima = activation_maxima(bundle, texts)
    np.savez(args.out, input_max=maxima, model_sha256=np.array(file_sha256(bundle.path)))
    logger.info("Wrote %s: %d sentences, largest channel %.1f", args.out, len(texts), maxima.max())


if __name__ == "__main__":
    main()
