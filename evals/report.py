"""Write an evaluation run as a report a non-programmer can read: report.html (self-contained,
Dutch), report.md, run.json (the whole run, for ``eval compare``) and two PNG plots.

The report opens with one screen of verdicts (each metric against its threshold, explained in
one plain sentence), then the failures (citation misses, wrong refusals, answered unanswerable
questions, quotes that are no statement), then every question with a failures-only filter,
the metadata as a small table, and the detailed tables and plots last.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

RECALL_PLOT = "recall_by_language.png"
SCORE_PLOT = "top_score_hits_vs_misses.png"
RUN_FILE = "run.json"
OPEN_FAILURES = 10  # a kind with more failures starts folded, so the page stays short
PART_NAMES = {"test": "het testdeel", "all": "alle vragen (de set heeft geen testdeel)"}

# metric: (label, one plain Dutch sentence)
EXPLAINED: dict[str, tuple[str, str]] = {
    "recall_at_5": (
        "Recall@5",
        "Bij hoeveel van de vragen met een antwoord de passage met dat antwoord bij de eerste "
        "vijf zoekresultaten zit.",
    ),
    "recall_at_5_en": ("Recall@5 Engels", "Hetzelfde, alleen voor de Engelstalige vragen."),
    "recall_at_5_nl": ("Recall@5 Nederlands", "Hetzelfde, alleen voor de Nederlandse vragen."),
    "recall_at_1": (
        "Recall@1",
        "Bij hoeveel van de vragen met een antwoord de passage met dat antwoord bovenaan staat.",
    ),
    "recall_at_10": (
        "Recall@10",
        "Bij hoeveel van de vragen met een antwoord die passage bij de eerste tien zit.",
    ),
    "mrr_at_10": (
        "MRR@10",
        "Hoe hoog de passage met het antwoord gemiddeld staat: 1 is altijd bovenaan, 0,5 is "
        "gemiddeld op de tweede plaats.",
    ),
    "ndcg_at_10": (
        "nDCG@10",
        "Hoe goed de eerste tien zoekresultaten geordend zijn: 1 is de beste volgorde.",
    ),
    "citation_hit": (
        "Juiste bron geciteerd",
        "Bij hoeveel vragen met een antwoord het antwoord een passage citeert waarin het "
        "verwachte antwoord staat.",
    ),
    "fact_coverage": (
        "Kernfeiten in het antwoord",
        "Welk deel van de kernfeiten (namen, getallen, begrippen) die in een goed antwoord horen "
        "ook echt in het antwoord staat.",
    ),
    "refusal_rate_unanswerable": (
        "Terecht geweigerd",
        "Hoe vaak het systeem zegt dat het antwoord niet in de documenten staat, bij vragen "
        "waarop de documenten echt geen antwoord geven.",
    ),
    "false_refusal_rate": (
        "Onterecht geweigerd",
        "Hoe vaak het systeem zegt dat het antwoord er niet in staat terwijl het er wel in "
        "staat. Lager is beter.",
    ),
    "bad_quotes": (
        "Citaten die geen bewering zijn",
        "Hoeveel geciteerde zinnen een vraag, kopje, tabelregel, verwijzing of brokstuk zijn "
        "in plaats van een bewering. Het doel is 0.",
    ),
    "answer_chars_p50": (
        "Lengte van een antwoord",
        "Hoeveel tekens een gewoon (mediaan) antwoord telt; korter leest sneller.",
    ),
    "quotes_per_answer_p50": (
        "Citaten per antwoord",
        "Hoeveel citaten een gewoon (mediaan) antwoord bevat.",
    ),
    "retrieval_latency_p50_ms": (
        "Zoektijd",
        "Hoe lang zoeken gewoonlijk (mediaan) duurt, in milliseconden.",
    ),
    "answer_latency_p50_ms": (
        "Antwoordtijd",
        "Hoe lang een antwoord gewoonlijk (mediaan) duurt, in milliseconden.",
    ),
}
# shown when the run has no thresholds
HEADLINE = (
    "recall_at_5",
    "recall_at_5_en",
    "citation_hit",
    "fact_coverage",
    "refusal_rate_unanswerable",
    "false_refusal_rate",
    "bad_quotes",
    "answer_chars_p50",
)
FAILURE_KINDS = (
    (
        "citation_miss",
        "Verkeerde bron geciteerd",
        "Het systeem gaf een antwoord, maar geen van de geciteerde passages bevat het "
        "verwachte antwoord.",
    ),
    (
        "wrong_refusal",
        "Onterecht geweigerd",
        "Het antwoord staat in de documenten, maar het systeem zei dat het er niet in staat.",
    ),
    (
        "answered_unanswerable",
        "Beantwoord terwijl het antwoord er niet in staat",
        "De documenten geven geen antwoord op deze vraag, maar het systeem gaf er toch een.",
    ),
    (
        "bad_quote",
        "Citaten die geen bewering zijn",
        "Het antwoord citeert een vraag, kopje, tabelregel, verwijzing of brokstuk.",
    ),
)
_RULES_NL = {
    "question": "vraag",
    "bullet_without_verb": "opsommingsteken zonder werkwoord",
    "table": "tabelregel",
    "cross_reference": "verwijzing",
    "fragment": "brokstuk",
    "heading": "kopje",
    "glued_number": "lijstnummer vastgeplakt",
}


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"
    return str(value)


def label(metric: str) -> str:
    return EXPLAINED.get(metric, (metric, ""))[0]


def verdict_rows(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The verdicts of the run's gate, or the headline metrics without a threshold."""
    gate = run.get("gate") or {}
    rows = []
    if gate.get("verdicts"):
        for v in gate["verdicts"]:
            word = {True: "gehaald", False: "niet gehaald", None: "geen waarde"}[v["pass"]]
            bound = "drempel" if v["kind"] == "min" else "hoogstens"
            rows.append(
                v
                | {
                    "label": label(v["metric"]),
                    "text": f"{label(v['metric'])} {_fmt(v['value'])} — {bound} "
                    f"{_fmt(v['threshold'])} — {word}",
                    "explanation": EXPLAINED.get(v["metric"], ("", ""))[1],
                }
            )
        return rows
    metrics = _gated_summary(run)["metrics"]
    for name in HEADLINE:
        if metrics.get(name) is None:
            continue
        rows.append(
            {
                "metric": name,
                "value": metrics[name],
                "threshold": None,
                "kind": None,
                "pass": None,
                "label": label(name),
                "text": f"{label(name)} {_fmt(metrics[name])} — geen drempel",
                "explanation": EXPLAINED[name][1],
            }
        )
    return rows


def _gated_summary(run: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = run["summary"]
    test: dict[str, Any] | None = summary.get("splits", {}).get("test")
    return test if test and len(summary.get("splits", {})) > 1 else summary


def failures(run: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Questions that went wrong, by kind (see ``FAILURE_KINDS``)."""
    found: dict[str, list[dict[str, Any]]] = {kind: [] for kind, _, _ in FAILURE_KINDS}
    for q in run["questions"]:
        answer = q.get("answer")
        if not answer:
            continue
        refused = bool(answer.get("refused"))
        if q["answerable"] and refused:
            found["wrong_refusal"].append(q)
        elif q["answerable"] and not answer.get("citation_hit"):
            found["citation_miss"].append(q)
        elif not q["answerable"] and not refused:
            found["answered_unanswerable"].append(q)
        if _bad(answer):
            found["bad_quote"].append(q)
    return found


def _bad(answer: dict[str, Any]) -> list[dict[str, Any]]:
    bad: list[dict[str, Any]] = (answer.get("shape") or {}).get("bad") or []
    return bad


def _failed(q: dict[str, Any]) -> bool:
    answer = q.get("answer")
    if q["answerable"] and q.get("first_hit_rank") is None:
        return True
    if not answer:
        return False
    refused = bool(answer.get("refused"))
    if not q["answerable"]:
        return not refused
    return refused or not answer.get("citation_hit") or bool(_bad(answer))


def _plots(run: dict[str, Any], directory: Path) -> None:
    summary = run["summary"]
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
    ax.set_title("Recall@k per taal (vragen met een antwoord)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(directory / RECALL_PLOT, dpi=110)
    plt.close(fig)

    hits: list[float] = []
    misses: list[float] = []
    for q in run["questions"]:
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
            label=[f"bovenste resultaat goed (n={len(hits)})", f"fout (n={len(misses)})"],
            color=["tab:green", "tab:red"],
            alpha=0.8,
        )
        ax.legend(fontsize=8)
    ax.set_xlabel("score van het bovenste zoekresultaat")
    ax.set_ylabel("vragen")
    ax.set_title("Score bovenste resultaat: goed en fout")
    fig.tight_layout()
    fig.savefig(directory / SCORE_PLOT, dpi=110)
    plt.close(fig)


def _meta_rows(run: dict[str, Any]) -> list[tuple[str, str]]:
    meta = run.get("meta") or {}
    gate = run.get("gate") or {}
    counts = run["summary"]["counts"]
    profile = meta.get("profile") or {}
    fitted = profile.get("fitted") or {}
    fitted_text = ", ".join(str(v) for v in fitted.values() if v) or "niet gefit"
    rows = [
        ("Corpus", str(meta.get("corpus") or meta.get("corpus_dir") or "—")),
        ("Vragenset", str(meta.get("gold_set", "—"))),
        ("Deel", str(meta.get("split", "all"))),
        (
            "Vragen",
            f"{counts['questions']} ({counts['answerable']} met antwoord, "
            f"{counts['unanswerable']} zonder)",
        ),
        ("Getoetst op", _part(gate) if gate.get("checked") else "niet getoetst"),
        ("Drempels", str(gate.get("thresholds") or "—")),
        ("Profiel", f"{profile.get('name', '—')} ({fitted_text})" if profile else "—"),
        ("Embedder", str(meta.get("embedder", "—"))),
        ("Index", str(meta.get("index_build", "—"))),
        ("Antwoorden", str(meta.get("answers", "—"))),
        ("Gestart", str(meta.get("started_at", "—"))),
        ("Duur", f"{meta['seconds']} s" if "seconds" in meta else "—"),
    ]
    return rows


def _part(gate: dict[str, Any]) -> str:
    return PART_NAMES.get(str(gate.get("split")), str(gate.get("part") or ""))


def _splits_rows(run: dict[str, Any]) -> tuple[list[str], list[list[str]]] | None:
    summary = run["summary"]
    parts = {"alle": summary, **summary.get("splits", {})}
    if len(parts) < 3:  # all questions and both parts; one part alone equals all
        return None
    header = ["", *parts]
    rows = [["Vragen", *(str(p["counts"]["questions"]) for p in parts.values())]]
    for name in HEADLINE:
        rows.append([label(name), *(_fmt(p["metrics"].get(name)) for p in parts.values())])
    return header, rows


def _detail_tables(run: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    summary = run["summary"]
    retrieval = summary["retrieval"]
    columns = ("n", "recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10", "ndcg_at_10")
    headers = ["Vragen", "R@1", "R@5", "R@10", "MRR@10", "nDCG@10"]
    tables = []
    for title, key, first in (
        ("Zoeken per taal", "by_language", "Taal"),
        ("Zoeken per document", "by_doc", "Document"),
        ("Zoeken per categorie", "by_category", "Categorie"),
    ):
        rows = [
            [name, *(_fmt(group.get(c)) for c in columns)]
            for name, group in retrieval.get(key, {}).items()
        ]
        tables.append((title, [first, *headers], rows))
    answers = summary.get("answers")
    if answers:
        cols = (
            "n",
            "citation_hit",
            "fact_coverage",
            "false_refusal_rate",
            "refusal_rate_unanswerable",
            "bad_quotes",
        )
        header = ["Taal", "Vragen", *(label(c) for c in cols[1:])]
        rows = [
            [name, *(_fmt(group.get(c)) for c in cols)]
            for name, group in answers["by_language"].items()
        ]
        tables.append(("Antwoorden per taal", header, rows))
        by_rule = answers["overall"].get("bad_quotes_by_rule") or {}
        if by_rule:
            tables.append(
                (
                    "Citaten die geen bewering zijn, per regel",
                    ["Regel", "Aantal"],
                    [[_RULES_NL.get(rule, rule), str(n)] for rule, n in by_rule.items()],
                )
            )
    return tables


# --- HTML ------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1100px;color:#222;
padding:0 1rem;line-height:1.4}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin-top:2rem}
.sub{color:#555;margin:0 0 1rem}
.verdicts{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:.6rem}
.verdict{border:1px solid #ccc;border-left:.4rem solid #999;border-radius:4px;padding:.5rem .7rem}
.verdict.pass{border-left-color:#2a7d2a;background:#f3fbf3}
.verdict.fail{border-left-color:#c62828;background:#fff3f3}
.verdict strong{display:block}.verdict span{color:#444;font-size:.9rem}
.overall{font-size:1.1rem;font-weight:600;margin:.6rem 0}
table{border-collapse:collapse;margin:0 0 1.2rem;font-size:.88rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0} table.meta td:first-child{font-weight:600;white-space:nowrap}
.failure{border:1px solid #e0b4b4;border-radius:4px;padding:.5rem .7rem;margin:.5rem 0}
.failure dl{display:grid;grid-template-columns:9rem 1fr;gap:.2rem .6rem;margin:.3rem 0 0}
.failure dt{color:#555}.failure dd{margin:0}.failure dd p{margin:0 0 .4rem}
mark{background:#fff2a8}
tr.fail td{background:#fff3f3}
details{margin:.4rem 0}summary{cursor:pointer;padding:.2rem 0}
#alleen-fouten:checked ~ table.questions tr.ok{display:none}
img{max-width:100%;margin:0 1rem 1rem 0}
"""


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    css: str = "",
    row_classes: Sequence[str] | None = None,
) -> str:
    e = html.escape
    out = [f'<table class="{e(css)}">' if css else "<table>"]
    out.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>")
    for i, row in enumerate(rows):
        cls = f' class="{e(row_classes[i])}"' if row_classes else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _cited(answer: dict[str, Any]) -> str:
    parts = []
    for c in answer.get("citations") or ():
        where = ", ".join(
            x
            for x in (
                c.get("title") or c.get("source") or "",
                c.get("section") or "",
                f"p. {c['page']}" if c.get("page") else "",
            )
            if x
        )
        parts.append(f"[{c.get('n')}] {where}: {c.get('text') or c.get('quote') or ''}")
    return "\n".join(parts) or "—"


def _cited_html(answer: dict[str, Any]) -> str:
    """Each cited passage under its place, with the quoted sentence marked."""
    e = html.escape
    parts = []
    for c in answer.get("citations") or ():
        where = ", ".join(
            x
            for x in (
                c.get("title") or c.get("source") or "",
                c.get("section") or "",
                f"p. {c['page']}" if c.get("page") else "",
            )
            if x
        )
        text, quote = str(c.get("text") or ""), str(c.get("quote") or "")
        at = text.find(quote) if quote else -1
        if at < 0:
            body = e(text or quote)
        else:
            body = e(text[:at]) + f"<mark>{e(quote)}</mark>" + e(text[at + len(quote) :])
        parts.append(f"<p><strong>[{e(str(c.get('n')))}] {e(where)}</strong><br>{body}</p>")
    return "".join(parts) or "—"


def _failure_html(q: dict[str, Any], kind: str) -> str:
    e = html.escape
    answer = q.get("answer") or {}
    rows = [
        ("Vraag", e(f"{q['id']} ({q['language']}): {q['question']}")),
        (
            "Verwacht citaat",
            e(
                " / ".join(q.get("quotes") or ())
                if q["answerable"]
                else "geen: de documenten beantwoorden deze vraag niet"
            ),
        ),
        ("Antwoord", e(answer.get("answer") or "—")),
    ]
    if kind == "bad_quote":
        rows.append(
            (
                "Geen bewering",
                "<br>".join(
                    e(
                        f"[{b.get('n')}] {b['sentence']} "
                        f"({', '.join(_RULES_NL.get(r, r) for r in b['rules'])})"
                    )
                    for b in _bad(answer)
                ),
            )
        )
    else:
        rows.append(("Geciteerde passage", _cited_html(answer)))
    body = "".join(f"<dt>{e(name)}</dt><dd>{value}</dd>" for name, value in rows)
    return f'<div class="failure"><dl>{body}</dl></div>'


def _question_rows(run: dict[str, Any]) -> tuple[list[str], list[list[str]], list[str]]:
    header = ["Id", "Deel", "Taal", "Vraag", "Gevonden (plek)", "Antwoord", "Bron goed"]
    rows, classes = [], []
    for q in run["questions"]:
        answer = q.get("answer")
        rank = q.get("first_hit_rank")
        found = (
            "(geen antwoord in de documenten)"
            if not q["answerable"]
            else ("niet gevonden" if rank is None else f"ja (#{rank})")
        )
        if not answer:
            text, hit = "—", "—"
        elif answer.get("refused"):
            text, hit = "(geweigerd)", "—"
        else:
            text = (answer.get("answer") or "")[:300]
            hit = _fmt(bool(answer.get("citation_hit"))) if q["answerable"] else "—"
        rows.append([q["id"], q.get("split", ""), q["language"], q["question"], found, text, hit])
        classes.append("fail" if _failed(q) else "ok")
    return header, rows, classes


def _html(run: dict[str, Any], title: str) -> str:
    e = html.escape
    meta = run.get("meta") or {}
    gate = run.get("gate") or {}
    verdicts = verdict_rows(run)
    subtitle = " · ".join(
        str(x)
        for x in (
            f"corpus {meta['corpus']}" if meta.get("corpus") else "",
            f"getoetst op {_part(gate)}" if gate.get("checked") else "",
            meta.get("started_at", ""),
        )
        if x
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="nl"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="sub">{e(subtitle)}</p>' if subtitle else "",
        '<section id="oordeel"><h2>Oordeel</h2>',
    ]
    if gate.get("checked"):
        failed = [v for v in verdicts if v["pass"] is False]
        overall = (
            "Alle drempels gehaald."
            if not failed
            else f"{len(failed)} van de {len(verdicts)} drempels niet gehaald."
        )
        parts.append(f'<p class="overall">{e(overall)}</p>')
    elif gate.get("note"):
        parts.append(f'<p class="overall">{e(gate["note"])}</p>')
    parts.append('<div class="verdicts">')
    for v in verdicts:
        cls = {True: "pass", False: "fail", None: ""}[v["pass"]]
        parts.append(
            f'<div class="verdict {cls}"><strong>{e(v["text"])}</strong>'
            f"<span>{e(v['explanation'])}</span></div>"
        )
    parts.append("</div></section>")
    split_table = _splits_rows(run)
    if split_table:
        parts += [
            "<h2>Ontwikkeldeel en testdeel</h2>",
            "<p>Op het ontwikkeldeel (dev) mag worden afgesteld; het testdeel (test) is "
            "verzegeld en telt voor het oordeel.</p>",
            _table(*split_table),
        ]
    found = failures(run)
    if run.get("answers_run") or any(q.get("answer") for q in run["questions"]):
        parts.append('<section id="fouten"><h2>Fouten</h2>')
        for kind, heading, explanation in FAILURE_KINDS:
            items = found[kind]
            is_open = " open" if 0 < len(items) <= OPEN_FAILURES else ""
            parts.append(
                f"<details{is_open}><summary><strong>{e(heading)} ({len(items)})</strong>"
                f"</summary><p>{e(explanation)}</p>"
            )
            parts += [_failure_html(q, kind) for q in items]
            parts.append("</details>")
        parts.append("</section>")
    header, rows, classes = _question_rows(run)
    parts += [
        '<section id="vragen"><h2>Alle vragen</h2>',
        '<input type="checkbox" id="alleen-fouten"> <label for="alleen-fouten">Alleen fouten '
        "tonen</label>",
        _table(header, rows, "questions", classes),
        "</section>",
        "<h2>Gegevens van deze run</h2>",
        _table(["", ""], [list(r) for r in _meta_rows(run)], "meta"),
        "<h2>Details</h2>",
    ]
    for table_title, table_header, table_rows in _detail_tables(run):
        parts += [f"<h3>{e(table_title)}</h3>", _table(table_header, table_rows)]
    parts += [
        f'<img src="{e(RECALL_PLOT)}" alt="Recall@k per taal">',
        f'<img src="{e(SCORE_PLOT)}" alt="Score van het bovenste resultaat">',
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


# --- Markdown --------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _markdown(run: dict[str, Any], title: str) -> str:
    lines = [f"# {title}", "", "## Oordeel", ""]
    for v in verdict_rows(run):
        lines.append(f"- **{v['text']}**. {v['explanation']}")
    lines.append("")
    split_table = _splits_rows(run)
    if split_table:
        lines += ["## Ontwikkeldeel en testdeel", "", *_md_table(*split_table)]
    found = failures(run)
    lines += ["## Fouten", ""]
    for kind, heading, explanation in FAILURE_KINDS:
        items = found[kind]
        lines += [f"### {heading} ({len(items)})", "", explanation, ""]
        for q in items:
            answer = q.get("answer") or {}
            lines.append(f"- **{q['id']}** ({q['language']}) {_md_cell(q['question'])}")
            lines.append(f"  - verwacht: {_md_cell(' / '.join(q.get('quotes') or ()) or '—')}")
            lines.append(f"  - antwoord: {_md_cell(answer.get('answer') or '—')}")
            if kind == "bad_quote":
                for b in _bad(answer):
                    rules = ", ".join(_RULES_NL.get(r, r) for r in b["rules"])
                    lines.append(f"  - geen bewering ({rules}): {_md_cell(b['sentence'])}")
            else:
                lines.append(f"  - geciteerd: {_md_cell(_cited(answer))}")
        lines.append("")
    lines += ["## Gegevens van deze run", "", *_md_table(["", ""], _meta_rows(run))]
    for table_title, header, rows in _detail_tables(run):
        lines += [f"## {table_title}", "", *_md_table(header, rows)]
    lines += [f"![Recall@k per taal]({RECALL_PLOT})", "", f"![Score]({SCORE_PLOT})", ""]
    header, rows, _ = _question_rows(run)
    lines += ["## Alle vragen", "", *_md_table(header, rows)]
    return "\n".join(lines)


def write_report(
    run: dict[str, Any], directory: Path | str, title: str = "Vraagbaak — evaluatie"
) -> Path:
    """Write report.html, report.md, run.json and the plots into ``directory``; returns the
    HTML path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _plots(run, directory)
    (directory / RUN_FILE).write_text(
        json.dumps(run, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (directory / "report.md").write_text(_markdown(run, title), encoding="utf-8")
    html_path = directory / "report.html"
    html_path.write_text(_html(run, title), encoding="utf-8")
    return html_path
