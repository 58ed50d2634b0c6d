"""Where a model runs and in which precision: decided here once for tagging and training."""

from __future__ import annotations

__all__ = ["resolve_device", "gpu_precision"]


def resolve_device(device: str = "auto") -> str:
    """``auto`` is CUDA when present, else CPU; an explicit CUDA device must exist."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"--device {device}: no CUDA GPU is visible to PyTorch here; use --device cpu (or auto)")
    if device.split(":")[0] not in ("cpu", "cuda", "mps"):
        raise ValueError(f"--device {device!r}: use auto, cpu, cuda or cuda:N")
    return device


def gpu_precision() -> str:
    """``bf16`` where the GPU supports it (no loss scaling needed), else ``fp16``; ``no`` on CPU,
    where half precision is slower than fp32."""
    import torch

    if not torch.cuda.is_available():
        return "no"
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
