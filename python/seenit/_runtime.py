"""Thread count and CPU feature queries for the native kernels."""

from __future__ import annotations

from . import _core


def set_num_threads(n: int) -> None:
    """Set how many threads every seenit kernel uses.

    ``n = 0`` restores the default: ``SEENIT_NUM_THREADS`` if set, else all cores.
    Results never depend on the thread count.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"n must be >= 0 (0 restores the default), got {n}")
    _core.set_num_threads(n)


def get_num_threads() -> int:
    """The number of threads seenit kernels use now."""
    return int(_core.get_num_threads())


def cpu_features() -> dict[str, bool]:
    """CPU features detected at run time (``SEENIT_DISABLE_SIMD=1`` turns them all off)."""
    return dict(_core.cpu_features())
