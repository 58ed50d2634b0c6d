"""The event lexicon: word lists the event features read (``data/lexicon.json``).

Kept as data, not as regexes spread over the code, so that a list can change and the
change be measured; the scorer records the lexicon version it was trained with.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["LEXICON_FILE", "lexicon", "words"]

LEXICON_FILE = Path(__file__).resolve().parent / "data" / "lexicon.json"


@lru_cache(maxsize=1)
def lexicon() -> dict:
    return json.loads(LEXICON_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def words(name: str) -> re.Pattern:
    """A pattern matching any word of list ``name`` (longest first)."""
    items = sorted(lexicon()[name], key=len, reverse=True)
    return re.compile("|".join(map(re.escape, items)))
