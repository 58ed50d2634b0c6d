"""Loading a model printed transformers' "Loading weights" bar and load report;
a library call prints nothing unless asked."""

from medcoop.tagging.tagger import Tagger


def test_from_pretrained_prints_nothing(tiny_bert, capfd):
    capfd.readouterr()
    tagger = Tagger.from_pretrained(tiny_bert, device="cpu")
    tagger.tag("威海市中医院副院长许德峰")
    assert capfd.readouterr() == ("", "")
