"""`vraagbaak eval`: run the gold set through search and the answerer, gate, report, compare."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from evals.goldset import DEFAULT_SET, GoldSetError, load_goldset
from vraagbaak.options import CorpusOption, DataOption, EmbedderOption, settings_from

eval_app = typer.Typer(
    help="Evaluate retrieval and answers against the gold question set (evals/gold/).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"Error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _progress(label: str) -> Any:
    if not sys.stderr.isatty():
        return None

    def report(done: int, total: int) -> None:
        end = "\n" if done == total else "\r"
        sys.stderr.write(f"{label} {done}/{total}{end}")
        sys.stderr.flush()

    return report


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def format_summary(summary: dict[str, Any]) -> str:
    """The readable summary the command prints without --json."""
    counts = summary["counts"]
    metrics = summary["metrics"]
    retrieval = summary["retrieval"]
    lines = [
        f"Questions: {counts['questions']} ({counts['answerable']} answerable, "
        f"{counts['unanswerable']} unanswerable; "
        + ", ".join(f"{lang} {n}" for lang, n in counts["by_language"].items())
        + ")",
        "",
        f"{'Retrieval (answerable)':<34} {'n':>4} {'R@1':>6} {'R@5':>6} {'R@10':>6} "
        f"{'MRR@10':>7} {'nDCG@10':>8}",
    ]

    def row(name: str, group: dict[str, Any]) -> str:
        return (
            f"{name[:34]:<34} {group.get('n', 0):>4} {_fmt(group.get('recall_at_1')):>6} "
            f"{_fmt(group.get('recall_at_5')):>6} {_fmt(group.get('recall_at_10')):>6} "
            f"{_fmt(group.get('mrr_at_10')):>7} {_fmt(group.get('ndcg_at_10')):>8}"
        )

    lines.append(row("all", retrieval["overall"]))
    for name, group in retrieval["by_language"].items():
        lines.append(row(f"language {name}", group))
    for name, group in retrieval["by_doc"].items():
        lines.append(row(name, group))
    lines.append(
        f"Retrieval latency: p50 {_fmt(metrics['retrieval_latency_p50_ms'])} ms, "
        f"p95 {_fmt(metrics['retrieval_latency_p95_ms'])} ms"
    )
    answers = summary.get("answers")
    if answers:
        overall = answers["overall"]
        lines += [
            "",
            "Answers",
            f"  citation hit (answerable)        {_fmt(overall['citation_hit'])}",
            f"  key-fact coverage (answerable)   {_fmt(overall['fact_coverage'])}",
            f"  refusal rate (unanswerable)      {_fmt(overall['refusal_rate_unanswerable'])}",
            f"  false refusal rate (answerable)  {_fmt(overall['false_refusal_rate'])}",
            f"  latency p50 / p95                {_fmt(overall['answer_latency_p50_ms'])} / "
            f"{_fmt(overall['answer_latency_p95_ms'])} ms",
        ]
        if overall.get("errors"):
            lines.append(f"  errors                           {overall['errors']}")
    else:
        lines += ["", "Answers: not run"]
    return "\n".join(lines)


def _make_answerer(engine: Any, settings: Any) -> tuple[Any, str | None]:
    """The extractive answerer over the engine's retriever, or (None, why not)."""
    try:
        from service.answering.extractive import AnswerConfig, ExtractiveAnswerer

        return ExtractiveAnswerer(engine.retriever, AnswerConfig.from_settings(settings)), None
    except Exception as exc:  # an answerer that cannot start must not stop the retrieval eval
        return None, f"{exc.__class__.__name__}: {exc}"


@eval_app.command()
def run(
    gold_set: Annotated[
        Path | None,
        typer.Argument(
            metavar="[SET]",
            help=f"Gold set JSONL (default: {DEFAULT_SET.relative_to(DEFAULT_SET.parents[2])})",
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the full JSON: summary, per-question records")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write report.md/report.html into DIR")
    ] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="Passages retrieved")] = 10,
    no_answers: Annotated[
        bool, typer.Option("--no-answers", help="Evaluate retrieval only")
    ] = False,
    thresholds: Annotated[
        Path | None,
        typer.Option(
            "--thresholds",
            help="TOML with [min]/[max] gates; the project's set is gated by "
            "evals/thresholds.toml unless another file is given",
        ),
    ] = None,
    corpus: CorpusOption = None,
    data_dir: DataOption = None,
    embedder: EmbedderOption = None,
) -> None:
    """Run the gold questions; print a summary (or JSON); exit 1 when a threshold fails."""
    from evals.runner import merge, run_answers, run_retrieval, summarise
    from evals.thresholds import (
        DEFAULT_THRESHOLDS,
        ThresholdsError,
        check,
        load_thresholds,
        skipped,
    )
    from service.engine import Engine
    from vraagbaak.errors import VraagbaakError

    path = gold_set or DEFAULT_SET
    try:
        questions = load_goldset(path)
        if thresholds is None and gold_set is None:
            thresholds = DEFAULT_THRESHOLDS
        gates = load_thresholds(thresholds) if thresholds else None
    except (GoldSetError, ThresholdsError) as exc:
        raise _fail(str(exc)) from exc
    if not questions:
        raise _fail(f"{path}: no questions")
    settings = settings_from(corpus, data_dir, embedder)
    try:
        engine = Engine.load(settings)
    except VraagbaakError as exc:
        raise _fail(str(exc)) from exc
    started = time.time()
    retrieval = run_retrieval(engine, questions, k, progress=_progress("retrieval"))
    answers = None
    answer_note = "not requested (--no-answers)" if no_answers else None
    if not no_answers:
        answerer, why_not = _make_answerer(engine, settings)
        if answerer is None:
            answer_note = f"answerer unavailable: {why_not}"
            _err(f"Warning: answers skipped — {answer_note}")
        else:
            answers = run_answers(answerer, questions, progress=_progress("answers"))
    summary = summarise(questions, retrieval, answers, k)
    index = engine.index
    result: dict[str, Any] = {
        "meta": {
            "gold_set": str(path),
            "k": k,
            "embedder": index.manifest.embedder,
            "index_build": index.build_id,
            "index_params": dataclasses.asdict(index.manifest.params),
            "retrieval_config": dataclasses.asdict(engine.retriever.config),
            "answers": "run" if answers is not None else answer_note,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
            "seconds": round(time.time() - started, 2),
        },
        "summary": summary,
        "counts": summary["counts"],
        "answers_run": answers is not None,
        "questions": merge(retrieval, answers),
    }
    if report is not None:
        from evals.report import write_report

        html_path = write_report(result, report)
        _err(f"Report: {html_path} (and report.md)")
    if json_output:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        typer.echo(format_summary(summary))
    if gates is not None:
        failures = check(summary, gates)
        for name in skipped(summary, gates):
            _err(f"Threshold skipped (no value in this run): {name}")
        if failures:
            _err("Thresholds not met:")
            for failure in failures:
                _err(f"  - {failure}")
            raise typer.Exit(1)
        _err("All thresholds met.")


@eval_app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="Baseline: output of `eval run --json`")],
    b: Annotated[Path, typer.Argument(help="Candidate: output of `eval run --json`")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Compare two runs: metric deltas, and per question what got better or worse."""
    from evals.compare import compare_runs, format_comparison, load_run

    try:
        run_a, run_b = load_run(a), load_run(b)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    comparison = compare_runs(run_a, run_b)
    if json_output:
        typer.echo(json.dumps(comparison.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(format_comparison(comparison, a.stem, b.stem))
