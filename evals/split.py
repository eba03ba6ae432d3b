"""Give a gold set its dev/test split: ``python -m evals.split SET [--test-share 0.45] [--seed N]``.

Each item without a ``split`` gets ``"dev"`` or ``"test"``, written into the JSONL in place (one
object per line, field order kept, ``ensure_ascii=False``). An item that already has a split
keeps it, so the sealed test part never changes when questions are added; ``--reassign`` draws
every item anew.

The draw is deterministic and stratified. New items are ordered by stratum (document ×
language × answerable), then by category, then by a hash of seed and id, and every
1/share-th item of that order goes to test (systematic sampling with a seeded start). Each
stratum therefore gets its share of test items within one item, and inside a stratum each
category large enough to hold a test item gets its share too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.goldset import SPLITS, GoldSetError, load_goldset

DEFAULT_SHARE = 0.45
DEFAULT_SEED = 16


def _fraction(text: str) -> float:
    """A stable number in [0, 1) for ``text``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def stratum(item: dict[str, Any]) -> tuple[str, str, bool]:
    return (str(item.get("doc") or "-"), str(item["language"]), bool(item["answerable"]))


def assign(
    items: Sequence[dict[str, Any]],
    test_share: float = DEFAULT_SHARE,
    seed: int = DEFAULT_SEED,
    reassign: bool = False,
) -> list[dict[str, Any]]:
    """Copies of ``items`` with a ``split`` on every one; existing splits are kept unless
    ``reassign``. A new key goes last, an existing one keeps its place."""
    if not 0 < test_share < 1:
        raise ValueError(f"the test share must lie between 0 and 1, got {test_share}")
    out = [dict(item) for item in items]
    fresh = [i for i, item in enumerate(out) if reassign or item.get("split") not in SPLITS]
    fresh.sort(
        key=lambda i: (
            stratum(out[i]),
            str(out[i].get("category", "")),
            _fraction(f"{seed}:{out[i]['id']}"),
        )
    )
    start = _fraction(f"start:{seed}")
    for position, i in enumerate(fresh):
        picked = math.floor((position + 1) * test_share + start) > math.floor(
            position * test_share + start
        )
        out[i]["split"] = "test" if picked else "dev"
    return out


def split_file(
    path: Path | str,
    test_share: float = DEFAULT_SHARE,
    seed: int = DEFAULT_SEED,
    reassign: bool = False,
) -> list[dict[str, Any]]:
    """Assign splits in the JSONL file at ``path`` (validated first); returns the items.
    The file is replaced in one step, so an interrupted run leaves it whole."""
    path = Path(path)
    load_goldset(path)  # refuses a broken set before anything is written
    lines = path.read_text(encoding="utf-8").splitlines()
    numbered = [(n, json.loads(line)) for n, line in enumerate(lines) if line.strip()]
    items = assign([item for _, item in numbered], test_share, seed, reassign)
    for (n, _), item in zip(numbered, items, strict=True):
        lines[n] = json.dumps(item, ensure_ascii=False)
    text = "\n".join(lines) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", text=True)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return items


def describe(items: Sequence[dict[str, Any]]) -> str:
    """Counts of test/all per stratum and overall, for the terminal."""
    tests: Counter[tuple[str, str, bool]] = Counter()
    totals: Counter[tuple[str, str, bool]] = Counter()
    for item in items:
        totals[stratum(item)] += 1
        tests[stratum(item)] += item.get("split") == "test"
    lines = [f"{'document':<44} {'lang':<4} {'answerable':<10} {'test':>4} / {'all':>3}"]
    for key in sorted(totals):
        doc, language, answerable = key
        lines.append(
            f"{doc[:44]:<44} {language:<4} {'yes' if answerable else 'no':<10} "
            f"{tests[key]:>4} / {totals[key]:>3}"
        )
    n_test = sum(tests.values())
    lines.append(f"test {n_test} of {len(items)} ({n_test / max(1, len(items)):.0%})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evals.split", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("set", type=Path, help="gold set JSONL, changed in place")
    parser.add_argument("--test-share", type=float, default=DEFAULT_SHARE)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--reassign", action="store_true", help="draw every item anew (unseals the test part)"
    )
    args = parser.parse_args(argv)
    try:
        items = split_file(args.set, args.test_share, args.seed, args.reassign)
    except (GoldSetError, ValueError) as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    sys.stdout.write(describe(items) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
