"""`vraagbaak faq …`: build, curate and export FAQ sets from the command line."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from service.faq import drafting
from service.faq.exchange import EXPORT_FORMATS, MAX_IMPORT_CHARS, export_set, import_entries
from service.faq.store import FaqEntry, FaqError, FaqStore
from vraagbaak.errors import VraagbaakError
from vraagbaak.options import (
    CorpusOption,
    DataOption,
    EmbedderOption,
    command,
    settings_from,
)
from vraagbaak.settings import Settings

if TYPE_CHECKING:
    from service.engine import Engine

faq_app = typer.Typer(
    help="FAQ sets for trainers: draft answers from the corpus, curate, approve and export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ByOption = Annotated[
    str | None, typer.Option("--by", help="Who makes the change (default: your user name)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def load_engine(settings: Settings) -> Engine:
    """The engine for drafting and suggestions (tests replace this to use a fake embedder)."""
    from service.engine import Engine, open_embedder

    return Engine.load(settings, embedder=open_embedder(settings))


def draft_answerer(engine: Engine) -> drafting.DraftAnswerer:
    """The extractive answerer that drafts answers (tests replace this too)."""
    from service.answering.extractive import ExtractiveAnswerer

    return ExtractiveAnswerer(engine.retriever)


def _store(data_dir: Path | None) -> FaqStore:
    return FaqStore.open(settings_from(data_dir=data_dir))


def _by(by: str | None) -> str:
    if by:
        return by
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _fail(message: str) -> typer.Exit:
    typer.secho(f"Error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def _entry_line(entry: FaqEntry) -> str:
    flags = entry.status + (", STALE" if entry.stale else "")
    return f"#{entry.id} [{flags}] {entry.question} ({len(entry.citations)} citation(s))"


def _show(entry: FaqEntry) -> None:
    typer.echo(_entry_line(entry))
    typer.echo("")
    typer.echo(entry.answer or "(no answer yet)")
    for n, c in enumerate(entry.citations, 1):
        where = ", ".join(p for p in (c.section or "", f"p. {c.page}" if c.page else "") if p)
        typer.echo(f"  [{n}] {c.title}{' — ' + where if where else ''} ({c.chunk_id})")
        typer.echo(f"      “{' '.join(c.quote.split())}”")
    if entry.notes:
        typer.echo(f"Notes: {entry.notes}")
    if entry.stale:
        typer.echo(f"Stale: {entry.stale_reason}")


@faq_app.command()
def create(
    name: Annotated[str, typer.Argument(help="Name of the new set")],
    description: Annotated[str, typer.Option(help="What the set is for")] = "",
    language: Annotated[str, typer.Option(help="nl or en")] = "nl",
    data_dir: DataOption = None,
) -> None:
    """Create an empty FAQ set."""
    try:
        faq_set = _store(data_dir).create_set(name, description, language)
    except FaqError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"Created FAQ set '{faq_set.name}' ({faq_set.language}).")


@faq_app.command()
def sets(json_output: JsonOption = False, data_dir: DataOption = None) -> None:
    """List the FAQ sets."""
    rows = _store(data_dir).list_sets()
    if json_output:
        typer.echo(json.dumps([s.to_json() for s in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("No FAQ sets yet — create one with `vraagbaak faq create NAME`.")
    for s in rows:
        typer.echo(
            f"- {s.name} ({s.language}): {s.entries} entries, {s.approved} approved, "
            f"{s.stale} stale{' — ' + s.description if s.description else ''}"
        )


@faq_app.command()
def add(
    name: Annotated[str, typer.Argument(help="FAQ set")],
    questions: Annotated[list[str] | None, typer.Argument(help="Questions to draft")] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", "-f", help="questions.txt (one a line) or questions.csv (a 'question' column)"
        ),
    ] = None,
    by: ByOption = None,
    corpus: CorpusOption = None,
    data_dir: DataOption = None,
    embedder: EmbedderOption = None,
) -> None:
    """Add questions; each gets a drafted answer with citations from the corpus."""
    settings = settings_from(corpus, data_dir, embedder)
    store = FaqStore.open(settings)
    wanted = list(questions or [])
    try:
        store.get_set(name)
        if file is not None:
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise FaqError(f"Cannot read {file}: {exc}") from exc
            wanted += drafting.read_questions(text, file.name)
        if not wanted:
            raise FaqError("No questions — give them as arguments or with --file")
        engine = load_engine(settings)
        entries = drafting.add_questions(store, name, wanted, draft_answerer(engine), _by(by))
    except (FaqError, VraagbaakError) as exc:
        raise _fail(str(exc)) from exc
    skipped = len(wanted) - len(entries)
    typer.echo(
        f"Drafted {len(entries)} answer(s) in '{name}'"
        + (f" ({skipped} already in the set or repeated, skipped)" if skipped else "")
        + ":"
    )
    for entry in entries:
        typer.echo("  " + _entry_line(entry))


@faq_app.command("list")
def list_entries(
    name: Annotated[str, typer.Argument(help="FAQ set")],
    json_output: JsonOption = False,
    data_dir: DataOption = None,
) -> None:
    """The entries of a set: id, question, status, citations, stale."""
    try:
        entries = _store(data_dir).entries(name)
    except FaqError as exc:
        raise _fail(str(exc)) from exc
    if json_output:
        typer.echo(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=2))
        return
    if not entries:
        example = command("vraagbaak", "faq", "add", name, "Wie heeft de regie?", data_dir=data_dir)
        typer.echo(f"'{name}' has no entries — add some with `{example}`.")
    for entry in entries:
        typer.echo(_entry_line(entry))
        if entry.answer:
            short = " ".join(entry.answer.split())
            typer.echo(f"    {short[:160]}{'…' if len(short) > 160 else ''}")


@faq_app.command()
def show(
    name: Annotated[str, typer.Argument(help="FAQ set")],
    entry_id: Annotated[int, typer.Argument(help="Entry id")],
    json_output: JsonOption = False,
    data_dir: DataOption = None,
) -> None:
    """One entry: its answer, citations with quotes, notes and staleness."""
    store = _store(data_dir)
    try:
        entry = store.get_entry(name, entry_id)
        history = store.history(name, entry_id)
    except FaqError as exc:
        raise _fail(str(exc)) from exc
    if json_output:
        typer.echo(
            json.dumps(
                entry.to_json() | {"history": [h.to_json() for h in history]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    _show(entry)
    typer.echo(
        f"History: {len(history)} change(s), last by {history[-1].changed_by} "
        f"({history[-1].action})"
        if history
        else "History: none"
    )


@faq_app.command()
def edit(
    name: Annotated[str, typer.Argument(help="FAQ set")],
    entry_id: Annotated[int, typer.Argument(help="Entry id")],
    answer: Annotated[str | None, typer.Option(help="New answer text")] = None,
    question: Annotated[str | None, typer.Option(help="New question text")] = None,
    notes: Annotated[str | None, typer.Option(help="Notes for other trainers")] = None,
    remove_citation: Annotated[
        list[int] | None,
        typer.Option("--remove-citation", help="Remove citation number N (repeatable)"),
    ] = None,
    cite: Annotated[
        list[str] | None,
        typer.Option(
            "--cite", help="Add a citation: CHUNK_ID=QUOTE, the quote verbatim from the passage"
        ),
    ] = None,
    by: ByOption = None,
    corpus: CorpusOption = None,
    data_dir: DataOption = None,
    embedder: EmbedderOption = None,
) -> None:
    """Change an entry's text or citations (an approved entry becomes a draft again)."""
    settings = settings_from(corpus, data_dir, embedder)
    store = FaqStore.open(settings)
    who = _by(by)
    try:
        entry = drafting.edit_entry(
            store, name, entry_id, who, answer=answer, question=question, notes=notes
        )
        for number in sorted(set(remove_citation or []), reverse=True):
            entry = drafting.remove_citation(store, name, entry_id, number, who)
        if cite:
            from ingest.index import load_index

            index = load_index(settings.index_dir)
            for item in cite:
                chunk_id, sep, quote = item.partition("=")
                if not sep:
                    raise FaqError(f"--cite needs CHUNK_ID=QUOTE, got '{item}'")
                entry = drafting.add_citation(
                    store, index, name, entry_id, chunk_id.strip(), quote, who
                )
    except (FaqError, VraagbaakError) as exc:
        raise _fail(str(exc)) from exc
    _show(entry)


@faq_app.command()
def approve(
    name: Annotated[str, typer.Argument(help="FAQ set")],
    entry_ids: Annotated[list[int], typer.Argument(help="Entry id(s)")],
    by: ByOption = None,
    data_dir: DataOption = None,
) -> None:
    """Approve entries (each needs an answer and at least one citation that still matches)."""
    settings = settings_from(data_dir=data_dir)
    store = FaqStore.open(settings)
    from ingest.index import load_index

    try:
        index = load_index(settings.index_dir)
    except VraagbaakError:
        index = None  # approve on the stored citations; staleness is checked after ingest
    failed = False
    for entry_id in entry_ids:
        try:
            entry = drafting.approve(store, name, entry_id, _by(by), index)
            typer.echo(f"Approved #{entry.id}: {entry.question}")
        except FaqError as exc:
            typer.secho(f"Error: {exc}", err=True, fg=typer.colors.RED)
            failed = True
    if failed:
        raise typer.Exit(1)


@faq_app.command()
def delete(
    name: Annotated[str, typer.Argument(help="FAQ set")],
    entry_id: Annotated[int, typer.Argument(help="Entry id")],
    by: ByOption = None,
    data_dir: DataOption = None,
) -> None:
    """Delete an entry."""
    try:
        _store(data_dir).delete_entry(name, entry_id, _by(by))
    except FaqError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"Deleted #{entry_id}.")


@faq_app.command()
def export(
    name: Annotated[str, typer.Argument(help="FAQ set")],
    fmt: Annotated[str, typer.Option("--format", help="md, csv, json or evalset")] = "md",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (default: standard output)")
    ] = None,
    data_dir: DataOption = None,
) -> None:
    """Export a set: Markdown for the intranet, CSV/JSON (all entries), or an eval set
    (`vraagbaak eval run FILE`)."""
    if fmt not in EXPORT_FORMATS:
        raise _fail(f"Unknown format '{fmt}' — use one of {', '.join(EXPORT_FORMATS)}")
    try:
        text = export_set(_store(data_dir), name, fmt)
    except FaqError as exc:
        raise _fail(str(exc)) from exc
    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote {output}", err=True)


@faq_app.command("import")
def import_(
    name: Annotated[str, typer.Argument(help="FAQ set")],
    file: Annotated[Path, typer.Argument(help="A .json or .csv file written by export")],
    by: ByOption = None,
    data_dir: DataOption = None,
) -> None:
    """Import entries from JSON or CSV: all of them, or none when the file has a problem."""
    settings = settings_from(data_dir=data_dir)
    store = FaqStore.open(settings)
    try:
        if file.stat().st_size > 4 * MAX_IMPORT_CHARS:  # refused before reading it into memory
            raise _fail(f"{file}: too large to import — at most {MAX_IMPORT_CHARS:,} characters")
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"Cannot read {file}: {exc}") from exc
    try:
        result = import_entries(store, name, text, file.name, _by(by))
    except FaqError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"Imported {result.count} entries into '{name}'.")
    from ingest.index import load_index
    from service.faq.staleness import flag_stale_entries

    try:
        report = flag_stale_entries(store, load_index(settings.index_dir), set_name=name)
    except VraagbaakError:
        return
    if report.flagged:
        typer.echo(
            f"{len(report.flagged)} entries cite passages that are no longer in the "
            "index and are marked stale."
        )


@faq_app.command()
def suggest(
    name: Annotated[str, typer.Argument(help="FAQ set (for its language)")],
    doc: Annotated[str, typer.Option("--doc", help="Document id (`vraagbaak docs`)")],
    n: Annotated[int, typer.Option("-n", min=1, max=50, help="How many")] = 10,
    json_output: JsonOption = False,
    data_dir: DataOption = None,
) -> None:
    """Suggest questions about a document from its headings and key sentences."""
    from ingest.index import load_index

    settings = settings_from(data_dir=data_dir)
    try:
        faq_set = FaqStore.open(settings).get_set(name)
        suggestions = drafting.suggest_questions(
            load_index(settings.index_dir), doc, n, faq_set.language
        )
    except (FaqError, VraagbaakError) as exc:
        raise _fail(str(exc)) from exc
    if json_output:
        typer.echo(json.dumps([s.to_json() for s in suggestions], ensure_ascii=False, indent=2))
        return
    for s in suggestions:
        typer.echo(s.question)
    if suggestions:
        questions = [s.question for s in suggestions]
        example = command("vraagbaak", "faq", "add", name, *questions, data_dir=data_dir)
        typer.echo(f"\nAdd them all with `{example}`.", err=True)


@faq_app.command()
def check(
    data_dir: DataOption = None,
    json_output: JsonOption = False,
) -> None:
    """Check every entry's citations against the current index (also done after ingest)."""
    from ingest.index import load_index
    from service.faq.staleness import flag_stale_entries

    settings = settings_from(data_dir=data_dir)
    try:
        report = flag_stale_entries(FaqStore.open(settings), load_index(settings.index_dir))
    except VraagbaakError as exc:
        raise _fail(str(exc)) from exc
    if json_output:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    typer.echo(report.summary())
    for set_name, entry_id, reason in report.flagged:
        typer.echo(f"  stale: {set_name} #{entry_id}: {reason}")
