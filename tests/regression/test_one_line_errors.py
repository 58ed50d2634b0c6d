"""Users' mistakes ended in Python tracebacks; now each is one line on stderr,
"medcoop COMMAND: what was wrong and what to do", and a non-zero exit status."""

import pytest
import torch

from medcoop.cli import main


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "news.txt"
    path.write_text("威海市中医院与威海市中心医院签约。", encoding="utf-8")
    return path


def one_line_error(capsys, command: str) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"medcoop {command}:")
    assert "Traceback" not in captured.err
    return lines[0]


def test_a_missing_model_folder(capsys, text_file):
    assert main(["tag", "--model", "/nonexistent", str(text_file)]) == 2
    assert "/nonexistent" in one_line_error(capsys, "tag")


def test_onnx_without_a_model_folder(capsys, text_file):
    assert main(["tag", "--onnx", "model.int8.onnx", str(text_file)]) == 2
    assert "--model" in one_line_error(capsys, "tag")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_a_gpu(capsys, text_file, tiny_bert):
    assert main(["tag", "--device", "cuda", "--model", str(tiny_bert), str(text_file)]) == 2
    assert "--device cpu" in one_line_error(capsys, "tag")


def test_an_unknown_split(capsys, tiny_bert):
    assert main(["evaluate", "--data", "annotations:tran", "--model", str(tiny_bert)]) == 2
    assert "unknown split 'tran'" in one_line_error(capsys, "evaluate")


def test_training_into_a_folder_that_holds_a_run(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("an earlier run", encoding="utf-8")
    config = tmp_path / "recipe.yaml"
    config.write_text(f"output_dir: {out}\nstages: [{{name: a, data: [annotations:train]}}]\n", encoding="utf-8")
    assert main(["train", "--config", str(config)]) != 0
    assert "--resume" in one_line_error(capsys, "train")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "an earlier run"
