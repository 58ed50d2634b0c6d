"""``medcoop export --onnx [--int8]``: the tagger as an ONNX Runtime model.

ONNX Runtime runs the same graph without PyTorch's per-operator overhead, and
dynamic int8 quantisation (weights stored as int8, activations quantised on the
fly) makes the matrix products of a CPU-bound encoder cheaper. The exported
folder is a complete model folder: tokenizer, config with the label dictionary,
window settings, plus ``model.onnx`` and optionally ``model.int8.onnx``;
``Tagger.from_pretrained(folder, onnx="model.int8.onnx")`` runs it.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

__all__ = ["export_onnx", "quantize_int8"]

KEEP_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "medcoop.json")


def export_onnx(model_dir: str | Path, out_dir: str | Path, int8: bool = False, opset: int = 17,
                int8_embeddings: bool = False) -> list[Path]:
    """Export the transformers model of ``model_dir`` to ``out_dir``; returns the ONNX files.
    ``int8_embeddings`` also stores the embedding tables in int8 (see :func:`quantize_int8`).

    The folder is written beside ``out_dir`` and moved into place only when complete, so a
    failed export leaves nothing half-written; the tracer's warnings are not shown."""
    import importlib.util

    for module in ("onnx", "onnxruntime"):
        if importlib.util.find_spec(module) is None:
            raise ImportError(f"export needs {module}", name=module)
    import torch
    from transformers import AutoModelForTokenClassification

    import medcoop.tagging.student  # noqa: F401  (registers the fast model's architecture)
    from medcoop.tagging.tagger import quiet_transformers

    model_dir, out_dir = Path(model_dir), Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty; export into a new folder")
    tmp = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for name in KEEP_FILES:
            if (model_dir / name).exists():
                shutil.copy2(model_dir / name, tmp / name)
        with quiet_transformers():
            model = AutoModelForTokenClassification.from_pretrained(model_dir, dtype=torch.float32).eval()
        model.config.return_dict = False
        example = torch.ones(2, 16, dtype=torch.long)
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TracerWarnings about shapes the dynamic axes already cover
            torch.onnx.export(
                _Logits(model), (example, example), str(tmp / "model.onnx"),
                input_names=["input_ids", "attention_mask"], output_names=["logits"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                              "logits": {0: "batch", 1: "tokens"}},
                opset_version=opset, dynamo=False,
            )
        names = ["model.onnx"]
        if int8:
            quantize_int8(tmp / "model.onnx", tmp / "model.int8.onnx", embeddings=int8_embeddings)
            names.append("model.int8.onnx")
        if out_dir.exists():
            out_dir.rmdir()
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out_dir / name for name in names]


def quantize_int8(source: Path, target: Path, embeddings: bool = False) -> Path:
    """Dynamic int8 quantisation of the weights of matrix products (per-channel off:
    the embedding-sized matrices quantise well per tensor and stay fast on CPU).
    ``embeddings`` also stores the embedding tables (``Gather``) in int8: for a small
    model they are most of the file (the fast model: 16 MB -> 4 MB)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    ops = ["MatMul", "Gemm"] + (["Gather"] if embeddings else [])
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, op_types_to_quantize=ops)
    return target


def _Logits(model):
    """The model as a module returning only logits, which is what the exporter traces."""
    import torch

    class Logits(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids, attention_mask=attention_mask)[0]

    return Logits()
