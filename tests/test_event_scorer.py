"""The learnt event extractor: names, candidates, the scorer, its training and its benchmark."""

import json
from datetime import date
from pathlib import Path

import pytest

from medcoop.annotation.formats import read_jsonl
from medcoop.cli import main
from medcoop.events import EventScorer, extract_document
from medcoop.events.names import canonical_names, is_abbreviation
from medcoop.events.view import build_view
from medcoop.text.dates import is_date_line, iso_date
from medcoop.training.evaluate_events import gold_entities
from medcoop.training.train_events import EventTrainingArguments, candidates_of, train_event_scorer

FIXTURE = Path(__file__).parent / "resources" / "events"


def documents():
    return {d.id: d for d in read_jsonl(FIXTURE / "documents.jsonl")}


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_bert) -> Path:
    out = tmp_path_factory.mktemp("scorer")
    train_event_scorer(EventTrainingArguments(
        out=str(out), model=str(tiny_bert), splits=str(FIXTURE / "splits.json"), events=str(FIXTURE / "events.jsonl"),
        annotations=[str(FIXTURE / "documents.jsonl")]))
    return out


def test_short_forms_take_the_fullest_name_but_similar_hospitals_stay_apart():
    doc = documents()["e1"]
    names = build_view(doc.text, gold_entities(doc)).canonical
    assert names["威海市中医院"] == "威海市中医院" and names["威海市中心医院"] == "威海市中心医院"
    assert is_abbreviation("中国科大", "中国科学技术大学") and is_abbreviation("南华附二医院", "南华大学附属第二医院")
    assert not is_abbreviation("市委", "衡水市卫生健康委")  # the party committee is not the health commission
    assert not is_abbreviation("金山区人民政府", "金山区枫泾镇人民政府")  # a town is not its district


def test_bracketed_second_name_joins_the_first():
    text = "衡水市人民医院(哈励逊国际和平医院)与衡水市中医医院签约。"
    doc = build_view(text, [])
    from medcoop.entity import Entity

    a, b = Entity(0, 7, "INST", "衡水市人民医院", 1.0, "衡水市人民医院"), Entity(8, 17, "INST", "哈励逊国际和平医院", 1.0, "哈励逊国际和平医院")
    assert canonical_names([a, b], doc.gap)["哈励逊国际和平医院"] == "衡水市人民医院"


def test_candidates_record_the_rules_as_features():
    doc = documents()["e2"]
    parties = {c.key: c.features for c in candidates_of(doc.text, gold_entities(doc))["party"]}
    assert parties["北京协和医院"]["rule_party"] == 1.0
    assert "rule_party" not in parties["长兴县会议中心"] and parties["长兴县会议中心"]["venue"] == 1.0


def test_trained_scorer_saves_loads_and_explains(trained):
    scorer = EventScorer.load(trained)
    assert set(scorer.kinds) == {"type", "party", "signer"}
    assert scorer.record["train_documents"] == 5 and scorer.record["dev_documents"] == 2
    doc = documents()["e6"]
    events = extract_document(doc.text, gold_entities(doc), scorer).events
    for event in events:
        for party in event.parties:
            assert 0.0 <= party.score <= 1.0 and party.why  # each accepted party says why
            assert all(doc.text[a:b] for a, b in party.mentions)


def test_parties_point_at_their_mentions_in_the_raw_text():
    doc = documents()["e1"]
    [event] = extract_document(doc.text, gold_entities(doc), None).events
    hospital = next(p for p in event.parties if p.name == "威海市中医院")
    assert doc.text[slice(*hospital.mentions[0])] == "威海市中醫(yī)院"


def test_event_benchmark_runs_from_the_command_line(capsys, tiny_bert):
    args = ["evaluate", "--events", "--data", str(FIXTURE / "documents.jsonl"), "--events-file", str(FIXTURE / "events.jsonl"),
            "--model", str(tiny_bert), "--json"]
    assert main(args) == 0
    scores = json.loads(capsys.readouterr().out)
    assert set(scores) == {"model_entities", "gold_entities"}
    assert scores["gold_entities"]["parties"]["support"] == 10
    assert main(args + ["--rules"]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert rules["gold_entities"]["type"]["f1"] > 0.5  # the rules find the plain signings of the fixture


def test_dates_relative_to_the_article_and_date_lines():
    assert iso_date("去年8月", date(2016, 12, 4)) == "2015-08"
    assert iso_date("上月28日", date(2023, 7, 2)) == "2023-06-28"
    assert is_date_line("发布时间：2022-08-28") and is_date_line("2022-08-28 10:15")
    assert not is_date_line("8月26日,两院签署协议")
