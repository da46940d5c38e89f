"""Diversify-and-Conquer's kMQ (Yu, Chen, Ahmadian & Fadaee 2024, "Diversify and Conquer:
Diversity-Centric Data Selection with Iterative Refinement", arXiv:2409.11378).

kMQ ("k-means-quality"): cluster the candidates' embeddings with k-means, give every cluster a
share of the budget (proportional to its size, or equal and capped at its size), and inside a
cluster sample without replacement with probability proportional to exp(quality / temperature)
(uniformly without quality scores). The iterative variant trains on a first selection, scores
the trained model's outputs per cluster, and moves the rest of the budget towards clusters with
high mean scores: :func:`cluster_weights` (softmax of each cluster's mean score) and
:func:`resample` (how many of the next draw each cluster gets). Training and scoring stay with
the caller (examples/select_gsm8k.py shows the loop with callbacks).

Sampling uses the Gumbel-top-k trick (Vieira 2014; Kool, van Hoof & Welling 2019): the m rows
with the largest quality / temperature + Gumbel noise are distributed exactly as m sequential
draws without replacement with probabilities proportional to exp(quality / temperature).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .._validate import check_choice, check_float, check_int
from ..search.topk import KMeans, as_queries, kmeans
from ._checks import check_bool, finite_floats, int_labels

SEED_MAX = 2**63 - 1


def cluster_budgets(sizes: npt.ArrayLike, budget: int, proportional: bool = True) -> npt.NDArray[np.int64]:
    """Split ``budget`` over clusters of ``sizes``; the result sums to exactly ``budget`` and no
    cluster gets more than its size.

    proportional: budget * size / n rounded by largest remainder (Hamilton): every cluster gets
    the floor, the clusters with the largest remainders one more (ties: the smaller cluster
    index). Otherwise equal shares capped at the size (water-filling): the same as handing out
    one item per cluster in index order, round after round, skipping full clusters.
    """
    s = int_labels(sizes, "sizes")
    if (s < 0).any():
        raise ValueError(f"sizes must be >= 0, got {int(s.min())}")
    n = int(s.sum())
    budget = check_int(budget, "budget", lo=0, hi=n)
    proportional = check_bool(proportional, "proportional")
    k = s.size
    if budget == 0 or k == 0:
        return np.zeros(k, dtype=np.int64)
    if proportional:
        # exact integer arithmetic: Python ints, no float rounding of budget * size / n
        prods = [budget * int(x) for x in s.tolist()]
        out = [p // n for p in prods]
        rem = [p % n for p in prods]
        left = budget - sum(out)
        for c in sorted(range(k), key=lambda c: (-rem[c], c))[:left]:
            out[c] += 1
        return np.asarray(out, dtype=np.int64)
    # water-filling: the largest level L with sum(min(size, L)) <= budget, then one more each
    # for the first clusters (index order) that still have room
    srt = np.sort(s)
    lo, hi = 0, int(srt[-1])
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if int(np.minimum(s, mid).sum()) <= budget:
            lo = mid
        else:
            hi = mid - 1
    out_arr = np.minimum(s, lo).astype(np.int64)
    left = budget - int(out_arr.sum())
    if left:
        room = np.flatnonzero(s > lo)[:left]
        out_arr[room] += 1
    return out_arr


@dataclass(frozen=True)
class KMQSelection:
    """Result of :func:`kmq_select` / :func:`kmq_from_clusters` (arrays are per input row unless
    named per cluster)."""

    selected: npt.NDArray[np.int64]  # the chosen row indices, ascending; exactly `budget` of them
    keep: npt.NDArray[np.bool_]  # the same as a mask
    clusters: npt.NDArray[np.int64]  # cluster label of every row (0..n_clusters-1)
    budgets: npt.NDArray[np.int64]  # rows chosen per cluster
    sizes: npt.NDArray[np.int64]  # rows per cluster
    kmeans: KMeans | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"selected": int(self.selected.size), "rows": int(self.keep.size), "clusters": int(self.sizes.size),
                "budgets": self.budgets.tolist(), "sizes": self.sizes.tolist()}


def _gumbel_keys(n: int, quality: np.ndarray | None, temperature: float, seed: int) -> np.ndarray:
    g = np.random.default_rng(seed).gumbel(size=n)
    if quality is None:
        return g
    with np.errstate(over="ignore"):
        logits = quality / temperature
    if not np.isfinite(logits).all():
        raise ValueError(f"quality / temperature overflows float64 (temperature={temperature:g} is too small "
                         "for these quality scores)")
    return logits + g


def kmq_from_clusters(clusters: npt.ArrayLike, budget: int, quality: npt.ArrayLike | None = None,
                      temperature: float = 1.0, proportional: bool = True, seed: int = 0) -> KMQSelection:
    """kMQ's selection step on given cluster labels (0..k-1; an unused label is an empty cluster).

    See :func:`kmq_select`; this is the part after k-means, for labels computed elsewhere.
    """
    c = int_labels(clusters, "clusters")
    if c.size == 0:
        raise ValueError("clusters must not be empty")
    n = c.size
    if (c < 0).any() or (c >= n).any():  # labels index per-cluster arrays: bounded by the row count
        bad = int(c[(c < 0) | (c >= n)][0])
        raise ValueError(f"clusters must be labels in 0..{n - 1} (one per row), got {bad}")
    budget = check_int(budget, "budget", lo=0, hi=n)
    temperature = check_float(temperature, "temperature", 0.0, None, lo_open=True)
    proportional = check_bool(proportional, "proportional")
    seed = check_int(seed, "seed", lo=0, hi=SEED_MAX)
    q = None
    if quality is not None:
        q = finite_floats(quality, "quality")
        if q.size != n:
            raise ValueError(f"quality must have one score per row ({n}), got {q.size}")
    sizes = np.bincount(c).astype(np.int64)
    budgets = cluster_budgets(sizes, budget, proportional)
    keys = _gumbel_keys(n, q, temperature, seed)
    # per cluster, the `budget` largest keys (ties: smaller row index): one sort by (cluster, -key, row)
    order = np.lexsort((np.arange(n), -keys, c))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    picked = [order[s0 : s0 + b] for s0, b in zip(starts.tolist(), budgets.tolist()) if b]
    selected = np.sort(np.concatenate(picked)) if picked else np.zeros(0, dtype=np.int64)
    keep = np.zeros(n, dtype=bool)
    keep[selected] = True
    return KMQSelection(selected.astype(np.int64), keep, c, budgets, sizes)


def kmq_select(emb: npt.ArrayLike, budget: int, n_clusters: int, quality: npt.ArrayLike | None = None,
               temperature: float = 1.0, proportional: bool = True, seed: int = 0, *,
               metric: Literal["cosine", "l2"] = "cosine", iters: int = 20) -> KMQSelection:
    """kMQ (Yu et al. 2024): pick exactly ``budget`` rows, diverse across k-means clusters and
    weighted by quality inside each.

    Args:
        emb: (n, d) embeddings of the candidates.
        budget: rows to select, 0..n.
        n_clusters: k-means clusters, 1..n (``seenit.kmeans``, seeded with ``seed``).
        quality: optional (n,) finite scores; inside a cluster rows are drawn without
            replacement with probability proportional to exp(quality / temperature), uniformly
            without them.
        temperature: > 0; small values approach "best first", large ones uniform.
        proportional: cluster budgets proportional to cluster sizes (largest remainder), or
            equal and capped at each cluster's size (see :func:`cluster_budgets`).
        seed: k-means seeding and the sampling; the same seed gives the same selection on any
            thread count.
        metric: k-means metric ("cosine": spherical k-means, the default for text embeddings).
    """
    x = as_queries(emb, "emb")
    n = x.shape[0]
    budget = check_int(budget, "budget", lo=0, hi=n)
    n_clusters = check_int(n_clusters, "n_clusters", lo=1, hi=n)
    check_choice(metric, "metric", ("cosine", "l2"))
    seed = check_int(seed, "seed", lo=0, hi=SEED_MAX)
    temperature = check_float(temperature, "temperature", 0.0, None, lo_open=True)
    check_bool(proportional, "proportional")
    if quality is not None:
        q = finite_floats(quality, "quality")
        if q.size != n:
            raise ValueError(f"quality must have one score per row of emb ({n}), got {q.size}")
        quality = q
    km = kmeans(x, n_clusters, iters=iters, seed=seed, metric=metric)
    res = kmq_from_clusters(km.labels, budget, quality, temperature, proportional, seed)
    sizes = np.bincount(km.labels, minlength=n_clusters).astype(np.int64)
    budgets = np.zeros(n_clusters, dtype=np.int64)
    budgets[: res.budgets.size] = res.budgets
    return KMQSelection(res.selected, res.keep, res.clusters, budgets, sizes, km)


def cluster_weights(scores_by_cluster: Sequence[npt.ArrayLike], temperature: float = 1.0) -> npt.NDArray[np.float64]:
    """Iterative kMQ's cluster weights: softmax over clusters of each cluster's mean score / temperature.

    ``scores_by_cluster[c]`` holds the scores (e.g. reward-model scores of the trained model's
    answers) of cluster c's evaluated samples; every cluster needs at least one.
    """
    if isinstance(scores_by_cluster, (str, bytes)) or not isinstance(scores_by_cluster, Sequence):
        if isinstance(scores_by_cluster, np.ndarray) and scores_by_cluster.ndim == 2:
            scores_by_cluster = list(scores_by_cluster)
        else:
            raise TypeError(f"scores_by_cluster must be a sequence of 1-D score arrays, got {type(scores_by_cluster).__name__}")
    if len(scores_by_cluster) == 0:
        raise ValueError("scores_by_cluster must hold at least one cluster")
    temperature = check_float(temperature, "temperature", 0.0, None, lo_open=True)
    arrays = [finite_floats(s, f"scores_by_cluster[{i}]") for i, s in enumerate(scores_by_cluster)]
    with np.errstate(over="ignore"):
        z = np.array([a.mean() for a in arrays]) / temperature
    if not np.isfinite(z).all():
        raise ValueError(f"mean score / temperature overflows float64 (temperature={temperature:g} is too small)")
    z -= z.max()  # softmax is shift-invariant; this keeps exp from overflowing
    w = np.exp(z)
    return w / w.sum()


def resample(weights: npt.ArrayLike, remaining: npt.ArrayLike, count: int, seed: int = 0) -> npt.NDArray[np.int64]:
    """How many of the next ``count`` samples each cluster gets, drawn by ``weights``.

    Each of the ``count`` draws picks cluster c with probability proportional to weights[c] among
    the clusters that still have unselected rows (``remaining[c]`` of them); a full cluster is
    skipped. Implemented as multinomial rounds: draws that land on a full cluster are redrawn
    among the others, which gives the same distribution. The result sums to ``count`` and never
    exceeds ``remaining``; the same seed gives the same counts.
    """
    w = finite_floats(weights, "weights", nonnegative=True)
    r = int_labels(remaining, "remaining")
    if r.size != w.size:
        raise ValueError(f"weights and remaining must have the same length, got {w.size} and {r.size}")
    if (r < 0).any():
        raise ValueError(f"remaining must be >= 0, got {int(r.min())}")
    reachable = int(r[w > 0].sum())
    count = check_int(count, "count", lo=0)
    if count > reachable:
        raise ValueError(f"count must be at most the rows remaining in clusters of positive weight ({reachable}), "
                         f"got {count}")
    seed = check_int(seed, "seed", lo=0, hi=SEED_MAX)
    rng = np.random.default_rng(seed)
    out = np.zeros(w.size, dtype=np.int64)
    if count == 0:
        return out
    need = count
    while need:
        active = (out < r) & (w > 0)
        p = np.where(active, w, 0.0)
        p = p / p.max()  # scaled to the largest active weight: the sum stays finite and >= 1
        draws = rng.multinomial(need, p / p.sum())
        # multinomial gives the rounding crumbs of 1 - sum(p) to the last cluster: only active ones count
        take = np.where(active, np.minimum(draws, r - out), 0)
        out += take
        need -= int(take.sum())
    return out


__all__ = ["kmq_select", "kmq_from_clusters", "cluster_budgets", "KMQSelection", "cluster_weights", "resample"]
