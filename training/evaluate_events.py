"""Precision and recall of ``medcoop.extract`` against annotations/events.jsonl.

Compared per document, as sets: event types ``(doc, type)``, parties
``(doc, party)``, signatories ``(doc, name)`` and signatory parties
``(doc, name, party)``; dates are compared on events whose type matches. Run it
with the gold entities (how good the rules are) and with the model's entities
(what users get):

    python -m medcoop.training.evaluate_events [--model DIR] [--gold-entities]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from medcoop.constants import DEFAULT_ANNOTATIONS, EVENTS_FILE
from medcoop.entity import Entity
from medcoop.events.rules import extract_from_entities
from medcoop.annotation.formats import read_jsonl
from medcoop.text.normalize import normalize

from medcoop.training.evaluate import PRF

__all__ = ["score_events", "gold_entities"]


def gold_entities(doc) -> list[Entity]:
    return [Entity(s.start, s.end, s.label, doc.text[s.start:s.end], 1.0, normalize(doc.text[s.start:s.end]).clean)
            for s in doc.spans]


def _sets(doc_id: str, events) -> dict[str, set]:
    out = {"type": set(), "parties": set(), "signatories": set(), "signatory_party": set(), "date": set()}
    for ev in events:
        get = (lambda k: ev[k]) if isinstance(ev, dict) else (lambda k: getattr(ev, k))
        out["type"].add((doc_id, get("type")))
        out["date"].add((doc_id, get("type"), get("date")))
        out["parties"].update((doc_id, p) for p in get("parties"))
        for s in get("signatories"):
            name = s["name"] if isinstance(s, dict) else s.name
            party = s["party"] if isinstance(s, dict) else s.party
            out["signatories"].add((doc_id, name))
            out["signatory_party"].add((doc_id, name, party))
    return out


def score_events(gold_rows: list[dict], predicted: dict[str, list]) -> dict[str, PRF]:
    totals = {k: [0, 0, 0] for k in ("type", "parties", "signatories", "signatory_party")}
    date_right = date_total = 0
    for row in gold_rows:
        g, p = _sets(row["id"], row["events"]), _sets(row["id"], predicted.get(row["id"], []))
        for k in totals:
            totals[k][0] += len(g[k] & p[k])
            totals[k][1] += len(g[k])
            totals[k][2] += len(p[k])
        both = {t for _, t in g["type"] & p["type"]}
        gold_dates = {(t, d) for _, t, d in g["date"] if t in both}
        pred_dates = {(t, d) for _, t, d in p["date"] if t in both}
        date_total += len(gold_dates)
        date_right += len(gold_dates & pred_dates)
    scores = {k: PRF.from_counts(*v) for k, v in totals.items()}
    scores["date_accuracy"] = round(date_right / date_total, 4) if date_total else None
    return scores


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", default=str(EVENTS_FILE))
    parser.add_argument("--annotations", nargs="+", default=[str(p) for p in DEFAULT_ANNOTATIONS])
    parser.add_argument("--model", help="model folder (default: the shipped model)")
    parser.add_argument("--gold-entities", action="store_true", help="extract from the gold entities instead of the model's")
    args = parser.parse_args(argv)
    gold_rows = [json.loads(line) for line in Path(args.events).read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = {str(d.id): d for path in args.annotations for d in read_jsonl(path)}
    if args.gold_entities:
        predicted = {r["id"]: extract_from_entities(docs[r["id"]].text, gold_entities(docs[r["id"]])).events for r in gold_rows}
    else:
        from medcoop.tagging.tagger import Tagger

        tagger = Tagger.from_pretrained(args.model)
        texts = [docs[r["id"]].text for r in gold_rows]
        predicted = {r["id"]: extract_from_entities(t, ents).events for r, t, ents in zip(gold_rows, texts, tagger.tag_many(texts))}
    scores = score_events(gold_rows, predicted)
    print(f"{len(gold_rows)} documents, {sum(len(r['events']) for r in gold_rows)} gold events, "
          f"entities from {'the gold annotation' if args.gold_entities else 'the model'}")
    print("| field | P | R | F1 | gold | predicted |\n|---|---|---|---|---|---|")
    for k, s in scores.items():
        if k != "date_accuracy":
            print(f"| {k} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} | {s.predicted} |")
    print(f"date accuracy on events of a matching type: {scores['date_accuracy']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
