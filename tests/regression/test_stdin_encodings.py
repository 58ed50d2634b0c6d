"""Standard input was read as UTF-8 text: GBK and Big5 news came out as mojibake and
binary data was tagged as if it were text. Now stdin is decoded exactly like a file."""

import io
import json
import shutil
from pathlib import Path

import pytest

from medcoop.cli import main
from medcoop.text.reading import UnreadableInput, decode

SIMPLIFIED = "威海市中医院与威海市中心医院签署战略合作协议，副院长许德峰出席签约仪式。"
TRADITIONAL = "威海市中醫院與威海市中心醫院簽署戰略合作協議，副院長許德峰出席簽約儀式。"


def binary_bytes() -> bytes:
    ls = shutil.which("ls")
    return Path(ls).read_bytes()[:4096] if ls else bytes(range(256)) * 16


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_gbk_and_gb18030_bytes_are_read_as_gb18030(codec):
    read = decode(SIMPLIFIED.encode(codec))
    assert (read.text, read.encoding) == (SIMPLIFIED, "gb18030")


def test_big5_bytes_are_read_as_big5():
    read = decode(TRADITIONAL.encode("big5"))
    assert (read.text, read.encoding) == (TRADITIONAL, "big5")


def test_binary_data_is_refused():
    data = binary_bytes()
    assert b"\x00" in data
    with pytest.raises(UnreadableInput, match="binary"):
        decode(data)


def stdin_of(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_cli_reads_gbk_stdin(monkeypatch, capsys, tiny_bert):
    stdin_of(monkeypatch, SIMPLIFIED.encode("gbk"))
    assert main(["tag", "--model", str(tiny_bert)]) == 0
    captured = capsys.readouterr()
    [line] = captured.out.splitlines()
    result = json.loads(line)
    assert (result["file"], result["encoding"]) == ("<stdin>", "gb18030")
    assert all(SIMPLIFIED[e["start"]:e["end"]] == e["text"] for e in result["entities"])
    assert "read as gb18030" in captured.err


def test_cli_refuses_binary_stdin(monkeypatch, capsys, tiny_bert):
    stdin_of(monkeypatch, binary_bytes())
    assert main(["tag", "--model", str(tiny_bert)]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "binary" in captured.err
