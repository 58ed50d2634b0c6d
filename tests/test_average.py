"""Weight averaging ("model soup") of taggers of one architecture."""

import pytest
from safetensors.torch import load_file

from conftest import build_tiny_bert
from medcoop.tagging.tagger import Tagger
from medcoop.training.average import average_models


def test_the_average_is_the_mean_of_the_weights_and_tags(tmp_path):
    a = build_tiny_bert(tmp_path / "a", seed=1)
    b = build_tiny_bert(tmp_path / "b", seed=2)
    out = average_models([a, b], tmp_path / "soup", weights=[3, 1])
    wa, wb, mean = (load_file(str(f / "model.safetensors")) for f in (a, b, out))
    name = "classifier.weight"
    assert (mean[name] - (0.75 * wa[name] + 0.25 * wb[name])).abs().max() < 1e-6
    assert not (mean[name] == wa[name]).all()
    tagger = Tagger.from_pretrained(out, device="cpu")
    assert isinstance(tagger.tag("北京协和医院与清华大学签署合作协议"), list)


def test_models_with_other_labels_are_refused(tmp_path):
    a = build_tiny_bert(tmp_path / "a")
    b = build_tiny_bert(tmp_path / "b", labels=["O", "B-ORG", "I-ORG"])
    with pytest.raises(ValueError, match="one label set"):
        average_models([a, b], tmp_path / "soup")


def test_one_folder_is_not_an_average(tmp_path):
    with pytest.raises(ValueError, match="at least two"):
        average_models([build_tiny_bert(tmp_path / "a")], tmp_path / "soup")
