"""Familiarity against a plain reference on hand-made embeddings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import seenit
from seenit.reference import search as ref

VOCAB = ["person", "location", "organization", "city", "medicine", "disease", "date", "money", "animal", "plant"]


def table_embed(table):
    def fn(texts):
        return np.stack([table[t] for t in texts])

    return fn


@given(
    st.integers(0, 2**31),
    st.lists(st.sampled_from(VOCAB), min_size=1, max_size=60),
    st.lists(st.sampled_from(VOCAB), min_size=1, max_size=6),
    st.integers(1, 80),
    st.sampled_from(["zipf", "linear", "unweighted"]),
    st.integers(1, 6),
)
def test_familiarity_matches_reference(seed, train, evals, k, weighting, d):
    rng = np.random.default_rng(seed)
    table = {w: rng.standard_normal(d).astype(np.float32) for w in VOCAB}
    table["animal"] = np.zeros(d, np.float32)  # a zero embedding: cosine 0
    got = seenit.familiarity(train, evals, embed=table_embed(table), k=k, weighting=weighting)
    labels = list(dict.fromkeys(train))
    counts = np.array([train.count(t) for t in labels])
    ev = list(dict.fromkeys(evals))
    sim = ref.scores(np.stack([table[e] for e in ev]), np.stack([table[t] for t in labels]), "cosine")
    want = ref.familiarity(sim, counts, k, weighting)
    assert list(got.per_label) == ev
    for e, w in zip(ev, want):
        # near-tied similarities may swap order; that only matters when their counts differ
        assert got.per_label[e] == pytest.approx(w, abs=1e-5)
    assert got.mean == pytest.approx(float(np.mean(want)), abs=1e-5)


def test_hand_computed_values():
    table = {
        "person": np.array([1.0, 0.0]),
        "human": np.array([0.8, 0.6]),  # cos 0.8 to person
        "place": np.array([0.0, 1.0]),  # cos 0 to person
        "anti": np.array([-1.0, 0.0]),  # cos -1: clipped to 0
    }
    emb = table_embed(table)
    train = {"human": 2, "place": 5, "anti": 1}
    # person: sorted sims 0.8 (x2), 0 (x5), 0 (x1); k = 3 -> [0.8, 0.8, 0]
    r = seenit.familiarity(train, ["person"], embed=emb, k=3, weighting="unweighted")
    assert r.per_label["person"] == pytest.approx(1.6 / 3)
    r = seenit.familiarity(train, ["person"], embed=emb, k=3, weighting="zipf")
    assert r.per_label["person"] == pytest.approx((0.8 + 0.4) / (1 + 1 / 2 + 1 / 3))
    r = seenit.familiarity(train, ["person"], embed=emb, k=3, weighting="linear")
    assert r.per_label["person"] == pytest.approx((0.8 * 1 + 0.8 * 2 / 3) / (1 + 2 / 3 + 1 / 3))
    # fewer occurrences than k: all 8 are used
    r = seenit.familiarity(train, ["person"], embed=emb, k=1000, weighting="unweighted")
    assert r.per_label["person"] == pytest.approx(1.6 / 8)
    # a label present in both sets is fully familiar when it dominates the counts
    r = seenit.familiarity({"person": 10, "place": 1}, ["person", "place"], embed=emb, k=5)
    assert r.per_label["person"] == pytest.approx(1.0)
    assert r.per_label["place"] == pytest.approx((1.0) / sum(1 / np.arange(1, 6)))
    assert r.mean == pytest.approx((r.per_label["person"] + r.per_label["place"]) / 2)


@pytest.mark.parametrize(
    "args, kw, exc, match",
    [
        (([], ["a"]), {}, ValueError, "train_labels is empty"),
        ((["a"], []), {}, ValueError, "eval_labels is empty"),
        (("abc", ["a"]), {}, TypeError, "train_labels must be a sequence"),
        ((["a"], ["a"]), {"k": 0}, ValueError, "k must be in"),
        ((["a"], ["a"]), {"weighting": "exp"}, ValueError, "weighting must be one of"),
        ((["a"], ["a"]), {"embed": 3}, TypeError, "embed must be a callable"),
        (({"a": -1}, ["a"]), {}, ValueError, "count of 'a' must be in"),
    ],
)
def test_familiarity_bad_input(args, kw, exc, match):
    kw = {"embed": lambda t: np.ones((len(t), 2)), **kw}
    with pytest.raises(exc, match=match):
        seenit.familiarity(*args, **kw)


def test_embed_model_name_without_sentence_transformers_is_clear():
    try:
        import sentence_transformers  # noqa: F401

        pytest.skip("sentence-transformers installed")
    except ImportError:
        pass
    with pytest.raises(RuntimeError, match="seenit\\[embed\\]"):
        seenit.familiarity(["a"], ["a"], embed="all-MiniLM-L6-v2")


@pytest.mark.parametrize("weighting", ["zipf", "linear", "unweighted"])
def test_rank_weights_in_closed_form_match_the_expanded_sum(weighting):
    # labels with counts fill consecutive ranks; the closed-form weight sums (harmonic numbers past
    # the table's 4,096) equal expanding every occurrence, which is what the definition says
    from seenit.search.familiarity import familiarity_from_similarity

    rng = np.random.default_rng(1)
    for _ in range(40):
        n = int(rng.integers(1, 6))
        counts = rng.integers(1, 6000, n)
        k = int(rng.integers(1, 20000))
        sim = -np.sort(-rng.random((1, n)), axis=1)
        ids = np.arange(n)[None, :]
        vals = np.repeat(sim[0], counts)[:k]
        r = np.arange(1, vals.size + 1)
        w = {"zipf": 1 / r, "linear": (k - r + 1) / k, "unweighted": np.ones(vals.size)}[weighting]
        got = familiarity_from_similarity(sim, ids, counts, k, weighting)[0]
        assert got == pytest.approx(float(w @ vals / w.sum()), abs=1e-12)


def test_huge_k_and_counts_take_no_memory():
    emb = lambda t: np.array([[len(x), 1.0 + (x == "a")] for x in t], np.float32)  # noqa: E731
    r = seenit.familiarity({"a": 2**62, "b": 5}, ["a", "b"], embed=emb, k=2**62)
    assert r.per_label["a"] == pytest.approx(1.0) and 0 < r.per_label["b"] < 1
    with pytest.raises(ValueError, match="count of 'a' must be in 0..9223372036854775807"):
        seenit.familiarity({"a": 2**64}, ["a"], embed=emb)
