"""The activation maxima the integer query graph is smoothed with."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.e5_calibration import activation_maxima
from ingest.e5 import load_bundle
from ingest.e5.quantise import load_input_max

pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.integration


def test_the_shipped_maxima_belong_to_the_bundled_model() -> None:
    bundle = load_bundle()
    maxima = load_input_max(bundle)
    assert maxima is not None, "regenerate with `python -m benchmarks.e5_calibration`"
    assert maxima.shape == (bundle.layers, 3, bundle.hidden)


def test_a_few_channels_carry_outliers_on_any_text() -> None:
    """Why the graph is smoothed: one int8 step per tensor would be set by a few channels."""
    bundle = load_bundle()
    maxima = activation_maxima(bundle, ["Wie heeft de regie?", "Who holds regie with SAVE?"])
    assert maxima.shape == (bundle.layers, 3, bundle.hidden)
    assert (maxima >= 0).all()
    ratio = maxima.max(axis=-1) / np.median(maxima, axis=-1)
    assert ratio.max() > 10
