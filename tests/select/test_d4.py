"""D4 (Tirumala et al. 2023): SemDeDup, re-cluster, drop the most prototypical."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import seenit
from seenit.reference import search as ref_search
from seenit.reference import select as ref
from seenit.search.semdedup import cluster_order

# magnitudes above 1e-3: below that float32 norms underflow and the kernels treat a row as zero
# (cosine 0), a property of seenit.semdedup checked in tests/search, not of D4
values = st.integers(-30, 30).map(lambda i: i / 10) | st.floats(-3, 3, width=32).filter(lambda v: v == 0 or abs(v) > 1e-3)
emb_st = st.integers(1, 30).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float32, (n, 4), elements=values),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=5)))


def _with_copies(x, copies):
    x = x.copy()
    for a, b in copies:
        x[b] = x[a]  # exact duplicates
    return x


@given(data=emb_st, eps=st.sampled_from([0.0, 1e-4, 0.05]) | st.floats(0, 2), ratio=st.floats(0, 0.99),
       seed=st.integers(0, 50), k=st.integers(1, 4))
def test_d4_matches_reference(data, eps, ratio, seed, k):
    x = _with_copies(*data)
    k = min(k, x.shape[0])
    res = seenit.d4(x, eps, ratio, k, seed)
    # pass 1 is seenit's SemDeDup (checked against its own reference here, on its clusters)
    sd = seenit.semdedup(x, n_clusters=k, eps=eps, keep="hard", seed=seed)
    np.testing.assert_array_equal(res.semdedup.keep, sd.keep)
    orders = cluster_order(sd.cluster, sd.kmeans.scores, "hard", seed)
    want_keep, best = ref_search.semdedup_from_clusters(x, orders, eps)
    margin = np.abs(best - (1 - eps)) > 1e-5  # away from the threshold, float32 and float64 agree
    np.testing.assert_array_equal(sd.keep[margin], want_keep[margin])
    # pass 2: the re-clustering of the survivors and the global prototypicality cut
    survivors = np.flatnonzero(sd.keep)
    km = seenit.kmeans(x[survivors], min(k, survivors.size), seed=seed, metric="cosine")
    np.testing.assert_array_equal(res.cluster[survivors], km.labels)
    np.testing.assert_array_equal(res.reason, ref.d4_from_passes(sd.keep, km.scores, ratio))
    assert (res.reason == 2).sum() == math.floor(Fraction(ratio) * survivors.size)  # the exact count
    assert (res.keep == (res.reason == 0)).all()


def _blobs(n=400, k=5, d=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d)) * 3
    return (centres[rng.integers(0, k, n)] + rng.standard_normal((n, d))).astype(np.float32)


def test_d4_drops_duplicates_then_the_most_prototypical():
    x = _blobs()
    x = np.vstack([x, x[:30]])  # 30 exact copies
    res = seenit.d4(x, 1e-4, 0.25, 5, seed=1)
    assert (res.reason[:30] == 1).sum() + (res.reason[400:] == 1).sum() == 30  # one of each pair goes
    assert ((res.reason[:30] == 1) != (res.reason[400:] == 1)).all()
    m = int((res.reason != 1).sum())
    assert m == 400 and (res.reason == 2).sum() == 100
    dropped, kept = res.distance[res.reason == 2], res.distance[res.reason == 0]
    assert dropped.max() <= kept.min()  # the most prototypical are the ones closest to their centroid
    assert np.isnan(res.distance[res.reason == 1]).all() and (res.cluster[res.reason == 1] == -1).all()
    assert res.to_dict() == {"rows": 430, "kept": 300, "duplicate": 30, "prototypical": 100}
    assert res.reasons[:3] == [("kept", "duplicate", "prototypical")[i] for i in res.reason[:3]]


def test_d4_deterministic_and_thread_invariant():
    x = _blobs(seed=3)
    runs = []
    for threads in (1, 2):
        seenit.set_num_threads(threads)
        try:
            runs.append(seenit.d4(x, 0.02, 0.3, 6, seed=7))
        finally:
            seenit.set_num_threads(2)
    np.testing.assert_array_equal(runs[0].reason, runs[1].reason)
    np.testing.assert_array_equal(runs[0].distance, runs[1].distance)
    np.testing.assert_array_equal(runs[0].reason, seenit.d4(x, 0.02, 0.3, 6, seed=7).reason)


def test_d4_ratio_zero_is_semdedup():
    x = _blobs(n=100)
    res = seenit.d4(x, 0.05, 0.0, 4, seed=0)
    np.testing.assert_array_equal(res.keep, seenit.semdedup(x, n_clusters=4, eps=0.05, seed=0).keep)


X = _blobs(n=10)


@pytest.mark.parametrize(
    "kw, exc, match",
    [
        (dict(semdedup_eps=-0.1, prototypicality_ratio=0.1, n_clusters=2), ValueError, "semdedup_eps"),
        (dict(semdedup_eps=2.5, prototypicality_ratio=0.1, n_clusters=2), ValueError, "semdedup_eps"),
        (dict(semdedup_eps=0.1, prototypicality_ratio=1.0, n_clusters=2), ValueError, "prototypicality_ratio"),
        (dict(semdedup_eps=0.1, prototypicality_ratio=-0.1, n_clusters=2), ValueError, "prototypicality_ratio"),
        (dict(semdedup_eps=0.1, prototypicality_ratio=float("nan"), n_clusters=2), ValueError, "prototypicality_ratio"),
        (dict(semdedup_eps=0.1, prototypicality_ratio=0.1, n_clusters=0), ValueError, "n_clusters must be in 1..10"),
        (dict(semdedup_eps=0.1, prototypicality_ratio=0.1, n_clusters=11), ValueError, "n_clusters must be in 1..10"),
        (dict(semdedup_eps=0.1, prototypicality_ratio=0.1, n_clusters=2, seed=-1), ValueError, "seed"),
        (dict(semdedup_eps="x", prototypicality_ratio=0.1, n_clusters=2), TypeError, "semdedup_eps"),
    ],
)
def test_d4_bad_input(kw, exc, match):
    with pytest.raises(exc, match=match):
        seenit.d4(X, **kw)


@pytest.mark.parametrize("emb, exc", [(np.zeros((2, 3, 4)), ValueError), (np.array([["a"]]), TypeError),
                                      (np.full((3, 2), np.inf), ValueError), (np.zeros((3, 0)), ValueError)])
def test_d4_bad_embeddings(emb, exc):
    with pytest.raises(exc, match="emb"):
        seenit.d4(emb, 0.1, 0.1, 1)


@pytest.mark.slow
def test_d4_on_gsm8k_train_questions(shared_data):
    from _select_helpers import embed, gsm8k_questions

    qs = gsm8k_questions(shared_data)
    copies = qs[:200]  # exact repeats, as a scraped corpus would have
    x = embed(qs + copies)
    res = seenit.d4(x, 1e-4, 0.2, 40, seed=0)
    n = len(qs)
    # every repeated question keeps exactly one of its two copies
    assert ((res.reason[:200] == 1) | (res.reason[n:] == 1)).all()
    assert ((res.reason[:200] == 1) & (res.reason[n:] == 1)).sum() == 0
    m = int((res.reason != 1).sum())
    assert (res.reason == 2).sum() == math.floor(Fraction(0.2) * m)
    assert res.distance[res.reason == 2].max() <= res.distance[res.reason == 0].min()
    np.testing.assert_array_equal(res.reason, seenit.d4(x, 1e-4, 0.2, 40, seed=0).reason)
