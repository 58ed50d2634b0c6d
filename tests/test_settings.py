"""medcoop.json: versioned model settings, read from old releases, refused from newer ones."""

import json
import warnings

import pytest

from medcoop.tagging.tagger import ModelVersionWarning, TaggerSettings, load_settings


def folder_with(tmp_path, settings: dict):
    (tmp_path / "medcoop.json").write_text(json.dumps(settings), encoding="utf-8")
    return tmp_path


def test_an_unknown_format_is_refused_with_its_name(tmp_path):
    folder = folder_with(tmp_path, {"format": "medcoop.tagger.v9", "max_length": 128})
    with pytest.raises(ValueError, match="medcoop.tagger.v9"):
        load_settings(folder)


def test_a_v1_file_loads_without_warning(tmp_path):
    folder = folder_with(tmp_path, {"format": "medcoop.tagger.v1", "max_length": 128, "margin": 16})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        settings = load_settings(folder)
    assert (settings.max_length, settings.margin) == (128, 16)
    assert (settings.normalization, settings.edge_rules) == ("medcoop.normalize.v1", "medcoop.edges.v1")


def test_a_model_trained_on_other_normalisation_warns(tmp_path):
    folder = folder_with(tmp_path, {"format": "medcoop.tagger.v2", "max_length": 128, "margin": 16,
                                    "normalization": "medcoop.normalize.v0", "edge_rules": "medcoop.edges.v1"})
    with pytest.warns(ModelVersionWarning, match="medcoop.normalize.v0"):
        settings = load_settings(folder)
    assert settings.normalization == "medcoop.normalize.v0"


def test_saved_settings_read_back_unchanged(tmp_path):
    saved = TaggerSettings(max_length=64, margin=8)
    saved.save(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_settings(tmp_path) == saved


def test_a_plain_hugging_face_folder_gets_the_defaults(tmp_path):
    assert load_settings(tmp_path) == TaggerSettings()
