"""Round 2: every passage of extra.jsonl annotated, stand-off, split once, with gold events."""

import json
from pathlib import Path

from medcoop.annotation.event_gold import check_event_file
from medcoop.annotation.formats import read_jsonl
from medcoop.annotation.standoff import shared_dir
from medcoop.constants import ANNOTATIONS_DIR, DEFAULT_ANNOTATIONS, EVENTS_FILE
from medcoop.training.data import load_splits, unlabelled_passages

EXTRA = shared_dir() / "corpus" / "extra.jsonl"


def extra_ids() -> list[str]:
    return [json.loads(line)["id"] for line in EXTRA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_at_least_400_passages_in_file_order_are_annotated():
    annotated = [str(d.id) for d in read_jsonl(ANNOTATIONS_DIR / "extra.jsonl")]
    assert len(annotated) >= 400
    assert annotated == extra_ids()[: len(annotated)]
    assert all(d.spans for d in read_jsonl(ANNOTATIONS_DIR / "extra.jsonl"))


def test_no_annotation_file_holds_a_text():
    for path in [*DEFAULT_ANNOTATIONS, EVENTS_FILE]:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            assert "text" not in row, path
            if path != EVENTS_FILE:
                assert row["text_in"].startswith("shared:") and len(row["sha256"]) == 64


def test_every_annotated_document_has_checked_gold_events():
    docs = {str(d.id): d for path in DEFAULT_ANNOTATIONS for d in read_jsonl(path)}
    rows = [json.loads(line)["id"] for line in EVENTS_FILE.read_text(encoding="utf-8").splitlines()]
    assert sorted(rows) == sorted(docs)
    errors, _, checked = check_event_file(EVENTS_FILE, docs)
    assert errors == [] and checked == len(docs)


def test_the_round2_split_covers_every_passage_once_with_a_quarter_for_test():
    data = json.loads((ANNOTATIONS_DIR / "splits.json").read_text(encoding="utf-8"))["round2"]
    parts = [set(data[name]["ids"]) for name in ("train", "dev", "test")]
    assert sum(map(len, parts)) == len(set().union(*parts)) == len(extra_ids())
    assert len(parts[2]) >= 0.2 * len(extra_ids())
    splits = load_splits(ANNOTATIONS_DIR / "splits.json")
    assert len([i for i in splits["train"] if not i.startswith("x")]) == 68  # round 1 unchanged


def test_unlabelled_text_never_comes_from_the_test_split(tmp_path):
    # With only the first 100 passages annotated, the rest minus test is unlabelled text.
    rows = (ANNOTATIONS_DIR / "extra.jsonl").read_text(encoding="utf-8").splitlines()[:100]
    (tmp_path / "part.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")  # stand-off: texts stay in shared
    free = unlabelled_passages(ANNOTATIONS_DIR / "splits.json", [tmp_path / "part.jsonl"], EXTRA)
    test = set(load_splits(ANNOTATIONS_DIR / "splits.json")["test"])
    ids = [i for i, _ in free]
    assert ids and not set(ids) & test
    assert set(ids) == set(extra_ids()[100:]) - test
