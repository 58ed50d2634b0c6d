"""The fast model: distillation on tiny models built here, the folder's preferred int8 ONNX
file against PyTorch, names (``"fast"``) in the API and the CLI, and one smoke test of
the shipped fast model."""

import json
from pathlib import Path

import pytest

import medcoop
from medcoop.tagging.tagger import SHIPPED_MODELS, OnnxRunner, Tagger, TaggerSettings, TorchRunner
from medcoop.training.distil import DistilConfig, DistilStage, StudentShape, distil, is_distil_config, load_distil_config
from medcoop.training.ship import ship

from conftest import build_tiny_bert

RESOURCES = Path(__file__).parent / "resources"
FAST = SHIPPED_MODELS["fast"]
SENTENCES = [
    "威海市中医院与威海市中心医院签署战略合作协议，副院长许德峰出席。",
    "11月8日,威海市中醫(yī)院和威海市中心醫(yī)院簽署協(xié)議。\n副院長李剛出席。",
    "北京中医药大学东直门医院院长王勇与洛阳市政府签订框架协议。",
    "",
]

onnxruntime = pytest.importorskip("onnxruntime")


def spans(tagger, texts=SENTENCES):
    return [[(e.start, e.end, e.label) for e in entities] for entities in tagger.tag_many(texts)]


@pytest.fixture(scope="module")
def shipped_tiny(tmp_path_factory):
    """A tiny random BERT shipped as the fast model is: fp16 weights plus int8 ONNX, named in its settings."""
    tmp = tmp_path_factory.mktemp("fast")
    folder = build_tiny_bert(tmp / "run" / "model", seed=3)
    TaggerSettings(max_length=64, margin=8).save(folder)
    return ship(folder, target=tmp / "weights_fast", max_mb=15, onnx_int8=True)


def test_the_folder_prefers_its_int8_file_on_cpu_and_pytorch_gives_the_same_entities(shipped_tiny):
    assert json.loads((shipped_tiny / "medcoop.json").read_text())["cpu_onnx"] == "model.int8.onnx"
    on_onnx = Tagger.from_pretrained(shipped_tiny, device="cpu")
    on_torch = Tagger.from_pretrained(shipped_tiny, device="cpu", onnx=False)
    assert isinstance(on_onnx.runner, OnnxRunner) and isinstance(on_torch.runner, TorchRunner)
    expected = spans(on_torch)
    assert sum(map(len, expected)) > 0
    assert spans(on_onnx) == expected


def test_without_onnxruntime_the_fast_folder_runs_on_pytorch(shipped_tiny, monkeypatch):
    import medcoop.tagging.tagger as tagger_module

    monkeypatch.setattr(tagger_module, "_has_onnxruntime", lambda: False)
    assert isinstance(Tagger.from_pretrained(shipped_tiny, device="cpu").runner, TorchRunner)


def test_the_int8_file_stores_the_embeddings_in_8_bits(shipped_tiny):
    import onnx

    graph = onnx.load(str(shipped_tiny / "model.int8.onnx")).graph
    tables = {t.name: t.data_type for t in graph.initializer if "word_embeddings" in t.name}
    weights = {kind for name, kind in tables.items() if not name.endswith(("_scale", "_zero_point"))}
    assert weights and weights <= {onnx.TensorProto.INT8, onnx.TensorProto.UINT8}


def test_a_folder_without_the_setting_runs_on_pytorch(tiny_bert):
    assert isinstance(Tagger.from_pretrained(tiny_bert, device="cpu").runner, TorchRunner)


def test_shipped_names_are_resolved_and_unknown_ones_refused():
    assert set(SHIPPED_MODELS) == {"accurate", "fast"}
    with pytest.raises(ValueError, match="shipped models"):
        medcoop.tag("威海市中医院", model="tiny")


# --- distillation -------------------------------------------------------------------------


def tiny_distil_config(tmp_path: Path, teacher: Path, **stage) -> DistilConfig:
    lines = [json.loads(l) for l in (RESOURCES / "tiny_train.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    train, dev = tmp_path / "train.jsonl", tmp_path / "dev.jsonl"
    train.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in lines), encoding="utf-8")
    dev.write_text("".join(json.dumps({**d, "id": d["id"] + "-dev"}, ensure_ascii=False) + "\n" for d in lines), encoding="utf-8")
    return DistilConfig(
        output_dir=str(tmp_path / "run"), cache_dir=str(tmp_path / "cache"), teacher=str(teacher),
        student=StudentShape(layers=1, hidden=16, heads=2, intermediate=32, max_positions=64),
        dev=[str(dev)], batch_size=4, max_length=32, margin=4, teacher_batch_size=4,
        stages=[DistilStage(name="distil", data=[str(train)], **{"epochs": 2, "learning_rate": 1e-2, **stage})],
    )


def test_distil_writes_a_loadable_student_with_its_record_and_caches_the_teacher(tmp_path, tiny_bert):
    config = tiny_distil_config(tmp_path, tiny_bert, gold_weight=1.0)
    folder = distil(config)
    record = json.loads((folder / "training_record.json").read_text())
    assert record["kind"] == "distillation" and record["teacher"]["folder"] == str(tiny_bert)
    assert record["teacher_targets"][0]["cached"] is False and record["teacher_targets"][0]["tokens"] > 0
    assert record["dev"]["micro"] is not None and record["stages"][0]["log"]
    student = json.loads((folder / "config.json").read_text())
    assert (student["hidden_size"], student["num_hidden_layers"]) == (16, 1)
    assert student["vocab_size"] == json.loads((tiny_bert / "config.json").read_text())["vocab_size"]
    tagger = Tagger.from_pretrained(folder, device="cpu")
    assert [e.text for e in tagger.tag("")] == []

    config.output_dir = str(tmp_path / "rerun")
    again = json.loads((distil(config) / "training_record.json").read_text())
    assert again["teacher_targets"][0]["cached"] is True


def test_the_student_learns_the_teacher(tmp_path, tiny_bert):
    """Soft targets only, many steps: the student's tags match its (random) teacher's."""
    config = tiny_distil_config(tmp_path, tiny_bert, epochs=150, learning_rate=1e-2, warmup_ratio=0.0)
    config.student = StudentShape(layers=1, hidden=32, heads=2, intermediate=64, max_positions=64)
    config.dev = []
    folder = distil(config)
    texts = [json.loads(l)["text"] for l in (RESOURCES / "tiny_train.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    teacher, student = Tagger.from_pretrained(tiny_bert, device="cpu"), Tagger.from_pretrained(folder, device="cpu")
    assert spans(student, texts) == spans(teacher, texts)


def test_distillation_refuses_the_test_split_and_dev_documents_in_training(tmp_path, tiny_bert):
    config = tiny_distil_config(tmp_path, tiny_bert)
    config.stages[0].data = ["annotations:test"]
    with pytest.raises(ValueError, match="test split"):
        distil(config)
    config = tiny_distil_config(tmp_path, tiny_bert)
    config.stages[0].data = list(config.dev)
    with pytest.raises(ValueError, match="dev documents"):
        distil(config)


def test_the_fast_configs_are_distillation_recipes():
    configs = sorted((Path(__file__).resolve().parents[1] / "configs").glob("fast-*.yaml"))
    assert configs
    for path in configs:
        assert is_distil_config(path)
        config = load_distil_config(path)
        assert all("annotations:test" not in spec for stage in config.stages for spec in stage.data)
    assert not is_distil_config(Path(__file__).resolve().parents[1] / "configs" / "smoke.yaml")


# --- the shipped fast model -----------------------------------------------------------------


def test_the_shipped_fast_model_is_small_and_reads_a_sentence_on_both_paths():
    assert (FAST / "model.safetensors").stat().st_size <= 15 * 2**20
    assert (FAST / "training_record.json").exists() and (FAST / "model.int8.onnx").exists()
    fast = medcoop.default_tagger("fast")
    assert isinstance(fast.runner, OnnxRunner)
    found = {(e.label, e.text) for e in medcoop.tag("威海市中醫(yī)院副院長許德峰", model="fast")}
    assert found == {("INST", "威海市中醫(yī)院"), ("ROLE", "副院長"), ("PER", "許德峰")}
    on_torch = Tagger.from_pretrained("fast", device="cpu", onnx=False)
    assert spans(on_torch) == spans(fast)
    assert [len(e) for e in medcoop.tag_many(SENTENCES[:2], model="fast")] == [len(s) for s in spans(fast, SENTENCES[:2])]
    assert medcoop.extract("威海市中医院与威海市中心医院签署战略合作协议。", model="fast").entities


def test_the_cli_tags_with_the_fast_model(tmp_path, capsys):
    from medcoop.cli import main

    text = tmp_path / "in.txt"
    text.write_text(SENTENCES[0], encoding="utf-8")
    assert main(["tag", "--model", "fast", "--device", "cpu", str(text)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {e["label"] for e in out["entities"]} >= {"INST", "PER"}


def test_the_fast_model_on_onnx_runtime_needs_neither_pytorch_nor_transformers():
    """What keeps its process small (peak RSS about 90 MB against 530 MB with PyTorch loaded)."""
    import subprocess
    import sys

    from medcoop.tagging.device import _gpu_driver_present

    if _gpu_driver_present():
        pytest.skip("a GPU driver is present: device auto asks PyTorch")
    code = ("import sys, medcoop; e = medcoop.tag('威海市中醫(yī)院副院長許德峰', model='fast'); "
            "print(len(e), 'torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["3", "False", "False"]


def test_the_light_tokenizer_gives_the_tokens_transformers_gives():
    from transformers import AutoTokenizer

    from medcoop.tagging.tagger import _OnnxTokenizer

    assert _OnnxTokenizer.fits(FAST)
    light, full = _OnnxTokenizer(FAST), AutoTokenizer.from_pretrained(FAST)
    texts = SENTENCES + ["Peking Union Medical College Hospital 北京协和医院 ①②③ \u3000 x"]
    for a, b in zip(light.backend_tokenizer.encode_batch(texts, add_special_tokens=False),
                    full.backend_tokenizer.encode_batch(texts, add_special_tokens=False)):
        assert (a.ids, a.offsets) == (b.ids, b.offsets)
    for name in ("cls", "sep", "bos", "eos", "pad"):
        assert getattr(light, f"{name}_token_id") == getattr(full, f"{name}_token_id"), name
