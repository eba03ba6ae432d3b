"""Write an evaluation run as report.md and report.html (self-contained) plus two PNG plots."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

RECALL_PLOT = "recall_by_language.png"
SCORE_PLOT = "top_score_hits_vs_misses.png"

_TOTAL_ROWS = (
    ("Recall@1", "recall_at_1"),
    ("Recall@5", "recall_at_5"),
    ("Recall@10", "recall_at_10"),
    ("MRR@10", "mrr_at_10"),
    ("nDCG@10", "ndcg_at_10"),
    ("Retrieval latency p50 (ms)", "retrieval_latency_p50_ms"),
    ("Retrieval latency p95 (ms)", "retrieval_latency_p95_ms"),
    ("Citation hit (answerable)", "citation_hit"),
    ("Key-fact coverage (answerable)", "fact_coverage"),
    ("Refusal rate (unanswerable)", "refusal_rate_unanswerable"),
    ("False refusal rate (answerable)", "false_refusal_rate"),
    ("Answer latency p50 (ms)", "answer_latency_p50_ms"),
    ("Answer latency p95 (ms)", "answer_latency_p95_ms"),
)
_GROUP_COLUMNS = ("n", "recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10", "ndcg_at_10")
_GROUP_HEADERS = ("Questions", "R@1", "R@5", "R@10", "MRR@10", "nDCG@10")


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def _tables(run: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for every table of the report, shared by Markdown and HTML."""
    summary = run["summary"]
    metrics = summary["metrics"]
    counts = summary["counts"]
    totals = [
        [label, _fmt(metrics.get(key))]
        for label, key in _TOTAL_ROWS
        if metrics.get(key) is not None
    ]
    totals += [
        ["Questions", str(counts["questions"])],
        ["Answerable / unanswerable", f"{counts['answerable']} / {counts['unanswerable']}"],
    ]
    tables = [("Totals", ["Metric", "Value"], totals)]
    retrieval = summary["retrieval"]
    for title, key in (
        ("Per language", "by_language"),
        ("Per document", "by_doc"),
        ("Per category", "by_category"),
    ):
        rows = [
            [name, *(_fmt(group.get(c)) for c in _GROUP_COLUMNS)]
            for name, group in retrieval.get(key, {}).items()
        ]
        tables.append(
            (
                f"Retrieval — {title.lower()} (answerable)",
                [title.split()[1].capitalize(), *_GROUP_HEADERS],
                rows,
            )
        )
    answers = summary.get("answers")
    if answers:
        columns = (
            "n",
            "citation_hit",
            "fact_coverage",
            "false_refusal_rate",
            "refusal_rate_unanswerable",
        )
        header = [
            "Language",
            "Questions",
            "Citation hit",
            "Fact coverage",
            "False refusals",
            "Refusals (unanswerable)",
        ]
        rows = [
            [name, *(_fmt(group.get(c)) for c in columns)]
            for name, group in answers["by_language"].items()
        ]
        tables.append(("Answers — per language", header, rows))
    return tables


def _question_rows(run: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = [
        "Id",
        "Lang",
        "Question",
        "Document",
        "Found",
        "Rank",
        "Top result",
        "Answer",
        "Refused",
        "Citation",
    ]
    rows = []
    for q in run["questions"]:
        top = q["results"][0] if q["results"] else None
        top_text = (
            "—"
            if top is None
            else (
                f"{top['title']}"
                + (f", p. {top['page']}" if top.get("page") else "")
                + f" ({top['score']:.3f})"
            )
        )
        if q["answerable"]:
            found = "hit" if q["first_hit_rank"] is not None else "miss"
        else:
            found = "(unanswerable)"
        answer = q.get("answer")
        rows.append(
            [
                q["id"],
                q["language"],
                q["question"],
                q["doc"] or "—",
                found,
                _fmt(q["first_hit_rank"]),
                top_text,
                "—" if not answer else (answer.get("answer") or "")[:300],
                "—" if not answer else _fmt(bool(answer.get("refused"))),
                "—"
                if not answer or not q["answerable"]
                else ("hit" if answer.get("citation_hit") else "miss"),
            ]
        )
    return header, rows


def plot_recall_by_language(summary: dict[str, Any], path: Path) -> None:
    groups = {"all": summary["retrieval"]["overall"], **summary["retrieval"]["by_language"]}
    ks = (1, 5, 10)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    width = 0.8 / max(1, len(groups))
    for i, (name, group) in enumerate(groups.items()):
        values = [group.get(f"recall_at_{k}") or 0.0 for k in ks]
        positions = [j + i * width for j in range(len(ks))]
        bars = ax.bar(positions, values, width, label=f"{name} (n={group.get('n', 0)})")
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.set_xticks([j + width * (len(groups) - 1) / 2 for j in range(len(ks))])
    ax.set_xticklabels([f"Recall@{k}" for k in ks])
    ax.set_ylim(0, 1.1)
    ax.set_title("Recall@k per language (answerable questions)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_top_scores(questions: Sequence[dict[str, Any]], path: Path) -> None:
    hits: list[float] = []
    misses: list[float] = []
    for q in questions:
        if not q["answerable"] or not q["results"]:
            continue
        score = q["results"][0]["score"]
        (hits if q["results"][0]["relevant"] else misses).append(score)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    values = hits + misses
    if values:
        low, high = min(values), max(values)
        bins = [low + (high - low) * i / 20 for i in range(21)] if high > low else 10
        ax.hist(
            [hits, misses],
            bins=bins,
            label=[
                f"top result relevant (n={len(hits)})",
                f"top result not relevant (n={len(misses)})",
            ],
            color=["tab:green", "tab:red"],
            alpha=0.8,
        )
        ax.legend(fontsize=8)
    ax.set_xlabel("fused score of the top result")
    ax.set_ylabel("questions")
    ax.set_title("Top-result score: hits vs misses")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _markdown(run: dict[str, Any], title: str) -> str:
    lines = [f"# {title}", ""]
    meta = run.get("meta") or {}
    for key, value in meta.items():
        lines.append(f"- {key}: {value}")
    if meta:
        lines.append("")
    for table_title, header, rows in _tables(run):
        lines += [
            f"## {table_title}",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
        ]
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
        lines.append("")
    lines += [
        "## Plots",
        "",
        f"![Recall@k per language]({RECALL_PLOT})",
        "",
        f"![Top-result score, hits vs misses]({SCORE_PLOT})",
        "",
    ]
    header, rows = _question_rows(run)
    lines += ["## Questions", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1400px;color:#222}
table{border-collapse:collapse;margin:0 0 1.5rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0} tr.miss td{background:#fff0f0} tr.hit td{background:#f3fff3}
img{max-width:100%;margin:0 1rem 1rem 0}
"""


def _html_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], row_classes: Sequence[str] | None = None
) -> str:
    e = html.escape
    out = ["<table>", "<tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>"]
    for i, row in enumerate(rows):
        cls = f' class="{e(row_classes[i])}"' if row_classes else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _html(run: dict[str, Any], title: str) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
    ]
    meta = run.get("meta") or {}
    if meta:
        parts.append(
            "<ul>"
            + "".join(f"<li>{e(str(k))}: {e(str(v))}</li>" for k, v in meta.items())
            + "</ul>"
        )
    for table_title, header, rows in _tables(run):
        parts += [f"<h2>{e(table_title)}</h2>", _html_table(header, rows)]
    parts += [
        "<h2>Plots</h2>",
        f'<img src="{e(RECALL_PLOT)}" alt="Recall@k per language">',
        f'<img src="{e(SCORE_PLOT)}" alt="Top-result score, hits vs misses">',
    ]
    header, rows = _question_rows(run)
    classes = ["hit" if r[4] == "hit" else "miss" if r[4] == "miss" else "" for r in rows]
    parts += ["<h2>Questions</h2>", _html_table(header, rows, classes), "</body></html>"]
    return "\n".join(parts) + "\n"


def write_report(
    run: dict[str, Any], directory: Path | str, title: str = "Vraagbaak evaluation"
) -> Path:
    """Write report.md, report.html and the plots into ``directory``; returns the HTML path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    plot_recall_by_language(run["summary"], directory / RECALL_PLOT)
    plot_top_scores(run["questions"], directory / SCORE_PLOT)
    (directory / "report.md").write_text(_markdown(run, title), encoding="utf-8")
    html_path = directory / "report.html"
    html_path.write_text(_html(run, title), encoding="utf-8")
    return html_path
