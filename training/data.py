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

__all__ = ["load_splits", "subset_ids", "resolve_data", "documents_to_windows", "file_digest", "unlabelled_passages"]


def load_splits(path: str | Path, rounds: tuple[str, ...] = ("round1", "round2")) -> dict[str, list[str]]:
    """The fixed document split: ``{"train": [ids], "dev": [ids], "test": [ids]}``, the
    round-1 split and the round-2 one (``"round2"``, every passage of extra.jsonl) together,
    or only the annotation rounds named in ``rounds``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    parts = [*([data] if "round1" in rounds else []),
             *([data["round2"]] if "round2" in data and "round2" in rounds else [])]
    return {name: [i for part in parts for i in (part[name]["ids"] if isinstance(part[name], dict) else part[name])]
            for name in ("train", "dev", "test")}


def resolve_data(spec: str, *, splits: str | Path, annotations: list[str], datasets_dir: str | Path,
                 allow_test: bool = False) -> tuple[list[AnnotatedDocument], str]:
    """Documents named by a data spec (see :mod:`medcoop.training.config`) and a
    one-line description of where they came from, for the training record."""
    kind, _, rest = spec.partition(":")
    if kind == "annotations":
        split, *subset = rest.split(":")
        if split == "test" and not allow_test:
            raise ValueError("the test split is kept for the benchmark; train and tune on 'train' and 'dev' only")
        if split not in ("train", "dev", "test"):
            raise ValueError(f"data {spec!r}: unknown split {split!r}; use annotations:train, annotations:dev or annotations:test")
        ids = set(subset_ids(load_splits(resolve_project_path(splits), rounds=_rounds(spec, subset))[split],
                             _fraction(spec, subset)))
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


def subset_ids(ids: list[str], fraction: float) -> list[str]:
    """The first ``fraction`` of ``ids`` in one fixed shuffled order, so that the 25% subset
    of a learning curve lies inside the 50% one, whatever order the split file lists them in."""
    if fraction >= 1:
        return list(ids)
    order = sorted(ids, key=lambda i: hashlib.sha256(f"learning-curve:{i}".encode()).hexdigest())
    return order[: max(1, round(len(order) * fraction))]


def _rounds(spec: str, subset: list[str]) -> tuple[str, ...]:
    rounds = tuple(part for part in subset if not part.endswith("%"))
    if any(r not in ("round1", "round2") for r in rounds) or len(rounds) > 1:
        raise ValueError(f"data {spec!r}: name at most one annotation round, round1 or round2 "
                         "(e.g. annotations:train:round1:50%)")
    return rounds or ("round1", "round2")


def _fraction(spec: str, subset: list[str]) -> float:
    percents = [part for part in subset if part.endswith("%")]
    try:
        value = float(percents[0][:-1]) / 100 if percents else 1.0
    except ValueError:
        value = -1.0
    if len(percents) > 1 or not 0 < value <= 1:
        raise ValueError(f"data {spec!r}: a subset is one percentage between 0 and 100, e.g. annotations:train:25%")
    return value


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
