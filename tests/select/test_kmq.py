"""Diversify-and-Conquer's kMQ (Yu et al. 2024): budgets, sampling, the iterative step."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import seenit
from seenit.reference import select as ref
from seenit.select.kmq import cluster_budgets, kmq_from_clusters

sizes_st = hnp.arrays(np.int64, st.integers(1, 12), elements=st.integers(0, 30))


@given(sizes=sizes_st, data=st.data(), proportional=st.booleans())
def test_cluster_budgets_match_reference_and_are_exact(sizes, data, proportional):
    n = int(sizes.sum())
    budget = data.draw(st.integers(0, n))
    got = cluster_budgets(sizes, budget, proportional)
    np.testing.assert_array_equal(got, ref.cluster_budgets(sizes, budget, proportional))
    assert got.sum() == budget and (got <= sizes).all() and (got >= 0).all()
    if proportional and n:
        assert (np.abs(got - budget * sizes / n) < 1).all()  # within one of the exact share


def test_cluster_budgets_by_hand():
    assert cluster_budgets([5, 3, 2], 5).tolist() == [3, 1, 1]  # quotas 2.5, 1.5, 1.0: ties go to the first
    assert cluster_budgets([10, 1, 4], 9, proportional=False).tolist() == [4, 1, 4]
    assert cluster_budgets([10, 1, 4], 10, proportional=False).tolist() == [5, 1, 4]
    assert cluster_budgets([10, 1, 4], 15, proportional=False).tolist() == [10, 1, 4]


selection = st.integers(1, 40).flatmap(lambda n: st.tuples(
    hnp.arrays(np.int64, n, elements=st.integers(0, min(5, n - 1))),
    st.integers(0, n),
    st.none() | hnp.arrays(np.float64, n, elements=st.floats(-5, 5)),
))


@given(sel=selection, temperature=st.floats(0.05, 20), proportional=st.booleans(), seed=st.integers(0, 2**40))
def test_kmq_from_clusters_matches_reference(sel, temperature, proportional, seed):
    clusters, budget, quality = sel
    got = kmq_from_clusters(clusters, budget, quality, temperature, proportional, seed)
    want = ref.kmq_from_clusters(clusters, budget, quality, temperature, proportional, seed)
    np.testing.assert_array_equal(got.selected, want)
    assert got.selected.size == budget == got.keep.sum()
    np.testing.assert_array_equal(np.bincount(clusters[got.selected], minlength=got.sizes.size), got.budgets)


def _sequential_inclusion(w: np.ndarray, m: int) -> np.ndarray:
    """Exact inclusion probabilities of m sequential draws without replacement, probability ~ w."""
    out = np.zeros(w.size)
    for seq in itertools.permutations(range(w.size), m):
        p, left = 1.0, w.sum()
        for i in seq:
            p *= w[i] / left
            left -= w[i]
        out[list(seq)] += p
    return out


@pytest.mark.parametrize("m", [1, 2])
def test_kmq_sampling_is_sequential_sampling_without_replacement(m):
    # Gumbel-top-k must give the inclusion probabilities of sequential weighted draws
    quality = np.array([0.0, 1.0, 2.0, -1.0])
    temperature = 1.5
    reps = 4000
    counts = np.zeros(4)
    for seed in range(reps):
        counts[kmq_from_clusters(np.zeros(4, np.int64), m, quality, temperature, seed=seed).selected] += 1
    want = _sequential_inclusion(np.exp(quality / temperature), m)
    sd = np.sqrt(want * (1 - want) / reps)
    assert (np.abs(counts / reps - want) < 5 * sd + 1e-9).all(), (counts / reps, want)


def test_kmq_without_quality_is_uniform_within_a_cluster():
    reps = 3000
    counts = np.zeros(5)
    for seed in range(reps):
        counts[kmq_from_clusters(np.zeros(5, np.int64), 2, seed=seed).selected] += 1
    assert (np.abs(counts / reps - 0.4) < 5 * np.sqrt(0.4 * 0.6 / reps)).all()


def _blobs(n=300, k=6, d=8, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d)) * 5
    return (centres[rng.integers(0, k, n)] + rng.standard_normal((n, d))).astype(np.float32)


def test_kmq_select_exact_budget_deterministic_and_thread_invariant():
    x = _blobs()
    q = np.random.default_rng(1).standard_normal(x.shape[0])
    runs = []
    for threads in (1, 2):
        seenit.set_num_threads(threads)
        try:
            runs.append(seenit.kmq_select(x, 77, 6, quality=q, temperature=0.5, seed=3))
        finally:
            seenit.set_num_threads(2)
    a, b = runs
    np.testing.assert_array_equal(a.selected, b.selected)
    np.testing.assert_array_equal(a.clusters, b.clusters)
    assert a.selected.size == 77 and a.budgets.sum() == 77
    km = seenit.kmeans(x, 6, seed=3)
    np.testing.assert_array_equal(a.clusters, km.labels)  # k-means is seenit's, with the same seed
    np.testing.assert_array_equal(a.selected, ref.kmq_from_clusters(km.labels, 77, q, 0.5, True, 3))
    c = seenit.kmq_select(x, 77, 6, quality=q, temperature=0.5, seed=4)
    assert not np.array_equal(a.selected, c.selected)  # the seed matters
    eq = seenit.kmq_select(x, 60, 6, proportional=False, seed=3)
    np.testing.assert_array_equal(eq.budgets, ref.cluster_budgets(eq.sizes, 60, False))
    assert a.to_dict()["selected"] == 77


def test_kmq_from_clusters_labels_are_bounded():
    with pytest.raises(ValueError, match="clusters must be labels in 0..2"):
        kmq_from_clusters([0, 1, 2**40], 1)
    with pytest.raises(ValueError, match="clusters must be labels in 0..2"):
        kmq_from_clusters([0, -1, 1], 1)


def test_kmq_select_edges():
    x = _blobs(n=20)
    assert seenit.kmq_select(x, 0, 3).selected.size == 0
    assert seenit.kmq_select(x, 20, 3).keep.all()
    assert seenit.kmq_select(x, 5, 1).selected.size == 5


X = _blobs(n=10)


@pytest.mark.parametrize(
    "kw, exc, match",
    [
        (dict(budget=11, n_clusters=2), ValueError, "budget must be in 0..10"),
        (dict(budget=-1, n_clusters=2), ValueError, "budget must be in 0..10"),
        (dict(budget=2.5, n_clusters=2), TypeError, "budget must be an int"),
        (dict(budget=2, n_clusters=0), ValueError, "n_clusters must be in 1..10"),
        (dict(budget=2, n_clusters=2, quality=np.ones(9)), ValueError, "quality must have one score per row"),
        (dict(budget=2, n_clusters=2, quality=np.full(10, np.nan)), ValueError, "quality must be finite"),
        (dict(budget=2, n_clusters=2, temperature=0.0), ValueError, "temperature must be a number in \\(0"),
        (dict(budget=2, n_clusters=2, proportional="no"), TypeError, "proportional must be a bool"),
        (dict(budget=2, n_clusters=2, seed=-1), ValueError, "seed"),
        (dict(budget=2, n_clusters=2, quality=np.full(10, 1e300), temperature=1e-10), ValueError, "overflows"),
    ],
)
def test_kmq_select_bad_input(kw, exc, match):
    with pytest.raises(exc, match=match):
        seenit.kmq_select(X, **kw)


@pytest.mark.parametrize("emb, exc", [(np.zeros((2, 3, 4)), ValueError), (np.array([["a"]]), TypeError),
                                      (np.full((3, 2), np.nan), ValueError)])
def test_kmq_select_bad_embeddings(emb, exc):
    with pytest.raises(exc, match="emb"):
        seenit.kmq_select(emb, 1, 1)


@given(scores=st.lists(hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(-10, 10)), min_size=1, max_size=8),
       temperature=st.floats(0.01, 100))
def test_cluster_weights_match_reference(scores, temperature):
    got = seenit.cluster_weights(scores, temperature)
    np.testing.assert_allclose(got, ref.cluster_weights(scores, temperature), rtol=1e-9, atol=1e-300)
    assert math.isclose(got.sum(), 1.0, rel_tol=1e-12)


def test_cluster_weights_by_hand():
    w = seenit.cluster_weights([[1.0, 3.0], [0.0], [2.0, 2.0, 2.0]], temperature=2.0)
    e = np.exp(np.array([2.0, 0.0, 2.0]) / 2.0)
    np.testing.assert_allclose(w, e / e.sum())


@pytest.mark.parametrize("args, exc, match", [
    (([[1.0], []], 1.0), ValueError, "scores_by_cluster\\[1\\] must not be empty"),
    (([], 1.0), ValueError, "at least one cluster"),
    (([[1.0]], 0.0), ValueError, "temperature"),
    (([[np.nan]], 1.0), ValueError, "scores_by_cluster\\[0\\] must be finite"),
    (("abc", 1.0), TypeError, "scores_by_cluster must be a sequence"),
])
def test_cluster_weights_bad_input(args, exc, match):
    with pytest.raises(exc, match=match):
        seenit.cluster_weights(*args)


resample_st = st.integers(1, 8).flatmap(lambda k: st.tuples(
    hnp.arrays(np.float64, k, elements=st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0, 10)),
    hnp.arrays(np.int64, k, elements=st.integers(0, 20))))


@given(wr=resample_st, data=st.data(), seed=st.integers(0, 2**40))
def test_resample_matches_reference(wr, data, seed):
    w, r = wr
    reachable = int(r[w > 0].sum())
    count = data.draw(st.integers(0, reachable))
    got = seenit.resample(w, r, count, seed)
    np.testing.assert_array_equal(got, ref.resample(w, r, count, seed))
    assert got.sum() == count and (got <= r).all() and (got[w == 0] == 0).all()
    np.testing.assert_array_equal(seenit.resample(w, r, count, seed), got)  # same seed, same counts


def test_resample_distribution_is_sequential_draws_skipping_full_clusters():
    w = np.array([0.6, 0.3, 0.1])
    r = np.array([2, 10, 10])
    count, reps = 6, 3000
    got = np.mean([seenit.resample(w, r, count, seed) for seed in range(reps)], axis=0)
    rng = np.random.default_rng(12345)
    sims = []
    for _ in range(reps):  # the definition, one draw at a time
        out = np.zeros(3, int)
        for _ in range(count):
            p = np.where(out < r, w, 0.0)
            out[rng.choice(3, p=p / p.sum())] += 1
        sims.append(out)
    want = np.mean(sims, axis=0)
    assert np.abs(got - want).max() < 0.1, (got, want)


@pytest.mark.parametrize("args, exc, match", [
    (([0.5, 0.5], [1, 1], 3), ValueError, "count must be at most"),
    (([0.0, 1.0], [5, 1], 2), ValueError, "count must be at most the rows remaining in clusters of positive weight \\(1\\)"),
    (([0.5, -0.5], [1, 1], 1), ValueError, "weights must be >= 0"),
    (([0.5, 0.5], [1, 1, 1], 1), ValueError, "weights and remaining must have the same length"),
    (([0.5, 0.5], [1, -1], 1), ValueError, "remaining must be >= 0"),
    (([0.5, 0.5], [1, 1], -1), ValueError, "count must be in 0..inf"),
    (([0.5, np.inf], [1, 1], 1), ValueError, "weights must be finite"),
    (([0.5, 0.5], [1.5, 1], 1), TypeError, "remaining must hold integers"),
])
def test_resample_bad_input(args, exc, match):
    with pytest.raises(exc, match=match):
        seenit.resample(*args)


@pytest.mark.slow
def test_kmq_on_gsm8k_train_questions(shared_data):
    from _select_helpers import embed, gsm8k_questions

    qs = gsm8k_questions(shared_data)
    x = embed(qs)
    length = np.array([len(q) for q in qs], dtype=np.float64)
    budget, k = 1000, 40
    res = seenit.kmq_select(x, budget, k, seed=0)
    assert res.selected.size == budget and res.budgets.sum() == budget
    assert (np.abs(res.budgets - budget * res.sizes / len(qs)) < 1).all()  # proportional to the clusters
    np.testing.assert_array_equal(res.selected, seenit.kmq_select(x, budget, k, seed=0).selected)
    # a strong preference for short questions (quality = -length, cold temperature) shows in the choice,
    # while each cluster still gets exactly its budget
    short = seenit.kmq_select(x, budget, k, quality=-length / length.std(), temperature=0.1, seed=0)
    np.testing.assert_array_equal(short.budgets, res.budgets)
    assert length[short.selected].mean() < length[res.selected].mean() - 0.5 * length.std()


def test_resample_weights_far_apart_still_fill_every_positive_cluster():
    # found by the fuzzer: scaling by the overall largest weight underflowed the small one to 0
    out = seenit.resample([2.8e-173, 1.9e304], [6, 4], 7, seed=0)
    assert out.tolist() == [3, 4]
