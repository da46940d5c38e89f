"""Targets: the probe tests (sharded likelihood, dataset inference, blind baseline, retro-holdout
tests, inflation, likelihood gap, gap correlation) with ragged, mismatched and extreme inputs."""

from __future__ import annotations

import numpy as np

import seenit

from . import call, check, skip, target
from .decode import Decoder


def _p_ok(p: object) -> bool:
    return p is None or (isinstance(p, float) and 0.0 <= p <= 1.0)


@target("sharded_likelihood_test", area="probe", covers=["seenit.sharded_likelihood_test"])
def fuzz_sharded_likelihood_test(d: Decoder) -> None:
    """sharded_likelihood_test with a logprob_fn that returns fuzzed values (wrong shape, NaN, > 0)."""
    items = d.texts(16, 12) if d.chance(90) else d.docs(8, 12)
    mode = d.int(0, 5)
    table = d.floats(64)

    def fn(seqs: list[list[str]]) -> object:
        if mode == 0:  # a well-behaved order-sensitive model
            return np.array([-float(sum((i + 1) * len(t) for i, t in enumerate(s))) - 1.0 for s in seqs])
        if mode == 1:
            return -np.abs(np.resize(table, len(seqs))) if table.size else np.zeros(len(seqs))
        if mode == 2:
            return np.resize(table, len(seqs) + d.int(-1, 1)) if table.size else []
        if mode == 3:
            return [str(x) for x in range(len(seqs))]
        if mode == 4:
            return np.resize(table, (len(seqs), 2)) if table.size else None
        with np.errstate(over="ignore"):  # float32 values of huge doubles are -inf: the callee's check, not ours
            return -np.abs(np.resize(table, len(seqs))).astype(np.float32) if table.size else np.zeros(len(seqs))

    r = call(seenit.sharded_likelihood_test, fn, items, n_shards=d.small_int(1, 4), n_permutations=d.small_int(1, 8),
             seed=d.small_int(0, 3))
    check(_p_ok(r.pvalue) and _p_ok(r.permutation_pvalue), f"p-values out of [0, 1]: {r.pvalue}, {r.permutation_pvalue}")
    check(np.isfinite(r.statistic), f"statistic {r.statistic}")


def _features(d: Decoder, n_cols: int) -> object:
    if d.chance(20):  # a mapping of columns, as mia_scores returns
        n = d.size(12)
        return {f"c{j}": d.array((n if d.chance(90) else d.size(12),), np.float64, bad=10) for j in range(n_cols)}
    return d.array((d.size(14), n_cols if d.chance(90) else d.size(4)), np.float64, bad=15)


@target("dataset_inference", area="probe", covers=["seenit.dataset_inference"])
def fuzz_dataset_inference(d: Decoder) -> None:
    """dataset_inference with different column counts, NaN, huge values, tiny sets, any alpha."""
    cols = d.size(4, 1)
    r = call(seenit.dataset_inference, _features(d, cols), _features(d, cols), alpha=d.float(0, 10, wild=15),
             seed=d.small_int(0, 3))
    check(_p_ok(r.pvalue), f"pvalue {r.pvalue}")
    check(np.isfinite(r.weights).all(), "weights not finite")


@target("blind_baseline", area="probe", covers=["seenit.blind_baseline"])
def fuzz_blind_baseline(d: Decoder) -> None:
    """blind_baseline with short, empty, duplicated and non-text inputs, any folds / ci."""
    folds = d.small_int(2, 4)
    nb = d.small_int(1, 20, wild=5)
    if nb > 1000:
        skip()  # work proportional to n_bootstrap by design
    r = call(seenit.blind_baseline, d.docs(10, 30), d.docs(10, 30), folds=folds, n_bootstrap=nb,
             ci=d.float(0, 1, wild=10), seed=d.small_int(0, 3))
    check(0.0 <= r.auroc <= 1.0 and r.scores.shape == (r.n_members + r.n_nonmembers,), f"auroc {r.auroc}")


@target("holdout_tests", area="probe", covers=["seenit.holdout_tests"])
def fuzz_holdout_tests(d: Decoder) -> None:
    """holdout_tests on embedding matrices (mismatched widths, huge / NaN values) or on texts with
    the hashed embedder, with or without correctness."""
    kw: dict = {}
    if d.chance(40):
        target, holdout = d.docs(10, 24), d.docs(10, 24)
        kw["embed"] = "hashed:16" if d.chance(90) else d.maybe_weird("hashed", 50)
    else:
        dim = d.size(4, 1)
        target = d.array((d.size(12), dim), np.float64, bad=10)
        holdout = d.array((d.size(12), dim if d.chance(90) else d.size(4)), np.float64, bad=10)
    if d.chance(30):
        kw["correct_target"] = d.int_array((d.size(12),) if d.bool() else (2, d.size(8)), 0, 1, np.int64, bad=10)
        kw["correct_holdout"] = d.int_array((d.size(12),) if d.bool() else (2, d.size(8)), 0, 1, np.int64, bad=10)
    r = call(seenit.holdout_tests, target, holdout, n_permutations=d.small_int(1, 20), folds=d.small_int(2, 3),
             seed=d.small_int(0, 3), **kw)
    check(_p_ok(r.pvalue) and _p_ok(r.embedding.pvalue) and _p_ok(r.classifier.pvalue), "p-values out of [0, 1]")


@target("inflation", area="probe", covers=["seenit.inflation"])
def fuzz_inflation(d: Decoder) -> None:
    """inflation of 0/1 correctness (2-D, non-binary, empty), any n_bootstrap / ci."""
    a = d.int_array((d.size(20),), 0, 1, d.pick((np.int64, np.bool_, np.float64)), bad=10)
    b = d.int_array((d.size(20),), 0, 1, np.int64, bad=10)
    nb = d.small_int(1, 20, wild=5)
    if nb > 1000:
        skip()
    r = call(seenit.inflation, a, b, n_bootstrap=nb, ci=d.float(0, 1, wild=10), seed=d.small_int(0, 3))
    check(-1.0 <= r.statistic <= 1.0 and _p_ok(r.pvalue), f"inflation {r.statistic}, p {r.pvalue}")


@target("likelihood_gap", area="probe", covers=["seenit.likelihood_gap", "seenit.gap_correlation"])
def fuzz_likelihood_gap(d: Decoder) -> None:
    """likelihood_gap of per-item values (positive, NaN, huge, one item), then gap_correlation."""
    b = d.array((d.size(12),), np.float64, bad=10)
    f = d.array((d.size(12),), np.float64, bad=10)
    if d.chance(70):
        b, f = (-np.abs(x) if isinstance(x, np.ndarray) and x.dtype.kind == "f" else x for x in (b, f))
    nb = d.small_int(1, 20, wild=5)
    if nb > 1000:
        skip()
    try:
        r = call(seenit.likelihood_gap, b, f, n_bootstrap=nb, ci=d.float(0, 1, wild=10), seed=d.small_int(0, 3))
        check(_p_ok(r.pvalue) and np.isfinite(r.statistic), f"gap {r.statistic}, p {r.pvalue}")
    finally:
        n = d.size(10)
        x, y = d.array((n,), np.float64, bad=10), d.array((n if d.chance(90) else d.size(10),), np.float64, bad=10)
        g = call(seenit.gap_correlation, x, y, n_permutations=d.small_int(1, 50), seed=d.small_int(0, 3))
        check(-1.0 - 1e-12 <= g.statistic <= 1.0 + 1e-12 and _p_ok(g.pvalue), f"rho {g.statistic}, p {g.pvalue}")
