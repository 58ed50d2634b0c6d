"""--batch-size 0 or -1 silently tagged nothing; now the CLI and the API refuse them."""

import pytest

from medcoop.cli import main
from medcoop.tagging.tagger import Tagger


@pytest.mark.parametrize("size", ["-1", "0"])
def test_cli_refuses_a_batch_size_below_one(tmp_path, capsys, size):
    path = tmp_path / "a.txt"
    path.write_text("威海市中医院", encoding="utf-8")
    with pytest.raises(SystemExit) as exit:
        main(["tag", "--batch-size", size, str(path)])
    assert exit.value.code == 2
    assert "not 1 or more" in capsys.readouterr().err


@pytest.mark.parametrize("size", [-1, 0])
def test_tag_many_refuses_a_batch_size_below_one(tiny_bert, size):
    tagger = Tagger.from_pretrained(tiny_bert, device="cpu")
    with pytest.raises(ValueError, match="batch_size"):
        list(tagger.tag_many(["威海市中医院"], batch_size=size))


def test_from_pretrained_refuses_a_batch_size_below_one(tiny_bert):
    with pytest.raises(ValueError, match="batch_size"):
        Tagger.from_pretrained(tiny_bert, device="cpu", batch_size=0)
