"""Targets: MinHash, LSH and near-duplicate clustering (public API and the _core functions under it)."""

from __future__ import annotations

from typing import Any

import numpy as np

import seenit
from seenit.sketch import minhash as sketch_minhash
from seenit import _core
from seenit.reference import sketch as ref_lsh
from seenit.reference import sketch as ref_mh

from . import call, check, known, skip, target, thread_invariant
from .decode import Decoder

SCHEMES = ("fast", "oph", "datasketch", "datasketch-legacy")
UNITS = ("word", "char", "token")
EMPTY = (1 << 32) - 1


def _plain_strs(docs: object) -> bool:
    return type(docs) is list and all(type(t) is str for t in docs)


def _encodable(docs: list[str]) -> bool:
    try:
        for t in docs:
            t.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _docs_or_tokens(d: Decoder, unit: str) -> object:
    if unit != "token":
        return d.docs(6, 40)
    if d.bool():
        values, offsets = d.ragged_ints(0, 50, max_segments=6, max_values=40)
        if known("minhash-token-pair-list") and isinstance(values, (list, tuple)):
            skip()
        return values, offsets
    return [d.int_array((d.size(8),), 0, 50, np.int64, bad=10) for _ in range(d.size(5))]


def _minhash_kw(d: Decoder) -> dict:
    return dict(num_perm=d.small_int(1, 24), ngram=d.small_int(1, 6), unit=d.choice(UNITS), seed=d.small_int(0, 5),
                scheme=d.choice(SCHEMES), lowercase=d.maybe_weird(d.bool()), errors=d.choice(("strict", "replace")))


@target("minhash", area="sketch", covers=["seenit.minhash"])
def fuzz_minhash(d: Decoder) -> None:
    """minhash of texts / bytes / token ids: shape, dtype, thread invariance, equal to the reference on small str inputs."""
    kw = _minhash_kw(d)
    docs = _docs_or_tokens(d, kw["unit"] if isinstance(kw["unit"], str) else "word")
    sig = thread_invariant(lambda: call(seenit.minhash, docs, **kw))
    n = len(docs[1]) - 1 if isinstance(docs, tuple) and len(docs) == 2 and kw["unit"] == "token" else len(docs)
    check(sig.shape == (n, kw["num_perm"]), f"minhash shape {sig.shape}, expected {(n, kw['num_perm'])}")
    check(sig.dtype == (np.uint64 if kw["scheme"] == "datasketch-legacy" else np.uint32), f"minhash dtype {sig.dtype}")
    if kw["unit"] != "token" and _plain_strs(docs) and _encodable(docs) and kw["lowercase"] in (True, False):
        ref = ref_mh.minhash(docs, num_perm=kw["num_perm"], ngram=kw["ngram"], unit=kw["unit"], seed=kw["seed"],
                             scheme=kw["scheme"], lowercase=kw["lowercase"])
        check(np.array_equal(sig, ref), f"minhash differs from seenit.reference.minhash for {docs!r} {kw}")
        # the same texts as a ragged UTF-8 pair (how the scan's blocks hold them): the same signatures
        parts = [t.encode("utf-8") for t in docs]
        pair = (np.frombuffer(b"".join(parts), np.uint8), np.cumsum([0, *map(len, parts)]).astype(np.int64))
        check(np.array_equal(call(seenit.minhash, pair, **kw), ref), f"minhash of the UTF-8 pair differs for {docs!r} {kw}")


@target("minhash_from_hashes", area="sketch", covers=["seenit.minhash_from_hashes"])
def fuzz_minhash_from_hashes(d: Decoder) -> None:
    """minhash_from_hashes of ragged uint64 hashes (sorted or not, duplicates, out of range)."""
    values, offsets = d.ragged_ints(0, 2**32, max_segments=6, max_values=48)
    kw = dict(num_perm=d.small_int(1, 24), seed=d.small_int(0, 5), scheme=d.choice(("fast", "oph")))
    sig = thread_invariant(lambda: call(seenit.minhash_from_hashes, values, offsets, **kw))
    check(sig.shape == (len(offsets) - 1, kw["num_perm"]) and sig.dtype == np.uint32, f"shape/dtype {sig.shape} {sig.dtype}")


@target("shingle_hashes", area="sketch", covers=["seenit.shingle_hashes"])
def fuzz_shingle_hashes(d: Decoder) -> None:
    """shingle_hashes: sorted unique per document, equal to the reference on str inputs."""
    ngram, unit = d.small_int(1, 6), d.choice(UNITS)
    lowercase, errors = d.maybe_weird(d.bool()), d.choice(("strict", "replace"))
    docs = _docs_or_tokens(d, unit if isinstance(unit, str) else "word")
    v, o = thread_invariant(lambda: call(seenit.shingle_hashes, docs, ngram=ngram, unit=unit, lowercase=lowercase,
                                         errors=errors))
    check(v.dtype == np.uint64 and o.dtype == np.int64 and o[0] == 0 and o[-1] == v.size, "ragged result malformed")
    for i in range(o.size - 1):
        seg = v[o[i]:o[i + 1]]
        check(np.all(seg[1:] > seg[:-1]), f"document {i}: hashes not sorted unique")
    if unit != "token" and _plain_strs(docs) and _encodable(docs) and lowercase in (True, False):
        rv, ro = ref_mh.shingle_hashes(docs, ngram=ngram, unit=unit, lowercase=lowercase)
        check(np.array_equal(v, rv) and np.array_equal(o, ro), f"shingle_hashes differs from the reference for {docs!r}")


def _signatures(d: Decoder, n: int, k: int) -> np.ndarray:
    k = min(max(k, 0), 64)
    dt = d.pick((np.uint32, np.uint64))
    sig = d.int_array((n, k), 0, d.pick((3, 1000, 2**32 - 1)), np.int64, bad=0, wild=0).astype(dt)
    if n and d.chance(20):
        sig[d.int(0, n - 1)] = EMPTY if dt == np.uint32 else np.iinfo(np.uint64).max
    return d.mangle(sig) if d.chance(15) else sig


@target("jaccard", area="sketch", covers=["seenit.jaccard"])
def fuzz_jaccard(d: Decoder) -> None:
    """jaccard of 1-D / 2-D signatures: values in [0, 1]."""
    k = d.size(16)
    a = _signatures(d, d.size(4), k)
    b = _signatures(d, d.size(4), k if d.chance(80) else d.size(16))
    if d.bool() and isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[0]:
        a = a[0]
    r = call(seenit.jaccard, a, b)
    check(np.all((np.asarray(r) >= 0) & (np.asarray(r) <= 1)), f"jaccard outside [0, 1]: {r}")


@target("jaccard_exact", area="sketch", covers=["seenit.jaccard_exact"])
def fuzz_jaccard_exact(d: Decoder) -> None:
    """jaccard_exact of two texts equals the reference (set Jaccard of the shingles)."""
    a, b = d.text(40), d.text(40)
    ngram, unit, lowercase = d.small_int(1, 5), d.choice(("word", "char")), d.maybe_weird(d.bool())
    if d.chance(10):
        a = d.maybe_weird(a, 100)
    r = call(seenit.jaccard_exact, a, b, ngram=ngram, unit=unit, lowercase=lowercase)
    check(0.0 <= r <= 1.0, f"jaccard_exact {r}")
    if isinstance(a, str) and _encodable([a, b]) and lowercase in (True, False):
        ref = ref_mh.jaccard_exact(a, b, ngram=ngram, unit=unit, lowercase=lowercase)
        check(abs(r - ref) < 1e-12, f"jaccard_exact {r} != reference {ref} for {a!r}, {b!r}")


def _pairs(d: Decoder, n: int, m_max: int = 8) -> object:
    m = d.size(m_max)
    p = d.int_array((m, 2), 0, max(n - 1, 0), np.int64, bad=15, wild=8)
    return p


@target("jaccard_exact_pairs", area="sketch", covers=["seenit.jaccard_exact_pairs"])
def fuzz_jaccard_exact_pairs(d: Decoder) -> None:
    """jaccard_exact_pairs of ragged sets and (i, j) pairs (indices out of range included)."""
    v, o = d.ragged_ints(0, 20, max_segments=6, max_values=32)
    if (d.bool() and isinstance(v, np.ndarray) and isinstance(o, np.ndarray) and o.ndim == 1 and o.size
            and v.ndim == 1 and v.dtype.kind in "ui"):  # only integer sets are sorted here (a cast would warn)
        try:  # sorted unique sets as the contract asks
            seg = [np.unique(v[o[i]:o[i + 1]]) for i in range(o.size - 1)]
            v = np.concatenate(seg).astype(np.uint64) if seg else np.zeros(0, np.uint64)
            o = np.concatenate(([0], np.cumsum([s.size for s in seg]))).astype(np.int64)
        except (ValueError, IndexError, TypeError):
            pass
    n = (len(o) - 1) if hasattr(o, "__len__") else 0
    p = _pairs(d, n)
    r = thread_invariant(lambda: call(seenit.jaccard_exact_pairs, v, o, p))
    check(r.dtype == np.float64 and np.all((r >= 0) & (r <= 1)), f"jaccard_exact_pairs {r}")


@target("LSH", area="sketch", covers=["seenit.LSH", "seenit.LSH.insert", "seenit.LSH.query", "seenit.LSH.buckets",
                                       "seenit.LSH.candidate_pairs"])
def fuzz_lsh(d: Decoder) -> None:
    """LSH: construction (threshold, weights, params), inserts with/without keys, queries, buckets,
    candidate pairs (equal to the reference banding when no keys are given)."""
    k = d.small_int(1, 16, wild=3)
    params = None
    if d.bool():
        params = (d.small_int(1, 8), d.small_int(1, 8))
    weights = (0.5, 0.5) if d.chance(70) else (d.float(0, 1), d.float(0, 1))
    lsh = call(seenit.LSH, threshold=d.float(0.01, 0.99), num_perm=k, weights=weights, params=d.maybe_weird(params))
    sigs = []
    keyed = False
    for _ in range(d.int(0, 3)):
        s = _signatures(d, d.size(6), k if d.chance(90) else d.size(16))
        keys = None
        if d.chance(20) and isinstance(s, np.ndarray) and s.ndim == 2:
            keys = d.int_array((s.shape[0],), -5, 100, np.int64, bad=10)
        try:
            lsh.insert(s, keys)
        except (ValueError, TypeError) as e:
            check(str(e), "insert raised without a message")
            continue
        keyed |= keys is not None
        sigs.append(s)
    q = _signatures(d, d.size(4), k)
    try:
        cand = lsh.query(q)
        check(cand.offsets.size == np.asarray(q).shape[0] + 1, "query offsets length")
    except (ValueError, TypeError) as e:
        check(str(e), "query raised without a message")
    b = call(lsh.buckets, d.small_int(1, 4))
    check(b.offsets[0] == 0 and b.offsets[-1] == b.values.size, "buckets ragged malformed")
    pairs = lsh.candidate_pairs()
    if sigs and not keyed and len({s.dtype for s in sigs}) == 1:
        allsig = np.concatenate(sigs)
        ref = ref_lsh.candidate_pairs(allsig, lsh.bands, lsh.rows)
        check([tuple(p) for p in pairs.tolist()] == [tuple(p) for p in ref], "candidate_pairs != reference")


@target("near_duplicates", area="sketch", covers=["seenit.near_duplicates"])
def fuzz_near_duplicates(d: Decoder) -> None:
    """near_duplicates of texts or signatures, with or without a reference set, every verify mode."""
    use_sigs = d.chance(30)
    k = d.small_int(1, 16, wild=3)
    docs = _signatures(d, d.size(8), k) if use_sigs else d.docs(8, 40)
    reference = None
    if d.chance(30):
        reference = _signatures(d, d.size(4), k) if use_sigs else d.docs(4, 40)
    kw = dict(threshold=d.float(0.05, 0.95), verify=d.choice(("signature", "exact", "none")),
              max_bucket=d.small_int(2, 4), ngram=d.small_int(1, 4), unit=d.choice(("word", "char")),
              num_perm=None if use_sigs else d.small_int(1, 24))
    if d.chance(30):
        kw["params"] = (d.small_int(1, 4), d.small_int(1, 4))
    r = thread_invariant(lambda: call(seenit.near_duplicates, docs, reference=reference, **kw))
    n = len(docs)
    if reference is None:
        check(r.labels.shape == (n,) and np.all(r.labels <= np.arange(n)), "labels malformed")
    else:
        check(r.matched.shape == (n,) and r.best.shape == (n,), "reference matches malformed")


# ---------------------------------------------------------------------- _core


@target("core.minhash_text", area="sketch", covers=["_core.minhash_text"])
def fuzz_core_minhash_text(d: Decoder) -> None:
    """_core.minhash_text with raw arguments (codes out of range, inconsistent lower table, non-str items)."""
    docs = d.texts(6, 40) if d.chance(85) else d.maybe_weird([d.text()], 100)
    scheme = d.small_int(0, 3)
    num_perm = d.small_int(1, 16)
    a = b = np.zeros(0, np.uint64)
    if scheme in (2, 3) and 1 <= num_perm <= 16:
        a, b = ref_mh.datasketch_params(num_perm, 1, legacy=scheme == 3)
        if d.chance(10):
            a = a[:-1]
    lk, lo, lb = sketch_minhash._lower_table() if d.bool() else (np.zeros(0, np.uint32), np.zeros(1, np.uint32), np.zeros(0, np.uint8))
    if d.chance(10):
        lo = d.int_array((d.size(4),), 0, 10, np.uint32, bad=20)
    ngram, unit, lower, replace = d.small_int(1, 5), d.small_int(0, 1), d.bool(), d.bool()
    thread_invariant(lambda: call(_core.minhash_text, docs, ngram, unit, lower, scheme, num_perm, 1, a, b, lk, lo, lb, replace))


@target("core.minhash_utf8", area="sketch", covers=["_core.minhash_utf8", "_core.minhash_shingle_hashes_utf8"])
def fuzz_core_minhash_utf8(d: Decoder) -> None:
    """_core.minhash_utf8 / minhash_shingle_hashes_utf8 with ragged UTF-8 (raw bytes, lone
    surrogates as surrogatepass writes them, bad offsets): on texts it accepts, every row it
    does not flag equals minhash_text's row of the decoded text."""
    docs = d.texts(6, 40)
    parts = [t.encode("utf-8", "surrogatepass") for t in docs]
    values: Any = np.frombuffer(b"".join(parts), np.uint8)
    offsets: Any = np.cumsum([0, *map(len, parts)]).astype(np.int64)
    raw = d.chance(15)
    if raw:  # raw bytes (maybe not UTF-8), maybe bad offsets or dtypes
        values = d.mangle(np.frombuffer(d.utf8(), np.uint8))
        offsets = d.offsets(np.asarray(values).size if isinstance(values, np.ndarray) else 0, d.size(4))
    lk, lo, lb = sketch_minhash._lower_table() if d.bool() else (np.zeros(0, np.uint32), np.zeros(1, np.uint32), np.zeros(0, np.uint8))
    scheme, num_perm = d.small_int(0, 1), d.small_int(1, 16)
    z = np.zeros(0, np.uint64)
    ngram, unit, lower, replace = d.small_int(1, 5), d.small_int(0, 1), d.bool(), d.bool()
    got = thread_invariant(lambda: call(_core.minhash_utf8, values, offsets, ngram, unit, lower, scheme, num_perm, 1,
                                        z, z, lk, lo, lb, replace))
    thread_invariant(lambda: call(_core.minhash_shingle_hashes_utf8, values, offsets, ngram, unit, lower, lk, lo, lb,
                                  replace))
    if raw or not isinstance(got, tuple):
        return
    sig, flagged = got
    try:
        want = _core.minhash_text(docs, ngram, unit, lower, scheme, num_perm, 1, z, z, lk, lo, lb, replace)
    except ValueError as e:
        check(False, f"minhash_utf8 took texts minhash_text refuses ({e})")
    keep = np.setdiff1d(np.arange(len(docs)), flagged)
    check(np.array_equal(sig[keep], want[keep]), "minhash_utf8 rows differ from minhash_text of the decoded texts")


@target("core.minhash_tokens", area="sketch", covers=["_core.minhash_tokens"])
def fuzz_core_minhash_tokens(d: Decoder) -> None:
    """_core.minhash_tokens with raw ragged ids, scheme codes and parameter arrays."""
    v, o = d.ragged_ints(0, 2**40, max_segments=6, max_values=40)
    scheme, num_perm = d.small_int(0, 3), d.small_int(1, 16)
    a = b = np.zeros(0, np.uint64)
    if scheme in (2, 3) and 1 <= num_perm <= 16 and d.chance(80):
        a, b = ref_mh.datasketch_params(num_perm, 1, legacy=scheme == 3)
    ngram = d.small_int(1, 5)
    thread_invariant(lambda: call(_core.minhash_tokens, v, o, ngram, scheme, num_perm, 3, a, b))


@target("core.minhash_from_hashes", area="sketch", covers=["_core.minhash_from_hashes"])
def fuzz_core_minhash_from_hashes(d: Decoder) -> None:
    """_core.minhash_from_hashes with raw ragged hashes and scheme codes."""
    v, o = d.ragged_ints(0, 2**63, max_segments=6, max_values=40)
    scheme, num_perm, seed = d.small_int(0, 1), d.small_int(1, 16), d.small_int(0, 9)
    thread_invariant(lambda: call(_core.minhash_from_hashes, v, o, scheme, num_perm, seed))


@target("core.minhash_shingle_hashes_text", area="sketch", covers=["_core.minhash_shingle_hashes_text"])
def fuzz_core_shingle_hashes_text(d: Decoder) -> None:
    """_core.minhash_shingle_hashes_text with raw arguments."""
    docs = d.texts(6, 40) if d.chance(85) else d.maybe_weird([d.text()], 100)
    lk, lo, lb = sketch_minhash._lower_table() if d.bool() else (np.zeros(0, np.uint32), np.zeros(1, np.uint32), np.zeros(0, np.uint8))
    ngram, unit, lower, replace = d.small_int(1, 5), d.small_int(0, 1), d.bool(), d.bool()
    thread_invariant(lambda: call(_core.minhash_shingle_hashes_text, docs, ngram, unit, lower, lk, lo, lb, replace))


@target("core.minhash_shingle_hashes_tokens", area="sketch", covers=["_core.minhash_shingle_hashes_tokens"])
def fuzz_core_shingle_hashes_tokens(d: Decoder) -> None:
    """_core.minhash_shingle_hashes_tokens with raw ragged ids."""
    v, o = d.ragged_ints(0, 2**40, max_segments=6, max_values=40)
    ngram = d.small_int(1, 6)
    thread_invariant(lambda: call(_core.minhash_shingle_hashes_tokens, v, o, ngram))


@target("core.minhash_jaccard_exact_pairs", area="sketch", covers=["_core.minhash_jaccard_exact_pairs"])
def fuzz_core_jaccard_exact_pairs(d: Decoder) -> None:
    """_core.minhash_jaccard_exact_pairs with unsorted sets and out-of-range pairs."""
    v, o = d.ragged_ints(0, 20, max_segments=6, max_values=32)
    n = (len(o) - 1) if hasattr(o, "__len__") else 0
    p = _pairs(d, n)
    thread_invariant(lambda: call(_core.minhash_jaccard_exact_pairs, v, o, p))


@target("core.minhash_hash64", area="sketch", covers=["_core.minhash_hash64"])
def fuzz_core_hash64(d: Decoder) -> None:
    """_core.minhash_hash64 equals the reference hash64 on every byte string."""
    data = d.bytes(d.size(80))
    arg = data if d.chance(95) else d.maybe_weird(data, 100)
    h = call(_core.minhash_hash64, arg)
    if isinstance(arg, bytes):
        check(h == ref_mh.hash64(arg), f"hash64({arg!r}) != reference")


@target("core.minhash_sha1_hash32", area="sketch", covers=["_core.minhash_sha1_hash32"])
def fuzz_core_sha1_hash32(d: Decoder) -> None:
    """_core.minhash_sha1_hash32: SIMD and portable paths agree, and equal hashlib's SHA-1 prefix."""
    data = d.bytes(d.size(200))
    h1 = call(_core.minhash_sha1_hash32, data, True)
    h2 = call(_core.minhash_sha1_hash32, data, False)
    check(h1 == h2 == ref_mh.sha1_hash32(data), f"sha1_hash32({data!r}): simd {h1}, portable {h2}")


@target("core.minhash_split_words", area="sketch", covers=["_core.minhash_split_words"])
def fuzz_core_split_words(d: Decoder) -> None:
    """_core.minhash_split_words: SIMD and scalar scanners agree; ranges ordered and in bounds."""
    data = d.utf8(120)
    w1 = call(_core.minhash_split_words, data, True)
    w2 = call(_core.minhash_split_words, data, False)
    check(w1 == w2, f"split_words({data!r}): simd {w1} != scalar {w2}")
    last = 0
    for s, e in w1:
        check(last <= s < e <= len(data), f"split_words({data!r}) range {(s, e)}")
        last = e


@target("core.minhash_affine32_min", area="sketch", covers=["_core.minhash_affine32_min"])
def fuzz_core_affine32_min(d: Decoder) -> None:
    """_core.minhash_affine32_min: SIMD and portable paths agree."""
    keys = d.int_array((d.size(40),), 0, 2**32 - 1, np.uint32, bad=10, wild=0)
    k = d.size(20)
    a = d.int_array((k,), 0, 2**32 - 1, np.uint32, bad=10, wild=0)
    b = d.int_array((k if d.chance(90) else d.size(20),), 0, 2**32 - 1, np.uint32, bad=10, wild=0)
    r1 = call(_core.minhash_affine32_min, keys, a, b, True)
    r2 = call(_core.minhash_affine32_min, keys, a, b, False)
    check(np.array_equal(r1, r2), "affine32_min: simd != portable")


@target("core.minhash_fast_params", area="sketch", covers=["_core.minhash_fast_params"])
def fuzz_core_fast_params(d: Decoder) -> None:
    """_core.minhash_fast_params equals the reference for small num_perm."""
    num_perm, seed = d.small_int(0, 64), d.small_int(0, 2**32)
    if num_perm > 10**6:
        skip()  # a legitimate allocation of num_perm entries, not a bug
    a, b = call(_core.minhash_fast_params, num_perm, seed)
    ra, rb = ref_mh.fast_params(num_perm, seed)
    check(np.array_equal(a, ra.astype(np.uint32)) and np.array_equal(b, rb.astype(np.uint32)), "fast_params != reference")


@target("core.LSHIndex", area="sketch", covers=["_core.LSHIndex", "_core.LSHIndex.insert", "_core.LSHIndex.query",
                                                 "_core.LSHIndex.buckets"])
def fuzz_core_lsh_index(d: Decoder) -> None:
    """_core.LSHIndex: construction with raw (bands, rows), inserts and queries of any width/dtype, buckets."""
    bands, rows = d.small_int(1, 6), d.small_int(1, 6)
    idx = call(_core.LSHIndex, bands, rows)
    for _ in range(d.int(0, 3)):
        s = _signatures(d, d.size(6), d.pick((bands * rows, bands * rows + 1, max(bands * rows - 1, 0), d.size(12))))
        try:
            idx.insert(s)
        except (ValueError, TypeError) as e:
            check(str(e), "insert raised without a message")
    try:
        q = _signatures(d, d.size(4), bands * rows)
        v, o = idx.query(q)
        check(o.size == np.asarray(q).shape[0] + 1 and (v.size == 0 or v.max() < idx.size), "query result malformed")
    except (ValueError, TypeError) as e:
        check(str(e), "query raised without a message")
    v, o = call(idx.buckets, d.small_int(1, 4))
    check(o[-1] == v.size, "buckets: offsets[-1] != number of values")
    check(0 <= idx.n_empty <= idx.size, f"n_empty {idx.n_empty} vs size {idx.size}")
    check(idx.width >= 0 and idx.bands == bands and idx.rows == rows, "width / bands / rows")


@target("core.lsh_band_keys", area="sketch", covers=["_core.lsh_band_keys"])
def fuzz_core_lsh_band_keys(d: Decoder) -> None:
    """_core.lsh_band_keys with any (bands, rows) against the signature width."""
    bands, rows = d.small_int(0, 8), d.small_int(0, 8)
    k = bands * rows + d.size(3) if d.chance(80) and 0 <= bands * rows <= 64 else d.size(16)
    s = _signatures(d, d.size(6), k)
    keys, empty = thread_invariant(lambda: call(_core.lsh_band_keys, s, bands, rows))
    check(keys.shape == (np.asarray(s).shape[0], bands) and empty.shape == (np.asarray(s).shape[0],), "band_keys shapes")


@target("core.lsh_error_integrals", area="sketch", covers=["_core.lsh_error_integrals"])
def fuzz_core_lsh_error_integrals(d: Decoder) -> None:
    """_core.lsh_error_integrals: finite, non-negative integrals."""
    t = d.float(0.0, 1.0, wild=20)
    bands, rows = d.small_int(1, 64), d.small_int(1, 64)
    if bands * rows > 1 << 20:
        skip()  # the integrals loop over bands * rows; huge counts are slow by design, not a hang
    fp, fn = call(_core.lsh_error_integrals, t, bands, rows)
    check(np.isfinite(fp) and np.isfinite(fn) and fp >= -1e-12 and fn >= -1e-12, f"integrals {fp}, {fn}")


@target("core.lsh_optimal_params", area="sketch", covers=["_core.lsh_optimal_params"])
def fuzz_core_lsh_optimal_params(d: Decoder) -> None:
    """_core.lsh_optimal_params: bands * rows <= num_perm."""
    t = d.float(0.0, 1.0, wild=20)
    num_perm = d.small_int(1, 256)
    fpw, fnw = d.float(0, 1, wild=10), d.float(0, 1, wild=10)
    if num_perm > 8192:
        skip()  # the search is O(num_perm^2) integrals by design
    b, r = call(_core.lsh_optimal_params, t, num_perm, fpw, fnw)
    check(b >= 1 and r >= 1 and b * r <= num_perm, f"optimal params {(b, r)} for num_perm {num_perm}")


@target("core.lsh_group_pairs", area="sketch", covers=["_core.lsh_group_pairs"])
def fuzz_core_lsh_group_pairs(d: Decoder) -> None:
    """_core.lsh_group_pairs: pairs i < j, sorted unique."""
    v, o = d.ragged_ints(-3, 20, max_segments=6, max_values=24, dtype=np.int64)
    p = thread_invariant(lambda: call(_core.lsh_group_pairs, v, o))
    check(p.ndim == 2 and p.shape[1] == 2 and np.all(p[:, 0] < p[:, 1]), "group pairs malformed")


@target("core.signature_pair_similarity", area="sketch", covers=["_core.signature_pair_similarity"])
def fuzz_core_signature_pair_similarity(d: Decoder) -> None:
    """_core.signature_pair_similarity equals the reference for valid pairs; bad pairs are rejected."""
    k = d.size(12)
    a = _signatures(d, d.size(5), k)
    b = _signatures(d, d.size(5), k if d.chance(85) else d.size(12))
    n = min(np.asarray(a).shape[0] if np.ndim(a) else 0, np.asarray(b).shape[0] if np.ndim(b) else 0)
    p = _pairs(d, n)
    r = thread_invariant(lambda: call(_core.signature_pair_similarity, a, b, p))
    ref = ref_lsh.signature_similarity(np.asarray(a), np.asarray(b), np.asarray(p))
    check(r.shape == ref.shape and np.allclose(r, ref, equal_nan=True), "signature_pair_similarity != reference")


@target("core.union_find_labels", area="sketch", covers=["_core.union_find_labels"])
def fuzz_core_union_find(d: Decoder) -> None:
    """_core.union_find_labels equals the reference components."""
    n = d.small_int(0, 12, wild=3)
    if n > 10**6:
        skip()  # a legitimate n-sized allocation
    p = _pairs(d, max(n, 0), 16)
    lab = thread_invariant(lambda: call(_core.union_find_labels, n, p))
    ref = ref_lsh.connected_labels(n, np.asarray(p).tolist())
    check(np.array_equal(lab, ref), f"union_find_labels {lab} != reference {ref}")


# ---------------------------------------------------------------------- out-of-core clustering

_BAND = np.dtype([("band", "<u8"), ("key", "<u8"), ("id", "<i8")])
_EDGE = np.dtype([("i", "<i8"), ("j", "<i8"), ("sim", "<f8")])
_CLUSTER = np.dtype([("id", "<i8"), ("cluster", "<i8"), ("sim", "<f8")])


def _maybe_damage(d: Decoder, path: "object") -> bool:
    """Sometimes truncate or extend a scratch file by a few bytes (what a crash could leave)."""
    from pathlib import Path

    p = Path(str(path))
    if not p.is_file() or not d.chance(10):
        return False
    data = p.read_bytes()
    p.write_bytes(data[: max(0, len(data) - d.int(1, 30))] if d.bool() else data + b"\x07" * d.int(1, 30))
    return True


@target("core.dedup_stages", area="sketch",
        covers=["_core.dedup_write_band_run", "_core.dedup_merge_band_runs", "_core.dedup_bucket_edges",
                "_core.dedup_merge_edge_runs", "_core.dedup_components"])
def fuzz_core_dedup_stages(d: Decoder) -> None:
    """The out-of-core stages chained (runs, merge, verified edges, components) on decoded signatures and
    parameters, sometimes on damaged scratch files: equal to seenit.reference.sketch when intact, and
    otherwise ValueError/TypeError, or OSError for a file that cannot be read."""
    root = d.workdir() / f"ooc-{d.int(0, 1 << 30)}"
    root.mkdir()
    n, k = d.size(24), d.small_int(1, 10, wild=2)
    sig = _signatures(d, n, k)
    bands, rows = d.small_int(1, 4, wild=3), d.small_int(1, 4, wild=3)
    block = max(d.small_int(1, 8, wild=2), 1)
    io = (OSError,)
    runs = []
    if not isinstance(sig, np.ndarray) or sig.ndim != 2:
        call(_core.dedup_write_band_run, sig, 0, bands, rows, str(root / "r.bin"))
        return
    for lo in range(0, max(sig.shape[0], 1), block):
        p = root / f"run-{len(runs)}.bin"
        call(_core.dedup_write_band_run, np.ascontiguousarray(sig[lo:lo + block]), lo, bands, rows, str(p))
        runs.append(str(p))
    damaged = any([_maybe_damage(d, p) for p in runs])
    merged = str(root / "merged.bin")
    call(_core.dedup_merge_band_runs, runs, merged, d.pick((1, 24, 1 << 16)), allowed=io)
    t = d.float(0.05, 1.0, wild=10)
    verify, max_bucket = d.bool(), d.small_int(2, 5, wild=3)
    sig.tofile(root / "sig.bin")
    n_arg = n if d.chance(90) else d.small_int(0, 40)
    damaged |= n_arg != n
    edge_runs = call(_core.dedup_bucket_edges, [merged] if d.bool() else runs, str(root / "sig.bin"), n_arg,
                     sig.shape[1], sig.dtype.itemsize, t, verify, max_bucket, d.pick((1, 48, 4096)),
                     d.pick((1, 240, 1 << 20)), str(root / "edges"), allowed=io)
    damaged |= any([_maybe_damage(d, p) for p in edge_runs])
    call(_core.dedup_merge_edge_runs, edge_runs, str(root / "edges.bin"), d.pick((24, 4096)), allowed=io)
    min_sim = d.float(0.0, 1.0, wild=10)
    count, hist = call(_core.dedup_components, str(root / "edges.bin"), min_sim, n_arg, str(root / "sig.bin"),
                       sig.shape[1], sig.dtype.itemsize, str(root / "c.bin"), d.pick((0, 1 << 20)),
                       str(root / "parents.bin"), 48, 4096, allowed=io)
    if damaged:
        return
    want_edges = ref_lsh.bucket_edges(ref_lsh.bucket_members(sig, bands, rows), sig, t,
                                      "signature" if verify else "none", max_bucket)
    got = np.fromfile(root / "edges.bin", dtype=_EDGE)
    check([(int(e["i"]), int(e["j"])) for e in got] == sorted(want_edges), "dedup edges != reference")
    want = ref_lsh.cluster_records(n, want_edges, sig, min_sim)
    got_c = [(int(r["id"]), int(r["cluster"]), float(r["sim"])) for r in np.fromfile(root / "c.bin", dtype=_CLUSTER)]
    check(got_c == want and count == len(want), "dedup components != reference")


@target("near_duplicates.max_memory", area="sketch", covers=["seenit.near_duplicates"])
def fuzz_near_duplicates_max_memory(d: Decoder) -> None:
    """near_duplicates(max_memory=...): the same result as without it, or a clear error for a bad budget."""
    k = d.small_int(1, 16, wild=3)
    sig = _signatures(d, d.size(40), k)
    budget = d.pick((1, 600_000, 2_000_000, "600K", "1G", "", "12Q", -5, 2.5, True))
    kw = dict(threshold=d.float(0.05, 0.95), verify=d.choice(("signature", "none")), max_bucket=d.small_int(2, 4))
    got = thread_invariant(lambda: call(seenit.near_duplicates, sig, max_memory=budget, **kw))
    want = call(seenit.near_duplicates, sig, **kw)
    check(np.array_equal(got.labels, want.labels) and np.array_equal(got.pairs, want.pairs),
          "out-of-core labels/pairs differ from in memory")


@target("read_clusters", area="sketch", covers=["seenit.read_clusters"])
def fuzz_read_clusters(d: Decoder) -> None:
    """read_clusters of a dedup output set, intact or with one file damaged or edited."""
    import json

    from seenit.sketch.files import dedup_files

    root = d.workdir() / f"rc-{d.int(0, 1 << 30)}"
    root.mkdir()
    docs = [t for t in d.texts(6, 32, min_n=1) if "\n" not in t and "\r" not in t and t.strip()]
    if not docs:
        skip()
    docs = docs + docs[: d.int(0, len(docs))]
    src = root / "in.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in docs), encoding="utf-8")
    try:
        dedup_files([src], root / "k.jsonl", num_perm=16, ngram=1)
    except ValueError:
        skip()
    intact = not d.chance(60) or d.damage(root) == "intact"
    r = call(seenit.read_clusters, root / "k.jsonl", allowed=(OSError,))
    if intact:
        check(r.labels().shape == (len(docs),) and np.all(r.labels() <= np.arange(len(docs))), "labels malformed")
        check(r.removed.size == int(r.summary["removed"]), "removed count != summary")


@target("core.LSHBloom", area="sketch", covers=["_core.LSHBloom", "_core.LSHBloom.process"])
def fuzz_core_lsh_bloom(d: Decoder) -> None:
    """_core.LSHBloom: sizes from any (bands, rows, expected, fp_rate); flags over two blocks equal the
    reference (no false negative; at fp_rate 1e-12 and few rows no false positive)."""
    n, k = d.size(30), d.small_int(1, 12, wild=2)
    sig = _signatures(d, n, k)
    bands, rows = d.small_int(1, 4, wild=3), d.small_int(1, 4, wild=3)
    exact = d.chance(70)
    expected = max(n, 1) if exact else d.small_int(1, 100, wild=5)
    fp = 1e-12 if exact else d.float(0.0, 1.0, wild=10)
    if isinstance(expected, int) and isinstance(fp, float) and 0 < fp < 1 and isinstance(bands, int) and \
            expected * -np.log(fp) / 0.48 * max(bands, 1) > 8 * (1 << 30):
        skip()  # a legitimate filter of more than 1 GiB
    bloom = call(_core.LSHBloom, bands, rows, expected, fp)
    cut = d.int(0, n)
    first = call(bloom.process, sig[:cut] if isinstance(sig, np.ndarray) and sig.ndim == 2 else sig)
    second = call(bloom.process, sig[cut:])
    got = np.concatenate([first, second])
    want = ref_lsh.band_seen_duplicates(np.asarray(sig), bands, rows)
    check(np.all(got[want]), "LSHBloom missed a row that shares a band with an earlier row")
    if exact:
        check(np.array_equal(got, want), "LSHBloom false positive at fp_rate 1e-12")
