"""The learning-curve tool: models scored on one document set, a table and a plot."""

import argparse

import pytest

from conftest import build_tiny_bert
from medcoop.training.learning_curve import CurvePoint, markdown_table, parse_point, plot, score_points


def test_points_are_scored_on_the_same_documents_and_sorted(tmp_path, monkeypatch):
    from medcoop.annotation.document import AnnotatedDocument, Span
    import medcoop.training.data as data

    gold = [AnnotatedDocument(id="d1", text="北京协和医院院长张三", spans=[Span(0, 6, "INST"), Span(6, 8, "ROLE"), Span(8, 10, "PER")])]
    monkeypatch.setattr(data, "resolve_data", lambda spec, **kw: (gold, spec))
    small, large = build_tiny_bert(tmp_path / "a", seed=1), build_tiny_bert(tmp_path / "b", seed=2)
    points = score_points([(200, str(large)), (50, str(small))])
    assert [p.documents for p in points] == [50, 200]
    assert all(0 <= p.micro <= 1 and set(p.per_label) == {"INST", "ROLE", "PER", "AGR"} for p in points)
    table = markdown_table(points)
    assert table.count("\n") == 3 and "| 50 |" in table.splitlines()[2]


def test_a_point_must_say_how_many_documents():
    assert parse_point("154=runs/x/model") == (154, "runs/x/model")
    with pytest.raises(argparse.ArgumentTypeError, match="DOCUMENTS=MODEL_FOLDER"):
        parse_point("runs/x/model")


def test_the_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    points = [CurvePoint(n, "m", f, dict.fromkeys(["INST", "ROLE", "PER", "AGR"], f)) for n, f in [(10, 0.5), (40, 0.7)]]
    out = plot(points, tmp_path / "curve.png", "test")
    assert out.stat().st_size > 1000
