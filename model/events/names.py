"""One name per institution within an article: the fullest form the article uses.

News names an institution in full once and then shortens it: 市中医院 after
威海市中医院, 中国科大 after 中国科学技术大学, 深圳市政府 next to 深圳市人民政府,
县政府 in an article about 衡阳县人民政府, or gives an alternative name in brackets
(衡水市人民医院(哈励逊国际和平医院)). Users count institutions, so each short form
maps to the full name - but only when exactly one full name fits, and never between
two institutions the article sets side by side (威海市中医院与威海市中心医院: the
first is a character subsequence of the second, yet they are two hospitals).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from medcoop.entity import Entity

__all__ = ["canonical_names", "is_abbreviation", "match_in_order"]

# Levels a short form may start with when it drops the place before it (县政府, 市卫健委).
_LEVEL = "省市县区州镇乡"
# 正崴 for 正崴集团: a company's short name drops its legal form.
_LEGAL_FORM = re.compile(r"^[^院校区]*(集团|公司)$")
# A leading place a short form may drop: regions by their short names, or a name ending
# in a level (衡阳县).
_REGIONS = ("中国|国家|香港|澳门|台湾|北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|"
            "湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|内蒙古|广西|西藏|宁夏|新疆")
_PLACE_PREFIX = re.compile(f"(?:{_REGIONS}|[^{_LEVEL}]{{1,4}}[{_LEVEL}])+")
# 市委, 县委, 党委: a committee is short only for the same committee of a named place.
_COMMITTEE = re.compile(f"^[{_LEVEL}党]委$")
# What a full name may not add inside a short one: a lower place (金山区枫泾镇人民政府
# is not 金山区人民政府), an ordinal (县第二人民医院 is not 县人民医院), a branch.
_DIFFERENT_UNIT = re.compile(f".[{_LEVEL}]$|第[一二三四五六七八九十0-9]|分院|院区|校区|集团")
# Generic heads a name ends with: a short form of such a name ends with it too.
_HEADS = set("院府局委司心厅所站会校部处办室")
_BRACKETED = re.compile(r"^[（(]$")
_SIDE_BY_SIDE = re.compile(r"^(与|和|同|及|、|,|，|以及|跟|/)$")


def is_abbreviation(short: str, full: str) -> bool:
    """``short`` reads as a shortening of ``full``: its characters appear in order in
    ``full`` (中国科大 in 中国科学技术大学), starting with its first character, or with a
    level character after a dropped place (县政府 in 衡阳县人民政府), and ending alike
    when the full name ends with a generic head (…医院, …政府).

    >>> is_abbreviation("中国科大", "中国科学技术大学"), is_abbreviation("县政府", "衡阳县人民政府")
    (True, True)
    >>> is_abbreviation("科大", "香港科技大学"), is_abbreviation("平潭医院", "中国福建平潭县立医院")
    (True, True)
    >>> is_abbreviation("北京大学", "北京协和医学院"), is_abbreviation("安徽建筑大学", "安徽建筑大学南校区")
    (False, False)
    """
    if len(short) >= len(full) or len(short) < 2:
        return False
    if full.startswith(short):  # 安徽建筑大学南校区: a part of it, unless the rest is a legal form
        return short[-1] not in _HEADS and bool(_LEGAL_FORM.search(full[len(short):]))
    if full.endswith(short):  # 市中医院 in 威海市中医院: the place dropped
        return True
    if _COMMITTEE.search(short):  # 市委 is the party committee, not 市卫健委
        return False
    if "中心" in full and "中心" not in short:  # 市中医院 is not 威海市中心医院
        return False
    if short[0] == full[0]:
        start = 0
    elif short[0] in _LEVEL and short[0] in full[1:]:
        start = full.index(short[0], 1)
    else:
        start = _after_place(full, short[0])
        if start is None:
            return False
    matched = match_in_order(full, short, start)
    if matched is None:
        return False
    if full[-1] in _HEADS and full[-1] != short[-1]:
        return False
    return not any(_DIFFERENT_UNIT.search(run) for run in _unmatched_runs(full, matched))


def match_in_order(long: str, short: str, start: int = 0) -> list[int] | None:
    """Positions of ``long`` (from ``start``) holding ``short``'s characters in order
    (first fit), or None when they are not all there."""
    positions, pos = [], start
    for ch in short:
        pos = long.find(ch, pos)
        if pos < 0:
            return None
        positions.append(pos)
        pos += 1
    return positions


def _after_place(full: str, first: str) -> int | None:
    """Where ``full`` goes on after a leading place that a short form drops (科大 for
    香港科技大学, 平潭医院 for 中国福建平潭县立医院), when it goes on with ``first``."""
    for k in range(len(full) - 1, 1, -1):
        if full[k] == first and _PLACE_PREFIX.fullmatch(full[:k]):
            return k
    return None


def _unmatched_runs(full: str, matched: list[int]) -> list[str]:
    """The stretches of ``full`` between the characters a short form matched."""
    bounds = [-1] + matched + [len(full)]
    return [full[a + 1:b] for a, b in zip(bounds, bounds[1:]) if b > a + 1 and a >= 0 and b < len(full)]


def canonical_names(entities: list[Entity], gap: Callable[[int, int], str] | None = None) -> dict[str, str]:
    """Map each INST's normalised form to the fullest name the article uses for it.

    ``gap(a, b)`` is the normalised text between raw offsets (for brackets and
    side-by-side mentions); without it only the name strings are used."""
    insts = [e for e in entities if e.label == "INST"]
    names = {e.normalized for e in insts}
    apart = _side_by_side(insts, gap) if gap else set()
    mapping: dict[str, str] = {}
    for name in names:
        longer = [o for o in names if o != name and (name, o) not in apart and is_abbreviation(name, o)]
        # A name that ends with the short form (威海市中医院 for 市中医院) is the surest reading.
        longer = [o for o in longer if o.endswith(name)] or longer
        fullest = [o for o in longer if not any(p != o and (o, p) not in apart and is_abbreviation(o, p) for p in longer)]
        mapping[name] = fullest[0] if len(fullest) == 1 else name
    if gap:
        for alias, main in _bracketed(insts, gap):
            mapping[alias] = mapping.get(main, main)
    # Follow chains (a short form of a short form) to the end.
    for name in mapping:
        seen = {name}
        while mapping[name] != name and mapping[name] in mapping and mapping[mapping[name]] not in seen:
            seen.add(mapping[name])
            mapping[name] = mapping[mapping[name]]
    return mapping


def _side_by_side(insts: list[Entity], gap) -> set[tuple[str, str]]:
    """Pairs of names joined by 与/和/、 somewhere in the article: two institutions."""
    pairs = set()
    for a, b in zip(insts, insts[1:]):
        if _SIDE_BY_SIDE.match(gap(a.end, b.start)):
            pairs |= {(a.normalized, b.normalized), (b.normalized, a.normalized)}
    return pairs


def _bracketed(insts: list[Entity], gap) -> list[tuple[str, str]]:
    """``A(B)``: B is another name of A (its short form or its second name); A, the
    name the text gives first, is the one kept."""
    return [(b.normalized, a.normalized) for a, b in zip(insts, insts[1:])
            if _BRACKETED.match(gap(a.end, b.start)) and a.normalized != b.normalized]
