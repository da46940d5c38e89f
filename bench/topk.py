"""Benchmark: exact top-k over embeddings, seenit beside faiss-cpu, NumPy and torch.

    python bench/topk.py [--n 200000] [--nq 1000] [--d 384] [--k 10] [--repeats 3]

Writes bench/results/topk.json (machine info, command, timings, ratios). Timings are
medians of --repeats runs; every competitor runs in the same process on the same data.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import seenit
from seenit import _core


CPU_TIMES: list[float] = []


def timeit(fn, repeats):
    """Median wall seconds of `repeats` runs; the median process CPU seconds go to CPU_TIMES
    (on a shared machine CPU time is the steadier figure; OpenMP spin-waits inflate it)."""
    out, ts, cs = None, [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        ts.append(time.perf_counter() - t0)
        cs.append(time.process_time() - c0)
    CPU_TIMES.append(statistics.median(cs))
    return statistics.median(ts), out


def numpy_topk(q, x, k, block=25000):
    best_s = np.full((q.shape[0], 0), -np.inf, np.float32)
    best_i = np.zeros((q.shape[0], 0), np.int64)
    for r0 in range(0, x.shape[0], block):
        s = q @ x[r0 : r0 + block].T
        kk = min(k, s.shape[1])
        part = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
        cs = np.concatenate([best_s, np.take_along_axis(s, part, 1)], 1)
        ci = np.concatenate([best_i, part + r0], 1)
        o = np.argsort(-cs, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(cs, o, 1), np.take_along_axis(ci, o, 1)
    return best_s, best_i


def sgemm_gflops(repeats):
    """Measured single-precision GEMM rate of NumPy's BLAS (all threads): the best of a
    square 2048^3 product and the search-shaped (1000 x 384) x (384 x 50000) product."""
    rng = np.random.default_rng(0)
    res = {}
    a = rng.standard_normal((2048, 2048), dtype=np.float32)
    t, _ = timeit(lambda: a @ a, repeats)
    res["square_2048"] = 2 * 2048**3 / t / 1e9
    q = rng.standard_normal((1000, 384), dtype=np.float32)
    x = rng.standard_normal((50000, 384), dtype=np.float32)
    t, _ = timeit(lambda: q @ x.T, repeats)
    res["search_shape"] = 2 * 1000 * 384 * 50000 / t / 1e9
    return res


def recall(ids, ref):
    return float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(ids.tolist(), ref.tolist())]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--nq", type=int, default=1000)
    ap.add_argument("--d", type=int, default=384)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--range-n", type=int, default=20_000)
    ap.add_argument("--semdedup-n", type=int, default=100_000)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "topk.json"))
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    # unit-norm embeddings with some structure (clustered), float32
    centers = rng.standard_normal((256, a.d)).astype(np.float32)
    x = centers[rng.integers(0, 256, a.n)] + 1.5 * rng.standard_normal((a.n, a.d)).astype(np.float32)
    # 2% near-copies (cosine ~0.95-0.99) so range_pairs and SemDeDup have something to find
    dup = rng.choice(a.n, a.n // 50, replace=False)
    x[dup] = x[rng.integers(0, a.n, dup.size)] + 0.2 * rng.standard_normal((dup.size, a.d)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = x[rng.integers(0, a.n, a.nq)] + 0.3 * rng.standard_normal((a.nq, a.d)).astype(np.float32)
    q = np.ascontiguousarray(q / np.linalg.norm(q, axis=1, keepdims=True), dtype=np.float32)
    flops = 2.0 * a.nq * a.n * a.d
    rows = {}

    def record(name, t, ids=None, ref=None, **extra):
        rows[name] = {"seconds": t, "cpu_seconds": CPU_TIMES[-1], "gflops": flops / t / 1e9,
                      "gflops_per_cpu_second": flops / CPU_TIMES[-1] / 1e9, **extra}
        if ids is not None and ref is not None:
            rows[name]["identical_ids"] = float((ids == ref).mean())
            rows[name]["recall_at_k"] = recall(ids, ref)
        print(f"{name:32s} {t:8.3f} s (cpu {CPU_TIMES[-1]:7.3f} s) {flops / t / 1e9:7.1f} GFLOP/s  "
              f"{ {k: v for k, v in rows[name].items() if k in ('identical_ids', 'recall_at_k')} } {extra if extra else ''}", flush=True)

    t, (s32, i32) = timeit(lambda: seenit.topk(q, x, a.k, first_pass="float32"), a.repeats)
    record("seenit float32", t)
    t, res8 = timeit(lambda: _core.topk_search(q, x, a.k, "ip", "int8"), a.repeats)
    record("seenit int8 first pass", t, res8[1], i32, rescored_per_query=res8[2] / a.nq,
           bitwise_equal_to_float32=bool(np.array_equal(res8[0].view(np.uint32), s32.view(np.uint32)) and np.array_equal(res8[1], i32)))
    x16 = x.astype(np.float16)
    t, (s16, i16) = timeit(lambda: seenit.topk(q, x16, a.k), a.repeats)
    record("seenit float16 database", t, i16, i32)
    try:
        import faiss

        idx = faiss.IndexFlatIP(a.d)
        idx.add(x)
        for th in (1, 2):
            faiss.omp_set_num_threads(th)
            t, (fs, fi) = timeit(lambda: idx.search(q, a.k), a.repeats)
            record(f"faiss IndexFlatIP {th} thread(s)", t, fi, i32)
        faiss.omp_set_num_threads(os.cpu_count() or 1)
    except ImportError:
        print("faiss not installed: skipped")
    t, (s8d, i8d) = timeit(lambda: seenit.topk(q, np.clip(np.round(x * 400), -127, 127).astype(np.int8), a.k), 1)
    record("seenit int8 database (1 run)", t)
    t, (ns, ni) = timeit(lambda: numpy_topk(q, x, a.k), a.repeats)
    record("numpy matmul+argpartition", t, ni, i32)
    try:
        import torch

        tq, tx = torch.from_numpy(q), torch.from_numpy(x)
        t, (ts_, ti) = timeit(lambda: torch.topk(tq @ tx.T, a.k, dim=1), a.repeats)
        record("torch mm+topk", t, ti.numpy(), i32)
    except ImportError:
        print("torch not installed: skipped")
    peak = sgemm_gflops(a.repeats)
    print("SGEMM GFLOP/s:", peak, flush=True)

    # range_pairs vs the top-k scan over the same self-join
    xr = np.ascontiguousarray(x[: a.range_n])
    t_rp, (ri, rj, rs) = timeit(lambda: seenit.range_pairs(xr, 0.9, metric="cosine"), 1)
    c_rp = CPU_TIMES[-1]
    t_tk, _ = timeit(lambda: seenit.topk(xr, xr, a.k, metric="cosine", first_pass="float32"), 1)
    c_tk = CPU_TIMES[-1]
    print(f"range_pairs {a.range_n} x {a.d} @0.9: {t_rp:.2f} s ({len(ri)} pairs); topk self-join {t_tk:.2f} s", flush=True)

    xs = np.ascontiguousarray(x[: a.semdedup_n])
    t_sd, sd = timeit(lambda: seenit.semdedup(xs, n_clusters=max(1, a.semdedup_n // 1000), eps=[0.01, 0.05]), 1)
    print(f"semdedup {a.semdedup_n}: {t_sd:.2f} s kept {sd.kept_fraction}", flush=True)

    best_faiss = min((rows[r]["seconds"] for r in rows if r.startswith("faiss")), default=float("nan"))
    result = {
        "command": " ".join([sys.executable.split("/")[-1]] + sys.argv),
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpu_count": os.cpu_count(),
                    "cpu_features": seenit.cpu_features(), "threads": seenit.get_num_threads(),
                    "load_average": os.getloadavg()},
        "setup": {"n": a.n, "nq": a.nq, "d": a.d, "k": a.k, "repeats": a.repeats},
        "rows": rows,
        "sgemm_gflops": peak,
        "ratios": {
            "float32_vs_best_faiss": best_faiss / rows["seenit float32"]["seconds"],
            "float32_vs_faiss_1_thread_cpu_time": rows.get("faiss IndexFlatIP 1 thread(s)", {}).get("cpu_seconds", float("nan"))
            / rows["seenit float32"]["cpu_seconds"],
            "int8_vs_best_faiss": best_faiss / rows["seenit int8 first pass"]["seconds"],
            "float32_fraction_of_sgemm_peak": rows["seenit float32"]["gflops"] / max(peak.values()),
            "int8_effective_fraction_of_sgemm_peak": rows["seenit int8 first pass"]["gflops"] / max(peak.values()),
        },
        "range_pairs": {"n": a.range_n, "threshold": 0.9, "seconds": t_rp, "pairs": int(len(ri)),
                        "topk_self_join_seconds": t_tk, "ratio_to_topk": t_rp / t_tk,
                        "cpu_seconds": c_rp, "topk_cpu_seconds": c_tk, "cpu_ratio_to_topk": c_rp / c_tk},
        "semdedup": {"n": a.semdedup_n, "n_clusters": max(1, a.semdedup_n // 1000), "seconds": t_sd,
                     "kept_fraction": {str(k): v for k, v in sd.kept_fraction.items()}},
    }
    print(json.dumps(result["ratios"], indent=1))
    from seenit.io import write_json

    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    write_json(a.out, result)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
