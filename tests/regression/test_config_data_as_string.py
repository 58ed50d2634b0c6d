"""`data: annotations:train` (a string, not a list) was read letter by letter as
data specs "a", "n", ...; the config loader now refuses it and says where."""

import pytest

from medcoop.training.config import load_config


def test_data_written_as_one_string_is_refused(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text("output_dir: runs/x\nstages:\n  - name: ours\n    data: annotations:train\n", encoding="utf-8")
    with pytest.raises(ValueError) as error:
        load_config(path)
    message = str(error.value)
    assert "stages.0.data" in message and str(path) in message


def test_data_as_a_list_is_accepted(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text("output_dir: runs/x\nstages:\n  - name: ours\n    data: [annotations:train]\n", encoding="utf-8")
    assert load_config(path).stages[0].data == ["annotations:train"]
