"""Sentences of a raw text, as offsets: the unit events are read from and cited by."""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

_SENTENCE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+[”」』\"]?)?")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence; line breaks end sentences too (headlines,
    date lines and captions stand on their own lines in scraped news).

    >>> split_sentences("甲签约。乙出席！\\n标题")
    [(0, 4), (4, 8), (9, 11)]
    """
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        if start < end:
            spans.append((start, end))
    return spans
