"""Input checks shared by the public API. The single place allowed to copy input
arrays (``as_contig``); everything else passes buffers to the core as they are."""

from __future__ import annotations

import math

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt


def as_contig(x: Any, dtype: npt.DTypeLike, ndim: int, name: str) -> np.ndarray:
    """Return ``x`` as a C-contiguous array of ``dtype`` with ``ndim`` dimensions.

    Copies only when ``x`` is not already such an array (faiss-style). Raises
    TypeError when ``x`` cannot be converted without losing information (floats to
    integers, negative values to unsigned) and ValueError on a wrong shape.
    """
    want = np.dtype(dtype)
    arr = np.asarray(x)
    if arr.dtype == object:
        raise TypeError(f"{name} must be a numeric array, got an array of Python objects")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if arr.dtype != want:
        if arr.dtype.kind == "c" and want.kind != "c":  # casting would drop the imaginary part (with a warning)
            raise TypeError(f"{name} must be a real array, got {arr.dtype}")
        if arr.size and want.kind in "ui" and arr.dtype.kind == "f":
            raise TypeError(f"{name} must hold integers ({want}), got {arr.dtype}")
        if arr.size and want.kind in "ui" and arr.dtype.kind in "ui":
            info = np.iinfo(want)
            lo, hi = int(arr.min()), int(arr.max())
            if lo < info.min or hi > info.max:
                raise ValueError(f"{name} has values in [{lo}, {hi}], outside the range of {want}")
        if want.kind == "f" and arr.dtype.kind not in "fiub":
            raise TypeError(f"{name} must be a numeric array, got {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=want)


def check_offsets(offsets: np.ndarray, n_values: int, name: str = "offsets") -> None:
    """Validate a CSR offsets array: int64, starts at 0, non-decreasing, ends at n_values."""
    if offsets.ndim != 1 or offsets.size < 1:
        raise ValueError(f"{name} must be a 1-D array of length n + 1 >= 1, got shape {offsets.shape}")
    if offsets[0] != 0:
        raise ValueError(f"{name}[0] must be 0, got {int(offsets[0])}")
    d = np.diff(offsets)
    if d.size and (d < 0).any():
        i = int(np.argmax(d < 0)) + 1
        raise ValueError(f"{name} must be non-decreasing: {name}[{i}]={int(offsets[i])} < {name}[{i - 1}]={int(offsets[i - 1])}")
    if int(offsets[-1]) != n_values:
        raise ValueError(f"{name}[-1] must equal the number of values ({n_values}), got {int(offsets[-1])}")


def ragged(values: Any, offsets: Any, dtype: npt.DTypeLike, name: str = "values") -> tuple[np.ndarray, np.ndarray]:
    """Normalise a ``(values, offsets)`` ragged pair: values 1-D of ``dtype``, offsets int64."""
    v = as_contig(values, dtype, 1, name)
    o = as_contig(offsets, np.int64, 1, "offsets")
    check_offsets(o, v.size)
    return v, o


def check_str_sequence(docs: Any, name: str = "docs") -> Sequence[str]:
    """Check that ``docs`` is a sequence of ``str``; TypeError names the first bad index."""
    if isinstance(docs, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of str, not a single {type(docs).__name__}")
    if not isinstance(docs, Sequence):
        docs = list(docs)
    for i, d in enumerate(docs):
        if not isinstance(d, str):
            raise TypeError(f"{name}[{i}] must be str, got {type(d).__name__}")
    return docs


# Upper bounds of the native integer types a checked int is passed to (C++ int, int64/size_t):
# a larger Python int would reach the user as pybind11's "incompatible function arguments".
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def check_int(value: Any, name: str, lo: int | None = None, hi: int | None = None) -> int:
    """Check that ``value`` is an int within [lo, hi]; TypeError/ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    v = int(value)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        rng = f"{'-inf' if lo is None else lo}..{'inf' if hi is None else hi}"
        raise ValueError(f"{name} must be in {rng}, got {v}")
    return v


def check_float(value: Any, name: str, lo: float | None = None, hi: float | None = None, *,
                lo_open: bool = False, hi_open: bool = False) -> float:
    """Check that ``value`` is a finite real number (not a bool) within the bounds, open or closed
    at each end as given; TypeError for a wrong type, ValueError for a bad value."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    below = lo is not None and (v <= lo if lo_open else v < lo)
    above = hi is not None and (v >= hi if hi_open else v > hi)
    if below or above:
        rng = (("(" if lo_open else "[") + ("-inf" if lo is None else f"{lo:g}") + ", "
               + ("inf" if hi is None else f"{hi:g}") + (")" if hi_open else "]"))
        raise ValueError(f"{name} must be a number in {rng}, got {v}")
    return v


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return str(value)
