"""SemDeDup against the paper's per-cluster formulation, plus behaviour checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seenit
from seenit.reference import search as ref
from seenit.search.semdedup import cluster_order


def _data(seed, n=120, d=16, n_dups=30, noise=1e-3):
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n, d)).astype(np.float32)
    src = rng.integers(0, n, n_dups)
    dups = base[src] + noise * rng.standard_normal((n_dups, d)).astype(np.float32)
    return np.concatenate([base, dups]), src


@settings(max_examples=15)
@given(st.integers(0, 2**31), st.sampled_from(["hard", "easy", "random"]), st.integers(1, 6),
       st.sampled_from([1e-4, 1e-3, 0.01, 0.1, 0.3]))
def test_semdedup_matches_reference(seed, keep, n_clusters, eps):
    x, _ = _data(seed)
    r = seenit.semdedup(x, n_clusters=n_clusters, eps=eps, keep=keep, seed=seed % 1000)
    orders = cluster_order(r.cluster, r.kmeans.scores, keep, seed % 1000)
    want_keep, want_best = ref.semdedup_from_clusters(x, orders, eps)
    fin = np.isfinite(want_best)
    np.testing.assert_array_equal(np.isfinite(r.max_similarity), fin)
    np.testing.assert_allclose(r.max_similarity[fin], want_best[fin], rtol=0, atol=1e-5)
    near_thr = np.abs(want_best - (1 - eps)) <= 1e-5
    np.testing.assert_array_equal(r.keep[~near_thr], want_keep[~near_thr])
    # every removed row points at an earlier member of its own cluster, similar enough
    dup = np.flatnonzero(~r.keep)
    assert (r.duplicate_of[r.keep] == -1).all()
    assert (r.cluster[r.duplicate_of[dup]] == r.cluster[dup]).all()
    if dup.size:
        u = ref._unit(x.astype(np.float64))
        sims = (u[dup] * u[r.duplicate_of[dup]]).sum(1)
        assert (sims > 1 - eps - 1e-5).all()


def test_planted_duplicates_are_removed_and_sweep_is_monotone():
    x, src = _data(1, n=200, n_dups=40, noise=1e-4)
    r = seenit.semdedup(x, n_clusters=5, eps=[1e-6, 1e-3, 0.05, 0.5])
    # with eps = 1e-3 each planted copy or its source is dropped, nothing else
    removed = np.flatnonzero(~r.keep_by_eps[1e-3])
    groups = {frozenset((int(s), 200 + t)) for t, s in enumerate(src)}
    assert len(removed) == len({g for g in groups})  # one per distinct pair
    fr = [r.kept_fraction[e] for e in r.eps]
    assert fr == sorted(fr, reverse=True)
    assert r.keep.dtype == np.bool_ and r.eps[0] == 1e-6
    assert r.kept_fraction[1e-3] == pytest.approx(1 - len(removed) / len(x))


def test_keep_hard_keeps_the_member_farthest_from_the_centroid():
    ang = np.array([0.05, 0.0, -0.1])  # mean direction ~ -0.017: row 2 farthest, row 1 nearest
    x = np.stack([np.cos(ang), np.sin(ang)], axis=1).astype(np.float32)
    for keep, want in (("hard", 2), ("easy", 1)):
        r = seenit.semdedup(x, n_clusters=1, eps=0.05, keep=keep)
        assert r.keep.sum() == 1
        assert int(np.flatnonzero(r.keep)[0]) == want


def test_semdedup_deterministic_and_thread_invariant():
    x, _ = _data(5, n=300)
    before = seenit.get_num_threads()
    try:
        seenit.set_num_threads(1)
        a = seenit.semdedup(x, n_clusters=4, eps=0.01, keep="random", seed=3)
        seenit.set_num_threads(2)
        b = seenit.semdedup(x, n_clusters=4, eps=0.01, keep="random", seed=3)
    finally:
        seenit.set_num_threads(before)
    np.testing.assert_array_equal(a.keep, b.keep)
    np.testing.assert_array_equal(a.duplicate_of, b.duplicate_of)


@pytest.mark.parametrize(
    "kw, exc, match",
    [
        (dict(n_clusters=0, eps=0.1), ValueError, "n_clusters must be in"),
        (dict(n_clusters=2, eps=-1), ValueError, "eps must be a number in"),
        (dict(n_clusters=2, eps=[]), ValueError, "eps must be a number or a non-empty list"),
        (dict(n_clusters=2, eps="x"), TypeError, "eps must be a number"),
        (dict(n_clusters=2, eps=0.1, keep="median"), ValueError, "keep must be one of"),
    ],
)
def test_semdedup_bad_input(kw, exc, match):
    x = np.random.default_rng(0).random((10, 4)).astype(np.float32)
    with pytest.raises(exc, match=match):
        seenit.semdedup(x, **kw)


def test_semdedup_on_real_text_embeddings(shared_data):
    import json

    from test_topk import _hashed_embeddings

    with open(shared_data / "gsm8k" / "train.jsonl") as f:
        qs = [json.loads(line)["question"] for line in f][:2000]
    qs = qs + qs[:100]  # exact copies must go
    x = _hashed_embeddings(qs)
    r = seenit.semdedup(x, n_clusters=10, eps=1e-4)
    assert (~r.keep[2000:] | ~r.keep[:100]).all()
    assert r.kept_fraction[1e-4] <= 2000 / 2100 + 1e-9


def test_cli_dedup_semantic_and_neighbors(tmp_path):
    import json

    from typer.testing import CliRunner

    from seenit.cli import app

    docs = [f"document number {i} about topic {i % 7} with words {i * 13 % 11}" for i in range(40)]
    src = tmp_path / "docs.jsonl"
    src.write_text("".join(json.dumps({"text": t, "id": i}) + "\n" for i, t in enumerate(docs + docs[:10])))
    out = tmp_path / "kept.jsonl"
    r = CliRunner().invoke(app, ["dedup", "semantic", str(src), "--out", str(out), "--embed", "hashed", "--eps", "1e-4"])
    assert r.exit_code == 0, r.output
    kept = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(k["id"] for k in kept) == list(range(40))  # exact copies removed, originals or copies kept once
    test = tmp_path / "test.jsonl"
    test.write_text("".join(json.dumps({"text": t}) + "\n" for t in docs[:3]))
    nb = tmp_path / "nb.jsonl"
    r = CliRunner().invoke(app, ["neighbors", str(test), "--against", str(src), "--embed", "hashed", "--k", "2", "--out", str(nb)])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in nb.read_text().splitlines()]
    assert [row["neighbors"][0]["text"] for row in rows] == docs[:3]
    assert rows[0]["neighbors"][0]["score"] == pytest.approx(1.0, abs=1e-5)
    r = CliRunner().invoke(app, ["neighbors", str(test), "--against", str(tmp_path / "missing.jsonl"), "--embed", "hashed",
                                 "--out", str(nb)])
    assert r.exit_code != 0
