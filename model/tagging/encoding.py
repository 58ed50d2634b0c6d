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

import numpy as np

from medcoop.annotation.bio import tags_to_spans
from medcoop.annotation.document import Span
from medcoop.text.sentences import split_sentences

__all__ = ["Encoded", "encode_texts", "plan_windows", "sentence_starts", "token_labels", "decode_spans", "special_ids"]


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
        offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
        keep = offsets[:, 1] > offsets[:, 0]
        encoded.append(Encoded(ids[keep], offsets[keep, 0], offsets[keep, 1]))
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


def decode_spans(enc: Encoded, tag_ids: np.ndarray, scores: np.ndarray, id2label: dict[int, str]):
    """Entities from per-token tags, as ``(char_start, char_end, label, score)``:
    strict decoding (:func:`medcoop.annotation.bio.tags_to_spans`), the score being the
    mean tag probability over the entity's tokens."""
    if len(tag_ids) == 0:
        return []
    tags = [id2label[int(i)] for i in tag_ids]
    return [
        (int(enc.starts[s]), int(enc.ends[e - 1]), label, float(np.mean(scores[s:e])))
        for s, e, label in tags_to_spans(tags, strict=True)
    ]
