"""`medcoop convert` wrote whatever it read: spans out of range, labels outside the
guideline, and doccano's bookkeeping keys. Now it checks first and writes nothing on failure."""

import json

from medcoop.cli import main

TEXT = "威海市中医院与威海市中心医院签约。"
GOOD_LINE = {"id": 1, "text": TEXT, "label": [[0, 6, "ORG"], [7, 14, "ORG"]], "Comments": []}
OUT_OF_RANGE = {"id": 2, "text": "副院长许德峰", "label": [[3, 40, "PER"]]}


def write_doccano(path, lines):
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")


def test_bad_spans_and_labels_write_nothing(tmp_path, capsys):
    source, target = tmp_path / "export.jsonl", tmp_path / "spans.jsonl"
    write_doccano(source, [GOOD_LINE, OUT_OF_RANGE])
    assert main(["convert", str(source), str(target), "--from", "doccano"]) == 2
    error = capsys.readouterr().err
    assert "out of range" in error and "'ORG'" in error and "nothing written" in error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.jsonl"]


def test_a_label_map_and_good_spans_convert(tmp_path):
    source, target = tmp_path / "export.jsonl", tmp_path / "spans.jsonl"
    write_doccano(source, [GOOD_LINE])
    assert main(["convert", str(source), str(target), "--from", "doccano", "--label-map", "ORG=INST"]) == 0
    [doc] = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert doc["text"] == TEXT
    assert doc["spans"] == [{"start": 0, "end": 6, "label": "INST"}, {"start": 7, "end": 14, "label": "INST"}]
    assert not [key for key in doc if key.startswith("_doccano")]
    assert main(["validate", str(target)]) == 0
