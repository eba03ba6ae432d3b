"""The dev/test split tool: stratified, deterministic, sealed once drawn, written in place."""

import json
from collections import Counter
from pathlib import Path

import pytest

from evals.goldset import DEFAULT_SET, load_goldset, select_split
from evals.split import assign, describe, main, split_file, stratum


def _items(n_per_stratum: int = 10) -> list[dict]:
    items = []
    for doc in ("a.txt", "b.txt", None):
        for language in ("nl", "en"):
            for i in range(n_per_stratum):
                items.append(
                    {
                        "id": f"{doc}-{language}-{i}",
                        "question": "Wat is één ding?",
                        "language": language,
                        "answerable": doc is not None,
                        "doc": doc,
                        "quotes": ["één ding"] if doc else [],
                        "facts": [],
                        "category": "numbers" if i % 2 else "roles",
                        "style": "question",
                    }
                )
    return items


def test_every_stratum_gets_its_share_within_one_item() -> None:
    items = assign(_items(11), test_share=0.45)
    assert {item["split"] for item in items} == {"dev", "test"}
    tests, totals = Counter(), Counter()
    for item in items:
        totals[stratum(item)] += 1
        tests[stratum(item)] += item["split"] == "test"
    for key, total in totals.items():
        assert abs(tests[key] - 0.45 * total) <= 1, key
    # inside a stratum, categories are spread as well
    per_category = Counter((stratum(i), i["category"]) for i in items if i["split"] == "test")
    assert all(n >= 2 for n in per_category.values())
    assert abs(sum(tests.values()) - 0.45 * len(items)) <= 1


def test_deterministic_and_seeded() -> None:
    first = [i["split"] for i in assign(_items(), seed=3)]
    assert first == [i["split"] for i in assign(_items(), seed=3)]
    assert first != [i["split"] for i in assign(_items(), seed=4)]


def test_existing_splits_are_sealed_unless_reassigned() -> None:
    drawn = assign(_items(), seed=1)
    # a later draw with another seed and share, plus new items, changes none of the old ones
    more = [*drawn, dict(_items()[0], id="new-1"), dict(_items()[0], id="new-2")]
    again = assign(more, test_share=0.9, seed=99)
    assert [i["split"] for i in again[: len(drawn)]] == [i["split"] for i in drawn]
    assert {"split"} <= set(again[-1])
    redrawn = assign(drawn, seed=99, reassign=True)
    assert [i["split"] for i in redrawn] != [i["split"] for i in drawn]


def test_a_bad_share_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        assign(_items(), test_share=1.0)


def test_file_written_in_place_keeping_format(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    items = _items(3)
    items[0] = items[0] | {"split": "test"}
    lines = [json.dumps(i, ensure_ascii=False) for i in items]
    lines.insert(2, "")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    split_file(path, seed=5)
    written = path.read_text(encoding="utf-8").splitlines()
    assert written[2] == ""
    assert "één" in written[0]  # not escaped
    rows = [json.loads(line) for line in written if line]
    assert list(rows[1]) == [*items[1].keys(), "split"]  # new key last, order kept
    assert list(rows[0]) == list(items[0])
    assert rows[0]["split"] == "test"
    loaded = load_goldset(path)
    assert {q.split for q in loaded} == {"dev", "test"}
    assert len(select_split(loaded, "test")) + len(select_split(loaded, "dev")) == len(loaded)
    # a second run changes nothing
    before = path.read_bytes()
    split_file(path, test_share=0.2, seed=8)
    assert path.read_bytes() == before


def test_a_broken_set_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    text = json.dumps(_items(1)[0]) + "\n{not json\n"
    path.write_text(text, encoding="utf-8")
    assert main([str(path)]) == 1
    assert path.read_text(encoding="utf-8") == text


def test_main_prints_the_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(i) for i in _items(4)) + "\n", encoding="utf-8")
    assert main([str(path), "--test-share", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "test 12 of 24 (50%)" in out
    assert describe(load_and_dump(path)).splitlines()[-1] == "test 12 of 24 (50%)"


def load_and_dump(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_shipped_set_is_split() -> None:
    gold = load_goldset(DEFAULT_SET)
    raw = load_and_dump(DEFAULT_SET)
    assert all("split" in row for row in raw)
    test = select_split(gold, "test")
    assert len(test) / len(gold) >= 0.40
    strata = Counter((q.doc, q.language, q.answerable) for q in gold)
    strata_test = Counter((q.doc, q.language, q.answerable) for q in test)
    assert all(strata_test[key] >= 0.4 * n - 1 for key, n in strata.items())
