"""Documents -> model windows: where training data comes from and how it is cut."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from medcoop.annotation.document import AnnotatedDocument, Span
from medcoop.tagging.encoding import encode_texts, plan_windows, special_ids, token_labels
from medcoop.annotation.formats import read_jsonl
from medcoop.annotation.standoff import texts_of
from medcoop.text.normalize import normalize

from medcoop.training.config import resolve_project_path
from medcoop.training.public_corpora import load_public

__all__ = ["load_splits", "resolve_data", "documents_to_windows", "file_digest", "unlabelled_passages"]


def load_splits(path: str | Path) -> dict[str, list[str]]:
    """The fixed document split: ``{"train": [ids], "dev": [ids], "test": [ids]}``, the
    round-1 split and the round-2 one (``"round2"``, every passage of extra.jsonl) together."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    parts = [data, *([data["round2"]] if "round2" in data else [])]
    return {name: [i for part in parts for i in (part[name]["ids"] if isinstance(part[name], dict) else part[name])]
            for name in ("train", "dev", "test")}


def resolve_data(spec: str, *, splits: str | Path, annotations: list[str], datasets_dir: str | Path,
                 allow_test: bool = False) -> tuple[list[AnnotatedDocument], str]:
    """Documents named by a data spec (see :mod:`medcoop.training.config`) and a
    one-line description of where they came from, for the training record."""
    kind, _, rest = spec.partition(":")
    if kind == "annotations":
        split = rest
        if split == "test" and not allow_test:
            raise ValueError("the test split is kept for the benchmark; train and tune on 'train' and 'dev' only")
        if split not in ("train", "dev", "test"):
            raise ValueError(f"data {spec!r}: unknown split {split!r}; use annotations:train, annotations:dev or annotations:test")
        ids = set(load_splits(resolve_project_path(splits))[split])
        docs = [d for path in annotations for d in read_jsonl(resolve_project_path(path)) if str(d.id) in ids]
        # round-2 passages are split before they are annotated: only round-1 ids must all be there
        missing = {i for i in ids if not i.startswith("x")} - {str(d.id) for d in docs}
        if missing:
            raise ValueError(f"{len(missing)} documents of split {split!r} are not in {annotations}: {sorted(missing)[:5]}")
        return docs, f"{spec}: {len(docs)} documents"
    if kind == "public":
        name, split, *limit = rest.split(":")
        docs, report = load_public(name, split, datasets_dir)
        if limit:
            docs = docs[: int(limit[0])]
        return docs, f"{spec}: {len(docs)} sentences ({report.sentences_left_out} left out by the mapping)"
    path = Path(spec)
    if not path.exists():
        raise FileNotFoundError(f"data {spec!r} is neither 'annotations:SPLIT', 'public:NAME:SPLIT' nor an existing file")
    docs = read_jsonl(path)
    return docs, f"{spec}: {len(docs)} documents (sha256 {file_digest(path)[:12]})"


def unlabelled_passages(splits: str | Path, annotations: list[str | Path], corpus: str | Path) -> list[tuple[str, str]]:
    """``(id, text)`` of the passages of ``corpus`` (a ``{"id", "text"}`` JSON Lines file,
    normally ``extra.jsonl``) that no annotation file holds, for self-training and
    distillation. Passages of the test split are never returned, annotated or not: the
    split is drawn for every passage so that the benchmark's documents never leak in
    as unlabelled text either."""
    test = set(load_splits(resolve_project_path(splits))["test"])
    annotated = {str(d.id) for path in annotations for d in read_jsonl(resolve_project_path(path))}
    return [(i, text) for i, text in texts_of(corpus).items() if i not in annotated and i not in test]


def file_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def documents_to_windows(docs: list[AnnotatedDocument], tokenizer, label2id: dict[str, int], max_length: int, margin: int,
                         batch: int = 512) -> dict[str, list]:
    """Model inputs for training: each document normalised, its raw-text spans moved
    onto the clean text, tokenised and cut into overlapping windows of at most
    ``max_length`` tokens (special tokens included)."""
    first, last = special_ids(tokenizer)
    columns: dict[str, list] = {"input_ids": [], "labels": []}
    for i in range(0, len(docs), batch):
        part = docs[i : i + batch]
        norms = [normalize(d.text) for d in part]
        encoded = encode_texts(tokenizer, [n.clean for n in norms])
        for doc, norm, enc in zip(part, norms, encoded):
            spans = []
            for s in doc.spans:
                lo, hi = norm.clean_span(s.start, s.end)
                if lo < hi:
                    spans.append(Span(lo, hi, s.label))
            labels = token_labels(enc, spans, label2id)
            for start, end in doc.meta.get("ignore", ()):
                lo, hi = norm.to_clean(start, end)
                labels[(enc.starts < hi) & (enc.ends > lo)] = -100  # the corpus never labels these: no O either
            for start, end, _, _ in plan_windows(len(enc), max_length - 2, margin):
                if end > start:
                    columns["input_ids"].append([first, *enc.ids[start:end].tolist(), last])
                    columns["labels"].append([-100, *labels[start:end].tolist(), -100])
    return columns
