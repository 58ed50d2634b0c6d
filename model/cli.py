"""The ``medcoop`` command. Heavy imports happen inside each sub-command so that
``medcoop validate`` starts in a fraction of a second."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def cmd_validate(args) -> int:
    from .validate import validate_file

    seen: set = set()
    problems = [p for path in args.files for p in validate_file(path, seen)]
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) in {len(args.files)} file(s)", file=sys.stderr)
        return 1
    print(f"ok: {len(seen)} documents in {len(args.files)} file(s)")
    return 0


def cmd_convert(args) -> int:
    from .formats import read_any, write_any

    docs = read_any(args.input, args.source_format)
    write_any(docs, args.output, args.target_format)
    print(f"wrote {len(docs)} documents to {args.output}")
    return 0


def cmd_consistency(args) -> int:
    from .consistency import check_consistency, load_accepted, unaccepted
    from .formats import read_jsonl

    docs = [d for path in args.files for d in read_jsonl(path)]
    findings = check_consistency(docs)
    open_findings = unaccepted(findings, load_accepted(args.accepted)) if args.accepted else findings
    for f in open_findings:
        print(f)
    print(f"{len(findings)} finding(s), {len(open_findings)} not yet fixed or accepted", file=sys.stderr)
    return 1 if open_findings else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medcoop", description="Cooperation-agreement entities and events in Chinese news.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check span JSON Lines files; lists every problem")
    p.add_argument("files", nargs="+", type=Path)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("convert", help="convert annotations between jsonl, conll, doccano and labelstudio")
    p.add_argument("input", type=Path)
    p.add_argument("output", type=Path)
    p.add_argument("--from", dest="source_format", choices=["jsonl", "conll", "doccano", "labelstudio"],
                   help="input format (default: from the file name; .json is Label Studio)")
    p.add_argument("--to", dest="target_format", choices=["jsonl", "conll", "doccano"],
                   help="output format (default: from the file name)")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("consistency", help="strings labelled differently, likely misses and suspicious boundaries")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--accepted", type=Path, help="JSON Lines of findings judged right as they are (kind, string, label, why)")
    p.set_defaults(func=cmd_consistency)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError) as e:
        print(f"medcoop {args.command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
