"""`vraagbaak eval`: run the gold set through search and the answerer, gate, report, compare."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from evals.goldset import DEFAULT_SET, GoldSetError, load_goldset
from vraagbaak.options import DataOption, EmbedderOption, EvalCorpusOption, settings_from

logger = logging.getLogger(__name__)

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


_SIDE_BY_SIDE = (
    ("questions", None),
    ("Recall@5", "recall_at_5"),
    ("Recall@5 English", "recall_at_5_en"),
    ("MRR@10", "mrr_at_10"),
    ("citation hit", "citation_hit"),
    ("key-fact coverage", "fact_coverage"),
    ("unanswerable refused", "refusal_rate_unanswerable"),
    ("answerable refused", "false_refusal_rate"),
    ("bad quotes", "bad_quotes"),
    ("answer chars p50", "answer_chars_p50"),
)


_COUNTS = ("bad_quotes", "answer_chars_p50", "quotes_per_answer_p50")


def _count(value: Any) -> str:
    """A count or median of counts: whole numbers without decimals."""
    if isinstance(value, float):
        return f"{value:g}"
    return _fmt(value)


def format_splits(summary: dict[str, Any]) -> list[str]:
    """The headline metrics of all questions and of each part, side by side."""
    parts = {"all": summary, **summary.get("splits", {})}
    if len(parts) < 3:  # all questions and both parts; one part alone equals all
        return []
    lines = [f"{'':<24}" + "".join(f"{name:>8}" for name in parts)]
    for label, key in _SIDE_BY_SIDE:
        cells = [
            str(part["counts"]["questions"])
            if key is None
            else (_count if key in _COUNTS else _fmt)(part["metrics"].get(key))
            for part in parts.values()
        ]
        lines.append(f"{label:<24}" + "".join(f"{cell:>8}" for cell in cells))
    return [*lines, ""]


def format_summary(summary: dict[str, Any]) -> str:
    """The readable summary the command prints without --json."""
    counts = summary["counts"]
    metrics = summary["metrics"]
    retrieval = summary["retrieval"]
    lines = [
        *format_splits(summary),
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
        by_rule = overall.get("bad_quotes_by_rule") or {}
        lines += [
            f"  answer length p50 (answered)     {_count(overall.get('answer_chars_p50'))} chars",
            f"  quotes per answer p50 (answered) {_count(overall.get('quotes_per_answer_p50'))}",
            f"  quoted sentences not statements  {_fmt(overall.get('bad_quotes'))} of "
            f"{_fmt(overall.get('quoted_sentences'))}"
            + (
                " (" + ", ".join(f"{rule} {n}" for rule, n in by_rule.items() if n) + ")"
                if any(by_rule.values())
                else ""
            ),
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

        config = AnswerConfig.from_settings(settings, engine.profile.answer)
        return ExtractiveAnswerer(engine.retriever, config), None
    except Exception as exc:  # an answerer that cannot start must not stop the retrieval eval
        return None, f"{exc.__class__.__name__}: {exc}"


@dataclasses.dataclass(frozen=True)
class _Target:
    """What `eval run` evaluates: a gold set, the corpus folder (None: the settings'), and the
    registered corpus whose gates apply (None: no registered gates)."""

    gold: Path
    docs: Path | None
    name: str | None
    explicit_set: bool


def _target(gold_set: Path | None, corpus: str | None) -> _Target:
    from evals.registry import DEFAULT_CORPUS, RegistryError, find_corpus

    try:
        registered = find_corpus(corpus) if corpus else None
    except RegistryError as exc:
        raise _fail(str(exc)) from exc
    if registered is not None:
        return _Target(
            gold_set or registered.gold, registered.docs, registered.name, bool(gold_set)
        )
    docs = Path(corpus) if corpus else None
    if gold_set is not None:
        return _Target(gold_set, docs, None, True)
    return _Target(DEFAULT_SET, docs, DEFAULT_CORPUS, False)


def _profile_of(engine: Any) -> dict[str, Any] | None:
    """The corpus profile the engine runs with, as ``Profile.describe()`` gives it; None for an
    engine that has no profile."""
    profile = getattr(engine, "profile", None)
    describe = getattr(profile, "describe", None)
    if not callable(describe):
        return None
    try:
        described = describe()
    except Exception:  # a profile that cannot describe itself must not stop the eval
        logger.exception("could not describe the corpus profile")
        return None
    return described if isinstance(described, dict) else None


def _profile_line(engine: Any) -> str | None:
    summary = getattr(getattr(engine, "profile", None), "summary", None)
    return str(summary()) if callable(summary) else None


def _gated_part(summary: dict[str, Any], has_test: bool) -> tuple[dict[str, Any] | None, str]:
    """The summary the gates check, and its name: the test part of a split set, all questions
    of a set without a test part; None when the run left the test part out."""
    if not has_test:
        return summary, "all questions (the set has no test part)"
    part = summary.get("splits", {}).get("test")
    return (part, "the test part") if part else (None, "")


@eval_app.command()
def run(
    gold_set: Annotated[
        Path | None,
        typer.Argument(
            metavar="[SET]",
            help="Gold set JSONL (default: the corpus's own set, for corpus a "
            f"{DEFAULT_SET.relative_to(DEFAULT_SET.parents[2])})",
        ),
    ] = None,
    corpus: EvalCorpusOption = None,
    split: Annotated[
        str | None,
        typer.Option(
            "--split",
            help="dev, test or all; by default all questions, with dev and test side by side",
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the full JSON: summary, per-question records")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write report.html, report.md and run.json into DIR"),
    ] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="Passages retrieved")] = 10,
    no_answers: Annotated[
        bool, typer.Option("--no-answers", help="Evaluate retrieval only")
    ] = False,
    thresholds: Annotated[
        Path | None,
        typer.Option(
            "--thresholds",
            help="TOML with [min]/[max] gates (and [CORPUS.min]/[CORPUS.max]); a registered "
            "corpus's own set is gated by evals/thresholds.toml unless another file is given",
        ),
    ] = None,
    data_dir: DataOption = None,
    embedder: EmbedderOption = None,
) -> None:
    """Run the gold questions; print a summary (or JSON); exit 1 when a threshold fails.

    The gates check the test part of the set; a run of the dev part alone is not gated.
    """
    from evals.goldset import SPLITS, select_split
    from evals.runner import merge, run_answers, run_retrieval, summarise_splits
    from evals.thresholds import DEFAULT_THRESHOLDS, ThresholdsError, load_thresholds
    from service.engine import Engine
    from vraagbaak.errors import VraagbaakError

    if split not in (None, "all", *SPLITS):
        raise _fail(f"--split must be one of dev, test, all; got {split!r}", code=2)
    target = _target(gold_set, corpus)
    path = target.gold
    if not path.exists() and not target.explicit_set and target.name:
        raise _fail(
            f"corpus {target.name!r} has no gold set yet: {path} does not exist "
            "(write it as evals/gold/README.md describes)"
        )
    try:
        all_questions = load_goldset(path)
        if thresholds is None and not target.explicit_set:
            thresholds = DEFAULT_THRESHOLDS
        gates = load_thresholds(thresholds, target.name) if thresholds else None
    except (GoldSetError, ThresholdsError) as exc:
        raise _fail(str(exc)) from exc
    questions = select_split(all_questions, split)
    if not questions:
        hint = f" (give it one with `python -m evals.split {path}`)" if split == "test" else ""
        raise _fail(f"{path}: no questions in the {split or 'whole'} set{hint}")
    settings = settings_from(target.docs, data_dir, embedder)
    try:
        engine = Engine.load(settings)
    except VraagbaakError as exc:
        raise _fail(str(exc)) from exc
    index = engine.index
    _check_documents(questions, index, target, settings)
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
    summary = summarise_splits(questions, retrieval, answers, k)
    result: dict[str, Any] = {
        "meta": {
            "corpus": target.name,
            "corpus_dir": str(settings.corpus_dir),
            "gold_set": str(path),
            "split": split or "all",
            "k": k,
            "embedder": index.manifest.embedder,
            "index_build": index.build_id,
            "index_params": dataclasses.asdict(index.manifest.params),
            "retrieval_config": dataclasses.asdict(engine.retriever.config),
            "profile": _profile_of(engine),
            "answers": "run" if answers is not None else answer_note,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
            "seconds": round(time.time() - started, 2),
        },
        "summary": summary,
        "counts": summary["counts"],
        "answers_run": answers is not None,
        "questions": merge(retrieval, answers),
    }
    gate = _gate(summary, gates, all_questions, target, thresholds)
    result["gate"] = gate
    if report is not None:
        from evals.report import write_report

        html_path = write_report(result, report)
        _err(f"Report: {html_path} (and report.md, run.json)")
    if json_output:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        profile = _profile_line(engine)
        typer.echo(
            f"Corpus {target.name or settings.corpus_dir}, gold set {path}, "
            f"split {split or 'all'}" + (f"; {profile}" if profile else "")
        )
        typer.echo(format_summary(summary))
    if gate["note"]:
        _err(gate["note"])
    for name in gate["skipped"]:
        _err(f"Threshold skipped (no value in this run): {name}")
    if gate["failures"]:
        _err(f"Thresholds not met ({gate['part']}):")
        for failure in gate["failures"]:
            _err(f"  - {failure}")
        raise typer.Exit(1)
    if gate["checked"]:
        _err(f"All thresholds met ({gate['part']}).")


def _gate(
    summary: dict[str, Any],
    gates: Any,
    questions: list[Any],
    target: _Target,
    thresholds: Path | None,
) -> dict[str, Any]:
    """Which part the gates check, their verdicts and failures, or a note why none were
    checked. JSON-ready, so the report and run.json carry the same verdicts."""
    from evals.thresholds import check, skipped, verdicts

    gate: dict[str, Any] = {
        "thresholds": str(thresholds) if thresholds else None,
        "corpus": target.name,
        "part": None,
        "split": None,  # the part checked: "test", or "all" for a set without a test part
        "checked": False,
        "verdicts": [],
        "skipped": [],
        "failures": [],
        "note": "",
    }
    if gates is None:
        return gate
    if not gates.get("min") and not gates.get("max"):
        gate["note"] = f"No thresholds for corpus {target.name!r} in {thresholds}: nothing gated."
        return gate
    part, part_name = _gated_part(summary, any(q.split == "test" for q in questions))
    if part is None:
        gate["note"] = (
            "Thresholds not checked: they apply to the test part, which this run left out."
        )
        return gate
    gate |= {
        "part": part_name,
        "split": "test" if part is not summary else "all",
        "checked": True,
        "verdicts": verdicts(part, gates),
        "skipped": skipped(part, gates),
        "failures": check(part, gates),
    }
    return gate


def _check_documents(questions: list[Any], index: Any, target: _Target, settings: Any) -> None:
    """Say so when the index lacks the gold set's documents: a registered corpus evaluated
    against another corpus's index stops with the command that builds the right one."""
    sources = {Path(doc.source).name for doc in index.documents.values()}
    wanted = sorted({Path(q.doc).name for q in questions if q.doc})
    missing = [doc for doc in wanted if doc not in sources]
    if not missing:
        return
    if target.name and len(missing) == len(wanted):
        docs = target.docs or settings.corpus_dir
        raise _fail(
            f"the index in {settings.data_dir} holds none of corpus {target.name!r}'s "
            f"documents (such as {missing[0]}). Build one: vraagbaak ingest --data-dir DIR "
            f"--corpus {docs}; then pass --data-dir DIR"
        )
    _err(
        f"Warning: {len(missing)} of the gold set's {len(wanted)} documents are not in the "
        f"index: {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}"
    )


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
