"""Exact similarity search over embedding matrices: top-k neighbours, all pairs above
a threshold, and k-means. The work happens in the C++ core (cpp/src/topk*.cpp,
range_pairs.cpp, kmeans.cpp); this module checks inputs and converts small ones.

The float32 answer is defined exactly (see cpp/include/seenit/topk.hpp): every path
returns the same bits for the same inputs, ranks by score (ties: smaller id first),
and does not depend on the thread count. Scores agree with a float64 computation to
float32 rounding (a few ulp times the vector norms), so ids can differ from other
libraries only between rows whose scores are that close.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from . import _core
from ._validate import check_choice, check_int

Metric = Literal["ip", "cosine", "l2"]
METRICS = ("ip", "cosine", "l2")
_DB_DTYPES = (np.float32, np.float16, np.uint16, np.int8)


def _to_float32(x: np.ndarray, name: str) -> np.ndarray:
    """Small inputs (queries) as float32: bfloat16 bits given as uint16 are widened."""
    if x.dtype == np.uint16:
        return (x.astype(np.uint32) << 16).view(np.float32)
    if x.dtype.kind not in "fi" or x.dtype.kind == "c":
        raise TypeError(f"{name} must be a float32/float16/float64, int8 or uint16 (bfloat16 bits) array, got {x.dtype}")
    return np.ascontiguousarray(x, dtype=np.float32)


def as_queries(x: Any, name: str = "queries") -> np.ndarray:
    """A C-contiguous float32 (n, d) array of finite values; a 1-D array is one query."""
    arr = np.asarray(x)
    if arr.dtype == object or arr.dtype.kind not in "fiu" or arr.dtype.kind == "u" and arr.dtype != np.uint16:
        raise TypeError(f"{name} must be a numeric array (float32/float16/float64, int8, or uint16 holding bfloat16), got {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n, d), got shape {arr.shape}")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} must have dimension d >= 1, got shape {arr.shape}")
    out = _to_float32(arr, name)
    if out.size and not np.isfinite(out).all():
        bad = int(np.argwhere(~np.isfinite(out))[0, 0])
        raise ValueError(f"{name} row {bad} contains NaN or inf")
    return out


def as_database(x: Any, name: str = "database") -> np.ndarray:
    """A 2-D C-contiguous database in float32, float16, uint16 (bfloat16 bits) or int8.

    Arrays already in one of those dtypes (including ``np.memmap``) pass through without
    a copy; float64 and other real arrays are converted to float32 (one copy).
    NaN/inf are detected by the kernel block by block (ValueError naming the row).
    """
    arr = x if isinstance(x, np.ndarray) else np.asarray(x)
    if arr.dtype == object or arr.dtype.kind not in "fiu" or arr.dtype.kind == "c":
        raise TypeError(f"{name} must be a numeric array (float32/float16, int8, or uint16 holding bfloat16), got {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n, d), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: it needs at least one row")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} must have dimension d >= 1, got shape {arr.shape}")
    if arr.dtype not in _DB_DTYPES:
        if arr.dtype.kind in "iu":
            raise TypeError(f"{name} must be float32/float16, int8, or uint16 holding bfloat16; got {arr.dtype}")
        arr = np.ascontiguousarray(arr, dtype=np.float32)
    elif not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    return arr


def _first_pass(first_pass: str, metric: str, nq: int) -> str:
    check_choice(first_pass, "first_pass", ("auto", "float32", "int8"))
    if first_pass != "auto":
        return first_pass
    feats = _core.cpu_features()
    if metric != "l2" and feats["avx2"] and feats["fma"] and nq >= 16:
        return "int8"
    return "float32"


def topk(
    queries: npt.ArrayLike,
    database: npt.ArrayLike,
    k: int = 10,
    *,
    metric: Metric = "ip",
    device: str = "cpu",
    first_pass: Literal["auto", "float32", "int8"] = "auto",
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Exact k nearest database rows of every query: ``(scores, ids)``, best first.

    Args:
        queries: (nq, d) array (a 1-D array is one query).
        database: (n, d) float32, float16, int8 or uint16 (bfloat16 bits) array; may be
            an ``np.memmap`` larger than memory: it is read once, block by block.
        k: neighbours per query; ``min(k, n)`` columns are returned.
        metric: ``"ip"`` (inner product), ``"cosine"`` (zero vectors score 0 against
            everything) or ``"l2"`` (squared Euclidean distance, smallest first).
        device: ``"cpu"`` or ``"cuda"`` (CuPy GEMM plus seenit's selection kernel).
        first_pass: ``"int8"`` finds candidates with quantised dot products and a proven
            error bound, then re-scores them exactly; ``"float32"`` scores every pair.
            Both return identical results; ``"auto"`` picks the faster one.

    Returns:
        scores (nq, k') float32 (distances for l2) and ids (nq, k') int64, k' = min(k, n),
        ordered best first with ties broken by the smaller id.
    """
    check_choice(metric, "metric", METRICS)
    from .gpu import check_device

    check_device(device)
    k = check_int(k, "k", lo=1)
    q = as_queries(queries)
    db = as_database(database)
    if q.shape[1] != db.shape[1]:
        raise ValueError(f"queries have dimension {q.shape[1]} but database rows have dimension {db.shape[1]}")
    fp = _first_pass(first_pass, metric, q.shape[0])
    if device == "cuda":
        from ._search_cuda import topk_cuda

        return topk_cuda(q, db, k, metric)
    scores, ids, _ = _core.topk_search(q, db, k, metric, fp)
    return scores, ids


__all__ = ["topk", "METRICS"]
