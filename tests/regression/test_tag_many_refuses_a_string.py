"""tag_many("一段文字") tagged each character as a document of its own."""

import pytest

from medcoop.tagging.tagger import Tagger


def test_tag_many_refuses_one_string(tiny_bert):
    tagger = Tagger.from_pretrained(tiny_bert, device="cpu")
    with pytest.raises(TypeError, match="not one str"):
        list(tagger.tag_many("一段文字"))
    assert len(list(tagger.tag_many(["一段文字"]))) == 1
