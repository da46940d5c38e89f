"""Retro-holdout tests and inflation (Haimes et al. 2024) against their plain definitions,
calibrated when both sets come from one distribution, and on real benchmarks: GSM8K train and
test are one distribution; GSM8K test and MBPP / TruthfulQA questions are not."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seenit
from seenit.probe import holdout as ho
from seenit.reference import probe as ref

from _probe_helpers import N_SEEDS, assert_calibrated, read_jsonl, truthfulqa


@given(st.integers(0, 2**32), st.integers(2, 12), st.integers(2, 12), st.integers(1, 5), st.floats(0, 2))
def test_mmd_matches_gram_matrix_definition(seed, nt, nh, d, shift):
    rng = np.random.default_rng(seed)
    x = np.vstack([rng.standard_normal((nt, d)) + shift, rng.standard_normal((nh, d))])
    mask = np.zeros((1, nt + nh), bool)
    mask[0, :nt] = True
    assert ho.mmd_cosine(x, mask)[0] == pytest.approx(ref.mmd_cosine(x[:nt], x[nt:]), rel=1e-9, abs=1e-12)


@given(st.integers(0, 2**32), st.integers(2, 10), st.integers(2, 10), st.integers(1, 30))
def test_permutation_test_matches_reference(seed, nt, nh, m):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((nt + nh, 3))
    got = ho.embedding_test(x, nt, m, np.random.default_rng(seed))
    obs, p = ref.embedding_permutation_test(x[:nt], x[nt:], m, seed)
    assert got.statistic == pytest.approx(obs, rel=1e-9, abs=1e-12)
    assert got.pvalue == pytest.approx(p)


@settings(max_examples=20)  # each example cross-validates a classifier
@given(st.integers(0, 2**32), st.integers(5, 30), st.integers(5, 30), st.floats(0, 1))
def test_classifier_and_difficulty_pvalues_match_reference(seed, nt, nh, shift):
    rng = np.random.default_rng(seed)
    ct, ch = rng.random(nt) < 0.6, rng.random(nh) < 0.6 - shift / 2
    r = seenit.holdout_tests(rng.standard_normal((nt, 4)) + shift, rng.standard_normal((nh, 4)), n_permutations=9,
                             correct_target=ct, correct_holdout=ch, seed=seed)
    k = min(nt, nh)
    c = r.classifier
    assert c.n_per_set == k
    assert c.pvalue == pytest.approx(ref.binomial_pvalue(int(round(c.accuracy * 2 * k)), 2 * k), rel=1e-8)
    if 0 < ct.sum() + ch.sum() < nt + nh:
        z, p_one = ref.two_proportions(ct.sum(), nt, ch.sum(), nh)
        assert r.difficulty.z[0] == pytest.approx(z, rel=1e-9, abs=1e-12)
        assert r.difficulty.pvalue == pytest.approx(min(1.0, 2 * min(p_one, 1 - p_one)), rel=1e-7, abs=1e-12)
    ps = [r.embedding.pvalue, c.pvalue, r.difficulty.pvalue]
    assert r.pvalue == pytest.approx(min(1.0, 3 * min(ps)))


@given(st.integers(0, 2**32), st.integers(1, 60), st.integers(1, 60), st.integers(1, 200))
def test_inflation_matches_reference(seed, nt, nh, nb):
    rng = np.random.default_rng(seed)
    a, b = rng.random(nt) < 0.7, rng.random(nh) < 0.5
    got = seenit.inflation(a, b, n_bootstrap=nb, seed=seed)
    want = ref.inflation(a, b, n_bootstrap=nb, seed=seed)
    assert got.statistic == pytest.approx(want["statistic"])
    assert (got.interval.low, got.interval.high) == (pytest.approx(want["low"]), pytest.approx(want["high"]))
    if 0 < a.sum() + b.sum() < nt + nh:
        assert got.pvalue == pytest.approx(want["pvalue"], rel=1e-8, abs=1e-14)


@settings(max_examples=25)  # a scipy fit per fold in the reference
@given(st.integers(0, 2**32), st.integers(5, 25), st.integers(5, 25), st.integers(1, 6), st.floats(0, 1.5))
def test_classifier_matches_reference(seed, nt, nh, d, shift):
    rng = np.random.default_rng(seed)
    t, h = rng.standard_normal((nt, d)) + 1 + shift, rng.standard_normal((nh, d)) + 1
    r = seenit.holdout_tests(t, h, n_permutations=7, seed=seed)
    auc, acc, p = ref.holdout_classifier(t, h, 7, 5, seed)
    assert r.classifier.auroc == pytest.approx(auc, abs=1e-9)
    assert r.classifier.accuracy == pytest.approx(acc) and r.classifier.pvalue == pytest.approx(p, rel=1e-6)


def test_several_models_difficulty():
    rng = np.random.default_rng(0)
    ct, ch = rng.random((3, 50)) < 0.5, rng.random((3, 40)) < 0.5
    ch[1] = False  # model 1 fails every holdout item: the sets differ in difficulty for it
    r = seenit.holdout_tests(rng.standard_normal((50, 4)), rng.standard_normal((40, 4)), n_permutations=19,
                             correct_target=ct, correct_holdout=ch)
    assert r.difficulty.pvalues.shape == (3,) and r.difficulty.pvalue == pytest.approx(3 * r.difficulty.pvalues[1])
    assert r.difficulty.pvalue < 0.01
    json.dumps(r.to_dict())


def test_calibrated_embedding_permutation_test():
    ps = []
    for seed in range(N_SEEDS):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((60, 8)) + 1.0  # a common mean direction, as real embeddings have
        ps.append(ho.embedding_test(x, 25, 99, rng).pvalue)  # values k / 100: P(p < 0.05) = 0.04
    assert_calibrated(ps)


def test_calibrated_difficulty_test():
    ps = []
    for seed in range(N_SEEDS):
        rng = np.random.default_rng(seed)
        ps.append(ho.difficulty_test(rng.random((1, 300)) < 0.6, rng.random((1, 250)) < 0.6).pvalue)
    assert_calibrated(ps)


@pytest.mark.slow
def test_calibrated_classifier_and_inflation():
    """Cross-validated accuracy under the null is slightly pessimistic (a held-out item is missing
    from its own class's training data), so the binomial test may be conservative, never liberal."""
    clf, infl = [], []
    for seed in range(N_SEEDS):
        rng = np.random.default_rng(seed)
        r = seenit.holdout_tests(rng.standard_normal((40, 6)), rng.standard_normal((40, 6)), n_permutations=1,
                                 seed=seed)
        clf.append(r.classifier.pvalue)
        infl.append(seenit.inflation(rng.random(300) < 0.6, rng.random(300) < 0.6, n_bootstrap=1, seed=seed).pvalue)
    assert_calibrated(clf, conservative_ok=True)
    assert_calibrated(infl)


def test_planted_shift_is_rejected():
    rng = np.random.default_rng(0)
    t = rng.standard_normal((80, 8)) + 1.0
    h = rng.standard_normal((80, 8)) + 1.0
    h[:, 0] += 1.5
    r = seenit.holdout_tests(t, h, n_permutations=999)
    assert r.embedding.pvalue < 0.01 and r.classifier.pvalue < 0.01 and r.classifier.auroc > 0.7
    inf = seenit.inflation(rng.random(500) < 0.8, rng.random(500) < 0.6)
    assert inf.pvalue < 0.01 and inf.interval.low > 0


def test_gsm8k_train_and_test_are_one_distribution(shared_data):
    test = read_jsonl(shared_data / "gsm8k" / "test.jsonl", "question")[:200]
    train = read_jsonl(shared_data / "gsm8k" / "train.jsonl", "question")[:200]
    r = seenit.holdout_tests(test, train, embed="hashed", n_permutations=999)
    assert r.embedding.pvalue > 0.05 and r.classifier.pvalue > 0.05 and r.tfidf.pvalue > 0.05
    assert 0.4 < r.classifier.auroc < 0.6 and 0.4 < r.tfidf.auroc < 0.6


@pytest.mark.parametrize("other", ["mbpp", "truthfulqa"])
def test_gsm8k_and_other_benchmarks_differ(shared_data, other):
    test = read_jsonl(shared_data / "gsm8k" / "test.jsonl", "question")[:200]
    if other == "mbpp":
        texts = read_jsonl(shared_data / "mbpp" / "mbpp.jsonl", "text")[:200]
    else:
        texts = truthfulqa(shared_data / "truthfulqa" / "TruthfulQA.csv")[:200]
    r = seenit.holdout_tests(test, texts, embed="hashed", n_permutations=999)
    assert r.embedding.pvalue < 0.01 and r.classifier.pvalue < 0.01 and r.tfidf.pvalue < 0.01
    assert r.classifier.auroc > 0.95 and r.tfidf.auroc > 0.95 and r.pvalue < 0.01


E = np.zeros((6, 3))


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(target=["a"] * 6, holdout=["b"] * 6), TypeError, "pass embed="),
    (dict(target=E, holdout=np.zeros((6, 4))), ValueError, "differ in width"),
    (dict(target=np.zeros((3, 3)), holdout=E), ValueError, "target has 3 items"),
    (dict(target=E, holdout=np.full((6, 3), np.inf)), ValueError, "holdout must be finite"),
    (dict(target=np.zeros(6), holdout=E), ValueError, "target must be 2-dimensional"),
    (dict(target=E, holdout=E, correct_target=np.ones(6)), ValueError, "give both correct_target and correct_holdout"),
    (dict(target=E, holdout=E, correct_target=np.ones(6), correct_holdout=np.full(6, 2)), ValueError, "0/1"),
    (dict(target=E, holdout=E, correct_target=np.ones((2, 6)), correct_holdout=np.ones(6)), ValueError, "2 models"),
    (dict(target=E, holdout=E, folds=1), ValueError, "folds"),
    (dict(target=E, holdout=E, n_permutations=0), ValueError, "n_permutations"),
    (dict(target=["a"] * 6, holdout=["b"] * 6, embed=42), TypeError, "embed must be a callable"),
    (dict(target=["a"] * 6, holdout=["b"] * 4, embed="hashed"), ValueError, "holdout has 4 texts"),
    (dict(target=["a" * 1_000_001] + ["a"] * 5, holdout=["b"] * 6, embed="hashed"), ValueError,
     r"target\[0\] has 1,000,001 characters"),
    (dict(target=["a"] * 6, holdout=["b"] * 6, embed=lambda t: np.zeros((len(t) + 1, 2))), ValueError, "embed returned shape"),
])
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        seenit.holdout_tests(**kwargs)


def test_inflation_bad_input():
    with pytest.raises(ValueError, match="one model's per-item correctness"):
        seenit.inflation(np.ones((2, 5)), np.ones(5))
    with pytest.raises(TypeError, match="correct_holdout must be 0/1 or bool"):
        seenit.inflation(np.ones(5), ["x"] * 5)
    with pytest.raises(ValueError, match="non-empty"):
        seenit.inflation(np.ones(0), np.ones(5))
    with pytest.raises(ValueError, match="ci"):
        seenit.inflation(np.ones(5), np.ones(5), ci=1.0)
