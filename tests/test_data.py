"""Training windows: special positions and the corpus's unlabelled regions carry no loss (-100)."""

import pytest
from transformers import AutoTokenizer

from medcoop.annotation.bio import bio_labels
from medcoop.annotation.document import AnnotatedDocument, Span
from medcoop.training.data import documents_to_windows

LABEL2ID = {label: i for i, label in enumerate(bio_labels())}
O, B_INST, I_INST = LABEL2ID["O"], LABEL2ID["B-INST"], LABEL2ID["I-INST"]


@pytest.fixture(scope="module")
def tokenizer(tiny_bert):
    return AutoTokenizer.from_pretrained(tiny_bert)


def test_special_positions_and_ignored_regions_are_minus_100(tokenizer):
    # 威海市中医院 is an INST; 副院长 lies in a region the corpus never labels (MSRA has no posts).
    doc = AnnotatedDocument("d", "威海市中医院副院长许德峰出席。", [Span(0, 6, "INST")], meta={"ignore": [[6, 9]]})
    windows = documents_to_windows([doc], tokenizer, LABEL2ID, max_length=64, margin=8)
    [ids], [labels] = windows["input_ids"], windows["labels"]
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
    assert ids[1:-1] == tokenizer.convert_tokens_to_ids(list(doc.text))
    assert labels == [-100, B_INST, *[I_INST] * 5, -100, -100, -100, *[O] * 6, -100]


def test_ignored_regions_move_with_the_normalisation(tokenizer):
    # Raw 醫(yī)院 is clean 医院: the ignored raw span [6, 12) covers 副院長 after it.
    doc = AnnotatedDocument("d", "威海市中醫(yī)院副院長許德峰", [Span(0, 10, "INST")], meta={"ignore": [[10, 13]]})
    [labels] = documents_to_windows([doc], tokenizer, LABEL2ID, max_length=64, margin=8)["labels"]
    assert labels == [-100, B_INST, *[I_INST] * 5, -100, -100, -100, O, O, O, -100]


def test_every_window_of_a_long_document_opens_and_closes_on_special_tokens(tokenizer):
    doc = AnnotatedDocument("d", "威海市中医院与威海市中心医院签约。" * 6, [Span(0, 6, "INST")])
    windows = documents_to_windows([doc], tokenizer, LABEL2ID, max_length=16, margin=3)
    assert len(windows["labels"]) > 1
    for ids, labels in zip(windows["input_ids"], windows["labels"]):
        assert len(ids) == len(labels) <= 16
        assert (ids[0], ids[-1]) == (tokenizer.cls_token_id, tokenizer.sep_token_id)
        assert labels[0] == labels[-1] == -100 and -100 not in labels[1:-1]


def test_learning_curve_subsets_are_nested_and_can_name_one_round():
    from medcoop.constants import DEFAULT_ANNOTATIONS, DEFAULT_SPLITS
    from medcoop.training.data import resolve_data

    def ids(spec):
        docs, _ = resolve_data(spec, splits=DEFAULT_SPLITS, annotations=[str(p) for p in DEFAULT_ANNOTATIONS],
                               datasets_dir=".")
        return {d.id for d in docs}

    round1, round2, every = ids("annotations:train:round1"), ids("annotations:train:round2"), ids("annotations:train")
    assert round1 | round2 == every and not round1 & round2
    quarter, half = ids("annotations:train:round2:25%"), ids("annotations:train:round2:50%")
    assert quarter < half < round2 and len(half) == round(len(round2) / 2)
    assert all(not i.startswith("x") for i in round1) and all(i.startswith("x") for i in round2)


@pytest.mark.parametrize("spec, message", [
    ("annotations:train:round3", "at most one annotation round"),
    ("annotations:train:0%", "one percentage between 0 and 100"),
    ("annotations:train:25%:50%", "one percentage"),
    ("annotations:test:round1", "kept for the benchmark"),
])
def test_bad_subsets_say_how_to_write_them(spec, message):
    from medcoop.constants import DEFAULT_ANNOTATIONS, DEFAULT_SPLITS
    from medcoop.training.data import resolve_data

    with pytest.raises(ValueError, match=message):
        resolve_data(spec, splits=DEFAULT_SPLITS, annotations=[str(p) for p in DEFAULT_ANNOTATIONS], datasets_dir=".")
