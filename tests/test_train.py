"""A whole train -> save -> load -> predict cycle, on a tiny BERT built in the test."""

import json
from pathlib import Path

import pytest

from medcoop.tagging.tagger import Tagger
from medcoop.training.config import TrainConfig, Stage, load_config
from medcoop.training.train import train

RESOURCES = Path(__file__).parent / "resources"
TINY_DATA = str(RESOURCES / "tiny_train.jsonl")


def tiny_config(tmp_path: Path, base: Path, epochs: float = 60) -> TrainConfig:
    return TrainConfig(
        output_dir=str(tmp_path / "run"),
        base_model=str(base),
        tokenizer="native",
        dev=[TINY_DATA],
        stages=[Stage(name="memorise", data=[TINY_DATA], epochs=epochs, learning_rate=3e-3, head_learning_rate=3e-3, warmup_ratio=0.0)],
        batch_size=4,
        max_length=32,
        margin=4,
        save_steps=10_000,
        logging_steps=1_000,
    )


def test_train_save_load_predict(tmp_path, tiny_bert):
    """A tiny model that can memorise four sentences must give back their spans,
    on raw offsets, after being saved and loaded again."""
    folder = train(tiny_config(tmp_path, tiny_bert))
    tagger = Tagger.from_pretrained(folder, device="cpu")
    for line in open(TINY_DATA, encoding="utf-8"):
        doc = json.loads(line)
        found = [(e.start, e.end, e.label) for e in tagger.tag(doc["text"])]
        assert found == [(s["start"], s["end"], s["label"]) for s in doc["spans"]]

    record = json.loads((folder / "training_record.json").read_text())
    assert record["seed"] == 42 and record["versions"]["torch"]
    assert record["dev"]["micro"]["f1"] == 1.0
    config = json.loads((folder / "config.json").read_text())
    assert config["id2label"]["1"] == "B-INST" and config["label2id"]["I-AGR"] == 8


def test_training_without_a_dev_split_keeps_the_last_model(tmp_path, tiny_bert):
    config = tiny_config(tmp_path, tiny_bert, epochs=1)
    config.dev = []
    folder = train(config)
    assert (folder / "model.safetensors").exists()
    assert json.loads((folder / "training_record.json").read_text())["dev"] is None


def test_a_finished_run_is_not_overwritten(tmp_path, tiny_bert):
    config = tiny_config(tmp_path, tiny_bert, epochs=1)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "something").write_text("x")
    with pytest.raises(FileExistsError, match="--resume"):
        train(config)


def test_the_shipped_model_folder_is_refused(tmp_path, tiny_bert):
    from medcoop.tagging.tagger import SHIPPED_MODEL

    config = tiny_config(tmp_path, tiny_bert, epochs=1)
    config.output_dir = str(SHIPPED_MODEL)
    with pytest.raises(ValueError, match="shipped model"):
        train(config)


def test_resume_skips_finished_stages(tmp_path, tiny_bert):
    config = tiny_config(tmp_path, tiny_bert, epochs=1)
    train(config)
    done = next(Path(config.output_dir).glob("stage0-*/done.json"))
    stamp = done.stat().st_mtime
    train(config, resume=True)
    assert done.stat().st_mtime == stamp


def test_configs_in_the_repo_load(tmp_path):
    from medcoop.training.distil import is_distil_config, load_distil_config

    for path in (Path(__file__).resolve().parents[1] / "configs").rglob("*.yaml"):
        config = load_distil_config(path) if is_distil_config(path) else load_config(path)  # fast-*.yaml: students
        assert config.stages and config.output_dir


def test_unknown_config_keys_are_named(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("output_dir: x\nlearning_rat: 1\nstages: [{name: a, data: [annotations:train]}]\n")
    with pytest.raises(ValueError, match="bad.yaml: learning_rat: Extra inputs are not permitted"):
        load_config(path)


@pytest.mark.parametrize("yaml_text, message", [
    ("stages: [{name: a, data: [annotations:train]}]\n", "output_dir: Field required"),
    ("output_dir: x\nstages: [{name: a, data: [annotations:train], epochs: one}]\n", "stages.0.epochs: Input should be a valid number"),
    ("output_dir: x\nstages: [{name: a, data: annotations:train}]\n", "stages.0.data: Input should be a valid list"),
    ("output_dir: x\nstages: []\n", "stages: List should have at least 1 item"),
])
def test_config_mistakes_name_the_key_and_the_file(tmp_path, yaml_text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ValueError, match=f"bad.yaml: {message}"):
        load_config(path)
