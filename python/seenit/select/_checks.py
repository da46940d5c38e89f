"""Argument checks shared by the selection methods (on top of seenit._validate)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from .._validate import as_contig


def finite_floats(x: Any, name: str, ndim: int = 1, *, positive: bool = False, nonnegative: bool = False,
                  min_size: int = 1) -> np.ndarray:
    """``x`` as a C-contiguous float64 array of ``ndim`` dimensions, every value finite (and > 0 or
    >= 0 when asked); ValueError/TypeError naming ``name`` and the first bad position."""
    if isinstance(x, (bool, np.bool_)) or (np.asarray(x).dtype == np.bool_):
        raise TypeError(f"{name} must be a numeric array, got booleans")
    arr = as_contig(x, np.float64, ndim, name)
    if arr.size < min_size:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} must be finite: {name}{list(pos)} is {arr[pos]}")
    if positive and (arr <= 0).any():
        pos = tuple(int(i) for i in np.argwhere(arr <= 0)[0])
        raise ValueError(f"{name} must be > 0: {name}{list(pos)} is {arr[pos]}")
    if nonnegative and (arr < 0).any():
        pos = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise ValueError(f"{name} must be >= 0: {name}{list(pos)} is {arr[pos]}")
    return arr


def int_labels(x: Any, name: str) -> np.ndarray:
    """``x`` as a 1-D int64 array (cluster labels; any integers, each distinct value one cluster)."""
    arr = np.asarray(x)
    if arr.dtype == np.bool_:
        raise TypeError(f"{name} must hold integers, got booleans")
    if arr.size and arr.dtype.kind == "f":
        raise TypeError(f"{name} must hold integers (int64), got {arr.dtype}")
    return as_contig(arr, np.int64, 1, name)


def check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return bool(value)


def nearest_count(fraction: float, size: int) -> int:
    """round(fraction * size), halves up, computed exactly (0.3 * 10 is 3, not 2 or 4)."""
    return int((Fraction(fraction) * size + Fraction(1, 2)) // 1)


def floor_count(fraction: float, size: int) -> int:
    """floor(fraction * size), computed exactly on the float's binary value."""
    return int((Fraction(fraction) * size) // 1)
