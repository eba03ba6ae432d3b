"""Test doubles shared by the test suite."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ingest.embedders import Kind, _normalise
from ingest.model import text_hash


class HashingEmbedder:
    """Deterministic bag-of-words embedder for unit tests and dry runs: no model, no network.

    Texts sharing words get similar vectors, so retrieval behaves sensibly on small test corpora.
    """

    def __init__(self, dimension: int = 256, name: str = "hashing-test") -> None:
        self.name = name
        self.dimension = dimension

    def embed_batch(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                slot = int(text_hash(word)[:8], 16)
                out[row, slot % self.dimension] += 1.0 if (slot >> 31) & 1 else -1.0
        out[:, 0] += 1e-3  # keeps empty texts at a defined direction
        return _normalise(out)
