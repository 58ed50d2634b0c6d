"""A CRLF file was read with newline translation, so every entity after the first line
break had offsets one character off per line break in the file as stored."""

import json

from medcoop.cli import main
from medcoop.text.reading import read_file

TEXT = "威海市中医院与威海市中心医院签约。\r\n威海市中医院副院长许德峰出席。\r\n"


def test_tag_offsets_index_the_crlf_file_as_stored(tmp_path, tiny_bert, capsys):
    path = tmp_path / "crlf.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    assert main(["tag", "--format", "jsonl", "--model", str(tiny_bert), str(path)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    entities = json.loads(line)["entities"]
    with open(path, encoding="utf-8", newline="") as f:
        stored = f.read()
    assert stored == TEXT
    # The tiny random model (seed 0) tags something after the first line break,
    # which is where translated newlines would shift the offsets.
    assert any(e["start"] > TEXT.index("\r\n") for e in entities)
    for e in entities:
        assert stored[e["start"]:e["end"]] == e["text"]


def test_read_file_keeps_carriage_returns(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    read = read_file(path)
    assert read.text == TEXT and read.text.count("\r\n") == 2
    assert read.encoding == "utf-8"
