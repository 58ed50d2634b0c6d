"""Benchmark: strict span precision/recall/F1 on raw-text offsets, and speed.

A predicted entity counts only when its label, start and end all equal a gold
span's (the same as seqeval's strict mode over the character BIO sequence); the
offsets are those of the raw text, so normalisation must map spans back exactly.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass

from medcoop.annotation.document import LABELS, AnnotatedDocument

__all__ = ["PRF", "Scores", "score_spans", "evaluate_tagger"]


@dataclass
class PRF:
    precision: float
    recall: float
    f1: float
    support: int  # gold spans
    predicted: int

    @classmethod
    def from_counts(cls, tp: int, gold: int, pred: int) -> "PRF":
        p = tp / pred if pred else 0.0
        r = tp / gold if gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return cls(round(p, 4), round(r, 4), round(f, 4), gold, pred)


@dataclass
class Scores:
    per_label: dict[str, PRF]
    micro: PRF
    chars_per_s: float | None = None
    documents: int = 0
    characters: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    def table(self) -> str:
        rows = ["| label | P | R | F1 | gold | predicted |", "|---|---|---|---|---|---|"]
        for name, s in [*self.per_label.items(), ("micro", self.micro)]:
            rows.append(f"| {name} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} | {s.predicted} |")
        if self.chars_per_s:
            rows.append(f"\n{self.documents} documents, {self.characters} characters, {self.chars_per_s:,.0f} characters/s")
        return "\n".join(rows)


def score_spans(gold: list[AnnotatedDocument], predicted: list[list[tuple[int, int, str]]], labels=LABELS) -> Scores:
    """Exact-match scores; ``predicted[i]`` holds ``(start, end, label)`` for ``gold[i]``."""
    tp, n_gold, n_pred = Counter(), Counter(), Counter()
    for doc, pred in zip(gold, predicted, strict=True):
        # Only ``labels`` count, so a baseline without posts is not charged for them.
        g = {(s.start, s.end, s.label) for s in doc.spans if s.label in labels}
        p = {span for span in pred if span[2] in labels}
        for _, _, label in g:
            n_gold[label] += 1
        for _, _, label in p:
            n_pred[label] += 1
        for _, _, label in g & p:
            tp[label] += 1
    per_label = {label: PRF.from_counts(tp[label], n_gold[label], n_pred[label]) for label in labels}
    micro = PRF.from_counts(sum(tp.values()), sum(n_gold.values()), sum(n_pred.values()))
    return Scores(per_label, micro, documents=len(gold), characters=sum(len(d.text) for d in gold))


def evaluate_tagger(tagger, docs: list[AnnotatedDocument], labels=LABELS, batch_size: int | None = None) -> Scores:
    """Tag ``docs`` with ``tagger`` (anything with ``tag_many``) and score it; the
    characters-per-second figure covers tagging only."""
    start = time.perf_counter()
    predicted = [[(e.start, e.end, e.label) for e in ents] for ents in tagger.tag_many([d.text for d in docs], batch_size=batch_size)]
    elapsed = time.perf_counter() - start
    scores = score_spans(docs, predicted, labels)
    scores.chars_per_s = round(scores.characters / elapsed, 1) if elapsed > 0 else None
    return scores
