"""Perplexity correlations (Thrush et al. 2024): the rank estimator and the projection."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import seenit
from seenit.reference import select as ref


def test_by_hand():
    scores = np.array([0.2, 0.5, 0.9])  # model 2 is best
    losses = np.array([[3.0, 1.0, 2.0],   # domain 0: loss falls as the score rises -> good
                       [2.0, 2.0, 2.0],   # domain 1: loss rises with the score -> bad
                       [1.0, 3.0, 2.0]])  # domain 2: flat -> no signal
    r = seenit.perplexity_correlations(losses, scores, budget=0.6)
    assert r.correlation[0] > 0 > r.correlation[1] and r.correlation[2] == 0
    assert r.order.tolist() == [0, 2, 1]
    np.testing.assert_array_equal(r.weights, [0.6, 0.0, 0.4])
    # no ties: theta_j = N (N^2 - 1) / 3 * Spearman(scores, -loss_j); here Spearman is +1 and -1
    np.testing.assert_allclose(r.correlation[:2], [8.0, -8.0])


ties = st.sampled_from([0.0, 1.0, 2.0])
corr_st = st.integers(2, 9).flatmap(lambda n: st.integers(1, 6).flatmap(lambda d: st.tuples(
    hnp.arrays(np.float64, (n, d), elements=ties | st.floats(-5, 5)),
    hnp.arrays(np.float64, n, elements=ties | st.floats(0, 1)),
    st.floats(1.0 / d, 1.0) | st.just(1.0 / d))))


@given(data=corr_st)
def test_matches_reference(data):
    losses, scores, cap = data
    r = seenit.perplexity_correlations(losses, scores, budget=cap)
    theta, weights = ref.perplexity_correlations(losses, scores, cap)
    np.testing.assert_allclose(r.correlation, theta, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(r.weights, weights)
    assert r.weights.sum() == pytest.approx(1.0, abs=1e-12) and (r.weights <= cap).all()


@given(data=st.integers(3, 12).flatmap(lambda n: st.tuples(
    st.permutations(list(range(n))), st.lists(st.permutations(list(range(n))), min_size=1, max_size=4))))
def test_equals_scaled_spearman_without_ties(data):
    from scipy.stats import spearmanr

    score_perm, loss_perms = data
    n = len(score_perm)
    scores = np.asarray(score_perm, dtype=np.float64)
    losses = np.asarray(loss_perms, dtype=np.float64).T
    r = seenit.perplexity_correlations(losses, scores)
    for j in range(losses.shape[1]):
        rho = spearmanr(scores, -losses[:, j]).statistic
        assert r.correlation[j] == pytest.approx(rho * n * (n * n - 1) / 3, abs=1e-9)


def test_per_domain_budget():
    losses = np.array([[1.0, 2.0, 3.0], [2.0, 3.0, 1.0]])
    r = seenit.perplexity_correlations(losses, [0.1, 0.9], budget=[0.5, 0.7, 0.2])
    assert r.weights.sum() == pytest.approx(1.0)
    assert (r.weights <= [0.5, 0.7, 0.2]).all()
    assert r.to_dict()["order"] == r.order.tolist()


@pytest.mark.parametrize("args, kw, exc, match", [
    (([[1.0, 2.0]], [0.5]), {}, ValueError, "at least 2 models"),
    (([[1.0, np.nan], [1.0, 2.0]], [0.5, 0.6]), {}, ValueError, "losses must be finite"),
    (([[1.0, 2.0], [1.0, 2.0]], [0.5, np.inf]), {}, ValueError, "scores must be finite"),
    (([[1.0, 2.0], [1.0, 2.0]], [0.5, 0.6, 0.7]), {}, ValueError, "scores must have one value per model"),
    (([1.0, 2.0], [0.5, 0.6]), {}, ValueError, "losses must be 2-dimensional"),
    (([[1.0, 2.0], [1.0, 2.0]], [0.5, 0.6]), {"budget": 0.4}, ValueError, "budget must sum to at least 1"),
    (([[1.0, 2.0], [1.0, 2.0]], [0.5, 0.6]), {"budget": 0.0}, ValueError, "budget must be in \\(0, 1\\]"),
    (([[1.0, 2.0], [1.0, 2.0]], [0.5, 0.6]), {"budget": 1.5}, ValueError, "budget must be in \\(0, 1\\]"),
    (([[1.0, 2.0], [1.0, 2.0]], [0.5, 0.6]), {"budget": [1.0, 1.0, 1.0]}, ValueError, "one value per domain"),
    (([["a", "b"], ["c", "d"]], [0.5, 0.6]), {}, TypeError, "losses"),
    (([[1.0, 2.0], [1.0, 2.0]], [True, False]), {}, TypeError, "scores"),
])
def test_bad_input(args, kw, exc, match):
    with pytest.raises(exc, match=match):
        seenit.perplexity_correlations(*args, **kw)
