"""Copy a trained model into the package, deliberately: ``python -m medcoop.training.ship runs/NAME/model``.

Training never writes into ``model/weights``; this is the one step that does. The
weights are stored in fp16 (half the size; the tagger computes in fp32 on a CPU
and bf16/fp16 on a GPU), next to the tokenizer, the label dictionary, the window
settings and the training record.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from medcoop.tagging.tagger import SETTINGS_FILE, SHIPPED_MODEL, quiet_transformers

__all__ = ["ship"]

COPIED = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", SETTINGS_FILE, "training_record.json")


def ship(model_dir: str | Path, target: Path = SHIPPED_MODEL, max_mb: float = 60.0) -> Path:
    import torch
    from transformers import AutoModelForTokenClassification

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
    size = (staging / "model.safetensors").stat().st_size / 2**20
    if size > max_mb:
        shutil.rmtree(staging)
        raise ValueError(f"the weights take {size:.1f} MB, over the {max_mb:.0f} MB the package may carry")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model_dir")
    args = parser.parse_args(argv)
    target = ship(args.model_dir)
    print(f"shipped {args.model_dir} -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
