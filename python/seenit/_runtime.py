"""Thread count and CPU feature queries for the native kernels."""

from __future__ import annotations

import numpy as np

from . import _core

MAX_THREADS = 4096  # the native kMaxThreads (seenit/parallel.hpp)


def set_num_threads(n: int) -> None:
    """Set how many threads every seenit kernel uses.

    ``n = 0`` restores the default: ``SEENIT_NUM_THREADS`` if set, else all cores.
    ``n`` may be at most ``MAX_THREADS`` (4096; a larger ``SEENIT_NUM_THREADS`` is clamped
    to it); a kernel never runs more threads than it has chunks of work. A kernel already
    running when the count changes keeps the count it started with. Results never depend on
    the thread count.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    n = int(n)
    if n < 0 or n > MAX_THREADS:
        raise ValueError(f"n must be in 0..{MAX_THREADS} (0 restores the default), got {n}")
    _core.set_num_threads(n)


def get_num_threads() -> int:
    """The number of threads seenit kernels use now."""
    return int(_core.get_num_threads())


def cpu_features() -> dict[str, bool]:
    """CPU features detected at run time (``SEENIT_DISABLE_SIMD=1`` turns them all off)."""
    return dict(_core.cpu_features())
