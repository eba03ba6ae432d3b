"""Fit the refusal model on the gold set: ``python -m evals.calibration [SET] [--target 0.8]``.

Gathers the evidence features (service/answering/refusal.py) for every gold question, fits a
class-balanced, L2-regularised logistic regression (numpy, Newton steps), and calibrates the
threshold on the unanswerable questions: the highest one that still refuses ``--target`` of
them, so no answerable question is refused that this rate does not need. Prints a
cross-validated estimate and writes service/answering/refusal_model.json.
"""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path

import numpy as np

from evals.goldset import DEFAULT_SET, load_goldset
from service.answering.extractive import ExtractiveAnswerer
from service.answering.refusal import MODEL_FILE, RefusalModel
from service.engine import Engine
from vraagbaak.settings import Settings

logger = logging.getLogger(__name__)


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


def threshold_for(p: np.ndarray, unanswerable: np.ndarray, target: float) -> float:
    """The highest threshold on P(unanswerable) that refuses ``target`` of the unanswerable
    questions; it sits halfway to the next question below, so that a question on the edge
    does not flip with the last digit of a cosine."""
    needed = math.ceil(target * int(unanswerable.sum()) - 1e-9)
    if needed == 0:
        return 1.0
    edge = float(np.sort(p[unanswerable])[::-1][needed - 1])
    below = p[p < edge]
    return (edge + float(below.max())) / 2 if len(below) else edge


def train(
    x: np.ndarray, y: np.ndarray, target: float, name: str, embedder: str = ""
) -> RefusalModel:
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    weights, intercept = fit_logistic((x - mean) / scale, y)
    p = 1 / (1 + np.exp(-(((x - mean) / scale) @ weights + intercept)))
    return RefusalModel(
        mean=tuple(mean.round(6)),
        scale=tuple(scale.round(6)),
        coefficients=tuple(weights.round(6)),
        intercept=round(intercept, 6),
        threshold=round(threshold_for(p, y == 1, target), 6),
        embedder=embedder,
        trained_on=name,
    )


def cross_validate(x: np.ndarray, y: np.ndarray, target: float, folds: int = 7) -> dict[str, float]:
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    refused = np.zeros(len(y), dtype=bool)
    for k in range(folds):
        test = order[k::folds]
        train_rows = np.setdiff1d(order, test)
        model = train(x[train_rows], y[train_rows], target, "fold")
        z = (x[test] - np.array(model.mean)) / np.array(model.scale)
        p = 1 / (1 + np.exp(-(z @ np.array(model.coefficients) + model.intercept)))
        refused[test] = p >= model.threshold
    return {
        "refusal_rate_unanswerable": float(refused[y == 1].mean()),
        "false_refusal_rate": float(refused[y == 0].mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("set", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument(
        "--target", type=float, default=0.8, help="share of unanswerable questions to refuse"
    )
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).parent.parent / "service" / "answering" / MODEL_FILE,
    )
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir) if args.data_dir else Settings()
    engine = Engine.load(settings)
    answerer = ExtractiveAnswerer(engine.retriever)
    questions = load_goldset(args.set)
    rows, labels = [], []
    for question in questions:
        rows.append(answerer.draft(question.question).evidence.vector())
        labels.append(0 if question.answerable else 1)
    x, y = np.array(rows), np.array(labels)
    estimate = cross_validate(x, y, args.target)
    model = train(x, y, args.target, args.set.name, engine.embedder.name)
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"{int(y.sum())} unanswerable, {int(len(y) - y.sum())} answerable questions")  # noqa: T201
    print(f"cross-validated: {estimate}")  # noqa: T201
    print(f"wrote {args.out} (threshold {model.threshold:.3f})")  # noqa: T201


if __name__ == "__main__":
    main()
