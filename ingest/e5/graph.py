"""The encoder as an ONNX graph over the bundled weights, built once per model file and
weight format and kept in the data dir's cache (building one takes seconds)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np

from ingest.e5.format import QK, Bundle, dequant_q4, model_sha256, write_atomically
from ingest.e5.quantise import Q8_BLOCK, q4_to_ort, q8_from_q4, smooth_int8

logger = logging.getLogger(__name__)

# Raise when build_onnx changes what it builds: cached graphs of older versions are not used.
GRAPH_VERSION = 2


def build_onnx(
    b: Bundle,
    weights: str = "fp32",
    accuracy_level: int = 4,
    input_max: np.ndarray | None = None,
) -> bytes:
    """The encoder (after the embedding lookup) as an ONNX graph.

    Inputs: ``emb`` [B, L, H] (word+pos+type, before LayerNorm) and ``keep`` [B, L, 1] (1 for
    real tokens, 0 for padding). Outputs: ``pooled`` [B, H] (mean over the kept tokens) and
    ``states`` [B, L, H] (the last layer's token states, for pooling parts of a text).
    ``weights``: "fp32" (dequantised MatMul), "q4" (MatMulNBits on the original 4-bit blocks),
    "q8" (MatMulNBits on the weights re-quantised to 8 bits, see ``q8_from_q4``) or "i8"
    (ORT's integer kernel, ``DynamicQuantizeMatMul``, after ``smooth_int8`` with the channel
    maxima ``input_max`` [layers, 3, H] of the qkv, attention-output and FFN-in inputs; the
    FFN-out matmul, whose GELU inputs no smoothing tames, stays "q8").
    """
    from onnx import TensorProto, helper, numpy_helper

    if weights == "i8" and input_max is None:
        raise ValueError("weights='i8' needs input_max (see benchmarks/e5_calibration.py)")
    hidden, heads = b.hidden, b.heads
    inits: list[Any] = []
    nodes: list[Any] = []
    counter = [0]

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, ins: list[str], domain: str = "", **attrs: Any) -> str:
        counter[0] += 1
        out = f"{op.lower()}_{counter[0]}"
        nodes.append(helper.make_node(op, ins, [out], domain=domain, **attrs))
        return out

    def linear(
        x: str, name: str, w_blocks: np.ndarray, bias: np.ndarray, x_max: np.ndarray | None = None
    ) -> str:
        n_out, nb = w_blocks.shape
        b32 = const(name + ".b", bias.astype(np.float32))
        if weights == "i8" and x_max is not None:
            inverse, q, scales = smooth_int8(dequant_q4(w_blocks).T, x_max)
            x = node("Mul", [x, const(name + ".smooth", inverse)])
            return node(
                "DynamicQuantizeMatMul",
                [x, const(name + ".qw", q), const(name + ".s", scales), "", b32],
                domain="com.microsoft",
            )
        if weights in ("q4", "q8", "i8"):
            bits, block = (4, QK) if weights == "q4" else (8, Q8_BLOCK)
            packed, scales = (q4_to_ort if weights == "q4" else q8_from_q4)(w_blocks)
            return node(
                "MatMulNBits",
                [x, const(name + ".qw", packed), const(name + ".s", scales), "", "", b32],
                domain="com.microsoft",
                K=nb * QK,
                N=n_out,
                bits=bits,
                block_size=block,
                accuracy_level=accuracy_level,
            )
        w = dequant_q4(w_blocks).T  # [in, out]
        return node("Add", [node("MatMul", [x, const(name + ".w", w)]), b32])

    def layernorm(x: str, w: np.ndarray, bb: np.ndarray, name: str) -> str:
        return node(
            "LayerNormalization",
            [x, const(name + ".w", np.asarray(w)), const(name + ".b", np.asarray(bb))],
            axis=-1,
            epsilon=b.eps,
        )

    t = b.tensors
    ax2 = const("ax2", np.array([2], np.int64))
    mask = node("Cast", [node("Squeeze", ["keep", ax2])], to=TensorProto.INT32)  # [B, L]
    x = layernorm("emb", t["emb.ln.w"], t["emb.ln.b"], "emb.ln")
    for li in range(b.layers):
        p = f"l{li}."
        wqkv = np.concatenate([t[p + "q.w"], t[p + "k.w"], t[p + "v.w"]])
        bqkv = np.concatenate([t[p + "q.b"], t[p + "k.b"], t[p + "v.b"]])
        x_max = input_max[li] if input_max is not None else [None] * 3
        qkv = linear(x, p + "qkv", wqkv, bqkv, x_max[0])
        q, k, v = (f"{p}{c}" for c in "qkv")
        nodes.append(helper.make_node("Split", [qkv], [q, k, v], axis=2, num_outputs=3))
        # one fused op for scores, mask, softmax and context (scaled by 1/sqrt(head size))
        ctx = node(
            "MultiHeadAttention", [q, k, v, "", mask], domain="com.microsoft", num_heads=heads
        )
        ao = linear(ctx, p + "ao", t[p + "ao.w"], np.asarray(t[p + "ao.b"]), x_max[1])
        x = layernorm(node("Add", [x, ao]), t[p + "aln.w"], t[p + "aln.b"], p + "aln")
        mid = node(
            "Gelu",
            [linear(x, p + "fi", t[p + "fi.w"], np.asarray(t[p + "fi.b"]), x_max[2])],
            domain="com.microsoft",
        )
        fo = linear(mid, p + "fo", t[p + "fo.w"], np.asarray(t[p + "fo.b"]))
        x = layernorm(node("Add", [x, fo]), t[p + "oln.w"], t[p + "oln.b"], p + "oln")
    nodes.append(helper.make_node("Identity", [x], ["states"]))
    ax1 = const("ax1", np.array([1], np.int64))
    summed = node("ReduceSum", [node("Mul", [x, "keep"]), ax1], keepdims=0)
    count = node("ReduceSum", ["keep", ax1], keepdims=0)
    nodes.append(helper.make_node("Div", [summed, count], ["pooled"]))
    f32 = TensorProto.FLOAT
    graph = helper.make_graph(
        nodes,
        "e5",
        [
            helper.make_tensor_value_info("emb", f32, ["B", "L", hidden]),
            helper.make_tensor_value_info("keep", f32, ["B", "L", 1]),
        ],
        [
            helper.make_tensor_value_info("pooled", f32, ["B", hidden]),
            helper.make_tensor_value_info("states", f32, ["B", "L", hidden]),
        ],
        inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid("com.microsoft", 1)],
    )
    model.ir_version = 8
    return bytes(model.SerializeToString())


def graph_name(
    model_sha: str, weights: str, accuracy_level: int, input_max: np.ndarray | None
) -> str:
    """File name of a built graph: the model file, the weight format and what it was smoothed
    with determine the graph."""
    key = f"{model_sha}|{weights}|{accuracy_level}|{GRAPH_VERSION}"
    if input_max is not None:
        key += "|" + hashlib.sha256(np.ascontiguousarray(input_max).tobytes()).hexdigest()
    return f"e5-{weights}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.onnx"


def onnx_graph(
    b: Bundle,
    weights: str,
    accuracy_level: int = 4,
    input_max: np.ndarray | None = None,
    cache_dir: Path | None = None,
) -> bytes | str:
    """The built graph: a file in ``cache_dir`` (built and written on first use) or, without a
    cache dir, the graph's bytes."""
    if cache_dir is None:
        return build_onnx(b, weights, accuracy_level, input_max)
    path = cache_dir / graph_name(
        model_sha256(b.path, cache_dir), weights, accuracy_level, input_max
    )
    if not path.exists():
        logger.info("Building the %s graph once for this data dir: %s", weights, path)
        graph = build_onnx(b, weights, accuracy_level, input_max)
        try:
            write_atomically(path, graph)
        except OSError as exc:
            logger.warning("Cannot cache the e5 graph in %s (%s): built in memory", path, exc)
            return graph
    return str(path)
