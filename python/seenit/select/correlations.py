"""Perplexity correlations (Thrush, Potts & Hashimoto 2024, "Improving Pretraining Data Using
Perplexity Correlations", arXiv:2409.05816, ICLR 2025).

Given the log-losses of N public models on D domains (x, shape (N, D)) and the same models'
benchmark scores (y), domains where a lower loss goes with a higher score are the ones worth
pretraining on. The paper's rank-based estimator (robust to outliers, from single-index-model
theory) scores domain j by

    theta_j = sum over model pairs (k, l) of sign(y_k - y_l) * (rank_j(k) - rank_j(l)),

where rank_j ranks the models by their loss on domain j. The paper writes it with benchmark
*error* and loss ranks; here ``scores`` are higher-is-better (accuracy) and rank_j counts from
the highest loss (rank N = lowest loss), which is the same estimator with both signs flipped:
theta_j > 0 means lower loss on j goes with better scores. The sampling distribution is the
projection of theta onto {p : sum p = 1, 0 <= p_j <= tau_j} that maximises <theta, p>: fill the
domains in decreasing theta (ties: the smaller index) up to their cap tau_j (per-domain budget,
e.g. available tokens of j / tokens to train on) until the mass reaches 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from ._checks import finite_floats


@dataclass(frozen=True)
class PerplexityCorrelations:
    """Result of :func:`perplexity_correlations` (arrays per domain)."""

    correlation: npt.NDArray[np.float64]  # theta_j, the rank-correlation estimate
    weights: npt.NDArray[np.float64]  # the sampling distribution (sums to 1, <= budget)
    order: npt.NDArray[np.int64]  # domains by decreasing correlation (ties: smaller index)

    def to_dict(self) -> dict[str, Any]:
        return {"correlation": self.correlation.tolist(), "weights": self.weights.tolist(), "order": self.order.tolist()}


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..N down axis 0 of (N, D) ``x``, ties sharing their average rank."""
    n = x.shape[0]
    order = np.argsort(x, axis=0, kind="stable")
    srt = np.take_along_axis(x, order, axis=0)
    ranks = np.empty_like(x, dtype=np.float64)
    pos = np.arange(1, n + 1, dtype=np.float64)
    for j in range(x.shape[1]):
        col = srt[:, j]
        # tie groups: [start, end) runs of equal values; each gets the mean of its positions
        starts = np.flatnonzero(np.concatenate([[True], col[1:] != col[:-1]]))
        ends = np.concatenate([starts[1:], [n]])
        avg = (pos[starts] + pos[ends - 1]) / 2.0
        r = np.repeat(avg, ends - starts)
        ranks[order[:, j], j] = r
    return ranks


def perplexity_correlations(losses: npt.ArrayLike, scores: npt.ArrayLike,
                            budget: float | npt.ArrayLike = 1.0) -> PerplexityCorrelations:
    """Score domains by how their loss correlates with benchmark scores across models, and turn
    the scores into a sampling distribution (Thrush et al. 2024).

    Args:
        losses: (models, domains) log-losses (e.g. bits per byte) of each model on each domain
            (or document group); at least 2 models, finite.
        scores: (models,) benchmark scores, higher is better, finite.
        budget: per-domain cap tau_j on the sampling distribution, a number or one per domain,
            each in (0, 1] and summing to >= 1 over the domains (else no distribution fits; caps
            that sum to 1 up to rounding, like d caps of 1/d, are taken as they are).
            1 (the default) puts all the mass on the best domain.

    Returns:
        :class:`PerplexityCorrelations`: theta per domain, the projected weights, the order.
    """
    x = finite_floats(losses, "losses", 2)
    y = finite_floats(scores, "scores")
    n, d = x.shape
    if n < 2:
        raise ValueError(f"losses must hold at least 2 models (rows) to correlate, got shape {x.shape}")
    if d < 1:
        raise ValueError(f"losses must hold at least one domain (column), got shape {x.shape}")
    if y.size != n:
        raise ValueError(f"scores must have one value per model (losses has {n} rows), got {y.size}")
    b = np.asarray(budget)
    if b.ndim == 0:
        b = np.full(d, b)
    tau = finite_floats(b, "budget")
    if tau.size != d:
        raise ValueError(f"budget must be a number or one value per domain ({d}), got {tau.size}")
    if ((tau <= 0) | (tau > 1)).any():
        i = int(np.argmax((tau <= 0) | (tau > 1)))
        raise ValueError(f"budget must be in (0, 1] per domain: budget[{i}] is {tau[i]}")
    if tau.sum() < 1.0 - 1e-9:  # 1e-9: d caps of 1/d sum to 1 only up to rounding
        raise ValueError(f"budget must sum to at least 1 over the domains (no distribution fits under the caps), "
                         f"got {tau.sum():g}")
    # rank from the highest loss: rank N is the lowest loss (see the module docstring)
    r = average_ranks(-x)
    # c_k = sum_l sign(y_k - y_l), by comparison (a difference of two huge scores would overflow)
    c = (y[:, None] > y[None, :]).sum(axis=1) - (y[:, None] < y[None, :]).sum(axis=1)
    # sum_{k,l} sign(y_k - y_l) (r_k - r_l) = 2 sum_k c_k r_k, since sign is antisymmetric
    theta = 2.0 * (c @ r)
    order = np.lexsort((np.arange(d), -theta))
    weights = np.zeros(d, dtype=np.float64)
    mass = Fraction(1)  # exact: no float crumbs handed to the next domain
    for j in order.tolist():
        if mass <= 0:
            break
        w = min(Fraction(float(tau[j])), mass)
        weights[j] = float(w)
        mass -= w
    return PerplexityCorrelations(theta, weights, order.astype(np.int64))


__all__ = ["perplexity_correlations", "PerplexityCorrelations", "average_ranks"]
