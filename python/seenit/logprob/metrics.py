"""Membership-inference metrics: AUROC, TPR at low FPR, ROC curves, bootstrap confidence intervals.

Conventions follow scikit-learn's ``roc_auc_score`` / ``roc_curve``: ``labels`` are 1 for members
(the positive class) and 0 for non-members; a higher score means "more likely a member". Ties in
scores count one half in AUROC (the Mann-Whitney U statistic). ``tpr_at_fpr`` is the largest TPR
among ROC points with FPR at most the target (Carlini et al. 2022, "Membership inference attacks
from first principles", report TPR at 0.1% / 1% FPR this way).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .._validate import as_contig


@dataclass(frozen=True)
class Interval:
    """A metric value with a bootstrap confidence interval [low, high] at level ``ci``."""

    value: float
    low: float
    high: float
    ci: float
    n_bootstrap: int


def check_scores_labels(scores: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate 1-D finite scores and binary labels with both classes present."""
    s = as_contig(scores, np.float64, 1, "scores")
    y = np.asarray(labels)
    if y.ndim != 1 or y.shape != s.shape:
        raise ValueError(f"labels must be 1-D with the same length as scores ({s.size}), got shape {y.shape}")
    if y.dtype == bool:
        yb = y
    else:
        if y.dtype.kind not in "iuf":
            raise TypeError(f"labels must be 0/1 or bool, got dtype {y.dtype}")
        bad = ~np.isin(y, (0, 1))
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"labels must be binary (0 = non-member, 1 = member); labels[{i}] = {y[i].item()!r}")
        yb = y.astype(bool)
    n_pos = int(yb.sum())
    if n_pos == 0 or n_pos == yb.size:
        only = "members (1)" if n_pos else "non-members (0)"
        raise ValueError(f"labels are all {only}: AUROC/ROC need at least one member and one non-member")
    if not np.isfinite(s).all():
        i = int(np.argmax(~np.isfinite(s)))
        raise ValueError(f"scores must be finite; scores[{i}] = {s[i]}")
    return s, yb


def _auroc(s: np.ndarray, y: np.ndarray) -> float:
    # average ranks of tied scores (1-based), then the Mann-Whitney U of the positives
    uniq, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    avg_rank = ends - (counts - 1) / 2.0
    ranks = avg_rank[inv]
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def _roc(s: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.argsort(-s, kind="stable")
    ss, yy = s[order], y[order]
    last = np.flatnonzero(np.diff(ss) != 0)
    last = np.concatenate([last, [ss.size - 1]])  # last index of each distinct score
    tp = np.cumsum(yy)[last]
    fp = (last + 1) - tp
    n_pos, n_neg = int(y.sum()), y.size - int(y.sum())
    fpr = np.concatenate([[0.0], fp / n_neg])
    tpr = np.concatenate([[0.0], tp / n_pos])
    thr = np.concatenate([[np.inf], ss[last]])
    return fpr, tpr, thr


def _fprs(fpr: float | Sequence[float]) -> np.ndarray:
    f = np.atleast_1d(np.asarray(fpr, dtype=np.float64))
    if f.ndim != 1 or f.size == 0 or not np.all((f >= 0) & (f <= 1)):
        raise ValueError(f"fpr must be a number or a sequence of numbers in [0, 1], got {fpr!r}")
    return f


def _tpr_at(fpr_curve: np.ndarray, tpr_curve: np.ndarray, targets: np.ndarray) -> np.ndarray:
    # fpr_curve is non-decreasing and starts at 0: the largest TPR with FPR <= target
    idx = np.searchsorted(fpr_curve, targets, side="right") - 1
    return np.maximum.accumulate(tpr_curve)[idx]


def auroc(scores: Any, labels: Any) -> float:
    """Area under the ROC curve: P(score of a random member > score of a random non-member), ties 1/2."""
    s, y = check_scores_labels(scores, labels)
    return _auroc(s, y)


def roc_curve(scores: Any, labels: Any) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``(fpr, tpr, thresholds)``: one point per distinct score (highest first) after a (0, 0) point
    with threshold +inf; a point counts scores >= its threshold as members."""
    s, y = check_scores_labels(scores, labels)
    return _roc(s, y)


def tpr_at_fpr(scores: Any, labels: Any, fpr: float | Sequence[float] = (0.01, 0.05)) -> npt.NDArray[np.float64] | float:
    """Largest TPR among ROC points with FPR <= each target ``fpr``; a float for a scalar ``fpr``."""
    targets = _fprs(fpr)
    s, y = check_scores_labels(scores, labels)
    f, t, _ = _roc(s, y)
    out = _tpr_at(f, t, targets)
    return float(out[0]) if np.ndim(fpr) == 0 else out


def bootstrap(
    metric: Callable[..., Any],
    scores: Any,
    labels: Any,
    *,
    n_bootstrap: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    **kwargs: Any,
) -> Interval | list[Interval]:
    """Percentile bootstrap CI of ``metric(scores, labels, **kwargs)`` (e.g. ``auroc``, ``tpr_at_fpr``).

    Members and non-members are resampled separately (stratified), so every resample has both
    classes. A metric returning several values (``tpr_at_fpr`` with a list) gives a list of Intervals.
    """
    from .._validate import check_int

    check_int(n_bootstrap, "n_bootstrap", 1)
    if not (0 < float(ci) < 1):
        raise ValueError(f"ci must be in (0, 1), got {ci}")
    s, y = check_scores_labels(scores, labels)
    raw = metric(s, y, **kwargs)
    value = np.atleast_1d(np.asarray(raw, dtype=np.float64))
    pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
    rng = np.random.default_rng(seed)
    yb = np.concatenate([np.ones(pos.size, bool), np.zeros(neg.size, bool)])
    draws = np.empty((n_bootstrap, value.size))
    for b in range(n_bootstrap):
        idx = np.concatenate([rng.choice(pos, pos.size), rng.choice(neg, neg.size)])
        draws[b] = np.atleast_1d(metric(s[idx], yb, **kwargs))
    alpha = (1 - float(ci)) / 2
    lo, hi = np.quantile(draws, [alpha, 1 - alpha], axis=0)
    out = [Interval(float(v), float(a), float(b), float(ci), int(n_bootstrap)) for v, a, b in zip(value, lo, hi)]
    return out[0] if np.ndim(raw) == 0 else out
