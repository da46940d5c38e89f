"""LSH banding, bucket grouping, candidate pairs, signature similarity and
union-find: native kernels == the plain reference (python/seenit/reference/sketch.py),
== datasketch where it has the same thing, independent of the thread count."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import seenit
from seenit import _core
from seenit.sketch.lsh import LSH, optimal_params
from seenit.reference import sketch as ref


@st.composite
def banded_signatures(draw, max_rows=40, max_k=16):
    """Signature matrices over a tiny alphabet (so bands collide), some empty rows."""
    dtype = draw(st.sampled_from([np.uint32, np.uint64]))
    k = draw(st.integers(1, max_k))
    n = draw(st.integers(0, max_rows))
    alphabet = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    sig = rng.integers(0, alphabet, size=(n, k)).astype(dtype)
    # near-copies: some rows are copies of earlier ones with a few slots changed
    for i in range(1, n):
        if rng.random() < 0.3:
            sig[i] = sig[rng.integers(0, i)]
            flip = rng.random(k) < 0.2
            sig[i, flip] = rng.integers(0, 1000, size=int(flip.sum()))
    if n and draw(st.booleans()):
        empty = rng.random(n) < 0.2
        sig[empty] = np.iinfo(dtype).max
    rows = draw(st.integers(1, k))
    bands = draw(st.integers(1, k // rows))
    return sig, bands, rows


def _pairs_list(p):
    return [tuple(x) for x in p.tolist()]


# ---------------------------------------------------------------- parameters

@pytest.mark.parametrize("num_perm", [1, 2, 3, 16, 64, 128, 256])
@pytest.mark.parametrize("weights", [(0.5, 0.5), (0.2, 0.8), (0.7, 0.3)])
def test_optimal_params_equal_datasketch(num_perm, weights):
    pytest.importorskip("scipy")
    from datasketch.lsh import _optimal_param

    for t in (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99):
        assert optimal_params(t, num_perm, weights) == _optimal_param(t, num_perm, *weights), (t, num_perm, weights)


def test_error_integrals_match_quadrature():
    pytest.importorskip("scipy")
    from datasketch.lsh import _false_negative_probability, _false_positive_probability

    for t, b, r in [(0.8, 9, 13), (0.5, 25, 5), (0.3, 3, 40), (0.9, 1, 1), (0.1, 64, 2)]:
        fp, fn = _core.lsh_error_integrals(t, b, r)
        assert fp == pytest.approx(_false_positive_probability(t, b, r), abs=1e-9)
        assert fn == pytest.approx(_false_negative_probability(t, b, r), abs=1e-9)


def test_lsh_constructor_matches_datasketch_bands():
    from datasketch import MinHashLSH

    for t, k in [(0.8, 128), (0.5, 64), (0.9, 256)]:
        ds = MinHashLSH(threshold=t, num_perm=k)
        ours = LSH(threshold=t, num_perm=k)
        assert (ours.bands, ours.rows) == (ds.b, ds.r)


# ---------------------------------------------------------------- kernels vs reference

@given(banded_signatures())
def test_candidate_pairs_equal_reference(case):
    sig, b, r = case
    lsh = LSH(num_perm=sig.shape[1], params=(b, r))
    lsh.insert(sig)
    got = lsh.candidate_pairs()
    assert got.dtype == np.int64 and got.shape[1] == 2
    assert _pairs_list(got) == ref.candidate_pairs(sig, b, r)
    assert len(lsh) == sig.shape[0]


@given(banded_signatures())
def test_buckets_equal_reference(case):
    sig, b, r = case
    lsh = LSH(num_perm=sig.shape[1], params=(b, r))
    lsh.insert(sig)
    values, offsets = lsh.buckets(2)
    got = sorted(tuple(values[offsets[g] : offsets[g + 1]].tolist()) for g in range(offsets.size - 1))
    want = sorted(tuple(sorted(g)) for band in ref.band_buckets(sig, b, r) for g in band)
    assert got == want


@given(banded_signatures())
def test_band_keys_group_like_reference_buckets(case):
    # lsh_band_keys exposes the keys LSHIndex buckets by (for distributed bucketing):
    # grouping rows by (band, key) gives the reference's buckets, empty rows flagged.
    sig, b, r = case
    keys, empty = _core.lsh_band_keys(sig, b, r)
    assert keys.shape == (sig.shape[0], b) and keys.dtype == np.uint64
    assert empty.tolist() == [ref.is_empty(row) for row in sig]
    got = []
    for band in range(b):
        groups: dict[int, list[int]] = {}
        for i in np.flatnonzero(~empty):
            groups.setdefault(int(keys[i, band]), []).append(int(i))
        got.append({frozenset(g) for g in groups.values() if len(g) >= 2})
    assert got == ref.band_buckets(sig, b, r)


def test_band_keys_bad_input():
    sig = np.zeros((3, 8), np.uint32)
    with pytest.raises(ValueError, match="bands \\* rows"):
        _core.lsh_band_keys(sig, 3, 3)
    with pytest.raises(ValueError, match=">= 1"):
        _core.lsh_band_keys(sig, 0, 3)
    with pytest.raises(TypeError):
        _core.lsh_band_keys(sig.astype(np.int32), 2, 2)


@given(banded_signatures(), st.integers(1, 4), st.data())
def test_query_equals_reference_with_batched_inserts(case, n_batches, data):
    sig, b, r = case
    n = sig.shape[0]
    split = sorted(data.draw(st.lists(st.integers(0, n), min_size=n_batches - 1, max_size=n_batches - 1)))
    lsh = LSH(num_perm=sig.shape[1], params=(b, r))
    bounds = [0, *split, n]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        lsh.insert(sig[lo:hi])
        # a query between inserts sees exactly what was inserted so far
        q = lsh.query(sig)
        want = ref.query(sig[:hi], sig, b, r)
        assert [q.get(i).tolist() for i in range(n)] == want


@given(banded_signatures(), st.integers(0, 2**32 - 1))
def test_signature_similarity_equals_reference(case, seed):
    sig, _, _ = case
    if sig.shape[0] == 0:
        return
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, sig.shape[0], size=(20, 2)).astype(np.int64)
    got = _core.signature_pair_similarity(sig, sig, pairs)
    np.testing.assert_array_equal(got, ref.signature_similarity(sig, sig, pairs))


@given(st.integers(1, 60), st.lists(st.tuples(st.integers(0, 59), st.integers(0, 59)), max_size=80))
def test_union_find_equals_graph_search(n, edges):
    edges = [(i % n, j % n) for i, j in edges]
    pairs = np.array(edges, dtype=np.int64).reshape(-1, 2)
    got = _core.union_find_labels(n, pairs)
    np.testing.assert_array_equal(got, ref.connected_labels(n, edges))
    # labels are the smallest member: a fixed point, and never larger than the index
    assert (got <= np.arange(n)).all() and (got[got] == got).all()


@given(banded_signatures(), st.floats(0.05, 0.95))
def test_near_duplicates_on_signatures_equal_reference(case, threshold):
    sig, b, r = case
    d = seenit.near_duplicates(sig, threshold=threshold, params=(b, r), max_bucket=10**6)
    labels, kept = ref.near_duplicate_labels(sig, b, r, threshold)
    np.testing.assert_array_equal(d.labels, labels)
    assert _pairs_list(d.pairs) == kept
    np.testing.assert_array_equal(d.keep, labels == np.arange(sig.shape[0]))
    np.testing.assert_array_equal(d.similarity, ref.signature_similarity(sig, sig, d.pairs))
    assert d.n_removed == sig.shape[0] - len(set(labels.tolist()))


@given(banded_signatures(max_rows=60), st.integers(2, 5))
def test_big_buckets_by_rounds(case, max_bucket):
    sig, b, r = case
    n = sig.shape[0]
    # verify="none": the center rounds give exactly the components of all pairs
    full = seenit.near_duplicates(sig, threshold=0.5, params=(b, r), verify="none", max_bucket=10**6)
    star = seenit.near_duplicates(sig, threshold=0.5, params=(b, r), verify="none", max_bucket=max_bucket)
    np.testing.assert_array_equal(star.labels, full.labels)
    # verified: every edge is a real candidate above the threshold, and clusters only merge what full merges
    full = seenit.near_duplicates(sig, threshold=0.5, params=(b, r), max_bucket=10**6)
    part = seenit.near_duplicates(sig, threshold=0.5, params=(b, r), max_bucket=max_bucket)
    assert set(_pairs_list(part.pairs)) <= set(_pairs_list(full.pairs))
    assert (part.similarity >= 0.5).all()
    assert (full.labels[part.labels] == full.labels).all() if n else True


def test_empty_signatures_never_join():
    sig = np.full((5, 8), np.iinfo(np.uint32).max, dtype=np.uint32)
    sig[3] = 7
    sig[4] = 7
    lsh = LSH(num_perm=8, params=(2, 4))
    lsh.insert(sig)
    assert _pairs_list(lsh.candidate_pairs()) == [(3, 4)]
    assert lsh.query(sig[:1]).get(0).size == 0
    d = seenit.near_duplicates(sig, params=(2, 4))
    assert d.labels.tolist() == [0, 1, 2, 3, 3]


# ---------------------------------------------------------------- peer: datasketch MinHashLSH

def test_candidates_equal_datasketch_minhashlsh():
    from datasketch import MinHash, MinHashLSH

    rng = np.random.default_rng(5)
    k, n = 32, 300
    sig = rng.integers(0, 2**32, size=(n, k), dtype=np.uint64)
    for i in range(1, n):  # planted near-copies with a few changed slots
        if rng.random() < 0.4:
            sig[i] = sig[rng.integers(0, i)]
            flip = rng.random(k) < rng.uniform(0, 0.4)
            sig[i, flip] = rng.integers(0, 2**32, size=int(flip.sum()), dtype=np.uint64)
    ds = MinHashLSH(threshold=0.7, num_perm=k)
    mhs = [MinHash(num_perm=k, hashvalues=row, scheme="legacy") for row in sig]
    for i, m in enumerate(mhs):
        ds.insert(i, m)
    ours = LSH(threshold=0.7, num_perm=k)
    ours.insert(sig)
    assert (ours.bands, ours.rows) == (ds.b, ds.r)
    q = ours.query(sig)
    for i, m in enumerate(mhs):
        assert q.get(i).tolist() == sorted(ds.query(m))


# ---------------------------------------------------------------- keys, threads, bad input

def test_custom_keys():
    rng = np.random.default_rng(1)
    sig = rng.integers(0, 2, size=(6, 4)).astype(np.uint64)
    sig[1] = sig[0]
    lsh = LSH(num_perm=4, params=(1, 4))
    lsh.insert(sig[:3], keys=[100, 50, 7])
    lsh.insert(sig[3:])  # default keys continue with the insertion index
    assert lsh.keys.tolist() == [100, 50, 7, 3, 4, 5]
    assert lsh.query(sig[:1]).get(0).tolist()[:2] == [50, 100]
    assert (50, 100) in _pairs_list(lsh.candidate_pairs())
    with pytest.raises(ValueError, match="key 7 is already in the index"):
        lsh.insert(sig[:1], keys=[7])
    with pytest.raises(ValueError, match="keys must be unique; 9 appears more than once"):
        lsh.insert(sig[:2], keys=[9, 9])
    with pytest.raises(ValueError, match="keys has 1 entries but signatures has 2 rows"):
        lsh.insert(sig[:2], keys=[11])


def test_results_do_not_depend_on_thread_count():
    rng = np.random.default_rng(3)
    n, k = 6000, 64
    sig = rng.integers(0, 2**32, size=(n, k), dtype=np.uint32)
    src = rng.integers(0, n, size=n // 3)
    for i, s in zip(rng.choice(n, size=n // 3, replace=False), src):
        sig[i] = sig[s]
        flip = rng.random(k) < 0.15
        sig[i, flip] = rng.integers(0, 2**32, size=int(flip.sum()), dtype=np.uint32)
    results = []
    before = seenit.get_num_threads()
    try:
        for t in (1, 2, 3):
            seenit.set_num_threads(t)
            lsh = LSH(threshold=0.6, num_perm=k)
            lsh.insert(sig)
            q = lsh.query(sig[:500])
            d = seenit.near_duplicates(sig, threshold=0.6, max_bucket=4)
            results.append((lsh.candidate_pairs(), q.values, q.offsets, d.labels, d.pairs, d.similarity,
                            _core.lsh_optimal_params(0.7, 200, 0.5, 0.5)))
    finally:
        seenit.set_num_threads(0 if before == seenit.get_num_threads() else before)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)
    assert results[0][0].shape[0] > 100  # the case has real work in it


def test_bad_input_messages():
    sig = np.zeros((3, 8), dtype=np.uint32)
    with pytest.raises(ValueError, match=r"threshold must be a number in \(0, 1\), got 1.0"):
        LSH(threshold=1.0)
    with pytest.raises(ValueError, match=r"threshold must be a number in \(0, 1\), got 0.0"):
        seenit.near_duplicates(sig, threshold=0.0)
    with pytest.raises(ValueError, match=r"num_perm must be in 1..8192, got 0"):
        LSH(num_perm=0)
    with pytest.raises(ValueError, match="weights must be two numbers in \\[0, 1\\] that sum to 1"):
        LSH(weights=(0.5, 0.6))
    with pytest.raises(ValueError, match=r"bands \* rows = 18 <= num_perm = 16"):
        LSH(num_perm=16, params=(3, 6))
    lsh = LSH(num_perm=8, params=(2, 4))
    with pytest.raises(TypeError, match="signatures must have dtype uint32 or uint64"):
        lsh.insert(sig.astype(np.int64))
    with pytest.raises(ValueError, match="signatures have 4 slots per row but num_perm is 8"):
        lsh.insert(sig[:, :4])
    with pytest.raises(ValueError, match="must be 2-dimensional"):
        lsh.insert(sig[0])
    lsh.insert(sig)
    with pytest.raises(TypeError, match="signatures have dtype uint64 but the index holds uint32"):
        lsh.query(sig.astype(np.uint64))
    with pytest.raises(ValueError, match="verify must be one of"):
        seenit.near_duplicates(sig, verify="bogus")
    with pytest.raises(ValueError, match='verify="exact" needs the documents'):
        seenit.near_duplicates(sig, verify="exact")
    with pytest.raises(ValueError, match="signature width mismatch: docs have 8 slots, reference has 4"):
        seenit.near_duplicates(sig, reference=sig[:, :4])
    with pytest.raises(ValueError, match="docs_or_signatures have 8 slots per row but num_perm is 16"):
        seenit.near_duplicates(sig, num_perm=16)
    with pytest.raises(ValueError, match=r"pairs\[0, 1\]=5 is not a document index in \[0, 3\)"):
        _core.union_find_labels(3, np.array([[0, 5]], dtype=np.int64))
    with pytest.raises(ValueError, match="out of range for 3 signatures"):
        _core.signature_pair_similarity(sig, sig, np.array([[0, 3]], dtype=np.int64))


def test_reference_mode_on_signatures():
    rng = np.random.default_rng(2)
    k = 64
    ref_sig = rng.integers(0, 2**32, size=(50, k), dtype=np.uint32)
    docs = rng.integers(0, 2**32, size=(200, k), dtype=np.uint32)
    planted = rng.choice(200, size=20, replace=False)
    src = rng.integers(0, 50, size=20)
    for d, s in zip(planted, src):
        docs[d] = ref_sig[s]
        docs[d, rng.random(k) < 0.05] += 1
    m = seenit.near_duplicates(docs, reference=ref_sig, threshold=0.7)
    assert isinstance(m, seenit.ReferenceMatches)
    assert set(np.flatnonzero(m.matched).tolist()) == set(planted.tolist())
    np.testing.assert_array_equal(m.best[planted], src)
    want = ref.signature_similarity(docs, ref_sig, np.column_stack([planted, src]))
    np.testing.assert_array_equal(m.best_similarity[planted], want)
    assert (m.best[~m.matched] == -1).all() and (m.best_similarity[~m.matched] == 0).all()
    assert m.n_matched == 20 and (m.contaminated == m.matched).all()
    # every verified pair: estimated similarity >= threshold, and the best is the max per doc
    np.testing.assert_array_equal(m.similarity, ref.signature_similarity(docs, ref_sig, m.pairs))
    assert (m.similarity >= 0.7).all()


def test_giant_bucket_is_not_expanded_into_all_pairs():
    # 20,000 copies of one signature plus noise: all pairs would be 2e8; rounds use one star
    rng = np.random.default_rng(8)
    k = 32
    sig = rng.integers(0, 2**32, size=(21000, k), dtype=np.uint32)
    sig[:20000] = sig[0]
    d = seenit.near_duplicates(sig, threshold=0.8)
    assert d.n_clusters == 1 and d.n_removed == 19999
    assert (d.labels[:20000] == 0).all() and (d.labels[20000:] == np.arange(20000, 21000)).all()
    assert d.pairs.shape[0] == 19999 and (d.pairs[:, 0] == 0).all() and (d.similarity == 1.0).all()


def test_candidate_pairs_cap_and_duplicate_bands():
    # every row in one bucket of each of 4 bands: each pair is listed 4 times before deduplication
    sig = np.repeat(np.arange(32, dtype=np.uint32)[None, :], 50, axis=0)
    lsh = LSH(threshold=0.5, num_perm=32, params=(4, 8))
    lsh.insert(sig)
    want = np.array([(i, j) for i in range(50) for j in range(i + 1, 50)], dtype=np.int64)
    np.testing.assert_array_equal(lsh.candidate_pairs(), want)
    np.testing.assert_array_equal(lsh.candidate_pairs(max_pairs=4 * 1225), want)
    with pytest.raises(ValueError, match=r"4,900 candidate pairs .* more than max_pairs=4,899"):
        lsh.candidate_pairs(max_pairs=4 * 1225 - 1)
    with pytest.raises(TypeError, match="max_pairs must be an int"):
        lsh.candidate_pairs(max_pairs=1.5)  # type: ignore[arg-type]
