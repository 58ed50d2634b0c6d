"""Annotation consistency: the same string treated differently in different places.

Run before committing annotations (``medcoop consistency annotations/*.jsonl``).
Strings are compared in normalised form, so 醫院 and 医院 and 醫(yī)院 are one
string. Three kinds of findings:

* ``label``    - a string labelled with different labels in different places;
* ``missed``   - a string labelled somewhere and left unlabelled elsewhere (no
  span touches that occurrence), the usual sign of a forgotten mention;
* ``boundary`` - a span next to a character that mostly sits inside spans of
  that label (an INST ending one character before 医院), or a labelled string
  whose occurrence elsewhere is cut by a span with other boundaries.

A finding that is right as it is gets an entry in an *accepted* file (JSON
Lines ``{"kind", "string", "label", "why"}``), so the check passes only when every
finding is fixed or justified.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from medcoop.annotation.document import AnnotatedDocument
from medcoop.constants import LABELS
from medcoop.text.normalize import normalize

__all__ = ["Finding", "check_consistency", "load_accepted", "unaccepted"]

TYPICAL_SHARE = 0.6  # of a character's occurrences inside spans of one label
TYPICAL_MIN_COUNT = 8


@dataclass
class Finding:
    kind: str
    string: str
    label: str
    detail: str
    places: list[str] = field(default_factory=list)

    def key(self) -> tuple[str, str, str]:
        return self.kind, self.string, self.label

    def __str__(self) -> str:
        where = ", ".join(self.places[:6]) + (f", ... ({len(self.places)} places)" if len(self.places) > 6 else "")
        return f"{self.kind:<8} {self.label:<5} {self.string!r}: {self.detail} [{where}]"


@dataclass
class _Doc:
    id: str
    clean: str
    label_at: np.ndarray  # per clean char: label index + 1, or 0 when outside spans
    span_id: np.ndarray  # per clean char: which span covers it, -1 when none
    spans: list[tuple[int, int, str]]  # clean offsets


def _prepare(doc: AnnotatedDocument, labels: list[str]) -> _Doc:
    norm = normalize(doc.text)
    label_at = np.zeros(len(norm.clean), dtype=np.int64)
    span_id = np.full(len(norm.clean), -1, dtype=np.int64)
    spans = []
    for k, s in enumerate(doc.spans):
        lo, hi = norm.clean_span(s.start, s.end)
        label_at[lo:hi] = labels.index(s.label) + 1
        span_id[lo:hi] = k
        spans.append((lo, hi, s.label))
    return _Doc(str(doc.id), norm.clean, label_at, span_id, spans)


def check_consistency(docs: list[AnnotatedDocument], labels=LABELS) -> list[Finding]:
    labels = list(labels)
    prepared = [_prepare(d, labels) for d in docs]
    findings = _label_conflicts(prepared)
    findings += _missed_and_cut(prepared)
    findings += _typical_neighbours(prepared, labels)
    return findings


def _label_conflicts(docs: list[_Doc]) -> list[Finding]:
    seen: dict[str, Counter] = defaultdict(Counter)
    places: dict[str, list[str]] = defaultdict(list)
    for d in docs:
        for lo, hi, label in d.spans:
            seen[d.clean[lo:hi]][label] += 1
            places[d.clean[lo:hi]].append(f"{d.id}@{lo}:{label}")
    return [
        Finding("label", s, "/".join(sorted(c)), "labelled " + ", ".join(f"{l} x{n}" for l, n in c.most_common()), places[s])
        for s, c in sorted(seen.items())
        if len(c) > 1
    ]


def _missed_and_cut(docs: list[_Doc]) -> list[Finding]:
    labelled: dict[str, Counter] = defaultdict(Counter)
    for d in docs:
        for lo, hi, label in d.spans:
            labelled[d.clean[lo:hi]][label] += 1
    missed: dict[tuple[str, str], list[str]] = defaultdict(list)
    cut: dict[tuple[str, str], list[str]] = defaultdict(list)
    for string, counts in labelled.items():
        if len(string) < 2:
            continue  # single characters (surnames, cut-off names) occur inside every other word
        label = counts.most_common(1)[0][0]
        for d in docs:
            start = d.clean.find(string)
            while start >= 0:
                end = start + len(string)
                covering = d.span_id[start:end]
                if (covering == -1).all():
                    missed[(string, label)].append(f"{d.id}@{start}")
                elif covering[0] != covering[-1] or _crosses(d, start, end):
                    cut[(string, label)].append(f"{d.id}@{start}")
                start = d.clean.find(string, start + 1)
    # Two-character strings hide inside unrelated words (高医 in 提高医疗), so they are
    # reported only where they are labelled at least as often as not.
    findings = [
        Finding("missed", s, l, "labelled elsewhere, unlabelled here", p)
        for (s, l), p in sorted(missed.items())
        if len(s) > 2 or sum(labelled[s].values()) >= len(p)
    ]
    findings += [Finding("boundary", s, l, "a span with other boundaries cuts this occurrence", p) for (s, l), p in sorted(cut.items())]
    return findings


def _crosses(d: _Doc, start: int, end: int) -> bool:
    """True when a span covering part of [start, end) sticks out on one side only,
    i.e. the occurrence and the span overlap without one containing the other."""
    ids = set(d.span_id[start:end].tolist()) - {-1}
    for k in ids:
        lo, hi, _ = d.spans[k]
        inside = start <= lo and hi <= end
        contains = lo <= start and end <= hi
        if not inside and not contains:
            return True
    return False


def _typical_neighbours(docs: list[_Doc], labels: list[str]) -> list[Finding]:
    """Characters that mostly sit inside spans of one label; spans that stop right
    next to such a character are probably cut short."""
    total: Counter = Counter()
    inside: dict[str, Counter] = defaultdict(Counter)
    for d in docs:
        total.update(d.clean)
        for lo, hi, label in d.spans:
            inside[label].update(d.clean[lo:hi])
    typical = {
        label: {c for c, n in counts.items() if total[c] >= TYPICAL_MIN_COUNT and n / total[c] >= TYPICAL_SHARE}
        for label, counts in inside.items()
    }
    hits: dict[tuple[str, str], list[str]] = defaultdict(list)
    for d in docs:
        for lo, hi, label in d.spans:
            before = d.clean[lo - 1] if lo > 0 else ""
            after = d.clean[hi] if hi < len(d.clean) else ""
            for side, ch, pos in (("before", before, lo - 1), ("after", after, hi)):
                if ch and ch in typical.get(label, ()) and d.span_id[pos] == -1:
                    shown = f"{ch}+{d.clean[lo:hi]}" if side == "before" else f"{d.clean[lo:hi]}+{ch}"
                    hits[(shown, label)].append(f"{d.id}@{lo}")
    return [
        Finding("boundary", s, l, "stops next to a character that usually belongs to such spans", p)
        for (s, l), p in sorted(hits.items())
    ]


def load_accepted(path: str | Path) -> dict[tuple[str, str, str], str]:
    """Accepted findings: ``{(kind, string, label): why}``."""
    accepted = {}
    if Path(path).exists():
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                if not row.get("why"):
                    raise ValueError(f"{path}:{number}: an accepted finding needs a 'why'")
                accepted[(row["kind"], row["string"], row["label"])] = row["why"]
    return accepted


def unaccepted(findings: list[Finding], accepted: dict) -> list[Finding]:
    return [f for f in findings if f.key() not in accepted]
