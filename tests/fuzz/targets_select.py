"""Targets: the selection methods (learning percentage, kMQ, D4, effective tokens, perplexity
correlations): exact budgets, agreement with seenit.reference.select, 1 vs 2 threads."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

import seenit
from seenit.reference import select as ref

from . import call, check, known, skip, target, thread_invariant
from .decode import Decoder
from .targets_search import _f32_overflow, _matrix


@target("learning_percentage", area="select", covers=["seenit.learning_percentage"])
def fuzz_learning_percentage(d: Decoder) -> None:
    """learning_percentage: (E + 1, n) perplexities of any values; matches the reference when accepted."""
    ppl = d.array((d.size(5, 1), d.size(8, 1)), np.float64, bad=20)
    if d.chance(70) and isinstance(ppl, np.ndarray) and ppl.dtype.kind == "f":
        with np.errstate(all="ignore"):
            ppl = np.abs(ppl) + 0.5
    epoch, approx = d.small_int(1, 4), d.maybe_weird(d.bool())
    r = call(seenit.learning_percentage, ppl, epoch=epoch, approx=approx)
    p = np.asarray(ppl, dtype=np.float64)
    check(r.shape == (p.shape[1],), "learning_percentage shape")
    with np.errstate(all="ignore"):
        want = ref.learning_percentage(p, epoch, bool(approx))
    check(np.allclose(r, want, rtol=1e-12, atol=0, equal_nan=True), "learning_percentage differs from the reference")


@target("select_stratified", area="select", covers=["seenit.select_stratified"])
def fuzz_select_stratified(d: Decoder) -> None:
    """select_stratified: per-cluster counts are round(fraction * size), rows as the reference."""
    n = d.size(20, 0)
    scores = d.array((n,), np.float64, bad=15)
    clusters = d.int_array((n if d.chance(90) else d.size(20),), -3, 4, np.int64, bad=10)
    fraction, ascending = d.float(0, 1, wild=15), d.maybe_weird(d.bool())
    keep = call(seenit.select_stratified, scores, clusters, fraction, ascending=ascending)
    want = ref.select_stratified(scores, clusters, fraction, bool(ascending))
    check(np.array_equal(keep, want), "select_stratified differs from the reference")
    c = np.asarray(clusters)
    for label in np.unique(c):
        m = int((c == label).sum())
        check(int(keep[c == label].sum()) == math.floor(Fraction(fraction) * m + Fraction(1, 2)),
              "select_stratified budget of a cluster")


@target("kmq_select", area="select", covers=["seenit.kmq_select"])
def fuzz_kmq_select(d: Decoder) -> None:
    """kmq_select: exactly `budget` rows, per-cluster budgets kept, deterministic on 1 and 2 threads."""
    x = _matrix(d, d.size(16, 1), d.size(5, 1))
    n = x.shape[0] if isinstance(x, np.ndarray) and x.ndim == 2 else d.size(16)
    budget = d.small_int(0, max(n, 0))
    quality = d.array((n if d.chance(90) else d.size(16),), np.float64, bad=10) if d.chance(50) else None
    kw = dict(temperature=d.float(0.01, 10, wild=15), proportional=d.maybe_weird(d.bool()), seed=d.small_int(0, 9),
              metric=d.choice(("cosine", "l2")), iters=d.small_int(1, 5))
    nc = d.small_int(1, 4)
    if known("float32-cast-overflow") and _f32_overflow(x):
        skip()
    r = thread_invariant(lambda: call(seenit.kmq_select, x, budget, nc, quality, **kw))
    check(r.selected.size == budget == int(r.keep.sum()) == int(r.budgets.sum()), "kmq_select budget")
    check(np.array_equal(np.bincount(r.clusters[r.selected], minlength=r.budgets.size), r.budgets),
          "kmq_select per-cluster budgets")
    want = ref.kmq_from_clusters(r.clusters, budget, quality, float(kw["temperature"]), bool(kw["proportional"]),
                                 int(kw["seed"]))
    check(np.array_equal(r.selected, want), "kmq_select differs from the reference on its clusters")


@target("cluster_weights", area="select", covers=["seenit.cluster_weights"])
def fuzz_cluster_weights(d: Decoder) -> None:
    """cluster_weights: a distribution over clusters, as the reference."""
    groups = [d.array((d.size(4),), np.float64, bad=10) for _ in range(d.size(5))]
    arg = groups if d.chance(90) else d.maybe_weird(groups, 50)
    w = call(seenit.cluster_weights, arg, d.float(0.01, 10, wild=15))
    check(w.shape == (len(groups),) and abs(float(w.sum()) - 1.0) < 1e-9 and (w >= 0).all(), "cluster_weights sum")


@target("resample", area="select", covers=["seenit.resample"])
def fuzz_resample(d: Decoder) -> None:
    """resample: counts sum to `count`, never above `remaining`, zero for zero weights; as the reference."""
    k = d.size(6)
    w = d.array((k,), np.float64, bad=10)
    if d.chance(70) and isinstance(w, np.ndarray) and w.dtype.kind == "f":
        w = np.abs(w)
    rem = d.int_array((k if d.chance(90) else d.size(6),), 0, 8, np.int64, bad=10)
    count, seed = d.small_int(0, 20), d.small_int(0, 9)
    out = call(seenit.resample, w, rem, count, seed)
    r = np.asarray(rem)
    check(int(out.sum()) == count and (out <= r).all() and (out[np.asarray(w) == 0] == 0).all(), "resample counts")
    check(np.array_equal(out, ref.resample(w, rem, count, seed)), "resample differs from the reference")


@target("d4", area="select", covers=["seenit.d4"])
def fuzz_d4(d: Decoder) -> None:
    """d4: reasons consistent with keep, exactly floor(ratio * m) prototypical drops, 1 vs 2 threads."""
    x = _matrix(d, d.size(16, 1), d.size(5, 1))
    if d.chance(30) and isinstance(x, np.ndarray) and x.ndim == 2 and x.shape[0] > 1 and x.flags.writeable:
        x[1::2] = x[0]  # exact duplicates
    eps, ratio = d.float(0, 0.5, wild=15), d.float(0, 1, wild=15)
    kw = dict(n_clusters=d.small_int(1, 4), seed=d.small_int(0, 5), iters=d.small_int(1, 5))
    if known("float32-cast-overflow") and _f32_overflow(x):
        skip()
    r = thread_invariant(lambda: call(seenit.d4, x, eps, ratio, **kw))
    check(np.array_equal(r.keep, r.reason == 0), "d4 keep disagrees with reason")
    m = int((r.reason != 1).sum())
    check(int((r.reason == 2).sum()) == math.floor(Fraction(float(ratio)) * m), "d4 prototypical count")
    check(np.array_equal(r.reason, ref.d4_from_passes(r.reason != 1, r.kmeans.scores, float(ratio))),
          "d4 differs from the reference on its passes")


@target("effective_tokens", area="select", covers=["seenit.effective_tokens"])
def fuzz_effective_tokens(d: Decoder) -> None:
    """effective_tokens: between the unique and the seen tokens; as the reference."""
    n = d.size(10)
    t = d.array((n,), np.float64, bad=15)
    if d.chance(70) and isinstance(t, np.ndarray) and t.dtype.kind == "f":
        t = np.abs(t)
    k = d.int_array((n if d.chance(90) else d.size(10),), 1, 50, np.int64, bad=10)
    r_star = d.float(0.01, 50, wild=15)
    r = call(seenit.effective_tokens, t, k, r_star=r_star)
    tt = np.asarray(t, dtype=np.float64)
    check(bool(np.all(r.per_doc >= tt * (1 - 1e-12))), "effective tokens below the unique tokens")
    with np.errstate(all="ignore"):
        want = ref.effective_tokens(tt, k, float(r_star))
    check(np.allclose(r.per_doc, want, rtol=1e-12, atol=0), "effective_tokens differs from the reference")


@target("perplexity_correlations", area="select", covers=["seenit.perplexity_correlations"])
def fuzz_perplexity_correlations(d: Decoder) -> None:
    """perplexity_correlations: theta and weights as the reference; weights a distribution under the caps."""
    m, k = d.size(6), d.size(5)
    losses = d.array((m, k), np.float64, bad=15)
    scores = d.array((m if d.chance(90) else d.size(6),), np.float64, bad=10)
    budget = d.float(0, 1, wild=15) if d.chance(70) else d.array((k,), np.float64, bad=10)
    r = call(seenit.perplexity_correlations, losses, scores, budget=budget)
    theta, weights = ref.perplexity_correlations(losses, scores, budget)
    check(np.allclose(r.correlation, theta, rtol=0, atol=1e-9), "perplexity_correlations theta")
    check(np.array_equal(r.weights, weights), "perplexity_correlations weights")
    check(abs(float(r.weights.sum()) - 1.0) < 1e-8, "perplexity_correlations weights do not sum to 1")

