"""CUDA backends: compile cuda/*.cu with CuPy's RawModule on first use and cache it.

CuPy is optional (``pip install seenit[gpu]``); seenit imports without it and
``device="cuda"`` raises a clear error when it is missing or no GPU is visible.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path
from typing import Any


def kernel_source(name: str) -> str:
    """The source of ``cuda/<name>.cu`` as installed with the package.

    ``SEENIT_CUDA_DIR`` overrides the location (useful when editing kernels).
    """
    override = os.environ.get("SEENIT_CUDA_DIR")
    if override:
        return (Path(override) / f"{name}.cu").read_text()
    installed = resources.files("seenit") / "_kernels" / f"{name}.cu"
    if installed.is_file():
        return installed.read_text()
    # Source checkout without an install step (e.g. running from the tree).
    tree = Path(__file__).resolve().parents[2] / "cuda" / f"{name}.cu"
    if tree.is_file():
        return tree.read_text()
    raise FileNotFoundError(f"CUDA kernel source {name}.cu not found (looked in the package and {tree.parent})")


def available() -> bool:
    """True when CuPy imports and at least one CUDA device is visible."""
    try:
        import cupy as cp  # noqa: F401

        return int(cp.cuda.runtime.getDeviceCount()) > 0
    except Exception:
        return False


def require() -> Any:
    """Import and return CuPy, or raise a clear error explaining what is missing."""
    try:
        import cupy as cp
    except ImportError as e:
        raise RuntimeError("device='cuda' needs CuPy: pip install 'seenit[gpu]'") from e
    try:
        n = int(cp.cuda.runtime.getDeviceCount())
    except Exception as e:  # driver missing
        raise RuntimeError(f"device='cuda' but no usable CUDA driver: {e}") from e
    if n == 0:
        raise RuntimeError("device='cuda' but no CUDA device is visible")
    return cp


@functools.cache
def module(name: str) -> Any:
    """The compiled ``cupy.RawModule`` for ``cuda/<name>.cu`` (compiled once per process)."""
    cp = require()
    return cp.RawModule(code=kernel_source(name), options=("--std=c++17",))


def check_device(device: str) -> str:
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    return device
