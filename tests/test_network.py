"""The cooperation network: build, tables, graph, page, and the corpus job
(failures recorded, kill and resume, the Ray engine). A gazetteer tagger stands
in for the model (tests/network_fakes.py) except in the one smoke test."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from medcoop.network import build
from medcoop.network.job import run_job
from medcoop.network.outputs import OUTPUT_FILES
from network_fakes import FakeExtractor, corpus

TESTS = Path(__file__).parent
FAKE = "network_fakes:FakeExtractor"
ALL_FILES = ("documents.jsonl", "errors.csv", *OUTPUT_FILES)


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def extracted(rows):
    return [(r["id"], doc) for r, doc in zip(rows, FakeExtractor().extract_many([r["text"] for r in rows]))]


def test_build_reads_extract_results_and_their_dicts_alike():
    rows = corpus(7)
    from_objects = build(extracted(rows))
    from_dicts = build([{"id": i, "text": r["text"], **doc.to_dict()} for (i, doc), r in zip(extracted(rows), rows)])
    assert from_objects.to_frames().events.equals(from_dicts.to_frames().events)
    names = [i.name for i in from_objects.institutions]
    assert "威海市中医院" in names and "威海市中醫(yī)院" not in names  # one canonical, simplified name
    [event] = [e for e in from_objects.events if e.document == "d000"]
    assert event.parties == ["威海市中医院", "威海市中心医院"]
    assert any("签字" in sentence for sentence in event.evidence_text)


@dataclass
class Party:  # the shape events.rules is moving to
    name: str
    mentions: list


def test_parties_as_names_or_with_mentions_build_the_same_network():
    def doc(parties):
        return {"id": "a", "entities": [], "events": [
            {"type": "medical_alliance", "agreement": "医联体", "parties": parties, "evidence": [[0, 5]],
             "signatories": [{"name": "许德峰", "party": "市中医院", "posts": ["副院长"]}]}]}

    plain = build([doc(["威海市中医院", "乳山市人民医院", "市中医院"])])
    as_dicts = build([doc([{"name": "威海市中医院", "mentions": [[0, 6]]}, {"name": "乳山市人民医院", "mentions": []},
                           {"name": "市中医院", "mentions": [[9, 13]]}])])
    as_objects = build([doc([Party("威海市中医院", [(0, 6)]), Party("乳山市人民医院", []), Party("市中医院", [])])])
    for network in (plain, as_dicts, as_objects):
        [event] = network.events
        assert event.parties == ["威海市中医院", "乳山市人民医院"]  # 市中医院 is 威海市中医院 in this article
        assert event.signatories == [{"name": "许德峰", "posts": ["副院长"], "party": "威海市中医院"}]
        assert [(e.source, e.target, e.events, e.types) for e in network.edges] == [
            ("乳山市人民医院", "威海市中医院", 1, {"medical_alliance": 1})]


def test_frames_and_graph(tmp_path):
    import networkx as nx

    network = build(extracted(corpus(14)))
    institutions, events, edges = network.to_frames()
    assert list(institutions.columns) == ["name", "aliases", "documents", "events"]
    row = institutions.set_index("name").loc["威海市中医院"]
    assert set(row.aliases.split("|")) == {"威海市中醫(yī)院", "威海市中医院", "市中医院"}
    assert list(events.columns[:2]) == ["document", "type"] and len(events) == 14
    two_parties = sum(len(e.parties) == 2 for e in network.events)
    assert edges.events.sum() == two_parties and set(edges.columns) >= {"source", "target", "events", "types"}
    nx.write_graphml(network.to_networkx(), tmp_path / "g.graphml")
    graph = nx.read_graphml(tmp_path / "g.graphml")
    assert graph.nodes["威海市中医院"]["events"] == row.events
    assert graph.edges["威海市中医院", "威海市中心医院"]["types"] == "strategic_cooperation_agreement:2"


def test_job_records_unreadable_documents_and_goes_on(tmp_path):
    rows = corpus(6) + [{"id": "blank", "text": "   "}, {"id": "bomb", "text": "炸弹。威海市中医院与乳山市人民医院签署合作协议。"}]
    data = write_jsonl(tmp_path / "in.jsonl", [{**r, "date": "2024-05-01"} for r in rows])
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text(corpus(1)[0]["text"], encoding="gb18030")
    (folder / "binary.txt").write_bytes(b"\x00\x01PK\x03\x04" * 20)
    (folder / "empty.txt").write_bytes(b"")
    summary = run_job([data, folder], tmp_path / "out", extractor=FAKE, batch_size=3)
    assert (summary.documents, summary.failed) == (7, 4)
    errors = (tmp_path / "out" / "errors.csv").read_text(encoding="utf-8")
    assert "blank" in errors and "binary data" in errors and "empty" in errors and "extraction failed" in errors
    import pandas as pd

    events = pd.read_csv(tmp_path / "out" / "events.csv")
    assert {"source", "document_date", "date"} <= set(events.columns)  # carried fields; the event's own date
    assert str(folder / "a.txt") in set(events.document)
    assert all((tmp_path / "out" / name).stat().st_size > 0 for name in OUTPUT_FILES)
    with pytest.raises(FileExistsError, match="--resume"):
        run_job([data], tmp_path / "out", extractor=FAKE)


def test_resume_redoes_a_half_written_last_line(tmp_path):
    data = write_jsonl(tmp_path / "in.jsonl", corpus(10))
    run_job([data], tmp_path / "full", extractor=FAKE)
    run_job([data], tmp_path / "cut", extractor=FAKE)
    lines = (tmp_path / "cut" / "documents.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "cut" / "documents.jsonl").write_text("".join(lines[:4]) + lines[4][:50], encoding="utf-8")
    summary = run_job([data], tmp_path / "cut", extractor=FAKE, resume=True)
    assert (summary.skipped, summary.extracted) == (4, 6)
    for name in ALL_FILES:
        assert (tmp_path / "cut" / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name


def test_killed_run_resumes_to_the_files_of_an_uninterrupted_one(tmp_path):
    rows = corpus(40) + [{"id": "empty", "text": ""}]
    data = write_jsonl(tmp_path / "in.jsonl", rows)
    command = [sys.executable, "-m", "medcoop.cli", "network", str(data), "--out", str(tmp_path / "run"),
               "--extractor", FAKE, "--batch-size", "2", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
           "MEDCOOP_FAKE_DELAY": "0.05"}
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    documents = tmp_path / "run" / "documents.jsonl"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not documents.exists() or documents.read_bytes().count(b"\n") < 12):
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done = documents.read_bytes().count(b"\n")
    assert 12 <= done < 40, "the run should have been killed midway"
    assert not (tmp_path / "run" / "network.html").exists()
    resumed = subprocess.run(command + ["--resume"], env={**env, "MEDCOOP_FAKE_DELAY": "0"}, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done} done before" in resumed.stderr

    run_job([data], tmp_path / "whole", extractor=FAKE, batch_size=2)
    for name in ALL_FILES:
        assert (tmp_path / "run" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


def test_network_page_is_self_contained(tmp_path):
    from medcoop.network.html import render_network

    page = render_network(build(extracted(corpus(14))))
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    assert "<script src" not in page and "<link" not in page
    data = json.loads(page.split('<script type="application/json" id="data">')[1].split("</script>")[0])
    assert {n["name"] for n in data["nodes"]} >= {"威海市中医院", "威海市中心医院"}
    assert set(data["colours"]) == {e["type"] for e in data["events"]}
    assert "strategic cooperation agreement" in page  # the legend


def test_ray_local_mode_writes_what_a_single_process_writes(tmp_path, monkeypatch):
    pytest.importorskip("ray")
    rows = corpus(12) + [{"id": "bomb", "text": "炸弹。威海市中医院与乳山市人民医院签署合作协议。"}]
    data = write_jsonl(tmp_path / "in.jsonl", rows)
    # Ray's workers are new processes: they find the fake extractor on PYTHONPATH.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    run_job([data], tmp_path / "local", extractor=FAKE, batch_size=4)
    run_job([data], tmp_path / "ray", extractor=FAKE, batch_size=4, engine="ray", workers=1)
    for name in ALL_FILES:
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name


def test_smoke_the_shipped_model_on_a_seed_article(tmp_path):
    seed = TESTS.parents[1] / "shared" / "seeds" / "003_26cad409f7d8d283.txt"
    summary = run_job([seed], tmp_path / "out")
    assert summary.documents == 1 and summary.events >= 1
    import pandas as pd

    edges = pd.read_csv(tmp_path / "out" / "edges.csv")
    assert {"威海市中医院", "威海市中心医院"} <= set(edges.source) | set(edges.target)
