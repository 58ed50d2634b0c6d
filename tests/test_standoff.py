"""Stand-off annotation files: texts joined at load time, a changed or missing text refused."""

import json

import pytest

from medcoop.annotation.formats import read_jsonl
from medcoop.annotation.standoff import StandoffError, text_sha256, to_standoff
from medcoop.annotation.validate import validate_file


def write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture
def corpus(tmp_path):
    write(tmp_path / "texts.jsonl", [{"id": "d1", "text": "威海市中医院签约。"}])
    full = {"id": "d1", "text": "威海市中医院签约。", "spans": [{"start": 0, "end": 6, "label": "INST"}]}
    write(tmp_path / "spans.jsonl", [to_standoff(full, "texts.jsonl")])
    return tmp_path


def test_a_standoff_file_holds_no_text_and_reads_back_whole(corpus):
    line = json.loads((corpus / "spans.jsonl").read_text(encoding="utf-8"))
    assert "text" not in line and line["sha256"] == text_sha256("威海市中医院签约。")
    [doc] = read_jsonl(corpus / "spans.jsonl")
    assert doc.span_texts() == [("威海市中医院", "INST")]


def test_a_changed_text_is_refused_with_the_reason(corpus):
    write(corpus / "texts.jsonl", [{"id": "d1", "text": "威海市中心医院签约。"}])
    with pytest.raises(StandoffError, match="has changed since it was annotated"):
        read_jsonl(corpus / "spans.jsonl")
    [problem] = validate_file(corpus / "spans.jsonl")
    assert "SHA-256 differs" in problem.message


def test_a_missing_text_says_where_it_looked(corpus):
    (corpus / "texts.jsonl").unlink()
    with pytest.raises(StandoffError, match="texts.jsonl, which does not exist"):
        read_jsonl(corpus / "spans.jsonl")


def test_a_missing_document_is_named(corpus):
    write(corpus / "texts.jsonl", [{"id": "other", "text": "x"}])
    with pytest.raises(StandoffError, match="document d1: no line with this id"):
        read_jsonl(corpus / "spans.jsonl")
