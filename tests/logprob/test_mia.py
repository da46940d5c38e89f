"""Membership scores, perplexity filter, surprisal probes, truth ratio and cartography vs plain loops."""

import math
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seenit.logprob import mia
from seenit.logprob.cartography import cartography, cartography_svg
from seenit.reference import logprob as ref


@st.composite
def docs(draw, min_len=0):
    lens = draw(st.lists(st.integers(min_len, 30), min_size=1, max_size=12))
    offs = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lp = -rng.exponential(2.0, int(offs[-1]))
    mu = -rng.exponential(2.0, lp.size)
    sigma = rng.exponential(1.0, lp.size)
    sigma[rng.random(lp.size) < 0.1] = 0.0
    ids = rng.integers(0, 20, lp.size)
    return lp, offs, mu, sigma, ids


@given(docs(), st.floats(0.01, 1.0))
def test_scores_match_reference(d, k):
    lp, offs, mu, sigma, ids = d
    np.testing.assert_allclose(mia.mink(lp, offs, k), ref.min_k(lp, offs, k), rtol=1e-12)
    np.testing.assert_allclose(mia.minkpp(lp, mu, sigma, offs, k), ref.min_k_pp(lp, mu, sigma, offs, k), rtol=1e-12)
    freq = np.arange(20) * 3
    np.testing.assert_allclose(mia.dcpdd(lp, ids, offs, freq), ref.dc_pdd(lp, ids, offs, freq), rtol=1e-12)
    texts = ["x" * (i * 7 + 1) for i in range(offs.size - 1)]
    np.testing.assert_allclose(mia.zlib_ratio(lp, offs, texts), ref.zlib_ratio(lp, offs, texts), rtol=1e-12)


def test_mia_scores_keys_and_signs():
    # members: higher log-probs everywhere; every score must rank them above non-members
    rng = np.random.default_rng(0)
    lens = rng.integers(5, 40, 40)
    offs = np.concatenate([[0], np.cumsum(lens)])
    member = np.repeat(np.arange(40) % 2 == 0, lens)
    lp = -rng.exponential(1.0, offs[-1]) - np.where(member, 0.0, 2.0)
    mu = np.full(lp.size, -2.0)
    sigma = np.full(lp.size, 1.5)
    ref_lp = -rng.exponential(1.5, offs[-1])
    texts = ["the same text length"] * 40
    s = mia.mia_scores(lp, offs, mu=mu, sigma=sigma, ks=(0.2, 0.5), texts=texts, ref_logprobs=ref_lp, ref_offsets=offs,
                       lowercase_logprobs=ref_lp, lowercase_offsets=offs, token_ids=rng.integers(0, 9, lp.size),
                       token_freq=np.ones(9))
    assert set(s) == {"loss", "perplexity", "mink_0.2", "mink_0.5", "minkpp_0.2", "minkpp_0.5", "zlib",
                      "ref_ratio", "ref_diff", "lowercase", "dcpdd"}
    y = np.arange(40) % 2 == 0
    for name, v in s.items():
        assert v.shape == (40,)
        assert v[y].mean() > v[~y].mean(), name
    np.testing.assert_allclose(s["loss"], [lp[a:b].mean() for a, b in zip(offs[:-1], offs[1:])])
    np.testing.assert_allclose(-s["perplexity"], mia.perplexity(lp, offs))
    z = len(zlib.compress(texts[0].encode()))
    np.testing.assert_allclose(s["zlib"], s["loss"] / z)


def test_dcpdd_counts_first_occurrences_only():
    lp = np.log([0.5, 0.1, 0.25])
    ids = np.array([3, 3, 1])
    freq = np.array([1, 2, 0, 6])
    f = (freq + 1) / (freq.sum() + 4)
    want = (min(0.5 * -math.log(f[3]), 1.0) + min(0.25 * -math.log(f[1]), 1.0)) / 2
    assert mia.dcpdd(lp, ids, np.array([0, 3]), freq, a=1.0)[0] == pytest.approx(want)
    assert mia.dcpdd(lp, ids, np.array([0, 3]), freq, a=0.01)[0] == pytest.approx(0.01)


def test_perplexity_filter():
    ppl = np.array([10.0, 50.0, np.nan, 5.0, 1000.0])
    assert mia.perplexity_filter(ppl, threshold=40).tolist() == [True, False, False, True, False]
    assert mia.perplexity_filter(ppl, keep=0.5).tolist() == [True, False, False, True, False]
    assert mia.perplexity_filter(ppl, keep=1.0).sum() == 4
    with pytest.raises(ValueError, match="exactly one of keep"):
        mia.perplexity_filter(ppl)
    with pytest.raises(ValueError, match=r"keep must be a fraction in \(0, 1\]"):
        mia.perplexity_filter(ppl, keep=0)


@given(docs(), st.integers(1, 4))
def test_surprisal_probes_match_sorting(d, top):
    lp, offs, *_ = d
    lp = np.round(lp, 1)  # ties: earlier position first
    got = mia.surprisal_probes(lp, offs, top=top)
    want_doc, want_pos = [], []
    for i in range(offs.size - 1):
        seg = lp[offs[i]:offs[i + 1]]
        order = sorted(range(seg.size), key=lambda j: (seg[j], j))[:top]
        want_doc += [i] * len(order)
        want_pos += order
    assert got.doc.tolist() == want_doc and got.position.tolist() == want_pos
    np.testing.assert_array_equal(got.surprisal, -lp[got.index])


def test_surprisal_probe_context():
    lp = np.array([-0.1, -5.0, -0.2, -0.3, -9.0])
    ids = np.array([10, 11, 12, 13, 14])
    p = mia.surprisal_probes(lp, np.array([0, 3, 5]), top=1, window=1, token_ids=ids, decode=lambda t: "-".join(map(str, t)))
    assert p.position.tolist() == [1, 1] and p.context == ["10-11", "13-14"]


def test_truth_ratio():
    rng = np.random.default_rng(3)
    para_lens, pert_lens = [3, 5], [2, 4, 3, 6, 1]
    groups = np.array([0, 3, 5])
    pl = -rng.exponential(1, sum(para_lens))
    ql = -rng.exponential(1, sum(pert_lens))
    po = np.concatenate([[0], np.cumsum(para_lens)])
    qo = np.concatenate([[0], np.cumsum(pert_lens)])
    got = mia.truth_ratio(pl, po, ql, qo, groups)
    for q in range(2):
        para = math.exp(pl[po[q]:po[q + 1]].mean())  # P(a^)^(1/|a^|)
        perts = [math.exp(ql[qo[j]:qo[j + 1]].mean()) for j in range(groups[q], groups[q + 1])]
        assert got[q] == pytest.approx(math.prod(perts) ** (1 / len(perts)) / para)
    assert mia.truth_ratio_summary(np.array([0.5, 2.0]), "forget") == pytest.approx(0.5)
    assert mia.truth_ratio_summary(np.array([0.5, 2.0]), "retain") == pytest.approx(0.25)
    with pytest.raises(ValueError, match="question 1 has no perturbed answer"):
        mia.truth_ratio(pl, po, ql, qo, np.array([0, 5, 5]))


def test_cartography():
    p = np.array([[0.9, 0.1, 0.2, 0.6], [0.95, 0.15, 0.9, 0.7], [0.99, 0.05, 0.1, 0.8]])
    c = cartography(p, ambiguous_fraction=0.25)
    np.testing.assert_allclose(c.confidence, p.mean(0))
    np.testing.assert_allclose(c.variability, p.std(0))
    np.testing.assert_allclose(c.correctness, (p > 0.5).mean(0))
    assert c.region_names() == ["easy", "hard", "ambiguous", "easy"]
    correct = np.ones_like(p, bool)
    assert cartography(p, correct).correctness.tolist() == [1, 1, 1, 1]
    assert "<svg" in cartography_svg(c)
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        cartography(p * 2)


def test_bad_inputs():
    lp, offs = np.array([-1.0, -2.0]), np.array([0, 2])
    with pytest.raises(ValueError, match=r"k must be a fraction in \(0, 1\], got 0"):
        mia.mink(lp, offs, 0)
    with pytest.raises(ValueError, match=r"k must be a fraction in \(0, 1\], got 1.2"):
        mia.mia_scores(lp, offs, ks=[0.2, 1.2])
    with pytest.raises(ValueError, match="offsets must be non-decreasing"):
        mia.mia_scores(np.array([-1.0, -2.0, -3.0]), np.array([0, 2, 1, 3]))
    with pytest.raises(ValueError, match=r"log-probabilities \(<= 0\); logprobs\[1\] = 0.5"):
        mia.mink(np.array([-1.0, 0.5]), offs)
    with pytest.raises(ValueError, match="logprobs contains NaN at index 0"):
        mia.mink(np.array([np.nan, -1.0]), offs)
    with pytest.raises(ValueError, match="pass both mu and sigma"):
        mia.mia_scores(lp, offs, mu=lp)
    with pytest.raises(ValueError, match=r"texts has 2 entries but offsets describe 1"):
        mia.mia_scores(lp, offs, texts=["a", "b"])
    with pytest.raises(ValueError, match="one entry per token"):
        mia.minkpp(lp, lp[:1], lp, offs)


def test_dcpdd_rejects_nan_frequencies():
    # NaN slipped past the (freq < 0) check and every score came out NaN
    with pytest.raises(ValueError, match="freq must be a 1-D array of non-negative token counts"):
        mia.dcpdd(np.array([-1.0]), np.array([0]), np.array([0, 1]), np.array([np.nan]))


def test_perplexity_filter_with_infinite_perplexities():
    # the 0.9-quantile of [inf, 1, inf] lies between two infinities: np.quantile warned and gave NaN
    m = mia.perplexity_filter(np.array([np.inf, 1.0, np.inf]), keep=0.9)
    assert m.tolist() == [True, True, True]
    assert mia.perplexity_filter(np.array([np.inf, 1.0, 2.0]), keep=0.5).tolist() == [False, True, True]
