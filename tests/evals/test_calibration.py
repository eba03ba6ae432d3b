"""The refusal threshold, calibrated on the unanswerable questions."""

from __future__ import annotations

import numpy as np
import pytest

from evals.calibration import threshold_for


@pytest.mark.parametrize("target", [0.5, 0.75, 0.8, 1.0])
def test_the_threshold_refuses_the_target_share_of_unanswerable_questions(target: float) -> None:
    rng = np.random.default_rng(1)
    unanswerable = np.array([True] * 20 + [False] * 100)
    p = np.concatenate([rng.uniform(0.3, 1.0, 20), rng.uniform(0.0, 0.8, 100)])
    threshold = threshold_for(p, unanswerable, target)
    refused = p >= threshold
    assert refused[unanswerable].mean() == pytest.approx(np.ceil(target * 20) / 20)
    # the highest such threshold: raising it to the next question up refuses fewer unanswerable
    above = p[p >= threshold].min()
    assert (p >= np.nextafter(above, 1))[unanswerable].sum() < refused[unanswerable].sum()
    # and it stands apart from every question's probability
    assert not np.isclose(p, threshold).any() or target == 1.0


def test_a_target_of_zero_refuses_nothing() -> None:
    p = np.array([0.9, 0.2, 0.7])
    assert not (p >= threshold_for(p, np.array([True, False, False]), 0.0)).any()
