"""Public NER corpora from ../shared/datasets, mapped to our labels, with reports."""

from pathlib import Path

import pytest

from medcoop.training.public_corpora import load_public

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


# The corpora's own counts in ../shared/datasets: sentences, sentences kept, spans
# mapped to our labels, spans turned to O.
@pytest.mark.parametrize("name, split, counts", [
    ("cluener", "dev", (1343, 1171, 1205, 1381)),
    ("resume", "dev", (463, 463, 1167, 330)),
    ("msra", "test", (3442, 3442, 3304, 2886)),
])
def test_each_corpus_converts_and_accounts_for_every_span(name, split, counts):
    docs, report = load_public(name, split, DATASETS)
    assert report.sentences == len(docs) + report.sentences_left_out
    assert sum(report.mapped.values()) == sum(len(d.spans) for d in docs)
    assert {s.label for d in docs for s in d.spans} <= {"INST", "ROLE", "PER"}
    assert all(d.text[s.start:s.end] for d in docs for s in d.spans)
    assert (report.sentences, len(docs), sum(report.mapped.values()), sum(report.to_o.values())) == counts


def test_cluener_mapping_decisions():
    docs, report = load_public("cluener", "dev", DATASETS)
    assert report.sentences == 1343 and report.left_out["organization"] > 300  # teams and bands leave
    roles = [d.text[s.start:s.end] for d in docs for s in d.spans if s.label == "ROLE"]
    assert "专家" not in roles and "主持人" not in roles  # generic people are O in our guideline
    assert "总经理" in roles
    assert report.to_o["address"] == 354


def test_resume_drops_party_membership_and_professional_titles():
    docs, _ = load_public("resume", "train", DATASETS)
    roles = {d.text[s.start:s.end] for d in docs for s in d.spans if s.label == "ROLE"}
    assert "董事长" in roles and "中共党员" not in roles and "高级工程师" not in roles


def test_msra_never_teaches_posts_or_agreements_as_o():
    docs, report = load_public("msra", "test", DATASETS)
    assert report.mapped["ORG->INST"] == 1331 and report.to_o["LOC"] == 2886
    ignored = {d.text[a:b] for d in docs for a, b in d.meta.get("ignore", [])}
    assert {"书记", "合作"} <= ignored
