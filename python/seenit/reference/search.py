"""Plain NumPy versions of seenit.search (the specification): float64 arithmetic,
full score matrices, stable sorts. Slow and obviously correct."""

from __future__ import annotations

import numpy as np


def _f64(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype == np.uint16:  # bfloat16 bits
        x = (x.astype(np.uint32) << 16).view(np.float32)
    x = x.astype(np.float64)
    return x[None, :] if x.ndim == 1 else x


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.sqrt((x * x).sum(axis=1, keepdims=True))
    return np.divide(x, n, out=np.zeros_like(x), where=n > 0)


def scores(queries: np.ndarray, database: np.ndarray, metric: str = "ip") -> np.ndarray:
    """(nq, n) matrix of scores (ip, cosine) or squared distances (l2), in float64."""
    q, x = _f64(queries), _f64(database)
    if metric == "ip":
        return q @ x.T
    if metric == "cosine":
        return _unit(q) @ _unit(x).T
    if metric == "l2":
        # float64 expansion (exact enough for float32 inputs, no nq x n x d array)
        d2 = (q * q).sum(1)[:, None] + (x * x).sum(1)[None, :] - 2.0 * (q @ x.T)
        return np.maximum(d2, 0.0)
    raise ValueError(f"unknown metric {metric!r}")


def topk(queries: np.ndarray, database: np.ndarray, k: int = 10, *, metric: str = "ip") -> tuple[np.ndarray, np.ndarray]:
    """Best min(k, n) rows per query: (scores float64, ids int64), best first, ties by smaller id."""
    s = scores(queries, database, metric)
    n = s.shape[1]
    kk = min(k, n)
    key = s if metric == "l2" else -s
    ids = np.empty((s.shape[0], kk), dtype=np.int64)
    for i in range(s.shape[0]):
        order = np.lexsort((np.arange(n), key[i]))  # primary: key, then id
        ids[i] = order[:kk]
    return np.take_along_axis(s, ids, axis=1), ids


def range_pairs(x: np.ndarray, threshold: float, *, metric: str = "cosine", y: np.ndarray | None = None):
    """All pairs with score >= threshold (l2: distance <= threshold): (i, j, score) sorted by (i, j).
    Without y, pairs are i < j within x."""
    s = scores(x, x if y is None else y, metric)
    ok = s <= threshold if metric == "l2" else s >= threshold
    if y is None:
        ok = np.triu(ok, k=1)
    i, j = np.nonzero(ok)
    return i.astype(np.int64), j.astype(np.int64), s[i, j]
