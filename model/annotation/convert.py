"""``medcoop convert``: annotations from one format to another, checked before writing.

Labels are renamed only through an explicit map: a converter that guessed (ORG ->
INST?) would teach the model a rule that is not the guideline's. What is written
passes the same checks as ``medcoop validate``, and a failed conversion writes nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from medcoop.annotation.document import AnnotatedDocument, Span
from medcoop.annotation.formats import guess_format, read_any, write_any
from medcoop.annotation.validate import validate_object

__all__ = ["parse_label_map", "apply_label_map", "convert_file"]


def parse_label_map(spec: str | None) -> dict[str, str]:
    """``"ORG=INST,PERSON=PER"`` or the path of a JSON object ``{"ORG": "INST"}``."""
    if not spec:
        return {}
    if Path(spec).is_file():
        mapping = json.loads(Path(spec).read_text(encoding="utf-8"))
        if not isinstance(mapping, dict):
            raise ValueError(f"--label-map {spec}: expected a JSON object {{\"ORG\": \"INST\"}}")
        return {str(k): str(v) for k, v in mapping.items()}
    mapping = {}
    for pair in spec.split(","):
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ValueError(f"--label-map: {pair!r} is not FROM=TO (e.g. ORG=INST,PERSON=PER)")
        mapping[source.strip()] = target.strip()
    return mapping


def apply_label_map(doc: AnnotatedDocument, mapping: dict[str, str]) -> AnnotatedDocument:
    spans = sorted(Span(s.start, s.end, mapping.get(s.label, s.label)) for s in doc.spans)
    return AnnotatedDocument(doc.id, doc.text, spans, doc.source, doc.meta)


def convert_file(source: str | Path, target: str | Path, source_format: str | None = None,
                 target_format: str | None = None, label_map: dict[str, str] | None = None) -> list[AnnotatedDocument]:
    """Read, rename labels, check every document, then write ``target`` in one go."""
    docs = [apply_label_map(d, label_map or {}) for d in read_any(source, source_format)]
    problems = [f"document {d.id}: {message}" for d in docs for message in validate_object(d.to_dict())]
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ValueError(f"{source}: nothing written, {len(problems)} problem(s): " + "; ".join(problems[:5]) + more
                         + ". Rename labels with --label-map FROM=TO; fix spans in the source")
    target = Path(target)
    handle, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", suffix=target.suffix)
    os.close(handle)
    try:
        write_any(docs, tmp, target_format or guess_format(target))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return docs
