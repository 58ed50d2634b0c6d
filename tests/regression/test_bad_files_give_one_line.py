"""Malformed input files are a one-line error with exit status 2, never a KeyError traceback."""

import pytest

from medcoop.cli import main


@pytest.mark.parametrize("name, content, args, message", [
    ("in.jsonl", '{"id": 1, "label": []}\n', ["convert", "{in}", "{out}", "--from", "doccano"], "no 'text'"),
    ("tasks.json", '[{"id": 1, "annotations": []}]', ["convert", "{in}", "{out}"], "task 0 has no data.text"),
])
def test_a_malformed_file_is_one_line(tmp_path, capsys, name, content, args, message):
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main([a.format(**{"in": source, "out": out}) for a in args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not out.exists()


def test_tag_many_refuses_bad_arguments_when_called_not_later(tiny_bert):
    from medcoop.tagging.tagger import Tagger

    tagger = Tagger.from_pretrained(tiny_bert, device="cpu")
    with pytest.raises(TypeError):
        tagger.tag_many("一段文字")  # no list(): the call itself refuses
    with pytest.raises(ValueError):
        tagger.tag_many(["一段文字"], batch_size=0)
