"""Entity and event counts per split, as the tables of annotations/README.md.

    python annotations/tools/counts.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter

from medcoop.annotation.formats import read_jsonl
from medcoop.constants import DEFAULT_ANNOTATIONS, DEFAULT_SPLITS, EVENTS_FILE, LABELS
from medcoop.training.data import load_splits


def main() -> int:
    splits = load_splits(DEFAULT_SPLITS)
    split_of = {i: name for name, ids in splits.items() for i in ids}
    docs = [d for path in DEFAULT_ANNOTATIONS for d in read_jsonl(path)]
    print("| split | seeds + round-1 + round-2 documents | characters | " + " | ".join(LABELS) + " | all |")
    print("|---|---|---|" + "---|" * (len(LABELS) + 1))
    for name in ("train", "dev", "test", "all"):
        part = [d for d in docs if name == "all" or split_of.get(str(d.id)) == name]
        kinds = Counter("seed" if d.source and d.source.startswith("seeds/") else "x" if str(d.id).startswith("x") else "c"
                        for d in part)
        labels = Counter(s.label for d in part for s in d.spans)
        print(f"| {name} | {kinds['seed']} + {kinds['c']} + {kinds['x']} | {sum(len(d.text) for d in part):,} | "
              + " | ".join(str(labels[l]) for l in LABELS) + f" | {sum(labels.values())} |")
    events = {json.loads(l)["id"]: json.loads(l)["events"] for l in EVENTS_FILE.read_text(encoding="utf-8").splitlines() if l.strip()}
    print("\n| split | documents | with events | events | parties | signatories | " + " | ".join(
        ["strategic", "framework", "cooperation", "MoU", "med. alliance", "county comm.", "specialty", "assistance",
         "trusteeship", "co-construction", "other"]) + " |")
    types = ["strategic_cooperation_agreement", "framework_agreement", "cooperation_agreement", "memorandum_of_understanding",
             "medical_alliance", "county_medical_community", "specialty_alliance", "paired_assistance", "trusteeship",
             "co_construction", "other"]
    print("|---|---|---|---|---|---|" + "---|" * len(types))
    for name in ("train", "dev", "test", "all"):
        rows = [evs for i, evs in events.items() if name == "all" or split_of.get(i) == name]
        flat = [e for evs in rows for e in evs]
        by_type = Counter(e["type"] for e in flat)
        print(f"| {name} | {len(rows)} | {sum(1 for r in rows if r)} | {len(flat)} | {sum(len(e['parties']) for e in flat)} | "
              f"{sum(len(e['signatories']) for e in flat)} | " + " | ".join(str(by_type[t]) for t in types) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
