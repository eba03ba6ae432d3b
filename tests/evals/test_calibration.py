"""The refusal threshold, calibrated on the answerable questions: a cap on false refusals."""

from __future__ import annotations

import numpy as np
import pytest

from evals.calibration import threshold_for


@pytest.mark.parametrize("cap", [0.0, 0.05, 0.08, 0.2])
def test_the_threshold_refuses_at_most_the_cap_of_answerable_questions(cap: float) -> None:
    rng = np.random.default_rng(1)
    unanswerable = np.array([True] * 20 + [False] * 100)
    p = np.concatenate([rng.uniform(0.3, 1.0, 20), rng.uniform(0.0, 0.8, 100)])
    threshold = threshold_for(p, unanswerable, cap)
    refused = p >= threshold
    assert refused[~unanswerable].sum() == int(np.floor(cap * 100 + 1e-9))
    # the lowest such threshold: the next answerable question down would be refused too
    below = p[~unanswerable & ~refused].max()
    assert threshold > below
    assert not np.isclose(p, threshold).any()


def test_a_cap_of_everything_refuses_everything() -> None:
    p = np.array([0.9, 0.2, 0.7])
    assert (p >= threshold_for(p, np.array([True, False, False]), 1.0)).all()
