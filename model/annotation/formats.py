"""Reading and writing annotations: JSON Lines spans, character BIO, doccano, Label Studio.

JSON Lines spans are the source of truth (ANNOTATION.md); the other formats are
derived from it or imported into it. Every conversion keeps the raw text exactly,
so JSONL -> BIO -> JSONL and doccano -> JSONL -> doccano are identities.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator

from medcoop.annotation.bio import spans_to_tags, tags_to_spans
from medcoop.annotation.document import AnnotatedDocument, Span
from medcoop.annotation.standoff import inline

__all__ = [
    "read_jsonl",
    "write_jsonl",
    "write_conll",
    "read_conll",
    "from_doccano",
    "to_doccano",
    "read_doccano",
    "write_doccano",
    "read_label_studio",
    "read_any",
    "FORMATS",
]

FORMATS = ("jsonl", "conll", "doccano", "labelstudio")
_NEWLINE_IN_SPAN = "\\n"


# --- JSON Lines spans -------------------------------------------------------------

def read_jsonl(path: str | Path) -> list[AnnotatedDocument]:
    """Read a span-format file; run ``medcoop validate`` first for readable errors."""
    return list(iter_jsonl(path))


def iter_jsonl(path: str | Path) -> Iterator[AnnotatedDocument]:
    """Documents of a span file; stand-off lines (``text_in`` + ``sha256``, see
    :mod:`medcoop.annotation.standoff`) are joined to their text as they are read."""
    base = Path(path).resolve().parent
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield AnnotatedDocument.from_dict(inline(json.loads(line), base))


def write_jsonl(docs: Iterable[AnnotatedDocument], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for doc in docs:
            f.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")


# --- character BIO ----------------------------------------------------------------

def write_conll(docs: Iterable[AnnotatedDocument], path: str | Path) -> None:
    """CoNLL: ``char<TAB>tag`` per line, a blank line for each line break of the text.

    ``# id = ...`` (and ``# source``/``# meta``) comment lines, as in CoNLL-U, open each
    document so nothing is lost in the round trip; a space or tab character is written
    as itself before the tab. A line break inside a span (a name that scraping broke
    in two) cannot be a blank line, so it is written as the two characters ``\\n``.
    """
    with open(path, "w", encoding="utf-8") as f:
        for doc in docs:
            f.write(f"# id = {json.dumps(doc.id, ensure_ascii=False)}\n")
            if doc.source is not None:
                f.write(f"# source = {doc.source}\n")
            if doc.meta:
                f.write(f"# meta = {json.dumps(doc.meta, ensure_ascii=False)}\n")
            for ch, tag in zip(doc.text, spans_to_tags(len(doc.text), doc.spans)):
                if ch != "\n":
                    f.write(f"{ch}\t{tag}\n")
                else:
                    f.write("\n" if tag == "O" else f"{_NEWLINE_IN_SPAN}\t{tag}\n")


def read_conll(path: str | Path) -> list[AnnotatedDocument]:
    """Read what :func:`write_conll` writes (and plain CoNLL without ``# id`` lines)."""
    docs: list[AnnotatedDocument] = []
    chars: list[str] = []
    tags: list[str] = []
    doc_id, source, meta = None, None, {}

    def flush() -> None:
        if chars or doc_id is not None:
            text = "".join(chars)
            docs.append(AnnotatedDocument(doc_id if doc_id is not None else str(len(docs)), text, [Span(*span) for span in tags_to_spans(tags)], source, meta))

    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, 1):
        if line.startswith("# id = "):
            flush()
            chars, tags, source, meta = [], [], None, {}
            doc_id = json.loads(line[len("# id = "):])
        elif line.startswith("# source = "):
            source = line[len("# source = "):]
        elif line.startswith("# meta = "):
            meta = json.loads(line[len("# meta = "):])
        elif line == "":
            chars.append("\n")
            tags.append("O")
        else:
            ch, sep, tag = line.rpartition("\t")
            if ch == _NEWLINE_IN_SPAN:
                ch = "\n"
            if not sep or len(ch) != 1:
                raise ValueError(f"{path}:{number}: expected 'character<TAB>tag', got {line!r}")
            chars.append(ch)
            tags.append(tag)
    flush()
    return docs


# --- doccano ----------------------------------------------------------------------

def from_doccano(obj: dict) -> AnnotatedDocument:
    """A doccano sequence-labelling export line: ``label: [[start, end, label], ...]``
    (older and plain projects) or ``entities: [{start_offset, end_offset, label}]``
    (projects with relations)."""
    if not isinstance(obj, dict) or "text" not in obj:
        raise ValueError(f"doccano line {obj.get('id') if isinstance(obj, dict) else obj!r}: no 'text'; "
                         "a doccano sequence-labelling export has text and label (or entities) per line")
    if "entities" in obj:
        spans = [Span(e["start_offset"], e["end_offset"], e["label"]) for e in obj["entities"]]
        rest = {k: v for k, v in obj.items() if k not in ("id", "text", "entities", "relations")}
    else:
        spans = [Span(int(s), int(e), str(lab)) for s, e, lab in obj.get("label", [])]
        rest = {k: v for k, v in obj.items() if k not in ("id", "text", "label")}
    return AnnotatedDocument(obj.get("id"), obj["text"], sorted(spans), None, rest)


def to_doccano(doc: AnnotatedDocument) -> dict:
    """doccano's sequence-labelling JSONL (``label: [[start, end, label]]``), which its
    import takes as it is; other fields of the document ride along."""
    out = {"id": doc.id, "text": doc.text, "label": [[s.start, s.end, s.label] for s in sorted(doc.spans)]}
    out.update({k: v for k, v in doc.meta.items() if k not in out})
    return out


def read_doccano(path: str | Path) -> list[AnnotatedDocument]:
    with open(path, encoding="utf-8") as f:
        return [from_doccano(json.loads(line)) for line in f if line.strip()]


def write_doccano(docs: Iterable[AnnotatedDocument], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for doc in docs:
            f.write(json.dumps(to_doccano(doc), ensure_ascii=False) + "\n")


# --- Label Studio -----------------------------------------------------------------

def read_label_studio(path: str | Path, text_key: str = "text") -> list[AnnotatedDocument]:
    """A Label Studio JSON export (a list of tasks). Takes each task's most recent
    annotation that was not cancelled, else its most recent prediction (a pre-annotated
    task nobody has corrected yet); ``labels`` results become spans."""
    with open(path, encoding="utf-8") as f:
        tasks = json.load(f)
    if not isinstance(tasks, list):
        raise ValueError(f"{path}: a Label Studio JSON export is a list of tasks, got {type(tasks).__name__}")
    docs = []
    for number, task in enumerate(tasks):
        if not isinstance(task, dict) or text_key not in task.get("data", {}):
            raise ValueError(f"{path}: task {number} has no data.{text_key}; export the project as JSON with the "
                             f"text under '{text_key}'")
        text = task["data"][text_key]
        kept = [a for a in task.get("annotations", []) if not a.get("was_cancelled")]
        kept = kept or task.get("predictions", [])
        results = kept[-1]["result"] if kept else []
        spans = [
            Span(r["value"]["start"], r["value"]["end"], r["value"]["labels"][0])
            for r in results
            if r.get("type") == "labels"
        ]
        docs.append(AnnotatedDocument(task["data"].get("id", task.get("id")), text, sorted(spans)))
    return docs


def to_label_studio_task(doc: AnnotatedDocument, scores: list[float] | None = None, model_version: str = "medcoop") -> dict:
    """A Label Studio task with the spans as a prediction (pre-annotation), for an
    interface whose ``<Labels name="label" toName="text">`` tags ``<Text name="text">``.

    Offsets are code points, as everywhere in medcoop; Label Studio counts UTF-16 units,
    which differ only for characters outside the Basic Multilingual Plane (rare CJK
    extension characters)."""
    scores = scores or [1.0] * len(doc.spans)
    result = [
        {"id": f"s{i}", "from_name": "label", "to_name": "text", "type": "labels", "score": score,
         "value": {"start": s.start, "end": s.end, "text": doc.text[s.start:s.end], "labels": [s.label]}}
        for i, (s, score) in enumerate(zip(doc.spans, scores))
    ]
    overall = sum(scores) / len(scores) if scores else 0.0
    data = {"text": doc.text, **({"id": doc.id} if doc.id is not None else {})}
    return {"data": data, "predictions": [{"model_version": model_version, "score": overall, "result": result}]}


# --- by name ------------------------------------------------------------------

def guess_format(path: str | Path) -> str:
    """The format a file name suggests: .conll/.bio, .json (Label Studio), else JSONL."""
    suffix = Path(path).suffix.lower()
    if suffix in (".conll", ".bio", ".txt"):
        return "conll"
    if suffix == ".json":
        return "labelstudio"
    return "jsonl"


def read_any(path: str | Path, fmt: str | None = None) -> list[AnnotatedDocument]:
    fmt = fmt or guess_format(path)
    readers = {"jsonl": read_jsonl, "conll": read_conll, "doccano": read_doccano, "labelstudio": read_label_studio}
    if fmt not in readers:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return readers[fmt](path)


def write_any(docs: Iterable[AnnotatedDocument], path: str | Path, fmt: str | None = None) -> None:
    fmt = fmt or guess_format(path)
    writers = {"jsonl": write_jsonl, "conll": write_conll, "doccano": write_doccano}
    if fmt not in writers:
        raise ValueError(f"cannot write {fmt!r}; write one of {', '.join(writers)}")
    writers[fmt](docs, path)
