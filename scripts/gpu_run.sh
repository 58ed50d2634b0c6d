#!/usr/bin/env bash
# The GPU benchmark (training/benchmark_gpu.py) on the lent device machine, in one short run.
#
#   bash scripts/gpu_run.sh prepare   # here, with the project's venv active: input + wheels into .gpu/
#   bash scripts/gpu_run.sh run       # there: device tool `run`, carry [".gpu"], timeout_s 540
#
# The device machine's image already has CUDA PyTorch (its own version: never install
# torch there), transformers, tokenizers, numpy and ONNX Runtime, and reaches no package
# registry; what medcoop needs beyond those on this path (OpenCC) travels as a wheel in
# .gpu/whl. shared/ does not travel, so the benchmark input travels as .gpu/input.json.gz.
# The run writes $OUT/gpu.json, $OUT/gpu.md (the table) and $OUT/run.log.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
prepare)
    mkdir -p .gpu/whl
    grep -qxF "/.gpu/" .git/info/exclude 2>/dev/null || echo "/.gpu/" >> .git/info/exclude
    python -m medcoop.training.benchmark_gpu --write-input .gpu/input.json.gz
    opencc=$(python -c "import importlib.metadata as m; print(m.version('opencc'))")
    python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d .gpu/whl "opencc==$opencc"
    # The device tool takes at most 64 MiB: tracked and untracked-not-ignored files plus .gpu/.
    size=$( { git ls-files -z; git ls-files -z --others --exclude-standard; } | xargs -0 du -cb 2>/dev/null | awk '/total$/ {s += $1} END {print s}')
    extra=$(du -sb .gpu | cut -f1)
    mib=$(( (size + extra + 1048575) / 1048576 ))
    if [ "$mib" -gt 64 ]; then
        echo "not ready: about $mib MiB would travel and the device tool takes at most 64 MiB (tracked files cannot be left behind)" >&2
        exit 1
    fi
    echo "ready: .gpu/ holds $(ls .gpu/whl) and the input; about $mib MiB will travel (limit 64)"
    ;;
run)
    [ -f .gpu/input.json.gz ] || { echo "no .gpu/input.json.gz: run 'bash scripts/gpu_run.sh prepare' here first and carry .gpu" >&2; exit 1; }
    out=${OUT:-$PWD/.gpu/out}
    mkdir -p "$out"
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
    # medcoop itself, from this checkout; if the image's setuptools cannot install it, a tree of links does.
    if ! python3 -m pip install -q --no-index --no-deps --no-build-isolation -e . >"$out/install.log" 2>&1; then
        mkdir -p /tmp/medcoop-src/medcoop
        for f in model/*; do ln -sfn "$PWD/$f" "/tmp/medcoop-src/medcoop/$(basename "$f")"; done
        ln -sfn "$PWD/training" /tmp/medcoop-src/medcoop/training
        export PYTHONPATH=/tmp/medcoop-src:$PYTHONPATH
    fi
    nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.mem --format=csv >"$out/nvidia-smi.csv" 2>&1 || true
    shift
    PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=true python3 -m medcoop.training.benchmark_gpu \
        --input .gpu/input.json.gz --out "$out/gpu.json" "$@" 2>&1 | tee "$out/run.log"
    ;;
*)
    echo "usage: bash scripts/gpu_run.sh prepare|run [benchmark_gpu options]" >&2
    exit 2
    ;;
esac
