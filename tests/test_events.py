"""Cooperation events read from tagged entities (rules, no model needed here)."""

from datetime import date
from pathlib import Path

from medcoop.text.dates import article_date, iso_date
from medcoop.entity import Entity
from medcoop.events.rules import agreement_type, extract_from_entities
from medcoop.annotation.formats import read_jsonl
from medcoop.html import render_page
from medcoop.text.normalize import normalize

ANNOTATIONS = Path(__file__).resolve().parents[1] / "annotations"


def gold(doc_id: str):
    doc = next(d for d in read_jsonl(ANNOTATIONS / "seeds.jsonl") if d.id == doc_id)
    entities = [Entity(s.start, s.end, s.label, doc.text[s.start:s.end], 1.0, normalize(doc.text[s.start:s.end]).clean)
                for s in doc.spans]
    return doc.text, entities


def entities_of(text: str, *items: tuple[str, str]) -> list[Entity]:
    out, pos = [], 0
    for surface, label in items:
        start = text.index(surface, pos)
        out.append(Entity(start, start + len(surface), label, surface, 1.0, normalize(surface).clean))
        pos = start + len(surface)
    return out


def test_seed_003_strategic_cooperation_event():
    text, entities = gold("003_26cad409f7d8d283")
    [event] = extract_from_entities(text, entities).events
    assert event.type == "strategic_cooperation_agreement"
    assert [p.name for p in event.parties] == ["威海市中医院", "威海市中心医院"]
    assert [(s.name, s.party, s.posts) for s in event.signatories] == [
        ("李刚", "威海市中心医院", ["党委副书记", "副院长"]),
        ("许德峰", "威海市中医院", ["党委副书记", "副院长"]),
    ]
    assert event.date == "2024-11-08"
    assert any("簽字" in text[a:b] for a, b in event.evidence)
    assert text[slice(*event.agreement_span)] == event.agreement


def test_people_get_their_posts_and_institution_once():
    text = "衡水市卫生健康委党组书记、主任王凤鸣出席。王凤鸣指出,要抓落实。"
    entities = entities_of(text, ("衡水市卫生健康委", "INST"), ("党组书记", "ROLE"), ("主任", "ROLE"),
                           ("王凤鸣", "PER"), ("王凤鸣", "PER"))
    [person] = extract_from_entities(text, entities).people
    assert person.name == "王凤鸣" and len(person.mentions) == 2
    assert [(p.title, p.institution) for p in person.posts] == [("党组书记", "衡水市卫生健康委"), ("主任", "衡水市卫生健康委")]


def test_status_words_and_surnames():
    text = "北京中医药大学东直门医院新任院长王勇发言。王院长表示感谢。"
    entities = entities_of(text, ("北京中医药大学东直门医院", "INST"), ("院长", "ROLE"), ("王勇", "PER"),
                           ("王", "PER"), ("院长", "ROLE"))
    [person] = extract_from_entities(text, entities).people
    assert person.name == "王勇" and len(person.mentions) == 2
    assert person.posts[0].title == "院长" and person.institution == "北京中医药大学东直门医院"


def test_venues_and_employers_are_not_parties():
    text = "3月11日,甲医院与乙医院共同组建医联体签约仪式在丙医院举行,丁委员会主任张三出席。"
    entities = entities_of(text, ("甲医院", "INST"), ("乙医院", "INST"), ("医联体", "AGR"), ("丙医院", "INST"),
                           ("丁委员会", "INST"), ("主任", "ROLE"), ("张三", "PER"))
    [event] = extract_from_entities(text, entities).events
    assert event.type == "medical_alliance" and [p.name for p in event.parties] == ["甲医院", "乙医院"]
    assert event.signatories == []  # attending is not signing


def test_agreement_types():
    assert agreement_type("医疗帮扶合作共建框架协议") == "framework_agreement"  # as the round-2 gold types it
    assert agreement_type("医联体托管协议") == "trusteeship" and agreement_type("派遣医疗队的议定书") == "cooperation_agreement"
    assert agreement_type("合作框架协议") == "framework_agreement"
    assert agreement_type("妇产科专科联盟") == "specialty_alliance"
    assert agreement_type("医共体") == "county_medical_community"
    assert agreement_type("合作备忘录") == "memorandum_of_understanding"
    assert agreement_type("托管") == "trusteeship"


def test_dates_take_the_year_of_the_article():
    assert article_date("标题\n发布时间:2024-11-08\n正文") == date(2024, 11, 8)
    assert iso_date("11月8日", date(2024, 11, 20)) == "2024-11-08"
    assert iso_date("11月8日", date(2024, 1, 1)) == "2023-11-08"  # an article of January reports last November
    assert iso_date("2019年12月11日", None) == "2019-12-11"
    assert iso_date("二〇一九年十二月十一日", None) == "2019-12-11"
    assert iso_date("5月26日", None) is None
    assert iso_date("日前", date(2024, 1, 1)) is None
    assert iso_date("昨天", date(2024, 1, 1)) == "2023-12-31"


def test_html_page_lists_entities_and_events():
    text, entities = gold("003_26cad409f7d8d283")
    doc = extract_from_entities(text, entities)
    page = render_page([("003", text, doc.entities, doc.events)])
    assert page.startswith("<!DOCTYPE html>") and page.count("<mark") == len(entities)
    assert "strategic_cooperation_agreement" in page and "许德峰" in page
    assert "<script" not in page  # self-contained and static


def test_a_partnership_descriptor_is_part_of_the_event_not_another_one():
    text = "我校与西青区人民政府举行“校地合作”战略合作签约仪式。双方将深化校地合作。"
    entities = entities_of(text, ("西青区人民政府", "INST"), ("校地合作", "AGR"), ("战略合作", "AGR"), ("校地合作", "AGR"))
    [event] = extract_from_entities(text, entities).events
    assert event.type == "strategic_cooperation_agreement" and [p.name for p in event.parties] == ["西青区人民政府"]
    assert len(event.evidence) == 2


def test_a_descriptor_alone_still_makes_an_event():
    text = "清华大学与朝阳区政府签署校地合作协议。"
    entities = entities_of(text, ("清华大学", "INST"), ("朝阳区政府", "INST"), ("校地合作协议", "AGR"))
    [event] = extract_from_entities(text, entities).events
    assert event.type == "cooperation_agreement" and [p.name for p in event.parties] == ["清华大学", "朝阳区政府"]
