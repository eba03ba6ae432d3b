"""Fit a corpus profile's refusal model on a gold set's dev part: ``vraagbaak calibrate``.

Gathers the evidence features (service/answering/refusal.py) for every dev question, fits a
class-balanced, L2-regularised logistic regression (numpy, Newton steps), and calibrates the
threshold on the answerable ones: the lowest that refuses at most ``max_false`` of them. The
refitted profile (service/profile.py) is written into the index's current build; the test part
is never read.
``python -m evals.calibration`` does the same.
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from evals.goldset import DEFAULT_SET, GoldQuestion, load_goldset
from service.answering.extractive import ExtractiveAnswerer
from service.answering.refusal import FEATURES, RefusalModel
from service.engine import Engine
from service.profile import Fit, Profile, save_profile
from vraagbaak.settings import Settings

logger = logging.getLogger(__name__)

MAX_FALSE = 0.05  # share of answerable dev questions the threshold may refuse


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0) -> tuple[np.ndarray, float]:
    """Weights and intercept for standardised ``x``; classes weighted to count equally."""
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    sample = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    w = np.zeros(d + 1)
    penalty = np.diag([l2] * d + [0.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-design @ w))
        gradient = design.T @ (sample * (p - y)) + penalty @ w
        hessian = design.T @ (design * (sample * p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:d], float(w[d])


def threshold_for(p: np.ndarray, unanswerable: np.ndarray, max_false: float) -> float:
    """The lowest threshold on P(unanswerable) that refuses at most ``max_false`` of the
    answerable questions (so as many unanswerable ones as that allows); it sits halfway to the
    next answerable question below, so that a question on the edge does not flip with the last
    digit of a cosine. A cap on false refusals transfers to a new corpus better than a target
    refusal rate, which a weakly separable set reaches only by refusing answerable ones."""
    answerable = np.sort(p[~unanswerable])[::-1]
    allowed = math.floor(max_false * len(answerable) + 1e-9)
    if allowed >= len(answerable):
        return 0.0
    edge = float(answerable[allowed])  # the highest answerable score that must not be refused
    above = p[p > edge]
    return (edge + float(above.min())) / 2 if len(above) else min(1.0, edge + 1e-6)


def train(
    x: np.ndarray,
    y: np.ndarray,
    max_false: float,
    name: str,
    embedder: str = "",
    features: tuple[str, ...] = FEATURES,
) -> RefusalModel:
    mean, scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-3)  # a constant feature: 0
    weights, intercept = fit_logistic((x - mean) / scale, y)
    p = 1 / (1 + np.exp(-(((x - mean) / scale) @ weights + intercept)))
    return RefusalModel(
        mean=tuple(mean.round(6)),
        scale=tuple(scale.round(6)),
        coefficients=tuple(weights.round(6)),
        intercept=round(intercept, 6),
        threshold=round(threshold_for(p, y == 1, max_false), 6),
        embedder=embedder,
        trained_on=name,
        features=features,
    )


def cross_validate(
    x: np.ndarray, y: np.ndarray, max_false: float, folds: int = 7
) -> dict[str, float]:
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    refused = np.zeros(len(y), dtype=bool)
    for k in range(folds):
        test = order[k::folds]
        train_rows = np.setdiff1d(order, test)
        model = train(x[train_rows], y[train_rows], max_false, "fold")
        z = (x[test] - np.array(model.mean)) / np.array(model.scale)
        p = 1 / (1 + np.exp(-(z @ np.array(model.coefficients) + model.intercept)))
        refused[test] = p >= model.threshold
    return {
        "refusal_rate_unanswerable": float(refused[y == 1].mean()),
        "false_refusal_rate": float(refused[y == 0].mean()),
    }


def dev_questions(questions: list[GoldQuestion], split: str = "dev") -> list[GoldQuestion]:
    """The part of the set one may fit on (items without a split count as dev)."""
    return [q for q in questions if getattr(q, "split", "dev") == split]


@dataclass(frozen=True)
class Calibration:
    profile: Profile
    before: Profile
    questions: int
    unanswerable: int
    cross_validated: dict[str, float]
    path: Path | None

    def changes(self) -> list[str]:
        """What the refit changed, one line each."""
        old, new = self.before.refusal, self.profile.refusal
        lines = [
            f"refusal threshold {old.threshold:.3f} -> {new.threshold:.3f}",
            f"refusal intercept {old.intercept:.3f} -> {new.intercept:.3f}",
        ]
        before = dict(zip(old.features, old.coefficients, strict=True))
        for name, value in zip(new.features, new.coefficients, strict=True):
            lines.append(f"  {name}: {before.get(name, 0.0):+.3f} -> {value:+.3f}")
        lines.append(f"fitted on {self.profile.fitted.gold_set} ({self.profile.fitted.split})")
        return lines


def evidence_matrix(answerer: ExtractiveAnswerer, questions: list[GoldQuestion]) -> np.ndarray:
    return np.array([answerer.draft(q.question).evidence.vector() for q in questions])


def calibrate(
    settings: Settings,
    gold_set: Path = DEFAULT_SET,
    *,
    split: str = "dev",
    max_false: float = MAX_FALSE,
    features: tuple[str, ...] | None = None,
    write: bool = True,
    engine: Engine | None = None,
) -> Calibration:
    """Refit the refusal model of the index's profile on ``gold_set``'s ``split`` part and
    (``write``) store the profile in the current build."""
    engine = engine or Engine.load(settings)
    questions = dev_questions(load_goldset(gold_set), split)
    if not questions or all(q.answerable for q in questions):
        raise ValueError(f"{gold_set}: the {split} part needs answerable and unanswerable items")
    before = engine.profile
    features = features or before.refusal.features
    answerer = ExtractiveAnswerer(engine.retriever, before.answer, before.refusal)
    columns = [FEATURES.index(f) for f in features]
    x = evidence_matrix(answerer, questions)[:, columns]
    y = np.array([0 if q.answerable else 1 for q in questions])
    estimate = cross_validate(x, y, max_false)
    model = train(x, y, max_false, gold_set.name, engine.embedder.name, features)
    fit = Fit(gold_set.name, split, time.strftime("%Y-%m-%d"), f"{len(questions)} questions")
    profile = replace(before, refusal=model, fitted=fit)
    if before.name == "default":
        profile = replace(profile, name=f"calibrated-{gold_set.stem}")
    path = save_profile(settings.index_dir, profile) if write else None
    return Calibration(profile, before, len(questions), int(y.sum()), estimate, path)


def report(calibration: Calibration) -> str:
    lines = [
        f"{calibration.unanswerable} unanswerable, "
        f"{calibration.questions - calibration.unanswerable} answerable questions",
        f"cross-validated: {calibration.cross_validated}",
        *calibration.changes(),
    ]
    if calibration.path is not None:
        lines.append(f"wrote {calibration.path}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("set", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument(
        "--max-false",
        type=float,
        default=MAX_FALSE,
        help="share of the answerable dev questions that may be refused",
    )
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--dry-run", action="store_true", help="fit and print, write nothing")
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {}
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    if args.corpus:
        overrides["corpus_dir"] = args.corpus
    settings = Settings(**overrides)
    calibration = calibrate(settings, args.set, max_false=args.max_false, write=not args.dry_run)
    print(report(calibration))  # noqa: T201
    return calibration.profile.describe()


if __name__ == "__main__":
    main()
