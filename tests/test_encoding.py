"""Tags -> spans: strict BIO decoding over tokens that know their characters."""

import numpy as np

from medcoop.annotation.document import Span
from medcoop.annotation.bio import bio_labels
from medcoop.tagging.encoding import Encoded, decode_spans, token_labels

LABELS = bio_labels()
ID2LABEL = dict(enumerate(LABELS))
L2I = {l: i for i, l in enumerate(LABELS)}


def one_token_per_char(n):
    return Encoded(np.arange(n), np.arange(n), np.arange(1, n + 1))


def tags(*names):
    return np.array([L2I[n] for n in names])


def test_entities_open_on_b_and_run_over_i():
    enc = one_token_per_char(6)
    found = decode_spans(enc, tags("B-ROLE", "I-ROLE", "B-PER", "I-PER", "O", "B-AGR"), np.ones(6), ID2LABEL)
    assert [(s, e, l) for s, e, l, _ in found] == [(0, 2, "ROLE"), (2, 4, "PER"), (5, 6, "AGR")]


def test_a_run_of_inside_tags_without_a_beginning_is_dropped():
    enc = one_token_per_char(5)
    found = decode_spans(enc, tags("I-INST", "I-INST", "O", "B-PER", "I-ROLE"), np.ones(5), ID2LABEL)
    assert [(s, e, l) for s, e, l, _ in found] == [(3, 4, "PER")]


def test_scores_average_over_the_entity():
    enc = one_token_per_char(3)
    [(_, _, _, score)] = decode_spans(enc, tags("B-INST", "I-INST", "O"), np.array([0.9, 0.5, 0.1]), ID2LABEL)
    assert abs(score - 0.7) < 1e-9


def test_multi_character_tokens_map_back_to_characters():
    enc = Encoded(np.arange(3), np.array([0, 2, 6]), np.array([2, 6, 7]))
    [(start, end, label, _)] = decode_spans(enc, tags("O", "B-INST", "I-INST"), np.ones(3), ID2LABEL)
    assert (start, end, label) == (2, 7, "INST")


def test_training_labels_open_an_entity_that_starts_inside_a_token():
    enc = Encoded(np.arange(2), np.array([0, 3]), np.array([3, 5]))  # tokens "abc", "de"
    labels = token_labels(enc, [Span(1, 5, "INST")], L2I)
    assert [LABELS[i] for i in labels] == ["B-INST", "I-INST"]
