"""Likelihood gap and its rank correlation with accuracy gaps (the GSM1k analysis) against their
plain definitions; the Welch p-value calibrated when both sets are alike."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import seenit
from seenit.logprob.models import DocLogprobs
from seenit.reference import probe as ref

from _probe_helpers import N_SEEDS, assert_calibrated


@given(st.integers(0, 2**32), st.integers(2, 40), st.integers(2, 40), st.floats(0, 1), st.integers(1, 100))
def test_matches_reference(seed, nb, nf, shift, n_boot):
    rng = np.random.default_rng(seed)
    b, f = -np.abs(rng.normal(-3 + shift, 0.5, nb)), -np.abs(rng.normal(-3, 0.7, nf))
    got = seenit.likelihood_gap(b, f, n_bootstrap=n_boot, seed=seed)
    want = ref.likelihood_gap(b, f, n_bootstrap=n_boot, seed=seed)
    assert got.statistic == pytest.approx(want["statistic"])
    assert (got.interval.low, got.interval.high) == (pytest.approx(want["low"]), pytest.approx(want["high"]))
    assert got.pvalue == pytest.approx(want["pvalue"], rel=1e-7, abs=1e-14)


def test_doclogprobs_are_averaged_per_item():
    docs = DocLogprobs(np.array([-1.0, -3.0, -2.0, -2.0, -0.5]), np.array([0, 2, 4, 5]))
    r = seenit.likelihood_gap(docs, np.array([-2.0, -2.5]), n_bootstrap=10)
    assert r.mean_bench == pytest.approx((-2.0 - 2.0 - 0.5) / 3) and r.n_bench == 3


def test_calibrated_and_powerful():
    ps = [seenit.likelihood_gap(*np.random.default_rng(s).normal(-4, 0.5, (2, 60)), n_bootstrap=1, seed=s).pvalue
          for s in range(N_SEEDS)]
    assert_calibrated(ps)
    rng = np.random.default_rng(0)
    r = seenit.likelihood_gap(rng.normal(-3.8, 0.5, 200), rng.normal(-4, 0.5, 200))
    assert r.pvalue < 0.01 and r.interval.low > 0


@given(st.integers(0, 2**32), st.integers(3, 5))  # the reference calls scipy once per permutation
def test_gap_correlation_exact_matches_reference(seed, n):
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    got = seenit.gap_correlation(x, y)
    rho, p = ref.gap_correlation_exact(x, y)
    assert got.exact and got.statistic == pytest.approx(rho, abs=1e-12) and got.pvalue == pytest.approx(p)


def test_gap_correlation_eight_models_enumerated():
    x = np.arange(8.0)
    r = seenit.gap_correlation(x, x)
    assert r.exact and r.n_permutations == 40320 and r.pvalue == pytest.approx(1 / 40320)


def test_gap_correlation_monte_carlo():
    x = np.arange(12.0)
    r = seenit.gap_correlation(x, x + 0.1 * np.sin(x), n_permutations=999)
    assert not r.exact and r.statistic == pytest.approx(1.0) and r.pvalue == pytest.approx(1 / 1000)
    rng = np.random.default_rng(5)
    ps = [seenit.gap_correlation(rng.standard_normal(10), rng.standard_normal(10), n_permutations=99, seed=s).pvalue
          for s in range(N_SEEDS)]
    assert_calibrated(ps)


@pytest.mark.parametrize("args, exc, match", [
    ((np.array([-1.0]), np.array([-1.0, -2.0])), ValueError, "bench has 1 items"),
    ((np.array([-1.0, np.nan]), np.array([-1.0, -2.0])), ValueError, "bench: item 1 has no finite"),
    ((np.array([-1.0, -2.0]), np.ones((2, 2))), ValueError, "fresh must be 1-dimensional"),
    ((np.array([-1.0, -2.0]), ["a", "b"]), TypeError, "fresh"),
    ((np.array([-1.0, 0.5]), np.array([-1.0, -2.0])), ValueError, r"bench must hold mean token log-likelihoods \(<= 0"),
])
def test_likelihood_gap_bad_input(args, exc, match):
    with pytest.raises(exc, match=match):
        seenit.likelihood_gap(*args)


@pytest.mark.parametrize("x, y, match", [
    ([1.0, 2.0], [1.0, 2.0], "at least 3 models"),
    ([1.0, 2.0, 3.0], [1.0, 2.0], "3 models but accuracy_gaps has 2"),
    ([1.0, 1.0, 1.0], [1.0, 2.0, 3.0], "likelihood_gaps is constant"),
    ([1.0, np.inf, 1.0], [1.0, 2.0, 3.0], "likelihood_gaps must be finite"),
])
def test_gap_correlation_bad_input(x, y, match):
    with pytest.raises(ValueError, match=match):
        seenit.gap_correlation(x, y)
