"""Gold sets and evaluation runs made on the /eval page, kept in the service's SQLite database.

A set is one row holding its items as JSON (a set is edited a few items at a time, by one
evaluator); a run is one row holding the whole run as ``eval run`` writes it to run.json, so
``evals.compare`` and ``evals.report`` read it unchanged. Both tables keep their rows forever.
"""

from __future__ import annotations

import builtins
import json
from typing import Any

from service.db import DatabaseTarget, IntegrityError
from service.storage import RetainedTable

SET_NAME_CHARS = 120


class EvalBenchError(ValueError):
    """A request the workbench cannot carry out; the message says what to do instead."""


class NotFoundError(EvalBenchError):
    pass


class EvalSets(RetainedTable):
    table = "eval_sets"

    def __init__(self, database: DatabaseTarget) -> None:
        super().__init__(database, retention_days=None)

    def create(self, name: str) -> dict[str, Any]:
        name = " ".join(name.split())
        if not name or len(name) > SET_NAME_CHARS:
            raise EvalBenchError(f"Give the set a name of 1 to {SET_NAME_CHARS} characters.")
        try:
            set_id = self._insert(("name", "items"), (name, "[]"))
        except IntegrityError as exc:
            raise EvalBenchError(
                f"A set called '{name}' exists already: choose another name."
            ) from exc
        return self.get(set_id)

    def list(self) -> builtins.list[dict[str, Any]]:
        return [_set(row) for row in self._rows(("name", "items"))]

    def get(self, set_id: int) -> dict[str, Any]:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, created_at, name, items FROM eval_sets WHERE id = ?", (set_id,)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"No gold set {set_id}: GET /api/eval/sets lists them.")
        return _set(dict(zip(("id", "created_at", "name", "items"), row, strict=True)))

    def save_items(self, set_id: int, items: builtins.list[dict[str, Any]]) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE eval_sets SET items = ? WHERE id = ?",
                (json.dumps(items, ensure_ascii=False), set_id),
            )

    def delete(self, set_id: int) -> None:
        self.get(set_id)
        with self._lock:
            self._conn.execute("DELETE FROM eval_sets WHERE id = ?", (set_id,))


def _set(row: dict[str, Any]) -> dict[str, Any]:
    items = json.loads(row["items"])
    return {
        "id": row["id"],
        "name": row["name"],
        "created_at": row["created_at"],
        "items": items,
        "counts": {
            "items": len(items),
            "answerable": sum(1 for i in items if i["answerable"]),
            "unanswerable": sum(1 for i in items if not i["answerable"]),
        },
    }


class EvalRuns(RetainedTable):
    table = "eval_runs"

    def __init__(self, database: DatabaseTarget) -> None:
        super().__init__(database, retention_days=None)

    def add(self, set_id: int, set_name: str, run: dict[str, Any]) -> int:
        return self._insert(
            ("set_id", "set_name", "run"), (set_id, set_name, json.dumps(run, ensure_ascii=False))
        )

    def get(self, run_id: int) -> dict[str, Any]:
        with self._lock:
            row = self._conn.execute("SELECT run FROM eval_runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"No run {run_id}: GET /api/eval/runs lists them.")
        run: dict[str, Any] = json.loads(row[0])
        return run

    def list(self) -> builtins.list[dict[str, Any]]:
        """Every run, newest first, without its questions."""
        rows = self._rows(("set_id", "set_name", "run"))
        out = []
        for row in reversed(rows):
            run = json.loads(row["run"])
            out.append(
                {
                    "id": row["id"],
                    "set": row["set_id"],
                    "set_name": row["set_name"],
                    "created_at": row["created_at"],
                    "questions": len(run.get("questions", [])),
                    "passed": run.get("passed"),
                }
            )
        return out
