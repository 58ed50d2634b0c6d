"""The project's own annotations: valid, consistent, and split by document."""

import json
from pathlib import Path

from medcoop.cli import main
from medcoop.annotation.consistency import check_consistency, load_accepted, unaccepted
from medcoop.annotation.document import AnnotatedDocument, Span
from medcoop.annotation.formats import read_jsonl

ANNOTATIONS = Path(__file__).resolve().parents[1] / "annotations"
FILES = [ANNOTATIONS / "seeds.jsonl", ANNOTATIONS / "corpus.jsonl", ANNOTATIONS / "extra.jsonl"]


def documents():
    return [d for path in FILES for d in read_jsonl(path)]


def test_every_seed_and_round1_passage_is_annotated():
    docs = documents()
    assert len([d for d in docs if d.source.startswith("seeds/")]) == 5
    assert len([d for d in docs if str(d.id).startswith("c")]) == 107
    assert all(d.spans for d in docs)


def test_annotations_validate():
    assert main(["validate", *map(str, FILES), "--events", str(ANNOTATIONS / "events.jsonl")]) == 0


def test_every_consistency_finding_is_fixed_or_justified():
    findings = check_consistency(documents())
    assert unaccepted(findings, load_accepted(ANNOTATIONS / "consistency_accepted.jsonl")) == []


def test_the_consistency_check_finds_planted_inconsistencies():
    docs = [
        AnnotatedDocument("a", "威海市中医院与北京中医药大学签约。", [Span(0, 6, "INST"), Span(7, 14, "INST")]),
        AnnotatedDocument("b", "院长到威海市中醫(yī)院调研。", [Span(0, 2, "ROLE")]),  # the INST is forgotten here
        AnnotatedDocument("c", "北京中医药大学校长出席。", [Span(0, 7, "ROLE")]),  # and mislabelled here
    ]
    findings = {(f.kind, f.string, f.label): f.places for f in check_consistency(docs)}
    assert findings[("missed", "威海市中医院", "INST")] == ["b@3"]
    assert findings[("label", "北京中医药大学", "INST/ROLE")] == ["a@7:INST", "c@0:ROLE"]


def test_splits_are_by_document_and_keep_a_noisy_seed_for_test():
    splits = json.loads((ANNOTATIONS / "splits.json").read_text())
    ids = {name: set(splits[name]["ids"]) for name in ("train", "dev", "test")}
    assert not (ids["train"] & ids["dev"] or ids["train"] & ids["test"] or ids["dev"] & ids["test"])
    round1 = {str(d.id) for d in documents() if not str(d.id).startswith("x")}
    assert ids["train"] | ids["dev"] | ids["test"] == round1  # round 2 has its own split (round2 key)
    passages_in_test = [i for i in ids["test"] if i.startswith("c")]
    assert len(passages_in_test) >= 0.2 * 107
    assert "004_b923735600d1db9b" in ids["test"]  # traditional script, pinyin and lost characters
