"""Train the event scorer (:mod:`medcoop.events.scorer`) on the gold events.

Candidates come from the train split's documents, with the gold entities (and, when
a tagger is given, also with the tagger's, so that the scorer sees the entities it
will get); labels from annotations/events.jsonl: a type is an event when the
article's gold has an event of that type, an institution when it is a gold party,
a person when a gold signatory. One logistic regression per kind (scikit-learn);
the regularisation and each kind's threshold are chosen on the dev split, whose
candidates come from the tagger's entities (what users get). The test split is
never read here.

    python -m medcoop.training.train_events --out model/weights
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from medcoop.constants import DEFAULT_ANNOTATIONS, DEFAULT_SPLITS, EVENTS_FILE, REPOSITORY
from medcoop.events.features import KINDS, Candidate, party_candidates, signer_candidates, type_candidates
from medcoop.events.rules import rule_events
from medcoop.events.scorer import EventScorer, KindModel
from medcoop.events.view import build_view
from medcoop.training.data import load_splits
from medcoop.training.evaluate_events import gold_entities, load_gold_events
from medcoop.annotation.formats import read_jsonl

__all__ = ["EventTrainingArguments", "candidates_of", "gold_keys", "fit_scorer", "train_event_scorer", "main"]

_C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
_THRESHOLDS = tuple(round(float(t), 2) for t in np.arange(0.1, 0.81, 0.05))
# How many of an article's best candidates may pass at a lower threshold (see KindModel).
TOP_K = {"type": 1, "party": 2, "signer": 0}
# The rules' own decision, as a feature: the baseline each learnt model must beat on dev,
# on the field of the benchmark it decides.
RULE_FEATURE = {"type": "rule_event", "party": "rule_party", "signer": "rule_signer"}
FIELD = {"type": "type", "party": "parties", "signer": "signatories"}


@dataclass
class EventTrainingArguments:
    out: str = str(REPOSITORY / "model" / "weights")
    model: str | None = None  # tagger folder for model entities (default: the shipped one)
    splits: str = str(DEFAULT_SPLITS)
    events: str = str(EVENTS_FILE)
    annotations: list[str] = field(default_factory=lambda: [str(p) for p in DEFAULT_ANNOTATIONS])
    tagged_train: bool = True  # also learn from the tagger's entities on the train split


def candidates_of(text: str, entities) -> dict[str, list[Candidate]]:
    """Every candidate of one article, by kind, as ``extract`` builds them."""
    view = build_view(text, entities)
    events = rule_events(view)
    parties = party_candidates(view, events)
    return {"type": type_candidates(view, events), "party": parties,
            "signer": signer_candidates(view, events, {c.key for c in parties if "rule_party" in c.features})}


def gold_keys(events: list[dict]) -> dict[str, set[str]]:
    return {"type": {e["type"] for e in events}, "party": {p for e in events for p in e["parties"]},
            "signer": {s["name"] for e in events for s in e["signatories"]}}


def _rows(docs, gold: dict[str, list], entity_lists) -> dict[str, dict]:
    """Per kind: candidate feature dicts, their labels, their article's index, and the
    number of gold items (recall counts the gold items no candidate reached too)."""
    rows = {k: {"features": [], "labels": [], "article": [], "gold": 0} for k in KINDS}
    for n, (doc, entities) in enumerate(zip(docs, entity_lists)):
        keys = gold_keys(gold.get(str(doc.id), []))
        found = candidates_of(doc.text, entities)
        for kind in KINDS:
            r = rows[kind]
            r["features"] += [c.features for c in found[kind]]
            r["labels"] += [c.key in keys[kind] for c in found[kind]]
            r["article"] += [n] * len(found[kind])
            r["gold"] += len(keys[kind])
    return rows


def _join(a: dict, b: dict) -> dict:
    offset = max(a["article"], default=-1) + 1
    return {"features": a["features"] + b["features"], "labels": a["labels"] + b["labels"],
            "article": a["article"] + [i + offset for i in b["article"]], "gold": a["gold"] + b["gold"]}


def _matrix(feats: list[dict], names: list[str]) -> np.ndarray:
    index = {n: i for i, n in enumerate(names)}
    x = np.zeros((len(feats), len(names)))
    for r, f in enumerate(feats):
        for k, v in f.items():
            if k in index:
                x[r, index[k]] = v
    return x


def _f1(predicted: np.ndarray, labels: np.ndarray, n_gold: int) -> float:
    tp = int((predicted & labels).sum())
    p = tp / predicted.sum() if predicted.sum() else 0.0
    r = tp / n_gold if n_gold else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def _ranks(p: np.ndarray, article: np.ndarray) -> np.ndarray:
    """Each candidate's rank by probability within its article (0 = best)."""
    ranks = np.zeros(len(p), dtype=int)
    for a in np.unique(article):
        idx = np.where(article == a)[0]
        ranks[idx[np.argsort(-p[idx], kind="stable")]] = np.arange(len(idx))
    return ranks


def _fit(kind: str, train: dict, dev: dict) -> tuple[KindModel, dict]:
    """One logistic model; C, the threshold and the top-k threshold chosen on dev by the
    F1 of its candidates."""
    from sklearn.linear_model import LogisticRegression

    top_k = TOP_K[kind]
    if len(set(train["labels"])) < 2:
        raise ValueError(f"the {kind} candidates of the training documents are all {'right' if train['labels'] else 'absent'}"
                         f"{' or all wrong' if train['labels'] else ''}; the scorer needs both kinds - add documents "
                         "with events and without (or with other agreements mentioned)")
    names = sorted({k for f in train["features"] for k in f})
    x, y = _matrix(train["features"], names), np.array(train["labels"], dtype=bool)
    xd, yd = _matrix(dev["features"], names), np.array(dev["labels"], dtype=bool)
    best = None
    for c in _C_GRID:
        lr = LogisticRegression(C=c, max_iter=5000).fit(x, y)
        p = lr.predict_proba(xd)[:, 1] if len(xd) else np.zeros(0)  # no dev candidates: the first grid point
        top = _ranks(p, np.array(dev["article"])) < top_k
        for t in _THRESHOLDS:
            for tt in (_THRESHOLDS if top_k else (1.0,)):
                if top_k and tt > t:
                    continue
                f1 = _f1((p >= t) | (top & (p >= tt)), yd, dev["gold"])
                if best is None or f1 > best[0] + 1e-9:
                    best = (f1, c, t, tt, lr)
    f1, c, t, tt, lr = best
    model = KindModel(names, lr.coef_[0].astype(np.float64), float(lr.intercept_[0]), float(t), top_k, float(tt))
    return model, {"C": c, "threshold": float(t), "top_k": top_k, "top_threshold": float(tt), "dev_candidate_f1": round(f1, 4),
                   "train_candidates": len(y), "train_positive": int(y.sum()), "dev_candidates": len(yd)}


def _rule_model(kind: str) -> KindModel:
    """A model that is the rule: accept exactly what the rules chose."""
    return KindModel([RULE_FEATURE[kind]], np.array([10.0]), -5.0, 0.5)


def fit_scorer(train_rows: dict, dev_rows: dict, dev, dev_entities, gold: dict) -> EventScorer:
    """The learnt models, each kept only where it beats the rule on dev end to end (the
    field it decides, scored as ``medcoop evaluate --events`` scores it)."""
    from medcoop.events.extractor import extract_document
    from medcoop.training.evaluate_events import score_events

    kinds, record = {}, {}
    for kind in KINDS:
        kinds[kind], record[kind] = _fit(kind, train_rows[kind], dev_rows[kind])
    rows = [{"id": str(d.id), "events": gold.get(str(d.id), [])} for d in dev]

    def dev_f1(models: dict, field: str) -> float:
        predicted = {str(d.id): extract_document(d.text, e, EventScorer(models)).events for d, e in zip(dev, dev_entities)}
        return score_events(rows, predicted)[field].f1

    for kind in KINDS:
        learnt = dev_f1(kinds, FIELD[kind])
        rule = dev_f1({**kinds, kind: _rule_model(kind)}, FIELD[kind])
        record[kind].update(chosen="learnt" if learnt >= rule else "rule", dev_f1=round(learnt, 4), rule_dev_f1=round(rule, 4))
        if rule > learnt:
            kinds[kind] = _rule_model(kind)
    return EventScorer(kinds, record=record)


def train_event_scorer(args: EventTrainingArguments, progress: bool = False) -> EventScorer:
    from medcoop.tagging.tagger import Tagger

    started = time.time()
    splits = load_splits(args.splits)
    docs = {str(d.id): d for path in args.annotations for d in read_jsonl(path)}
    gold = {str(r["id"]): r["events"] for r in load_gold_events(args.events)}
    train = [docs[i] for i in splits["train"] if i in docs and i in gold]
    dev = [docs[i] for i in splits["dev"] if i in docs and i in gold]
    tagger = Tagger.from_pretrained(args.model) if args.model else Tagger.from_pretrained()
    train_rows = _rows(train, gold, [gold_entities(d) for d in train])
    if args.tagged_train:
        tagged = _rows(train, gold, list(tagger.tag_many([d.text for d in train], progress=progress)))
        train_rows = {k: _join(train_rows[k], tagged[k]) for k in KINDS}
    dev_entities = list(tagger.tag_many([d.text for d in dev], progress=progress))
    scorer = fit_scorer(train_rows, _rows(dev, gold, dev_entities), dev, dev_entities, gold)
    scorer.record.update(train_documents=len(train), dev_documents=len(dev), tagged_train=args.tagged_train,
                         seconds=round(time.time() - started, 1))
    Path(args.out).mkdir(parents=True, exist_ok=True)
    scorer.save(args.out)
    return scorer


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    defaults = EventTrainingArguments()
    parser.add_argument("--out", default=defaults.out, help="model folder to write events.safetensors/events.json into")
    parser.add_argument("--model", help="tagger folder whose entities the scorer learns and is selected on")
    parser.add_argument("--splits", default=defaults.splits)
    parser.add_argument("--events", default=defaults.events)
    parser.add_argument("--annotations", nargs="+", default=defaults.annotations)
    parser.add_argument("--gold-entities-only", action="store_true", help="train on gold entities only")
    a = parser.parse_args(argv)
    args = EventTrainingArguments(a.out, a.model, a.splits, a.events, a.annotations, not a.gold_entities_only)
    scorer = train_event_scorer(args, progress=True)
    print(json.dumps(scorer.record, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
