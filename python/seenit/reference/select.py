"""Plain versions of seenit.select (the specification): Python loops, exact fractions, every
definition written out as in its paper. Slow and obviously correct.

The random choices (kMQ's Gumbel keys, ``resample``'s multinomial rounds) use the same NumPy
generator stream as the library, so results compare exactly; tests/select also checks the
distributions themselves against sequential sampling.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np


def learning_percentage(ppl, epoch: int = 1, approx: bool = False) -> np.ndarray:
    p = np.asarray(ppl, dtype=np.float64)
    E, n = p.shape[0] - 1, p.shape[1]
    out = np.zeros(n)
    for i in range(n):
        if approx:
            out[i] = (p[0, i] - p[1, i]) / p[0, i]
        elif p[0, i] != p[E, i]:
            out[i] = (p[epoch - 1, i] - p[epoch, i]) / (p[0, i] - p[E, i])
    return out


def _round_half_up(fraction: float, size: int) -> int:
    return math.floor(Fraction(fraction) * size + Fraction(1, 2))


def select_stratified(scores, clusters, fraction: float, ascending: bool = True) -> np.ndarray:
    s = [float(v) for v in np.asarray(scores, dtype=np.float64)]
    c = [int(v) for v in np.asarray(clusters)]
    keep = np.zeros(len(s), dtype=bool)
    for label in sorted(set(c)):
        rows = [i for i in range(len(s)) if c[i] == label]
        rows.sort(key=lambda i: (s[i] if ascending else -s[i], i))
        for i in rows[: _round_half_up(fraction, len(rows))]:
            keep[i] = True
    return keep


def cluster_budgets(sizes, budget: int, proportional: bool = True) -> np.ndarray:
    sizes = [int(v) for v in sizes]
    n, k = sum(sizes), len(sizes)
    out = [0] * k
    if budget == 0 or k == 0:
        return np.zeros(k, dtype=np.int64)
    if proportional:  # largest remainder (Hamilton)
        quota = [Fraction(budget * s, n) for s in sizes]
        out = [math.floor(q) for q in quota]
        by_remainder = sorted(range(k), key=lambda c: (-(quota[c] - out[c]), c))
        for c in by_remainder[: budget - sum(out)]:
            out[c] += 1
    else:  # one each, round after round, in cluster order, skipping full clusters
        left = budget
        while left:
            for c in range(k):
                if left and out[c] < sizes[c]:
                    out[c] += 1
                    left -= 1
    return np.asarray(out, dtype=np.int64)


def kmq_from_clusters(clusters, budget: int, quality=None, temperature: float = 1.0, proportional: bool = True,
                      seed: int = 0) -> np.ndarray:
    """Selected row indices, ascending."""
    c = [int(v) for v in clusters]
    n = len(c)
    gumbel = np.random.default_rng(seed).gumbel(size=n)
    key = [float(gumbel[i]) + (float(quality[i]) / temperature if quality is not None else 0.0) for i in range(n)]
    k = max(c) + 1
    sizes = [c.count(j) for j in range(k)]
    budgets = cluster_budgets(sizes, budget, proportional)
    chosen: list[int] = []
    for j in range(k):
        rows = sorted((i for i in range(n) if c[i] == j), key=lambda i: (-key[i], i))
        chosen += rows[: int(budgets[j])]
    return np.asarray(sorted(chosen), dtype=np.int64)


def cluster_weights(scores_by_cluster, temperature: float = 1.0) -> np.ndarray:
    means = [math.fsum(float(v) for v in s) / len(s) for s in scores_by_cluster]
    top = max(means)
    e = [math.exp((m - top) / temperature) for m in means]
    total = math.fsum(e)
    return np.asarray([v / total for v in e])


def resample(weights, remaining, count: int, seed: int = 0) -> np.ndarray:
    w = [float(v) for v in weights]
    r = [int(v) for v in remaining]
    rng = np.random.default_rng(seed)
    out = [0] * len(w)
    need = count
    while need:
        active = [out[c] < r[c] and w[c] > 0 for c in range(len(w))]
        top = max(w[c] for c in range(len(w)) if active[c])
        p = np.array([w[c] / top if active[c] else 0.0 for c in range(len(w))])
        draws = rng.multinomial(need, p / p.sum())
        for c in range(len(w)):
            take = min(int(draws[c]), r[c] - out[c]) if active[c] else 0
            out[c] += take
            need -= take
    return np.asarray(out, dtype=np.int64)


def d4_from_passes(dedup_keep, second_scores, prototypicality_ratio: float) -> np.ndarray:
    """D4's reasons (0 kept, 1 duplicate, 2 prototypical) from SemDeDup's keep mask and, for the
    survivors in row order, their cosine to their second-pass centroid."""
    reason = [0 if k else 1 for k in dedup_keep]
    survivors = [i for i, k in enumerate(dedup_keep) if k]
    # cosine distance as the library stores it (float32), so equal scores tie the same way
    dist = {row: float(np.float32(1.0) - np.float32(s)) for row, s in zip(survivors, second_scores)}
    n_drop = math.floor(Fraction(prototypicality_ratio) * len(survivors))
    for row in sorted(survivors, key=lambda i: (dist[i], i))[:n_drop]:
        reason[row] = 2
    return np.asarray(reason, dtype=np.int8)


def effective_tokens(tokens_per_doc, copies_per_doc, r_star: float = 15.4) -> np.ndarray:
    """Per document: tokens * (1 + R* (1 - exp(-(k - 1) / R*))) (Muennighoff et al. 2023)."""
    # 1 - exp(-x) as -expm1(-x): the same number, without losing it to rounding when x is tiny
    return np.asarray([float(t) * (1.0 + r_star * -math.expm1(-(int(k) - 1) / r_star))
                       for t, k in zip(tokens_per_doc, copies_per_doc)])


def perplexity_correlations(losses, scores, budget=1.0) -> tuple[np.ndarray, np.ndarray]:
    """(theta, weights) of Thrush et al. (2024), with higher-is-better scores and ranks counted
    from the highest loss (so theta > 0 when lower loss goes with higher scores)."""
    x = np.asarray(losses, dtype=np.float64)
    y = [float(v) for v in scores]
    n, d = x.shape
    tau = [float(budget)] * d if np.ndim(budget) == 0 else [float(v) for v in budget]

    def sign(v: float) -> int:
        return (v > 0) - (v < 0)

    def rank(j: int, k: int) -> float:  # 1 = highest loss; ties share the average rank
        higher = sum(1 for l in range(n) if x[l, j] > x[k, j])
        equal = sum(1 for l in range(n) if x[l, j] == x[k, j])
        return higher + (equal + 1) / 2

    theta = np.zeros(d)
    for j in range(d):
        theta[j] = sum(sign(y[k] - y[l]) * (rank(j, k) - rank(j, l)) for k in range(n) for l in range(n))
    weights = np.zeros(d)
    mass = Fraction(1)
    for j in sorted(range(d), key=lambda j: (-theta[j], j)):
        w = min(Fraction(tau[j]), mass)
        weights[j] = float(w)
        mass -= w
    return theta, weights
