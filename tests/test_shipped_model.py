"""The model shipped in the package loads offline and reads a real seed correctly."""

from pathlib import Path

import medcoop
from medcoop.tagging.tagger import SHIPPED_MODEL

SEED = next((Path(__file__).resolve().parents[2] / "shared" / "seeds").glob("003_*.txt"))


def test_the_shipped_model_is_small_safetensors():
    files = {p.name: p.stat().st_size for p in SHIPPED_MODEL.iterdir()}
    assert "model.safetensors" in files and not any(n.endswith((".bin", ".pt", ".pth")) for n in files)
    assert files["model.safetensors"] <= 60 * 2**20
    assert (SHIPPED_MODEL / "medcoop.json").exists() and (SHIPPED_MODEL / "training_record.json").exists()


def test_tag_reads_seed_003():
    text = SEED.read_text(encoding="utf-8")
    found = {(e.label, e.text) for e in medcoop.tag(text)}
    assert ("INST", "威海市中醫(yī)院") in found
    assert ("INST", "威海市中心醫(yī)院") in found
    assert ("AGR", "戰(zhàn)略合作協(xié)議") in found
    assert ("PER", "許德峰") in found and ("PER", "李剛") in found
    assert ("ROLE", "副院長") in found


def test_extract_finds_the_seed_003_agreement():
    doc = medcoop.extract(SEED.read_text(encoding="utf-8"))
    event = next(e for e in doc.events if e.type == "strategic_cooperation_agreement")
    assert {"威海市中医院", "威海市中心医院"} <= {p.name for p in event.parties}
    assert {"李刚", "许德峰"} <= {s.name for s in event.signatories}
    assert event.date == "2024-11-08"
