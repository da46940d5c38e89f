"""seenit.topk against the NumPy reference, faiss, itself across first passes and
thread counts, memory-mapped input, ties, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seenit
from seenit.search import topk as search
from seenit.reference import search as ref

from _search_helpers import assert_topk_matches

METRICS = ["ip", "cosine", "l2"]


def _bf16(x: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits (round to nearest even) as uint16."""
    b = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)


@st.composite
def problems(draw):
    nq = draw(st.integers(1, 12))
    n = draw(st.integers(1, 80))
    d = draw(st.sampled_from([1, 2, 3, 7, 8, 9, 16, 31, 64, 100]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["gauss", "small_ints", "dups", "zeros"]))
    if kind == "small_ints":  # many exact ties
        x = rng.integers(-2, 3, size=(n, d)).astype(np.float32)
        q = rng.integers(-2, 3, size=(nq, d)).astype(np.float32)
    else:
        x = rng.standard_normal((n, d)).astype(np.float32)
        q = rng.standard_normal((nq, d)).astype(np.float32)
    if kind == "dups":
        x = x[rng.integers(0, max(1, n // 3), size=n)]
        q[0] = x[0]
    if kind == "zeros":
        x[rng.random(n) < 0.3] = 0
        q[rng.random(nq) < 0.3] = 0
    k = draw(st.integers(1, n + 5))
    metric = draw(st.sampled_from(METRICS))
    return q, x, k, metric


@given(problems(), st.sampled_from(["float32", "int8"]))
def test_topk_matches_reference(p, first_pass):
    q, x, k, metric = p
    s, i = seenit.topk(q, x, k, metric=metric, first_pass=first_pass)
    assert_topk_matches(s, i, q, x, k, metric)


@given(problems())
def test_int8_first_pass_equals_float32_bit_for_bit(p):
    q, x, k, metric = p
    a = seenit.topk(q, x, k, metric=metric, first_pass="float32")
    b = seenit.topk(q, x, k, metric=metric, first_pass="int8")
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[0].view(np.uint32), b[0].view(np.uint32))


@settings(max_examples=20)
@given(problems(), st.sampled_from(["float16", "bfloat16", "int8"]))
def test_reduced_precision_databases(p, dtype):
    q, x, k, metric = p
    if dtype == "float16":
        xd = x.astype(np.float16)
        exact = xd.astype(np.float32)
    elif dtype == "bfloat16":
        xd = _bf16(x)
        exact = (xd.astype(np.uint32) << 16).view(np.float32)
    else:
        xd = np.clip(np.round(x * 20), -127, 127).astype(np.int8)
        exact = xd.astype(np.float32)
    s, i = seenit.topk(q, xd, k, metric=metric)
    assert_topk_matches(s, i, q, exact, k, metric)
    # the same as converting first
    s2, i2 = seenit.topk(q, exact, k, metric=metric)
    np.testing.assert_array_equal(i, i2)
    np.testing.assert_array_equal(s, s2)


def test_bfloat16_queries_are_widened():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((50, 24)).astype(np.float32)
    q = x[:5] + 0.01
    s, i = seenit.topk(_bf16(q), _bf16(x), 3)
    qf = (_bf16(q).astype(np.uint32) << 16).view(np.float32)
    xf = (_bf16(x).astype(np.uint32) << 16).view(np.float32)
    assert_topk_matches(s, i, qf, xf, 3, "ip")


@pytest.mark.parametrize("d", [1, 384, 4096])
@pytest.mark.parametrize("metric", METRICS)
def test_wide_and_narrow_dimensions(d, metric):
    rng = np.random.default_rng(d)
    x = rng.standard_normal((300, d)).astype(np.float32)
    q = np.concatenate([x[:3] + 0.001, rng.standard_normal((4, d)).astype(np.float32)])
    for fp in ("float32", "int8"):
        s, i = seenit.topk(q, x, 7, metric=metric, first_pass=fp)
        assert_topk_matches(s, i, q, x, 7, metric)
    if metric != "cosine" or d > 1:
        assert list(i[:3, 0]) == [0, 1, 2] or metric == "ip"


def test_ties_go_to_the_smaller_id():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((5, 16)).astype(np.float32)
    x = np.repeat(base, 4, axis=0)  # rows 4j..4j+3 identical
    perm = rng.permutation(len(x))
    x = x[perm]
    q = base[:2]
    for fp in ("float32", "int8"):
        s, i = seenit.topk(q, x, 4, metric="cosine", first_pass=fp)
        for r in range(2):
            want = np.sort(np.nonzero((x == base[r]).all(1))[0])
            np.testing.assert_array_equal(i[r], want)
            assert (s[r] == s[r][0]).all()


def test_k_larger_than_database_returns_all_rows():
    x = np.eye(3, dtype=np.float32)
    s, i = seenit.topk(np.ones((2, 3), np.float32), x, 10)
    assert i.shape == (2, 3)
    np.testing.assert_array_equal(i, [[0, 1, 2], [0, 1, 2]])
    np.testing.assert_array_equal(s, np.ones((2, 3), np.float32))


def test_zero_vectors_score_zero_with_cosine():
    x = np.array([[0, 0], [1, 0], [0, 1]], np.float32)
    s, i = seenit.topk(np.array([[0, 0], [1, 1]], np.float32), x, 3, metric="cosine")
    np.testing.assert_array_equal(i[0], [0, 1, 2])  # all scores 0: id order
    np.testing.assert_array_equal(s[0], [0, 0, 0])
    np.testing.assert_array_equal(i[1], [1, 2, 0])
    assert s[1, 2] == 0


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("nq", [1, 40])
def test_thread_count_does_not_change_results(metric, nq):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((5000, 40)).astype(np.float32)
    q = rng.standard_normal((nq, 40)).astype(np.float32)
    before = seenit.get_num_threads()
    try:
        out = []
        for t in (1, 2, 3):
            seenit.set_num_threads(t)
            out.append(seenit.topk(q, x, 17, metric=metric))
    finally:
        seenit.set_num_threads(before)
    for s, i in out[1:]:
        np.testing.assert_array_equal(i, out[0][1])
        np.testing.assert_array_equal(s.view(np.uint32), out[0][0].view(np.uint32))


def test_memmap_database_larger_than_a_block(tmp_path):
    # blocks hold 8 MiB of float32 rows: 9000 x 256 x 4 bytes spans two blocks
    rng = np.random.default_rng(5)
    path = tmp_path / "db.f32"
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=(9000, 256))
    mm[:] = rng.standard_normal((9000, 256)).astype(np.float32)
    mm.flush()
    ro = np.memmap(path, dtype=np.float32, mode="r", shape=(9000, 256))
    q = np.concatenate([np.asarray(ro[[3, 8999]]), rng.standard_normal((20, 256)).astype(np.float32)])
    s, i = seenit.topk(q, ro, 5, metric="cosine")
    s2, i2 = seenit.topk(q, np.asarray(ro), 5, metric="cosine")
    np.testing.assert_array_equal(i, i2)
    assert i[0, 0] == 3 and i[1, 0] == 8999
    assert_topk_matches(s, i, q, np.asarray(ro), 5, "cosine")


def _hashed_embeddings(texts, d=256, seed=0):
    """Real-text embeddings without a model: hashed word counts (log-scaled), randomly projected."""
    import zlib

    buckets = 1 << 11
    rows = np.zeros((len(texts), buckets), np.float32)
    for r, t in enumerate(texts):
        for w in t.lower().split():
            rows[r, zlib.crc32(w.encode()) % buckets] += 1
    rows = np.log1p(rows)
    proj = np.random.default_rng(seed).standard_normal((buckets, d)).astype(np.float32) / np.sqrt(d)
    return rows @ proj


def test_matches_faiss_on_real_text_embeddings(shared_data):
    faiss = pytest.importorskip("faiss")
    import json

    def read(p):
        with open(p) as f:
            return [json.loads(line)["question"] for line in f]

    train = _hashed_embeddings(read(shared_data / "gsm8k" / "train.jsonl"))
    test = _hashed_embeddings(read(shared_data / "gsm8k" / "test.jsonl")[:300])
    for metric, index in (("ip", faiss.IndexFlatIP), ("l2", faiss.IndexFlatL2)):
        idx = index(train.shape[1])
        idx.add(train)
        fs, fi = idx.search(test, 10)
        s, i = seenit.topk(test, train, 10, metric=metric)
        tol = 1e-4 * np.abs(fs).max()
        np.testing.assert_allclose(s, fs, rtol=0, atol=tol)
        # ids agree except between near-tied rows
        full = ref.scores(test, train, metric)
        diff = i != fi
        if diff.any():
            r, c = np.nonzero(diff)
            np.testing.assert_allclose(full[r, i[r, c]], full[r, fi[r, c]], rtol=0, atol=tol)
        assert (i == fi).mean() > 0.99
        assert_topk_matches(s, i, test, train, 10, metric)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda q, x: seenit.topk(q, x[:, :3]), ValueError, "dimension"),
        (lambda q, x: seenit.topk(q, x, 0), ValueError, "k must be in"),
        (lambda q, x: seenit.topk(q, x, 2.5), TypeError, "k must be an int"),
        (lambda q, x: seenit.topk(q, x[:0]), ValueError, "database is empty"),
        (lambda q, x: seenit.topk(q, x, metric="dot"), ValueError, "metric must be one of"),
        (lambda q, x: seenit.topk(q, x, device="tpu"), ValueError, "device must be"),
        (lambda q, x: seenit.topk(q, x, first_pass="int4"), ValueError, "first_pass must be one of"),
        (lambda q, x: seenit.topk(q.astype(complex), x), TypeError, "queries must be a numeric array"),
        (lambda q, x: seenit.topk(q, x.astype(np.int32)), TypeError, "database must be"),
        (lambda q, x: seenit.topk(q, np.array([["a", "b", "c", "d"]])), TypeError, "database must be a numeric"),
        (lambda q, x: seenit.topk(q, x[0]), ValueError, "database must be a 2-D array"),
        (lambda q, x: seenit.topk(np.full_like(q, np.nan), x), ValueError, "queries row 0 contains NaN"),
        (lambda q, x: seenit.topk(q, np.where(np.arange(10)[:, None] == 7, np.inf, x).astype(np.float32)), ValueError,
         "database row 7 contains NaN or inf"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(call, exc, match):
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 4)).astype(np.float32)
    x = rng.standard_normal((10, 4)).astype(np.float32)
    with pytest.raises(exc, match=match):
        call(q, x)


# ---------------------------------------------------------------- range_pairs, causal_max, kmeans


def _poisoned(n=9000, d=256, row=8999, value=np.nan, dtype=np.float32):
    """A database spanning two scan blocks with one bad value in `row`."""
    x = np.random.default_rng(11).standard_normal((n, d)).astype(np.float32)
    x[row, 3] = value
    return x.astype(dtype)


@pytest.mark.parametrize(
    "value, dtype",
    [(np.nan, np.float32), (np.inf, np.float32), (-np.inf, np.float16), (1e30, np.float32), (np.nan, "bf16")],
)
def test_bad_database_rows_are_rejected_before_any_scan_work(monkeypatch, value, dtype):
    # the bad row is in the last block; the error must come from the pre-check, before the scan starts
    x = _poisoned(value=value) if dtype != "bf16" else _bf16(_poisoned(value=value))
    if dtype == np.float16:
        x = x.astype(np.float16)

    def scan_must_not_run(*a, **kw):
        raise AssertionError("the scan started before the database was checked")

    monkeypatch.setattr(search._core, "topk_search", scan_must_not_run)
    monkeypatch.setattr(search._core, "range_pairs", scan_must_not_run)
    q = np.ones((2, 256), np.float32)
    with pytest.raises(ValueError, match="database row 8999 contains NaN or inf"):
        seenit.topk(q, x)
    with pytest.raises(ValueError, match="y row 8999 contains NaN or inf"):
        seenit.range_pairs(q, 0.5, y=x)


def test_first_bad_row_is_reported_whatever_the_thread_count():
    x = _poisoned(n=20000, d=16, row=15000)
    x[19999, 0] = np.inf
    before = seenit.get_num_threads()
    try:
        for t in (1, 2, 3):
            seenit.set_num_threads(t)
            with pytest.raises(ValueError, match="database row 15000 contains"):
                seenit.topk(np.ones((1, 16), np.float32), x)
    finally:
        seenit.set_num_threads(before)


def test_large_memmaps_are_checked_during_the_scan_and_return_nothing(monkeypatch, tmp_path):
    # memmaps beyond half the RAM skip the pre-pass (it would read them twice): the scan
    # checks each block before scoring it and raises; no partial result is returned
    x = _poisoned()
    mm = np.memmap(tmp_path / "db.f32", dtype=np.float32, mode="w+", shape=x.shape)
    mm[:] = x
    mm.flush()
    ro = np.memmap(tmp_path / "db.f32", dtype=np.float32, mode="r", shape=x.shape)
    assert not search._is_large_memmap(ro) and not search._is_large_memmap(x)
    monkeypatch.setattr(search, "_is_large_memmap", lambda arr: True)
    monkeypatch.setattr(search._core, "check_rows", lambda *a: pytest.fail("pre-check ran on a large memmap"))
    q = np.ones((3, 256), np.float32)
    for first_pass in ("float32", "int8"):
        with pytest.raises(ValueError, match="database row 8999 contains NaN or inf"):
            seenit.topk(q, ro, first_pass=first_pass)
    with pytest.raises(ValueError, match="database row 8999 contains NaN or inf"):
        seenit.range_pairs(q, 0.5, y=ro)


def _pairs_match(got, want_full, threshold, metric, tol, upper):
    i, j, s = got
    assert i.dtype == j.dtype == np.int64 and s.dtype == np.float32
    order = np.lexsort((j, i))
    np.testing.assert_array_equal(order, np.arange(len(i)))  # sorted by (i, j)
    np.testing.assert_allclose(s, want_full[i, j], rtol=0, atol=tol)
    ok = want_full <= threshold if metric == "l2" else want_full >= threshold
    if upper:
        ok = np.triu(ok, k=1)
        assert (i < j).all()
    got_set = set(zip(i.tolist(), j.tolist()))
    want_set = set(zip(*[a.tolist() for a in np.nonzero(ok)]))
    for a, b in got_set ^ want_set:  # disagreements only at the threshold, within rounding
        assert abs(want_full[a, b] - threshold) <= tol, (a, b, want_full[a, b])


@settings(max_examples=30)
@given(problems(), st.floats(-0.5, 0.99), st.booleans())
def test_range_pairs_matches_reference(p, t, with_y):
    q, x, _, metric = p
    full = ref.scores(q if with_y else x, x, metric)
    threshold = float(np.quantile(full, 0.9)) if metric != "cosine" else t
    if metric == "l2":
        threshold = float(np.quantile(full, 0.1))
    got = seenit.range_pairs(q, threshold, metric=metric, y=x) if with_y else seenit.range_pairs(x, threshold, metric=metric)
    from _search_helpers import tolerance

    tol = float(tolerance(q if with_y else x, x, metric).max())
    _pairs_match(got, full, threshold, metric, tol, upper=not with_y)


def test_range_pairs_finds_planted_duplicates_across_blocks():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((9000, 256)).astype(np.float32)  # two database blocks
    x[8500] = x[10] * 2.0
    x[8999] = x[8998]
    i, j, s = seenit.range_pairs(x, 0.999, metric="cosine")
    assert {(10, 8500), (8998, 8999)} <= set(zip(i.tolist(), j.tolist()))
    assert len(i) == 2


def test_range_pairs_scores_equal_topk_scores():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((300, 20)).astype(np.float32)
    i, j, s = seenit.range_pairs(x[:30], -1e6, metric="ip", y=x)
    ts, ti = seenit.topk(x[:30], x, 300, metric="ip")
    full = np.full((30, 300), np.nan, np.float32)
    full[i, j] = s
    np.testing.assert_array_equal(np.take_along_axis(full, ti, 1), ts)


@settings(max_examples=30)
@given(problems())
def test_causal_max_matches_reference(p):
    _, x, _, metric = p
    best, arg = search.causal_max(x, metric=metric)
    rb, ra = ref.causal_max(x, metric)
    from _search_helpers import tolerance

    tol = float(tolerance(x, x, metric).max())
    assert arg[0] == -1
    full = ref.scores(x, x, metric)
    for jx in range(1, len(x)):
        assert 0 <= arg[jx] < jx
        np.testing.assert_allclose(best[jx], rb[jx], rtol=0, atol=tol)
        np.testing.assert_allclose(full[arg[jx], jx], rb[jx], rtol=0, atol=2 * tol)


def _blobs(n_per=60, k=5, d=12, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((k, d)) * 10
    x = np.concatenate([c + rng.standard_normal((n_per, d)) for c in centers]).astype(np.float32)
    return x, np.repeat(np.arange(k), n_per)


@pytest.mark.parametrize("metric", ["l2", "cosine"])
def test_kmeans_is_a_lloyd_fixed_point(metric):
    x, truth = _blobs()
    km = seenit.kmeans(x, 5, iters=50, seed=1, metric=metric)
    assert km.centroids.shape == (5, 12) and km.labels.shape == (300,)
    # labels are the exact nearest centroid
    s, i = seenit.topk(x, km.centroids, 1, metric=metric)
    np.testing.assert_array_equal(i[:, 0], km.labels)
    np.testing.assert_allclose(s[:, 0], km.scores, rtol=1e-6, atol=1e-6)  # cosine: rows re-normalised
    # centroids are the (normalised) means of their members
    w = ref._unit(x.astype(np.float64)) if metric == "cosine" else x.astype(np.float64)
    for c in range(5):
        m = w[km.labels == c].mean(0)
        if metric == "cosine":
            m /= np.linalg.norm(m)
        np.testing.assert_allclose(km.centroids[c], m, rtol=0, atol=1e-5 * max(1.0, np.abs(m).max()))
    # well separated blobs are recovered (up to relabelling)
    pairs = set(zip(truth.tolist(), km.labels.tolist()))
    assert len(pairs) == 5
    want = ((x - km.centroids[km.labels]) ** 2).sum() if metric == "l2" else (1 - km.scores).sum()
    np.testing.assert_allclose(km.inertia, want, rtol=1e-4)


def test_kmeans_is_deterministic_for_a_seed_and_thread_count():
    x, _ = _blobs(n_per=200, k=8, d=20, seed=3)
    before = seenit.get_num_threads()
    try:
        seenit.set_num_threads(1)
        a = seenit.kmeans(x, 8, seed=7)
        seenit.set_num_threads(2)
        b = seenit.kmeans(x, 8, seed=7)
    finally:
        seenit.set_num_threads(before)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.centroids, b.centroids)
    c = seenit.kmeans(x, 8, seed=8)
    assert c.centroids.shape == a.centroids.shape


def test_kmeans_with_duplicate_rows_and_k_equal_n():
    x = np.repeat(np.eye(3, dtype=np.float32), 2, axis=0)
    km = seenit.kmeans(x, 6, metric="l2")
    assert km.labels.shape == (6,)
    assert km.inertia == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda x: seenit.range_pairs(x, "a"), TypeError, "threshold must be a number"),
        (lambda x: seenit.range_pairs(x, float("nan")), ValueError, "threshold must be finite"),
        (lambda x: seenit.range_pairs(x, 0.5, y=x[:, :2]), ValueError, "dimension"),
        (lambda x: seenit.range_pairs(x, 0.5, metric="hamming"), ValueError, "metric must be one of"),
        (lambda x: seenit.kmeans(x, 0), ValueError, "n_clusters must be in"),
        (lambda x: seenit.kmeans(x, 11), ValueError, "n_clusters must be in"),
        (lambda x: seenit.kmeans(x, 2, metric="ip"), ValueError, "metric must be one of"),
        (lambda x: seenit.kmeans(x, 2, iters=0), ValueError, "iters must be in"),
        (lambda x: seenit.kmeans(np.where(x > 0.5, np.nan, x), 2), ValueError, "contains NaN"),
    ],
)
def test_search_bad_input(call, exc, match):
    x = np.random.default_rng(0).random((10, 4)).astype(np.float32)
    with pytest.raises(exc, match=match):
        call(x)


@pytest.mark.gpu
@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("k", [1, 10, 3000, 10000])
def test_cuda_topk_matches_reference(metric, k):
    rng = np.random.default_rng(k)
    x = rng.standard_normal((20000, 64)).astype(np.float32)
    x[5000:5100] = x[:100]  # exact ties across blocks
    q = np.concatenate([x[:4], rng.standard_normal((12, 64)).astype(np.float32)])
    from seenit.search._cuda import topk_cuda

    s, i = topk_cuda(q, x, k, metric, block_rows=7000)  # several blocks and merges
    assert_topk_matches(s, i, q, x, k, metric)
    s2, i2 = seenit.topk(q, x, k, metric=metric, device="cuda")
    assert_topk_matches(s2, i2, q, x, k, metric)


_PATHS_SCRIPT = """
import sys, numpy as np, seenit
rng = np.random.default_rng(3)
out = {}
for metric in ("ip", "cosine", "l2"):
    for nq, n, d in ((1, 50, 384), (13, 1001, 37), (24, 1500, 384), (25, 999, 1), (5, 77, 1000), (30, 2000, 9)):
        q = rng.standard_normal((nq, d)).astype(np.float32)
        x = rng.standard_normal((n, d)).astype(np.float32)
        x[n // 2] = x[n // 3]  # a tie
        s, i = seenit.topk(q, x, 10, metric=metric, first_pass="float32")
        # the int8 first pass (AMX, VNNI, AVX2 or, portable, float32) gives the same bits
        s8, i8 = seenit.topk(q, x, 10, metric=metric, first_pass="int8")
        assert np.array_equal(s8.view(np.uint32), s.view(np.uint32)) and np.array_equal(i8, i), (metric, nq, n, d)
        out[f"{metric}_{nq}_{n}_{d}_q"] = q
        out[f"{metric}_{nq}_{n}_{d}_x"] = x
        out[f"{metric}_{nq}_{n}_{d}_s"] = s
        out[f"{metric}_{nq}_{n}_{d}_i"] = i
    ri, rj, rs = seenit.range_pairs(x, 0.1 if metric != "l2" else 20.0, metric=metric)
    out[f"{metric}_range"] = np.concatenate([ri, rj, rs.view(np.int32).astype(np.int64)])
np.savez(sys.argv[1], **out)
print(seenit.cpu_features())
"""


def _run_paths(tmp_path, setting):
    import os
    import subprocess
    import sys

    f = tmp_path / f"{setting or 'native'}.npz"
    env = {**os.environ}
    env.pop("SEENIT_DISABLE_SIMD", None)
    if setting:
        env["SEENIT_DISABLE_SIMD"] = setting
    subprocess.run([sys.executable, "-c", _PATHS_SCRIPT, str(f)], env=env, check=True, capture_output=True, text=True)
    return dict(np.load(f))


def test_kernel_paths_avx512_avx2_and_portable(tmp_path):
    # native (AVX-512 where the CPU has it) and AVX2 compute the same canonical float32
    # dot products: bit-identical scores and ids. The portable path (SEENIT_DISABLE_SIMD=1,
    # no FMA) rounds differently but must still be exact up to float32 rounding.
    native = _run_paths(tmp_path, "")
    avx2 = _run_paths(tmp_path, "avx512")
    portable = _run_paths(tmp_path, "1")
    for key in native:
        if key.endswith(("_s", "_i", "_range")):
            a, b = native[key], avx2[key]
            assert np.array_equal(a.view(np.uint8), b.view(np.uint8)), key
    for key in portable:
        if key.endswith("_s"):
            base = key[:-2]
            metric, k = base.split("_")[0], 10
            assert_topk_matches(portable[key], portable[base + "_i"], portable[base + "_q"], portable[base + "_x"], k, metric)
