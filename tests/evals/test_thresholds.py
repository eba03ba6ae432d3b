from pathlib import Path

import pytest

from evals.thresholds import (
    DEFAULT_THRESHOLDS,
    ThresholdsError,
    check,
    corpora_in,
    load_thresholds,
    skipped,
)


def summary(**metrics: float | None) -> dict[str, object]:
    base: dict[str, float | None] = {
        "recall_at_5": 0.9,
        "recall_at_5_en": 0.85,
        "mrr_at_10": 0.7,
        "citation_hit": 0.9,
        "fact_coverage": 0.75,
        "refusal_rate_unanswerable": 0.9,
        "false_refusal_rate": 0.05,
        "bad_quotes": 0,
        "answer_chars_p50": 300,
    }
    return {"metrics": base | metrics}


TARGETS = DEFAULT_THRESHOLDS.parent / "targets.toml"
ISSUE_TARGETS = {
    "min": {
        "recall_at_5": 0.88,
        "recall_at_5_en": 0.85,
        "citation_hit": 0.85,
        "refusal_rate_unanswerable": 0.80,
        "fact_coverage": 0.70,
    },
    "max": {"false_refusal_rate": 0.08, "bad_quotes": 0, "answer_chars_p50": 350},
}


def test_ci_floors_gate_every_targeted_metric_of_both_corpora() -> None:
    assert corpora_in(TARGETS) == corpora_in(DEFAULT_THRESHOLDS) == ["a", "b"]
    for corpus in ("a", "b"):
        floors = load_thresholds(DEFAULT_THRESHOLDS, corpus)
        targets = load_thresholds(TARGETS, corpus)
        assert floors["min"].keys() >= targets["min"].keys(), corpus
        assert floors["max"].keys() >= targets["max"].keys(), corpus
        # a floor may sit above its target once the target is passed: it then guards the gain
        assert all(0 <= v <= 1 for v in floors["min"].values()), corpus
        assert all(0 <= floors["max"][k] <= 1 for k in floors["max"] if "rate" in k), corpus


def test_shipped_targets() -> None:
    for corpus in ("a", "b"):
        assert load_thresholds(TARGETS, corpus) == ISSUE_TARGETS
    assert load_thresholds(TARGETS) == {"min": {}, "max": {}}  # no corpus: no plain tables
    assert check(summary(), load_thresholds(TARGETS, "a")) == []


def test_plain_tables_apply_to_every_corpus_and_a_corpus_table_wins(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        "[min]\nrecall_at_5 = 0.8\nmrr_at_10 = 0.6\n[max]\nfalse_refusal_rate = 0.1\n"
        "[x.min]\nrecall_at_5 = 0.9\n[y.max]\nfalse_refusal_rate = 0.2\n"
    )
    assert load_thresholds(path) == {
        "min": {"recall_at_5": 0.8, "mrr_at_10": 0.6},
        "max": {"false_refusal_rate": 0.1},
    }
    assert load_thresholds(path, "x")["min"] == {"recall_at_5": 0.9, "mrr_at_10": 0.6}
    assert load_thresholds(path, "y")["max"] == {"false_refusal_rate": 0.2}
    assert load_thresholds(path, "z") == load_thresholds(path)
    assert corpora_in(path) == ["x", "y"]


def test_failure_messages() -> None:
    thresholds = load_thresholds(TARGETS, "a")
    failures = check(summary(recall_at_5=0.81, false_refusal_rate=0.12), thresholds)
    assert failures == [
        "recall_at_5 = 0.81 is below the minimum 0.88",
        "false_refusal_rate = 0.12 is above the maximum 0.08",
    ]


def test_close_values_show_enough_decimals() -> None:
    failures = check(summary(recall_at_5=0.879), load_thresholds(TARGETS, "a"))
    assert failures == ["recall_at_5 = 0.879 is below the minimum 0.88"]


def test_boundary_passes() -> None:
    boundary = summary(recall_at_5=0.88, false_refusal_rate=0.08)
    assert check(boundary, load_thresholds(TARGETS, "a")) == []


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
    with pytest.raises(ThresholdsError, match=r"unknown table \[minimum\]"):
        load_thresholds(bad)
    bad.write_text("[x.minimum]\nrecall_at_5 = 0.8\n")
    with pytest.raises(ThresholdsError, match=r"unknown table \[x\]"):
        load_thresholds(bad)
    bad.write_text("[x.min]\nrecall_at_5 = true\n")
    with pytest.raises(ThresholdsError, match=r"x\.min\.recall_at_5 must be a number"):
        load_thresholds(bad, "x")
    bad.write_text("[min\n")
    with pytest.raises(ThresholdsError):
        load_thresholds(bad)


def test_verdicts() -> None:
    from evals.thresholds import verdicts

    gates = {
        "min": {"recall_at_5": 0.88, "citation_hit": 0.85},
        "max": {"false_refusal_rate": 0.08},
    }
    result = verdicts(summary(recall_at_5=0.91, citation_hit=None), gates)
    assert result == [
        {"metric": "recall_at_5", "value": 0.91, "threshold": 0.88, "kind": "min", "pass": True},
        {"metric": "citation_hit", "value": None, "threshold": 0.85, "kind": "min", "pass": None},
        {
            "metric": "false_refusal_rate",
            "value": 0.05,
            "threshold": 0.08,
            "kind": "max",
            "pass": True,
        },
    ]
    assert verdicts(summary(false_refusal_rate=0.09), gates)[2]["pass"] is False
