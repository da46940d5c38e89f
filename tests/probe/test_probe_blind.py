"""Blind baseline (Das et al. 2024): near 0.5 when members and non-members come from one
distribution, near 1 on a shifted evaluation set (dates, topics), deterministic, strict on input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seenit
from seenit.reference import probe as ref

from _probe_helpers import read_jsonl, truthfulqa

WORDS = "the cat dog sat ran on a mat log big small red blue green house tree river stone".split()


def _texts(rng: np.random.Generator, n: int, years: tuple[int, int] | None = None) -> list[str]:
    out = []
    for _ in range(n):
        t = " ".join(rng.choice(WORDS, rng.integers(5, 15)))
        if years is not None:
            t += f" in {rng.integers(*years)}"
        out.append(t)
    return out


def test_date_shift_is_found():
    """WikiMIA-style: members mention older years than non-members."""
    rng = np.random.default_rng(0)
    r = seenit.blind_baseline(_texts(rng, 60, (1990, 2016)), _texts(rng, 60, (2017, 2024)), n_bootstrap=200)
    assert r.auroc > 0.95 and r.interval.low > 0.9 and r.statistic == r.auroc and r.pvalue is None


def test_same_distribution_is_near_chance():
    aucs = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        aucs.append(seenit.blind_baseline(_texts(rng, 40), _texts(rng, 40), n_bootstrap=50, seed=seed).auroc)
    assert 0.35 < np.mean(aucs) < 0.6


def test_scores_agree_with_auroc_and_json():
    rng = np.random.default_rng(1)
    r = seenit.blind_baseline(_texts(rng, 20, (1990, 2000)), _texts(rng, 25), n_bootstrap=100, seed=3)
    y = np.r_[np.ones(20), np.zeros(25)]
    assert r.auroc == pytest.approx(seenit.auroc(r.scores, y))
    d = json.loads(json.dumps(r.to_dict()))
    assert d["n_members"] == 20 and d["n_nonmembers"] == 25 and d["ci"][0] <= d["auroc"] <= d["ci"][1]


def test_deterministic_given_seed():
    rng = np.random.default_rng(2)
    a, b = _texts(rng, 15), _texts(rng, 15)
    assert seenit.blind_baseline(a, b, seed=1, n_bootstrap=20).to_dict() == \
        seenit.blind_baseline(a, b, seed=1, n_bootstrap=20).to_dict()


@settings(max_examples=25)  # a scipy fit per fold in the reference
@given(st.integers(0, 2**32), st.integers(5, 12), st.integers(5, 12), st.booleans())
def test_matches_reference(seed, nm, nn, dated):
    rng = np.random.default_rng(seed)
    members = _texts(rng, nm, (1990, 2030) if dated else None)
    nonmembers = _texts(rng, nn, (1990, 2030) if dated else None)
    got = seenit.blind_baseline(members, nonmembers, n_bootstrap=10, seed=seed)
    want = ref.blind_baseline_scores(members, nonmembers, 5, seed)
    np.testing.assert_allclose(got.scores, want, atol=2e-3)


def test_features_match_reference_tfidf():
    from seenit.probe import _stats

    texts = ["Won in 1999, lost in 2004.", "the cat sat", "the cat sat on the mat"]
    X = _stats.tfidf(texts, 2, years=True)
    want = ref.tfidf_rows(texts, 2)
    data, _, indptr = X.csr()
    for i, row in enumerate(want):
        assert sorted(data[indptr[i] : indptr[i + 1] - 2]) == pytest.approx(sorted(row.values()))


def test_gsm8k_train_vs_test_near_chance(shared_data):
    test = read_jsonl(shared_data / "gsm8k" / "test.jsonl", "question")[:300]
    train = read_jsonl(shared_data / "gsm8k" / "train.jsonl", "question")[300:600]
    r = seenit.blind_baseline(test, train, n_bootstrap=200)
    assert 0.4 < r.auroc < 0.6


def test_gsm8k_vs_other_benchmarks_near_one(shared_data):
    test = read_jsonl(shared_data / "gsm8k" / "test.jsonl", "question")[:200]
    for other in (read_jsonl(shared_data / "mbpp" / "mbpp.jsonl", "text")[:200],
                  truthfulqa(shared_data / "truthfulqa" / "TruthfulQA.csv")[:200]):
        assert seenit.blind_baseline(test, other, n_bootstrap=200).auroc > 0.97


@pytest.mark.parametrize("members, nonmembers, kwargs, exc, match", [
    ([], ["a"] * 5, {}, ValueError, "members has 0 texts; need at least 5"),
    (["a"] * 5, ["b"] * 4, {}, ValueError, "nonmembers has 4 texts"),
    (["a"] * 5, ["b"] * 5, {"folds": 1}, ValueError, "folds"),
    ("abcde", ["b"] * 5, {}, TypeError, "members must be a sequence of str"),
    (["a"] * 4 + [3], ["b"] * 5, {}, TypeError, r"members\[4\] must be str"),
    (["a"] * 5, ["b" * 1_000_001] + ["b"] * 4, {}, ValueError, r"nonmembers\[0\] has 1,000,001 characters"),
    (["a"] * 5, ["b"] * 5, {"ci": 0}, ValueError, "ci"),
    (["a"] * 5, ["b"] * 5, {"n_bootstrap": 0}, ValueError, "n_bootstrap"),
])
def test_bad_input(members, nonmembers, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        seenit.blind_baseline(members, nonmembers, **kwargs)
