"""Quality gates: minimum and maximum values for summary metrics (evals/thresholds.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"

Thresholds = dict[str, dict[str, float]]


class ThresholdsError(ValueError):
    """A thresholds file that cannot be used."""


def load_thresholds(path: Path | str = DEFAULT_THRESHOLDS, corpus: str | None = None) -> Thresholds:
    """The gates in ``path`` for ``corpus``.

    Plain ``[min]``/``[max]`` tables apply to every corpus; ``[NAME.min]``/``[NAME.max]`` add to
    them (and win on the same metric) for the corpus called NAME. Without ``corpus`` only the
    plain tables count.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThresholdsError(f"{path}: {exc}") from exc
    thresholds = _bounds(data, path, "")
    for name, table in data.items():
        if name in ("min", "max"):
            continue
        if not isinstance(table, dict) or not table or set(table) - {"min", "max"}:
            raise ThresholdsError(
                f"{path}: unknown table [{name}]; use [min] and [max], or [CORPUS.min] and "
                "[CORPUS.max] for one corpus"
            )
        corpus_bounds = _bounds(table, path, f"{name}.")
        if name == corpus:
            for kind in ("min", "max"):
                thresholds[kind] |= corpus_bounds[kind]
    return thresholds


def corpora_in(path: Path | str = DEFAULT_THRESHOLDS) -> list[str]:
    """The corpus names that have tables of their own in ``path``."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThresholdsError(f"{path}: {exc}") from exc
    return sorted(name for name in data if name not in ("min", "max"))


def _bounds(data: dict[str, Any], path: Path, prefix: str) -> Thresholds:
    thresholds: Thresholds = {}
    for table in ("min", "max"):
        values = data.get(table, {})
        if not isinstance(values, dict):
            raise ThresholdsError(f"{path}: [{prefix}{table}] must be a table")
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ThresholdsError(
                    f"{path}: {prefix}{table}.{name} must be a number, got {value!r}"
                )
        thresholds[table] = {name: float(value) for name, value in values.items()}
    return thresholds


def _fmt(value: float, limit: float) -> tuple[str, str]:
    """Two decimals, more when two would hide the difference ("0.849" vs "0.85")."""
    for decimals in (2, 3, 4):
        shown, bound = f"{value:.{decimals}f}", f"{limit:.{decimals}f}"
        if shown != bound:
            return shown, f"{limit:.2f}"
    return f"{value:.6g}", f"{limit:.2f}"


def _metrics(summary: dict[str, Any]) -> dict[str, Any]:
    metrics = summary.get("metrics", summary)
    return metrics if isinstance(metrics, dict) else {}


def check(summary: dict[str, Any], thresholds: Thresholds) -> list[str]:
    """Failures, one clear sentence each; empty when every gate passes.

    ``summary`` is the runner's summary (or its flat ``metrics`` map). A metric whose value is
    None (answers not run, no unanswerable questions) is skipped; a name the summary does not
    know at all is a failure, so a typo cannot switch a gate off.
    """
    metrics = _metrics(summary)
    failures = []
    for kind, bounds in (("min", thresholds.get("min", {})), ("max", thresholds.get("max", {}))):
        for name, limit in bounds.items():
            if name not in metrics:
                failures.append(f"{name} is not a known metric (thresholds [{kind}])")
                continue
            value = metrics[name]
            if value is None:
                continue
            if kind == "min" and value < limit:
                shown, bound = _fmt(value, limit)
                failures.append(f"{name} = {shown} is below the minimum {bound}")
            elif kind == "max" and value > limit:
                shown, bound = _fmt(value, limit)
                failures.append(f"{name} = {shown} is above the maximum {bound}")
    return failures


def skipped(summary: dict[str, Any], thresholds: Thresholds) -> list[str]:
    """Gates that were not checked because their metric has no value in this run."""
    metrics = _metrics(summary)
    return [
        name
        for bounds in thresholds.values()
        for name in bounds
        if name in metrics and metrics[name] is None
    ]


def verdicts(summary: dict[str, Any], thresholds: Thresholds) -> list[dict[str, Any]]:
    """One verdict per gate: ``{"metric", "value", "threshold", "kind", "pass"}``; ``pass`` is
    None when the run has no value for the metric (answers not run, say)."""
    metrics = _metrics(summary)
    out = []
    for kind in ("min", "max"):
        for name, limit in thresholds.get(kind, {}).items():
            value = metrics.get(name)
            passed = None
            if isinstance(value, int | float):
                passed = value >= limit if kind == "min" else value <= limit
            out.append(
                {"metric": name, "value": value, "threshold": limit, "kind": kind, "pass": passed}
            )
    return out
