"""`medcoop export --onnx` without the [onnx] extra: one line saying what to install, no folder left."""

import importlib.util

from medcoop.cli import main


def test_export_without_onnxruntime_says_what_to_install(tmp_path, tiny_bert, capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    out = tmp_path / "exported"
    assert main(["export", "--onnx", "--model", str(tiny_bert), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["medcoop export: this needs ONNX Runtime: pip install 'medcoop[onnx]'"]
    assert not out.exists() and not list(tmp_path.glob("exported*"))
