"""A baseline that only knows INST and PER was charged for every gold post and
agreement in the micro-average; scoring a label subset must ignore the others."""

from medcoop.annotation.document import AnnotatedDocument, Span
from medcoop.training.evaluate import score_spans


def test_micro_average_covers_only_the_scored_labels():
    doc = AnnotatedDocument("d", "北京大学校长王明", [Span(0, 4, "INST"), Span(4, 6, "ROLE"), Span(6, 8, "PER")])
    scores = score_spans([doc], [[(0, 4, "INST"), (6, 8, "PER")]], labels=("INST", "PER"))
    assert scores.micro.support == 2 and scores.micro.f1 == 1.0
    assert set(scores.per_label) == {"INST", "PER"}
