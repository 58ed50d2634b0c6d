"""Stand-off annotations: our spans and events, joined to texts that live elsewhere.

The passages and seeds we annotate are other people's writing, so the repository
keeps only the annotation of each: the document id, where its text lives, a SHA-256
of that text, and the spans. A stand-off line reads

    {"id": "c0001", "source": "http://...", "text_in": "shared:corpus/raw.jsonl",
     "sha256": "9f2c...", "spans": [{"start": 0, "end": 6, "label": "INST"}]}

``text_in`` is either ``shared:PATH`` (a file of the shared data folder: a JSON Lines
file of ``{"id", "text"}`` objects, or a ``.txt`` file that is the text, read byte for
byte) or a path relative to the annotation file. Loading joins text and spans and
fails with a clear message when the text is missing or has changed, since spans
into a changed text point at the wrong characters.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from medcoop.constants import REPOSITORY

__all__ = ["SHARED_PREFIX", "shared_dir", "text_sha256", "texts_of", "join_text", "inline", "to_standoff", "StandoffError"]

SHARED_PREFIX = "shared:"


class StandoffError(ValueError):
    """A stand-off line whose text cannot be found or no longer matches its hash."""


def shared_dir() -> Path:
    """The shared data folder: ``$MEDCOOP_SHARED``, else ``../shared`` beside the repository."""
    env = os.environ.get("MEDCOOP_SHARED")
    return Path(env) if env else REPOSITORY.parent / "shared"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def texts_of(path: str | Path) -> dict[str, str]:
    """``{id: text}`` of a ``{"id", "text"}`` JSON Lines file (a corpus file of the shared
    folder), in file order; read once while the file is unchanged."""
    path = Path(path)
    return _jsonl_texts(path, path.stat().st_mtime)


@lru_cache(maxsize=16)
def _jsonl_texts(path: Path, mtime: float) -> dict[str, str]:
    texts = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                obj = json.loads(line)
                texts[str(obj["id"])] = obj["text"]
    return texts


def _locate(text_in: str, base: Path) -> Path:
    if text_in.startswith(SHARED_PREFIX):
        return shared_dir() / text_in[len(SHARED_PREFIX):]
    return base / text_in


def join_text(obj: dict, base: Path) -> dict:
    """The full-format object of a stand-off line: its ``text`` read from ``text_in``."""
    doc_id = str(obj.get("id"))
    path = _locate(obj["text_in"], base)
    if not path.exists():
        hint = " (set MEDCOOP_SHARED to the shared data folder)" if obj["text_in"].startswith(SHARED_PREFIX) else ""
        raise StandoffError(f"document {doc_id}: its text should be in {path}, which does not exist{hint}")
    if path.suffix == ".jsonl":
        texts = texts_of(path)
        if doc_id not in texts:
            raise StandoffError(f"document {doc_id}: no line with this id in {path}")
        text = texts[doc_id]
    else:
        with open(path, encoding="utf-8", newline="") as f:  # newline="": offsets index the file as stored
            text = f.read()
    if "sha256" in obj and text_sha256(text) != obj["sha256"]:
        raise StandoffError(
            f"document {doc_id}: the text in {path} has changed since it was annotated (SHA-256 differs); "
            "the spans would point at the wrong characters: restore the text or re-annotate the document"
        )
    joined = {k: v for k, v in obj.items() if k not in ("text_in", "sha256")}
    joined["text"] = text
    return joined


def inline(obj: dict, base: Path) -> dict:
    """A parsed line as a full-format object: a stand-off line (``text_in``, no ``text``)
    joined to its text, any other line as it is. ``base`` is the annotation file's folder."""
    if isinstance(obj, dict) and "text_in" in obj and "text" not in obj:
        return join_text(obj, base)
    return obj


def to_standoff(full: dict, text_in: str) -> dict:
    """A full-format object (``text`` inline) as a stand-off line pointing at ``text_in``."""
    out = {"id": full["id"]}
    if full.get("source") is not None:
        out["source"] = full["source"]
    out["text_in"] = text_in
    out["sha256"] = text_sha256(full["text"])
    out.update({k: v for k, v in full.items() if k not in ("id", "source", "text")})
    return out
