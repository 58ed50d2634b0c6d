"""GPU throughput of the taggers, in one short run on a lent GPU.

For the accurate model (``--model``, default the shipped ``model/weights``) and the fast
one (``--fast``, default ``model/weights_fast`` where it exists), in fp32, fp16 and bf16,
at batch sizes 32 to 512:

* **end to end**: characters/s of ``Tagger.tag_many`` on the benchmark input repeated to
  at least 2,000,000 characters, with the split of the wall time between the CPU stages
  (normalisation, tokenisation, decoding, offsets) and the encoder
  (:func:`medcoop.training.benchmark_speed.stage_profile`);
* **encoder only**: the same windows, batched the same way, already on the GPU, through
  the model's forward pass alone: what the GPU could do if the CPU side cost nothing;
* peak GPU memory (``torch.cuda.max_memory_allocated``) of each;
* then ``tag_many(n_process=N)`` (``--jobs``, default 4 and 8 workers sharing the GPU), which
  spreads the CPU side over the host's cores; its time includes starting the workers.

Measurements run in order of importance (bf16, the default precision on such a GPU,
first; worker pools; then fp16, then fp32) and stop being started once ``--budget-s``
seconds have gone (default 330), so the run ends well inside a 10-minute limit; what
was skipped is listed. Writes ``--out`` (JSON) and a Markdown table beside it (same
name, ``.md``), and prints the table last.

    python -m medcoop.training.benchmark_gpu --out results.json [--fast DIR] [--input texts.json.gz]
    python -m medcoop.training.benchmark_gpu --device cpu --quick --model TINY --out r.json  # a check of the script

Without a CUDA GPU (and without ``--device cpu``) it says so and exits with status 2,
having measured nothing. ``scripts/gpu_run.sh`` prepares and runs it on the device machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import sys
import time
from pathlib import Path

__all__ = ["main", "load_texts", "write_input"]

PRECISIONS = ("bf16", "fp16", "fp32")
BATCH_SIZES = (32, 64, 128, 256, 512)
NO_GPU = 2  # exit status: nothing measured


def load_texts(path: str | None, min_chars: int) -> list[str]:
    """The benchmark input (seeds + test passages, :func:`benchmark_input`), from a JSON list of
    texts (``.json`` or ``.json.gz``, written by ``--write-input``) where given, repeated to
    ``min_chars`` characters."""
    if path:
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            base = json.load(f)
    else:
        from medcoop.training.benchmark_speed import benchmark_input

        base = benchmark_input(1)  # one copy
    if not base:
        raise ValueError("the benchmark input is empty")
    texts: list[str] = []
    chars = 0
    while chars < min_chars:
        texts.append(base[len(texts) % len(base)])
        chars += len(texts[-1])
    return texts


def write_input(path: str) -> None:
    """Write the benchmark input (one copy, about 220,000 characters) as gzipped JSON, so
    that a machine without ``shared/`` can run the benchmark (``--input``)."""
    from medcoop.training.benchmark_speed import benchmark_input

    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(benchmark_input(1), f, ensure_ascii=False)


class _Budget:
    def __init__(self, seconds: float):
        self.start, self.seconds = time.perf_counter(), seconds
        self.skipped: list[str] = []

    def allows(self, what: str) -> bool:
        if time.perf_counter() - self.start < self.seconds:
            return True
        self.skipped.append(what)
        return False


def _set_precision(tagger, precision: str):
    import torch

    dtype = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[precision]
    tagger.runner.model.to(dtype=dtype)


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _reset_peak(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()


def _peak_mb(device: str) -> float | None:
    import torch

    return round(torch.cuda.max_memory_allocated() / 2**20) if device.startswith("cuda") else None


def encode(tagger, texts: list[str]) -> list:
    """The texts as ``tag_many`` tokenises them (for :func:`encoder_only`)."""
    from medcoop.tagging.encoding import encode_texts
    from medcoop.text.normalize import normalize

    return encode_texts(tagger.tokenizer, [normalize(t).clean for t in texts])


def encoder_only(tagger, encoded: list, chars: int, batch_size: int, device: str) -> dict:
    """The encoder alone over the windows ``tag_many`` would build from ``encoded`` (texts
    of ``chars`` characters): inputs moved to the device first, outputs left there;
    characters per second of forward passes."""
    import torch

    batches = [(torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device))
               for ids, mask, _ in tagger._batches(encoded, batch_size, [()] * len(encoded))]
    model = tagger.runner.model
    with torch.inference_mode():
        for ids, mask in batches[:2]:  # warm-up: kernel choice for these shapes
            model(input_ids=ids, attention_mask=mask)
        _reset_peak(device)
        start = time.perf_counter()
        for ids, mask in batches:
            model(input_ids=ids, attention_mask=mask).logits.argmax(-1)
        _sync(device)
        seconds = time.perf_counter() - start
    tokens = sum(int(mask.sum()) for _, mask in batches)
    return {"encoder_chars_per_s": round(chars / seconds), "encoder_tokens_per_s": round(tokens / seconds),
            "encoder_s": round(seconds, 3), "encoder_peak_mb": _peak_mb(device), "windows": sum(len(i) for i, _ in batches)}


def end_to_end(tagger, texts: list[str], batch_size: int, device: str) -> dict:
    """``tag_many`` over ``texts``, with the stage timers (a microsecond a call)."""
    from medcoop.training.benchmark_speed import stage_profile

    list(tagger.tag_many(texts[:4], batch_size=batch_size))  # warm-up
    _reset_peak(device)
    profile = stage_profile(tagger, texts, batch_size)
    wall = profile["wall_s"]
    stages = {k: v["wall_s"] for k, v in profile["stages"].items()}
    return {"chars_per_s": profile["chars_per_s"], "seconds": wall, "peak_mb": _peak_mb(device),
            "entities": profile["entities"], "stage_wall_s": stages,
            "encoder_share": round(stages["encoder"] / wall, 3) if wall else None}


def with_workers(folder: str, texts: list[str], batch_size: int, device: str, n_process: int) -> dict:
    """``tag_many(n_process=N)``: N workers, each with its own copy of the model on the device
    (in its default precision), sharing the host's cores. (The pool of ``Tagger.tag_many``,
    started here without a copy of the model in this process.)"""
    from medcoop.tagging.parallel import tag_parallel

    load = {"path_or_name": folder, "device": device, "batch_size": batch_size, "onnx": False}
    start = time.perf_counter()
    stream = tag_parallel(load, texts, n_process, batch_size)
    first = next(stream)
    startup = time.perf_counter() - start
    entities = len(first) + sum(len(e) for e in stream)
    seconds = time.perf_counter() - start
    chars = sum(map(len, texts))
    return {"chars_per_s": round(chars / seconds), "seconds": round(seconds, 2), "startup_s": round(startup, 1),
            "chars_per_s_after_start": round(chars / (seconds - startup)) if seconds > startup else None,
            "entities": entities}


def _environment(device: str) -> dict:
    import torch

    env = {"python": platform.python_version(), "torch": torch.__version__, "cpu_cores": os.cpu_count(), "device": device}
    if device.startswith("cuda"):
        props = torch.cuda.get_device_properties(0)
        env.update(gpu=torch.cuda.get_device_name(0), gpu_memory_gib=round(props.total_memory / 2**30, 1),
                   cuda=torch.version.cuda, multiprocessors=props.multi_processor_count)
    else:
        env["gpu"] = "none (CPU run)"
    try:
        import transformers

        env["transformers"] = transformers.__version__
    except ImportError:
        pass
    return env


def markdown(result: dict) -> str:
    env = result["environment"]
    lines = [f"GPU: {env.get('gpu')}; torch {env.get('torch')}, CUDA {env.get('cuda', '-')}, {env.get('cpu_cores')} CPU cores; "
             f"input {result['characters']:,} characters ({result['documents']} documents).", "",
             "| model | precision | batch | end to end chars/s | encoder share of the wall time | peak GPU MB | "
             "encoder only chars/s | encoder only peak GPU MB |", "|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        if "n_process" in r:
            continue
        share = f"{100 * r['encoder_share']:.0f}%" if r.get("encoder_share") is not None else "-"
        lines.append(f"| {r['model']} | {r['precision']} | {r['batch_size']} | {r['chars_per_s']:,} | {share} | "
                     f"{r.get('peak_mb') or '-'} | {r['encoder_chars_per_s']:,} | {r.get('encoder_peak_mb') or '-'} |")
    workers = [r for r in result["rows"] if "n_process" in r]
    if workers:
        lines += ["", "| model | worker processes | batch | chars/s (start included) | chars/s after the first result | start s |",
                  "|---|---|---|---|---|---|"]
        for r in workers:
            after = f"{r['chars_per_s_after_start']:,}" if r.get("chars_per_s_after_start") else "-"
            lines.append(f"| {r['model']} | {r['n_process']} | {r['batch_size']} | {r['chars_per_s']:,} | {after} | {r['startup_s']} |")
    best = max((r for r in result["rows"] if "stage_wall_s" in r), key=lambda r: r["chars_per_s"], default=None)
    if best:
        stages = ", ".join(f"{k} {v:.2f} s" for k, v in best["stage_wall_s"].items())
        lines += ["", f"Fastest single-process row ({best['model']}, {best['precision']}, batch {best['batch_size']}): "
                      f"wall time by stage: {stages}."]
    if result["skipped"]:
        lines += ["", "Not measured (time budget): " + "; ".join(result["skipped"]) + "."]
    return "\n".join(lines)


def main(argv=None) -> int:
    from medcoop.tagging.tagger import SHIPPED_MODEL

    shipped_fast = SHIPPED_MODEL.parent / "weights_fast"
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="results JSON (the Markdown table goes beside it, .md); required but with --write-input")
    parser.add_argument("--model", default=str(SHIPPED_MODEL), help="the accurate model folder")
    parser.add_argument("--fast", default=str(shipped_fast) if (shipped_fast / "config.json").exists() else None,
                        help="the fast model folder (default: model/weights_fast where it exists; none: skip it)")
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu (to check the script)")
    parser.add_argument("--input", help="JSON list of texts (.json or .json.gz) instead of the benchmark input from shared/")
    parser.add_argument("--write-input", metavar="FILE", help="write the benchmark input to FILE (.json.gz) and stop")
    parser.add_argument("--min-chars", type=int, default=2_000_000)
    parser.add_argument("--precisions", nargs="+", default=list(PRECISIONS), choices=PRECISIONS)
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=list(BATCH_SIZES))
    parser.add_argument("--jobs", nargs="*", type=int, default=[4, 8], help="worker processes for the n_process rows")
    parser.add_argument("--budget-s", type=float, default=330, help="start no measurement after this many seconds")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: 3,000 characters, batches 2 and 4, no workers")
    args = parser.parse_args(argv)
    if args.write_input:
        write_input(args.write_input)
        print(f"wrote {args.write_input}")
        return 0
    if not args.out:
        parser.error("--out is required")
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("benchmark_gpu: no CUDA GPU is visible to PyTorch here, so nothing was measured; run it on a machine "
              "with a GPU (scripts/gpu_run.sh), or check the script with --device cpu --quick", file=sys.stderr)
        return NO_GPU
    if args.quick:
        args.min_chars, args.batch_sizes, args.jobs = min(args.min_chars, 3_000), [2, 4], []
    threads = torch.get_num_threads()
    if args.quick and args.device == "cpu":
        torch.set_num_threads(1)  # tiny shapes, where a second thread only waits (and a busy machine stalls it)
    try:
        return _run(args)
    finally:
        torch.set_num_threads(threads)


def _run(args) -> int:
    import torch

    from medcoop.tagging.tagger import Tagger, TorchRunner

    texts = load_texts(args.input, args.min_chars)
    models = [("accurate", args.model)] + ([("fast", args.fast)] if args.fast and args.fast != "none" else [])
    chars = sum(map(len, texts))
    budget = _Budget(args.budget_s)
    rows: list[dict] = []
    encoded: dict[str, list] = {}  # per model: the input tokenised once
    plan = [(p, name, folder) for p in args.precisions for name, folder in models]
    # bf16 rows, then the worker pools, then the other precisions.
    first = [step for step in plan if step[0] == args.precisions[0]]
    jobs = [("jobs", name, folder) for name, folder in models] if args.jobs else []
    for precision, name, folder in first + jobs + [s for s in plan if s not in first]:
        if precision == "jobs":
            for n in args.jobs:
                what = f"{name}, {n} worker processes"
                if budget.allows(what):
                    bs = max(args.batch_sizes)
                    print(f"{what} ...", file=sys.stderr, flush=True)
                    rows.append({"model": name, "n_process": n, "batch_size": bs,
                                 **with_workers(folder, texts, bs, args.device, n)})
            continue
        if not budget.allows(f"{name} {precision}"):
            continue
        tagger = Tagger.from_pretrained(folder, device=args.device, onnx=False)
        if not isinstance(tagger.runner, TorchRunner):
            raise ValueError(f"{folder}: expected a PyTorch model")
        _set_precision(tagger, precision)
        if name not in encoded:
            encoded[name] = encode(tagger, texts)
        for bs in args.batch_sizes:
            what = f"{name} {precision} batch {bs}"
            if not budget.allows(what):
                continue
            print(f"{what} ...", file=sys.stderr, flush=True)
            row = {"model": name, "precision": precision, "batch_size": bs}
            row.update(encoder_only(tagger, encoded[name], chars, bs, args.device))
            row.update(end_to_end(tagger, texts, bs, args.device))
            rows.append(row)
            print(f"  {row['chars_per_s']:,} chars/s end to end, {row['encoder_chars_per_s']:,} encoder only",
                  file=sys.stderr, flush=True)
        del tagger
        if args.device.startswith("cuda"):
            torch.cuda.empty_cache()
    result = {"environment": _environment(args.device), "models": dict(models), "characters": chars,
              "documents": len(texts), "rows": rows, "skipped": budget.skipped,
              "seconds": round(time.perf_counter() - budget.start, 1)}
    out = Path(args.out)
    out.write_text(json.dumps(result, indent=1))
    table = markdown(result)
    out.with_suffix(".md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
