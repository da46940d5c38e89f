"""Learning percentage (Mekala, Nguyen & Shang 2024, "Smaller Language Models are capable of
selecting Instruction-Tuning Training Data for Larger Language Models", Findings of ACL 2024).

A small model is fine-tuned for E epochs on the candidate data; each sample's perplexity is
measured before training (P_0) and after every epoch (P_1..P_E). The learning percentage of
epoch i is the share of the sample's whole perplexity drop that happened in that epoch,
LP(i) = (P_{i-1} - P_i) / (P_0 - P_E). Samples with a low LP(1) are learned late: the paper's
"hard" samples, the ones worth keeping. Perplexities are over the response tokens only (see
``hf_logprobs(..., prompts=...)``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .._validate import check_float, check_int
from ._checks import check_bool, finite_floats, int_labels, nearest_count


def learning_percentage(ppl: npt.ArrayLike, epoch: int = 1, approx: bool = False) -> npt.NDArray[np.float64]:
    """Per-sample learning percentage of ``epoch`` (Mekala et al. 2024).

    Args:
        ppl: (E + 1, n) perplexities: row 0 before fine-tuning, row i after epoch i (E >= 1),
            every value finite and > 0.
        epoch: which epoch's share of the drop, 1..E.
        approx: the paper's one-epoch approximation LP_app = (P_0 - P_1) / P_0, which needs
            only rows 0 and 1 (``epoch`` must then be 1).

    Returns:
        (n,) float64: LP(epoch) = (P_{epoch-1} - P_epoch) / (P_0 - P_E), 0 where P_0 == P_E
        (no net change: nothing was learned). Values can fall outside [0, 1] when perplexity
        rises in some epoch.
    """
    p = finite_floats(ppl, "ppl", 2, positive=True)
    rows = p.shape[0]
    if rows < 2:
        raise ValueError(f"ppl must have E + 1 >= 2 rows (before training, then after each of E >= 1 epochs), "
                         f"got shape {p.shape}")
    if p.shape[1] < 1:
        raise ValueError(f"ppl must have at least one sample (column), got shape {p.shape}")
    approx = check_bool(approx, "approx")
    epoch = check_int(epoch, "epoch", lo=1, hi=rows - 1)
    if approx:
        if epoch != 1:
            raise ValueError(f"epoch must be 1 with approx=True (LP_app uses epochs 0 and 1), got {epoch}")
        with np.errstate(over="ignore"):  # a drop of 1e300 over a perplexity of 1e-10 is inf, as asked
            return (p[0] - p[1]) / p[0]
    total = p[0] - p[-1]
    step = p[epoch - 1] - p[epoch]
    out = np.zeros(p.shape[1], dtype=np.float64)
    with np.errstate(over="ignore"):
        np.divide(step, total, out=out, where=total != 0)
    return out


def select_stratified(scores: npt.ArrayLike, clusters: npt.ArrayLike, fraction: float,
                      ascending: bool = True) -> npt.NDArray[np.bool_]:
    """Keep the lowest-scoring ``fraction`` of every cluster (highest with ``ascending=False``).

    Mekala et al. (2024) keep the samples with the lowest learning percentage (the hardest);
    doing it per cluster keeps the selection as diverse as the data.

    Args:
        scores: (n,) finite scores.
        clusters: (n,) integer labels; each distinct value is one cluster.
        fraction: in (0, 1]. A cluster of size m keeps round(fraction * m) samples (halves up,
            computed exactly), so a cluster can keep none when fraction * m < 1/2.
        ascending: keep the lowest scores (True) or the highest (False). Ties keep the smaller
            row index.

    Returns:
        (n,) bool keep mask.
    """
    s = finite_floats(scores, "scores")
    c = int_labels(clusters, "clusters")
    if c.size != s.size:
        raise ValueError(f"scores and clusters must have the same length, got {s.size} and {c.size}")
    fraction = check_float(fraction, "fraction", 0.0, 1.0, lo_open=True)
    ascending = check_bool(ascending, "ascending")
    keep = np.zeros(s.size, dtype=bool)
    key = s if ascending else -s
    # one stable sort by (cluster, key): each cluster's rows in keep order, ties by row index
    order = np.lexsort((np.arange(s.size), key, c))
    labels, starts, sizes = np.unique(c[order], return_index=True, return_counts=True)
    for start, size in zip(starts.tolist(), sizes.tolist()):
        k = nearest_count(fraction, size)
        keep[order[start : start + k]] = True
    return keep


__all__ = ["learning_percentage", "select_stratified"]
