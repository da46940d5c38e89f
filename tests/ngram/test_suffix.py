"""Suffix array (SA-IS) and LCP (Phi) kernels vs the naive reference and pydivsufsort."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import seenit
from seenit.reference import ngram as ref

DTYPES = [np.uint8, np.uint16, np.uint32]


def _max_for(dtype) -> int:
    return int(np.iinfo(dtype).max)


@st.composite
def texts(draw, max_len: int = 300):
    dtype = draw(st.sampled_from(DTYPES))
    alphabet = draw(st.integers(1, min(65_536, _max_for(dtype) + 1)))
    n = draw(st.integers(0, max_len))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    a = rng.integers(0, alphabet, n, dtype=np.uint64)
    if draw(st.booleans()) and dtype is np.uint32:
        a = a * 65_537 % (2**32)  # sparse large ids: exercises alphabet compression
    return a.astype(dtype)


def _check(a: np.ndarray) -> None:
    sa = seenit.suffix_array(a)
    want = ref.suffix_array(a)
    assert sa.dtype == np.int32
    np.testing.assert_array_equal(sa, want)
    np.testing.assert_array_equal(seenit.lcp_array(a, sa), ref.lcp_array(a, want))


@given(texts())
def test_matches_reference(a):
    _check(a)


@given(st.sampled_from(DTYPES), st.integers(1, 4), st.integers(0, 10_000), st.integers(0, 2**32 - 1))
def test_long_small_alphabet_matches_reference(dtype, alphabet, n, seed):
    # Lengths to 10^4 with tiny alphabets: long repeats and deep recursion.
    a = np.random.default_rng(seed).integers(0, alphabet, n).astype(dtype)
    sa = seenit.suffix_array(a)
    b = a.tobytes() if dtype is np.uint8 else None
    if b is not None:
        np.testing.assert_array_equal(sa, np.asarray(sorted(range(n), key=lambda i: b[i:]), dtype=np.int32))
    else:
        np.testing.assert_array_equal(sa, ref.suffix_array(a))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "seq",
    [[], [0], [7], [3] * 50, [1, 2] * 40, [1, 2, 3] * 33 + [1], [5, 4, 3, 2, 1, 0] * 7, [0, 0, 0, 1] * 25],
    ids=["empty", "one0", "one7", "all-equal", "abab", "abc-periodic", "descending", "aaab"],
)
def test_edge_cases(dtype, seq):
    _check(np.asarray(seq, dtype=dtype))


def test_all_equal_long_and_large_symbols():
    a = np.full(5000, 2**32 - 1, dtype=np.uint32)
    np.testing.assert_array_equal(seenit.suffix_array(a), np.arange(4999, -1, -1, dtype=np.int32))
    np.testing.assert_array_equal(seenit.lcp_array(a, seenit.suffix_array(a)), np.r_[0, np.arange(1, 5000)].astype(np.int32))


@given(texts(max_len=2000), st.integers(1, 4))
def test_thread_count_does_not_change_results(a, threads):
    old = seenit.get_num_threads()
    try:
        seenit.set_num_threads(1)
        sa1, lcp1 = seenit.suffix_array(a), None
        lcp1 = seenit.lcp_array(a, sa1)
        seenit.set_num_threads(threads)
        np.testing.assert_array_equal(seenit.suffix_array(a), sa1)
        np.testing.assert_array_equal(seenit.lcp_array(a, sa1), lcp1)
    finally:
        seenit.set_num_threads(0)
        assert seenit.get_num_threads() == old


@pytest.mark.parametrize("threads", [2, 3])
def test_block_parallel_scans_match_single_thread(threads):
    # Long enough for the block-parallel induced-sorting scans (n >= 2^18) at
    # the first and the recursive levels; periodic input gives deep recursion.
    pydivsufsort = pytest.importorskip("pydivsufsort")
    rng = np.random.default_rng(7)
    cases = [
        rng.integers(0, 3, 700_000).astype(np.uint8),
        rng.integers(0, 50_000, 400_000).astype(np.uint32),
        np.tile(rng.integers(0, 4, 997).astype(np.uint16), 400),
    ]
    try:
        for a in cases:
            seenit.set_num_threads(1)
            sa1 = seenit.suffix_array(a)
            lcp1 = seenit.lcp_array(a, sa1)
            seenit.set_num_threads(threads)
            np.testing.assert_array_equal(seenit.suffix_array(a), sa1)
            np.testing.assert_array_equal(seenit.lcp_array(a, sa1), lcp1)
        np.testing.assert_array_equal(sa1, pydivsufsort.divsufsort(a))
    finally:
        seenit.set_num_threads(0)


@pytest.mark.parametrize(
    "case", ["runs", "all-equal", "binary", "uint16-1000", "uint16-wide", "uint32-sparse"]
)
def test_pipelined_final_scans_match_single_thread(case):
    # n >= 2^18 takes the two-thread final-stage scans: block-parallel for
    # alphabets up to 1,024 symbols (runs of filled slots gathered and written
    # in chunks on both threads), else pipelined (a helper thread gathers
    # ahead, the scanning thread recomputes slots written since the snapshot);
    # long runs of one symbol make most slots take the recomputing path.
    pydivsufsort = pytest.importorskip("pydivsufsort")
    rng = np.random.default_rng(11)
    n = 300_000
    if case == "runs":
        a = np.repeat(rng.integers(0, 5, n // 40), rng.integers(1, 80, n // 40))[:n].astype(np.uint8)
    elif case == "all-equal":
        a = np.full(n, 9, dtype=np.uint8)
    elif case == "binary":
        a = rng.integers(0, 2, n).astype(np.uint8)
    elif case == "uint16-1000":
        a = rng.integers(0, 1_000, n).astype(np.uint16)
    elif case == "uint16-wide":
        a = rng.integers(0, 65_536, n).astype(np.uint16)
    else:
        a = (rng.integers(0, 3_000, n).astype(np.uint64) * 1_000_003 % 2**32).astype(np.uint32)
    try:
        seenit.set_num_threads(1)
        sa1 = seenit.suffix_array(a)
        seenit.set_num_threads(2)
        sa2 = seenit.suffix_array(a)
    finally:
        seenit.set_num_threads(0)
    np.testing.assert_array_equal(sa2, sa1)
    if case == "all-equal":
        np.testing.assert_array_equal(sa2, np.arange(n - 1, -1, -1, dtype=np.int32))
    elif a.dtype == np.uint8:
        np.testing.assert_array_equal(sa2, pydivsufsort.divsufsort(a))
    else:
        np.testing.assert_array_equal(sa2, _sa_via_divsufsort(a.astype(np.uint32)))


def _sa_via_divsufsort(tok: np.ndarray) -> np.ndarray:
    """Suffix array of uint32 tokens from divsufsort on their big-endian bytes (aligned offsets only)."""
    pydivsufsort = pytest.importorskip("pydivsufsort")
    enc = np.frombuffer(tok.astype(">u4").tobytes(), dtype=np.uint8).copy()
    full = pydivsufsort.divsufsort(enc)
    return (full[full % 4 == 0] // 4).astype(np.int32)


@pytest.mark.parametrize("force64", [False, True])
def test_many_symbols_use_comparison_naming(force64):
    # More than max(2^16, n/8) distinct symbols: the first level names its LMS
    # substrings by comparing them (the recursive levels' method), not in the
    # induce scans. Repeated blocks give equal LMS substrings to name alike.
    rng = np.random.default_rng(11)
    block = rng.permutation(np.unique(rng.integers(0, 2**31, 72_000)))[:70_000].astype(np.uint32)
    a = np.concatenate([block, block[:40_000], rng.integers(0, 2**31, 5_000).astype(np.uint32), block])
    want = _sa_via_divsufsort(a)
    sa = seenit._core.suffix_array(a, int(a.max()) + 1, force64=force64)
    np.testing.assert_array_equal(sa, want)


@pytest.mark.parametrize("dtype", DTYPES)
def test_scan_naming_on_long_repeats(dtype):
    # Naming inside the stage-1 scans (n > 2^16 so every width takes it): long
    # periodic runs with variations give many equal and nearly equal LMS
    # substrings, and deep recursion.
    rng = np.random.default_rng(5)
    unit = rng.integers(0, 6, 1_000)
    parts = []
    for _ in range(150):
        u = unit.copy()
        u[rng.integers(0, u.size, 3)] = rng.integers(0, 6, 3)
        parts.append(u)
    a = np.concatenate(parts).astype(dtype)
    want = _sa_via_divsufsort(a.astype(np.uint32))
    np.testing.assert_array_equal(seenit.suffix_array(a), want)
    np.testing.assert_array_equal(seenit._core.suffix_array(a, 6, force64=True), want)


@given(texts(max_len=500))
def test_int64_index_matches_int32(a):
    # The i64 kernels (used for inputs of 2^31 symbols or more) on small inputs.
    alphabet = int(a.max()) + 1 if a.size else 1
    sa64 = seenit._core.suffix_array(a, alphabet, force64=True)
    assert sa64.dtype == np.int64
    sa32 = seenit.suffix_array(a)
    np.testing.assert_array_equal(sa64, sa32)
    np.testing.assert_array_equal(seenit.lcp_array(a, sa64), seenit.lcp_array(a, sa32))


def test_lcp_accepts_int64_sa():
    a = np.frombuffer(b"mississippi", dtype=np.uint8)
    sa = seenit.suffix_array(a).astype(np.int64)
    lcp = seenit.lcp_array(a, sa)
    assert lcp.dtype == np.int64
    np.testing.assert_array_equal(lcp, ref.lcp_array(a, sa))


def test_non_contiguous_input_is_accepted():
    base = np.random.default_rng(1).integers(0, 5, 400).astype(np.uint16)
    view = base[::2]
    np.testing.assert_array_equal(seenit.suffix_array(view), ref.suffix_array(view.copy()))


# --- bad input ------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.zeros(4, np.float64), np.zeros(4, np.int8), np.zeros(4, np.int64), [1, 2, 3], b"abc"])
def test_suffix_array_rejects_wrong_dtype(bad):
    with pytest.raises(TypeError, match="a must"):
        seenit.suffix_array(bad)


def test_suffix_array_rejects_2d():
    with pytest.raises(ValueError, match="a must be 1-dimensional"):
        seenit.suffix_array(np.zeros((2, 3), np.uint8))


def test_core_rejects_symbol_outside_alphabet():
    with pytest.raises(ValueError, match="symbol 9 >= alphabet"):
        seenit._core.suffix_array(np.array([1, 9, 2], np.uint8), 5)


def test_core_rejects_wrong_dtype_without_copy():
    with pytest.raises(TypeError):
        seenit._core.suffix_array(np.array([1, 2], np.int32), 5)


def test_lcp_rejects_bad_sa():
    a = np.frombuffer(b"banana", dtype=np.uint8)
    sa = seenit.suffix_array(a)
    with pytest.raises(ValueError, match="sa must have the length of a"):
        seenit.lcp_array(a, sa[:-1])
    with pytest.raises(ValueError, match="outside"):
        seenit.lcp_array(a, np.array([5, 3, 1, 0, 4, 6], np.int32))
    with pytest.raises(ValueError, match="outside"):
        seenit.lcp_array(a, np.array([5, 3, -1, 0, 4, 2], np.int64))
    with pytest.raises(ValueError, match="not a permutation"):
        seenit.lcp_array(a, np.array([5, 3, 1, 0, 4, 4], np.int32))
    with pytest.raises(TypeError, match="sa must have dtype"):
        seenit.lcp_array(a, sa.astype(np.uint32))
    with pytest.raises(ValueError, match="sa must be 1-dimensional"):
        seenit.lcp_array(a, sa.reshape(2, 3))
    with pytest.raises(TypeError, match="a must have dtype"):
        seenit.lcp_array(a.astype(np.int16), sa)


# --- real text vs pydivsufsort -------------------------------------------------------


def _pile_bytes(shared_data, limit: int) -> bytes:
    out, total = [], 0
    for path in sorted((shared_data / "mimir_pile_nonmembers").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                doc = json.loads(line)["original"].encode("utf-8")
                out.append(doc)
                total += len(doc)
                if total >= limit:
                    return b"".join(out)[:limit]
    return b"".join(out)


def _vs_divsufsort(data: bytes) -> None:
    pydivsufsort = pytest.importorskip("pydivsufsort")
    a = np.frombuffer(data, dtype=np.uint8).copy()  # pydivsufsort needs a writable array
    sa = seenit.suffix_array(a)
    want = pydivsufsort.divsufsort(a)
    np.testing.assert_array_equal(sa, want)
    lcp = seenit.lcp_array(a, sa)
    # pydivsufsort.kasai gives LCP(sa[i], sa[i+1]) at i; ours is shifted by one.
    np.testing.assert_array_equal(lcp[1:], pydivsufsort.kasai(a, want)[:-1])
    assert lcp[0] == 0


def test_tinyshakespeare_vs_pydivsufsort(shared_data):
    _vs_divsufsort((shared_data / "tinyshakespeare" / "input.txt").read_bytes())


def test_pile_documents_vs_pydivsufsort(shared_data):
    _vs_divsufsort(_pile_bytes(shared_data, 8 << 20))


def test_pile_tokens_u16_u32_vs_pydivsufsort(shared_data):
    # Word-level token ids of real text: compare against divsufsort on a
    # fixed-width big-endian byte encoding (byte order = token order at aligned
    # offsets), keeping only the suffixes that start on a token boundary.
    pydivsufsort = pytest.importorskip("pydivsufsort")
    words = _pile_bytes(shared_data, 1 << 20).split()
    vocab: dict[bytes, int] = {}
    ids = np.fromiter((vocab.setdefault(w, len(vocab)) for w in words), dtype=np.int64)
    for dtype, width in ((np.uint16, 2), (np.uint32, 4)):
        tok = (ids % (_max_for(dtype) + 1)).astype(dtype)
        sa = seenit.suffix_array(tok)
        enc = np.frombuffer(tok.astype(np.dtype(dtype).newbyteorder(">")).tobytes(), dtype=np.uint8).copy()
        full = pydivsufsort.divsufsort(enc)
        want = full[full % width == 0] // width
        np.testing.assert_array_equal(sa, want)
        lcp = seenit.lcp_array(tok, sa)
        np.testing.assert_array_equal(lcp, ref_lcp_fast(tok, sa))


def ref_lcp_fast(a: np.ndarray, sa: np.ndarray) -> np.ndarray:
    """Kasai's algorithm in plain Python: an independent LCP check for long inputs."""
    n = len(a)
    rank = np.empty(n, dtype=np.int64)
    rank[sa] = np.arange(n)
    seq = a.tolist()
    sa_l = sa.tolist()
    out = [0] * n
    h = 0
    for i in range(n):
        r = rank[i]
        if r == 0:
            h = 0
            continue
        j = sa_l[r - 1]
        while i + h < n and j + h < n and seq[i + h] == seq[j + h]:
            h += 1
        out[r] = h
        if h:
            h -= 1
    return np.asarray(out, dtype=sa.dtype)
