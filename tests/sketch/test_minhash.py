"""MinHash kernels == python/seenit/reference/sketch.py, bit for bit; datasketch
bit-identity; the estimator's statistics; bad input; thread-count invariance."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seenit
from seenit.sketch import minhash as sketch_minhash
from seenit import _core
from seenit.reference import sketch as R



def peer():
    """datasketch, the peer library: only the comparisons with it skip when it is not installed."""
    return pytest.importorskip("datasketch")


# Python's str.isspace() set, plus characters that stress lower-casing and UTF-8.
SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000"
TRICKY = "İıΣσςßẞǅﬁÅÅ\u0301\u0308é́😀🎉👩‍👩‍👧中文字日本語한국어\u200b\u200d\ufeff\x00\x7f"
chars = st.one_of(
    st.characters(blacklist_categories=("Cs",)),
    st.sampled_from(SPACES),
    st.sampled_from(TRICKY),
    st.sampled_from("abcAB XYZ"),
)
text = st.text(chars, max_size=60)
words = st.lists(st.sampled_from(["the", "The", "cat", "CAT", "sat", "on", "mat", "ünï", "ÜNÏ", "日本", "🎉"]),
                 max_size=30).map(lambda ws: " ".join(ws))
doc_lists = st.lists(st.one_of(text, words), min_size=0, max_size=8)
ALL_SCHEMES = ("fast", "oph", "datasketch", "datasketch-legacy")


def ds_signature(shingle_set, num_perm, seed, legacy):
    m = peer().MinHash(num_perm=num_perm, seed=seed, **({"scheme": "legacy"} if legacy else {}))
    if shingle_set:
        m.update_batch(list(shingle_set))
    return m.hashvalues


# ---------------------------------------------------------------- hashes
@given(st.binary(max_size=100))
def test_hash64_and_sha1_match_reference(data):
    assert _core.minhash_hash64(data) == R.hash64(data)
    want = R.sha1_hash32(data)
    assert _core.minhash_sha1_hash32(data) == want
    assert _core.minhash_sha1_hash32(data, simd=False) == want  # portable SHA-1 (the SHA-NI path is the default)


@given(st.binary(max_size=100))
def test_sha1_matches_datasketch(data):
    assert R.sha1_hash32(data) == peer().hashfunc.sha1_hash32(data)


def test_sha1_padding_boundaries():
    for n in list(range(50, 70)) + [0, 1, 119, 120, 127, 128, 129, 1000]:
        data = bytes((i * 31 + 7) % 256 for i in range(n))
        assert _core.minhash_sha1_hash32(data) == R.sha1_hash32(data), n
        assert _core.minhash_sha1_hash32(data, simd=False) == R.sha1_hash32(data), n


@pytest.mark.parametrize("k", [1, 7, 8, 15, 16, 17, 31, 32, 33, 64, 65, 100, 128, 129, 200])
def test_affine32_simd_equals_portable(k):
    rng = np.random.default_rng(k)
    keys = rng.integers(0, 2**32, 300, dtype=np.uint32)
    a = rng.integers(0, 2**32, k, dtype=np.uint32) | np.uint32(1)
    b = rng.integers(0, 2**32, k, dtype=np.uint32)
    simd = _core.minhash_affine32_min(keys, a, b, True)
    portable = _core.minhash_affine32_min(keys, a, b, False)
    want = ((a.astype(np.uint64)[:, None] * keys[None, :] + b[:, None]) & np.uint64(2**32 - 1)).min(axis=1)
    np.testing.assert_array_equal(simd, portable)
    np.testing.assert_array_equal(simd, want)


_AFFINE_SCRIPT = """
import numpy as np, seenit
from seenit import _core
assert not seenit.cpu_features()["avx512f"]
for k in (1, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100, 128, 129, 200):
    rng = np.random.default_rng(k)
    keys = rng.integers(0, 2**32, 300, dtype=np.uint32)
    a = rng.integers(0, 2**32, k, dtype=np.uint32) | np.uint32(1)
    b = rng.integers(0, 2**32, k, dtype=np.uint32)
    want = ((a.astype(np.uint64)[:, None] * keys[None, :] + b[:, None]) & np.uint64(2**32 - 1)).min(axis=1)
    np.testing.assert_array_equal(_core.minhash_affine32_min(keys, a, b, True), want)
print("ok")
"""


def test_affine32_eight_lane_kernel_with_avx512_disabled():
    # On an AVX-512 host the default kernel is the 16-lane one; the AVX2 kernel (what
    # AVX2-only machines run) is reached only with AVX-512 turned off at start-up.
    env = {**os.environ, "SEENIT_DISABLE_SIMD": "avx512"}
    out = subprocess.run([sys.executable, "-c", _AFFINE_SCRIPT], env=env, check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "ok"


def test_fast_params_match_reference():
    a, b = _core.minhash_fast_params(300, 12345)
    ra, rb = R.fast_params(300, 12345)
    np.testing.assert_array_equal(a, ra)
    np.testing.assert_array_equal(b, rb)
    assert (a & 1).all()


# ---------------------------------------------------------------- shingles
@given(doc_lists, st.integers(1, 6), st.sampled_from(["word", "char"]), st.booleans())
def test_shingle_hashes_match_reference(docs, ngram, unit, lowercase):
    v, o = sketch_minhash.shingle_hashes(docs, ngram=ngram, unit=unit, lowercase=lowercase)
    rv, ro = R.shingle_hashes(docs, ngram=ngram, unit=unit, lowercase=lowercase)
    np.testing.assert_array_equal(o, ro)
    np.testing.assert_array_equal(v, rv)


def test_whitespace_set_is_pythons_for_every_code_point():
    cps = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    docs = [f"a{chr(c)}b" for c in cps]
    _, offsets = sketch_minhash.shingle_hashes(docs, ngram=1, unit="word", lowercase=False)
    counts = np.diff(offsets)
    want = np.array([2 if chr(c).isspace() else 1 for c in cps])
    bad = np.flatnonzero(counts != want)
    assert bad.size == 0, [hex(cps[i]) for i in bad[:10]]


def test_lowercase_is_pythons_for_every_code_point():
    cps = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    docs = ["".join(map(chr, cps[i:i + 64])) for i in range(0, len(cps), 64)]
    docs += ["ΟΔΟΣ ΟΔΟΣ. ΣΑΣ aΣ Σ", "İSTANBUL ẞ ǅ", "x\u03a3\u0301 y", "ÀÉÎ\U0001E900"]  # final sigma, expansions
    for unit in ("char", "word"):
        got = sketch_minhash.shingle_hashes(docs, ngram=2, unit=unit, lowercase=True)
        want = sketch_minhash.shingle_hashes([d.lower() for d in docs], ngram=2, unit=unit, lowercase=False)
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_array_equal(got[0], want[0])
    # the core lower-cases documents that Python already lower-cased (those with U+03A3) again
    assert all(chr(c).lower().lower() == chr(c).lower() for c in cps)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text("aBcXyZ Q\t", min_size=0, max_size=80), st.sampled_from("éÀ\u0130ΣΔ€\u3000\U0001E900\U0001F600")),
                max_size=8), st.integers(1, 3))
def test_ascii_runs_inside_non_ascii_docs(parts, ngram):
    # long ASCII runs (the core's 32-unit vector blocks) between one-, two- and four-byte code units
    doc = "".join(a + c for a, c in parts)
    docs = [doc, doc + "Z" * 40, "é" + doc, "\u20ac" + doc, "\U0001F600" + doc]
    for unit in ("word", "char"):
        for lowercase in (True, False):
            got = sketch_minhash.shingle_hashes(docs, ngram=ngram, unit=unit, lowercase=lowercase)
            want = R.shingle_hashes(docs, ngram=ngram, unit=unit, lowercase=lowercase)
            np.testing.assert_array_equal(got[1], want[1])
            np.testing.assert_array_equal(got[0], want[0])


@given(st.lists(st.one_of(st.sampled_from(SPACES), st.sampled_from(TRICKY), st.characters(blacklist_categories=("Cs",)),
                          st.text("ab ", min_size=1, max_size=70)), max_size=60).map("".join))
def test_simd_word_scanner_equals_scalar(text):
    data = text.encode()
    simd, scalar = _core.minhash_split_words(data, True), _core.minhash_split_words(data, False)
    assert simd == scalar
    assert [data[b:e].decode() for b, e in scalar] == text.split()


def test_simd_word_scanner_block_boundaries():
    for w in SPACES + "\xc2\u1680\u3000\u2000é日\u0085":
        for off in range(56, 132):
            text = "a" * off + w + "b" * 70 + w + w + "c"
            data = text.encode()
            got = _core.minhash_split_words(data, True)
            assert got == _core.minhash_split_words(data, False), (hex(ord(w)), off)
            assert [data[b:e].decode() for b, e in got] == text.split()


def test_word_shingles_join_with_one_space():
    # Runs of mixed whitespace between words hash like " ".join(words).
    a = sketch_minhash.shingle_hashes(["x\t\u3000 y\n\n z"], ngram=3)[0]
    b = sketch_minhash.shingle_hashes(["x y z"], ngram=3)[0]
    np.testing.assert_array_equal(a, b)
    assert a[0] == R.hash64(b"x y z")


# ---------------------------------------------------------------- signatures == reference
@given(doc_lists, st.integers(1, 6), st.sampled_from(["word", "char"]), st.booleans(),
       st.sampled_from(["fast", "oph", "datasketch"]), st.integers(1, 70), st.integers(0, 2**32 - 1))
def test_minhash_matches_reference(docs, ngram, unit, lowercase, scheme, num_perm, seed):
    got = seenit.minhash(docs, num_perm=num_perm, ngram=ngram, unit=unit, lowercase=lowercase, scheme=scheme,
                         seed=seed)
    want = R.minhash(docs, num_perm=num_perm, ngram=ngram, unit=unit, lowercase=lowercase, scheme=scheme, seed=seed)
    assert got.dtype == want.dtype and got.shape == (len(docs), num_perm)
    np.testing.assert_array_equal(got, want)


@settings(max_examples=15)
@given(doc_lists, st.integers(1, 4), st.integers(1, 20), st.integers(0, 2**32 - 1))
def test_legacy_matches_reference(docs, ngram, num_perm, seed):
    got = seenit.minhash(docs, num_perm=num_perm, ngram=ngram, scheme="datasketch-legacy", seed=seed)
    want = R.minhash(docs, num_perm=num_perm, ngram=ngram, scheme="datasketch-legacy", seed=seed)
    assert got.dtype == np.uint64
    np.testing.assert_array_equal(got, want)


token_docs = st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=20), max_size=6)


@given(token_docs, st.integers(1, 5), st.sampled_from(ALL_SCHEMES), st.integers(1, 40))
def test_tokens_match_reference(docs, ngram, scheme, num_perm):
    values = np.array([t for d in docs for t in d], dtype=np.uint64)
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in docs])]).astype(np.int64)
    got = seenit.minhash((values, offsets), unit="token", ngram=ngram, scheme=scheme, num_perm=num_perm)
    want = R.minhash(docs, unit="token", ngram=ngram, scheme=scheme, num_perm=num_perm)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(seenit.minhash(docs, unit="token", ngram=ngram, scheme=scheme, num_perm=num_perm), want)


@given(doc_lists, st.integers(1, 5), st.sampled_from(["fast", "oph"]), st.integers(1, 64))
def test_from_hashes_equals_text_path(docs, ngram, scheme, num_perm):
    v, o = sketch_minhash.shingle_hashes(docs, ngram=ngram)
    np.testing.assert_array_equal(sketch_minhash.minhash_from_hashes(v, o, num_perm=num_perm, scheme=scheme),
                                  seenit.minhash(docs, ngram=ngram, num_perm=num_perm, scheme=scheme))


def test_every_num_perm_1_to_512():
    docs = ["the cat sat on the mat with another cat", "", "Ünïcödé 日本語 text 🎉 here and there", "one"]
    sets = [R.shingles(d, 3) for d in docs]
    keys = [[R.hash64(s) >> 32 for s in ss] for ss in sets]
    for k in range(1, 513):
        got = seenit.minhash(docs, num_perm=k, ngram=3)
        a, b = R.fast_params(k, 1)
        want = np.stack([R._affine32_min(ks, a, b) for ks in keys])
        np.testing.assert_array_equal(got, want, err_msg=f"num_perm={k}")
        if k % 37 == 0 or k in (1, 2, 8, 511, 512):
            for scheme in ("oph", "datasketch"):
                np.testing.assert_array_equal(seenit.minhash(docs, num_perm=k, ngram=3, scheme=scheme),
                                              R.minhash(docs, num_perm=k, ngram=3, scheme=scheme),
                                              err_msg=f"{scheme} num_perm={k}")


def test_empty_and_whitespace_docs_give_empty_signature():
    docs = ["", "   ", "\n\t\u3000", "word"]
    for scheme in ALL_SCHEMES:
        sig = seenit.minhash(docs, scheme=scheme, num_perm=16)
        assert (sig[:3] == sketch_minhash.EMPTY).all()
        assert not sketch_minhash.is_empty(sig[3])
        np.testing.assert_array_equal(sketch_minhash.is_empty(sig), [True, True, True, False])
    assert (seenit.minhash(["", "x"], unit="char", num_perm=4)[0] == 2**32 - 1).all()
    assert seenit.minhash([], num_perm=8).shape == (0, 8)


def test_short_docs_are_one_shingle():
    assert R.shingles("a b", 5) == {b"a b"}
    v, _ = sketch_minhash.shingle_hashes(["A  b"], ngram=5)
    assert v.tolist() == [R.hash64(b"a b")]
    v, _ = sketch_minhash.shingle_hashes(["héé"], ngram=5, unit="char")
    assert v.tolist() == [R.hash64("héé".encode())]


def test_many_tiny_documents():
    pool = ["", "a", "a b", "A B c", "x y z w v u", "é ü", "🎉", "the cat sat"]
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(pool), 100_000)
    docs = [pool[i] for i in idx]
    for scheme in ("fast", "oph"):
        got = seenit.minhash(docs, num_perm=32, ngram=2, scheme=scheme)
        want = R.minhash(pool, num_perm=32, ngram=2, scheme=scheme)
        np.testing.assert_array_equal(got, want[idx])


def _big_doc(n_bytes):
    rng = np.random.default_rng(5)
    vocab = np.array(["alpha", "Beta", "gamma", "délta", "ε", "日本", "🎉", "zeta", "eta", "theta"] +
                     [f"w{i}" for i in range(5000)])
    ws = vocab[rng.zipf(1.3, n_bytes // 5) % vocab.size]
    seps = np.array([" ", " ", " ", "\n", "  ", "\t"])[rng.integers(0, 6, ws.size)]
    return "".join(np.char.add(ws, seps).tolist())[:n_bytes]


@pytest.mark.parametrize("unit", ["word", "char", "token"])
def test_every_shingle_length_hashes_like_the_reference(unit):
    # Shingles of 1 to ~200 bytes at every distance from the document's end: the hash's
    # tail block is read in whole 16-byte loads where 16 readable bytes follow the
    # shingle, and byte by byte near the end; both must give the reference's value.
    # Documents: ASCII read in place (single spaces), mixed gaps (the normalised copy),
    # non-ASCII (the UTF-8 copy), and short ones.
    rng = np.random.default_rng(11)
    lengths = rng.integers(1, 21, 300)
    ascii_words = ["x" * int(k) for k in lengths]
    words = ["x" * int(k) if k % 3 else "É" * int(k) for k in lengths]
    seps = [" ", " ", "\n", "  ", "\t "]
    mixed = "".join(w + seps[i % len(seps)] for i, w in enumerate(words)).rstrip()
    ascii_mixed = "".join(w + seps[i % len(seps)] for i, w in enumerate(ascii_words)).rstrip()
    docs = [" ".join(ascii_words), ascii_mixed, mixed, " ".join(words), mixed[:37], "ab cd"]
    if unit == "token":
        docs = [np.arange(n, dtype=np.uint64) * np.uint64(2654435761) for n in (1, 2, 3, 5, 17, 300)]
    for ngram in (1, 2, 3, 5):
        got = sketch_minhash.shingle_hashes(docs, ngram=ngram, unit=unit)
        want = R.shingle_hashes(docs, ngram=ngram, unit=unit)
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_array_equal(got[0], want[0])
        sig = seenit.minhash(docs, num_perm=16, ngram=ngram, unit=unit, scheme="oph")
        np.testing.assert_array_equal(sig, R.minhash(docs, num_perm=16, ngram=ngram, unit=unit, scheme="oph"))


@pytest.mark.slow
def test_ten_megabyte_document():
    doc = _big_doc(10_000_000)
    for scheme in ("fast", "oph"):
        got = seenit.minhash([doc, doc[:1000]], num_perm=64, scheme=scheme)
        want = R.minhash([doc, doc[:1000]], num_perm=64, scheme=scheme)
        np.testing.assert_array_equal(got, want)


def test_one_megabyte_document():
    doc = _big_doc(1_000_000)
    got = seenit.minhash([doc], num_perm=64, unit="char", ngram=4, scheme="fast")
    v, o = R.shingle_hashes([doc], ngram=4, unit="char")
    np.testing.assert_array_equal(sketch_minhash.shingle_hashes([doc], ngram=4, unit="char")[0], v)
    np.testing.assert_array_equal(got, sketch_minhash.minhash_from_hashes(v, o, num_perm=64))


# ---------------------------------------------------------------- datasketch bit-identity
@settings(max_examples=30)
@given(doc_lists, st.integers(1, 5), st.integers(1, 64), st.integers(0, 2**32 - 1))
def test_datasketch_bit_identical(docs, ngram, num_perm, seed):
    for scheme, legacy in (("datasketch", False), ("datasketch-legacy", True)):
        got = seenit.minhash(docs, num_perm=num_perm, ngram=ngram, seed=seed, scheme=scheme)
        for i, d in enumerate(docs):
            want = ds_signature(R.shingles(d, ngram), num_perm, seed, legacy)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got[i], want)


def _real_docs(shared_data, limit):
    docs = []
    with open(shared_data / "gsm8k" / "test.jsonl") as f:
        docs += [json.loads(line)["question"] for line in itertools.islice(f, limit)]
    path = shared_data / "mimir_pile_nonmembers" / "wikipedia_(en)_0_test_raw.jsonl.gz"
    if path.exists():
        with gzip.open(path, "rt") as f:
            docs += [json.loads(line)["original"][:5000] for line in itertools.islice(f, limit // 4)]
    return docs


def test_datasketch_bit_identical_real_text(shared_data):
    docs = _real_docs(shared_data, 40)
    for scheme, legacy in (("datasketch", False), ("datasketch-legacy", True)):
        got = seenit.minhash(docs, num_perm=128, ngram=5, seed=1, scheme=scheme)
        for i, d in enumerate(docs):
            np.testing.assert_array_equal(got[i], ds_signature(R.shingles(d, 5), 128, 1, legacy), err_msg=f"doc {i}")


def test_fast_matches_reference_real_text(shared_data):
    docs = _real_docs(shared_data, 40)
    for scheme in ("fast", "oph"):
        np.testing.assert_array_equal(seenit.minhash(docs, scheme=scheme), R.minhash(docs, scheme=scheme))


# ---------------------------------------------------------------- estimator statistics
def _pairs_with_known_jaccard(n_pairs, size, overlap, rng):
    """Token documents: pair p shares `overlap` of `size` ids; J = overlap / (2 size - overlap)."""
    docs = []
    for _ in range(n_pairs):
        ids = rng.choice(2**62, 2 * size - overlap, replace=False).astype(np.uint64)
        docs.append(ids[:size])
        docs.append(ids[size - overlap:])
    return docs, overlap / (2 * size - overlap)


@pytest.mark.parametrize("scheme", ["fast", "oph", "datasketch"])
@pytest.mark.parametrize("overlap", [200, 500, 800])
def test_estimator_error_is_binomial(scheme, overlap):
    rng = np.random.default_rng(overlap)
    k, n_pairs = 128, 1500
    docs, J = _pairs_with_known_jaccard(n_pairs, 1000, overlap, rng)
    sig = seenit.minhash(docs, unit="token", ngram=1, num_perm=k, scheme=scheme, seed=int(rng.integers(2**32)))
    est = seenit.jaccard(sig[0::2], sig[1::2])
    err = est - J
    sd, want = err.std(), np.sqrt(J * (1 - J) / k)
    assert 0.8 < sd / want < 1.2, (sd, want)
    assert abs(err.mean()) < 4 * want / np.sqrt(n_pairs), err.mean()


# ---------------------------------------------------------------- jaccard
@given(st.lists(st.tuples(words, words), min_size=1, max_size=6), st.integers(1, 4))
def test_jaccard_exact_matches_sets(pairs, ngram):
    docs = [d for p in pairs for d in p]
    v, o = sketch_minhash.shingle_hashes(docs, ngram=ngram)
    idx = np.array([[2 * i, 2 * i + 1] for i in range(len(pairs))] + [[0, 0]], dtype=np.int64)
    got = sketch_minhash.jaccard_exact_pairs(v, o, idx)
    sets = [R.shingles(d, ngram) for d in docs]
    want = [R.jaccard_sets(sets[i], sets[j]) for i, j in idx]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    for (a, b), w in zip(pairs, want):
        assert seenit.jaccard_exact(a, b, ngram=ngram) == pytest.approx(w, abs=1e-15)


def test_jaccard_exact_pairs_across_collections():
    a = sketch_minhash.shingle_hashes(["a b c d", "x y z"], ngram=1)
    b = sketch_minhash.shingle_hashes(["a b c e"], ngram=1)
    v, o = sketch_minhash.concat_ragged(a, b)
    got = sketch_minhash.jaccard_exact_pairs(v, o, [[0, 2], [1, 2]])
    np.testing.assert_allclose(got, [3 / 5, 0.0])


def test_jaccard_estimate():
    sig = seenit.minhash(["a b c d e f g", "a b c d e f h", ""], ngram=1, num_perm=64)
    assert seenit.jaccard(sig[0], sig[0]) == 1.0
    assert seenit.jaccard(sig[2], sig[2]) == 0.0  # empty is similar to nothing
    assert seenit.jaccard(sig[0], sig[1]) == R.jaccard(sig[0], sig[1])
    np.testing.assert_array_equal(seenit.jaccard(sig, sig), [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(seenit.jaccard(sig, sig[0]), [R.jaccard(s, sig[0]) for s in sig])
    assert seenit.jaccard_exact("", "") == 0.0


# ---------------------------------------------------------------- inputs
def test_bytes_and_arrow_inputs():
    pa = pytest.importorskip("pyarrow")
    docs = ["Hello wörld foo bar", "", "x y"]
    want = seenit.minhash(docs, ngram=2)
    np.testing.assert_array_equal(seenit.minhash([d.encode() for d in docs], ngram=2), want)
    np.testing.assert_array_equal(seenit.minhash(pa.array(docs), ngram=2), want)
    np.testing.assert_array_equal(seenit.minhash(pa.chunked_array([docs[:1], docs[1:]]), ngram=2), want)
    np.testing.assert_array_equal(seenit.minhash(tuple(docs), ngram=2), want)
    np.testing.assert_array_equal(seenit.minhash(docs, ngram=2), want)


def test_invalid_utf8():
    with pytest.raises(ValueError, match=r"docs\[1\] is not valid UTF-8.*errors='replace'"):
        seenit.minhash([b"ok", b"bad \xff\xfe bytes"])
    got = seenit.minhash([b"bad \xff bytes"], errors="replace", ngram=1)
    np.testing.assert_array_equal(got, seenit.minhash(["bad \ufffd bytes"], ngram=1))
    with pytest.raises(ValueError, match=r"docs\[0\] cannot be encoded as UTF-8.*surrogate"):
        seenit.minhash(["lone \ud800 surrogate"])
    got = seenit.minhash(["lone \ud800 surrogate"], errors="replace", ngram=1)
    np.testing.assert_array_equal(got, R.minhash(["lone \ud800 surrogate"], ngram=1, errors="replace"))


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"num_perm": 0}, ValueError, r"num_perm must be in 1\.\.8192, got 0"),
    ({"num_perm": 8193}, ValueError, r"num_perm must be in 1\.\.8192"),
    ({"num_perm": 1.5}, TypeError, r"num_perm must be an int"),
    ({"ngram": 0}, ValueError, r"ngram must be in 1\.\."),
    ({"scheme": "nope"}, ValueError, r"scheme must be one of 'fast', 'oph'"),
    ({"unit": "line"}, ValueError, r"unit must be one of 'word', 'char', 'token'"),
    ({"seed": -1}, ValueError, r"seed must be in 0\.\."),
    ({"device": "tpu"}, ValueError, r"device must be 'cpu' or 'cuda'"),
    ({"device": "cuda", "scheme": "oph"}, ValueError, r"device='cuda' supports scheme='fast' only"),
    ({"errors": "ignore"}, ValueError, r"errors must be one of 'strict', 'replace'"),
    ({"lowercase": "yes"}, TypeError, r"lowercase must be a bool"),
])
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        seenit.minhash(["a b c"], **kwargs)


def test_bad_documents():
    with pytest.raises(TypeError, match=r"docs\[2\] must be str \(or UTF-8 bytes\), got int"):
        seenit.minhash(["a", "b", 3])
    with pytest.raises(TypeError, match=r"docs\[1\] must be str"):
        seenit.minhash(["a", None])
    with pytest.raises(TypeError, match=r"not a single str"):
        seenit.minhash("just one string")
    with pytest.raises(ValueError, match=r"offsets must be non-decreasing"):
        seenit.minhash((np.arange(5), np.array([0, 3, 2, 5])), unit="token")
    with pytest.raises(ValueError, match=r"offsets\[-1\] must equal the number of values \(5\), got 7"):
        seenit.minhash((np.arange(5), np.array([0, 3, 7])), unit="token")
    with pytest.raises(ValueError, match=r"values has values in \[-1, 4\], outside the range of uint64"):
        seenit.minhash((np.arange(-1, 5), np.array([0, 6])), unit="token")
    with pytest.raises(TypeError, match=r"docs\[0\] must be a sequence of integer token ids"):
        seenit.minhash(["abc"], unit="token")


def test_bad_jaccard_inputs():
    with pytest.raises(ValueError, match=r"signature widths differ: sig_a has 4 slots, sig_b 5"):
        seenit.jaccard(np.zeros(4, np.uint32), np.zeros(5, np.uint32))
    with pytest.raises(ValueError, match=r"sig_a has 2 rows but sig_b has 3"):
        seenit.jaccard(np.zeros((2, 4), np.uint32), np.zeros((3, 4), np.uint32))
    v, o = sketch_minhash.shingle_hashes(["a b", "c"], ngram=1)
    with pytest.raises(ValueError, match=r"pairs\[0, 1\] = 5 is not a document index in 0\.\.1"):
        sketch_minhash.jaccard_exact_pairs(v, o, [[0, 5]])
    with pytest.raises(ValueError, match=r"pairs must have shape \(m, 2\)"):
        sketch_minhash.jaccard_exact_pairs(v, o, [[0, 1, 1]])


# ---------------------------------------------------------------- threads
def test_results_do_not_depend_on_thread_count():
    rng = np.random.default_rng(1)
    docs = [" ".join(f"w{x}" for x in rng.integers(0, 50, rng.integers(0, 300))) for _ in range(500)]
    before = seenit.get_num_threads()
    try:
        results = []
        for n in (1, 2, 3):
            seenit.set_num_threads(n)
            results.append([seenit.minhash(docs, scheme=s, num_perm=64) for s in ALL_SCHEMES] +
                           list(sketch_minhash.shingle_hashes(docs)))
        for r in results[1:]:
            for x, y in zip(results[0], r):
                np.testing.assert_array_equal(x, y)
    finally:
        seenit.set_num_threads(0 if before == seenit.get_num_threads() else before)


# ---------------------------------------------------------------- GPU
def test_cuda_without_gpu_fails_clearly():
    from seenit import gpu

    if gpu.available():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match=r"device='cuda'"):
        seenit.minhash(["a b c"], device="cuda")


@pytest.mark.gpu
def test_cuda_equals_cpu():
    rng = np.random.default_rng(2)
    docs = [" ".join(f"w{x}" for x in rng.integers(0, 80, rng.integers(0, 400))) for _ in range(300)] + ["", "a"]
    for k in (1, 7, 64, 128, 300):
        np.testing.assert_array_equal(seenit.minhash(docs, num_perm=k, device="cuda"), seenit.minhash(docs, num_perm=k))


def _utf8_pair(docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    parts = [d.encode("utf-8", "surrogatepass") for d in docs]
    return np.frombuffer(b"".join(parts), np.uint8), np.cumsum([0, *map(len, parts)]).astype(np.int64)


greek = st.lists(st.sampled_from(["ΟΔΟΣ", "ΣΑΣ", "Σ", "ΑΣ.", "İSTANBUL", "abc", "x", " ", "\n"]), max_size=12).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(docs=st.lists(st.one_of(text, greek), max_size=8), unit=st.sampled_from(["word", "char"]), ngram=st.integers(1, 4),
       scheme=st.sampled_from(list(sketch_minhash.SCHEMES)), lowercase=st.booleans())
def test_utf8_pair_equals_the_texts(docs, unit, ngram, scheme, lowercase):
    """UTF-8 texts given as a ragged pair (read in place, as the scan's blocks hold them) sign and
    shingle exactly as the decoded texts do, final sigma (done through str.lower) included."""
    kw = dict(unit=unit, ngram=ngram, lowercase=lowercase)
    pair = _utf8_pair(docs)
    got = seenit.minhash(pair, num_perm=16, scheme=scheme, **kw)
    assert np.array_equal(got, seenit.minhash(docs, num_perm=16, scheme=scheme, **kw))
    hv, ho = seenit.shingle_hashes(pair, **kw)
    wv, wo = seenit.shingle_hashes(docs, **kw)
    assert np.array_equal(hv, wv) and np.array_equal(ho, wo)


def test_utf8_pair_bad_bytes_and_surrogates():
    bad = (np.frombuffer(b"ok\xffno", np.uint8), np.array([0, 2, 5], np.int64))
    with pytest.raises(ValueError, match=r"docs\[1\] is not valid UTF-8"):
        seenit.minhash(bad, num_perm=8)
    # errors="replace": as the same bytes decoded with errors="replace"
    assert np.array_equal(seenit.minhash(bad, num_perm=8, errors="replace"),
                          seenit.minhash([b"ok", b"\xffno"], num_perm=8, errors="replace"))
    lone = _utf8_pair(["a \ud800 b"])  # a lone surrogate as surrogatepass writes it: as in a str
    with pytest.raises(ValueError, match="lone surrogate"):
        seenit.minhash(lone, num_perm=8)
    assert np.array_equal(seenit.minhash(lone, num_perm=8, errors="replace"),
                          seenit.minhash(["a \ud800 b"], num_perm=8, errors="replace"))
    with pytest.raises(ValueError, match="offsets"):
        seenit.minhash((np.zeros(3, np.uint8), np.array([0, 5], np.int64)), num_perm=8)
    with pytest.raises(ValueError, match="offsets"):
        _core.minhash_utf8(np.zeros(3, np.uint8), np.array([0, 2, 1], np.int64), 5, 0, True, 0, 8, 1,
                           np.zeros(0, np.uint64), np.zeros(0, np.uint64), np.zeros(0, np.uint32),
                           np.zeros(1, np.uint32), np.zeros(0, np.uint8))
