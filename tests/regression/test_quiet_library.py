"""Loading a model printed transformers' "Loading weights" bar and load report;
a library call prints nothing unless asked."""

from medcoop.tagging.tagger import Tagger


def test_from_pretrained_prints_nothing(tiny_bert, capfd):
    capfd.readouterr()
    tagger = Tagger.from_pretrained(tiny_bert, device="cpu")
    tagger.tag("威海市中医院副院长许德峰")
    assert capfd.readouterr() == ("", "")


def test_loading_a_base_for_training_prints_no_weight_report(tiny_bert, tmp_path, capfd):
    """The fresh head's "missing weights" table was printed by every `medcoop train`."""
    from transformers import AutoTokenizer, BertModel

    from medcoop.annotation.bio import bio_labels
    from medcoop.training.config import Stage, TrainConfig
    from medcoop.training.encoder.base_model import load_base

    encoder_only = tmp_path / "encoder"  # an encoder without a tagging head, as every base is
    BertModel.from_pretrained(tiny_bert).save_pretrained(encoder_only)
    AutoTokenizer.from_pretrained(tiny_bert).save_pretrained(encoder_only)
    config = TrainConfig(output_dir="unused", base_model=str(encoder_only), tokenizer="native",
                         stages=[Stage(name="s", data=["x.jsonl"])])
    capfd.readouterr()
    load_base(config, bio_labels())
    assert capfd.readouterr() == ("", "")
