"""Readers and builders of SentencePiece unigram tokenizers, shared by the encoder
conversion, the vocabulary pruning and the character tokenizer (kept apart so that
those three import this module rather than each other)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedTokenizerFast

__all__ = ["compile_charsmap", "make_xlmr_tokenizer", "charsmap_of", "unigram_vocab", "count_parameters"]


def compile_charsmap(norm_map: dict[str, str]) -> bytes:
    """Compile the engine's per-character normalisation table into a
    SentencePiece "precompiled charsmap".

    transformers 5 rebuilds an XLM-R tokenizer on load and keeps only a
    `Precompiled` normaliser, so the table has to take that form to survive
    save/load; sentencepiece's own builder produces it.
    """
    try:
        import sentencepiece as spm
        from sentencepiece import sentencepiece_model_pb2
    except ImportError as exc:  # pragma: no cover - sentencepiece is a dev dependency
        raise ImportError("compiling the normaliser needs sentencepiece: `pip install sentencepiece>=0.2`") from exc
    spm.set_min_log_level(1)  # its builder logs two INFO lines per call to stderr
    normalizer = spm.SentencePieceNormalizer(
        norm_map=sorted(norm_map.items()),
        add_dummy_prefix=False,
        escape_whitespaces=False,
        remove_extra_whitespaces=False,
    )
    spec = sentencepiece_model_pb2.NormalizerSpec()
    spec.ParseFromString(normalizer.serialized_normalizer_spec())
    return bytes(spec.precompiled_charsmap)


def make_xlmr_tokenizer(
    pieces: Sequence[str], scores: Iterable[float], charsmap: bytes, model_max_length: int = 512
) -> PreTrainedTokenizerFast:
    """XLM-R style unigram tokenizer over the given pieces (id = position).

    The first four pieces must be <s>, <pad>, </s>, <unk>: XLMRobertaTokenizer
    hard-codes unk_id=3 when it rebuilds itself on load.
    """
    from transformers import XLMRobertaTokenizer

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    if list(pieces[:4]) != specials:
        raise ValueError(f"pieces must start with {specials}, got {list(pieces[:4])}")
    if "<mask>" not in pieces:
        raise ValueError("pieces must contain <mask>")
    vocab = [(p, float(s)) for p, s in zip(pieces, scores, strict=True)]
    return XLMRobertaTokenizer(vocab=vocab, _spm_precompiled_charsmap=charsmap, model_max_length=model_max_length)


def charsmap_of(tokenizer) -> bytes:
    """The precompiled charsmap inside an XLM-R style fast tokenizer (to rebuild it pruned)."""
    import base64

    normalizer = json.loads(tokenizer.backend_tokenizer.to_str()).get("normalizer") or {}
    stack = [normalizer]
    while stack:
        node = stack.pop()
        if node.get("type") == "Precompiled":
            return base64.b64decode(node["precompiled_charsmap"])
        stack += node.get("normalizers", [])
    raise ValueError("the tokenizer has no Precompiled normaliser; build it with build_tokenizer()")


def unigram_vocab(tokenizer) -> list[tuple[str, float]]:
    """(piece, score) by id from a unigram fast tokenizer."""
    model = json.loads(tokenizer.backend_tokenizer.to_str())["model"]
    if model.get("type") != "Unigram":
        raise ValueError(f"expected a Unigram tokenizer, got {model.get('type')}")
    return [(p, float(s)) for p, s in model["vocab"]]


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())
