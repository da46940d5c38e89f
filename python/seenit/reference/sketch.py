"""Plain-Python specification of the sketch area (MinHash signatures, LSH banding, candidate
pairs, union-find): slow, written to be read, the definition the native kernels are tested
against bit for bit. Each section below opens with the exact semantics it specifies."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

# The permutation parameters are an input, not a kernel: the library draws them as datasketch
# does, and the peer tests check them against datasketch itself.
from ..sketch.minhash import datasketch_params


# ============================================================================
# MinHash
#
# Reference MinHash: plain Python/NumPy, slow, written to be read.
#
# This section is the specification the native kernels (cpp/src/sketch/minhash.cpp,
# cpp/src/sketch/shingles.cpp, cuda/minhash.cu) are tested against, bit for bit.
#
# Shingles
#     unit="word":  the words of ``doc.lower().split()`` (``doc.split()`` without lowercase),
#                   n consecutive words joined by one space;
#     unit="char":  n consecutive code points of ``doc.lower()`` (or ``doc``);
#     unit="token": n consecutive integer ids, as little-endian uint64 bytes.
#     A document with fewer than n units gives one shingle of all of them; an empty
#     (or whitespace-only, for words) document gives no shingles. A shingle's bytes are
#     its UTF-8 encoding (``str.encode("utf-8", errors)``).
#
# Schemes (all signatures of an empty document are 2**32 - 1 in every slot)
#     "fast":        key = hash64(shingle) >> 32, slot i = min (a_i * key + b_i) mod 2**32,
#                    (a_i, b_i) from fast_params(num_perm, seed).
#     "oph":         one-permutation hashing with optimal densification (Shrivastava 2017).
#     "datasketch":  datasketch.MinHash(num_perm, seed) (2.x default "affine32") updated
#                    with each shingle's bytes.
#     "datasketch-legacy": datasketch.MinHash(num_perm, seed, scheme="legacy").
# ============================================================================

M32 = (1 << 32) - 1
M64 = (1 << 64) - 1
MERSENNE61 = (1 << 61) - 1
EMPTY = M32

GOLDEN = 0x9E3779B97F4A7C15
MIX_A = 0xBF58476D1CE4E5B9
MIX_B = 0x94D049BB133111EB
OPH_STREAM = 0x6F70685F6B657931


# ---------------------------------------------------------------- shingles
def shingles(doc: str | Sequence[int], ngram: int = 5, unit: str = "word", lowercase: bool = True,
             errors: str = "strict") -> set[bytes]:
    """The set of shingles of one document, as bytes."""
    if unit == "token":
        ids = [int(t) for t in doc]
        units = [t.to_bytes(8, "little") for t in ids]
        sep = b""
    else:
        text = doc.lower() if lowercase else doc
        if unit == "word":
            units = [w.encode("utf-8", errors) for w in text.split()]
            sep = b" "
        elif unit == "char":
            units = [c.encode("utf-8", errors) for c in text]
            sep = b""
        else:
            raise ValueError(f"unknown unit {unit!r}")
    if not units:
        return set()
    w = min(ngram, len(units))
    return {sep.join(units[i:i + w]) for i in range(len(units) - w + 1)}


# ---------------------------------------------------------------- hashes
def fold_mul(a: int, b: int) -> int:
    r = (a & M64) * (b & M64)
    return (r & M64) ^ (r >> 64)


def fmix64(x: int) -> int:
    x &= M64
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & M64
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & M64
    return x ^ (x >> 33)


def fmix32(x: int) -> int:
    x &= M32
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & M32
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & M32
    return x ^ (x >> 16)


def hash64(data: bytes) -> int:
    """seenit's 64-bit shingle hash (see cpp/include/seenit/hashing.hpp)."""
    n = len(data)
    h = GOLDEN ^ ((n * MIX_A) & M64)
    i = 0
    while i + 16 <= n:
        a = int.from_bytes(data[i:i + 8], "little")
        b = int.from_bytes(data[i + 8:i + 16], "little")
        h = fold_mul(a ^ MIX_A ^ h, b ^ MIX_B)
        i += 16
    rest = data[i:]
    a = int.from_bytes(rest[:8], "little")
    b = int.from_bytes(rest[8:16], "little")
    h = fold_mul(a ^ MIX_A ^ h, b ^ MIX_B)
    return fmix64(h)


def sha1_hash32(data: bytes) -> int:
    """datasketch.hashfunc.sha1_hash32."""
    return int.from_bytes(hashlib.sha1(data).digest()[:4], "little")


def splitmix64_stream(seed: int, count: int) -> list[int]:
    state = seed & M64
    out = []
    for _ in range(count):
        state = (state + GOLDEN) & M64
        z = state
        z = ((z ^ (z >> 30)) * MIX_A) & M64
        z = ((z ^ (z >> 27)) * MIX_B) & M64
        out.append(z ^ (z >> 31))
    return out


def fast_params(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The fast scheme's (a, b): a = high 32 bits | 1, b = low 32 bits of SplitMix64(seed)."""
    zs = splitmix64_stream(seed, num_perm)
    a = np.array([(z >> 32) | 1 for z in zs], dtype=np.uint64)
    b = np.array([z & M32 for z in zs], dtype=np.uint64)
    return a, b


# ---------------------------------------------------------------- signatures
def _affine32_min(keys: list[int], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    sig = np.full(a.size, EMPTY, dtype=np.uint64)
    if keys:
        k = np.array(keys, dtype=np.uint64)
        sig = ((a[:, None] * k[None, :] + b[:, None]) & np.uint64(M32)).min(axis=1)
    return sig.astype(np.uint32)


def _legacy_min(keys: list[int], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    sig = [EMPTY] * a.size
    for i in range(a.size):
        ai, bi = int(a[i]), int(b[i])
        for x in keys:
            v = (((ai * x + bi) & M64) % MERSENNE61) & M32
            sig[i] = min(sig[i], v)
    return np.array(sig, dtype=np.uint64)


def _oph(hashes: list[int], num_perm: int, seed: int) -> np.ndarray:
    bin_key, probe_key = splitmix64_stream(seed ^ OPH_STREAM, 2)
    k = num_perm
    sig = [EMPTY] * k
    filled = [False] * k
    if not hashes:
        return np.array(sig, dtype=np.uint32)
    for h in hashes:
        y = fmix64(h ^ bin_key)
        j = ((y >> 32) * k) >> 32
        v = y & M32
        if not filled[j] or v < sig[j]:
            sig[j], filled[j] = v, True
    dense = list(sig)
    for j in range(k):
        if filled[j]:
            continue
        t = 1
        while True:  # optimal densification: probe bins with a (bin, attempt)-seeded hash
            y = fmix64(probe_key ^ ((j << 32) | t))
            p = ((y >> 32) * k) >> 32
            if filled[p]:
                dense[j] = sig[p]
                break
            t += 1
    return np.array(dense, dtype=np.uint32)


def minhash_one(shingle_set: set[bytes], num_perm: int = 128, seed: int = 1, scheme: str = "fast") -> np.ndarray:
    """The signature of one shingle set."""
    if scheme == "fast":
        a, b = fast_params(num_perm, seed)
        return _affine32_min([hash64(s) >> 32 for s in shingle_set], a, b)
    if scheme == "oph":
        return _oph([hash64(s) for s in shingle_set], num_perm, seed)
    if scheme == "datasketch":
        a, b = datasketch_params(num_perm, seed, legacy=False)
        return _affine32_min([fmix32(sha1_hash32(s)) for s in shingle_set], a, b)
    if scheme == "datasketch-legacy":
        a, b = datasketch_params(num_perm, seed, legacy=True)
        return _legacy_min([sha1_hash32(s) for s in shingle_set], a, b)
    raise ValueError(f"unknown scheme {scheme!r}")


def minhash(docs: Sequence, *, num_perm: int = 128, ngram: int = 5, unit: str = "word", seed: int = 1,
            scheme: str = "fast", lowercase: bool = True, errors: str = "strict") -> np.ndarray:
    """Signatures of documents (str, or sequences of int ids with unit="token")."""
    dtype = np.uint64 if scheme == "datasketch-legacy" else np.uint32
    out = np.empty((len(docs), num_perm), dtype=dtype)
    for i, d in enumerate(docs):
        out[i] = minhash_one(shingles(d, ngram, unit, lowercase, errors), num_perm, seed, scheme)
    return out


def shingle_hashes(docs: Sequence, *, ngram: int = 5, unit: str = "word", lowercase: bool = True,
                   errors: str = "strict") -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique hash64 of each document's shingles, as (values uint64, offsets int64)."""
    rows = [sorted({hash64(s) for s in shingles(d, ngram, unit, lowercase, errors)}) for d in docs]
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(r) for r in rows])
    values = np.array([h for r in rows for h in r], dtype=np.uint64)
    return values, offsets


# ---------------------------------------------------------------- similarity
def jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Fraction of equal slots; 0.0 when either signature is empty (all slots 2**32 - 1)."""
    a, b = np.asarray(sig_a), np.asarray(sig_b)
    if (a == EMPTY).all() or (b == EMPTY).all():
        return 0.0
    return float(np.count_nonzero(a == b)) / a.size


def jaccard_sets(x: set, y: set) -> float:
    """|x & y| / |x | y|; 0.0 when both are empty."""
    union = len(x | y)
    return len(x & y) / union if union else 0.0


def jaccard_exact(doc_a, doc_b, *, ngram: int = 5, unit: str = "word", lowercase: bool = True) -> float:
    return jaccard_sets(shingles(doc_a, ngram, unit, lowercase), shingles(doc_b, ngram, unit, lowercase))


# ============================================================================
# LSH banding, candidate pairs, union-find
#
# Plain-Python specification of LSH banding, bucket grouping, candidate pairs,
# signature similarity and union-find labelling (slow, obviously correct).
#
# Buckets are formed from the band *values* themselves (tuples), not from hashes,
# so the native kernels' 64-bit band keys are checked against the definition.
# ============================================================================

def is_empty(row: np.ndarray) -> bool:
    """The empty signature: every slot at the dtype maximum."""
    return bool(row.size) and bool((row == np.iinfo(row.dtype).max).all())


def band_buckets(signatures: np.ndarray, bands: int, rows: int) -> list[set[frozenset[int]]]:
    """Per band, the set of buckets (as frozensets of row ids) with >= 2 members."""
    out = []
    for b in range(bands):
        groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for i, row in enumerate(signatures):
            if is_empty(row):
                continue
            groups[tuple(int(v) for v in row[b * rows : (b + 1) * rows])].append(i)
        out.append({frozenset(g) for g in groups.values() if len(g) >= 2})
    return out


def candidate_pairs(signatures: np.ndarray, bands: int, rows: int) -> list[tuple[int, int]]:
    """Sorted (i, j), i < j, for every two rows that agree on all slots of some band."""
    pairs = set()
    n = len(signatures)
    for i in range(n):
        for j in range(i + 1, n):
            if is_empty(signatures[i]) or is_empty(signatures[j]):
                continue
            for b in range(bands):
                sl = slice(b * rows, (b + 1) * rows)
                if np.array_equal(signatures[i, sl], signatures[j, sl]):
                    pairs.add((i, j))
                    break
    return sorted(pairs)


def query(index: np.ndarray, queries: np.ndarray, bands: int, rows: int) -> list[list[int]]:
    """For each query row, the sorted ids of index rows sharing a band with it."""
    out = []
    for q in queries:
        hits = set()
        if not is_empty(q):
            for i, row in enumerate(index):
                if is_empty(row):
                    continue
                if any(np.array_equal(q[b * rows : (b + 1) * rows], row[b * rows : (b + 1) * rows]) for b in range(bands)):
                    hits.add(i)
        out.append(sorted(hits))
    return out


def signature_similarity(a: np.ndarray, b: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Fraction of equal slots between a[i] and b[j] for each (i, j) in pairs."""
    return np.array([float(np.mean(a[i] == b[j])) for i, j in pairs], dtype=np.float64)


def connected_labels(n: int, pairs) -> np.ndarray:
    """Per node, the smallest node of its connected component (graph search)."""
    adj: dict[int, list[int]] = defaultdict(list)
    for i, j in pairs:
        adj[int(i)].append(int(j))
        adj[int(j)].append(int(i))
    labels = np.full(n, -1, dtype=np.int64)
    for start in range(n):
        if labels[start] >= 0:
            continue
        stack, comp = [start], []
        labels[start] = start
        while stack:
            u = stack.pop()
            comp.append(u)
            for v in adj[u]:
                if labels[v] < 0:
                    labels[v] = start
                    stack.append(v)
    return labels


def near_duplicate_labels(signatures: np.ndarray, bands: int, rows: int, threshold: float) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Cluster labels from LSH candidates whose estimated Jaccard >= threshold."""
    cands = candidate_pairs(signatures, bands, rows)
    kept = [(i, j) for i, j in cands if float(np.mean(signatures[i] == signatures[j])) >= threshold]
    return connected_labels(len(signatures), kept), kept


# ============================================================================
# Out-of-core clustering (cpp/src/sketch/dedup_ooc.cpp): the same edges and clusters, spelled plainly
# ============================================================================

def bucket_members(signatures: np.ndarray, bands: int, rows: int) -> list[list[int]]:
    """Every bucket with >= 2 members, band by band, members ascending (the order of the
    band values does not matter: the core orders buckets by a hash of them)."""
    out = []
    for groups in band_buckets(signatures, bands, rows):
        out.extend(sorted(sorted(g) for g in groups))
    return out


def bucket_edges(buckets: list[list[int]], signatures: np.ndarray, threshold: float, verify: str,
                 max_bucket: int) -> dict[tuple[int, int], float]:
    """{(i, j): estimated Jaccard} of the verified edges of the buckets: every pair of a bucket of
    at most max_bucket members; in a larger one the first member is a center, each other member is
    verified against it, and the members that fail form the next bucket."""
    def ok(i: int, j: int) -> tuple[bool, float]:
        s = float(np.count_nonzero(signatures[i] == signatures[j])) / signatures.shape[1]
        return verify == "none" or s >= threshold, s

    edges: dict[tuple[int, int], float] = {}
    for members in buckets:
        m = list(members)
        while len(m) >= 2:
            if len(m) <= max_bucket:
                for x in range(len(m)):
                    for y in range(x + 1, len(m)):
                        good, s = ok(m[x], m[y])
                        if good:
                            edges[(m[x], m[y])] = s
                break
            rest = []
            for o in m[1:]:
                good, s = ok(m[0], o)
                if good:
                    edges[(m[0], o)] = s
                else:
                    rest.append(o)
            m = rest
    return edges


def cluster_records(n: int, edges: dict[tuple[int, int], float], signatures: np.ndarray,
                    min_sim: float = 0.0) -> list[tuple[int, int, float]]:
    """(id, cluster, similarity to the cluster's smallest member) for every document of a
    component of >= 2 documents under the edges with similarity >= min_sim, ascending id."""
    labels = connected_labels(n, [p for p, s in edges.items() if s >= min_sim])
    sizes = np.bincount(labels, minlength=n) if n else np.zeros(0, np.int64)
    out = []
    for i in range(n):
        c = int(labels[i])
        if sizes[c] >= 2:
            out.append((i, c, float(np.count_nonzero(signatures[c] == signatures[i])) / signatures.shape[1]))
    return out


def band_seen_duplicates(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """LSH-Bloom without false positives: True for a row that shares a band's values with an earlier
    non-empty row (what seenit.sketch.bloom reports, plus its filters' false positives)."""
    seen: list[set[tuple[int, ...]]] = [set() for _ in range(bands)]
    out = np.zeros(len(signatures), dtype=bool)
    for i, row in enumerate(signatures):
        if is_empty(row):
            continue
        keys = [tuple(int(v) for v in row[b * rows:(b + 1) * rows]) for b in range(bands)]
        out[i] = any(k in seen[b] for b, k in enumerate(keys))
        for b, k in enumerate(keys):
            seen[b].add(k)
    return out
