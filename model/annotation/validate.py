"""Checks a span-format JSON Lines file and reports every problem, not only the first."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from medcoop.annotation.document import LABELS
from medcoop.text.normalize import normalize
from medcoop.annotation.standoff import StandoffError, inline

__all__ = ["Problem", "validate_file", "validate_object"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an annotation file, with where it is and what to do."""

    file: str
    line: int
    doc_id: str | None
    message: str

    def __str__(self) -> str:
        doc = f" [{self.doc_id}]" if self.doc_id is not None else ""
        return f"{self.file}:{self.line}:{doc} {self.message}"


def validate_file(path: str | Path, seen_ids: set | None = None) -> list[Problem]:
    """Every problem of a JSON Lines span file; ``seen_ids`` carries ids across files."""
    seen_ids = set() if seen_ids is None else seen_ids
    problems: list[Problem] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as e:
        return [Problem(str(path), 0, None, f"cannot read the file ({e}); it must be UTF-8 JSON Lines")]
    base = Path(path).resolve().parent
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(Problem(str(path), number, None, f"not valid JSON ({e.msg} at column {e.colno}); each line must be one JSON object"))
            continue
        doc_id = obj.get("id") if isinstance(obj, dict) else None
        try:
            obj = inline(obj, base)
        except (StandoffError, OSError, KeyError, json.JSONDecodeError) as e:
            problems.append(Problem(str(path), number, doc_id, str(e)))
            continue
        for message in validate_object(obj):
            problems.append(Problem(str(path), number, doc_id, message))
        if doc_id is not None:
            if doc_id in seen_ids:
                problems.append(Problem(str(path), number, doc_id, "duplicate document id; give every document its own id"))
            seen_ids.add(doc_id)
    return problems


def validate_object(obj) -> list[str]:
    """Problems of one parsed document object, as messages saying what to fix."""
    if not isinstance(obj, dict):
        return [f"expected a JSON object with id, text and spans, got {type(obj).__name__}"]
    missing = [k for k in ("id", "text", "spans") if k not in obj]
    if missing:
        return [f"missing field(s) {', '.join(missing)}; each document needs id, text and spans (spans may be [])"]
    if not isinstance(obj["id"], (str, int)) or isinstance(obj["id"], bool):
        return ["'id' must be a string or an integer"]
    if not isinstance(obj["text"], str):
        return ["'text' must be a string (the raw document text)"]
    if not isinstance(obj["spans"], list):
        return ["'spans' must be a list of {start, end, label} objects"]
    text = obj["text"]
    problems: list[str] = []
    good: list[tuple[int, int, str]] = []
    for k, span in enumerate(obj["spans"]):
        problem = _span_shape_problem(span, len(text))
        if problem:
            problems.append(f"span {k}: {problem}")
        else:
            good.append((span["start"], span["end"], span["label"]))
    good.sort()
    for (s1, e1, l1), (s2, e2, l2) in zip(good, good[1:]):
        if s2 < e1:
            problems.append(
                f"spans overlap: {l1} {text[s1:e1]!r} [{s1},{e1}) and {l2} {text[s2:e2]!r} [{s2},{e2}); "
                "keep the longest specific name (guideline rule 2)"
            )
    if good:
        noise = normalize(text).raw_noise
        for start, end, label in good:
            for edge, pos in (("starts", start), ("ends", end - 1)):
                if noise[pos]:
                    problems.append(
                        f"{label} span {text[start:end]!r} [{start},{end}) {edge} on {text[pos]!r}, which is whitespace "
                        "or noise (pinyin, '?', junk); move the boundary onto the first/last real character"
                    )
    return problems


def _span_shape_problem(span, length: int) -> str | None:
    if not isinstance(span, dict):
        return "must be an object with start, end and label"
    missing = [k for k in ("start", "end", "label") if k not in span]
    if missing:
        return f"missing {', '.join(missing)}"
    start, end, label = span["start"], span["end"], span["label"]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        return "start and end must be integers (character offsets)"
    if not 0 <= start < end <= length:
        return f"[{start},{end}) is out of range for a text of {length} characters; need 0 <= start < end <= {length}"
    if label not in LABELS:
        return f"unknown label {label!r}; use one of {', '.join(LABELS)}"
    return None
