"""The learnt part of event extraction: one logistic model per candidate kind.

A logistic model over named features keeps each decision explainable (the weight
times the value of every feature that fired) and trains in seconds on a few
hundred articles; it is stored as safetensors (one weight vector and bias per kind)
plus a JSON file of feature names, thresholds and versions, next to the tagger.
Inference needs numpy only.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from medcoop.events.lexicon import lexicon

__all__ = ["EventScorer", "KindModel", "SCORER_FORMAT", "SCORER_FILES"]

SCORER_FORMAT = "medcoop.event-scorer.v1"
SCORER_FILES = ("events.safetensors", "events.json")


@dataclass
class KindModel:
    features: list[str]
    weights: np.ndarray
    bias: float
    threshold: float = 0.5
    # The best ``top_k`` candidates of an article are accepted from ``top_threshold`` on:
    # an article with agreement mentions usually reports one signing, between two parties.
    top_k: int = 0
    top_threshold: float = 1.0

    def accept(self, candidates_features: list[dict[str, float]]) -> list[bool]:
        """Which of one article's candidates (of this kind) are accepted."""
        p = [self.probability(f) for f in candidates_features]
        best = sorted(range(len(p)), key=lambda i: -p[i])[:self.top_k]
        return [p[i] >= self.threshold or (i in best and p[i] >= self.top_threshold) for i in range(len(p))]

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights[i] * features[name] for i, name in enumerate(self.features) if name in features)
        return 1.0 / (1.0 + math.exp(-z))

    def explain(self, features: dict[str, float]) -> dict[str, float]:
        """Each fired feature's contribution to the decision (weight x value), largest first."""
        index = {name: i for i, name in enumerate(self.features)}
        parts = {k: round(float(self.weights[index[k]] * v), 3) for k, v in features.items() if k in index}
        return dict(sorted(parts.items(), key=lambda kv: -abs(kv[1])))


@dataclass
class EventScorer:
    kinds: dict[str, KindModel]
    lexicon_version: str = field(default_factory=lambda: lexicon()["version"])
    record: dict = field(default_factory=dict)  # how it was trained and what it measured

    def save(self, folder: str | Path) -> None:
        from safetensors.numpy import save_file

        folder = Path(folder)
        tensors = {}
        for kind, m in self.kinds.items():
            tensors[f"{kind}.weight"] = np.asarray(m.weights, dtype=np.float32)
            tensors[f"{kind}.bias"] = np.asarray([m.bias], dtype=np.float32)
        save_file(tensors, str(folder / SCORER_FILES[0]))
        meta = {
            "format": SCORER_FORMAT,
            "lexicon": self.lexicon_version,
            "kinds": {k: {"features": m.features, "threshold": m.threshold, "top_k": m.top_k,
                          "top_threshold": m.top_threshold} for k, m in self.kinds.items()},
            "record": self.record,
        }
        (folder / SCORER_FILES[1]).write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path) -> "EventScorer | None":
        """The scorer saved in ``folder``, or None when the folder has none."""
        folder = Path(folder)
        if not (folder / SCORER_FILES[1]).exists():
            return None
        from safetensors.numpy import load_file

        meta = json.loads((folder / SCORER_FILES[1]).read_text(encoding="utf-8"))
        if meta.get("format") != SCORER_FORMAT:
            raise ValueError(f"{folder / SCORER_FILES[1]}: unknown event scorer format {meta.get('format')!r}; "
                             f"this medcoop reads {SCORER_FORMAT}. Upgrade medcoop or retrain the event scorer.")
        tensors = load_file(str(folder / SCORER_FILES[0]))
        kinds = {k: KindModel(v["features"], tensors[f"{k}.weight"].astype(np.float64), float(tensors[f"{k}.bias"][0]),
                              v["threshold"], v.get("top_k", 0), v.get("top_threshold", 1.0)) for k, v in meta["kinds"].items()}
        if meta["lexicon"] != lexicon()["version"]:
            import warnings

            warnings.warn(f"{folder}: event scorer trained with lexicon {meta['lexicon']}, this medcoop has "
                          f"{lexicon()['version']}; retrain it with `medcoop train-events`.", UserWarning, stacklevel=2)
        return cls(kinds, meta["lexicon"], meta.get("record", {}))
