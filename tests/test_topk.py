"""seenit.topk against the NumPy reference, faiss, itself across first passes and
thread counts, memory-mapped input, ties, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seenit
from seenit import search
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
