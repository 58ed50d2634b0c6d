"""Tag decoding: argmax, or Viterbi constrained to valid BIO sequences."""

import numpy as np
import pytest

from medcoop.annotation.bio import bio_labels
from medcoop.tagging.decoding import allowed_transitions, decode_tags, viterbi

LABELS = bio_labels()
ID2LABEL = dict(enumerate(LABELS))
IDX = {label: i for i, label in enumerate(LABELS)}


def probs(*rows):
    """Each row ``{label: p}``; the rest of the mass spread over the other labels."""
    out = np.full((len(rows), len(LABELS)), 0.0)
    for t, row in enumerate(rows):
        rest = (1 - sum(row.values())) / (len(LABELS) - len(row))
        out[t] = rest
        for label, p in row.items():
            out[t, IDX[label]] = p
    return out


def test_viterbi_never_starts_an_entity_inside():
    # argmax says O I-INST I-INST: no valid entity; Viterbi turns the first I into B.
    p = probs({"O": 0.9}, {"I-INST": 0.5, "B-INST": 0.4}, {"I-INST": 0.9})
    ids, _ = decode_tags(p, "viterbi", allowed_transitions(ID2LABEL))
    assert [LABELS[i] for i in ids] == ["O", "B-INST", "I-INST"]
    ids, _ = decode_tags(p, "argmax", allowed_transitions(ID2LABEL))
    assert [LABELS[i] for i in ids] == ["O", "I-INST", "I-INST"]


def test_viterbi_keeps_an_entity_one_label_throughout():
    p = probs({"B-INST": 0.9}, {"I-INST": 0.6, "I-AGR": 0.3}, {"I-AGR": 0.55, "I-INST": 0.4})
    path = viterbi(np.log(p), *allowed_transitions(ID2LABEL))
    assert [LABELS[i] for i in path] == ["B-INST", "I-INST", "I-INST"]


def test_unknown_decoders_are_refused():
    with pytest.raises(ValueError, match="unknown decoder 'crf'"):
        decode_tags(probs({"O": 0.9}), "crf", allowed_transitions(ID2LABEL))
