"""The vectorised hot path gives exactly what the per-span Python loops it replaced gave:
span decoding and scores, punctuation and filler trimming, Entity construction."""

import unicodedata

import numpy as np
from hypothesis import given, settings, strategies as st

from medcoop.annotation.bio import bio_labels, tags_to_spans
from medcoop.tagging.encoding import label_scheme, token_spans
from medcoop.tagging.tagger import _guideline_edges
from medcoop.text.normalize import PUNCT_OR_SPACE, WHITESPACE, char_flags, normalize, trim_spans

BIO = dict(enumerate(bio_labels()))
IOBES = dict(enumerate(["O", "B-INST", "I-INST", "E-INST", "S-INST", "B-PER", "I-PER", "E-PER", "S-PER"]))


def reference_spans(tag_ids, scores, id2label):
    """The loop the tagger used before: strict tags_to_spans, np.mean per span."""
    spans = tags_to_spans([id2label[int(i)] for i in tag_ids], strict=True)
    return [(s, e, label, np.mean(scores[s:e])) for s, e, label in spans]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([BIO, IOBES]), st.lists(st.integers(0, 8), max_size=80), st.integers(0, 2**32 - 1))
def test_token_spans_equal_the_strict_loop_bit_for_bit(id2label, tags, seed):
    tag_ids = np.array(tags, dtype=np.int64)
    scores = np.random.default_rng(seed).random(len(tags)).astype(np.float32)
    scheme = label_scheme(id2label)
    starts, ends, names, means = token_spans(tag_ids, scores, scheme)
    got = [(s, e, scheme.names[n], m) for s, e, n, m in zip(starts.tolist(), ends.tolist(), names.tolist(), means)]
    want = reference_spans(tag_ids, scores, id2label)
    assert [g[:3] for g in got] == [w[:3] for w in want]
    assert all(g[3].tobytes() == w[3].tobytes() for g, w in zip(got, want))  # same float32 bits


def test_long_spans_average_exactly_as_numpy_does():
    # np.mean sums 8 or more values pairwise: the row-wise mean must do the same.
    rng = np.random.default_rng(0)
    inst = {v: k for k, v in BIO.items()}
    for length in (1, 7, 8, 9, 33, 200):
        tags = np.array([inst["B-INST"]] + [inst["I-INST"]] * (length - 1) + [0], dtype=np.int64)
        scores = rng.random(len(tags)).astype(np.float32)
        [(_, _, _, mean)] = zip(*token_spans(tags, scores, label_scheme(BIO)))
        assert mean.tobytes() == np.mean(scores[:length]).tobytes()


def old_guideline_edges(clean, start, end):
    while start < end and unicodedata.category(clean[start])[0] in "PZ":
        start += 1
    while end > start and unicodedata.category(clean[end - 1])[0] in "PZ":
        end -= 1
    return start, end


TEXT = st.lists(st.one_of(
    st.text(max_size=12),
    st.sampled_from(["醫(yī)院", "??", "1 f) W8 ]* |; x# S7", "\n\n", " ", "\u3000", "《合作协议》", "、", "𠀀", "\ud800", "åŒ»é™¢"]),
), max_size=8).map("".join)


@settings(max_examples=150, deadline=None)
@given(TEXT, st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=12))
def test_trimming_and_entities_equal_the_loops(raw, pairs):
    norm = normalize(raw)
    n = len(norm.clean)
    spans = [(min(a, b, n), min(max(a, b), n)) for a, b in pairs]
    starts = np.array([s for s, _ in spans], dtype=np.int64)
    ends = np.array([e for _, e in spans], dtype=np.int64)

    def pairs_of(arrays):
        return list(zip(*(a.tolist() for a in arrays))) if spans else []

    # punctuation at a span's edges (the guideline rule), and fillers (NormalizedText.trim)
    assert pairs_of(_guideline_edges(norm, starts, ends)) == [old_guideline_edges(norm.clean, s, e) for s, e in spans]
    filler = norm.placeholder | (norm.char_flags & WHITESPACE > 0)
    assert pairs_of(trim_spans(filler, starts, ends)) == [norm.trim(s, e) for s, e in spans]
    # raw offsets and the Entity objects
    labels = ["INST", "PER", "ROLE"] * 4
    scores = [0.5 + i / 100 for i in range(len(spans))]
    want = [norm.entity(s, e, labels[i], scores[i]) for i, (s, e) in enumerate(spans)]
    assert norm.entities(starts, ends, labels, scores) == [e for e in want if e is not None]


@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from(["\ud800", "\udfff", "𠀀", "\U0001f600", "\u3000", "\u2028"])),
               max_size=40))
def test_char_flags_are_unicodes_categories(text):
    flags = char_flags(text)
    assert flags.tolist() == [(PUNCT_OR_SPACE if unicodedata.category(c)[0] in "PZ" else 0)
                              | (WHITESPACE if c.isspace() else 0) for c in text]
