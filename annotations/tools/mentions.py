"""Annotate by reading: mention lists in, span JSONL out, so no offset is counted by hand.

An annotator reads a document (``show``) and writes, for each mention, a line

    LINE LABEL SURFACE [@N]

in the order the mentions appear in that line of the text. ``LINE`` is the line
number printed by ``show``; ``SURFACE`` is the mention as it stands in the text
(raw, with its pinyin/noise, or already simplified: it is matched on normalised
text); ``@N`` picks the N-th occurrence after the previous mention of the line when
earlier ones are deliberately left out. Blocks start with ``# doc ID``.

    python annotations/tools/mentions.py show c0001 c0002
    python annotations/tools/mentions.py apply work/slice1.txt work/slice1.jsonl
    python annotations/tools/mentions.py render work/slice1.jsonl [ID ...]
    python annotations/tools/mentions.py dump work/slice1.jsonl > work/slice1.txt
"""

from __future__ import annotations

import argparse
import bisect
import json
import re
import sys
from functools import lru_cache
from pathlib import Path

from medcoop.annotation.document import LABELS, AnnotatedDocument, Span
from medcoop.annotation.formats import read_jsonl, write_jsonl
from medcoop.annotation.standoff import shared_dir
from medcoop.text.normalize import normalize

SHARED = shared_dir()


@lru_cache(maxsize=1)
def source_documents() -> dict[str, AnnotatedDocument]:
    """All documents to annotate: the five seeds and the passages of both corpus files."""
    docs: dict[str, AnnotatedDocument] = {}
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        docs[path.stem] = AnnotatedDocument(path.stem, path.read_text(encoding="utf-8"), [], f"seeds/{path.name}")
    for name in ("raw.jsonl", "extra.jsonl"):
        with open(SHARED / "corpus" / name, encoding="utf-8") as f:
            for line in f:
                obj = json.loads(line)
                docs[obj["id"]] = AnnotatedDocument(obj["id"], obj["text"], [], obj["source"])
    return docs


def line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def show(doc: AnnotatedDocument) -> str:
    lines = doc.text.split("\n")
    body = "\n".join(f"{n:>3}| {line}" for n, line in enumerate(lines, 1) if line.strip())
    return f"# doc {doc.id}  ({len(doc.text)} chars, source {doc.source})\n{body}\n"


def parse_mentions(path: Path) -> dict[str, list[tuple[int, int, str, str, int]]]:
    """``{doc_id: [(file_line, text_line, label, surface, occurrence)]}``."""
    blocks: dict[str, list] = {}
    current = None
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("# doc "):
            current = line[len("# doc "):].split()[0]
            blocks.setdefault(current, [])
            continue
        if line.startswith("#"):
            continue
        if current is None:
            raise SystemExit(f"{path}:{number}: mention before any '# doc ID' line")
        occurrence = 1
        found = re.search(r"\s@(\d+)$", line)
        if found:
            occurrence = int(found.group(1))
            line = line[: found.start()]
        parts = line.split(None, 2)
        lines_field = re.fullmatch(r"(\d+)(?:-(\d+))?", parts[0]) if parts else None
        if len(parts) < 3 or not lines_field:
            raise SystemExit(f"{path}:{number}: expected 'LINE LABEL SURFACE [@N]', got {line!r}")
        first = int(lines_field.group(1))
        last = int(lines_field.group(2) or first)
        blocks[current].append((number, (first, last), parts[1], parts[2], occurrence))
    return blocks


def resolve(doc: AnnotatedDocument, mentions, path: Path) -> tuple[list[Span], list[str]]:
    """Turn mention lines into raw-text spans; every failure becomes one error message."""
    starts = line_starts(doc.text)
    lines = doc.text.split("\n")
    cursor: dict[int, int] = {}
    spans: list[Span] = []
    errors: list[str] = []
    for file_line, (first, last), label, surface, occurrence in mentions:
        where = f"{path}:{file_line} ({doc.id}, line {first}, {label} {surface!r})"
        if label not in LABELS:
            errors.append(f"{where}: unknown label; use one of {', '.join(LABELS)}")
            continue
        if not 1 <= first <= last <= len(lines):
            errors.append(f"{where}: the document has {len(lines)} lines")
            continue
        # A LINE-LINE range lets a name that scraping broke across lines be one span.
        norm = normalize("\n".join(lines[first - 1 : last]))
        needle = normalize(surface).clean.strip()
        pattern = re.compile(r"\s*".join(map(re.escape, needle.replace(" ", ""))) if needle else "(?!)")
        pos = cursor.get(first, 0)
        found = None
        for _ in range(occurrence):
            found = pattern.search(norm.clean, pos)
            if found is None:
                break
            pos = found.end()
        if found is None:
            hint = " (it occurs earlier in the line: list mentions in text order)" if needle and pattern.search(norm.clean) else ""
            errors.append(f"{where}: not found after the previous mention of this line{hint}")
            continue
        raw = norm.to_raw(found.start(), found.end())
        cursor[first] = found.end()
        offset = starts[first - 1]
        spans.append(Span(offset + raw[0], offset + raw[1], label))
    spans.sort()
    for a, b in zip(spans, spans[1:]):
        if b.start < a.end:
            errors.append(f"{path}: {doc.id}: spans overlap: {doc.text[a.start:a.end]!r} and {doc.text[b.start:b.end]!r}")
    return spans, errors


def render(doc: AnnotatedDocument) -> str:
    """The text with ``⟦LABEL surface⟧`` around every span, numbered by line."""
    out, pos = [], 0
    for s in sorted(doc.spans):
        out.append(doc.text[pos:s.start])
        out.append(f"⟦{s.label} {doc.text[s.start:s.end]}⟧")
        pos = s.end
    out.append(doc.text[pos:])
    marked = "".join(out).split("\n")
    body = "\n".join(f"{n:>3}| {line}" for n, line in enumerate(marked, 1) if line.strip())
    return f"# doc {doc.id}  ({len(doc.spans)} spans)\n{body}\n"


def dump(doc: AnnotatedDocument) -> str:
    """Mention lines for an annotated document (inverse of ``apply``), with ``@N``
    wherever plain text order would pick an earlier occurrence."""
    starts = line_starts(doc.text)
    lines = doc.text.split("\n")
    rows = [f"# doc {doc.id}"]
    cursor: dict[int, int] = {}
    for s in sorted(doc.spans):
        line = bisect.bisect_right(starts, s.start)
        norm = normalize(lines[line - 1])
        lo, hi = norm.to_clean(s.start - starts[line - 1], s.end - starts[line - 1])
        needle = norm.clean[lo:hi]
        pos, occurrence = cursor.get(line, 0), 0
        while True:
            occurrence += 1
            found = norm.clean.find(needle, pos)
            if found >= lo or found < 0:
                break
            pos = found + len(needle)
        cursor[line] = hi
        suffix = f" @{occurrence}" if occurrence > 1 else ""
        rows.append(f"{line} {s.label} {doc.text[s.start:s.end]}{suffix}")
    return "\n".join(rows) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("show")
    p.add_argument("ids", nargs="+")
    p = sub.add_parser("apply")
    p.add_argument("mentions", type=Path)
    p.add_argument("out", type=Path)
    p = sub.add_parser("render")
    p.add_argument("jsonl", type=Path)
    p.add_argument("ids", nargs="*")
    p = sub.add_parser("dump")
    p.add_argument("jsonl", type=Path)
    args = parser.parse_args(argv)

    if args.command == "show":
        docs = source_documents()
        for doc_id in args.ids:
            if doc_id not in docs:
                raise SystemExit(f"unknown document {doc_id!r}")
            print(show(docs[doc_id]))
        return 0
    if args.command == "apply":
        docs = source_documents()
        blocks = parse_mentions(args.mentions)
        out, errors = [], []
        for doc_id, mentions in blocks.items():
            if doc_id not in docs:
                errors.append(f"{args.mentions}: unknown document {doc_id!r}")
                continue
            src = docs[doc_id]
            spans, errs = resolve(src, mentions, args.mentions)
            errors += errs
            out.append(AnnotatedDocument(src.id, src.text, spans, src.source))
        for e in errors:
            print("ERROR", e, file=sys.stderr)
        if errors:
            print(f"{len(errors)} errors; nothing written", file=sys.stderr)
            return 1
        write_jsonl(out, args.out)
        print(f"wrote {len(out)} documents, {sum(len(d.spans) for d in out)} spans to {args.out}")
        return 0
    docs = read_jsonl(args.jsonl)
    for doc in docs:
        if args.command == "render" and (not args.ids or str(doc.id) in args.ids):
            print(render(doc))
        elif args.command == "dump":
            print(dump(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
