"""Dev micro-F1 against the number of training documents, as a table and a plot:
``python -m medcoop.training.learning_curve --out docs/learning_curve.png "68=runs/e5-small-l12/model" ...``.

Each point is ``DOCUMENTS=MODEL_FOLDER``; every model is scored here, on the same
documents and with the same evaluation as ``medcoop evaluate`` (strict spans on raw
offsets), rather than read from its training record, because records of older runs
hold scores on an older, smaller dev split. The plot needs matplotlib
(``pip install matplotlib``), which the package itself does not.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from medcoop.constants import DEFAULT_ANNOTATIONS, DEFAULT_SPLITS, LABELS

__all__ = ["CurvePoint", "score_points", "markdown_table", "plot"]


@dataclass
class CurvePoint:
    documents: int
    model: str
    micro: float
    per_label: dict[str, float]


def parse_point(text: str) -> tuple[int, str]:
    documents, sep, folder = text.partition("=")
    if not sep or not documents.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: write a point as DOCUMENTS=MODEL_FOLDER, e.g. 154=runs/lc-25/model")
    return int(documents), folder


def score_points(points: list[tuple[int, str]], data: str = "annotations:dev") -> list[CurvePoint]:
    from medcoop.tagging.tagger import Tagger
    from medcoop.training.data import resolve_data
    from medcoop.training.evaluate import evaluate_tagger

    docs, _ = resolve_data(data, splits=DEFAULT_SPLITS, annotations=[str(p) for p in DEFAULT_ANNOTATIONS], datasets_dir=".")
    scored = []
    for documents, folder in points:
        scores = evaluate_tagger(Tagger.from_pretrained(folder), docs)
        scored.append(CurvePoint(documents, folder, scores.micro.f1, {l: scores.per_label[l].f1 for l in LABELS}))
    return sorted(scored, key=lambda p: p.documents)


def markdown_table(points: list[CurvePoint]) -> str:
    rows = ["| training documents | model | dev micro | " + " | ".join(LABELS) + " |",
            "|---" * (3 + len(LABELS)) + "|"]
    rows += [f"| {p.documents} | `{p.model}` | {p.micro:.3f} | " + " | ".join(f"{p.per_label[l]:.3f}" for l in LABELS) + " |"
             for p in points]
    return "\n".join(rows)


def plot(points: list[CurvePoint], out: str | Path, title: str = "") -> Path:
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError("the learning-curve plot needs matplotlib: pip install matplotlib") from error
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    x = [p.documents for p in points]
    ax.plot(x, [p.micro for p in points], "o-", color="black", label="micro")
    for label in LABELS:
        ax.plot(x, [p.per_label[label] for p in points], ".--", label=label)
    # doublings of the data are what annotation buys, so they get equal steps
    ax.set_xscale("log", base=2)
    ax.set_xticks(x, [str(n) for n in x])
    ax.set_xlabel("in-domain training documents (log scale)")
    ax.set_ylabel("dev F1 (strict spans)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return Path(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m medcoop.training.learning_curve", description=__doc__.splitlines()[0])
    parser.add_argument("points", nargs="+", type=parse_point, help="DOCUMENTS=MODEL_FOLDER")
    parser.add_argument("--data", default="annotations:dev")
    parser.add_argument("--out", type=Path, help="write the plot here (PNG or SVG)")
    parser.add_argument("--title", default="")
    args = parser.parse_args(argv)
    points = score_points(args.points, args.data)
    print(markdown_table(points))
    if args.out:
        plot(points, args.out, args.title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
