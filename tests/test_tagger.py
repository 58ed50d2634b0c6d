"""medcoop.Tagger on any input: offsets into the raw text, long documents, bad input, threads."""

import math
import threading
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from transformers import AutoTokenizer

from medcoop.annotation.bio import bio_labels
from medcoop.tagging.encoding import plan_windows
from medcoop.tagging.tagger import Tagger, TaggerSettings

LABELS = bio_labels()


class RuleRunner:
    """Stands in for a model: 甲 opens an INST and 乙 continues it, everything else is O.
    Context-free, so any difference in output comes from windowing and merging."""

    def __init__(self, tokenizer, begin="甲", inside="乙"):
        self.begin = tokenizer.convert_tokens_to_ids(list(begin))
        self.inside = tokenizer.convert_tokens_to_ids(list(inside))

    def __call__(self, ids, mask):
        logits = np.zeros(ids.shape + (len(LABELS),), dtype=np.float32)
        logits[..., 0] = 1.0
        logits[np.isin(ids, self.begin), LABELS.index("B-INST")] = 5.0
        logits[np.isin(ids, self.inside), LABELS.index("I-INST")] = 5.0
        return logits


@pytest.fixture(scope="module")
def rule_tagger(tiny_bert):
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    return Tagger(RuleRunner(tokenizer), tokenizer, dict(enumerate(LABELS)), TaggerSettings(max_length=16, margin=3))


@pytest.fixture(scope="module")
def random_tagger(tiny_bert):
    """A randomly initialised model: it tags nonsense, which is what the property tests want."""
    return Tagger.from_pretrained(tiny_bert, device="cpu")


def test_windows_tile_the_text_and_leave_context_at_cuts():
    windows = plan_windows(100, size=14, margin=3)
    cores = [(c0, c1) for _, _, c0, c1 in windows]
    assert cores[0][0] == 0 and cores[-1][1] == 100
    assert all(a[1] == b[0] for a, b in zip(cores, cores[1:]))
    assert all(end - start <= 14 for start, end, _, _ in windows)
    assert all(c0 - s >= 3 or s == 0 for s, _, c0, _ in windows)


@pytest.mark.parametrize("offset", range(0, 30, 3))
def test_an_entity_across_window_cuts_is_found_once_and_whole(rule_tagger, offset):
    text = "医" * offset + "甲" + "乙" * 25 + "医" * 40
    [entity] = rule_tagger.tag(text)
    assert (entity.start, entity.end, entity.label) == (offset, offset + 26, "INST")


def test_offsets_point_into_the_raw_text_through_the_noise(rule_tagger):
    raw = "平台：甲(jiǎ)乙 乙乙？？。乙"
    [entity] = rule_tagger.tag(raw)  # the last 乙, an I- tag with no B- before it, is dropped
    assert entity.text == raw[entity.start:entity.end] == "甲(jiǎ)乙 乙乙"
    assert entity.normalized == "甲乙乙乙"  # a stray space inside a name is noise


def test_bad_input(rule_tagger):
    with pytest.raises(TypeError, match="bytes"):
        rule_tagger.tag("甲乙".encode())
    with pytest.raises(TypeError, match="NoneType"):
        list(rule_tagger.tag_many(["甲乙", None]))
    assert rule_tagger.tag("") == []
    assert rule_tagger.tag(" \n\t\u3000 ") == []
    assert [e.text for e in rule_tagger.tag("🏥甲乙\x00\x07\u202e甲乙")] == ["甲乙", "甲乙"]


def test_guideline_edges_punctuation_and_one_character_entities(rule_tagger):
    """A model that takes the title marks in: they are trimmed (《合作协议》 -> 合作协议);
    a lone non-person character is dropped."""
    runner = RuleRunner(rule_tagger.tokenizer, begin="《甲", inside="乙》")
    tagger = Tagger(runner, rule_tagger.tokenizer, rule_tagger.id2label, rule_tagger.settings)
    assert [(e.text, e.start) for e in tagger.tag("签署《乙乙》。甲")] == [("乙乙", 3)]


def test_tag_many_streams_in_input_order(rule_tagger):
    pulled = []

    def texts():
        for i in range(5000):
            pulled.append(i)
            yield "医" * (i % 7) + "甲乙" * (i % 3 + 1)

    results = rule_tagger.tag_many(texts(), batch_size=8)
    first = next(results)
    assert first[0].text == "甲乙" and len(pulled) < 5000
    for i, entities in enumerate(results, start=1):
        assert len(entities) == i % 3 + 1 and entities[0].start == i % 7


def test_a_million_characters_in_bounded_memory(rule_tagger):
    rule_tagger = Tagger(rule_tagger.runner, rule_tagger.tokenizer, rule_tagger.id2label, TaggerSettings(max_length=256, margin=32))
    text = ("衡水市卫生健康委员会与甲乙乙医院签署协议。\n" * 50_000)[:1_000_000]
    tracemalloc.start()
    entities = rule_tagger.tag(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(entities) == text.count("甲乙")  # the last one, cut to 甲 by the limit, is too short to keep
    assert all(text[e.start:e.end] == "甲乙乙" for e in entities[:100])
    assert peak < 400 * 2**20


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), st.sampled_from(["醫(yī)院", "??", "1 f) W8 ]* |; x# S7", "\n\n"])), max_size=6).map("".join))
def test_any_unicode_gives_sorted_disjoint_spans_of_the_raw_text(random_tagger, text):
    entities = random_tagger.tag(text)
    for e in entities:
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start:e.end] == e.text
        assert e.label in {"INST", "ROLE", "PER", "AGR"} and 0.0 <= e.score <= 1.0
    assert all(a.end <= b.start for a, b in zip(entities, entities[1:]))


def test_concurrent_calls_match_sequential_ones(random_tagger):
    texts = [f"威海市中医院第{i}次签署战略合作协议,副院长许德峰出席。" * (1 + i % 4) for i in range(24)]
    expected = [random_tagger.tag(t) for t in texts]
    results = [None] * len(texts)

    def work(i):
        results[i] = random_tagger.tag(texts[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == expected


def test_entities_are_plain_data(rule_tagger):
    [e] = rule_tagger.tag("甲乙")
    # RuleRunner gives each of the two tokens logits 5 (its tag), 1 (O) and 0 (the 7 other tags).
    score = round(math.exp(5) / (math.exp(5) + math.exp(1) + 7), 4)
    assert e.to_dict() == {"start": 0, "end": 2, "label": "INST", "text": "甲乙", "score": score, "normalized": "甲乙"}
