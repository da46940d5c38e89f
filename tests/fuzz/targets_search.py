"""Targets: exact top-k, range pairs, causal max, k-means, SemDeDup, nearest_training, familiarity."""

from __future__ import annotations

import zlib

import numpy as np

import seenit
from seenit import _core
from seenit.reference import search as ref_search

from . import call, check, known, skip, target, thread_invariant
from .decode import Decoder

METRICS = ("ip", "cosine", "l2")
DB_DTYPES = (np.float32, np.float32, np.float16, np.int8, np.uint16, np.float64)


def _as_f64(a: object) -> np.ndarray | None:
    """``a`` as float64 values for the steering checks, or None when it is not a real numeric array."""
    try:
        x = np.asarray(a)
    except (TypeError, ValueError):
        return None
    if x.dtype.kind not in "fiub":
        return None
    return x.astype(np.float64)


def _extreme(*arrays: object) -> bool:
    """Finite values so tiny or huge that int8 quantisation misbehaves (known issue topk-int8-extreme)."""
    for a in arrays:
        x = _as_f64(a)
        if x is None:
            continue
        with np.errstate(all="ignore"):
            ax = np.abs(x[np.isfinite(x)])
        if ax.size and (((ax > 0) & (ax < 1e-15)).any() or (ax > 1e15).any()):
            return True
    return False


def _f32_overflow(*arrays: object) -> bool:
    """float64 (or wider) values beyond float32's range (known issue float32-cast-overflow)."""
    for a in arrays:
        x = _as_f64(a)
        if x is None:
            continue
        with np.errstate(all="ignore"):
            if (np.abs(x[np.isfinite(x)]) > 3.4028234663852886e38).any():
                return True
    return False


def _matrix(d: Decoder, n: int, dim: int, dtype: object = np.float32, bad: int = 20) -> object:
    if dtype in (np.int8, np.uint16):
        lo, hi = (-128, 127) if dtype == np.int8 else (0, 0x7F7F)
        return d.int_array((n, dim), lo, hi, dtype, bad=bad, wild=0)
    return d.array((n, dim), dtype, bad=bad)


def _moderate(*arrays: object) -> bool:
    for a in arrays:
        if not isinstance(a, np.ndarray) or a.dtype.kind != "f" or not np.isfinite(a).all():
            return False
        ax = np.abs(a.astype(np.float64))
        if ax.size and (ax.max() > 1e3 or ((ax > 0) & (ax < 1e-3)).any()):
            return False
    return True


@target("topk", area="search", covers=["seenit.topk"])
def fuzz_topk(d: Decoder) -> None:
    """topk: shapes, ids in range, best first; int8 and float32 first passes identical; scores equal the
    reference (float64) for moderate float inputs."""
    dim = d.size(8, 1)
    q = _matrix(d, d.size(5), dim if d.chance(90) else d.size(8))
    db = _matrix(d, d.size(10), dim, d.pick(DB_DTYPES))
    k, metric = d.small_int(1, 12), d.choice(METRICS)
    fp = d.choice(("auto", "float32", "int8"))
    if known("float32-cast-overflow") and _f32_overflow(q, db):
        skip()
    s, i = thread_invariant(lambda: call(seenit.topk, q, db, k, metric=metric, first_pass=fp))
    qn, n = np.atleast_2d(np.asarray(q)).shape[0], np.asarray(db).shape[0]
    check(s.shape == i.shape == (qn, min(k, n)) and s.dtype == np.float32, f"topk shapes {s.shape} {i.shape}")
    check(np.all((i >= 0) & (i < n)), "topk ids out of range")
    if fp != "int8":
        s8, i8 = call(seenit.topk, q, db, k, metric=metric, first_pass="int8")
        check(np.array_equal(s, s8) and np.array_equal(i, i8), "topk: int8 first pass differs from float32")
    if _moderate(q, db) and isinstance(db, np.ndarray) and db.dtype == np.float32:
        rs, _ = ref_search.topk(np.atleast_2d(q), db, k, metric=metric)
        check(np.allclose(s, rs, rtol=1e-4, atol=1e-3), f"topk scores differ from the reference: {s} vs {rs}")


@target("range_pairs", area="search", covers=["seenit.range_pairs"])
def fuzz_range_pairs(d: Decoder) -> None:
    """range_pairs within x or between x and y: pairs sorted, i < j without y, scores past the threshold."""
    dim = d.size(6, 1)
    x = _matrix(d, d.size(8), dim)
    y = _matrix(d, d.size(8), dim if d.chance(90) else d.size(6), d.pick(DB_DTYPES)) if d.bool() else None
    metric, thr = d.choice(METRICS), d.float(-2, 2)
    if known("float32-cast-overflow") and _f32_overflow(x, y):
        skip()
    i, j, s = thread_invariant(lambda: call(seenit.range_pairs, x, thr, metric=metric, y=y))
    check(i.shape == j.shape == s.shape, "range_pairs shapes")
    if y is None:
        check(np.all(i < j), "range_pairs without y: i < j")
    s64 = s.astype(np.float64)
    if known("range-pairs-threshold-float32") and isinstance(thr, float):
        with np.errstate(all="ignore"):
            thr = float(np.float32(thr))  # the comparison the kernel makes
    check(np.all(s64 <= thr) if metric == "l2" else np.all(s64 >= thr), "a pair on the wrong side of the threshold")


@target("nearest_training", area="search", covers=["seenit.nearest_training"])
def fuzz_nearest_training(d: Decoder) -> None:
    """nearest_training: k nearest rows and a histogram of top-1 scores."""
    dim = d.size(6, 1)
    test, train = _matrix(d, d.size(5), dim), _matrix(d, d.size(8), dim, d.pick(DB_DTYPES))
    metric = d.choice(METRICS)
    if known("float32-cast-overflow") and _f32_overflow(test, train):
        skip()
    bins = d.small_int(1, 8)
    r = call(seenit.nearest_training, test, train, d.small_int(1, 6), metric=metric, bins=bins)
    check(r.histogram.sum() == r.scores.shape[0], "histogram does not count every test item")


@target("kmeans", area="search", covers=["seenit.kmeans"])
def fuzz_kmeans(d: Decoder) -> None:
    """kmeans: labels in range, deterministic for a seed and any thread count."""
    x = _matrix(d, d.size(16, 1), d.size(5, 1))
    metric = d.choice(("cosine", "l2"))
    kw = dict(iters=d.small_int(1, 6), seed=d.small_int(0, 9), metric=metric, init=d.choice(("auto", "k-means++", "k-means||")))
    nc = d.small_int(1, 6)
    if known("float32-cast-overflow") and _f32_overflow(x):
        skip()
    r = thread_invariant(lambda: call(seenit.kmeans, x, nc, **kw))
    n = np.atleast_2d(np.asarray(x)).shape[0]
    check(r.labels.shape == (n,) and np.all((r.labels >= 0) & (r.labels < nc)), "kmeans labels")
    check(r.centroids.shape[0] == nc and np.isfinite(r.inertia), f"kmeans centroids / inertia {r.inertia}")


@target("semdedup", area="search", covers=["seenit.semdedup"])
def fuzz_semdedup(d: Decoder) -> None:
    """semdedup: one keep flag per row, duplicate_of earlier rows of the same cluster."""
    x = _matrix(d, d.size(16, 1), d.size(5, 1))
    if d.chance(30) and isinstance(x, np.ndarray) and x.ndim == 2 and x.shape[0] > 1 and x.flags.writeable:
        x[1:: 2] = x[0]  # exact duplicates
    eps = d.float(0, 0.5) if d.chance(70) else [d.float(0, 2) for _ in range(d.size(3))]
    kw = dict(n_clusters=d.small_int(1, 4), eps=eps, keep=d.choice(("hard", "easy", "random")), seed=d.small_int(0, 5),
              iters=d.small_int(1, 5))
    if known("float32-cast-overflow") and _f32_overflow(x):
        skip()
    r = thread_invariant(lambda: call(seenit.semdedup, x, **kw))
    n = np.asarray(x).shape[0]
    check(r.keep.shape == (n,) and r.duplicate_of.shape == (n,), "semdedup shapes")
    dup = r.duplicate_of
    check(np.all((dup == -1) | ((dup >= 0) & (dup < n))), "duplicate_of out of range")
    check(np.all(r.keep == (dup == -1)), "keep disagrees with duplicate_of")


def _embed(d: Decoder):
    dim = d.size(6, 1)
    mode = d.int(0, 9)

    def fn(texts):
        out = np.zeros((len(texts), dim), np.float32)
        for r, t in enumerate(texts):
            h = zlib.crc32(t.encode("utf-8", "surrogatepass"))
            out[r] = np.random.default_rng(h).standard_normal(dim)
        if mode == 0:
            out[:] = 0.0  # zero vectors
        elif mode == 1 and out.size:
            out[0, 0] = np.nan
        elif mode == 2:
            return out[:, :-1] if len(texts) % 2 else out  # inconsistent dimension
        elif mode == 3:
            return out.tolist()
        return out

    return fn


@target("familiarity", area="search", covers=["seenit.familiarity"])
def fuzz_familiarity(d: Decoder) -> None:
    """familiarity of label lists / counts with a callable embedder (zero rows, NaN, wrong dims)."""
    train = d.texts(8, 12, min_n=0)
    if d.chance(30):
        train = {t: d.small_int(0, 5) for t in train}
    ev = d.texts(5, 12) if d.chance(90) else d.maybe_weird([], 100)
    k = d.small_int(1, 20)
    r = call(seenit.familiarity, train, ev, embed=_embed(d), k=k, weighting=d.choice(("zipf", "linear", "unweighted")))
    check(set(r.per_label) == set(ev), "one value per distinct eval label")
    check(all(np.isfinite(v) for v in r.per_label.values()), f"non-finite familiarity {r.per_label}")


# ---------------------------------------------------------------------- _core


@target("core.topk_search", area="search", covers=["_core.topk_search"])
def fuzz_core_topk_search(d: Decoder) -> None:
    """_core.topk_search with raw arrays (unchecked rows, any layout), metric and first-pass strings."""
    dim = d.size(8, 1)
    q = _matrix(d, d.size(5), dim, bad=15)
    db = _matrix(d, d.size(10), dim if d.chance(90) else d.size(8), d.pick(DB_DTYPES), bad=15)
    k = d.small_int(1, 12)
    metric, fp = d.choice(METRICS), d.choice(("float32", "int8"))
    s, i, _ = thread_invariant(lambda: call(_core.topk_search, q, db, k, metric, fp))
    check(s.shape == i.shape, "topk_search shapes")


def _finite(*arrays: object) -> bool:
    for a in arrays:
        x = _as_f64(a)
        if x is None:
            continue
        if not np.isfinite(x).all():
            return False
    return True


@target("core.range_pairs", area="search", covers=["_core.range_pairs"])
def fuzz_core_range_pairs(d: Decoder) -> None:
    """_core.range_pairs with raw arrays (y None or any array)."""
    dim = d.size(6, 1)
    x = _matrix(d, d.size(8), dim, bad=15)
    y = _matrix(d, d.size(8), dim, d.pick(DB_DTYPES), bad=15) if d.bool() else None
    thr = d.float(-2, 2)
    metric = d.choice(METRICS)
    thread_invariant(lambda: call(_core.range_pairs, x, y, thr, metric))


@target("core.causal_max", area="search", covers=["_core.causal_max"])
def fuzz_core_causal_max(d: Decoder) -> None:
    """_core.causal_max equals the reference on moderate inputs."""
    x = _matrix(d, d.size(10), d.size(5, 1), bad=15)
    metric = d.choice(METRICS)
    best, arg = thread_invariant(lambda: call(_core.causal_max, x, metric))
    if _moderate(x) and x.ndim == 2 and x.shape[0]:
        rb, ra = ref_search.causal_max(x, metric)
        check(np.allclose(best, rb, rtol=1e-4, atol=1e-3), "causal_max scores differ from the reference")


@target("core.check_rows", area="search", covers=["_core.check_rows"])
def fuzz_core_check_rows(d: Decoder) -> None:
    """_core.check_rows raises ValueError exactly when a row holds NaN/inf."""
    x = _matrix(d, d.size(8), d.size(6), d.pick(DB_DTYPES), bad=15)
    name = d.pick(("database", "", "x" * 50))
    ok = True
    try:
        _core.check_rows(x, name)
    except ValueError as e:
        check(str(e), "check_rows without a message")
        ok = False
    except TypeError as e:
        check(str(e), "check_rows without a message")
        return
    if isinstance(x, np.ndarray) and x.dtype in (np.float32, np.float16) and ok:
        check(np.isfinite(x).all(), "check_rows accepted a row with NaN/inf")


@target("core.kmeans", area="search", covers=["_core.kmeans"])
def fuzz_core_kmeans(d: Decoder) -> None:
    """_core.kmeans with raw arguments (n_clusters beyond n, zero iterations, unknown strings)."""
    x = _matrix(d, d.size(12), d.size(5, 1), bad=15)
    metric = d.choice(("cosine", "l2"))
    nc, iters, seed = d.small_int(1, 6), d.small_int(0, 4), d.small_int(0, 9)
    if nc > 4096 or iters > 1000:
        skip()  # work (and memory) proportional to n_clusters / iters by design
    init = d.choice(("auto", "k-means++", "k-means||"))
    thread_invariant(lambda: call(_core.kmeans, x, nc, iters, seed, metric, init))


@target("core.kmeans_seed", area="search", covers=["_core.kmeans_seed"])
def fuzz_core_kmeans_seed(d: Decoder) -> None:
    """_core.kmeans_seed with raw arguments."""
    x = _matrix(d, d.size(12), d.size(5, 1), bad=15)
    metric = d.choice(("cosine", "l2"))
    nc, seed = d.small_int(1, 6), d.small_int(0, 9)
    if nc > 4096:
        skip()
    init = d.choice(("auto", "k-means++", "k-means||"))
    centres, _, _, _ = thread_invariant(lambda: call(_core.kmeans_seed, x, nc, seed, metric, init))
    n = np.asarray(x).shape[0]
    check(np.all((centres >= 0) & (centres < n)), "kmeans_seed centre ids out of range")
