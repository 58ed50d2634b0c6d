"""`medcoop export --onnx --int8`: a complete model folder that ONNX Runtime runs."""

import pytest

from medcoop.tagging.export import export_onnx
from medcoop.tagging.tagger import Tagger

SENTENCES = [
    "威海市中医院与威海市中心医院签署战略合作协议，副院长许德峰出席。",
    "11月8日,威海市中醫(yī)院和威海市中心醫(yī)院簽署協(xié)議。\n副院長李剛出席。",
]


@pytest.fixture(scope="module")
def exported(tiny_bert, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "onnx"
    files = export_onnx(tiny_bert, out, int8=True)
    return out, files


def spans(tagger):
    return [[(e.start, e.end, e.label) for e in entities] for entities in tagger.tag_many(SENTENCES)]


def test_export_writes_both_models_and_a_loadable_folder(exported):
    out, files = exported
    assert files == [out / "model.onnx", out / "model.int8.onnx"]
    assert {"model.onnx", "model.int8.onnx", "config.json", "tokenizer.json"} <= {p.name for p in out.iterdir()}
    assert (out / "model.int8.onnx").stat().st_size < (out / "model.onnx").stat().st_size
    assert not out.with_name("onnx.partial").exists()


def test_onnx_runtime_finds_the_entities_pytorch_finds(exported, tiny_bert):
    out, _ = exported
    expected = spans(Tagger.from_pretrained(tiny_bert, device="cpu"))
    assert sum(map(len, expected)) > 0
    assert spans(Tagger.from_pretrained(out, onnx="model.onnx", device="cpu")) == expected


def test_the_int8_model_runs(exported):
    out, _ = exported
    tagger = Tagger.from_pretrained(out, onnx="model.int8.onnx", device="cpu")
    for text, entities in zip(SENTENCES, tagger.tag_many(SENTENCES)):
        assert all(text[e.start:e.end] == e.text for e in entities)


def test_exporting_into_a_non_empty_folder_is_refused(tmp_path, tiny_bert):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="not empty"):
        export_onnx(tiny_bert, out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
