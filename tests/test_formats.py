"""Annotation formats: span JSONL is the source of truth; BIO, doccano, Label Studio around it."""

import json
from pathlib import Path

import pytest

from medcoop.annotation.document import AnnotatedDocument, Span
from medcoop.annotation.bio import spans_to_tags, tags_to_spans
from medcoop.annotation.formats import (
    read_conll, read_doccano, read_jsonl, read_label_studio,
    write_conll, write_doccano, write_jsonl,
)

RESOURCES = Path(__file__).parent / "resources"
ANNOTATIONS = [Path(__file__).resolve().parents[1] / "annotations" / name for name in ("seeds.jsonl", "corpus.jsonl")]


def real_documents() -> list[AnnotatedDocument]:
    """The project's own annotated documents, plus the small hand-made examples."""
    docs = [d for path in ANNOTATIONS for d in read_jsonl(path)]
    return docs + read_doccano(RESOURCES / "doccano.jsonl")


def test_bio_tags_follow_the_spans_character_by_character():
    tags = spans_to_tags(5, [Span(0, 3, "ROLE"), Span(3, 5, "PER")])
    assert tags == ["B-ROLE", "I-ROLE", "I-ROLE", "B-PER", "I-PER"]
    assert tags_to_spans(tags) == [(0, 3, "ROLE"), (3, 5, "PER")]


def test_a_stray_inside_tag_starts_a_span_when_reading_files():
    assert tags_to_spans(["O", "I-PER", "I-PER", "B-PER", "I-ROLE"]) == [(1, 3, "PER"), (3, 4, "PER"), (4, 5, "ROLE")]


def test_strict_decoding_drops_inside_tags_that_open_nothing():
    assert tags_to_spans(["O", "I-PER", "I-PER", "B-PER", "I-ROLE"], strict=True) == [(3, 4, "PER")]


def test_bmes_tags_read_like_bio():
    assert tags_to_spans(["B-NAME", "M-NAME", "E-NAME", "S-ORG", "O"]) == [(0, 3, "NAME"), (3, 4, "ORG")]


def test_jsonl_to_conll_to_jsonl_is_the_identity(tmp_path):
    docs = real_documents()
    write_jsonl(docs, tmp_path / "a.jsonl")
    write_conll(read_jsonl(tmp_path / "a.jsonl"), tmp_path / "a.conll")
    write_jsonl(read_conll(tmp_path / "a.conll"), tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text()


def test_conll_keeps_line_breaks_spaces_and_tabs(tmp_path):
    doc = AnnotatedDocument("x", "第一行 \t\n\n 第二行\n", [Span(0, 3, "INST")])
    write_conll([doc], tmp_path / "x.conll")
    [back] = read_conll(tmp_path / "x.conll")
    assert (back.id, back.text, back.spans) == ("x", doc.text, doc.spans)


def test_doccano_to_jsonl_to_doccano_keeps_texts_and_spans(tmp_path):
    for name in ("doccano.jsonl", "doccano_entities.jsonl"):
        original = read_doccano(RESOURCES / name)
        write_jsonl(original, tmp_path / "spans.jsonl")
        assert "_doccano" not in (tmp_path / "spans.jsonl").read_text(encoding="utf-8")
        write_doccano(read_jsonl(tmp_path / "spans.jsonl"), tmp_path / name)
        back = read_doccano(tmp_path / name)
        assert [(d.id, d.text, d.spans) for d in back] == [(d.id, d.text, d.spans) for d in original]


def test_label_studio_export_takes_the_last_kept_annotation():
    [doc] = read_label_studio(RESOURCES / "label_studio.json")
    assert doc.id == 11
    assert doc.span_texts() == [
        ("记者", "ROLE"), ("刘永胜", "PER"), ("通讯员", "ROLE"), ("刘晓飞", "PER"), ("洛阳市中医院医疗集团", "INST"),
    ]


def test_unknown_format_names_are_explained():
    from medcoop.annotation.formats import read_any

    with pytest.raises(ValueError, match="unknown format 'xml'"):
        read_any(RESOURCES / "doccano.jsonl", "xml")
