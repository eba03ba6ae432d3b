"""The evaluators' API under ``/api/eval`` and the ``/eval`` page.

Gold items are made from passages the evaluator sees: a quote is accepted only when it stands
verbatim in the passage named by ``chunk_id`` (whitespace aside), so a set made by clicking
always loads with ``evals.goldset.load_goldset``. Runs reuse ``evals.runner`` (metrics),
``evals.thresholds`` (gates), ``evals.report`` (plain explanations, failures) and
``evals.compare`` (changes beyond run-to-run noise).
"""

from __future__ import annotations

import json
import pathlib
import re
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from evals import report
from evals.compare import compare_runs
from evals.facts import key_facts
from evals.goldset import GoldQuestion, GoldSetError, load_goldset, normalise_whitespace
from evals.registry import load_corpora
from evals.runner import merge, run_answers, run_retrieval, summarise_splits
from evals.thresholds import DEFAULT_THRESHOLDS, load_thresholds, verdicts
from service.evalbench.store import EvalBenchError, EvalRuns, EvalSets, NotFoundError
from service.faq.routes import drafter_of
from service.faq.routes import search as passage_search
from service.security.middleware import require_scope
from vraagbaak.settings import Settings

STATIC = resources.files("service") / "static"
STATIC_FILES = {"eval.js": "text/javascript", "eval.css": "text/css"}
K = 10
MAX_ITEMS = 2000
MAX_IMPORT_CHARS = 5_000_000
# Row ids are SQLite integers: a larger number is a 422 saying so, not a 500 from SQLite.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The row's number")]

eval_router = APIRouter(
    prefix="/api/eval", tags=["eval"], dependencies=[Depends(require_scope("eval"))]
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateSet(_Body):
    name: str = Field(min_length=1, max_length=120, description="Unique name of the set")


class Item(_Body):
    question: str = Field(min_length=1, max_length=1000)
    language: Literal["nl", "en"] = "nl"
    answerable: bool = True
    chunk_id: str | None = Field(None, max_length=300, description="The passage quoted from")
    quote: str | None = Field(None, max_length=5000, description="Verbatim text of the passage")


class ImportBody(_Body):
    content: str = Field(max_length=MAX_IMPORT_CHARS, description="Gold-set JSONL")


class RunBody(_Body):
    set: int = Field(ge=1, le=2**63 - 1, description="The gold set's id")
    corpus: str | None = Field(
        None, max_length=40, description="Whose thresholds gate the run (evals/corpora.toml)"
    )


def _sets(request: Request) -> EvalSets:
    sets: EvalSets = request.app.state.eval_sets
    return sets


def _runs(request: Request) -> EvalRuns:
    runs: EvalRuns = request.app.state.eval_runs
    return runs


def _do(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except EvalBenchError as exc:
        raise HTTPException(422, str(exc)) from exc


# --- sets -----------------------------------------------------------------------------------


@eval_router.get("/sets")
def list_sets(request: Request) -> dict[str, Any]:
    """All gold sets with their counts (items left out)."""
    return {"sets": [{k: v for k, v in s.items() if k != "items"} for s in _sets(request).list()]}


@eval_router.post("/sets", status_code=201)
def create_set(body: CreateSet, request: Request) -> dict[str, Any]:
    """A new, empty gold set (422 when the name is taken)."""
    created: dict[str, Any] = _do(lambda: _sets(request).create(body.name))
    return created


@eval_router.get("/sets/{set_id}")
def get_set(set_id: RowId, request: Request) -> dict[str, Any]:
    found: dict[str, Any] = _do(lambda: _sets(request).get(set_id))
    return found


@eval_router.delete("/sets/{set_id}", status_code=204)
def delete_set(set_id: RowId, request: Request) -> Response:
    _do(lambda: _sets(request).delete(set_id))
    return Response(status_code=204)


def _gold_item(body: Item, request: Request, item_id: str) -> dict[str, Any]:
    """The item as a gold-set line; 422 saying what to fix when it cannot be one."""
    question = " ".join(body.question.split())
    if not question:
        raise HTTPException(422, "The question is empty: type the question first.")
    base = {"id": item_id, "question": question, "language": body.language, "style": "question"}
    if not body.answerable:
        return base | {
            "answerable": False,
            "doc": None,
            "chunk_id": None,
            "quotes": [],
            "facts": [],
            "category": "unanswerable",
            "split": "dev",
        }
    if not body.chunk_id or not body.quote or not body.quote.strip():
        raise HTTPException(
            422,
            "An answerable item needs 'chunk_id' and 'quote': click the sentence (or select "
            "the words) in a passage that answers the question, or mark the question as not "
            "answerable from the documents.",
        )
    index = request.app.state.engine.index
    chunk = next((c for c in index.chunks if c.id == body.chunk_id), None)
    if chunk is None:
        raise HTTPException(
            422,
            f"No passage '{body.chunk_id}' in the current index: search again and quote a "
            "passage from the results.",
        )
    quote = normalise_whitespace(body.quote)
    if quote not in normalise_whitespace(chunk.text):
        raise HTTPException(
            422,
            f"The quote is not verbatim in passage '{body.chunk_id}': select the words exactly "
            "as the passage shows them (spelling, punctuation and capitals included).",
        )
    if len(quote.split()) < 3:
        raise HTTPException(422, "The quote is too short: select at least three words.")
    document = index.documents[chunk.doc_id]
    return base | {
        "answerable": True,
        "doc": document.source,
        "chunk_id": chunk.id,
        "quotes": [quote],
        "facts": key_facts([quote], question),
        "category": "",
        "split": "dev",
    }


def _next_id(items: list[dict[str, Any]]) -> str:
    numbers = [int(m.group(1)) for i in items if (m := re.fullmatch(r"g(\d+)", i["id"]))]
    return f"g{max(numbers, default=0) + 1:03d}"


@eval_router.post("/sets/{set_id}/items", status_code=201)
def add_item(set_id: RowId, body: Item, request: Request) -> dict[str, Any]:
    """A gold item: the question and the verbatim quote that answers it, or "not answerable"."""
    sets = _sets(request)
    gold = _do(lambda: sets.get(set_id))
    if len(gold["items"]) >= MAX_ITEMS:
        raise HTTPException(422, f"A set holds at most {MAX_ITEMS} items: start a new set.")
    item = _gold_item(body, request, _next_id(gold["items"]))
    sets.save_items(set_id, [*gold["items"], item])
    return item


@eval_router.put("/sets/{set_id}/items/{item_id}")
def replace_item(set_id: RowId, item_id: str, body: Item, request: Request) -> dict[str, Any]:
    """Change an item (question, language, quote or answerability); it keeps its id."""
    sets = _sets(request)
    gold = _do(lambda: sets.get(set_id))
    items = gold["items"]
    place = next((n for n, i in enumerate(items) if i["id"] == item_id), None)
    if place is None:
        raise HTTPException(404, f"No item '{item_id}' in set {set_id}.")
    item = _gold_item(body, request, item_id) | {"split": items[place].get("split", "dev")}
    items[place] = item
    sets.save_items(set_id, items)
    return item


@eval_router.delete("/sets/{set_id}/items/{item_id}", status_code=204)
def delete_item(set_id: RowId, item_id: str, request: Request) -> Response:
    sets = _sets(request)
    gold = _do(lambda: sets.get(set_id))
    kept = [i for i in gold["items"] if i["id"] != item_id]
    if len(kept) == len(gold["items"]):
        raise HTTPException(404, f"No item '{item_id}' in set {set_id}.")
    sets.save_items(set_id, kept)
    return Response(status_code=204)


GOLD_FIELDS = (
    "id", "question", "language", "answerable", "doc", "quotes", "facts", "category", "style",
    "split",
)  # fmt: skip


def to_jsonl(items: list[dict[str, Any]]) -> str:
    """The items in the documented gold-set format (evals/gold/README.md)."""
    lines = [
        json.dumps({k: i[k] for k in GOLD_FIELDS if k in i}, ensure_ascii=False) for i in items
    ]
    return "\n".join(lines) + ("\n" if lines else "")


@eval_router.get("/sets/{set_id}/export")
def export_set(set_id: RowId, request: Request) -> Response:
    """The set as gold-set JSONL, as ``vraagbaak eval run --gold FILE`` reads it."""
    gold = _do(lambda: _sets(request).get(set_id))
    slug = re.sub(r"[^a-z0-9]+", "-", gold["name"].lower()).strip("-") or "goldset"
    return Response(
        to_jsonl(gold["items"]),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{slug}.jsonl"'},
    )


def parse_jsonl(content: str) -> list[GoldQuestion]:
    """Gold questions from JSONL text, validated by ``load_goldset`` (messages name the line)."""
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "import.jsonl"
        path.write_text(content, encoding="utf-8")
        try:
            return load_goldset(path)
        except GoldSetError as exc:
            raise HTTPException(
                422, str(exc).replace(str(path), "import").replace("import:", "line ", 1)
            ) from exc


@eval_router.post("/sets/{set_id}/import", status_code=201)
def import_items(set_id: RowId, body: ImportBody, request: Request) -> dict[str, Any]:
    """Add the questions of a gold-set JSONL file; an id the set already has gets a new one."""
    sets = _sets(request)
    gold = _do(lambda: sets.get(set_id))
    questions = parse_jsonl(body.content)
    items = list(gold["items"])
    if len(items) + len(questions) > MAX_ITEMS:
        raise HTTPException(422, f"A set holds at most {MAX_ITEMS} items: import fewer lines.")
    taken = {i["id"] for i in items}
    for q in questions:
        item_id = q.id if q.id not in taken else _next_id(items)
        taken.add(item_id)
        items.append(
            {
                "id": item_id,
                "question": q.question,
                "language": q.language,
                "answerable": q.answerable,
                "doc": q.doc,
                "chunk_id": None,
                "quotes": list(q.quotes),
                "facts": list(q.facts),
                "category": q.category,
                "style": q.style or "question",
                "split": q.split,
            }
        )
    sets.save_items(set_id, items)
    return {"added": len(questions), "set": sets.get(set_id)}


@eval_router.get("/search")
def search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=1000, description="The question"),
    k: int = Query(5, ge=1, le=20),
) -> dict[str, Any]:
    """The top passages for a question, with their sentences to click."""
    found: dict[str, Any] = passage_search(request, q, k)
    return found


# --- runs -----------------------------------------------------------------------------------


def corpus_of(index: Any) -> str | None:
    """The registered evaluation corpus whose documents the index holds, if any."""
    sources = {pathlib.Path(doc.source).name for doc in index.documents.values()}
    for name, corpus in load_corpora().items():
        if corpus.docs.is_dir() and sources and sources <= {p.name for p in corpus.docs.iterdir()}:
            return name
    return None


def _questions(items: list[dict[str, Any]]) -> list[GoldQuestion]:
    return [
        GoldQuestion(
            id=i["id"],
            question=i["question"],
            language=i["language"],
            answerable=i["answerable"],
            doc=i["doc"],
            quotes=tuple(i["quotes"]),
            facts=tuple(i["facts"]),
            category=i.get("category", ""),
            style=i.get("style", ""),
            split=i.get("split", "dev"),
        )
        for i in items
    ]


def _gate(summary: dict[str, Any], corpus: str | None) -> dict[str, Any]:
    """Every gate of ``corpus`` on the whole set (a set made here has no sealed test part)."""
    gates = load_thresholds(DEFAULT_THRESHOLDS, corpus) if corpus else {"min": {}, "max": {}}
    rows = verdicts(summary, gates)
    return {
        "thresholds": str(DEFAULT_THRESHOLDS) if corpus else None,
        "corpus": corpus,
        "part": "alle vragen",
        "split": "all",
        "checked": bool(rows),
        "verdicts": rows,
        "skipped": [v["metric"] for v in rows if v["pass"] is None],
        "failures": [v["metric"] for v in rows if v["pass"] is False],
        "note": "" if corpus else "Geen drempels: de index hoort bij geen bekend corpus.",
    }


def view(run_id: RowId, run: dict[str, Any]) -> dict[str, Any]:
    """A stored run as the page reads it: verdicts first, explained, failures first."""
    rows = report.verdict_rows(run)
    failed = report.failures(run)
    questions = sorted(run["questions"], key=lambda q: not report._failed(q))
    return {
        "id": run_id,
        "meta": run["meta"],
        "metrics": run["summary"]["metrics"],
        "verdicts": [
            {k: v[k] for k in ("metric", "value", "threshold", "kind", "pass", "label", "text")}
            | {"explanation": v["explanation"]}
            for v in rows
        ],
        "failures": {
            kind: {"title": title, "explanation": text, "ids": [q["id"] for q in failed[kind]]}
            for kind, title, text in report.FAILURE_KINDS
        },
        "questions": [q | {"failed": report._failed(q)} for q in questions],
        "note": run["gate"]["note"],
    }


@eval_router.post("/runs", status_code=201)
def create_run(body: RunBody, request: Request) -> dict[str, Any]:
    """Run a gold set through search and the answerer; store and return the verdicts."""
    gold = _do(lambda: _sets(request).get(body.set))
    if not gold["items"]:
        raise HTTPException(422, "The set has no items yet: add questions before running it.")
    engine = request.app.state.engine
    corpus = body.corpus or corpus_of(engine.index)
    if corpus is not None and corpus not in load_corpora():
        names = ", ".join(sorted(load_corpora()))
        raise HTTPException(422, f"Unknown corpus '{corpus}': use one of {names}.")
    questions = _questions(gold["items"])
    started = time.time()
    retrieval = run_retrieval(engine, questions, K)
    answers = run_answers(drafter_of(request), questions)
    summary = summarise_splits(questions, retrieval, answers, K)
    run: dict[str, Any] = {
        "meta": {
            "gold_set": gold["name"],
            "set_id": gold["id"],
            "corpus": corpus,
            "k": K,
            "embedder": engine.index.manifest.embedder,
            "index_build": engine.index.build_id,
            "answers": "run",
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
            "seconds": round(time.time() - started, 2),
        },
        "summary": summary,
        "counts": summary["counts"],
        "answers_run": True,
        "questions": merge(retrieval, answers),
    }
    run["gate"] = _gate(summary, corpus)
    run["passed"] = not run["gate"]["failures"] if run["gate"]["checked"] else None
    run_id = _runs(request).add(gold["id"], gold["name"], run)
    return view(run_id, run)


@eval_router.get("/runs")
def list_runs(request: Request) -> dict[str, Any]:
    return {"runs": _runs(request).list()}


@eval_router.get("/runs/{run_id}")
def get_run(run_id: RowId, request: Request) -> dict[str, Any]:
    run = _do(lambda: _runs(request).get(run_id))
    return view(run_id, run)


@eval_router.get("/compare")
def compare(
    request: Request,
    a: int = Query(..., ge=1, le=2**63 - 1, description="The earlier run"),
    b: int = Query(..., ge=1, le=2**63 - 1, description="The later run"),
) -> dict[str, Any]:
    """What changed from run ``a`` to run ``b`` beyond run-to-run noise (``evals.compare``)."""
    runs = _runs(request)
    run_a, run_b = _do(lambda: runs.get(a)), _do(lambda: runs.get(b))
    comparison = compare_runs(run_a, run_b)
    changed = [
        {
            "metric": d.name,
            "label": report.label(d.name),
            "a": d.a,
            "b": d.b,
            "improved": d.improved,
        }
        for d in comparison.deltas
        if d.improved is not None and d.name in report.EXPLAINED
    ]
    return {
        "a": a,
        "b": b,
        "same_questions": comparison.same_questions,
        "changed": changed,
        "comparison": comparison.to_json(),
    }


# --- installation ---------------------------------------------------------------------------


def install_evalbench(app: FastAPI, settings: Settings) -> None:
    """The /eval page, its static files and the /api/eval API, over the service database."""
    app.state.eval_sets = EvalSets(settings.database)
    app.state.eval_runs = EvalRuns(settings.database)
    app.include_router(eval_router)

    def serve(name: str, media_type: str) -> Callable[[], Response]:
        def handler() -> Response:
            path = STATIC / name
            if not path.is_file():
                return HTMLResponse(f"{name} is missing from this installation", status_code=404)
            return FileResponse(str(path), media_type=media_type)

        return handler

    app.add_api_route("/eval", serve("eval.html", "text/html"), include_in_schema=False)
    for name, media_type in STATIC_FILES.items():
        app.add_api_route(f"/static/{name}", serve(name, media_type), include_in_schema=False)
