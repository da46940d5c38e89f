"""Learning percentage and per-cluster selection (Mekala et al. 2024) against the plain reference."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import seenit
from seenit.reference import select as ref


def test_learning_percentage_by_hand():
    ppl = np.array([[10.0, 8.0, 5.0], [6.0, 8.0, 6.0], [4.0, 8.0, 3.0]])
    np.testing.assert_allclose(seenit.learning_percentage(ppl), [4 / 6, 0.0, -1 / 2])
    np.testing.assert_allclose(seenit.learning_percentage(ppl, epoch=2), [2 / 6, 0.0, 3 / 2])
    np.testing.assert_allclose(seenit.learning_percentage(ppl, approx=True), [0.4, 0.0, -0.2])


ppl_arrays = st.integers(1, 4).flatmap(lambda e: st.integers(1, 12).flatmap(lambda n: hnp.arrays(
    np.float64, (e + 1, n), elements=st.floats(0.5, 1e4, allow_nan=False, allow_infinity=False))))


@given(ppl=ppl_arrays, data=st.data())
def test_learning_percentage_matches_reference(ppl, data):
    epoch = data.draw(st.integers(1, ppl.shape[0] - 1))
    np.testing.assert_allclose(seenit.learning_percentage(ppl, epoch=epoch), ref.learning_percentage(ppl, epoch),
                               rtol=1e-12, atol=0)
    np.testing.assert_allclose(seenit.learning_percentage(ppl, approx=True), ref.learning_percentage(ppl, approx=True),
                               rtol=1e-12, atol=0)


@given(ppl=ppl_arrays)
def test_learning_percentages_of_all_epochs_sum_to_one(ppl):
    # the shares of the total drop telescope: sum_i (P_{i-1} - P_i) = P_0 - P_E
    E = ppl.shape[0] - 1
    total = sum(seenit.learning_percentage(ppl, epoch=i) for i in range(1, E + 1))
    moved = ppl[0] != ppl[-1]
    rel = np.abs(ppl).max(axis=0) / np.maximum(np.abs(ppl[0] - ppl[-1]), 1e-300)
    np.testing.assert_allclose(total[moved], 1.0, rtol=0, atol=1e-9 * max(1.0, float(rel[moved].max(initial=1.0))))
    assert (total[~moved] == 0).all()


strata = st.integers(1, 40).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 1.0, 2.0, -1.5]) | st.floats(-5, 5)),
    hnp.arrays(np.int64, n, elements=st.integers(-2, 4))))


@given(sc=strata, fraction=st.sampled_from([1.0, 0.5, 0.3, 0.1, 0.25]) | st.floats(1e-3, 1.0),
       ascending=st.booleans())
def test_select_stratified_matches_reference(sc, fraction, ascending):
    scores, clusters = sc
    got = seenit.select_stratified(scores, clusters, fraction, ascending=ascending)
    want = ref.select_stratified(scores, clusters, fraction, ascending=ascending)
    np.testing.assert_array_equal(got, want)
    for c in np.unique(clusters):  # the budget of each cluster, exactly
        m = int((clusters == c).sum())
        assert got[clusters == c].sum() == math.floor(Fraction(fraction) * m + Fraction(1, 2))


def test_select_stratified_exact_counts_and_order():
    scores = np.array([0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.0])
    clusters = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    keep = seenit.select_stratified(scores, clusters, 0.3)  # 0.3 * 10 is 3, not 2.9999 or 3.0000000004
    assert np.flatnonzero(keep).tolist() == [1, 5, 9]
    keep = seenit.select_stratified(scores, clusters, 0.3, ascending=False)
    assert np.flatnonzero(keep).tolist() == [0, 4, 6]
    # a tie keeps the smaller row index
    keep = seenit.select_stratified([1.0, 1.0, 1.0, 2.0], [7, 7, 7, 7], 0.5)
    assert np.flatnonzero(keep).tolist() == [0, 1]


GOOD = np.array([[10.0, 8.0], [6.0, 7.0]])


@pytest.mark.parametrize(
    "kw, exc, match",
    [
        (dict(ppl=np.array([[10.0, np.nan], [6.0, 7.0]])), ValueError, "ppl must be finite"),
        (dict(ppl=np.array([[10.0, np.inf], [6.0, 7.0]])), ValueError, "ppl must be finite"),
        (dict(ppl=np.array([[10.0, 0.0], [6.0, 7.0]])), ValueError, "ppl must be > 0"),
        (dict(ppl=np.array([[10.0, -3.0], [6.0, 7.0]])), ValueError, "ppl must be > 0"),
        (dict(ppl=np.array([[10.0, 8.0]])), ValueError, "E \\+ 1 >= 2 rows"),
        (dict(ppl=np.array([10.0, 8.0])), ValueError, "ppl must be 2-dimensional"),
        (dict(ppl=np.zeros((2, 0))), ValueError, "ppl must not be empty"),
        (dict(ppl=np.array([["a", "b"], ["c", "d"]])), TypeError, "ppl"),
        (dict(ppl=GOOD, epoch=0), ValueError, "epoch must be in 1..1"),
        (dict(ppl=GOOD, epoch=2), ValueError, "epoch must be in 1..1"),
        (dict(ppl=GOOD, epoch=1.0), TypeError, "epoch must be an int"),
        (dict(ppl=np.vstack([GOOD, GOOD]), epoch=2, approx=True), ValueError, "epoch must be 1 with approx"),
        (dict(ppl=GOOD, approx="yes"), TypeError, "approx must be a bool"),
    ],
)
def test_learning_percentage_bad_input(kw, exc, match):
    with pytest.raises(exc, match=match):
        seenit.learning_percentage(**kw)


@pytest.mark.parametrize(
    "args, exc, match",
    [
        (([0.1, 0.2], [0, 1], 0.0), ValueError, "fraction must be a number in \\(0, 1\\]"),
        (([0.1, 0.2], [0, 1], 1.5), ValueError, "fraction"),
        (([0.1, 0.2], [0, 1], float("nan")), ValueError, "fraction must be finite"),
        (([0.1, 0.2], [0, 1, 1], 0.5), ValueError, "scores and clusters must have the same length"),
        (([0.1, np.nan], [0, 1], 0.5), ValueError, "scores must be finite"),
        (([0.1, 0.2], [0.0, 1.5], 0.5), TypeError, "clusters must hold integers"),
        (([], [], 0.5), ValueError, "scores must not be empty"),
        (([[0.1, 0.2]], [0, 1], 0.5), ValueError, "scores must be 1-dimensional"),
    ],
)
def test_select_stratified_bad_input(args, exc, match):
    with pytest.raises(exc, match=match):
        seenit.select_stratified(*args)
