"""Gold cooperation events (annotations/events.jsonl, EVENTS.md): read and checked against
the entity annotation of their documents.

Errors are breaches of the format: an unknown type, an ``agreement`` that is no AGR span of
the document, a signatory that is no PER span, a party of a signatory that is not among the
event's parties, a ``date`` that is not ISO. Warnings are things a reader should look at
twice: a party or post whose name does not occur in the document's normalised text (a place
recorded by its government's name, a pronoun resolved to a name written elsewhere are fine).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from medcoop.text.normalize import normalize

__all__ = ["TYPES", "check_event_line", "check_event_file"]

TYPES = {
    "strategic_cooperation_agreement", "framework_agreement", "cooperation_agreement",
    "memorandum_of_understanding", "medical_alliance", "county_medical_community",
    "specialty_alliance", "paired_assistance", "trusteeship", "co_construction", "other",
}
_ISO = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_KEYS = {"type", "agreement", "parties", "signatories", "date", "date_text"}


def _norm(s: str) -> str:
    return normalize(s).clean.replace("\n", "").replace(" ", "")


def check_event_line(line: dict, doc) -> tuple[list[str], list[str]]:
    errors, warnings = [], []
    where = line.get("id")
    clean = _norm(doc.text)
    agr = {_norm(doc.text[s.start:s.end]) for s in doc.spans if s.label == "AGR"}
    per = {_norm(doc.text[s.start:s.end]) for s in doc.spans if s.label == "PER"}
    if not isinstance(line.get("events"), list):
        return [f"{where}: 'events' must be a list (empty when the document reports none)"], []
    for n, ev in enumerate(line["events"], 1):
        at = f"{where} event {n}"
        if set(ev) != _KEYS:
            errors.append(f"{at}: keys must be exactly {sorted(_KEYS)}, got {sorted(ev)}")
            continue
        if ev["type"] not in TYPES:
            errors.append(f"{at}: unknown type {ev['type']!r}")
        if _norm(ev["agreement"]) not in agr:
            errors.append(f"{at}: agreement {ev['agreement']!r} is not an AGR span of the document")
        if not isinstance(ev["parties"], list) or not all(isinstance(p, str) and p for p in ev["parties"]):
            errors.append(f"{at}: parties must be a list of names")
            continue
        if len(set(ev["parties"])) != len(ev["parties"]):
            errors.append(f"{at}: a party is listed twice")
        for p in ev["parties"]:
            if p != _norm(p):
                errors.append(f"{at}: party {p!r} is not normalised (write {_norm(p)!r})")
            elif p not in clean:
                warnings.append(f"{at}: party {p!r} does not occur in the normalised text")
        for sig in ev["signatories"]:
            if set(sig) != {"name", "party", "posts"}:
                errors.append(f"{at}: signatory keys must be name, party, posts: {sig}")
                continue
            if _norm(sig["name"]) not in per:
                errors.append(f"{at}: signatory {sig['name']!r} is not a PER span of the document")
            if sig["party"] is not None and sig["party"] not in ev["parties"]:
                errors.append(f"{at}: signatory {sig['name']!r} signs for {sig['party']!r}, which is not a party")
            for post in sig["posts"]:
                if _norm(post) not in clean:
                    warnings.append(f"{at}: post {post!r} of {sig['name']!r} does not occur in the text")
        if ev["date"] is not None and not _ISO.fullmatch(str(ev["date"])):
            errors.append(f"{at}: date {ev['date']!r} is not ISO (YYYY, YYYY-MM, YYYY-MM-DD) or null")
        if ev["date_text"] is not None and _norm(ev["date_text"]) not in clean:
            warnings.append(f"{at}: date_text {ev['date_text']!r} does not occur in the normalised text")
    return errors, warnings



def check_event_file(path: str | Path, docs: dict) -> tuple[list[str], list[str], int]:
    """``(errors, warnings, documents)`` of an events file against ``{id: AnnotatedDocument}``."""
    errors, warnings, seen = [], [], 0
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        line = json.loads(raw)
        if str(line.get("id")) not in docs:
            errors.append(f"{path}:{number}: document {line.get('id')!r} is in none of the span files")
            continue
        seen += 1
        e, w = check_event_line(line, docs[str(line["id"])])
        errors += e
        warnings += w
    return errors, warnings, seen
