"""AUROC, ROC curves, TPR at FPR and bootstrap intervals against plain definitions and hand-made cases."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seenit.logprob import metrics
from seenit.report.svg import roc_svg
from seenit.reference import logprob as ref


@st.composite
def scored(draw):
    n = draw(st.integers(2, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    labels = rng.integers(0, 2, n)
    labels[0], labels[1] = 0, 1
    scores = rng.standard_normal(n) + labels * draw(st.floats(0, 2))
    if draw(st.booleans()):
        scores = np.round(scores)  # many ties
    return scores, labels


@given(scored())
def test_auroc_matches_pairwise_definition(data):
    s, y = data
    assert metrics.auroc(s, y) == pytest.approx(ref.auroc(s, y), abs=1e-12)


@given(scored())
def test_roc_curve_and_tpr_match_reference(data):
    s, y = data
    for got, want in zip(metrics.roc_curve(s, y), ref.roc_curve(s, y)):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    for f in (0.0, 0.01, 0.1, 0.5, 1.0):
        assert metrics.tpr_at_fpr(s, y, f) == pytest.approx(ref.tpr_at_fpr(s, y, f), abs=1e-12)
    # the area under our curve (trapezoids, ties as diagonal segments) is the AUROC
    fpr, tpr, _ = metrics.roc_curve(s, y)
    assert np.trapezoid(tpr, fpr) == pytest.approx(metrics.auroc(s, y), abs=1e-12)


def test_hand_cases_like_sklearn():
    # the example in scikit-learn's roc_auc_score / roc_curve documentation
    s, y = np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])
    assert metrics.auroc(s, y) == 0.75
    fpr, tpr, thr = metrics.roc_curve(s, y)
    assert fpr.tolist() == [0, 0, 0.5, 0.5, 1] and tpr.tolist() == [0, 0.5, 0.5, 1, 1]
    assert thr.tolist() == [np.inf, 0.8, 0.4, 0.35, 0.1]
    assert metrics.tpr_at_fpr(s, y, 0.0) == 0.5 and metrics.tpr_at_fpr(s, y, 0.5) == 1.0
    np.testing.assert_array_equal(metrics.tpr_at_fpr(s, y, [0.0, 0.49]), [0.5, 0.5])
    # ties count one half
    assert metrics.auroc([1, 1, 0, 0], [1, 0, 1, 0]) == 0.5
    assert metrics.auroc([2, 1, 1], [1, 1, 0]) == 0.75
    # perfect and inverted rankings; bool labels
    assert metrics.auroc([3, 2, 1], [True, True, False]) == 1.0
    assert metrics.auroc([1, 2, 3], [1, 1, 0]) == 0.0


def test_bootstrap_interval():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    s = rng.standard_normal(400) + y
    iv = metrics.bootstrap(metrics.auroc, s, y, n_bootstrap=300, seed=1)
    assert iv.low < iv.value < iv.high and iv.value == metrics.auroc(s, y)
    assert iv.high - iv.low < 0.2 and iv.ci == 0.95
    assert metrics.bootstrap(metrics.auroc, s, y, n_bootstrap=300, seed=1) == iv  # seeded: reproducible
    ivs = metrics.bootstrap(metrics.tpr_at_fpr, s, y, n_bootstrap=200, fpr=[0.05, 0.2])
    assert len(ivs) == 2 and all(i.low <= i.value <= i.high for i in ivs)


def test_bad_labels_and_scores():
    with pytest.raises(ValueError, match=r"labels must be binary .*labels\[1\] = 2"):
        metrics.auroc([0.1, 0.2, 0.3], [0, 2, 1])
    with pytest.raises(ValueError, match=r"labels are all members \(1\)"):
        metrics.auroc([0.1, 0.2], [1, 1])
    with pytest.raises(ValueError, match=r"labels are all non-members \(0\)"):
        metrics.roc_curve([0.1, 0.2], [0, 0])
    with pytest.raises(ValueError, match="same length as scores"):
        metrics.auroc([0.1, 0.2], [0, 1, 1])
    with pytest.raises(ValueError, match=r"scores must be finite; scores\[1\] = nan"):
        metrics.auroc([0.1, np.nan], [0, 1])
    with pytest.raises(ValueError, match="fpr must be"):
        metrics.tpr_at_fpr([0.1, 0.2], [0, 1], 1.5)
    with pytest.raises(ValueError, match=r"ci must be in \(0, 1\)"):
        metrics.bootstrap(metrics.auroc, [0.1, 0.2], [0, 1], ci=1.0)
    with pytest.raises(TypeError, match="labels must be 0/1 or bool"):
        metrics.auroc([0.1, 0.2], ["a", "b"])


def test_roc_svg_is_well_formed():
    import xml.etree.ElementTree as ET

    fpr, tpr, _ = metrics.roc_curve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    root = ET.fromstring(roc_svg({"mink<0.2>": (fpr, tpr)}))
    assert root.tag.endswith("svg") and len(root.findall(".//{http://www.w3.org/2000/svg}polyline")) == 1
