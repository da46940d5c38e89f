"""The probe's own distributions and fits against scipy (the peer), and its TF-IDF rows against
the plain reference."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, stats

from seenit.probe import _stats
from seenit.reference import probe as ref


@given(t=st.floats(-60, 60), df=st.floats(0.5, 500))
def test_t_sf_matches_scipy(t, df):
    assert _stats.t_sf(t, df) == pytest.approx(stats.t.sf(t, df), rel=1e-9, abs=1e-14)


@given(z=st.floats(-30, 30))
def test_normal_sf_matches_scipy(z):
    assert _stats.normal_sf(z) == pytest.approx(stats.norm.sf(z), rel=1e-12, abs=1e-300)


def _exact_binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) summed term by term at 40 digits (mpmath): exact to double precision."""
    mpmath.mp.dps = 40
    q = mpmath.mpf(p)
    return float(mpmath.fsum(mpmath.binomial(n, i) * q**i * (1 - q) ** (n - i) for i in range(max(k, 0), n + 1)))


@given(n=st.integers(1, 3000), frac=st.floats(0, 1), p=st.floats(0.01, 0.99))
def test_binom_sf_matches_scipy(n, frac, p):
    k = int(round(frac * n))
    want = stats.binom.sf(k - 1, n, p)
    if want < 1e-250:  # scipy loses digits this far in the tail (2e-6 relative at 1e-284): the exact sum decides
        want = _exact_binom_sf(k, n, p)
    # relative 1e-6: far below what a p-value needs (lgamma cancellation grows with n far in the tail)
    assert _stats.binom_sf(k, n, p) == pytest.approx(want, rel=1e-6, abs=1e-300)


def test_binom_sf_far_tail_is_exact():
    """The case where scipy was the one off (n=590, k=572, p=0.28125): seenit is within 1e-12 of the exact sum."""
    assert _stats.binom_sf(572, 590, 0.28125) == pytest.approx(_exact_binom_sf(572, 590, 0.28125), rel=1e-12)


@given(st.integers(0, 2**32), st.integers(2, 40), st.integers(2, 40), st.floats(0.1, 10))
def test_welch_matches_scipy(seed, na, nb, scale):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(na), rng.standard_normal(nb) * scale + 0.3
    t, df, p = _stats.welch(a, b)
    r = stats.ttest_ind(a, b, equal_var=False, alternative="greater")
    assert t == pytest.approx(r.statistic, rel=1e-9)
    assert p == pytest.approx(r.pvalue, rel=1e-8, abs=1e-15)
    assert df == pytest.approx(r.df, rel=1e-9)


@given(st.integers(0, 2**32), st.integers(2, 40))
def test_one_sample_t_matches_scipy(seed, n):
    x = np.random.default_rng(seed).standard_normal(n) + 0.2
    t, df, p = _stats.one_sample_t(x)
    r = stats.ttest_1samp(x, 0.0, alternative="greater")
    assert (t, df) == (pytest.approx(r.statistic, rel=1e-9), n - 1)
    assert p == pytest.approx(r.pvalue, rel=1e-8, abs=1e-15)


def test_constant_samples():
    assert _stats.welch(np.ones(3), np.zeros(3))[2] == 0.0
    assert _stats.welch(np.zeros(3), np.zeros(3))[2] == 1.0
    assert _stats.one_sample_t(np.zeros(4))[2] == 1.0
    assert _stats.two_proportions(3, 3, 5, 5) == (0.0, 1.0)


@given(st.integers(0, 2**32), st.integers(3, 30), st.booleans())
def test_spearman_matches_scipy(seed, n, ties):
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    if ties:
        x, y = np.round(x), np.round(y)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return
    assert _stats.spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, rel=1e-9, abs=1e-12)


@given(st.integers(0, 2**32), st.integers(8, 60), st.integers(1, 6), st.booleans())
def test_logistic_fit_reaches_the_optimum(seed, n, d, sparse):
    """The fixed-iteration accelerated gradient descent ends near scipy's optimum of the same objective."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    y = (X[:, 0] + rng.standard_normal(n) > 0).astype(float)
    y[0], y[1] = 0, 1
    lam = 1.0 / n
    if sparse:
        feats = _stats.Features(n, d, data=X.ravel().copy(), indices=np.tile(np.arange(d), n),
                                indptr=np.arange(0, n * d + 1, d, dtype=np.int64))
    else:
        feats = _stats.Features(n, d, dense=X)
    w, b = _stats.fit_logistic(feats, y, iters=2000)
    best = optimize.minimize(lambda v: ref.logistic_objective(X, y, v[:d], v[d], lam), np.zeros(d + 1),
                             method="BFGS", options={"gtol": 1e-10})
    assert ref.logistic_objective(X, y, w, b, lam) <= best.fun + 1e-6


@given(st.lists(st.text(alphabet="ab cd,E1999 2015", max_size=30), min_size=1, max_size=8))
def test_tfidf_matches_reference(texts):
    X = _stats.tfidf(texts, 2)
    want = ref.tfidf_rows(texts, 2)
    vocab: dict[str, int] = {}
    for t in texts:
        for g in _stats.ngrams(t, 2):
            vocab.setdefault(g, len(vocab))
    data, indices, indptr = X.csr()
    for i, row in enumerate(want):
        got = {j: v for j, v in zip(indices[indptr[i] : indptr[i + 1]], data[indptr[i] : indptr[i + 1]])}
        assert got.keys() == {vocab[k] for k in row}
        for k, v in row.items():
            assert got[vocab[k]] == pytest.approx(v, rel=1e-12)


def test_year_features():
    assert _stats.max_year("in 1998 and 2021, not 12345 or 3000") == 2021
    assert np.isnan(_stats.max_year("no year here"))
    X = _stats.tfidf(["won in 2021", "plain"], 1, years=True)
    data, indices, indptr = X.csr()
    assert X.d == 4 + 2
    assert data[indptr[1] - 2 : indptr[1]].tolist() == [1.0, pytest.approx(0.21)]
    assert data[indptr[2] - 2 : indptr[2]].tolist() == [0.0, 0.0]


def test_rows_selects_csr_rows():
    X = _stats.tfidf(["a b", "c", "", "d e f"], 1)
    sub = X.rows(np.array([3, 0, 2]))
    w = np.arange(X.d, dtype=float)
    np.testing.assert_allclose(sub.matvec(w), X.matvec(w)[[3, 0, 2]])
