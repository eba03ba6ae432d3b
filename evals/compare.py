"""Compare two evaluation runs (``run.json`` from ``eval run --report DIR``, or ``--json`` output).

A metric change counts as real only beyond run-to-run noise:

- quality metrics that come from single questions (recall, MRR, citation hit, key-fact
  coverage, refusal rates, bad quotes) are recomputed on the questions both runs asked, and a
  paired bootstrap over those questions gives a 95% interval for the change; the change is
  real when the interval leaves out zero;
- latencies change for real only by 10% or more (a machine's speed drifts by that much);
- any other metric needs a change of at least ``MIN_CHANGE``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evals.metrics import ndcg_at_k, reciprocal_rank

# Metrics where a smaller value is the better one.
LOWER_IS_BETTER = ("false_refusal_rate", "latency", "bad_quotes", "answer_chars")
LATENCY_NOISE = 0.10  # relative
MIN_CHANGE = 0.02  # absolute, for metrics without per-question values
BOOTSTRAP_SAMPLES = 2000
CONFIDENCE = 0.95

Record = dict[str, Any]
# per-question value of a metric, or None when the question does not count for it
PerQuestion = Callable[[Record], float | None]


def _rank(q: Record) -> int | None:
    rank = q.get("first_hit_rank")
    return rank if isinstance(rank, int) else None


def _answerable(q: Record) -> bool:
    return bool(q.get("answerable", True))


def _recall(k: int, language: str | None = None) -> PerQuestion:
    def value(q: Record) -> float | None:
        if not _answerable(q) or (language and q.get("language") != language):
            return None
        rank = _rank(q)
        return 1.0 if rank is not None and rank <= k else 0.0

    return value


def _mrr(language: str | None = None) -> PerQuestion:
    def value(q: Record) -> float | None:
        if not _answerable(q) or (language and q.get("language") != language):
            return None
        rank = _rank(q)
        return reciprocal_rank([i + 1 == rank for i in range(10)]) if rank else 0.0

    return value


def _ndcg(q: Record) -> float | None:
    if not _answerable(q) or "results" not in q:
        return None
    return ndcg_at_k([bool(r.get("relevant")) for r in q["results"]], 10)


def _answer_value(name: str, want_answerable: bool | None) -> PerQuestion:
    def value(q: Record) -> float | None:
        answer = q.get("answer")
        if not answer or (want_answerable is not None and _answerable(q) != want_answerable):
            return None
        raw = answer.get(name)
        if raw is None:
            return None
        return float(raw)

    return value


def _bad_quotes(q: Record) -> float | None:
    answer = q.get("answer")
    if not answer or "shape" not in answer:
        return None
    return float(len(answer["shape"].get("bad", ())))


PER_QUESTION: dict[str, tuple[PerQuestion, str]] = {
    # name: (value per question, how the values combine: "mean" or "sum")
    "recall_at_1": (_recall(1), "mean"),
    "recall_at_5": (_recall(5), "mean"),
    "recall_at_10": (_recall(10), "mean"),
    "mrr_at_10": (_mrr(), "mean"),
    "ndcg_at_10": (_ndcg, "mean"),
    "citation_hit": (_answer_value("citation_hit", True), "mean"),
    "fact_coverage": (_answer_value("fact_coverage", True), "mean"),
    "refusal_rate_unanswerable": (_answer_value("refused", False), "mean"),
    "false_refusal_rate": (_answer_value("refused", True), "mean"),
    "bad_quotes": (_bad_quotes, "sum"),
}
for _language in ("nl", "en"):
    for _k in (1, 5, 10):
        PER_QUESTION[f"recall_at_{_k}_{_language}"] = (_recall(_k, _language), "mean")
    PER_QUESTION[f"mrr_at_10_{_language}"] = (_mrr(_language), "mean")


@dataclass(frozen=True)
class MetricDelta:
    name: str
    a: float | None
    b: float | None
    # the change on the questions both runs asked, and its bootstrap interval (None: not
    # computed per question)
    paired_delta: float | None = None
    low: float | None = None
    high: float | None = None
    real: bool = False  # beyond run-to-run noise
    rule: str = ""  # how "real" was decided

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def improved(self) -> bool | None:
        """True/False for a real change for the better/worse; None when there is none."""
        change = self.paired_delta if self.paired_delta is not None else self.delta
        if not self.real or change is None or abs(change) < 1e-12:
            return None
        lower_better = any(marker in self.name for marker in LOWER_IS_BETTER)
        return (change < 0) if lower_better else (change > 0)


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
    common: int = 0

    @property
    def better(self) -> list[QuestionChange]:
        return [c for c in self.changes if c.better]

    @property
    def worse(self) -> list[QuestionChange]:
        return [c for c in self.changes if not c.better]

    @property
    def same_questions(self) -> bool:
        return not self.only_in_a and not self.only_in_b

    def to_json(self) -> dict[str, Any]:
        return {
            "questions": {
                "in_both": self.common,
                "only_in_a": len(self.only_in_a),
                "only_in_b": len(self.only_in_b),
                "only_in_a_ids": self.only_in_a,
                "only_in_b_ids": self.only_in_b,
            },
            "metrics": [
                asdict(d) | {"delta": d.delta, "improved": d.improved} for d in self.deltas
            ],
            "better": [asdict(c) for c in self.better],
            "worse": [asdict(c) for c in self.worse],
        }


def load_run(path: Path | str) -> dict[str, Any]:
    """A run from ``run.json`` or from ``eval run --json`` output (text before the JSON, such
    as a shell's echo, is skipped)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        start = text.find("{")
        data = json.loads(text[start:] if start > 0 else text)
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable eval run: {exc}") from exc
    if not isinstance(data, dict) or "summary" not in data or "questions" not in data:
        raise ValueError(
            f"{path}: not an eval run (expected 'summary' and 'questions'; make one with "
            "`vraagbaak eval run --report DIR` (DIR/run.json) or `vraagbaak eval run --json`)"
        )
    return data


def paired_bootstrap(
    a: Sequence[float],
    b: Sequence[float],
    combine: str = "mean",
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
) -> tuple[float, float, float]:
    """The change ``b - a`` (mean or sum over questions) and its ``CONFIDENCE`` interval,
    resampling questions with replacement and keeping each question's pair together."""
    if len(a) != len(b) or not a:
        raise ValueError("paired values need the same, non-zero number of questions")
    differences = [y - x for x, y in zip(a, b, strict=True)]
    n = len(differences)

    def total(values: Sequence[float]) -> float:
        return sum(values) / n if combine == "mean" else float(sum(values))

    observed = total(differences)
    if all(d == 0 for d in differences):
        return observed, 0.0, 0.0
    rng = random.Random(seed)
    stats = sorted(total([differences[rng.randrange(n)] for _ in range(n)]) for _ in range(samples))
    tail = (1 - CONFIDENCE) / 2
    low = stats[int(tail * samples)]
    high = stats[min(samples - 1, int((1 - tail) * samples))]
    return observed, low, high


def _delta(
    name: str,
    metrics_a: dict[str, Any],
    metrics_b: dict[str, Any],
    pairs: list[tuple[Record, Record]],
) -> MetricDelta:
    a, b = metrics_a.get(name), metrics_b.get(name)
    a = float(a) if isinstance(a, int | float) else None
    b = float(b) if isinstance(b, int | float) else None
    if name in PER_QUESTION:
        value, combine = PER_QUESTION[name]
        values = [(value(qa), value(qb)) for qa, qb in pairs]
        both = [(x, y) for x, y in values if x is not None and y is not None]
        if both:
            observed, low, high = paired_bootstrap(
                [x for x, _ in both], [y for _, y in both], combine
            )
            real = low > 0 or high < 0
            rule = f"paired bootstrap over {len(both)} questions, {CONFIDENCE:.0%} interval"
            return MetricDelta(name, a, b, observed, low, high, real, rule)
    if a is None or b is None:
        return MetricDelta(name, a, b)
    if "latency" in name:
        real = abs(b - a) >= LATENCY_NOISE * max(abs(a), 1e-9)
        return MetricDelta(name, a, b, real=real, rule=f"latency: {LATENCY_NOISE:.0%} or more")
    return MetricDelta(name, a, b, real=abs(b - a) >= MIN_CHANGE, rule=f"at least {MIN_CHANGE}")


def compare_runs(a: dict[str, Any], b: dict[str, Any]) -> Comparison:
    metrics_a = a["summary"].get("metrics", {})
    metrics_b = b["summary"].get("metrics", {})
    questions_a = {q["id"]: q for q in a["questions"]}
    questions_b = {q["id"]: q for q in b["questions"]}
    pairs = [(qa, questions_b[qid]) for qid, qa in questions_a.items() if qid in questions_b]
    names = list(metrics_a) + [n for n in metrics_b if n not in metrics_a]
    deltas = [_delta(n, metrics_a, metrics_b, pairs) for n in names]
    changes: list[QuestionChange] = []
    for qa, qb in pairs:
        changes.extend(_question_changes(qa, qb))
    return Comparison(
        deltas=deltas,
        changes=changes,
        only_in_a=[q for q in questions_a if q not in questions_b],
        only_in_b=[q for q in questions_b if q not in questions_a],
        common=len(pairs),
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
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"


def format_comparison(comparison: Comparison, a_name: str = "A", b_name: str = "B") -> str:
    lines = []
    if comparison.same_questions:
        lines.append(f"Both runs asked the same {comparison.common} questions.")
    else:
        lines.append(
            f"The runs asked different questions: {comparison.common} in both, "
            f"{len(comparison.only_in_a)} only in {a_name}, {len(comparison.only_in_b)} only "
            f"in {b_name}. The summary figures ({a_name}, {b_name}) cover each run's own "
            "questions; changes and their noise are judged on the questions in both."
        )
    lines += [
        "A change is marked only when it is beyond run-to-run noise (paired bootstrap over "
        f"questions, {CONFIDENCE:.0%}; latency {LATENCY_NOISE:.0%}; otherwise {MIN_CHANGE}).",
        "",
        f"{'metric':<30} {a_name[:12]:>12} {b_name[:12]:>12} {'change':>9} {'95% interval':>18}",
    ]
    for d in comparison.deltas:
        if d.a is None and d.b is None:
            continue
        change = d.paired_delta if d.paired_delta is not None else d.delta
        interval = (
            f"[{d.low:+.3f}, {d.high:+.3f}]" if d.low is not None and d.high is not None else ""
        )
        mark = {True: "  better", False: "  worse", None: ""}[d.improved]
        if d.improved is None and change and not d.real:
            mark = "  (noise)"
        lines.append(
            f"{d.name:<30} {_num(d.a):>12} {_num(d.b):>12} "
            f"{_num(change, signed=True):>9} {interval:>18}{mark}"
        )
    for title, items in (("Better", comparison.better), ("Worse", comparison.worse)):
        lines.append("")
        lines.append(f"{title} questions ({len(items)}):")
        for c in items:
            lines.append(f"  {c.id:<8} {c.kind:<9} {c.detail:<24} {c.question[:70]}")
        if not items:
            lines.append("  (none)")
    return "\n".join(lines)
