"""A tiny stand-in for the model in network tests: a gazetteer tagger (the names
below, found in the normalised text) feeding the real event rules, and a corpus
of short synthetic articles written with them.

``medcoop network --extractor network_fakes:FakeExtractor`` uses it (with this
folder on PYTHONPATH); ``MEDCOOP_FAKE_DELAY`` (seconds per document) slows it
down so a test can kill a run midway.
"""

from __future__ import annotations

import os
import re
import time

from medcoop.events.rules import extract_from_entities
from medcoop.text.normalize import normalize

GAZETTEER = {
    "INST": ["威海市中医院", "市中医院", "威海市中心医院", "衡水市人民医院", "哈励逊国际和平医院", "北京中医药大学",
             "北京协和医院", "衡水市人民政府", "市政府", "乳山市人民医院", "文登区人民医院", "香港中文大学", "港中大",
             "威海市卫生健康委员会"],
    "AGR": ["战略合作协议", "医联体", "合作协议", "对口帮扶协议", "框架协议"],
    "ROLE": ["院长", "副院长", "市长"],
    "PER": ["张伟", "李刚", "许德峰", "王芳", "陈明"],
}
_PATTERN = re.compile("|".join(sorted((re.escape(w) for ws in GAZETTEER.values() for w in ws), key=len, reverse=True)))
_LABEL = {w: label for label, ws in GAZETTEER.items() for w in ws}


def fake_tag(text: str):
    norm = normalize(text)
    found = []
    for m in _PATTERN.finditer(norm.clean):
        entity = norm.entity(m.start(), m.end(), _LABEL[m.group()], 1.0)
        if entity is not None:
            found.append(entity)
    return found


class FakeExtractor:
    """``extract_many`` like the model's, without the model."""

    def __init__(self):
        self.delay = float(os.environ.get("MEDCOOP_FAKE_DELAY", "0"))

    def extract_many(self, texts):
        out = []
        for text in texts:
            if self.delay:
                time.sleep(self.delay)
            if "炸弹" in text:  # lets a test see one document fail extraction
                raise RuntimeError("the fake extractor refuses this text")
            out.append(extract_from_entities(text, fake_tag(text)))
        return out


_PAIRS = [
    ("威海市中醫(yī)院", "威海市中心医院", "战略合作协议", "李刚", "许德峰"),
    ("衡水市人民医院(哈励逊国际和平医院)", "北京中医药大学", "合作协议", "张伟", "王芳"),
    ("威海市中医院", "乳山市人民医院", "医联体", "许德峰", "陈明"),
    ("北京协和医院", "衡水市人民医院", "对口帮扶协议", "王芳", "张伟"),
    ("衡水市人民政府", "北京中医药大学", "框架协议", "陈明", "李刚"),
    ("香港中文大学", "威海市中心医院", "合作协议", "张伟", "李刚"),
    ("威海市衛生健康委員會", "文登区人民医院", "医联体", "王芳", "陈明"),
]


def corpus(n: int = 24) -> list[dict]:
    """``n`` JSON Lines rows ``{"id", "source", "text"}``: short articles in which
    one pair signs an agreement, some naming the first party again by a short form."""
    rows = []
    for k in range(n):
        a, b, agr, pa, pb = _PAIRS[k % len(_PAIRS)]
        text = (f"{a}与{b}签署{agr}\n2024年{k % 12 + 1}月{k % 27 + 1}日，{a}与{b}在威海签署{agr}。"
                f"{a}院长{pa}与{b}院长{pb}代表双方在协议上签字。")
        if k % 3 == 0 and a.startswith("威海市中"):
            text += "市中医院将派出专家团队。"
        if k % 7 == 5:
            text += "港中大代表出席。"
        rows.append({"id": f"d{k:03d}", "source": f"https://example.org/{k}", "text": text})
    return rows
