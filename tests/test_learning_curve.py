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
    assert parse_point("round 1 alone:17=runs/y/model") == (17, "runs/y/model", "round 1 alone")
    with pytest.raises(argparse.ArgumentTypeError, match="DOCUMENTS=MODEL_FOLDER"):
        parse_point("runs/x/model")
    with pytest.raises(argparse.ArgumentTypeError, match="DOCUMENTS=MODEL_FOLDER"):
        parse_point("round 1:some=runs/x/model")


def test_two_arms_keep_their_order_and_get_a_column(tmp_path, monkeypatch):
    from medcoop.annotation.document import AnnotatedDocument, Span
    import medcoop.training.data as data

    gold = [AnnotatedDocument(id="d1", text="北京协和医院院长张三", spans=[Span(0, 6, "INST")])]
    monkeypatch.setattr(data, "resolve_data", lambda spec, **kw: (gold, spec))
    model = str(build_tiny_bert(tmp_path / "a", seed=1))
    points = score_points([(68, model, "round 2 added"), (34, model, "round 1 alone"), (17, model, "round 1 alone")])
    assert [(p.arm, p.documents) for p in points] == [("round 2 added", 68), ("round 1 alone", 17), ("round 1 alone", 34)]
    rows = markdown_table(points).splitlines()
    assert rows[0].startswith("| arm | training documents") and rows[4].startswith("| round 1 alone | 34 |")


def test_a_scores_file_stands_for_a_model_that_was_not_kept(tmp_path):
    import json

    scores = {"micro": {"f1": 0.8}, "per_label": {l: {"f1": 0.7} for l in ["INST", "ROLE", "PER", "AGR"]}}
    (tmp_path / "old.json").write_text(json.dumps(scores))
    (point,) = score_points([(154, str(tmp_path / "old.json"), "round 2 added")])
    assert (point.micro, point.per_label["AGR"], point.arm) == (0.8, 0.7, "round 2 added")
    (tmp_path / "bad.json").write_text(json.dumps({"micro": 0.8}))
    with pytest.raises(ValueError, match="medcoop evaluate --json"):
        score_points([(154, str(tmp_path / "bad.json"))])


def test_the_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    points = [CurvePoint(n, "m", f, dict.fromkeys(["INST", "ROLE", "PER", "AGR"], f)) for n, f in [(10, 0.5), (40, 0.7)]]
    out = plot(points, tmp_path / "curve.png", "test")
    assert out.stat().st_size > 1000
    two_arms = points + [CurvePoint(n, "m", f, dict.fromkeys(["INST", "ROLE", "PER", "AGR"], f), "other") for n, f in [(5, 0.4)]]
    assert plot(two_arms, tmp_path / "arms.png").stat().st_size > 1000
