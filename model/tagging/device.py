"""Where a model runs and in which precision: decided here once for tagging and training."""

from __future__ import annotations

import os
import sys

__all__ = ["resolve_device", "gpu_precision"]


def resolve_device(device: str = "auto") -> str:
    """``auto`` is CUDA when present, else CPU; an explicit CUDA device must exist.

    PyTorch is imported only when a GPU could be there: the fast model on ONNX Runtime
    then runs without it (about 220 MB less memory)."""
    if device == "cpu" or (device == "auto" and "torch" not in sys.modules and not _gpu_driver_present()):
        return "cpu"
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"--device {device}: no CUDA GPU is visible to PyTorch here; use --device cpu (or auto)")
    if device.split(":")[0] not in ("cpu", "cuda", "mps"):
        raise ValueError(f"--device {device!r}: use auto, cpu, cuda or cuda:N")
    return device


def _gpu_driver_present() -> bool:
    """Whether a GPU driver is visible (NVIDIA or ROCm device files on Linux); elsewhere
    assume it may be, and let PyTorch tell."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.path.exists(p) for p in ("/dev/nvidiactl", "/dev/nvidia0", "/proc/driver/nvidia", "/dev/kfd"))


def gpu_precision() -> str:
    """``bf16`` where the GPU supports it (no loss scaling needed), else ``fp16``; ``no`` on CPU,
    where half precision is slower than fp32."""
    import torch

    if not torch.cuda.is_available():
        return "no"
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
