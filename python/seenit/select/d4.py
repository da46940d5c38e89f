"""D4 (Tirumala, Simig, Aghajanyan & Morcos 2023, "D4: Improving LLM Pretraining via Document
De-Duplication and Diversification", NeurIPS 2023 Datasets and Benchmarks).

Two passes over document embeddings: SemDeDup (Abbas et al. 2023) removes semantic duplicates,
then the survivors are re-clustered with k-means and the most prototypical ones -- the smallest
cosine distance to their own centroid, the "SSL prototypes" metric of Sorscher et al. 2022 --
are dropped, globally, up to a ratio. What stays is deduplicated and spread out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .._validate import check_float, check_int
from ..search.semdedup import SemDedupResult, semdedup
from ..search.topk import KMeans, as_queries, kmeans
from ._checks import floor_count

#: ``D4Result.reason`` codes, by index.
REASONS = ("kept", "duplicate", "prototypical")


@dataclass(frozen=True)
class D4Result:
    """Result of :func:`d4` (arrays per input row)."""

    keep: npt.NDArray[np.bool_]
    reason: npt.NDArray[np.int8]  # index into REASONS: 0 kept, 1 SemDeDup duplicate, 2 prototypical
    duplicate_of: npt.NDArray[np.int64]  # the earlier row a duplicate matches (SemDeDup), -1 otherwise
    cluster: npt.NDArray[np.int64]  # cluster of the second k-means (-1 for duplicates)
    distance: npt.NDArray[np.float32]  # cosine distance to that cluster's centroid (NaN for duplicates)
    semdedup: SemDedupResult | None = field(default=None, repr=False)
    kmeans: KMeans | None = field(default=None, repr=False)

    @property
    def reasons(self) -> list[str]:
        """The reason of every row, as text."""
        return [REASONS[i] for i in self.reason.tolist()]

    def to_dict(self) -> dict[str, Any]:
        counts = np.bincount(self.reason, minlength=len(REASONS))
        return {"rows": int(self.keep.size), **{name: int(k) for name, k in zip(REASONS, counts.tolist())}}


def prototypical_drop(distance: npt.NDArray[np.floating], n_drop: int) -> npt.NDArray[np.int64]:
    """Positions of the ``n_drop`` smallest distances (ties: the smaller position)."""
    order = np.lexsort((np.arange(distance.size), distance))
    return order[:n_drop]


def d4(emb: npt.ArrayLike, semdedup_eps: float, prototypicality_ratio: float, n_clusters: int,
       seed: int = 0, *, iters: int = 20) -> D4Result:
    """D4 (Tirumala et al. 2023): SemDeDup, then drop the most prototypical documents.

    Args:
        emb: (n, d) document embeddings (cosine geometry; normalised internally).
        semdedup_eps: SemDeDup threshold in [0, 2]: a document is a duplicate when its cosine to
            an earlier document of its cluster exceeds 1 - eps (``seenit.semdedup``, keep="hard").
        prototypicality_ratio: in [0, 1): the share of the m documents left after SemDeDup that
            is dropped as prototypical: exactly floor(ratio * m) of them, those with the
            smallest cosine distance to their centroid (ties: the smaller row index).
        n_clusters: k-means clusters for both passes, 1..n (the second pass uses min(n_clusters, m)).
        seed: k-means seeding of both passes.

    Returns:
        :class:`D4Result`: the keep mask and, for every dropped document, why.
    """
    x = as_queries(emb, "emb")
    n = x.shape[0]
    semdedup_eps = check_float(semdedup_eps, "semdedup_eps", 0.0, 2.0)
    prototypicality_ratio = check_float(prototypicality_ratio, "prototypicality_ratio", 0.0, 1.0, hi_open=True)
    n_clusters = check_int(n_clusters, "n_clusters", lo=1, hi=n)
    seed = check_int(seed, "seed", lo=0, hi=2**63 - 1)
    iters = check_int(iters, "iters", lo=1, hi=2**31 - 1)
    sd = semdedup(x, n_clusters=n_clusters, eps=semdedup_eps, keep="hard", seed=seed, iters=iters)
    survivors = np.flatnonzero(sd.keep)  # never empty: a cluster's first row is always kept
    km = kmeans(x[survivors], min(n_clusters, survivors.size), iters=iters, seed=seed, metric="cosine")
    dist = (np.float32(1.0) - km.scores).astype(np.float32)
    reason = np.where(sd.keep, 0, 1).astype(np.int8)
    drop = survivors[prototypical_drop(dist, floor_count(prototypicality_ratio, survivors.size))]
    reason[drop] = 2
    cluster = np.full(n, -1, dtype=np.int64)
    cluster[survivors] = km.labels
    distance = np.full(n, np.nan, dtype=np.float32)
    distance[survivors] = dist
    return D4Result(reason == 0, reason, sd.duplicate_of, cluster, distance, sd, km)


__all__ = ["d4", "D4Result", "REASONS", "prototypical_drop"]
