"""Dev micro-F1 against the number of training documents, as a table and a plot:
``python -m medcoop.training.learning_curve --out docs/learning_curve.png "68=runs/e5-small-l12/model" ...``.

Each point is ``DOCUMENTS=MODEL_FOLDER``, or ``ARM:DOCUMENTS=MODEL_FOLDER`` to draw
several curves (say, round-1 data alone and round-2 added) in one table and plot. Every
model is scored here, on the same documents and with the same evaluation as ``medcoop
evaluate`` (strict spans on raw offsets), rather than read from its training record,
because records of older runs hold scores on an older, smaller dev split; a ``medcoop
evaluate --json`` file of those documents may stand for a model folder that was not kept.
The plot needs matplotlib (``pip install matplotlib``), which the package itself does not.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from medcoop.constants import DEFAULT_ANNOTATIONS, DEFAULT_SPLITS, LABELS

__all__ = ["CurvePoint", "score_points", "read_scores", "markdown_table", "plot"]


@dataclass
class CurvePoint:
    documents: int
    model: str
    micro: float
    per_label: dict[str, float]
    arm: str = ""  # which curve the point belongs to; "" when there is one


def parse_point(text: str) -> tuple[int, str] | tuple[int, str, str]:
    """``"154=runs/x/model"`` gives ``(154, "runs/x/model")``; ``"round 1:17=runs/y/model"``
    gives ``(17, "runs/y/model", "round 1")``."""
    left, sep, folder = text.partition("=")
    arm, _, documents = left.rpartition(":")
    if not sep or not documents.isdigit() or not folder:
        raise argparse.ArgumentTypeError(f"{text!r}: write a point as DOCUMENTS=MODEL_FOLDER or ARM:DOCUMENTS=MODEL_FOLDER, "
                                         "e.g. 154=runs/lc-25/model")
    return (int(documents), folder, arm) if arm else (int(documents), folder)


def score_points(points: list[tuple], data: str = "annotations:dev") -> list[CurvePoint]:
    from medcoop.tagging.tagger import Tagger
    from medcoop.training.data import resolve_data
    from medcoop.training.evaluate import evaluate_tagger

    docs = None  # read only if some point is a model to score, not a scores file
    scored = []
    for documents, folder, *arm in points:
        if folder.endswith(".json"):
            micro, per_label = read_scores(folder)
        else:
            if docs is None:
                docs, _ = resolve_data(data, splits=DEFAULT_SPLITS, annotations=[str(p) for p in DEFAULT_ANNOTATIONS],
                                       datasets_dir=".")
            scores = evaluate_tagger(Tagger.from_pretrained(folder), docs)
            micro, per_label = scores.micro.f1, {l: scores.per_label[l].f1 for l in LABELS}
        scored.append(CurvePoint(documents, folder, micro, per_label, *arm))
    arms = list(dict.fromkeys(p.arm for p in scored))  # in the order given
    return sorted(scored, key=lambda p: (arms.index(p.arm), p.documents))


def read_scores(path: str | Path) -> tuple[float, dict[str, float]]:
    """Micro and per-label F1 from a ``medcoop evaluate --json`` file: a point whose model
    folder is gone (or too big to keep) can still be drawn from its recorded scores, which
    must have been measured on the same documents as the others."""
    import json

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    try:
        return data["micro"]["f1"], {l: data["per_label"][l]["f1"] for l in LABELS}
    except (KeyError, TypeError) as error:
        raise ValueError(f"{path}: not the scores of `medcoop evaluate --json` (missing {error}); "
                         "write it with medcoop evaluate --data annotations:dev --json") from None


def markdown_table(points: list[CurvePoint]) -> str:
    arms = any(p.arm for p in points)
    rows = ["| " + ("arm | " if arms else "") + "training documents | model | dev micro | " + " | ".join(LABELS) + " |",
            "|---" * (3 + arms + len(LABELS)) + "|"]
    rows += ["| " + (f"{p.arm} | " if arms else "") + f"{p.documents} | `{p.model}` | {p.micro:.3f} | "
             + " | ".join(f"{p.per_label[l]:.3f}" for l in LABELS) + " |" for p in points]
    return "\n".join(rows)


def plot(points: list[CurvePoint], out: str | Path, title: str = "") -> Path:
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError("the learning-curve plot needs matplotlib: pip install matplotlib") from error
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    arms = list(dict.fromkeys(p.arm for p in points))
    styles = ["-", "--", ":", "-."]
    # micro on the left, the labels on the right: ten lines in one panel cannot be read
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), dpi=100, sharey=True)
    for n, arm in enumerate(arms):
        mine = [p for p in points if p.arm == arm]
        x, style = [p.documents for p in mine], styles[n % len(styles)]
        left.plot(x, [p.micro for p in mine], "o" + style, color="black", label=arm or "micro")
        for colour, label in enumerate(LABELS):
            right.plot(x, [p.per_label[label] for p in mine], "." + style, color=f"C{colour}",
                       label=f"{label}, {arm}" if arm else label)
    ticks = sorted({p.documents for p in points})
    for ax, name in ((left, "micro"), (right, "per label")):
        # doublings of the data are what annotation buys, so they get equal steps
        ax.set_xscale("log", base=2)
        ax.set_xticks(ticks, [str(n) for n in ticks])
        ax.set_xlabel("in-domain training documents (log scale)")
        ax.set_title(f"{title} ({name})" if title else name, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    left.set_ylabel("dev F1 (strict spans)")
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
