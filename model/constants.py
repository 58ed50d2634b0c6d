"""Names and values that more than one module needs, defined once."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "LABELS", "CJK", "CJK_BASIC", "is_cjk", "REPOSITORY", "ANNOTATIONS_DIR", "DEFAULT_SPLITS",
    "DEFAULT_ANNOTATIONS", "CHAR_TOKENIZER_DIR", "EVENTS_FILE",
]

LABELS: tuple[str, ...] = ("INST", "ROLE", "PER", "AGR")
"""The four entity labels of the annotation guideline, in a fixed order."""

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
"""Every CJK ideograph block, as the body of a regex character class ``[{CJK}]``."""

CJK_BASIC = "\u4e00-\u9fff"
"""The unified block alone: where the names the rules look for are written; the
extension blocks hold rare characters that never start an organisation or place."""


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3134F


REPOSITORY = Path(__file__).resolve().parents[1]
"""The checkout this package was installed from (editable installs and the tests)."""

ANNOTATIONS_DIR = REPOSITORY / "annotations"
DEFAULT_SPLITS = ANNOTATIONS_DIR / "splits.json"
DEFAULT_ANNOTATIONS = tuple(ANNOTATIONS_DIR / name for name in ("seeds.jsonl", "corpus.jsonl", "extra.jsonl"))
"""The project's span files: the seeds, the round-1 passages and the round-2 passages."""
EVENTS_FILE = ANNOTATIONS_DIR / "events.jsonl"

CHAR_TOKENIZER_DIR = "char_tokenizer"
"""Sub-folder of a converted encoder that holds its one-token-per-character tokenizer."""
