"""`medcoop validate` lists every problem of a span file, with file, line and document id."""

from pathlib import Path

from medcoop.cli import main
from medcoop.annotation.validate import validate_file

RESOURCES = Path(__file__).parent / "resources"


def test_every_problem_is_reported_with_line_and_id():
    problems = validate_file(RESOURCES / "invalid.jsonl")
    found = {(p.line, p.doc_id): p.message for p in problems}
    assert "not valid JSON" in found[(2, None)]
    assert "missing field(s) text" in found[(3, "fields")]
    assert "out of range" in found[(4, "range")]
    assert "spans overlap" in found[(5, "overlap")]
    assert "unknown label 'ORG'" in found[(6, "label")]
    assert "starts on ' '" in found[(7, "space")]
    assert "ends on ')'" in found[(8, "pinyin")]
    assert "duplicate document id" in found[(9, "ok")]
    assert (1, "ok") not in found
    assert all(str(p).startswith(str(RESOURCES / "invalid.jsonl")) for p in problems)


def test_cli_prints_all_problems_and_fails(capsys):
    assert main(["validate", str(RESOURCES / "invalid.jsonl")]) == 1
    out = capsys.readouterr().out
    assert out.count("invalid.jsonl:") == 8
