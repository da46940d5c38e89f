"""Sharded likelihood comparison (Oren et al. 2023, "Proving test set contamination in black box
language models", ICLR 2024): does a model prefer a benchmark's canonical item order?

If the model never saw the benchmark, every order of its items is exchangeable: the canonical
order is no more likely than a shuffle. The items (in canonical order) are cut into ``n_shards``
contiguous shards (sizes differ by at most one, the larger first); for each shard the model
scores the canonical sequence and ``n_permutations`` random orders of the same items. Per shard
the statistic is log p(canonical) - mean log p(permuted); a one-sided t-test across shards that
its mean is > 0 gives ``pvalue``. ``permutation_pvalue`` is the exact permutation test of the
summed log-probabilities (canonical total vs the j-th permutation's total over shards): with
one shard it is the plain permutation p-value, (1 + #{permuted >= canonical}) / (1 + m).

Random orders are drawn from ``numpy.random.default_rng(seed)``: for each shard in order,
``n_permutations`` calls of ``rng.permutation(shard_size)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .._validate import check_int, check_str_sequence
from ._stats import one_sample_t

LogprobFn = Callable[[list[list[str]]], Any]

#: Lowest total log-probability accepted (nats): far below any real sequence's, and far enough
#: from the float64 limit that sums over shards and shuffles cannot overflow.
MAX_NATS = 1e12


@dataclass(frozen=True)
class ShardedLikelihood:
    """Result of :func:`sharded_likelihood_test`.

    ``statistic``: mean over shards of (canonical - mean permuted) log-probability; ``pvalue``: the
    one-sided t-test across shards (the permutation p-value when there is one shard);
    ``t``, ``df``: the t statistic and its degrees of freedom (NaN with one shard);
    ``permutation_pvalue``: exact permutation test of the totals; ``shard_statistics``,
    ``shard_pvalues``: per shard; ``shard_sizes``: items per shard.
    """

    statistic: float
    pvalue: float
    t: float
    df: float
    permutation_pvalue: float
    shard_statistics: npt.NDArray[np.float64]
    shard_pvalues: npt.NDArray[np.float64]
    shard_sizes: npt.NDArray[np.int64]
    n_items: int
    n_shards: int
    n_permutations: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": "sharded_likelihood", "statistic": self.statistic, "pvalue": self.pvalue,
            "t": _num(self.t), "df": _num(self.df), "permutation_pvalue": self.permutation_pvalue,
            "shard_statistics": self.shard_statistics.tolist(), "shard_pvalues": self.shard_pvalues.tolist(),
            "shard_sizes": self.shard_sizes.tolist(), "n_items": self.n_items, "n_shards": self.n_shards,
            "n_permutations": self.n_permutations, "seed": self.seed,
        }


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None  # JSON has no NaN / inf


def shard_bounds(n_items: int, n_shards: int) -> npt.NDArray[np.int64]:
    """Start offsets (n_shards + 1) of contiguous shards whose sizes differ by at most one."""
    size, extra = divmod(n_items, n_shards)
    sizes = np.full(n_shards, size, dtype=np.int64)
    sizes[:extra] += 1
    return np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)


def check_logprobs(values: Any, n: int, name: str = "logprob_fn") -> npt.NDArray[np.float64]:
    """What a log-prob callable returned: ``n`` finite floats (log-probabilities, so <= 0 up to
    rounding); ValueError/TypeError naming ``name`` otherwise."""
    try:
        a = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must return an array of {n} floats, got {type(values).__name__}") from None
    if a.shape != (n,):
        raise ValueError(f"{name} must return one log-probability per sequence: shape ({n},), got {a.shape}")
    if not np.isfinite(a).all():
        i = int(np.argmax(~np.isfinite(a)))
        raise ValueError(f"{name} returned a non-finite log-probability ({a[i]}) for sequence {i}")
    bad = (a > 1e-4) | (a < -MAX_NATS)  # a little slack for rounding in sums of token log-probs
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name} must return log-probabilities (<= 0, > -{MAX_NATS:g}); got {a[i]} for sequence {i}")
    return a


def check_callable(fn: Any, name: str) -> None:
    if not callable(fn):
        raise TypeError(f"{name} must be a callable, got {type(fn).__name__}")


def sharded_likelihood_test(
    logprob_fn: LogprobFn,
    items: Sequence[str],
    *,
    n_shards: int = 10,
    n_permutations: int = 25,
    seed: int = 0,
) -> ShardedLikelihood:
    """Test whether ``logprob_fn`` prefers the canonical order of ``items`` (see the module docstring).

    ``logprob_fn(sequences)`` gets a list of orderings (each a list of item texts) and returns the
    total log-probability of each ordering (one float per ordering, e.g.
    ``seenit.logprob.models.sequence_logprob_fn(model, tokenizer)``); it is called once per shard
    with the canonical order first. Every shard needs at least two items.
    """
    check_callable(logprob_fn, "logprob_fn")
    items = check_str_sequence(items, "items")
    n_shards = check_int(n_shards, "n_shards", 1)
    n_permutations = check_int(n_permutations, "n_permutations", 1, 1_000_000)
    seed = check_int(seed, "seed", 0)
    n = len(items)
    if n < 2 * n_shards:
        raise ValueError(f"items has {n} entries, too few for n_shards={n_shards}: every shard needs at least "
                         f"2 items to be shuffled (at most n_shards={n // 2})")
    bounds = shard_bounds(n, n_shards)
    rng = np.random.default_rng(seed)
    canon = np.empty(n_shards)
    perm = np.empty((n_shards, n_permutations))
    for s in range(n_shards):
        shard = list(items[bounds[s] : bounds[s + 1]])
        orders = [rng.permutation(len(shard)) for _ in range(n_permutations)]
        seqs = [shard] + [[shard[i] for i in o] for o in orders]
        lp = check_logprobs(logprob_fn(seqs), len(seqs))
        canon[s], perm[s] = lp[0], lp[1:]
    return _result(canon, perm, bounds, n, seed)


def _result(canon: np.ndarray, perm: np.ndarray, bounds: np.ndarray, n: int, seed: int) -> ShardedLikelihood:
    n_shards, m = perm.shape
    stats = canon - perm.mean(axis=1)
    shard_p = (1.0 + (perm >= canon[:, None]).sum(axis=1)) / (1.0 + m)
    totals = perm.sum(axis=0)
    perm_p = float((1.0 + (totals >= canon.sum()).sum()) / (1.0 + m))
    if n_shards >= 2:
        t, df, p = one_sample_t(stats)
    else:
        t, df, p = math.nan, math.nan, perm_p
    return ShardedLikelihood(float(stats.mean()), float(p), float(t), float(df), perm_p, stats, shard_p,
                             np.diff(bounds).astype(np.int64), n, n_shards, m, seed)
