"""Tag sequences from per-token label probabilities: argmax, or Viterbi over the BIO rules.

Per-token argmax can end a name one character early or start one mid-name (医联 for 医联体)
because each token is decided alone. Constrained Viterbi picks the most probable sequence
that obeys BIO (``I-X`` only after ``B-X`` or ``I-X``), with fixed transition scores: no
training, and the model's own probabilities decide everything else.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DECODERS", "allowed_transitions", "viterbi", "decode_tags"]

DECODERS = ("argmax", "viterbi")


def allowed_transitions(id2label: dict[int, str]) -> tuple[np.ndarray, np.ndarray]:
    """``(allowed[prev, next], may_start[next])`` for BIO labels."""
    labels = [id2label[i] for i in range(len(id2label))]
    kind = [label.partition("-") for label in labels]
    allowed = np.ones((len(labels), len(labels)), dtype=bool)
    for j, (prefix, _, name) in enumerate(kind):
        if prefix == "I":
            allowed[:, j] = [p in ("B", "I") and n == name for p, _, n in kind]
    may_start = np.array([prefix != "I" for prefix, _, _ in kind])
    return allowed, may_start


def viterbi(log_probs: np.ndarray, allowed: np.ndarray, may_start: np.ndarray) -> np.ndarray:
    """The most probable label sequence (``n`` ids) that only takes allowed transitions."""
    n, k = log_probs.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    forbidden = np.where(allowed, 0.0, -np.inf)
    score = np.where(may_start, log_probs[0], -np.inf)
    back = np.zeros((n, k), dtype=np.int64)
    for t in range(1, n):
        candidates = score[:, None] + forbidden  # [prev, next]
        back[t] = candidates.argmax(axis=0)
        score = candidates[back[t], np.arange(k)] + log_probs[t]
    path = np.zeros(n, dtype=np.int64)
    path[-1] = int(score.argmax())
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def decode_tags(probs: np.ndarray, decoder: str, transitions) -> tuple[np.ndarray, np.ndarray]:
    """``(tag ids, probability of each chosen tag)`` of one text's ``[tokens, labels]`` probabilities."""
    if decoder == "argmax" or len(probs) == 0:
        ids = probs.argmax(axis=-1) if len(probs) else np.zeros(0, dtype=np.int64)
    elif decoder == "viterbi":
        ids = viterbi(np.log(np.maximum(probs, 1e-12)), *transitions)
    else:
        raise ValueError(f"unknown decoder {decoder!r}; use one of {', '.join(DECODERS)}")
    return ids, probs[np.arange(len(ids)), ids] if len(ids) else np.zeros(0, dtype=np.float32)
