"""Check gold event lines against the entity annotation of their documents (EVENTS.md).

    python annotations/tools/events_check.py EVENTS.jsonl SPANS.jsonl [SPANS.jsonl ...]

The checks themselves are :mod:`medcoop.annotation.event_gold` (also run by
``medcoop validate SPANS... --events EVENTS``): errors are breaches of the format, warnings
are names a reader should look at twice.
"""

from __future__ import annotations

import sys

from medcoop.annotation.event_gold import check_event_file
from medcoop.annotation.formats import read_jsonl


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    docs = {str(d.id): d for path in argv[1:] for d in read_jsonl(path)}
    errors, warnings, seen = check_event_file(argv[0], docs)
    for w in warnings:
        print("WARNING", w)
    for e in errors:
        print("ERROR", e)
    print(f"{seen} documents, {len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
