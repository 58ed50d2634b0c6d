"""One-token-per-character tokenizer over the (pruned) e5 vocabulary.

Why: Chinese NER labels characters. The e5 unigram tokenizer merges
characters into words, so an entity boundary that falls inside a word cannot
be labelled (about 5% of gold entities). Feeding every character as its own
token, with the id of the matching e5 piece, keeps every boundary reachable
at ~1.05 tokens per character and reuses the pretrained embeddings.

A character's id is the first that exists of:
  1. the piece equal to the character,
  2. the piece "▁" + character,
  3. the piece (or "▁" + piece) of the character after e5's normalisation
     (full-width forms, compatibility ideographs...: "，" -> ",", "Ａ" -> "A"),
  4. <unk>.
Whitespace characters, and characters e5's normalisation deletes (controls,
zero-width marks), map to the "▁" piece: the encoder saw those as word
separators or not at all, and a separator keeps the one-token-per-character
alignment.

Several characters can share an id (e.g. "," and "，"): `convert_ids_to_tokens`
returns the id's owner (","), the offsets point at the text as written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

import numpy as np

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

META = "\u2581"
SPECIALS = {"bos": "<s>", "pad": "<pad>", "eos": "</s>", "unk": "<unk>", "mask": "<mask>"}


@dataclass
class CharVocab:
    """Character -> e5 token id, for tokenizer-free, vectorised lookup at inference.

    `owner[id]` is the one character the tokenizer's word-level vocabulary
    lists for that id (the piece itself where it is one character); every
    other character with that id is an alias the tokenizer's normaliser
    rewrites to the owner first, because a `tokenizers` vocabulary cannot
    hold two strings with the same id (the duplicate is dropped on save).
    """

    char_to_id: dict[str, int]
    unk_id: int
    space_id: int
    special_ids: dict[str, int] = field(default_factory=dict)  # "<s>" -> 0, ...
    owner: dict[int, str] = field(default_factory=dict)

    @cached_property
    def table(self) -> np.ndarray:
        """Dense int64 lookup table indexed by code point (unk where unmapped)."""
        size = max(map(ord, self.char_to_id), default=0) + 1
        table = np.full(size, self.unk_id, dtype=np.int64)
        table[[ord(c) for c in self.char_to_id]] = list(self.char_to_id.values())
        return table

    def encode(self, text: str) -> np.ndarray:
        """Token ids of `text`, one per character, without <s>/</s>.

        Equal to the char tokenizer's ids except for a grapheme extender
        (combining mark, joiner) right after an alias character, which the
        tokenizer turns into <unk> (see `_alias_normalizer`).
        """
        cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64)
        table = self.table
        inside = cps < len(table)
        return np.where(inside, table[np.where(inside, cps, 0)], self.unk_id)

    def aliases(self) -> dict[str, str]:
        """Characters that share their id with another character -> that id's owner."""
        return {c: self.owner[i] for c, i in self.char_to_id.items() if self.owner.get(i, c) != c}

    def save(self, path: Path | str) -> None:
        """Write as JSON (inference then needs neither tokenizers nor sentencepiece)."""
        data = {
            "unk_id": self.unk_id,
            "space_id": self.space_id,
            "special_ids": self.special_ids,
            "owner": {str(i): c for i, c in self.owner.items()},
            "char_to_id": self.char_to_id,
        }
        Path(path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path | str) -> "CharVocab":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        owner = {int(i): c for i, c in data["owner"].items()}
        return cls(data["char_to_id"], data["unk_id"], data["space_id"], data["special_ids"], owner)


@lru_cache(maxsize=1)
def whitespace_chars() -> frozenset[str]:
    """Every character Python calls whitespace (29: \\t \\n \\r, NBSP, ideographic space...)."""
    return frozenset(chr(cp) for cp in range(0x110000) if chr(cp).isspace())


def build_char_vocab(vocab: Mapping[str, int], norm_map: Mapping[str, str] | None = None) -> CharVocab:
    """Resolve every character the vocabulary (and normalisation table) can
    express to a token id, by the rules in the module docstring.

    `vocab`: piece -> id, e.g. `xlmr_tokenizer.get_vocab()`.
    `norm_map`: e5's per-character normalisation (`E5File.norm_map`, or
    `norm_map_of(tokenizer)`); without it rule 3 is skipped and full-width
    punctuation, common in Chinese text, becomes <unk>.
    """
    missing = [s for s in (SPECIALS["unk"], META) if s not in vocab]
    if missing:
        raise ValueError(f"the vocabulary lacks {missing}: build the char vocab from an e5/XLM-R vocabulary")
    mapping: dict[str, int] = {}
    owner: dict[int, str] = {}
    for piece, idx in sorted(vocab.items()):  # rule 1
        if len(piece) == 1:
            mapping[piece] = idx
            owner[idx] = piece
    for piece, idx in sorted(vocab.items()):  # rule 2
        if len(piece) == 2 and piece[0] == META and piece[1] not in mapping:
            mapping[piece[1]] = idx
            owner.setdefault(idx, piece[1])
    space_id = vocab[META]
    for src, dst in sorted((norm_map or {}).items()):  # rule 3
        if src in mapping:
            continue
        if dst == "" or dst.isspace():
            idx = space_id
        elif dst in vocab:
            idx = vocab[dst]
        elif META + dst in vocab:
            idx = vocab[META + dst]
        else:
            continue
        mapping[src] = idx
        owner.setdefault(idx, src)
    for ch in whitespace_chars():
        mapping[ch] = space_id
    special_ids = {tok: vocab[tok] for tok in SPECIALS.values() if tok in vocab}
    return CharVocab(mapping, vocab[SPECIALS["unk"]], space_id, special_ids, owner)


def norm_map_of(tokenizer) -> dict[str, str]:
    """Per-character normalisation table inside an XLM-R style tokenizer
    (decompiled from its Precompiled charsmap with sentencepiece)."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    from medcoop.training.encoder.sentencepiece_model import charsmap_of

    spec = sentencepiece_model_pb2.NormalizerSpec(name="e5", precompiled_charsmap=charsmap_of(tokenizer))
    pairs = spm.SentencePieceNormalizer(normalizer_spec=spec).Decompile()
    return {src: dst for src, dst in pairs if len(src) == 1}


def char_vocab_of(xlmr_tokenizer: PreTrainedTokenizerFast) -> CharVocab:
    """`CharVocab` for an e5/XLM-R style tokenizer (full or pruned)."""
    return build_char_vocab(xlmr_tokenizer.get_vocab(), norm_map_of(xlmr_tokenizer))


def _char_class(chars: Iterable[str]) -> str:
    return "[" + "".join(f"\\x{{{ord(c):X}}}" for c in sorted(chars)) + "]"


# Characters that extend a grapheme cluster: marks, joiners, half-width kana
# voicing marks, Thai/Lao AM, emoji modifiers, tags.
_GRAPHEME_EXTENDERS = (
    r"[\p{M}\x{200C}\x{200D}\x{FF9E}\x{FF9F}\x{0E33}\x{0EB3}\x{1F3FB}-\x{1F3FF}\x{E0020}-\x{E007F}]"
)


def _alias_normalizer(char_vocab: CharVocab):
    """Normaliser rewriting every alias to its owner, one character for one
    character, so offsets stay exact.

    1. whitespace -> "▁" (a plain Replace: also splits "\\r\\n", which the
       next step would otherwise treat as one grapheme);
    2. a grapheme extender right after an alias -> a placeholder that maps to
       <unk>: the Precompiled normaliser rewrites a whole grapheme cluster by
       its first character's rule, which would swallow the extender and
       leave a character without a token;
    3. the other aliases -> owners, via a Precompiled charsmap (one pass, fast;
       a Replace per owner would cost ~4 ms a sentence).
    """
    from tokenizers import Regex, normalizers

    from medcoop.training.encoder.sentencepiece_model import compile_charsmap

    space = char_vocab.owner.get(char_vocab.space_id, META)
    steps = [normalizers.Replace(Regex(_char_class(whitespace_chars())), space)]
    aliases = {c: o for c, o in char_vocab.aliases().items() if c not in whitespace_chars()}
    if aliases:
        placeholder = next(chr(cp) for cp in range(0xFDD0, 0xFDF0) if chr(cp) not in char_vocab.char_to_id)
        steps.append(normalizers.Replace(Regex(f"(?<={_char_class(aliases)}){_GRAPHEME_EXTENDERS}"), placeholder))
        steps.append(normalizers.Precompiled(compile_charsmap(aliases)))
    return normalizers.Sequence(steps)


def build_char_tokenizer(char_vocab: CharVocab, model_max_length: int = 512) -> PreTrainedTokenizerFast:
    """A `PreTrainedTokenizerFast` emitting exactly one token per character,
    framed as <s> ... </s>, with exact character offsets.

    Built from `tokenizers` parts (no custom Python class), so it saves with
    `save_pretrained`, loads with `AutoTokenizer` and works in
    `pipeline("token-classification")`.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    ids = char_vocab.special_ids
    for name in ("bos", "eos", "pad", "unk"):
        if SPECIALS[name] not in ids:
            raise ValueError(f"the char vocab lacks {SPECIALS[name]!r}; build it from an e5/XLM-R vocabulary")
    word_vocab = {c: i for i, c in char_vocab.owner.items()} | ids
    backend = Tokenizer(models.WordLevel(word_vocab, unk_token=SPECIALS["unk"]))
    backend.normalizer = _alias_normalizer(char_vocab)
    # every character, newlines and other whitespace included, is its own word
    backend.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    bos, eos = SPECIALS["bos"], SPECIALS["eos"]
    backend.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, ids[bos]), (eos, ids[eos])],
    )
    backend.decoder = decoders.Sequence([decoders.Replace(META, " "), decoders.Fuse()])
    specials = {f"{name}_token": tok for name, tok in SPECIALS.items() if tok in ids}
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        cls_token=bos,
        sep_token=eos,
        model_max_length=model_max_length,
        # "<s>" typed in a text is three characters, not a sentence start
        split_special_tokens=True,
        **specials,
    )


def char_tokenizer_of(xlmr_tokenizer: PreTrainedTokenizerFast) -> PreTrainedTokenizerFast:
    """One-token-per-character tokenizer sharing the ids of `xlmr_tokenizer`."""
    return build_char_tokenizer(char_vocab_of(xlmr_tokenizer), xlmr_tokenizer.model_max_length)


CHAR_VOCAB_FILE = "char_vocab.json"


def save_char_tokenizer(char_vocab: CharVocab, out_dir: Path | str, model_max_length: int = 512) -> Path:
    """Save the char tokenizer (`save_pretrained` layout) and, next to it,
    `char_vocab.json` for inference code that looks ids up with numpy."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    build_char_tokenizer(char_vocab, model_max_length).save_pretrained(out_dir)
    char_vocab.save(out_dir / CHAR_VOCAB_FILE)
    return out_dir


def load_char_vocab(folder: Path | str) -> CharVocab:
    """The `CharVocab` saved by `save_char_tokenizer` (no tokenizer library needed)."""
    path = Path(folder) / CHAR_VOCAB_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: write it with save_char_tokenizer() or CharVocab.save()")
    return CharVocab.load(path)
