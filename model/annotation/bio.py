"""Label schemes and tags <-> spans, in one place.

Spans become one tag per position (BIO), and tags become spans in two modes:

- ``strict`` (the tagger's): a span opens only on ``B-X`` (or ``S-X``) and runs over
  the ``I-X``/``M-X``/``E-X`` that follow; a run of inside tags with no opening tag is
  dropped, as in seqeval's strict IOB2 mode. Measured on the dev split in round 1,
  this beats reading a stray ``I-X`` as a new entity by several points of precision:
  the stray tags are mostly the model hesitating on single characters.
- lenient (files written by people and other tools): an inside tag that does not
  continue a span of its label opens one, which is what seqeval's ``get_entities``
  does for IOB and IOBES; BMES (Resume NER) is read by mapping ``M`` to ``I``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from medcoop.constants import LABELS

__all__ = ["bio_labels", "spans_to_tags", "tags_to_spans"]


def bio_labels(labels: Sequence[str] = LABELS) -> list[str]:
    """``O`` then ``B-X``/``I-X`` per label: the model's output classes, in order."""
    return ["O"] + [f"{prefix}-{label}" for label in labels for prefix in ("B", "I")]


def spans_to_tags(length: int, spans: Iterable) -> list[str]:
    """One BIO tag per position for spans with ``start``, ``end``, ``label``."""
    tags = ["O"] * length
    for s in spans:
        tags[s.start] = f"B-{s.label}"
        for i in range(s.start + 1, s.end):
            tags[i] = f"I-{s.label}"
    return tags


def tags_to_spans(tags: Sequence[str], strict: bool = False) -> list[tuple[int, int, str]]:
    """``(start, end, label)`` per span (end exclusive) of BIO, IOBES or BMES tags."""
    if not strict:
        from seqeval.metrics.sequence_labeling import get_entities

        bio = [t.replace("M-", "I-", 1) if t.startswith("M-") else t for t in tags]
        return [(start, end + 1, label) for label, start, end in get_entities(bio)]
    spans: list[tuple[int, int, str]] = []
    start, label = None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, name = tag.partition("-")
        if start is not None and not (prefix in ("I", "M", "E") and name == label):
            spans.append((start, i, label))
            start, label = None, None
        if prefix in ("B", "S"):
            start, label = i, name
        if prefix in ("S", "E") and start is not None:
            spans.append((start, i + 1, label))
            start, label = None, None
    return spans
