"""A training run that failed on its inputs left an empty runs/NAME folder behind,
which the next run then refused as "not empty"."""

import pytest

from medcoop.training.config import Stage, TrainConfig
from medcoop.training.train import train


def config(tmp_path, data: str, base: str) -> TrainConfig:
    return TrainConfig(
        output_dir=str(tmp_path / "runs" / "broken"), base_model=base, tokenizer="native", dev=[],
        stages=[Stage(name="a", data=[data], epochs=1)], batch_size=2, max_length=32, margin=4,
    )


def test_a_missing_data_file_leaves_no_run_folder(tmp_path, tiny_bert):
    with pytest.raises(FileNotFoundError, match="nope.jsonl"):
        train(config(tmp_path, str(tmp_path / "nope.jsonl"), str(tiny_bert)))
    assert not (tmp_path / "runs" / "broken").exists()


def test_a_failure_after_the_folder_was_made_removes_it(tmp_path, tiny_bert, monkeypatch):
    data = tmp_path / "data.jsonl"
    data.write_text('{"id": "a", "text": "威海市中医院", "spans": [{"start": 0, "end": 6, "label": "INST"}]}\n',
                    encoding="utf-8")
    run = config(tmp_path, str(data), str(tiny_bert))
    seen = []

    def broken_base(*args, **kwargs):
        seen.append((tmp_path / "runs" / "broken").is_dir())  # the run folder is made by now
        raise OSError("the base model could not be read")

    monkeypatch.setattr("medcoop.training.train.load_base", broken_base)
    with pytest.raises(OSError, match="base model"):
        train(run)
    assert seen == [True]
    assert not (tmp_path / "runs" / "broken").exists()
