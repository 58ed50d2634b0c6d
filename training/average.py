"""Average the weights of taggers fine-tuned from one starting point (a "model soup"):
``python -m medcoop.training.average RUN_A/model RUN_B/model --out runs/soup/model``.

Models fine-tuned from the same weights stay in one basin of the loss, so the mean of
their weights is itself a good model and often a better one than either (Wortsman et
al. 2022), at the cost of one model at inference, unlike an ensemble. It only makes
sense for folders of the same architecture and label dictionary, which is checked.
The result is a model folder like a training run's, ready for ``medcoop evaluate`` and
``medcoop.training.ship``.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from medcoop.tagging.tagger import SETTINGS_FILE

__all__ = ["average_models"]

WEIGHTS = "model.safetensors"
COPIED = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", SETTINGS_FILE)


def average_models(folders: list[str | Path], out: str | Path, weights: list[float] | None = None) -> Path:
    """Write the (weighted) mean of the models in ``folders`` to ``out``; float32 whatever they store."""
    from safetensors.torch import load_file, save_file

    folders = [Path(f) for f in folders]
    if len(folders) < 2:
        raise ValueError("average_models needs at least two model folders")
    weights = weights or [1.0] * len(folders)
    if len(weights) != len(folders) or min(weights) < 0 or sum(weights) <= 0:
        raise ValueError(f"weights {weights}: one non-negative weight per folder, not all zero")
    _check_same_labels(folders)
    states = [load_file(str(f / WEIGHTS)) for f in folders]
    for folder, state in zip(folders[1:], states[1:]):
        if {k: v.shape for k, v in state.items()} != {k: v.shape for k, v in states[0].items()}:
            raise ValueError(f"{folder} does not have the tensors of {folders[0]}: only models of one architecture average")
    total = sum(weights)
    mean = {name: sum(w / total * s[name].float() for w, s in zip(weights, states)).contiguous() for name in states[0]}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    save_file(mean, str(out / WEIGHTS), metadata={"format": "pt"})
    for name in COPIED:
        if (folders[0] / name).exists():
            shutil.copy2(folders[0] / name, out / name)
    record = {"averaged": [{"folder": str(f), "weight": w, "training_record": _record(f)} for f, w in zip(folders, weights)]}
    (out / "training_record.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def _check_same_labels(folders: list[Path]) -> None:
    labels = [json.loads((f / "config.json").read_text(encoding="utf-8")).get("id2label") for f in folders]
    for folder, these in zip(folders[1:], labels[1:]):
        if these != labels[0]:
            raise ValueError(f"{folder} has labels {these}, {folders[0]} has {labels[0]}: average models of one label set")


def _record(folder: Path):
    path = folder / "training_record.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m medcoop.training.average", description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="model folders fine-tuned from the same weights")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--weights", type=float, nargs="+", help="one per folder (default: equal)")
    args = parser.parse_args(argv)
    print(average_models(args.folders, args.out, args.weights))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
