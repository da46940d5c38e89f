"""k-means seeding: k-means++ and k-means|| (Bahmani et al. 2012) against the plain
reference in seenit.reference.search (same SplitMix streams, so the chosen rows are
compared exactly), thread-count invariance, the "auto" rule and clustering quality."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seenit
from seenit import _core
from seenit.reference import search as ref


def _seed_ref(x, k, seed, metric, init):
    w = ref.kmeans_rows(x, metric)
    if init == "k-means++":
        return ref.kmeans_plus_plus(w, k, ref.SplitMix(seed)), [], np.zeros(0)
    return ref.kmeans_parallel_seed(w, k, seed)


def _blobs(n_per, k, d, seed, spread=10.0):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((k, d)) * spread
    x = np.concatenate([c + rng.standard_normal((n_per, d)) for c in centers]).astype(np.float32)
    return x[rng.permutation(len(x))]


# Small integers: every squared distance is exact in float32 and float64, so the C++ and
# the reference see the same D^2 (ties included) and must pick the same rows.
@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 60).flatmap(
        lambda n: st.tuples(
            st.integers(1, 6).flatmap(
                lambda d: st.lists(st.integers(-3, 3), min_size=n * d, max_size=n * d).map(
                    lambda v: np.array(v, dtype=np.float32).reshape(n, d)
                )
            ),
            st.integers(1, n),
        )
    ),
    st.integers(0, 2**64 - 1),
    st.sampled_from(["k-means++", "k-means||"]),
)
def test_seeding_matches_reference_exactly_on_integer_data(xk, seed, init):
    x, k = xk
    centres, cands, weights, used = _core.kmeans_seed(x, k, seed, "l2", init)
    rc, rcand, rw = _seed_ref(x, k, seed, "l2", init)
    assert centres.tolist() == rc
    assert len(set(centres.tolist())) == k  # distinct rows
    if init == "k-means||" and used == "k-means||":
        assert cands.tolist() == rcand
        np.testing.assert_array_equal(weights, rw)
        assert weights.sum() == len(x)
        assert set(centres.tolist()) <= set(cands.tolist())
    elif init == "k-means||":  # fewer candidates than clusters: falls back to k-means++
        assert len(rcand) < k and used == "k-means++"


@pytest.mark.parametrize("metric", ["l2", "cosine"])
@pytest.mark.parametrize("seed", [0, 3, 2**63 + 5])
def test_parallel_seeding_matches_reference_on_random_data(metric, seed):
    x = _blobs(40, 6, 5, seed % 1000, spread=3.0)
    centres, cands, weights, used = _core.kmeans_seed(x, 6, seed, metric, "k-means||")
    rc, rcand, rw = _seed_ref(x, 6, seed, metric, "k-means||")
    assert used == "k-means||"
    assert cands.tolist() == rcand
    np.testing.assert_array_equal(weights, rw)
    assert centres.tolist() == rc
    assert len(cands) > 6  # oversampled: several rounds of ~2k candidates


@pytest.mark.parametrize("metric", ["l2", "cosine"])
@pytest.mark.parametrize("init", ["k-means++", "k-means||"])
def test_final_centroids_match_reference_lloyd(metric, init):
    x = _blobs(50, 5, 8, 1)
    km = seenit.kmeans(x, 5, iters=30, seed=11, metric=metric, init=init)
    assert km.init == init
    rc, _, _ = _seed_ref(x, 5, 11, metric, init)
    w = ref.kmeans_rows(x, metric)
    c, lab = ref.lloyd(w, w[rc], 30, metric)
    np.testing.assert_array_equal(km.labels, lab)
    np.testing.assert_allclose(km.centroids, c, rtol=0, atol=1e-5)


@pytest.mark.parametrize("metric", ["l2", "cosine"])
def test_parallel_seeding_is_thread_count_invariant(metric):
    x = _blobs(300, 20, 16, 2, spread=2.0)  # 6,000 rows: several parallel blocks
    before = seenit.get_num_threads()
    try:
        seenit.set_num_threads(1)
        a = _core.kmeans_seed(x, 40, 5, metric, "k-means||")
        ka = seenit.kmeans(x, 40, iters=3, seed=5, metric=metric, init="k-means||")
        seenit.set_num_threads(2)
        b = _core.kmeans_seed(x, 40, 5, metric, "k-means||")
        kb = seenit.kmeans(x, 40, iters=3, seed=5, metric=metric, init="k-means||")
    finally:
        seenit.set_num_threads(before)
    for u, v in zip(a[:3], b[:3]):
        np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(ka.centroids, kb.centroids)
    np.testing.assert_array_equal(ka.labels, kb.labels)
    c = _core.kmeans_seed(x, 40, 6, metric, "k-means||")
    assert c[0].tolist() != a[0].tolist()  # the seed matters


def test_parallel_inertia_is_close_to_plus_plus_on_clustered_data():
    x = _blobs(100, 30, 10, 4, spread=4.0)
    pp, par = [], []
    for seed in range(4):
        pp.append(seenit.kmeans(x, 30, iters=20, seed=seed, metric="l2", init="k-means++").inertia)
        par.append(seenit.kmeans(x, 30, iters=20, seed=seed, metric="l2", init="k-means||").inertia)
    # Bahmani et al. report k-means|| seeding at least as good as k-means++; allow 1.2x
    assert np.median(par) <= 1.2 * np.median(pp)
    # and a seeding far from the optimum would not pass: the true blobs give ~n * d
    assert np.median(par) < 2.0 * x.shape[0] * x.shape[1]


def test_auto_rule():
    small = _blobs(20, 5, 4, 0)
    assert seenit.kmeans(small, 5, iters=1).init == "k-means++"
    # n * k >= 1e7, k >= 64, n >= 20 k: k-means||
    x = np.random.default_rng(0).standard_normal((160_000, 2)).astype(np.float32)
    assert seenit.kmeans(x, 64, iters=1, metric="l2").init == "k-means||"
    assert _core.kmeans_seed(x, 64, 0, "l2", "auto")[3] == "k-means||"
    # too few rows per cluster: k-means++
    assert _core.kmeans_seed(x[:1000], 64, 0, "l2", "auto")[3] == "k-means++"


def test_parallel_with_fewer_distinct_rows_than_clusters():
    x = np.repeat(np.eye(3, dtype=np.float32), 3, axis=0)
    km = seenit.kmeans(x, 5, metric="l2", init="k-means||")
    assert km.inertia == pytest.approx(0.0, abs=1e-6)
    centres, _, _, _ = _core.kmeans_seed(x, 5, 0, "l2", "k-means||")
    assert centres.tolist() == _seed_ref(x, 5, 0, "l2", "k-means||")[0]


def test_bad_init():
    x = np.ones((4, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="init must be one of"):
        seenit.kmeans(x, 2, init="random")
    with pytest.raises(ValueError, match="init must be"):
        _core.kmeans_seed(x, 2, 0, "l2", "kmeans||")
