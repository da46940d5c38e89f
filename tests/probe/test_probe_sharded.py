"""Sharded likelihood comparison (Oren et al. 2023) against its plain definition, calibrated under
exchangeability, powerful against a model that saw the canonical order, and strict on bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import seenit
from seenit.probe.sharded import shard_bounds
from seenit.reference import probe as ref

from _probe_helpers import N_SEEDS, NgramModel, assert_calibrated, pair_model, read_jsonl


@given(n_shards=st.integers(1, 6), extra=st.integers(0, 12), m=st.integers(1, 12), seed=st.integers(0, 2**32),
       planted=st.sampled_from([0.0, 0.5, 3.0]))
def test_matches_reference(n_shards, extra, m, seed, planted):
    items = [f"item {i}" for i in range(2 * n_shards + extra)]
    fn = pair_model(items, np.random.default_rng(seed), planted)
    got = seenit.sharded_likelihood_test(fn, items, n_shards=n_shards, n_permutations=m, seed=seed)
    want = ref.sharded_likelihood_test(fn, items, n_shards, m, seed)
    assert got.statistic == pytest.approx(want["statistic"], rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(got.shard_statistics, want["shard_statistics"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got.shard_pvalues, want["shard_pvalues"])
    assert got.shard_sizes.tolist() == want["shard_sizes"]
    assert got.permutation_pvalue == pytest.approx(want["permutation_pvalue"])
    if np.ptp(got.shard_statistics) > 1e-9 * max(1.0, np.abs(got.shard_statistics).max()):
        assert got.pvalue == pytest.approx(want["pvalue"], rel=1e-7, abs=1e-12)
        assert got.t == pytest.approx(want["t"], rel=1e-7)
    assert (got.n_items, got.n_shards, got.n_permutations) == (len(items), n_shards, m)


def test_shards_are_contiguous_and_balanced():
    assert shard_bounds(10, 3).tolist() == [0, 4, 7, 10]
    assert shard_bounds(6, 3).tolist() == [0, 2, 4, 6]


def test_one_shard_pvalue_is_the_plain_permutation_pvalue():
    items = [f"x{i}" for i in range(8)]
    fn = pair_model(items, np.random.default_rng(1), planted=10.0)
    r = seenit.sharded_likelihood_test(fn, items, n_shards=1, n_permutations=19)
    assert r.pvalue == r.permutation_pvalue == r.shard_pvalues[0]
    assert r.pvalue == pytest.approx(1 / 20)  # the canonical order beats every shuffle
    assert np.isnan(r.t) and r.to_dict()["t"] is None


def test_order_blind_model_gives_no_evidence():
    items = [f"x{i}" for i in range(20)]
    r = seenit.sharded_likelihood_test(lambda seqs: np.full(len(seqs), -3.0), items, n_shards=4, n_permutations=5)
    assert r.statistic == 0.0 and r.pvalue == 1.0 and r.permutation_pvalue == 1.0


def test_deterministic_given_seed_and_json_ready():
    import json

    items = [f"x{i}" for i in range(30)]
    fn = pair_model(items, np.random.default_rng(3))
    a = seenit.sharded_likelihood_test(fn, items, n_shards=3, n_permutations=7, seed=5)
    b = seenit.sharded_likelihood_test(fn, items, n_shards=3, n_permutations=7, seed=5)
    c = seenit.sharded_likelihood_test(fn, items, n_shards=3, n_permutations=7, seed=6)
    assert a.to_dict() == b.to_dict() and a.to_dict() != c.to_dict()
    assert json.loads(json.dumps(a.to_dict()))["n_shards"] == 3


def test_calibrated_under_exchangeability():
    items = [f"item {i}" for i in range(80)]
    ps, perm_ps = [], []
    for seed in range(N_SEEDS):
        fn = pair_model(items, np.random.default_rng(10_000 + seed))
        # 99 shuffles: the permutation p-value takes the values k / 100, so P(p < 0.05) = 0.04
        r = seenit.sharded_likelihood_test(fn, items, n_shards=10, n_permutations=99, seed=seed)
        ps.append(r.pvalue)
        perm_ps.append(r.permutation_pvalue)
    assert_calibrated(ps)
    assert_calibrated(perm_ps)


def test_rejects_a_model_that_saw_the_order():
    items = [f"item {i}" for i in range(80)]
    fn = pair_model(items, np.random.default_rng(0), planted=1.0)
    r = seenit.sharded_likelihood_test(fn, items, n_shards=10, n_permutations=199)  # permutation p >= 1/200
    assert r.pvalue < 0.01 and r.permutation_pvalue < 0.01 and r.statistic > 0


def test_ngram_model_on_gsm8k(shared_data):
    """A word-trigram model fitted on GSM8K test in canonical order 'memorised' the order; one fitted
    on GSM8K train did not see the test set."""
    test = read_jsonl(shared_data / "gsm8k" / "test.jsonl", "question")[:200]
    train = read_jsonl(shared_data / "gsm8k" / "train.jsonl", "question")[:2000]
    seen = NgramModel("\n\n".join(test)).logprob_fn()
    clean = NgramModel("\n\n".join(train)).logprob_fn()
    r_seen = seenit.sharded_likelihood_test(seen, test, n_shards=10, n_permutations=19)
    r_clean = seenit.sharded_likelihood_test(clean, test, n_shards=10, n_permutations=19)
    assert r_seen.pvalue < 0.01 and r_seen.statistic > 0
    assert r_clean.pvalue > 0.01


ITEMS = [f"x{i}" for i in range(10)]


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n_shards=6), ValueError, "too few for n_shards=6"),
    (dict(n_shards=10), ValueError, "every shard needs at least 2 items"),
    (dict(n_shards=0), ValueError, "n_shards"),
    (dict(n_permutations=0), ValueError, "n_permutations"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(n_shards=2.5), TypeError, "n_shards"),
])
def test_bad_arguments(kwargs, exc, match):
    calls = []
    fn = lambda seqs: calls.append(1) or np.zeros(len(seqs))  # noqa: E731
    with pytest.raises(exc, match=match):
        seenit.sharded_likelihood_test(fn, ITEMS, **kwargs)
    assert not calls  # checked before any work


@pytest.mark.parametrize("ret, exc, match", [
    (lambda seqs: np.zeros(len(seqs) + 1), ValueError, r"logprob_fn must return one log-probability per sequence"),
    (lambda seqs: np.zeros((len(seqs), 2)), ValueError, "shape"),
    (lambda seqs: np.full(len(seqs), np.nan), ValueError, "logprob_fn returned a non-finite"),
    (lambda seqs: np.full(len(seqs), 3.0), ValueError, r"log-probabilities \(<= 0, > -1e\+12\)"),
    (lambda seqs: np.full(len(seqs), -1e300), ValueError, r"log-probabilities \(<= 0, > -1e\+12\)"),
    (lambda seqs: ["a"] * len(seqs), TypeError, "logprob_fn must return an array"),
])
def test_bad_logprob_fn_output(ret, exc, match):
    with pytest.raises(exc, match=match):
        seenit.sharded_likelihood_test(ret, ITEMS, n_shards=2, n_permutations=3)


def test_bad_items_and_fn():
    with pytest.raises(TypeError, match="logprob_fn must be a callable"):
        seenit.sharded_likelihood_test(None, ITEMS)
    with pytest.raises(TypeError, match=r"items\[1\] must be str"):
        seenit.sharded_likelihood_test(lambda s: np.zeros(len(s)), ["a", 2, "c", "d"], n_shards=1)
    with pytest.raises(TypeError, match="items must be a sequence of str"):
        seenit.sharded_likelihood_test(lambda s: np.zeros(len(s)), "abcd", n_shards=1)
