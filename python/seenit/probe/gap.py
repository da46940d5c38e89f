"""Likelihood gap (the GSM1k analysis: Zhang et al. 2024, "A careful examination of large language
model performance on grade school arithmetic"): is the model more at ease with a benchmark's
items than with freshly written items of the same kind?

:func:`likelihood_gap`: per item, the mean per-token log-likelihood; the statistic is its mean
over the benchmark minus its mean over the fresh set, with a percentile bootstrap CI (each set
resampled on its own) and a one-sided Welch t-test that the benchmark's is higher. A gap alone
is weak evidence (the fresh set may simply be harder to predict); GSM1k's argument is the one of
:func:`gap_correlation`: across models, the likelihood gap ranks with the accuracy gap
(Spearman's rho, one-sided permutation p-value).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .._validate import as_contig, check_float, check_int
from ..logprob.metrics import Interval
from ..logprob.stats import segment_reduce
from ._stats import ranks, spearman, welch


@dataclass(frozen=True)
class LikelihoodGap:
    """Result of :func:`likelihood_gap`: ``statistic`` = mean log-likelihood per token (benchmark)
    - (fresh), ``interval`` its bootstrap CI, ``pvalue`` the one-sided Welch test, the two means."""

    statistic: float
    interval: Interval
    pvalue: float
    mean_bench: float
    mean_fresh: float
    n_bench: int
    n_fresh: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        iv = self.interval
        return {"test": "likelihood_gap", "statistic": self.statistic, "pvalue": self.pvalue, "ci": [iv.low, iv.high],
                "ci_level": iv.ci, "n_bootstrap": iv.n_bootstrap, "mean_bench": self.mean_bench,
                "mean_fresh": self.mean_fresh, "n_bench": self.n_bench, "n_fresh": self.n_fresh, "seed": self.seed}


@dataclass(frozen=True)
class GapCorrelation:
    """Result of :func:`gap_correlation`: ``statistic`` = Spearman's rho between the models'
    likelihood gaps and accuracy gaps, ``pvalue`` = one-sided (rho > 0) permutation p-value,
    ``exact`` whether every permutation was enumerated."""

    statistic: float
    pvalue: float
    n_models: int
    n_permutations: int
    exact: bool

    def to_dict(self) -> dict[str, Any]:
        return {"test": "gap_correlation", "statistic": self.statistic, "pvalue": self.pvalue,
                "n_models": self.n_models, "n_permutations": self.n_permutations, "exact": self.exact}


def item_loglik(x: Any, name: str) -> npt.NDArray[np.float64]:
    """Per-item mean token log-likelihood: a 1-D array as given, or from an object with
    ``logprobs`` and ``offsets`` (``seenit.logprob.models.DocLogprobs``)."""
    if hasattr(x, "logprobs") and hasattr(x, "offsets"):
        lp = as_contig(x.logprobs, np.float64, 1, f"{name}.logprobs")
        off = as_contig(x.offsets, np.int64, 1, f"{name}.offsets")
        v = segment_reduce(lp, off, "mean")
    else:
        v = as_contig(x, np.float64, 1, name)
    if v.size < 2:
        raise ValueError(f"{name} has {v.size} items; the likelihood gap needs at least 2 per set")
    if not np.isfinite(v).all():
        i = int(np.argmax(~np.isfinite(v)))
        raise ValueError(f"{name}: item {i} has no finite mean log-likelihood ({v[i]}; an empty item?)")
    bad = (v > 1e-4) | (v < -MAX_NATS_PER_TOKEN)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name} must hold mean token log-likelihoods (<= 0, > -{MAX_NATS_PER_TOKEN:g} nats); "
                         f"item {i} is {v[i]}")
    return v


#: Lowest mean token log-likelihood accepted: no real model is this far off, and sums stay finite.
MAX_NATS_PER_TOKEN = 1e6


def likelihood_gap(bench: Any, fresh: Any, *, n_bootstrap: int = 1000, ci: float = 0.95, seed: int = 0) -> LikelihoodGap:
    """Benchmark minus fresh mean per-token log-likelihood (see the module docstring). ``bench``,
    ``fresh``: per-item mean token log-likelihoods (``seenit.mia_scores(...)["loss"]``) or
    ``DocLogprobs``. Bootstrap: per resample ``rng.integers(0, n, n)`` for bench, then fresh."""
    b, f = item_loglik(bench, "bench"), item_loglik(fresh, "fresh")
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 1, 1_000_000)
    ci = check_float(ci, "ci", 0.0, 1.0, lo_open=True, hi_open=True)
    seed = check_int(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    draws = np.empty(n_bootstrap)
    for r in range(n_bootstrap):
        draws[r] = b[rng.integers(0, b.size, b.size)].mean() - f[rng.integers(0, f.size, f.size)].mean()
    gap = float(b.mean() - f.mean())
    lo, hi = np.quantile(draws, [(1 - ci) / 2, 1 - (1 - ci) / 2])
    _, _, p = welch(b, f)
    return LikelihoodGap(gap, Interval(gap, float(lo), float(hi), ci, n_bootstrap), float(p), float(b.mean()),
                         float(f.mean()), b.size, f.size, seed)


#: Up to this many models every permutation is enumerated (8! = 40,320).
EXACT_UP_TO = 8


def gap_correlation(likelihood_gaps: Any, accuracy_gaps: Any, *, n_permutations: int = 10_000, seed: int = 0) -> GapCorrelation:
    """Spearman's rho between per-model likelihood gaps and accuracy gaps (benchmark minus fresh),
    with a one-sided permutation p-value: exact for up to 8 models, else (1 + #{rho_perm >= rho})
    / (1 + n_permutations) over ``rng.permutation(n)`` of the accuracy gaps. At least 3 models."""
    x = as_contig(likelihood_gaps, np.float64, 1, "likelihood_gaps")
    y = as_contig(accuracy_gaps, np.float64, 1, "accuracy_gaps")
    if x.size != y.size:
        raise ValueError(f"likelihood_gaps has {x.size} models but accuracy_gaps has {y.size}")
    if x.size < 3:
        raise ValueError(f"gap_correlation needs at least 3 models, got {x.size}")
    for a, name in ((x, "likelihood_gaps"), (y, "accuracy_gaps")):
        if not np.isfinite(a).all():
            raise ValueError(f"{name} must be finite")
        if np.all(a == a[0]):
            raise ValueError(f"{name} is constant: a rank correlation is undefined")
    n_permutations = check_int(n_permutations, "n_permutations", 1, 10_000_000)
    seed = check_int(seed, "seed", 0)
    rho = spearman(x, y)
    # rho of a permutation: Pearson of the ranks, with the ranks of y permuted (vectorised)
    rx, ry = ranks(x), ranks(y)
    rx_c = (rx - rx.mean()) / np.linalg.norm(rx - rx.mean())
    ry_c = (ry - ry.mean()) / np.linalg.norm(ry - ry.mean())
    eps = 1e-12  # permuted rho equal to the observed one up to rounding counts as >=
    if x.size <= EXACT_UP_TO:
        perms = np.array(list(itertools.permutations(range(y.size))))
        p = float(np.mean(ry_c[perms] @ rx_c >= rho - eps))
        return GapCorrelation(rho, p, x.size, math.factorial(x.size), True)
    rng = np.random.default_rng(seed)
    hits = 0
    for b0 in range(0, n_permutations, 4096):
        perms = np.array([rng.permutation(y.size) for _ in range(min(4096, n_permutations - b0))])
        hits += int((ry_c[perms] @ rx_c >= rho - eps).sum())
    return GapCorrelation(rho, (1.0 + hits) / (1.0 + n_permutations), x.size, n_permutations, False)
