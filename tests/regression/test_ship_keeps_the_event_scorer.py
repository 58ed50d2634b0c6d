"""Bug: shipping a new tagger replaced the whole model/weights folder, and with it the
event scorer (events.safetensors, events.json) that `medcoop train-events` had put there."""

import json

from conftest import build_tiny_bert
from medcoop.tagging.tagger import TaggerSettings
from medcoop.training.ship import ship


def test_shipping_a_tagger_keeps_the_event_scorer_beside_it(tmp_path):
    run = build_tiny_bert(tmp_path / "run" / "model")
    TaggerSettings(max_length=64, margin=8).save(run)
    target = tmp_path / "weights"
    target.mkdir()
    (target / "events.json").write_text(json.dumps({"kinds": {}}), encoding="utf-8")
    (target / "events.safetensors").write_bytes(b"scorer")
    (target / "old.bin").write_bytes(b"stale")
    ship(run, target=target)
    assert json.loads((target / "events.json").read_text()) == {"kinds": {}}
    assert (target / "events.safetensors").read_bytes() == b"scorer"
    assert not (target / "old.bin").exists()
