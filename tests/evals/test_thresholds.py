from pathlib import Path

import pytest

from evals.thresholds import (
    DEFAULT_THRESHOLDS,
    ThresholdsError,
    check,
    load_thresholds,
    skipped,
)


def summary(**metrics: float | None) -> dict[str, object]:
    base: dict[str, float | None] = {
        "recall_at_5": 0.9,
        "recall_at_5_en": 0.85,
        "mrr_at_10": 0.7,
        "citation_hit": 0.9,
        "refusal_rate_unanswerable": 0.9,
        "false_refusal_rate": 0.05,
    }
    return {"metrics": base | metrics}


TARGETS = DEFAULT_THRESHOLDS.parent / "targets.toml"


def test_ci_floors_gate_every_targeted_metric() -> None:
    floors, targets = load_thresholds(DEFAULT_THRESHOLDS), load_thresholds(TARGETS)
    assert floors["min"].keys() == targets["min"].keys()
    assert floors["max"].keys() == targets["max"].keys()
    # a floor may sit above its target once the target is passed: it then guards the gain
    assert all(floors["max"][k] <= 1 for k in floors["max"])


def test_shipped_targets() -> None:
    thresholds = load_thresholds(TARGETS)
    assert thresholds["min"] == {
        "recall_at_5": 0.85,
        "recall_at_5_en": 0.80,
        "mrr_at_10": 0.65,
        "citation_hit": 0.85,
        "refusal_rate_unanswerable": 0.80,
    }
    assert thresholds["max"] == {"false_refusal_rate": 0.10}
    assert check(summary(), thresholds) == []


def test_failure_messages() -> None:
    thresholds = load_thresholds(TARGETS)
    failures = check(summary(recall_at_5=0.81, false_refusal_rate=0.12), thresholds)
    assert failures == [
        "recall_at_5 = 0.81 is below the minimum 0.85",
        "false_refusal_rate = 0.12 is above the maximum 0.10",
    ]


def test_close_values_show_enough_decimals() -> None:
    failures = check(summary(recall_at_5=0.849), load_thresholds(TARGETS))
    assert failures == ["recall_at_5 = 0.849 is below the minimum 0.85"]


def test_boundary_passes() -> None:
    assert check(summary(recall_at_5=0.85, false_refusal_rate=0.10), load_thresholds(TARGETS)) == []


def test_missing_values_are_skipped_unknown_names_fail() -> None:
    thresholds = {"min": {"citation_hit": 0.85, "recal_at_5": 0.5}, "max": {}}
    data = summary(citation_hit=None)
    assert check(data, thresholds) == ["recal_at_5 is not a known metric (thresholds [min])"]
    assert skipped(data, thresholds) == ["citation_hit"]
    # the flat metrics map works as well as the whole summary
    assert check({"citation_hit": 0.5}, {"min": {"citation_hit": 0.85}}) == [
        "citation_hit = 0.50 is below the minimum 0.85"
    ]


def test_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[min]\nrecall_at_5 = 'high'\n")
    with pytest.raises(ThresholdsError, match="must be a number"):
        load_thresholds(bad)
    bad.write_text("[minimum]\nrecall_at_5 = 0.8\n")
    with pytest.raises(ThresholdsError, match="unknown tables"):
        load_thresholds(bad)
    bad.write_text("[min\n")
    with pytest.raises(ThresholdsError):
        load_thresholds(bad)
