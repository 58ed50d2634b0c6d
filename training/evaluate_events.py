"""Precision and recall of ``medcoop.extract`` against annotations/events.jsonl.

Compared per document, as sets: event types ``(doc, type)``, parties
``(doc, party)``, signatories ``(doc, name)`` and signatory parties
``(doc, name, party)``; dates are compared on events whose type matches. Run it
with the gold entities (how good the rules are) and with the model's entities
(what users get), learnt and rules-only: ``medcoop evaluate --events --data annotations:test``.
"""

from __future__ import annotations

import json
from pathlib import Path

from medcoop.entity import Entity
from medcoop.annotation.formats import read_jsonl
from medcoop.text.normalize import normalize

from medcoop.training.evaluate import PRF

__all__ = ["score_events", "gold_entities", "load_gold_events", "evaluate_events", "events_table"]


def gold_entities(doc) -> list[Entity]:
    """The gold spans of ``doc`` as the entities a perfect tagger would return: normalised
    within the whole text (pinyin after a character goes only in context)."""
    norm = normalize(doc.text)
    found = (norm.entity(*norm.clean_span(s.start, s.end), s.label, 1.0) for s in doc.spans)
    return sorted((e for e in found if e is not None), key=lambda e: e.start)


def _sets(doc_id: str, events) -> dict[str, set]:
    out = {"type": set(), "parties": set(), "signatories": set(), "signatory_party": set(), "date": set()}
    for ev in events:
        get = (lambda k: ev[k]) if isinstance(ev, dict) else (lambda k: getattr(ev, k))
        out["type"].add((doc_id, get("type")))
        out["date"].add((doc_id, get("type"), get("date")))
        out["parties"].update((doc_id, _name(p)) for p in get("parties"))
        for s in get("signatories"):
            name = s["name"] if isinstance(s, dict) else s.name
            party = s["party"] if isinstance(s, dict) else s.party
            out["signatories"].add((doc_id, name))
            out["signatory_party"].add((doc_id, name, party))
    return out


def _name(party) -> str:
    """A party's name, whether a gold string, a ``Party`` or its dict."""
    return party if isinstance(party, str) else party["name"] if isinstance(party, dict) else party.name


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


def load_gold_events(path: str | Path, ids: set[str] | None = None) -> list[dict]:
    """Gold event lines (``{"id", "events"}``), those of ``ids`` only when given."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if ids is None or str(r["id"]) in ids]


def evaluate_events(docs, gold_rows: list[dict], tagger=None, scorer="shipped") -> dict[str, PRF]:
    """Scores of extraction on ``docs`` against ``gold_rows``: with the entities of
    ``tagger`` (what users get), or of the gold annotation when ``tagger`` is None
    (how good the event step is on its own); with the learnt ``scorer`` (``"shipped"``:
    the one :func:`medcoop.events.scorer_for` finds for the tagger) or, with None, the rules alone."""
    from medcoop.events.extractor import extract_document, scorer_for

    if scorer == "shipped":
        scorer = scorer_for(tagger)
    by_id = {str(d.id): d for d in docs}
    rows = [r for r in gold_rows if str(r["id"]) in by_id]
    texts = [by_id[str(r["id"])].text for r in rows]
    if tagger is None:
        entity_lists = [gold_entities(by_id[str(r["id"])]) for r in rows]
    else:
        entity_lists = list(tagger.tag_many(texts))
    predicted = {r["id"]: extract_document(t, ents, scorer).events for r, t, ents in zip(rows, texts, entity_lists)}
    return score_events(rows, predicted)


def events_table(scores: dict) -> str:
    rows = ["| field | P | R | F1 | gold | predicted |", "|---|---|---|---|---|---|"]
    for k, s in scores.items():
        if k != "date_accuracy":
            rows.append(f"| {k} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} | {s.predicted} |")
    rows.append(f"\ndate accuracy (ISO `date`, on events of a matching type): {scores['date_accuracy']}")
    return "\n".join(rows)
