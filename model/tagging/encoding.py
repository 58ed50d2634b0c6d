"""Clean text <-> model tokens: tokenising with character offsets, sliding windows,
per-token training labels and span decoding. Shared by training and inference so
both see the model's input the same way.

Tokens are tied to characters through the tokenizer's offset mapping, which works
for every fast tokenizer: a one-token-per-character vocabulary (our shipped model),
Chinese BERT WordPiece (one token per Han character, ASCII words whole), or plain
SentencePiece (multi-character pieces, where an entity boundary inside a piece
cannot be tagged; the model card measures how often that happens).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np

from medcoop.annotation.bio import tags_to_spans
from medcoop.annotation.document import Span
from medcoop.text.sentences import split_sentences

__all__ = [
    "Encoded", "encode_texts", "plan_windows", "sentence_starts", "token_labels", "decode_spans", "special_ids",
    "LabelScheme", "label_scheme", "token_spans",
]


@dataclass
class Encoded:
    """Tokens of one clean text: ids and the clean characters ``starts[i]:ends[i]``."""

    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def encode_texts(tokenizer, texts: list[str]) -> list[Encoded]:
    """Tokenise several clean texts in one call (the Rust tokenizer parallelises it).

    Special tokens are left out here and added per window; tokens covering no
    character (a lone ``▁`` some SentencePiece vocabularies emit) are dropped since
    they carry no label.
    """
    if not texts:
        return []
    # The Rust tokenizer directly: no length warning (windows come later) and no
    # Python-side BatchEncoding to build.
    out = tokenizer.backend_tokenizer.encode_batch(list(texts), add_special_tokens=False)
    encoded = []
    for enc in out:
        ids = np.asarray(enc.ids, dtype=np.int64)
        offsets = np.fromiter(chain.from_iterable(enc.offsets), dtype=np.int64, count=2 * len(ids)).reshape(-1, 2)
        starts, ends = offsets[:, 0], offsets[:, 1]
        keep = ends > starts
        if keep.all():  # the usual case: no copies to make
            encoded.append(Encoded(ids, starts, ends))
        else:
            encoded.append(Encoded(ids[keep], starts[keep], ends[keep]))
    return encoded


def special_ids(tokenizer) -> tuple[int, int]:
    """The ids that open and close a sequence: [CLS]/[SEP] for BERT, <s>/</s> for XLM-R."""
    first = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    last = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    if first is None or last is None:
        raise ValueError("the tokenizer has neither CLS/SEP nor BOS/EOS tokens; a BERT-style encoder needs them")
    return first, last


def plan_windows(n_tokens: int, size: int, margin: int, breaks: Sequence[int] = ()) -> list[tuple[int, int, int, int]]:
    """Cover ``n_tokens`` with windows of at most ``size`` tokens.

    Returns ``(start, end, core_start, core_end)`` per window. Each token is predicted
    in the one window whose *core* holds it, at least ``margin`` tokens away from that
    window's cut edges, so the model always sees context on both sides and an entity
    crossing a cut is read whole in one window. The cores tile ``[0, n_tokens)`` exactly.

    ``breaks`` are token positions where a sentence starts. Then a window starts on a
    sentence start (reaching up to ``margin`` tokens further back for one), and a core
    ends at the last break that leaves it at least half its full length, so the model
    reads whole sentences and the same sentence gets the same entities wherever it
    stands in a long text; without a break in reach, the fixed cut is used.
    """
    if size <= 2 * margin:
        raise ValueError(f"window size {size} must exceed twice the margin {margin}")
    if n_tokens <= size:
        return [(0, n_tokens, 0, n_tokens)]
    breaks = np.asarray(sorted(b for b in set(breaks) if 0 < b < n_tokens), dtype=np.int64)
    windows = []
    core_start = 0
    while True:
        start = max(0, core_start - margin)
        if start > 0:
            sentence = breaks[(breaks <= start) & (breaks >= max(0, core_start - 2 * margin))]
            if len(sentence):
                start = int(sentence[-1])
        if n_tokens - start <= size:
            windows.append((start, n_tokens, core_start, n_tokens))
            return windows
        limit = start + size - margin  # the window must also hold margin tokens after the core
        shortest = core_start + (limit - core_start) // 2
        reachable = breaks[(breaks >= shortest) & (breaks <= limit)]
        core_end = int(reachable[-1]) if len(reachable) else limit
        windows.append((start, core_end + margin, core_start, core_end))
        core_start = core_end


def sentence_starts(enc: "Encoded", text: str) -> np.ndarray:
    """Token positions where a sentence of ``text`` starts (:func:`medcoop.text.sentences.split_sentences`)."""
    return np.searchsorted(enc.starts, [start for start, _ in split_sentences(text)], side="left")


def token_labels(enc: Encoded, spans: list[Span], label2id: dict[str, int]) -> np.ndarray:
    """Training label of each token: the BIO tag of its first character, except that a
    token which an entity starts inside of (an unreachable boundary) still opens it."""
    n_chars = int(enc.ends.max()) if len(enc) else 0
    char_tags = np.zeros(n_chars + 1, dtype=np.int64)
    begins = np.zeros(n_chars + 1, dtype=np.int64)
    for s in spans:
        if s.start >= n_chars:
            continue
        char_tags[s.start] = label2id[f"B-{s.label}"]
        char_tags[s.start + 1 : s.end] = label2id[f"I-{s.label}"]
        begins[s.start] = label2id[f"B-{s.label}"]
    labels = char_tags[enc.starts]
    # An entity that starts strictly inside a token: let the token begin it.
    cum = np.concatenate([[0], np.cumsum(begins > 0)])
    inside = cum[enc.ends] - cum[enc.starts + 1] > 0
    if inside.any():
        for i in np.flatnonzero(inside & (labels == 0)):
            labels[i] = begins[enc.starts[i] + 1 : enc.ends[i]].max()
    return labels


@dataclass(frozen=True, eq=False)
class LabelScheme:
    """The model's labels as arrays for vectorised span decoding.

    ``prefix[id]``: 1 for ``B-``, 2 for ``I-``, 0 for anything else (``O``); ``name[id]``
    indexes ``names`` (``-1`` for none). ``bio`` is False when a label uses another
    scheme's prefix (``S-``, ``E-``, ``M-``): those are decoded by the general loop of
    :func:`medcoop.annotation.bio.tags_to_spans`."""

    labels: tuple[str, ...]
    prefix: np.ndarray
    name: np.ndarray
    names: tuple[str, ...]
    bio: bool


def label_scheme(id2label: dict[int, str]) -> LabelScheme:
    """The :class:`LabelScheme` of a model's ``id2label`` (cached)."""
    return _label_scheme(tuple(sorted((int(k), v) for k, v in id2label.items())))


@lru_cache(maxsize=16)
def _label_scheme(items: tuple[tuple[int, str], ...]) -> LabelScheme:
    size = max((i for i, _ in items), default=-1) + 1
    labels = [""] * size
    prefix = np.zeros(size, dtype=np.int8)
    name = np.full(size, -1, dtype=np.int64)
    names: list[str] = []
    bio = True
    for i, label in items:
        labels[i] = label
        head, _, tail = label.partition("-")
        if head in ("S", "E", "M"):
            bio = False
        if head in ("B", "I", "S", "E", "M"):
            prefix[i] = {"B": 1, "I": 2}.get(head, 3)
            if tail not in names:
                names.append(tail)
            name[i] = names.index(tail)
    return LabelScheme(tuple(labels), prefix, name, tuple(names), bio)


def token_spans(tag_ids: np.ndarray, scores: np.ndarray, scheme: LabelScheme):
    """Strict decoding of per-token tags, vectorised: ``(starts, ends, names, means)``
    arrays of token positions (end exclusive), name indices into ``scheme.names`` and
    the mean tag probability over each entity's tokens, equal bit for bit to
    ``np.mean(scores[start:end])``.

    A span opens on ``B-X`` and runs over the ``I-X`` that follow; a run of inside tags
    with no opening tag is dropped (:func:`medcoop.annotation.bio.tags_to_spans`, strict)."""
    tag_ids = np.asarray(tag_ids, dtype=np.int64)
    n = len(tag_ids)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, _span_means(np.asarray(scores), empty, empty)
    if scheme.bio:
        prefix, name = scheme.prefix[tag_ids], scheme.name[tag_ids]
        opens, inside = prefix == 1, prefix == 2
        # A token continues the one before it when it is I-X after B-X or I-X; chains of
        # such tokens are the candidate spans, kept when they begin with a B-.
        cont = np.zeros(n, dtype=bool)
        cont[1:] = inside[1:] & (name[1:] == name[:-1]) & (opens[:-1] | inside[:-1])
        first = np.flatnonzero(~cont)
        last = np.append(first[1:], n)
        keep = opens[first]
        starts, ends = first[keep], last[keep]
        names = name[starts]
    else:
        spans = tags_to_spans([scheme.labels[i] for i in tag_ids], strict=True)
        starts = np.array([s for s, _, _ in spans], dtype=np.int64)
        ends = np.array([e for _, e, _ in spans], dtype=np.int64)
        names = np.array([scheme.names.index(label) for _, _, label in spans], dtype=np.int64)
    return starts, ends, names, _span_means(np.asarray(scores), starts, ends)


def _span_means(scores: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``np.mean(scores[s:e])`` for every span, a numpy call per distinct span length:
    a row-wise mean over equal-length rows reduces each row exactly as ``np.mean`` does."""
    dtype = np.zeros((1, 1), dtype=scores.dtype).mean(axis=1).dtype
    means = np.empty(len(starts), dtype=dtype)
    lengths = ends - starts
    for length in np.unique(lengths).tolist():
        rows = np.flatnonzero(lengths == length)
        means[rows] = scores[starts[rows, None] + np.arange(length)].mean(axis=1)
    return means


def decode_spans(enc: Encoded, tag_ids: np.ndarray, scores: np.ndarray, id2label: dict[int, str]):
    """Entities from per-token tags, as ``(char_start, char_end, label, score)``:
    strict decoding (:func:`medcoop.annotation.bio.tags_to_spans`), the score being the
    mean tag probability over the entity's tokens."""
    if len(tag_ids) == 0:
        return []
    scheme = label_scheme(id2label)
    starts, ends, names, means = token_spans(tag_ids, scores, scheme)
    return [
        (start, end, scheme.names[name], mean)
        for start, end, name, mean in zip(enc.starts[starts].tolist(), enc.ends[ends - 1].tolist(), names.tolist(),
                                          means.tolist())
    ]
