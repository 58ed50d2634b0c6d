"""How well :func:`medcoop.network.resolve` groups institution mentions across
documents, against the gold clusters of ``annotations/institutions.jsonl``.

The gold file holds one cluster per line, ``{"name": "威海市中医院", "mentions":
[["<doc id>", start, end], ...]}``, the mentions being gold INST spans (raw
offsets). The resolver is run over the documents' INST mentions - the gold
spans (how good resolution is by itself, a diagnostic) or the model's entities
(what users get; a gold mention the model did not find exactly counts as a
cluster of its own) - and its clusters are scored against the gold ones over
the gold mentions, by pairs of mentions (precision: of the pairs put together,
how many belong together; recall: of the pairs that belong together, how many
were put together) and by B-cubed (the same per mention, averaged).

    python -m medcoop.training.evaluate_resolution                   # dev split, gold spans
    python -m medcoop.training.evaluate_resolution --model-entities  # the shipped model's spans
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from medcoop.constants import ANNOTATIONS_DIR, DEFAULT_ANNOTATIONS, DEFAULT_SPLITS
from medcoop.network.records import bracketed_pairs
from medcoop.network.resolve import resolve

from medcoop.training.evaluate import PRF

__all__ = ["GOLD_FILE", "ResolutionScores", "load_gold_clusters", "score_clusters", "predicted_clusters",
           "evaluate_resolution", "main"]

GOLD_FILE = ANNOTATIONS_DIR / "institutions.jsonl"

Mention = tuple[str, int, int]


@dataclass
class ResolutionScores:
    pairwise: PRF  # support: gold pairs, predicted: predicted pairs
    bcubed: PRF  # support and predicted: mentions
    mentions: int
    gold_clusters: int
    predicted_clusters: int
    documents: int
    found: int  # gold mentions the predicted side holds (all of them with gold spans)

    def to_dict(self) -> dict:
        return asdict(self)

    def table(self) -> str:
        rows = ["| measure | precision | recall | F1 |", "|---|---|---|---|"]
        for name, s in (("pairwise", self.pairwise), ("B-cubed", self.bcubed)):
            rows.append(f"| {name} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} |")
        rows.append(f"\n{self.documents} documents, {self.mentions} gold mentions ({self.found} found), "
                    f"{self.gold_clusters} gold clusters, {self.predicted_clusters} predicted")
        return "\n".join(rows)


def load_gold_clusters(path: str | Path = GOLD_FILE) -> dict[Mention, str]:
    """Gold mention -> cluster name; a mention in two clusters is an error in the file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no gold institution clusters; write them first (one line per cluster: "
                                '{"name": ..., "mentions": [[doc, start, end], ...]})')
    gold: dict[Mention, str] = {}
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            for doc, start, end in row["mentions"]:
                mention = (str(doc), int(start), int(end))
                if mention in gold:
                    raise ValueError(f"{path}:{number}: mention {mention} is already in cluster {gold[mention]!r}")
                gold[mention] = f"{number}:{row['name']}"  # the line keeps two clusters of one name apart
    return gold


def score_clusters(gold: dict[Mention, str], predicted: dict[Mention, str]) -> tuple[PRF, PRF]:
    """Pairwise and B-cubed scores of ``predicted`` (mention -> cluster) against
    ``gold``, over the gold mentions (one missing from ``predicted`` is alone).

    >>> gold = {("a", 0, 1): "X", ("a", 2, 3): "X", ("b", 0, 1): "Y"}
    >>> pairwise, bcubed = score_clusters(gold, {("a", 0, 1): "1", ("a", 2, 3): "1", ("b", 0, 1): "1"})
    >>> pairwise.precision, pairwise.recall, bcubed.recall
    (0.3333, 1.0, 1.0)
    """
    pred = {m: predicted.get(m, ("missing", m)) for m in gold}
    cells = Counter((pred[m], gold[m]) for m in gold)
    pred_sizes, gold_sizes = Counter(pred.values()), Counter(gold.values())
    pairs = lambda n: n * (n - 1) // 2
    together = sum(pairs(n) for n in cells.values())
    pairwise = PRF.from_counts(together, sum(map(pairs, gold_sizes.values())), sum(map(pairs, pred_sizes.values())))
    n = len(gold)
    precision = sum(c * c / pred_sizes[p] for (p, _), c in cells.items()) / n if n else 0.0
    recall = sum(c * c / gold_sizes[g] for (_, g), c in cells.items()) / n if n else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    bcubed = PRF(round(precision, 4), round(recall, 4), round(f1, 4), n, n)
    return pairwise, bcubed


def predicted_clusters(docs, entities_of=None) -> dict[Mention, str]:
    """Mention -> canonical name, resolving each document's INST mentions: the gold
    spans, or ``entities_of(doc)`` (a list of entities with start, end, label)."""
    spans: dict[str, list[tuple[int, int]]] = {}
    names = []
    for doc in docs:
        if entities_of is None:
            found = [{"start": s.start, "end": s.end, "label": s.label} for s in doc.spans]
        else:
            found = [{"start": e.start, "end": e.end, "label": e.label} for e in entities_of(doc)]
        inst = [(e["start"], e["end"]) for e in found if e["label"] == "INST"]
        spans[str(doc.id)] = inst
        names.append((str(doc.id), [doc.text[a:b] for a, b in inst] + bracketed_pairs(doc.text, found)))
    resolution = resolve(names)
    texts = {str(d.id): d.text for d in docs}
    return {(doc_id, a, b): resolution.canonical(doc_id, texts[doc_id][a:b])
            for doc_id, inst in spans.items() for a, b in inst}


def evaluate_resolution(docs, gold: dict[Mention, str], tagger=None) -> ResolutionScores:
    """Scores over the documents of ``docs`` that the gold file covers."""
    covered = {m[0] for m in gold}
    docs = [d for d in docs if str(d.id) in covered]
    gold = {m: c for m, c in gold.items() if m[0] in {str(d.id) for d in docs}}
    if tagger is None:
        predicted = predicted_clusters(docs)
    else:
        found = dict(zip((str(d.id) for d in docs), tagger.tag_many([d.text for d in docs])))
        predicted = predicted_clusters(docs, lambda d: found[str(d.id)])
    pairwise, bcubed = score_clusters(gold, predicted)
    return ResolutionScores(pairwise, bcubed, len(gold), len(set(gold.values())),
                            len({predicted.get(m, m) for m in gold}), len(docs), sum(m in predicted for m in gold))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m medcoop.training.evaluate_resolution", description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", default=str(GOLD_FILE), help="gold clusters (default: annotations/institutions.jsonl)")
    parser.add_argument("--data", default="annotations:dev", help="documents: annotations:SPLIT or a span JSONL file")
    parser.add_argument("--model-entities", action="store_true", help="resolve the model's INST mentions, not the gold spans")
    parser.add_argument("--model", help="model folder (default: the shipped model)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from medcoop.annotation.standoff import shared_dir
    from medcoop.training.data import resolve_data

    try:
        gold = load_gold_clusters(args.gold)
        docs, note = resolve_data(args.data, splits=DEFAULT_SPLITS, annotations=[str(p) for p in DEFAULT_ANNOTATIONS],
                                  datasets_dir=shared_dir() / "datasets", allow_test=True)
        tagger = None
        if args.model_entities:
            from medcoop.tagging.tagger import Tagger

            tagger = Tagger.from_pretrained(args.model, device=args.device)
        scores = evaluate_resolution(docs, gold, tagger)
    except (OSError, ValueError) as e:
        print(f"evaluate_resolution: {e}", file=sys.stderr)
        return 2
    if not scores.documents:
        print(f"evaluate_resolution: none of the documents of {args.data} is in {args.gold}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(scores.to_dict(), indent=1))
    else:
        source = "model entities" if args.model_entities else "gold INST spans (diagnostic)"
        print(f"{note}; resolving {source}\n\n{scores.table()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
