"""tag_many(n_process=N) and medcoop tag --jobs N: worker processes, the same results, in order."""

import json

import pytest

import medcoop.tagging.parallel as parallel
from medcoop.cli import main
from medcoop.tagging.tagger import Tagger

TEXTS = [f"威海市中醫(yī)院第{i}次與北京中医药大学签署战略合作协议，副院长许德峰出席。" * (1 + i % 5) + "\n" * (i % 2)
         for i in range(40)]


def test_two_processes_give_what_one_gives_in_input_order_reading_lazily(tiny_bert, monkeypatch):
    monkeypatch.setattr(parallel, "TASK_CHARS", 300)  # many small tasks, so that order matters
    tagger = Tagger.from_pretrained(tiny_bert, device="cpu")
    expected = list(tagger.tag_many(TEXTS))
    pulled = []

    def texts():
        for text in TEXTS:
            pulled.append(text)
            yield text

    stream = tagger.tag_many(texts(), n_process=2)
    first = next(stream)
    read_ahead = len(pulled)
    assert same_entities([first, *stream], expected)
    assert read_ahead < len(TEXTS)  # input is read as results come back, not all at once
    assert sum(map(len, expected)) > 0


def same_entities(got, want) -> bool:
    """Equal spans, labels and texts; scores equal to 1e-4. Workers batch the windows of
    smaller groups of texts, and a window's padding can move a probability in its last
    bits, which the 4-decimal score shows once in a few thousand entities."""
    return len(got) == len(want) and all(
        len(g) == len(w) and all((a.start, a.end, a.label, a.text, a.normalized) == (b.start, b.end, b.label, b.text, b.normalized)
                                 and abs(a.score - b.score) <= 1.01e-4 for a, b in zip(g, w))
        for g, w in zip(got, want))


@pytest.mark.parametrize("n", [0, -2, 1.5, True, "2"])
def test_bad_process_counts_are_refused_when_called(tiny_bert, n):
    tagger = Tagger.from_pretrained(tiny_bert, device="cpu")
    with pytest.raises(ValueError, match="n_process"):
        tagger.tag_many(TEXTS, n_process=n)


def test_a_tagger_built_by_hand_cannot_be_copied_into_workers(tiny_bert):
    loaded = Tagger.from_pretrained(tiny_bert, device="cpu")
    by_hand = Tagger(loaded.runner, loaded.tokenizer, loaded.id2label, loaded.settings)
    with pytest.raises(ValueError, match="from_pretrained"):
        by_hand.tag_many(TEXTS, n_process=2)
    assert len(list(by_hand.tag_many(TEXTS[:2], n_process=1))) == 2


def test_cli_jobs_prints_the_same_lines(tiny_bert, tmp_path, capsys):
    files = []
    for i, text in enumerate(TEXTS[:6]):
        files.append(tmp_path / f"{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        assert main(["tag", "--model", str(tiny_bert), "--device", "cpu", "--jobs", jobs, *map(str, files)]) == 0
        outputs.append([json.loads(line) for line in capsys.readouterr().out.splitlines()])
    spans = [[(e["start"], e["end"], e["label"]) for e in o["entities"]] for out in outputs for o in out]
    assert spans[:len(files)] == spans[len(files):] and [o["file"] for o in outputs[1]] == [str(f) for f in files]
