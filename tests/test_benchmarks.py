"""The speed benchmarks' own machinery: the stage profile, and the GPU script's CPU check mode."""

import json

import pytest
import torch

import medcoop.tagging.tagger as tagger_module
from medcoop.tagging.tagger import Tagger
from medcoop.text.normalize import NormalizedText
from medcoop.training import benchmark_gpu
from medcoop.training.benchmark_speed import STAGES, stage_profile

TEXTS = ["威海市中醫(yī)院與北京中医药大学签署战略合作协议，副院长许德峰出席。" * 3, "", "《合作协议》"] * 4


def test_every_stage_of_the_profile_names_code_the_tagger_runs():
    # A renamed function would silently move its time to "other": keep STAGES in step.
    for stage, names in STAGES.items():
        found = [n for n in names if hasattr(NormalizedText if n.startswith("NormalizedText.") else tagger_module,
                                             n.split(".")[-1])]
        assert found or stage == "encoder", stage


def test_stage_profile_covers_the_run_and_changes_nothing(tiny_bert):
    tagger = Tagger.from_pretrained(tiny_bert, device="cpu")
    expected = list(tagger.tag_many(TEXTS))
    profile = stage_profile(tagger, TEXTS)
    assert profile["entities"] == sum(map(len, expected))
    assert set(profile["stages"]) == {*STAGES, "other"}
    assert all(profile["stages"][s]["calls"] for s in STAGES)
    assert list(tagger.tag_many(TEXTS)) == expected  # the timers are gone again
    assert tagger_module.normalize.__module__ == "medcoop.text.normalize"


def test_gpu_benchmark_runs_its_quick_check_on_the_cpu(tiny_bert, tmp_path):
    out = tmp_path / "gpu.json"
    args = ["--device", "cpu", "--quick", "--model", str(tiny_bert), "--fast", "none", "--precisions", "fp32", "bf16",
            "--out", str(out)]
    assert benchmark_gpu.main(args) == 0
    result = json.loads(out.read_text())
    assert [(r["precision"], r["batch_size"]) for r in result["rows"]] == [("fp32", 2), ("fp32", 4), ("bf16", 2), ("bf16", 4)]
    assert all(r["chars_per_s"] > 0 and r["encoder_chars_per_s"] > 0 for r in result["rows"])
    assert "| accurate | bf16 | 4 |" in out.with_suffix(".md").read_text()


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_gpu_benchmark_without_a_gpu_says_so_and_measures_nothing(tmp_path, capsys):
    assert benchmark_gpu.main(["--out", str(tmp_path / "r.json")]) == benchmark_gpu.NO_GPU
    assert "no CUDA GPU" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()
