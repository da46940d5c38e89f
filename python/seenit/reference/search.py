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


def causal_max(x: np.ndarray, metric: str = "cosine") -> tuple[np.ndarray, np.ndarray]:
    """For each row j: max over i < j of the score, and the first i achieving it."""
    s = scores(x, x, metric)
    n = s.shape[0]
    best = np.full(n, np.inf if metric == "l2" else -np.inf)
    arg = np.full(n, -1, dtype=np.int64)
    for j in range(1, n):
        col = s[:j, j]
        i = int(np.argmin(col) if metric == "l2" else np.argmax(col))
        best[j], arg[j] = col[i], i
    return best, arg


def semdedup_from_clusters(x: np.ndarray, orders: list[np.ndarray], eps: float) -> tuple[np.ndarray, np.ndarray]:
    """SemDeDup given the cluster orders: (keep mask, max similarity to an earlier member).
    The paper's formulation: M = X X^T per cluster, upper triangle, column max > 1 - eps."""
    n = len(x)
    best = np.full(n, -np.inf)
    for idx in orders:
        if idx.size < 2:
            continue
        u = _unit(_f64(x[idx]))
        m = np.triu(u @ u.T, k=1)
        m[np.tril_indices(idx.size)] = -np.inf
        best[idx] = m.max(axis=0)
    return ~(best > 1.0 - eps), best


def familiarity(sim: np.ndarray, counts: np.ndarray, k: int, weighting: str) -> np.ndarray:
    """Familiarity per evaluation label from a (n_eval, n_train_labels) similarity matrix and
    training counts: clip at 0, sort each row descending (ties: earlier label first), repeat
    each label by its count, take the first k occurrences, weighted mean."""
    out = np.empty(sim.shape[0])
    for r in range(sim.shape[0]):
        s = np.maximum(sim[r], 0.0)
        order = sorted(range(len(s)), key=lambda t: (-s[t], t))
        taken: list[float] = []
        for t in order:
            taken.extend([s[t]] * int(counts[t]))
            if len(taken) >= k:
                break
        taken = taken[:k]
        ranks = np.arange(1, len(taken) + 1, dtype=np.float64)
        if weighting == "zipf":
            w = 1.0 / ranks
        elif weighting == "linear":
            w = (k - ranks + 1) / k
        else:
            w = np.ones_like(ranks)
        out[r] = float(np.dot(w, taken) / w.sum()) if taken else 0.0
    return out
