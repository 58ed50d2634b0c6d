"""Every `medcoop` command through its entry point, on tiny inputs and the tiny random model."""

import json
from pathlib import Path

import pytest

from medcoop.cli import main
from medcoop.tagging.tagger import Tagger

RESOURCES = Path(__file__).parent / "resources"
TEXTS = {
    "a.txt": "威海市中医院与威海市中心医院签署战略合作协议，副院长许德峰出席。",
    "b.txt": "11月8日,威海市中醫(yī)院和威海市中心醫(yī)院簽署協(xié)議。\n副院長李剛出席。",
}


@pytest.fixture
def news(tmp_path) -> list[str]:
    paths = []
    for name, text in TEXTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / name))
    return paths


def tag(capsys, model, files, fmt) -> str:
    assert main(["tag", "--format", fmt, "--model", str(model), *files]) == 0
    return capsys.readouterr().out


def tagged_spans(capsys, model, files) -> dict[str, list[tuple[int, int, str]]]:
    lines = [json.loads(line) for line in tag(capsys, model, files, "jsonl").splitlines()]
    return {r["file"]: [(e["start"], e["end"], e["label"]) for e in r["entities"]] for r in lines}


def test_tag_jsonl_one_line_per_file_in_order(capsys, tiny_bert, news):
    lines = [json.loads(line) for line in tag(capsys, tiny_bert, news, "jsonl").splitlines()]
    assert [r["file"] for r in lines] == news
    assert all(r["encoding"] == "utf-8" for r in lines)
    assert sum(len(r["entities"]) for r in lines) > 0  # the random model (seed 0) finds something
    for r, text in zip(lines, TEXTS.values()):
        assert all(text[e["start"]:e["end"]] == e["text"] for e in r["entities"])


def test_tag_table_lists_the_same_entities(capsys, tiny_bert, news):
    spans = tagged_spans(capsys, tiny_bert, news)
    table = tag(capsys, tiny_bert, news, "table").splitlines()
    for path in news:
        assert f"# {path}: {len(spans[path])} entities" in table
    rows = [line.split() for line in table if not line.startswith("#")]
    assert [(int(r[0]), int(r[1]), r[2]) for r in rows] == [s for path in news for s in spans[path]]


@pytest.mark.parametrize("fmt, suffix", [("labelstudio", ".json"), ("doccano", ".jsonl")])
def test_pre_annotations_convert_back_to_the_same_spans(tmp_path, capsys, tiny_bert, news, fmt, suffix):
    spans = tagged_spans(capsys, tiny_bert, news)
    exported = tmp_path / f"tasks{suffix}"
    exported.write_text(tag(capsys, tiny_bert, news, fmt), encoding="utf-8")
    back = tmp_path / "back.jsonl"
    assert main(["convert", str(exported), str(back), "--from", fmt, "--to", "jsonl"]) == 0
    assert capsys.readouterr().out == f"wrote 2 documents to {back}\n"
    docs = [json.loads(line) for line in back.read_text(encoding="utf-8").splitlines()]
    assert [d["id"] for d in docs] == news
    assert [d["text"] for d in docs] == list(TEXTS.values())
    assert {d["id"]: [(s["start"], s["end"], s["label"]) for s in d["spans"]] for d in docs} == spans


def test_extract_prints_one_json_line_per_input(capsys, tiny_bert, news):
    assert main(["extract", "--model", str(tiny_bert), *news]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["file"] for r in lines] == news
    assert all({"entities", "people", "events"} <= set(r) for r in lines)


def test_validate_fails_on_problems_and_passes_a_good_file(capsys):
    assert main(["validate", str(RESOURCES / "invalid.jsonl")]) != 0
    capsys.readouterr()
    assert main(["validate", str(RESOURCES / "tiny_train.jsonl")]) == 0
    assert capsys.readouterr().out == "ok: 4 documents in 1 file(s)\n"


def test_evaluate_prints_scores_as_json(capsys, tiny_bert):
    data = RESOURCES / "tiny_train.jsonl"
    assert main(["evaluate", "--data", str(data), "--model", str(tiny_bert), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["micro"]["support"] == 12 and scores["documents"] == 4
    assert set(scores["per_label"]) == {"INST", "ROLE", "PER", "AGR"}
    texts = [json.loads(line)["text"] for line in data.read_text(encoding="utf-8").splitlines()]
    tagger = Tagger.from_pretrained(tiny_bert, device="cpu")
    assert scores["micro"]["predicted"] == sum(len(entities) for entities in tagger.tag_many(texts))
