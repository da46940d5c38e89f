"""Exact similarity search over embedding matrices: top-k neighbours, all pairs above
a threshold, and k-means. The work happens in the C++ core (cpp/src/search/:
topk*.cpp, range_pairs.cpp, kmeans.cpp); this module checks inputs and converts small ones.

The float32 answer is defined exactly (see cpp/include/seenit/topk.hpp): every path
returns the same bits for the same inputs, ranks by score (ties: smaller id first),
and does not depend on the thread count. Scores agree with a float64 computation to
float32 rounding (a few ulp times the vector norms), so ids can differ from other
libraries only between rows whose scores are that close.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .. import _core
from .._validate import INT32_MAX, INT64_MAX, check_choice, check_float, check_int

Metric = Literal["ip", "cosine", "l2"]
METRICS = ("ip", "cosine", "l2")
_DB_DTYPES = (np.float32, np.float16, np.uint16, np.int8)


def _to_float32(x: np.ndarray, name: str) -> np.ndarray:
    """Small inputs (queries) as float32: bfloat16 bits given as uint16 are widened."""
    if x.dtype == np.uint16:
        return (x.astype(np.uint32) << 16).view(np.float32)
    if x.dtype.kind not in "fi" or x.dtype.kind == "c":
        raise TypeError(f"{name} must be a float32/float16/float64, int8 or uint16 (bfloat16 bits) array, got {x.dtype}")
    return np.ascontiguousarray(x, dtype=np.float32)


def as_queries(x: Any, name: str = "queries") -> np.ndarray:
    """A C-contiguous float32 (n, d) array of finite values; a 1-D array is one query."""
    arr = np.asarray(x)
    if arr.dtype == object or arr.dtype.kind not in "fiu" or arr.dtype.kind == "u" and arr.dtype != np.uint16:
        raise TypeError(f"{name} must be a numeric array (float32/float16/float64, int8, or uint16 holding bfloat16), got {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n, d), got shape {arr.shape}")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} must have dimension d >= 1, got shape {arr.shape}")
    out = _to_float32(arr, name)
    if out.size and not np.isfinite(out).all():
        bad = int(np.argwhere(~np.isfinite(out))[0, 0])
        raise ValueError(f"{name} row {bad} contains NaN or inf")
    return out


def as_database(x: Any, name: str = "database") -> np.ndarray:
    """A 2-D C-contiguous database in float32, float16, uint16 (bfloat16 bits) or int8.

    Arrays already in one of those dtypes (including ``np.memmap``) pass through without
    a copy; float64 and other real arrays are converted to float32 (one copy).

    NaN/inf (and rows whose squared norm overflows float32) raise ValueError naming the
    first such row *before any search work*: a multi-threaded C++ pass reads the rows once
    (memory-bound; 0.19 CPU s for 1M x 384 float32, 2-5% of a 1,000-query search,
    bench/HISTORY.md ## search). A memory map larger than half the machine's RAM is not
    pre-read (that would read it from disk twice): the scan checks each block before
    scoring it and raises the same ValueError, and since results are only returned when
    the scan completes, no partial result escapes.
    """
    arr = x if isinstance(x, np.ndarray) else np.asarray(x)
    if arr.dtype == object or arr.dtype.kind not in "fiu" or arr.dtype.kind == "c":
        raise TypeError(f"{name} must be a numeric array (float32/float16, int8, or uint16 holding bfloat16), got {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n, d), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: it needs at least one row")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} must have dimension d >= 1, got shape {arr.shape}")
    if arr.dtype not in _DB_DTYPES:
        if arr.dtype.kind in "iu":
            raise TypeError(f"{name} must be float32/float16, int8, or uint16 holding bfloat16; got {arr.dtype}")
        arr = np.ascontiguousarray(arr, dtype=np.float32)
    elif not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
    if not _is_large_memmap(arr):
        _core.check_rows(arr, name)
    return arr


def _is_large_memmap(arr: np.ndarray) -> bool:
    """True for an array backed by a memory map larger than half of physical RAM."""
    import mmap

    base: Any = arr
    while base is not None and not isinstance(base, (np.memmap, mmap.mmap)):
        base = getattr(base, "base", None)
    if base is None:
        return False
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX: assume it fits
        return False
    return arr.nbytes > ram // 2


def _first_pass(first_pass: str, metric: str, nq: int) -> str:
    check_choice(first_pass, "first_pass", ("auto", "float32", "int8"))
    if first_pass != "auto":
        return first_pass
    # Both passes return identical results. With AVX-512 VNNI (and more so AMX-INT8) the int8
    # pass scans several times faster than the float32 kernel; its fixed cost, quantising
    # every database row once (~0.25 CPU s per million rows of d = 384), is repaid from a few
    # dozen queries (crossover measured at 16-32 queries, 400k rows; bench/HISTORY.md, ## search).
    # On AVX2-only CPUs it measured no faster, so "auto" keeps float32 there.
    if nq >= 32 and _core.cpu_features().get("avx512vnni", False):
        return "int8"
    return "float32"


def topk(
    queries: npt.ArrayLike,
    database: npt.ArrayLike,
    k: int = 10,
    *,
    metric: Metric = "ip",
    device: str = "cpu",
    first_pass: Literal["auto", "float32", "int8"] = "auto",
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Exact k nearest database rows of every query: ``(scores, ids)``, best first.

    Args:
        queries: (nq, d) array (a 1-D array is one query).
        database: (n, d) float32, float16, int8 or uint16 (bfloat16 bits) array; may be
            an ``np.memmap`` larger than memory: it is read once, block by block.
        k: neighbours per query; ``min(k, n)`` columns are returned.
        metric: ``"ip"`` (inner product), ``"cosine"`` (zero vectors score 0 against
            everything) or ``"l2"`` (squared Euclidean distance, smallest first).
        device: ``"cpu"`` or ``"cuda"`` (CuPy GEMM plus seenit's selection kernel).
        first_pass: ``"int8"`` finds candidates with quantised dot products and a proven
            error bound, then re-scores them exactly; ``"float32"`` scores every pair.
            Both return identical results; ``"auto"`` picks the one measured faster on
            this CPU class (int8 with AVX-512 VNNI from 32 queries, else float32).

    Returns:
        scores (nq, k') float32 (distances for l2) and ids (nq, k') int64, k' = min(k, n),
        ordered best first with ties broken by the smaller id.
    """
    check_choice(metric, "metric", METRICS)
    from ..gpu import check_device

    check_device(device)
    k = check_int(k, "k", lo=1, hi=INT64_MAX)
    q = as_queries(queries)
    db = as_database(database)
    if q.shape[1] != db.shape[1]:
        raise ValueError(f"queries have dimension {q.shape[1]} but database rows have dimension {db.shape[1]}")
    fp = _first_pass(first_pass, metric, q.shape[0])
    if device == "cuda":
        from ._cuda import topk_cuda

        return topk_cuda(q, db, k, metric)
    scores, ids, _ = _core.topk_search(q, db, k, metric, fp)
    return scores, ids


def range_pairs(
    x: npt.ArrayLike,
    threshold: float,
    *,
    metric: Metric = "cosine",
    y: npt.ArrayLike | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Every pair with score >= ``threshold`` (l2: squared distance <= ``threshold``).

    Without ``y`` the pairs are ``i < j`` inside ``x``; with ``y`` they are ``i`` in ``x``,
    ``j`` in ``y`` (``y`` may be a memmap; it is streamed in blocks). Memory holds one
    block of ``y`` and the pairs found, never an n x n matrix.

    Returns ``(i, j, score)`` sorted by ``(i, j)``; scores are exactly those ``topk`` gives.
    """
    check_choice(metric, "metric", METRICS)
    check_float(threshold, "threshold")
    xq = as_queries(x, "x")
    yd = None
    if y is not None:
        yd = as_database(y, "y")
        if yd.shape[1] != xq.shape[1]:
            raise ValueError(f"x has dimension {xq.shape[1]} but y has dimension {yd.shape[1]}")
    i, j, sc = _core.range_pairs(xq, yd, float(threshold), metric)
    return i, j, sc


def causal_max(x: npt.ArrayLike, *, metric: Metric = "cosine") -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """For each row ``j``: the best score against an earlier row ``i < j`` and that ``i``
    (ties: smaller ``i``). Row 0 gets ``-inf`` (``+inf`` for l2) and ``-1``."""
    check_choice(metric, "metric", METRICS)
    xq = as_queries(x, "x")
    return _core.causal_max(xq, metric)


@dataclass(frozen=True)
class KMeans:
    """Result of :func:`kmeans`."""

    centroids: npt.NDArray[np.float32]  # (n_clusters, d); unit norm for cosine
    labels: npt.NDArray[np.int64]  # (n,)
    scores: npt.NDArray[np.float32]  # cosine to / squared distance from the own centroid
    inertia: float  # sum of squared distances (l2) or of 1 - cosine
    iterations: int
    init: str = "k-means++"  # the seeding used: "k-means++" or "k-means||"


def kmeans(
    x: npt.ArrayLike,
    n_clusters: int,
    *,
    iters: int = 20,
    seed: int = 0,
    metric: Literal["cosine", "l2"] = "cosine",
    init: Literal["auto", "k-means++", "k-means||"] = "auto",
) -> KMeans:
    """k-means (Lloyd); deterministic for a seed (and any thread count).

    ``metric="cosine"`` is spherical k-means (rows normalised, unit centroids); assignments
    use the exact top-1 kernel. Stops early when no label changes.

    ``init``: "k-means++" (Arthur & Vassilvitskii 2007) makes ``n_clusters`` sequential
    passes over all rows; "k-means||" (Bahmani et al. 2012, "Scalable K-Means++") makes 2
    passes, each against ~2 * n_clusters newly sampled candidates through the blocked
    kernel, then reduces the weighted candidates with k-means++. "auto" picks k-means||
    when ``n_clusters >= 64``, ``n_rows >= 20 * n_clusters`` and ``n_rows * n_clusters
    >= 1e7``, else k-means++ (the two seedings give different, similarly good,
    clusterings; ``KMeans.init`` says which ran).
    """
    check_choice(metric, "metric", ("cosine", "l2"))
    check_choice(init, "init", ("auto", "k-means++", "k-means||"))
    xq = as_queries(x, "x")
    n_clusters = check_int(n_clusters, "n_clusters", lo=1, hi=xq.shape[0])
    iters = check_int(iters, "iters", lo=1, hi=INT32_MAX)
    seed = check_int(seed, "seed", lo=0, hi=2**64 - 1)
    c, lab, sc, inertia, it, used = _core.kmeans(xq, n_clusters, iters, seed, metric, init)
    return KMeans(c, lab, sc, float(inertia), int(it), str(used))


@dataclass(frozen=True)
class NearestTraining:
    """Result of :func:`nearest_training`."""

    scores: npt.NDArray[np.float32]  # (n_test, k) best first
    ids: npt.NDArray[np.int64]  # (n_test, k) training row ids
    histogram: npt.NDArray[np.int64]  # counts of each test item's top-1 score per bin
    bin_edges: npt.NDArray[np.float64]

    def above(self, threshold: float) -> npt.NDArray[np.int64]:
        """Test items whose nearest training item scores >= threshold (likely paraphrased leaks)."""
        return np.flatnonzero(self.scores[:, 0] >= threshold)


def nearest_training(
    test_embeddings: npt.ArrayLike,
    train_embeddings: npt.ArrayLike,
    k: int = 5,
    *,
    metric: Metric = "cosine",
    bins: int = 20,
    device: str = "cpu",
) -> NearestTraining:
    """The k nearest training examples of every test item, plus a histogram of each test
    item's top-1 similarity: the embedding-based contamination check for paraphrases
    that n-gram overlap misses. ``train_embeddings`` may be a memmap (read once)."""
    bins = check_int(bins, "bins", lo=1, hi=1_000_000)
    s, i = topk(test_embeddings, train_embeddings, k, metric=metric, device=device)
    top = s[:, 0].astype(np.float64)
    if metric == "cosine":
        rng = (-1.0, 1.0)
        # float32 cosines of exact copies reach 1.0000001 (and -1 - eps for negated rows);
        # np.histogram drops values outside its range, so clip them into the end bins
        top = np.clip(top, -1.0, 1.0)
    else:
        lo, hi = float(top.min()), float(top.max())
        rng = (lo, hi if hi > lo else lo + 1.0)
    hist, edges = np.histogram(top, bins=bins, range=rng)
    return NearestTraining(s, i, hist.astype(np.int64), edges)


__all__ = ["topk", "range_pairs", "causal_max", "kmeans", "KMeans", "nearest_training", "NearestTraining", "METRICS"]
