"""Dates in news text: the article's own date, and event dates made ISO with it."""

from __future__ import annotations

import re
from datetime import date, timedelta

__all__ = ["article_date", "find_date", "iso_date", "is_date_line"]

# An article's own date stands in its first lines (headline, source line, date line);
# dates further down are the events it reports, so the search stops early.
_DATE_LINE_SEARCH_LINES = 12
_LEAD_CHARS = 400

_FULL = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})(?:日|号)?(?!\d)")
_MONTH_DAY = re.compile(r"(?:(?<!\d)((?:19|20)\d{2})\s*年\s*)?(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*(?:日|号)")
_YEAR_MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?!\s*\d)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")
# 去年8月, 上月28日, 今年3月5日: a month or day counted from the article's date.
_RELATIVE_MONTH = re.compile(r"(去年|今年|前年|明年|上月|本月|当月|上个月)\s*(?:(\d{1,2})\s*月)?\s*(?:(\d{1,2})\s*(?:日|号))?")
# 2日在厦门举行: a day of the article's own month (news of the week).
_DAY_ONLY = re.compile(r"(?<![\d月年号])(\d{1,2})\s*日(?=\s*(?:上午|下午|晚|在|于|,|，|举行|签))")
_VAGUE = re.compile(r"日前|近日|近期|前天|昨日|昨天|今日|今天|当天|当日")
_CN_DIGITS = re.compile("[〇零一二三四五六七八九十廿]")
_CN_MONTH_DAY = re.compile("(?:[〇零一二三四五六七八九]{4}年)?[一二三四五六七八九十]{1,2}月[一二三四五六七八九十廿]{1,3}[日号]")
# Relative days, counted back from the article's date; 日前/近日/近期 fix no day.
_RELATIVE = {"今天": 0, "今日": 0, "当天": 0, "当日": 0, "昨天": 1, "昨日": 1, "前天": 2}
# A date up to a week after the article is an announced one; further ahead, last year's.
_AHEAD = timedelta(days=7)
_DATE_LINE = re.compile(r"(发布|發布|时间|時間|日期|来源|來源|编辑|發表|发表)")


def article_date(text: str) -> date | None:
    """The date the article carries: a date on a 发布时间/日期 line first, else the
    first full date in its opening characters."""
    for line in text.split("\n")[:_DATE_LINE_SEARCH_LINES]:
        if _DATE_LINE.search(line):
            found = _valid(_FULL.search(line))
            if found:
                return found
    return _valid(_FULL.search(text[:_LEAD_CHARS]))


def _valid(m) -> date | None:
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def find_date(sentence: str, vague: bool = True) -> tuple[int, int] | None:
    """Offsets of the first date expression in a sentence: a full date, a month and
    day (Arabic or Chinese numerals), a year and month, a year, or (with ``vague``)
    relative words such as 昨日, 今天, 日前."""
    patterns = (_FULL, _MONTH_DAY, _CN_MONTH_DAY, _YEAR_MONTH, _YEAR) + ((_RELATIVE_MONTH, _DAY_ONLY, _VAGUE) if vague else ())
    for pattern in patterns:
        m = pattern.search(sentence)
        if m and (pattern is not _RELATIVE_MONTH or m.group(2) or m.group(3)):
            return m.start(), m.end()
    return None


def is_date_line(line: str) -> bool:
    """A page's date line (``发布时间：2022-08-28``, ``2024-11-08 10:15 来源：…``): it dates
    the page, not what the page reports."""
    return bool(_DATE_LINE.search(line)) or bool(re.fullmatch(r"[\d\s:：/.\-年月日时分秒]+", line))


def iso_date(expression: str, reference: date | None) -> str | None:
    """The ISO date of a date expression, or ``None`` when it does not fix one.

    ``reference`` is the article's own date: it supplies a missing year, rolling back
    a year when the month and day would fall after the article (an article of 3 January
    reporting 12月30日), and anchors 今天/昨日/前天. 日前, 近日 and a month and day without
    any year stay ``None``: the expression itself is what the text said (``date_text``).

    >>> iso_date("11月8日", date(2024, 11, 20))
    '2024-11-08'
    >>> iso_date("12月30日", date(2025, 1, 3))
    '2024-12-30'
    >>> iso_date("十一月八日", date(2024, 11, 20))
    '2024-11-08'
    >>> iso_date("去年8月", date(2016, 12, 4)), iso_date("上月28日", date(2023, 7, 2)), iso_date("2日", date(2019, 10, 20))
    ('2015-08', '2023-06-28', '2019-10-02')
    >>> iso_date("昨日", date(2024, 11, 9)), iso_date("日前", date(2024, 11, 9)), iso_date("5月26日", None)
    ('2024-11-08', None, None)
    """
    expression = _arabic(expression)
    m = _FULL.search(expression)
    if m and _valid(m):
        return _valid(m).isoformat()
    m = _MONTH_DAY.search(expression)
    if m:
        return _month_day(int(m.group(1)) if m.group(1) else None, int(m.group(2)), int(m.group(3)), reference)
    m = _YEAR_MONTH.search(expression)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    m = _YEAR.search(expression)
    if m:
        return m.group(1)
    m = _RELATIVE_MONTH.fullmatch(expression.strip())
    if m and reference is not None:
        return _relative_month(m, reference)
    m = re.fullmatch(r"(\d{1,2})\s*日", expression.strip())
    if m and reference is not None:
        return _day_of_month(int(m.group(1)), reference)
    days_back = _RELATIVE.get(expression.strip())
    if days_back is not None and reference is not None:
        return (reference - timedelta(days=days_back)).isoformat()
    return None


def _day_of_month(day: int, reference: date) -> str | None:
    """A bare day: of the article's month, or of the month before when it is later."""
    year, month = reference.year, reference.month
    if day > reference.day:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _relative_month(m, reference: date) -> str | None:
    """去年8月 -> the previous year's August; 上月28日 -> the 28th of the month before."""
    word, month, day = m.group(1), m.group(2), m.group(3)
    year = reference.year + {"去年": -1, "前年": -2, "明年": 1}.get(word, 0)
    if word in ("上月", "上个月"):
        year, month = (year, reference.month - 1) if reference.month > 1 else (year - 1, 12)
    elif word in ("本月", "当月"):
        month = reference.month
    if month is None:
        return None
    month = int(month)
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, int(day)).isoformat()
    except ValueError:
        return None


def _month_day(year: int | None, month: int, day: int, reference: date | None) -> str | None:
    if year is None:
        if reference is None:
            return None
        year = reference.year
        try:
            if date(year, month, day) > reference + _AHEAD:
                year -= 1  # reported after the fact: the previous year's date
        except ValueError:
            return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _arabic(expression: str) -> str:
    """Chinese numerals of a date as digits (十一月八日 -> 11月8日), with cn2an, which
    handles 〇/零, 十/廿 forms and digit-by-digit years (二〇二四年)."""
    if not _CN_DIGITS.search(expression):
        return expression
    import cn2an

    try:
        return cn2an.transform(expression, "cn2an")
    except (ValueError, KeyError):
        return expression
