"""Benchmark: SemDeDup end to end, seenit.semdedup beside a plain NumPy/faiss version of
the same steps (the recipe NeMo Curator publishes, run on CPU: NeMo Curator itself needs
RAPIDS/GPUs and is not installable here).

    python bench/search_semdedup.py [--n 1000000] [--d 384] [--clusters 1000] [--iters 20]
                             [--eps 0.01 0.05] [--check-n 20000]

Steps of both (Abbas et al. 2023; NeMo Curator's semantic dedup): L2-normalise, spherical
k-means (20 Lloyd iterations), order each cluster by cosine to its centroid ("hard":
farthest first), then per cluster M = X X^T, keep its strict upper triangle and mark
column j a duplicate when max_i M[i, j] > 1 - eps.

Baseline: faiss.Kmeans(spherical=True, all points used for training, no subsampling),
assignment with IndexFlatIP, per-cluster NumPy matmul + triu + column max (float32).
Check: with the *same* clustering (seenit's), the baseline's per-cluster step must give
the identical keep mask (rows whose similarity is within 1e-6 of the threshold are
counted separately: float32 rounding can decide them either way). End to end, the two
k-means differ (seeding, float order), so kept fractions are compared, not masks.
Writes bench/results/semdedup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

import seenit


def data(n, d, seed=0):
    """Clustered unit-norm embeddings with 2% near-copies (as bench/search.py)."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((256, d)).astype(np.float32)
    x = centers[rng.integers(0, 256, n)]
    for r0 in range(0, n, 100_000):
        x[r0 : r0 + 100_000] += 1.5 * rng.standard_normal((min(100_000, n - r0), d), dtype=np.float32)
    dup = rng.choice(n, n // 50, replace=False)
    x[dup] = x[rng.integers(0, n, dup.size)] + 0.2 * rng.standard_normal((dup.size, d), dtype=np.float32)
    return x


def baseline_kmeans(x, k, iters, seed):
    """Spherical k-means with faiss (every point used for training), then assignment."""
    import faiss

    km = faiss.Kmeans(x.shape[1], k, niter=iters, spherical=True, seed=seed, verbose=False,
                      max_points_per_centroid=x.shape[0] // k + 1)
    km.train(x)
    score, label = km.index.search(x, 1)
    return label[:, 0].astype(np.int64), score[:, 0]


def baseline_pairwise(x, labels, score, eps):
    """Per cluster, farthest-from-centroid first: M = X X^T, strict upper triangle, column max."""
    n = x.shape[0]
    best = np.full(n, -np.inf, np.float32)
    order = np.lexsort((np.arange(n), score, labels))  # by cluster, then cosine ascending, then row
    bounds = np.searchsorted(labels[order], np.arange(labels.max() + 2))
    for c in range(len(bounds) - 1):
        idx = order[bounds[c] : bounds[c + 1]]
        if idx.size < 2:
            continue
        xc = x[idx]
        m = xc @ xc.T
        m[np.tril_indices(idx.size)] = -np.inf
        best[idx] = m.max(axis=0)
    return {e: ~(best > np.float32(1.0 - e)) for e in eps}, best


def baseline(x, k, iters, seed, eps):
    t0 = time.perf_counter()
    c0 = time.process_time()
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    labels, score = baseline_kmeans(xn, k, iters, seed)
    t1 = time.perf_counter()
    keep, _ = baseline_pairwise(xn, labels, score, eps)
    t2 = time.perf_counter()
    return keep, {"seconds": t2 - t0, "kmeans_seconds": t1 - t0, "pairwise_seconds": t2 - t1,
                  "cpu_seconds": time.process_time() - c0}


def run_seenit(x, k, iters, seed, eps):
    t0 = time.perf_counter()
    c0 = time.process_time()
    r = seenit.semdedup(x, n_clusters=k, eps=list(eps), iters=iters, seed=seed)
    return r, {"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0}


def check_same_clusters(n, d, k, iters, eps):
    """seenit's mask == the baseline's per-cluster step on seenit's own clustering."""
    x = data(n, d, seed=1)
    r = seenit.semdedup(x, n_clusters=k, eps=list(eps), iters=iters)
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    keep, best = baseline_pairwise(xn.astype(np.float32), r.cluster, r.kmeans.scores, eps)
    out = {"n": n, "clusters": k}
    for e in eps:
        near = np.abs(best.astype(np.float64) - (1.0 - e)) <= 1e-6
        diff = keep[e] != r.keep_by_eps[e]
        out[str(e)] = {"rows_differing": int(diff.sum()), "rows_differing_away_from_threshold": int((diff & ~near).sum()),
                       "rows_within_1e-6_of_threshold": int(near.sum()), "kept_fraction": float(r.keep_by_eps[e].mean())}
    out["max_abs_similarity_difference"] = float(np.max(np.abs(np.where(np.isfinite(best), best, 0)
                                                              - np.where(np.isfinite(r.max_similarity), r.max_similarity, 0))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--d", type=int, default=384)
    ap.add_argument("--clusters", type=int, default=1000)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--eps", type=float, nargs="+", default=[0.01, 0.05])
    ap.add_argument("--check-n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "semdedup.json"))
    a = ap.parse_args()
    eps = tuple(a.eps)
    load_before = os.getloadavg()
    check = check_same_clusters(a.check_n, a.d, max(1, a.check_n // 1000), a.iters, eps)
    print("same-clustering check:", json.dumps(check), flush=True)
    x = data(a.n, a.d)
    r, t_s = run_seenit(x, a.clusters, a.iters, a.seed, eps)
    print("seenit", t_s, {e: r.kept_fraction[e] for e in eps}, flush=True)
    keep_b, t_b = baseline(x, a.clusters, a.iters, a.seed, eps)
    print("baseline", t_b, {e: float(keep_b[e].mean()) for e in eps}, flush=True)
    result = {
        "command": " ".join([sys.executable.split("/")[-1]] + sys.argv),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(), "cpu_features": seenit.cpu_features(),
                    "threads": seenit.get_num_threads(), "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
                    "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "setup": {"n": a.n, "d": a.d, "clusters": a.clusters, "iters": a.iters, "eps": list(eps)},
        "same_clustering_check": check,
        "seenit": {**t_s, "kept_fraction": {str(e): r.kept_fraction[e] for e in eps}, "kmeans_iterations": r.kmeans.iterations,
                   "kmeans_init": r.kmeans.init},
        "baseline_numpy_faiss": {**t_b, "kept_fraction": {str(e): float(keep_b[e].mean()) for e in eps}},
        "speedup_wall": t_b["seconds"] / t_s["seconds"],
        "speedup_cpu": t_b["cpu_seconds"] / t_s["cpu_seconds"],
    }
    print(json.dumps({k: result[k] for k in ("speedup_wall", "speedup_cpu")}))
    from seenit.io import write_json

    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    write_json(a.out, result)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
