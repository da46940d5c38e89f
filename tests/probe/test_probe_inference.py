"""Dataset inference (Maini et al. 2024) against its plain definition, calibrated when suspect and
validation sets are IID, powerful when the suspect set scores higher, strict on bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import seenit
from seenit.reference import probe as ref

from _probe_helpers import N_SEEDS, assert_calibrated


@given(st.integers(0, 2**32), st.integers(4, 40), st.integers(4, 40), st.integers(1, 6), st.floats(0, 2),
       st.sampled_from([1e-3, 0.1, 1.0, 10.0]))
def test_matches_reference(seed, ns, nv, d, shift, alpha):
    rng = np.random.default_rng(seed)
    s = rng.standard_normal((ns, d)) + shift
    v = rng.standard_normal((nv, d))
    got = seenit.dataset_inference(s, v, alpha=alpha, seed=seed)
    want = ref.dataset_inference(s, v, alpha=alpha, seed=seed)
    np.testing.assert_allclose(got.weights, want["weights"], rtol=1e-6, atol=1e-9)
    assert got.mean_difference == pytest.approx(want["mean_difference"], rel=1e-6, abs=1e-9)
    if np.isfinite(want["statistic"]):
        assert got.statistic == pytest.approx(want["statistic"], rel=1e-6, abs=1e-9)
        assert got.pvalue == pytest.approx(want["pvalue"], rel=1e-5, abs=1e-12)
    assert (got.n_suspect, got.n_validation) == (ns, nv)


def test_mapping_of_columns_like_mia_scores():
    rng = np.random.default_rng(0)
    lp = -rng.exponential(1.0, 400)
    off = np.arange(0, 401, 10)
    cols = seenit.mia_scores(lp, off, ks=(0.2,))
    s = {k: v[:20] for k, v in cols.items()}
    v = {k: v[20:] for k, v in cols.items()}
    r = seenit.dataset_inference(s, v)
    assert r.features == list(cols) and set(r.to_dict()["weights"]) == set(cols)
    assert 0 <= r.pvalue <= 1


def test_calibrated_when_iid():
    ps = []
    for seed in range(N_SEEDS):
        rng = np.random.default_rng(seed)
        ps.append(seenit.dataset_inference(rng.standard_normal((40, 5)), rng.standard_normal((50, 5)), seed=seed).pvalue)
    assert_calibrated(ps)


def test_detects_higher_suspect_scores():
    rng = np.random.default_rng(1)
    s = rng.standard_normal((200, 6))
    s[:, :2] += 0.5  # two of six weak attacks see the membership signal
    r = seenit.dataset_inference(s, rng.standard_normal((200, 6)))
    assert r.pvalue < 0.01 and r.statistic > 0 and r.weights[:2].mean() > np.abs(r.weights[2:]).mean()


def test_deterministic_given_seed():
    rng = np.random.default_rng(2)
    s, v = rng.standard_normal((30, 3)), rng.standard_normal((30, 3))
    assert seenit.dataset_inference(s, v, seed=4).to_dict() == seenit.dataset_inference(s, v, seed=4).to_dict()


GOOD = np.zeros((8, 3))


@pytest.mark.parametrize("s, v, exc, match", [
    (np.zeros((8, 3)), np.zeros((8, 4)), ValueError, "must have the same columns"),
    ({"a": np.zeros(8)}, {"b": np.zeros(8)}, ValueError, "must have the same columns"),
    ({"a": np.zeros(8), "b": np.zeros(7)}, GOOD, ValueError, "suspect_features's columns differ in length"),
    (np.zeros((3, 3)), GOOD, ValueError, "suspect_features has 3 documents"),
    (GOOD, np.zeros((2, 3)), ValueError, "validation_features has 2 documents"),
    (np.full((8, 3), np.nan), GOOD, ValueError, "suspect_features must be finite: row 0"),
    (np.zeros(8), GOOD, ValueError, "suspect_features must be 2-dimensional"),
    (np.zeros((8, 0)), np.zeros((8, 0)), ValueError, "has no columns"),
    ({}, GOOD, ValueError, "suspect_features has no columns"),
    (np.array([["a"]]), GOOD, TypeError, "suspect_features"),
])
def test_bad_input(s, v, exc, match):
    with pytest.raises(exc, match=match):
        seenit.dataset_inference(s, v)


def test_bad_options():
    with pytest.raises(ValueError, match="alpha"):
        seenit.dataset_inference(GOOD, GOOD, alpha=0)
    with pytest.raises(TypeError, match="seed"):
        seenit.dataset_inference(GOOD, GOOD, seed="x")
