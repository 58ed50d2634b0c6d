"""`python -m medcoop.training.ship`: a trained model copied into a package folder in fp16.
Every test ships into a temporary folder; the real shipped model is never touched."""

import inspect
import json

import pytest
import torch
from safetensors import safe_open

from medcoop.tagging.tagger import SHIPPED_MODEL, Tagger, TaggerSettings
from medcoop.training.ship import ship

from conftest import build_tiny_bert


@pytest.fixture
def trained(tmp_path):
    """A folder as a training run writes it: weights, tokenizer, medcoop.json, record."""
    folder = build_tiny_bert(tmp_path / "run" / "model")
    TaggerSettings(max_length=64, margin=8).save(folder)
    (folder / "training_record.json").write_text(json.dumps({"seed": 42}), encoding="utf-8")
    return folder


def dtypes(path) -> set:
    with safe_open(str(path), framework="pt") as f:
        return {f.get_tensor(name).dtype for name in f.keys()}


def test_ship_writes_fp16_weights_and_the_settings(trained, tmp_path):
    target = ship(trained, target=tmp_path / "weights")
    assert target == tmp_path / "weights"
    assert dtypes(target / "model.safetensors") == {torch.float16}
    assert (target / "model.safetensors").stat().st_size < 0.6 * (trained / "model.safetensors").stat().st_size
    for name in ("medcoop.json", "training_record.json", "tokenizer.json", "config.json"):
        assert (target / name).exists(), name
    assert json.loads((target / "medcoop.json").read_text()) == json.loads((trained / "medcoop.json").read_text())
    assert not (tmp_path / "weights.new").exists()
    tagger = Tagger.from_pretrained(target, device="cpu")
    assert (tagger.settings.max_length, tagger.settings.margin) == (64, 8)


def test_ship_replaces_an_earlier_model(trained, tmp_path):
    target = tmp_path / "weights"
    target.mkdir()
    (target / "old.bin").write_bytes(b"old")
    ship(trained, target=target)
    assert not (target / "old.bin").exists() and (target / "model.safetensors").exists()


def test_weights_over_the_size_limit_are_refused_and_the_old_model_stays(trained, tmp_path):
    target = tmp_path / "weights"
    target.mkdir()
    (target / "model.safetensors").write_bytes(b"old")
    with pytest.raises(ValueError, match="MB"):
        ship(trained, target=target, max_mb=0.01)
    assert [p.name for p in target.iterdir()] == ["model.safetensors"]
    assert (target / "model.safetensors").read_bytes() == b"old"
    assert not (tmp_path / "weights.new").exists()


def test_a_folder_without_settings_is_refused(tmp_path):
    folder = build_tiny_bert(tmp_path / "plain")
    with pytest.raises(FileNotFoundError, match="medcoop.json"):
        ship(folder, target=tmp_path / "weights")
    assert not (tmp_path / "weights").exists() and not (tmp_path / "weights.new").exists()


def test_the_default_target_is_the_package_weights_folder():
    assert inspect.signature(ship).parameters["target"].default == SHIPPED_MODEL
