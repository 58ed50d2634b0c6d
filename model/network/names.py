"""Institution names as strings: the forms the resolver compares and the tests it
applies to a pair of names.

Every test here looks at the names alone; which pairs are compared at all (the
same article, the whole corpus) is :mod:`medcoop.network.resolve`'s business.
The tests are deliberately narrow: two names are one institution only when a
rule says why (one ends the other, one abbreviates the other in order, one is
the other's bracketed alternative), never because they look alike -
威海市中医院 and 威海市中心医院 differ by one character and are two hospitals.
"""

from __future__ import annotations

import re
import threading

from medcoop.events.names import match_in_order
from medcoop.text.normalize import PLACEHOLDER, normalize

__all__ = [
    "surface", "key", "placeless", "split_alternative", "names_institution", "is_relative", "is_generic", "ends_with", "abbreviates",
    "fits_garbled", "has_legal_form_of",
]

# Quotes and ornaments that news puts around or inside names; never part of them.
_ORNAMENTS = re.compile(r"[\s\"'“”‘’《》〈〉「」『』·•]")
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")"})
_EDGE_PUNCTUATION = "、,，.。;；:：!！?？-—_/\\"

# Written variants of one name, by the regular ways official names are shortened:
# X市政府 / X市人民政府 (and Taiwan's 市府), 中医院 / 中医医院, 卫健委 / 卫生健康委员会,
# 香港特区医院管理局 / 香港医院管理局. Only keys change: names are shown as written.
_EQUIVALENT = [
    (re.compile(r"人民政府"), "政府"),
    (re.compile(r"(?<=[省市县区])府$"), "政府"),
    (re.compile(r"中医医院"), "中医院"),
    (re.compile(r"卫生和计划生育委员会|卫生计生委员会|卫生计生委"), "卫计委"),
    (re.compile(r"卫生健康委员会|卫生健康委"), "卫健委"),
    (re.compile(r"委员会$"), "委"),
    (re.compile(r"^(香港|澳门)(?:特别行政区|特区)(?:政府)?(?=.{2})"), r"\1"),
]
# 上海卫健委 / 上海市卫健委, 湖南长沙妇幼保健院 / 湖南省长沙市妇幼保健院: the 省 or 市 of
# a leading two-character place left out (kept in keys, where 市卫健委 must still end
# 衢州市卫健委).
_PLACE_SUFFIX = [
    re.compile(r"^([\u4e00-\u9fff]{2})[省市](?=[\u4e00-\u9fff]{2})"),
    re.compile(r"^([\u4e00-\u9fff]{2})([\u4e00-\u9fff]{2})市(?=[\u4e00-\u9fff]{2})"),
]
# Provinces and regions: a company name that adds one is a branch (中国电信福建公司).
_PROVINCES = re.compile(
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|"
    "贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)

# Names that mean an institution of *the article's* place: 市中医院, 县政府, 我院, 特区政府.
_RELATIVE = re.compile(r"^(我|本|该|贵|两)?[省市县区州]|^(我|本|该|贵)[院校所局委部]|^特区")
# Type words with no proper name in them: 中医院, 人民医院, 附属医院 point at one
# hospital only inside an article (annotation decision D28).
_GENERIC_PARTS = re.compile(
    r"第[一二三四五六七八九十]+|[一二三四五六七八九十]|人民|中西医结合|中医|西医|中心|附属|附设|总|妇幼保健|"
    r"医院|卫生院|院区|分院|医学院|医学部|学院|大学|医科|儿童|妇女|肿瘤|口腔|眼科|精神卫生|传染病|"
    r"政府|党委|委员会|卫生健康|卫健|卫计|卫生计生|卫生|健康|计生|教育|财政|民政|人社|医保|疾控|"
    r"局|委|厅|办|室|处|科|所|站|中心|院|校|府"
)
# Endings by kind of institution: an abbreviation ends with the kind's mark
# (港中大 for 香港中文大学, 中科院 for 中国科学院, 医管局 for 医院管理局).
_KIND_ENDINGS = {
    "大": ("大学",), "院": ("院",), "医": ("医院",), "委": ("委", "委员会"), "府": ("政府",),
    "局": ("局",), "部": ("部",), "所": ("所",), "会": ("会",), "办": ("办公室", "办"), "署": ("署",),
    "厅": ("厅",), "校": ("学校", "大学", "学院"), "中": ("中学",),
}
# Whole type words a short name may end with (邹城医院 for 邹城市人民医院).
_TYPE_WORDS = ("医院", "大学", "学院", "中心", "集团", "公司", "银行", "政府")
# Words whose absence makes another institution: 温州大学 / 温州医科大学, 威海医院 / 威海市中医院.
_DISCRIMINATING = re.compile(
    r"中|心|西医|医科|医学|科技|理工|师范|农业|农|工业|工|财经|交通|外国语|体育|艺术|政法|林业|海洋|石油|职业|技术|"
    r"护理|口腔|肿瘤|儿童|妇|精神|传染|眼科|骨科|第|附属|附设|分|[一二三四五六七八九十]|[0-9]"
)
# What a short name ending with the whole type word may leave out of the full one.
_FILLER = set("人民综合纪念大学附属设市县省区立总医疗女童")
_PLACE_CHARS = re.compile(r"[省市县区]")
_LEADING_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,6}[省市县区](?!场|长|立|属)")
_ORDINAL = re.compile(r"第(?=[一二三四五六七八九十0-9])")
# A company's short name is its brand: 华为 for 华为技术有限公司.
_LEGAL_FORM = re.compile(r"^[\u4e00-\u9fff]{0,10}?(股份有限公司|有限责任公司|有限公司|集团公司|集团|公司)$")

_converter = None
_converter_lock = threading.Lock()


def surface(name: str) -> str:
    """The clean simplified form of a name as written: the package's normalisation
    (script, pinyin, noise), Hong Kong variant characters (醫衞局 -> 医卫局), no
    quotes, spaces or stray edge punctuation, ASCII brackets.

    >>> surface("威海市中醫(yī)院"), surface("“香港醫衞局”"), surface("澳門大學（珠海）")
    ('威海市中医院', '香港医卫局', '澳门大学(珠海)')
    """
    clean = normalize(name).clean
    clean = _ORNAMENTS.sub("", clean).translate(_BRACKETS).strip(_EDGE_PUNCTUATION)
    return _variants(clean)


def key(name: str) -> str:
    """What two surfaces must share to be written variants of one name
    (``surface`` first): 人民政府 and 政府 count the same.

    >>> key("威海市人民政府") == key("威海市政府") == key("威海市府")
    True
    """
    for pattern, replacement in _EQUIVALENT:
        name = pattern.sub(replacement, name)
    return name


def placeless(key_: str) -> str:
    """A key without the 省/市 of its leading place, for grouping written variants.

    >>> placeless("上海市卫健委") == placeless("上海卫健委"), placeless("湖南省长沙市妇幼保健院")
    (True, '湖南长沙妇幼保健院')
    """
    key_ = _PLACE_SUFFIX[0].sub(r"\1", key_)
    return _PLACE_SUFFIX[1].sub(r"\1\2", key_)


def split_alternative(name: str) -> tuple[str, str] | None:
    """``(name, alternative)`` for ``A(B)`` where B is itself an institution's name
    (衡水市人民医院(哈励逊国际和平医院)); ``None`` where the brackets qualify the
    name (香港中文大学(深圳), a campus: annotation decision D22).

    >>> split_alternative("衡水市人民医院(哈励逊国际和平医院)")
    ('衡水市人民医院', '哈励逊国际和平医院')
    >>> split_alternative("香港中文大学(深圳)") is None
    True
    """
    m = re.fullmatch(r"(.{2,}?)\((.{4,})\)", name)
    if m is None:
        return None
    outer, inner = m.groups()
    if not (_institution_like(outer) and _institution_like(inner)):
        return None
    return outer, inner


def _institution_like(name: str) -> bool:
    return bool(re.search(r"(医院|大学|学院|中心|政府|研究院|研究所|科学院|委员会|[局委厅署部]|公司|集团|联盟|协会|学会|医联体|医共体)$", name))


def names_institution(name: str) -> bool:
    """Whether a bracketed name can be an institution's other name: 医福会 and 哈院 can,
    深圳 (a campus's place: 香港中文大学（深圳）) cannot.

    >>> names_institution("医福会"), names_institution("哈院"), names_institution("深圳")
    (True, True, False)
    """
    return len(name) >= 3 and not re.fullmatch(r".{1,4}[省市县区]", name) or name[-1:] in _KIND_ENDINGS


def is_relative(name: str) -> bool:
    """Names that mean an institution of the article's own place or speaker
    (市中医院, 县政府, 我院): resolvable inside an article, never across articles.

    >>> is_relative("市中医院"), is_relative("我院"), is_relative("威海市中医院")
    (True, True, False)
    """
    return bool(_RELATIVE.match(name))


def is_generic(name: str) -> bool:
    """A name made of type words only (人民医院, 附属医院, 县医院): without its
    article it names no particular institution.

    >>> is_generic("人民医院"), is_generic("第一附属医院"), is_generic("协和医院")
    (True, True, False)
    """
    rest = _GENERIC_PARTS.sub("", name)
    rest = re.sub(r"^(我|本|该|贵|两)?[省市县区州]?", "", rest)
    return len(rest) == 0


def ends_with(long: str, short: str) -> bool:
    """``short`` is ``long`` without its leading words: 市中医院 of 威海市中医院,
    华山医院 of 复旦大学附属华山医院 (``key`` forms). Chinese names only: an English
    name ends with its parent (Xiangya Hospital of Central South University).

    >>> ends_with("威海市中医院", "市中医院"), ends_with("威海市中心医院", "市中医院")
    (True, False)
    """
    return len(long) > len(short) >= 2 and long.endswith(short) and _cjk(short[0])


def abbreviates(long: str, short: str) -> bool:
    """``short`` is an abbreviation of ``long`` in the way Chinese abbreviates names:
    characters kept in order, the first among the first three of ``long`` (a place
    prefix like 国立 or 香 may go), ending with the mark of ``long``'s kind (大 for
    大学, 院 for 学院/医院), with the whole type word (邹城医院 for 邹城市人民医院), or
    without it (台中荣总 for 台中荣民总医院). A short form of the article's place
    abbreviates what follows that place (市一院 for 徐州市第一人民医院).

    Not an abbreviation: a name that starts ``long`` (嘉兴学院 is the parent of
    嘉兴学院附属医院), one that drops a lower place (徐州市委 is not 徐州市卫健委,
    余杭区委 not 余杭经开区党工委), or a full type word whose dropped words tell
    institutions apart (温州大学 is not 温州医科大学, 威海医院 not 威海市中医院).

    >>> abbreviates("香港中文大学", "港中大"), abbreviates("国立嘉义大学", "嘉大"), abbreviates("中国科学院", "中科院")
    (True, True, True)
    >>> abbreviates("徐州市第一人民医院", "市一院"), abbreviates("台中荣民总医院", "台中荣总")
    (True, True)
    >>> abbreviates("浙江大学医学院附属第一医院", "浙大"), abbreviates("温州医科大学", "温州大学")
    (False, False)
    >>> abbreviates("威海市中心医院", "市中医院"), abbreviates("徐州市卫健委", "徐州市委")
    (False, False)
    """
    if long.startswith(short) or not _cjk(short) or len(long) < len(short) + 2:
        return False
    relative = re.match(r"[省市县区]", short)
    if relative:  # 市一院: 一院 abbreviates what follows 徐州市
        place = _leading_place(long)
        if not place.endswith(short[0]) or len(short) < 3:
            return False
        return abbreviates(long[len(place):], short[1:]) or _same_body(long[len(place):], short[1:])
    long, short = _ORDINAL.sub("", long), _ORDINAL.sub("", short)
    type_word = next((t for t in _TYPE_WORDS if short.endswith(t)), None)
    limit = 4 + (len(type_word) if type_word else 0) + (2 if short[:2] == long[:2] else 0)
    if not 2 <= len(short) <= limit or short[0] not in long[:3]:
        return False
    if type_word is not None:
        if not long.endswith(type_word) or len(short) == len(type_word):
            return False
        long_body, short_body = long[: -len(type_word)], short[: -len(type_word)]
    elif long.endswith(_KIND_ENDINGS.get(short[-1], (short[-1],))):
        long_body, short_body = long, short
    else:  # the type word left out: 台中荣总, 埔基 (埔里基督教医院)
        tail = next((t for t in _TYPE_WORDS if long.endswith(t)), None)
        if tail is None or short[0] != long[0] or short[-1] in _KIND_ENDINGS:
            return False
        long_body, short_body = long[: -len(tail)], short
    short_place, long_place = _leading_place(short_body), _leading_place(long_body)
    if short_place and (short_place != long_place or (not type_word and len(short_body) - len(short_place) < 2)):
        return False
    matched = match_in_order(long_body, short_body)
    if matched is None:
        return False
    dropped = "".join(ch for i, ch in enumerate(long_body) if i not in matched and i >= len(long_place))
    if _PLACE_CHARS.search(dropped):  # a lower place dropped (区, 县 after the leading place): another body
        return False
    if type_word:  # 邹城医院 drops only filler (市人民); 华西医院 is not 华西天府医院
        return not _DISCRIMINATING.search(dropped) and all(ch in _FILLER for ch in dropped)
    # 中国工程院 keeps 中国工程 whole: a name of its own, not one for 中国工程科技发展战略河南研究院
    return _longest_run(sorted(matched)) < 4


def _longest_run(positions: list[int]) -> int:
    best = run = 1 if positions else 0
    for a, b in zip(positions, positions[1:]):
        run = run + 1 if b == a + 1 else 1
        best = max(best, run)
    return best


def _same_body(long: str, short: str) -> bool:
    return _ORDINAL.sub("", long) == _ORDINAL.sub("", short)


def _leading_place(name: str) -> str:
    m = _LEADING_PLACE.match(name)
    return m.group(0) if m else ""


def _cjk(name: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in name)


def has_legal_form_of(long: str, short: str) -> bool:
    """``long`` is the company ``short`` with its legal form: 华为技术有限公司 of 华为
    (a branch, 中国移动湛江分公司, or a hospital's group, 山东省立医院集团, is not).

    >>> has_legal_form_of("华为技术有限公司", "华为"), has_legal_form_of("华为大学", "华为")
    (True, False)
    >>> has_legal_form_of("山东省立医院集团", "山东省立医院"), has_legal_form_of("中国移动广东公司湛江分公司", "中国移动")
    (False, False)
    """
    if len(short) < 2 or not long.startswith(short) or _institution_like(short):
        return False
    rest = long[len(short):]
    return bool(_LEGAL_FORM.match(rest)) and not re.search(r"分公司|分行|支行|分院|分会|[省市县区]", rest) \
        and not _PROVINCES.search(rest)


def fits_garbled(garbled: str, clean: str) -> bool:
    """A name with lost characters (U+FFFD, from ``??`` in the source) read as a
    pattern: each run of lost characters stands for 1-4 characters, and at least
    two legible characters must stand on each side.

    >>> fits_garbled("河南心血管\\ufffd盟", "河南心血管病专科联盟"), fits_garbled("\\ufffd医院", "威海市中医院")
    (True, False)
    """
    if PLACEHOLDER not in garbled or PLACEHOLDER in clean:
        return False
    parts = re.split(f"{PLACEHOLDER}+", garbled)
    if len(parts[0]) < 2 or len(parts[-1]) < 1 or sum(map(len, parts)) < 4:
        return False
    pattern = ".{1,4}".join(re.escape(p) for p in parts)
    return re.fullmatch(pattern, clean) is not None


def _variants(text: str) -> str:
    """Hong Kong and Taiwan variant characters OpenCC's per-character table leaves
    (衞, 峯), converted on the whole name (names need no offsets)."""
    global _converter
    if text.isascii():
        return text
    with _converter_lock:
        if _converter is None:
            import opencc

            _converter = opencc.OpenCC("hk2s")
        return _converter.convert(text)
