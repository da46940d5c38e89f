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


# ---------------------------------------------------------------- k-means seeding and Lloyd
_GOLDEN = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1


def _mix64(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


class SplitMix:
    """SplitMix64, the generator the C++ k-means uses."""

    def __init__(self, seed: int) -> None:
        self.s = seed & _MASK

    def next(self) -> int:
        self.s = (self.s + _GOLDEN) & _MASK
        return _mix64(self.s)

    def uniform(self) -> float:
        return (self.next() >> 11) * (1.0 / 9007199254740992.0)


def _stream_uniforms(state: int, count: int) -> np.ndarray:
    """uniform() of SplitMix(state + i * golden) for i in 0..count-1 (first draw of each)."""
    return np.array([SplitMix((state + i * _GOLDEN) & _MASK).uniform() for i in range(count)])


def kmeans_rows(x: np.ndarray, metric: str) -> np.ndarray:
    """Rows as k-means sees them (float64; unit-normalised for cosine)."""
    return _unit(_f64(x)) if metric == "cosine" else _f64(x)


def kmeans_plus_plus(w: np.ndarray, n_clusters: int, rng: SplitMix, weights: np.ndarray | None = None) -> list[int]:
    """(Weighted) k-means++ over the rows of w: positions of the chosen rows. First centre:
    next() % m unweighted, else the first row whose cumulative weight exceeds u * total;
    then each next centre is the first unchosen row whose cumulative weight * D^2 exceeds
    u * total (the first unchosen row when the total is 0)."""
    m = w.shape[0]
    wt = np.ones(m) if weights is None else np.asarray(weights, dtype=np.float64)
    if weights is None:
        c = rng.next() % m
    else:
        u = rng.uniform() * wt.sum()
        c = int(np.argmax(np.cumsum(wt) > u)) if (np.cumsum(wt) > u).any() else m - 1
    chosen = np.zeros(m, dtype=bool)
    mind = np.full(m, np.inf)
    out: list[int] = []
    for ci in range(n_clusters):
        chosen[c] = True
        out.append(int(c))
        if ci + 1 == n_clusters:
            break
        mind = np.minimum(mind, ((w - w[c]) ** 2).sum(1))
        contrib = np.where(chosen, 0.0, wt * mind)
        total = contrib.sum()
        nxt = None
        if total > 0:
            u = rng.uniform() * total
            acc = np.cumsum(contrib)
            over = np.flatnonzero((acc > u) & ~chosen)
            nxt = int(over[0]) if over.size else int(np.flatnonzero(~chosen)[-1])
        if nxt is None or chosen[nxt]:
            nxt = int(np.flatnonzero(~chosen)[0])
        c = nxt
    return out


def kmeans_parallel_seed(
    w: np.ndarray, n_clusters: int, seed: int, rounds: int = 2, oversampling: float = 2.0
) -> tuple[list[int], list[int], np.ndarray]:
    """k-means|| (Bahmani et al. 2012, "Scalable K-Means++"): (centre rows, candidate
    rows in the order added, candidate weights). Round draws: rs = next(); row i is kept
    when uniform(SplitMix(rs + i * golden)) * phi < l * D^2(i), l = oversampling * k."""
    n = w.shape[0]
    rng = SplitMix(seed)
    cand = [rng.next() % n]
    d2 = ((w - w[cand[0]]) ** 2).sum(1)
    near = np.zeros(n, dtype=np.int64)
    ell = oversampling * n_clusters
    for _ in range(rounds):
        phi = d2.sum()
        if not phi > 0:
            break
        u = _stream_uniforms(rng.next(), n)
        added = np.flatnonzero((d2 > 0) & (u * phi < ell * d2))
        if added.size == 0:
            continue
        dn = ((w[:, None, :] - w[added][None, :, :]) ** 2).sum(2)
        j = dn.argmin(1)
        best = dn[np.arange(n), j]
        better = best < d2
        near[better] = len(cand) + j[better]
        d2 = np.where(better, best, d2)
        cand.extend(int(a) for a in added)
    if len(cand) < n_clusters:
        return [int(i) for i in kmeans_plus_plus(w, n_clusters, SplitMix(seed))], cand, np.zeros(0)
    weights = np.bincount(near, minlength=len(cand)).astype(np.float64)
    pos = kmeans_plus_plus(w[cand], n_clusters, rng, weights)
    return [cand[p] for p in pos], cand, weights


def lloyd(w: np.ndarray, centroids: np.ndarray, iters: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Plain Lloyd from given centroids (no empty clusters expected): (centroids, labels);
    cosine keeps unit-norm centroids and assigns by the largest cosine."""
    c = _f64(centroids)
    lab = None
    for _ in range(iters):
        if metric == "cosine":
            new = (w @ c.T).argmax(1)
        else:
            new = ((w[:, None, :] - c[None, :, :]) ** 2).sum(2).argmin(1)
        if lab is not None and np.array_equal(new, lab):
            break
        lab = new
        c = np.stack([w[lab == k].mean(0) for k in range(c.shape[0])])
        if metric == "cosine":
            c = _unit(c)
    return c, lab
