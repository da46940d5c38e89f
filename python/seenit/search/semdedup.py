"""SemDeDup (Abbas et al., 2023): semantic deduplication of an embedding matrix.

Steps (as in the paper and NeMo Curator's recipe): normalise the embeddings,
spherical k-means, order each cluster by cosine distance to its centroid, then mark
x_j a duplicate when max over earlier i of cos(x_i, x_j) > 1 - eps. The pairwise
maximum runs through seenit's exact kernel cluster by cluster (memory: one cluster).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .._validate import check_choice, check_float, check_int
from .topk import KMeans, as_queries, causal_max, kmeans


@dataclass(frozen=True)
class SemDedupResult:
    """Result of :func:`semdedup` (arrays are per input row)."""

    keep: npt.NDArray[np.bool_]  # kept rows at eps[0]
    duplicate_of: npt.NDArray[np.int64]  # most similar earlier row of the same cluster, -1 if kept (eps[0])
    cluster: npt.NDArray[np.int64]
    max_similarity: npt.NDArray[np.float32]  # vs earlier rows of its cluster; -inf for a cluster's first row
    nearest_earlier: npt.NDArray[np.int64]  # the row achieving it (-1 for a cluster's first row)
    eps: tuple[float, ...]
    kept_fraction: dict[float, float]
    keep_by_eps: dict[float, npt.NDArray[np.bool_]] = field(repr=False)
    kmeans: KMeans | None = field(default=None, repr=False)


def _check_eps(eps: Any) -> tuple[float, ...]:
    vals = [eps] if np.isscalar(eps) else list(eps)
    if not vals:
        raise ValueError("eps must be a number or a non-empty list of numbers")
    out = []
    for e in vals:
        out.append(check_float(e, "eps", 0.0, 2.0))
    return tuple(out)


def cluster_order(
    cluster: np.ndarray, score: np.ndarray, keep: str, seed: int
) -> list[np.ndarray]:
    """Row indices of each cluster in SemDeDup order (first rows are kept preferentially).

    hard: farthest from the centroid first; easy: nearest first; random: a seeded
    permutation. Ties keep the smaller row index first.
    """
    rng = np.random.default_rng(seed)
    out = []
    n_clusters = int(cluster.max()) + 1 if cluster.size else 0
    for c in range(n_clusters):
        idx = np.flatnonzero(cluster == c)
        if keep == "hard":
            idx = idx[np.argsort(score[idx], kind="stable")]  # lowest cosine = farthest first
        elif keep == "easy":
            idx = idx[np.argsort(-score[idx], kind="stable")]
        else:
            idx = idx[rng.permutation(idx.size)]
        out.append(idx)
    return out


def semdedup(
    embeddings: npt.ArrayLike,
    *,
    n_clusters: int,
    eps: float | Sequence[float],
    keep: Literal["hard", "easy", "random"] = "hard",
    seed: int = 0,
    iters: int = 20,
    progress: Callable[[int, int], None] | None = None,
) -> SemDedupResult:
    """Semantic deduplication: which rows to keep, and what each removed row duplicates.

    Args:
        embeddings: (n, d) array (normalised internally; zero rows have cosine 0 to all).
        n_clusters: k-means clusters (1..n); duplicates are only searched within a cluster.
        eps: threshold(s): a row is a duplicate when its cosine to an earlier row of its
            cluster exceeds 1 - eps. A list sweeps several values in one pass.
        keep: which member of a duplicate group survives: "hard" (farthest from the
            centroid, the paper's default), "easy" (nearest) or "random" (seeded).
        seed: k-means seeding (kmeans init="auto") and "random" order seed.
        progress: optional callback(clusters_done, n_clusters).
    """
    eps_t = _check_eps(eps)
    check_choice(keep, "keep", ("hard", "easy", "random"))
    x = as_queries(embeddings, "embeddings")
    n_clusters = check_int(n_clusters, "n_clusters", lo=1, hi=x.shape[0])
    seed = check_int(seed, "seed", lo=0, hi=2**63 - 1)
    km = kmeans(x, n_clusters, iters=iters, seed=seed, metric="cosine")
    n = x.shape[0]
    best = np.full(n, -np.inf, dtype=np.float32)
    near = np.full(n, -1, dtype=np.int64)
    orders = cluster_order(km.labels, km.scores, keep, seed)
    for c, idx in enumerate(orders):
        if idx.size > 1:
            b, a = causal_max(x[idx], metric="cosine")
            best[idx] = b
            near[idx] = np.where(a >= 0, idx[np.maximum(a, 0)], -1)
        if progress is not None:
            progress(c + 1, len(orders))
    keep_by_eps = {e: ~(best > np.float32(1.0 - e)) for e in eps_t}
    kept_fraction = {e: float(m.mean()) for e, m in keep_by_eps.items()}
    keep0 = keep_by_eps[eps_t[0]]
    dup_of = np.where(keep0, -1, near)
    return SemDedupResult(keep0, dup_of, km.labels, best, near, eps_t, kept_fraction, keep_by_eps, km)


__all__ = ["semdedup", "SemDedupResult", "cluster_order"]
