"""Dates in news text: the article's own date, and event dates made ISO with it."""

from __future__ import annotations

import re
from datetime import date

__all__ = ["article_date", "find_date", "iso_date"]

_FULL = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})(?:日|号)?(?!\d)")
_MONTH_DAY = re.compile(r"(?:(?<!\d)((?:19|20)\d{2})\s*年\s*)?(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*(?:日|号)")
_YEAR_MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?!\s*\d)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")
_VAGUE = re.compile(r"日前|近日|近期|昨日|昨天|今日|今天")
_DATE_LINE = re.compile(r"(发布|發布|时间|時間|日期|来源|來源|编辑|發表|发表)")


def article_date(text: str) -> date | None:
    """The date the article carries: a date on a 发布时间/日期 line first, else the
    first full date in its opening 400 characters."""
    for line in text.split("\n")[:12]:
        if _DATE_LINE.search(line):
            found = _valid(_FULL.search(line))
            if found:
                return found
    return _valid(_FULL.search(text[:400]))


def _valid(m) -> date | None:
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def find_date(sentence: str, vague: bool = True) -> tuple[int, int] | None:
    """Offsets of the first date expression in a sentence: a full date, a month and
    day, a year and month, a year, or (with ``vague``) 日前/近日-like words."""
    patterns = (_FULL, _MONTH_DAY, _YEAR_MONTH, _YEAR) + ((_VAGUE,) if vague else ())
    for pattern in patterns:
        m = pattern.search(sentence)
        if m:
            return m.start(), m.end()
    return None


def iso_date(expression: str, reference: date | None) -> str:
    """``2024-11-08`` where the expression and the article's year allow, ``2024-11``
    for a month, else the expression itself.

    >>> iso_date("11月8日", date(2024, 11, 8))
    '2024-11-08'
    """
    m = _FULL.search(expression)
    if m and _valid(m):
        return _valid(m).isoformat()
    m = _MONTH_DAY.search(expression)
    if m:
        year = int(m.group(1)) if m.group(1) else (reference.year if reference else None)
        if year:
            try:
                return date(year, int(m.group(2)), int(m.group(3))).isoformat()
            except ValueError:
                pass
    m = _YEAR_MONTH.search(expression)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    m = _YEAR.search(expression)
    if m:
        return m.group(1)
    return expression
