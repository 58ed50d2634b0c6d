"""Draw the fixed document split of the passages of ``extra.jsonl`` (round 2), once.

    python annotations/tools/split_round2.py          # prints the split; --write adds it to splits.json

Every passage gets a split now, annotated or not, so that unannotated test passages are
never used as unlabelled text (self-training, distillation). Strata: script
(traditional / simplified) x noise (pinyin insertions or lost characters / clean),
drawn within blocks of the file order that annotation follows (x0001-x0400 first), so
that whatever prefix is annotated carries about the same share of test. Within each
stratum: 25% test, 15% dev, the rest train (seeded, reproducible).
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

from medcoop.constants import CJK_BASIC
from medcoop.text.normalize import normalize
from medcoop.annotation.standoff import shared_dir

SEED = 20261130
BLOCKS = [(1, 400), (401, 10_000)]
PINYIN = re.compile(rf"[{CJK_BASIC}][(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{{1,6}}[)）]")
LOST = re.compile(r"\?\?|\ufffd")
SPLITS = Path(__file__).resolve().parents[1] / "splits.json"


def is_traditional(text: str) -> bool:
    """Mostly traditional script: over 5% of the CJK characters change under t2s."""
    cjk = [c for c in text if re.fullmatch(f"[{CJK_BASIC}]", c)]
    changed = sum(normalize(c).clean != c for c in cjk)
    return bool(cjk) and changed / len(cjk) > 0.05


def stratum(text: str) -> str:
    script = "trad" if is_traditional(text) else "simp"
    noise = "noisy" if PINYIN.search(text) or LOST.search(text) else "clean"
    return f"{script}-{noise}"


def draw(passages: list[dict]) -> dict[str, list[str]]:
    rng = random.Random(SEED)
    out = {"train": [], "dev": [], "test": []}
    for lo, hi in BLOCKS:
        block = [p for p in passages if lo <= int(p["id"][1:]) <= hi]
        strata: dict[str, list[str]] = {}
        for p in block:
            strata.setdefault(stratum(p["text"]), []).append(p["id"])
        for key in sorted(strata):
            ids = sorted(strata[key])
            rng.shuffle(ids)
            n_test = round(0.25 * len(ids))
            n_dev = round(0.15 * len(ids))
            out["test"] += ids[:n_test]
            out["dev"] += ids[n_test:n_test + n_dev]
            out["train"] += ids[n_test + n_dev:]
    return {k: sorted(v) for k, v in out.items()}


def main(argv: list[str]) -> int:
    with open(shared_dir() / "corpus" / "extra.jsonl", encoding="utf-8") as f:
        passages = [json.loads(line) for line in f if line.strip()]
    split = draw(passages)
    counts = {k: len(v) for k, v in split.items()}
    print(counts, {k: round(v / len(passages), 3) for k, v in counts.items()})
    if "--write" in argv:
        data = json.loads(SPLITS.read_text(encoding="utf-8"))
        data["round2"] = {
            "note": "passages of ../shared/corpus/extra.jsonl, all of them, annotated or not "
                    "(annotations/tools/split_round2.py); the test ids are never used as unlabelled text either",
            "seed": SEED,
            **{name: {"ids": ids, "count": len(ids)} for name, ids in split.items()},
        }
        SPLITS.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
