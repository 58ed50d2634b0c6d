"""The documents of a corpus job, one at a time, from text files, folders of
``.txt`` files and JSON Lines files (``{"id", "text", ...}``).

Inputs are streamed: a JSON Lines file of any size is read line by line. A
document that cannot be read (bad encoding, binary data, no text, a broken JSON
line, an id seen before) comes out as an :class:`InputDocument` with its
``error`` set, so the job records it and goes on. Every document has an
``origin`` (``path`` or ``path:line``) that no other document of the same inputs
shares: it is what ``--resume`` recognises finished documents by.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medcoop.text.reading import UnreadableInput, decode, read_file

__all__ = ["InputDocument", "iter_inputs", "count_inputs", "JSONL_SUFFIXES"]

JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class InputDocument:
    """One document to extract, or the reason it cannot be (``error``)."""

    id: str
    origin: str
    text: str | None = None
    fields: dict = field(default_factory=dict)
    error: str | None = None


def iter_inputs(paths: Iterable[str | Path], encoding: str | None = None) -> Iterator[InputDocument]:
    """Documents of ``paths`` in order: a folder gives its ``.txt`` files (sorted, at
    any depth), a ``.jsonl`` file one document per line, any other file one document
    (id: the path as given)."""
    seen: set[str] = set()
    for path in paths:
        path = Path(path)
        for doc in _documents_of(path, encoding):
            if doc.error is None and doc.id in seen:
                doc = InputDocument(doc.id, doc.origin, error="duplicate id: an earlier document has the same id")
            seen.add(doc.id)
            yield doc


def count_inputs(paths: Iterable[str | Path]) -> int:
    """How many documents :func:`iter_inputs` will give (for a progress bar's ETA);
    reads JSON Lines files as bytes, counting their non-blank lines."""
    total = 0
    for path in map(Path, paths):
        if path.is_dir():
            total += sum(1 for _ in _text_files(path))
        elif path.suffix.lower() in JSONL_SUFFIXES and path.is_file():
            with path.open("rb") as f:
                total += sum(1 for line in f if line.strip())
        else:
            total += 1
    return total


def _documents_of(path: Path, encoding: str | None) -> Iterator[InputDocument]:
    if path.is_dir():
        for file in _text_files(path):
            yield _text_document(file, encoding)
    elif path.suffix.lower() in JSONL_SUFFIXES and path.is_file():
        yield from _jsonl_documents(path)
    else:
        yield _text_document(path, encoding)


def _text_files(folder: Path) -> Iterator[Path]:
    return iter(sorted(p for p in folder.rglob("*.txt") if p.is_file()))


def _text_document(path: Path, encoding: str | None) -> InputDocument:
    name = str(path)
    try:
        read = read_file(path, encoding)
    except UnreadableInput as e:
        return InputDocument(name, name, error=str(e))
    except OSError as e:
        return InputDocument(name, name, error=f"cannot read {name}: {e.strerror or e}")
    return _checked(InputDocument(name, name, read.text), binary_check=False)  # read_file checked it


def _jsonl_documents(path: Path) -> Iterator[InputDocument]:
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            origin = f"{path}:{number}"
            try:
                row = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
            except UnicodeDecodeError as e:
                yield InputDocument(origin, origin, error=f"{origin}: not UTF-8 ({e.reason} at byte {e.start}); "
                                                          "JSON Lines files must be UTF-8")
                continue
            except json.JSONDecodeError as e:
                yield InputDocument(origin, origin, error=f"{origin}: not a JSON line ({e.msg})")
                continue
            if not isinstance(row, dict) or row.get("id") in (None, ""):
                yield InputDocument(origin, origin, error=f'{origin}: a line must be an object with an "id" and a "text"')
                continue
            doc_id = str(row["id"])
            text = row.get("text")
            if not isinstance(text, str):
                yield InputDocument(doc_id, origin, error=f'{origin}: "text" must be a string')
                continue
            fields = {k: v for k, v in row.items() if k not in ("id", "text")}
            yield _checked(InputDocument(doc_id, origin, text, fields), binary_check=True)


def _checked(doc: InputDocument, binary_check: bool) -> InputDocument:
    """Refuse empty texts, and binary data that came through JSON as text."""
    if not doc.text or not doc.text.strip():
        return InputDocument(doc.id, doc.origin, error=f"{doc.origin}: empty, no text to read")
    if not binary_check:
        return doc
    try:
        decode(doc.text.encode("utf-8", errors="surrogatepass"), doc.origin)
    except (UnreadableInput, UnicodeDecodeError) as e:
        return InputDocument(doc.id, doc.origin, error=str(e) if isinstance(e, UnreadableInput) else
                             f"{doc.origin}: holds characters that are not text")
    return doc
