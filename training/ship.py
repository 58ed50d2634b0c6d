"""Copy a trained model into the package, deliberately: ``python -m medcoop.training.ship runs/NAME/model``
(the accurate model, ``model/weights``) or ``... --name fast`` (the fast model, ``model/weights_fast``).

Training never writes into the package; this is the one step that does. The
weights are stored in fp16 (half the size; the tagger computes in fp32 on a CPU
and bf16/fp16 on a GPU), next to the tokenizer, the label dictionary, the window
settings and the training record. With ``onnx_int8`` (the fast model) the folder
also gets ``model.int8.onnx``, exported from those same fp16 weights with the
embeddings quantised too, and its settings name it as the file to run on a CPU
when ONNX Runtime is installed.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from medcoop.events.scorer import SCORER_FILES
from medcoop.tagging.tagger import SETTINGS_FILE, SHIPPED_MODEL, SHIPPED_MODELS, load_settings, quiet_transformers

__all__ = ["ship"]

COPIED = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", SETTINGS_FILE, "training_record.json")
INT8_FILE = "model.int8.onnx"
# Per shipped name: where it goes, the most its weights may take, and whether the int8 ONNX file ships with it.
TARGETS = {"accurate": (SHIPPED_MODEL, 60.0, False), "fast": (SHIPPED_MODELS["fast"], 15.0, True)}


def ship(model_dir: str | Path, target: Path = SHIPPED_MODEL, max_mb: float = 60.0, onnx_int8: bool = False) -> Path:
    import torch
    from transformers import AutoModelForTokenClassification

    import medcoop.tagging.student  # noqa: F401  (registers the fast model's architecture)

    model_dir = Path(model_dir)
    if not (model_dir / SETTINGS_FILE).exists():
        raise FileNotFoundError(f"{model_dir} has no {SETTINGS_FILE}; pass the `model` folder a training run wrote")
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    with quiet_transformers():
        model = AutoModelForTokenClassification.from_pretrained(model_dir, dtype=torch.float16)
        model.save_pretrained(staging)
    for name in COPIED:
        if (model_dir / name).exists():
            shutil.copy2(model_dir / name, staging / name)
    if onnx_int8:
        _add_int8(staging)
    size = (staging / "model.safetensors").stat().st_size / 2**20
    if size > max_mb:
        shutil.rmtree(staging)
        raise ValueError(f"the weights take {size:.1f} MB, over the {max_mb:.0f} MB the package may carry")
    # The event scorer ships in the accurate model's folder but is trained on its own
    # (medcoop train-events): replacing the tagger must not take it away.
    for name in SCORER_FILES:
        if (target / name).exists() and not (staging / name).exists():
            shutil.copy2(target / name, staging / name)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def _add_int8(staging: Path) -> None:
    """Export the staged fp16 weights to int8 ONNX inside the folder and name the file in its settings."""
    import dataclasses

    from medcoop.tagging.export import export_onnx

    exported = staging.with_name(staging.name + ".onnx")
    shutil.rmtree(exported, ignore_errors=True)
    try:
        export_onnx(staging, exported, int8=True, int8_embeddings=True)
        shutil.copy2(exported / INT8_FILE, staging / INT8_FILE)
    finally:
        shutil.rmtree(exported, ignore_errors=True)
    settings = dataclasses.replace(load_settings(staging), cpu_onnx=INT8_FILE)
    settings.save(staging)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model_dir")
    parser.add_argument("--name", choices=sorted(TARGETS), default="accurate", help="which shipped model to replace")
    args = parser.parse_args(argv)
    folder, max_mb, onnx_int8 = TARGETS[args.name]
    target = ship(args.model_dir, target=folder, max_mb=max_mb, onnx_int8=onnx_int8)
    print(f"shipped {args.model_dir} -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
