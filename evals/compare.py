"""Compare two `vraagbaak eval run --json` outputs: metric deltas and per-question changes."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Metrics where a smaller value is the better one.
LOWER_IS_BETTER = ("false_refusal_rate", "latency")


@dataclass(frozen=True)
class MetricDelta:
    name: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def improved(self) -> bool | None:
        if self.delta is None or abs(self.delta) < 1e-12:
            return None
        lower_better = any(marker in self.name for marker in LOWER_IS_BETTER)
        return (self.delta < 0) if lower_better else (self.delta > 0)


@dataclass(frozen=True)
class QuestionChange:
    id: str
    question: str
    kind: str  # "miss→hit", "hit→miss", "rank", "refused", "citation"
    better: bool
    detail: str


@dataclass
class Comparison:
    deltas: list[MetricDelta]
    changes: list[QuestionChange]
    only_in_a: list[str] = field(default_factory=list)
    only_in_b: list[str] = field(default_factory=list)

    @property
    def better(self) -> list[QuestionChange]:
        return [c for c in self.changes if c.better]

    @property
    def worse(self) -> list[QuestionChange]:
        return [c for c in self.changes if not c.better]

    def to_json(self) -> dict[str, Any]:
        return {
            "metrics": [
                asdict(d) | {"delta": d.delta, "improved": d.improved} for d in self.deltas
            ],
            "better": [asdict(c) for c in self.better],
            "worse": [asdict(c) for c in self.worse],
            "only_in_a": self.only_in_a,
            "only_in_b": self.only_in_b,
        }


def load_run(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable eval JSON output: {exc}") from exc
    if not isinstance(data, dict) or "summary" not in data or "questions" not in data:
        raise ValueError(
            f"{path}: not an eval run (expected 'summary' and 'questions'; "
            "make it with `vraagbaak eval run --json`)"
        )
    return data


def compare_runs(a: dict[str, Any], b: dict[str, Any]) -> Comparison:
    metrics_a = a["summary"].get("metrics", {})
    metrics_b = b["summary"].get("metrics", {})
    names = list(metrics_a) + [n for n in metrics_b if n not in metrics_a]
    deltas = [MetricDelta(n, metrics_a.get(n), metrics_b.get(n)) for n in names]
    questions_a = {q["id"]: q for q in a["questions"]}
    questions_b = {q["id"]: q for q in b["questions"]}
    changes: list[QuestionChange] = []
    for qid, qa in questions_a.items():
        qb = questions_b.get(qid)
        if qb is None:
            continue
        changes.extend(_question_changes(qa, qb))
    return Comparison(
        deltas=deltas,
        changes=changes,
        only_in_a=[q for q in questions_a if q not in questions_b],
        only_in_b=[q for q in questions_b if q not in questions_a],
    )


def _question_changes(qa: dict[str, Any], qb: dict[str, Any]) -> list[QuestionChange]:
    qid, text = qa["id"], qa["question"]
    changes = []
    if qa.get("answerable", True):
        ra, rb = qa.get("first_hit_rank"), qb.get("first_hit_rank")
        if ra is None and rb is not None:
            changes.append(QuestionChange(qid, text, "miss→hit", True, f"miss → #{rb}"))
        elif ra is not None and rb is None:
            changes.append(QuestionChange(qid, text, "hit→miss", False, f"#{ra} → miss"))
        elif ra != rb:
            assert ra is not None and rb is not None
            changes.append(QuestionChange(qid, text, "rank", rb < ra, f"#{ra} → #{rb}"))
    answer_a, answer_b = qa.get("answer"), qb.get("answer")
    if answer_a and answer_b:
        refused_a, refused_b = bool(answer_a.get("refused")), bool(answer_b.get("refused"))
        if refused_a != refused_b:
            # Refusing is right for unanswerable questions and wrong for answerable ones.
            better = refused_b != qa.get("answerable", True)
            detail = "answered → refused" if refused_b else "refused → answered"
            changes.append(QuestionChange(qid, text, "refused", better, detail))
        hit_a, hit_b = bool(answer_a.get("citation_hit")), bool(answer_b.get("citation_hit"))
        if qa.get("answerable", True) and hit_a != hit_b:
            detail = "citation miss → hit" if hit_b else "citation hit → miss"
            changes.append(QuestionChange(qid, text, "citation", hit_b, detail))
    return changes


def _num(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    if signed:
        return f"{value:+.3f}"
    return f"{value:.3f}"


def format_comparison(comparison: Comparison, a_name: str = "A", b_name: str = "B") -> str:
    lines = [f"{'metric':<30} {a_name[:12]:>12} {b_name[:12]:>12} {'delta':>9}"]
    for d in comparison.deltas:
        if d.a is None and d.b is None:
            continue
        mark = {True: "  better", False: "  worse", None: ""}[d.improved]
        lines.append(
            f"{d.name:<30} {_num(d.a):>12} {_num(d.b):>12} {_num(d.delta, signed=True):>9}{mark}"
        )
    for title, items in (("Better", comparison.better), ("Worse", comparison.worse)):
        lines.append("")
        lines.append(f"{title} ({len(items)}):")
        for c in items:
            lines.append(f"  {c.id:<8} {c.kind:<9} {c.detail:<24} {c.question[:70]}")
        if not items:
            lines.append("  (none)")
    if comparison.only_in_a or comparison.only_in_b:
        lines.append("")
        lines.append(f"Only in {a_name}: {', '.join(comparison.only_in_a) or '—'}")
        lines.append(f"Only in {b_name}: {', '.join(comparison.only_in_b) or '—'}")
    return "\n".join(lines)
