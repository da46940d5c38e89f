"""Benchmark: exact top-k over embeddings, seenit beside faiss-cpu, NumPy and torch.

    python bench/search.py [--n 1000000] [--nq 1000] [--d 384] [--k 10] [--repeats 3] [--only PREFIXES]

Writes bench/results/topk.json (machine info, command, timings, ratios). Timings are
medians of --repeats rounds; each round runs every method once (interleaved, so load
swings on a shared machine hit all alike); every competitor runs in the same process on
the same data. Wall and process-CPU seconds are both recorded.
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
from seenit.search import topk as search_topk


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


def interleaved(methods, repeats):
    """Runs every method once per round, `repeats` rounds (so load swings on a shared
    machine hit all methods alike). Returns {name: (wall list, cpu list, last output)}
    and the 1-minute load average seen at the start of each round."""
    res = {name: ([], [], None) for name in methods}
    loads = []
    for r in range(repeats):
        loads.append(os.getloadavg()[0])
        for name, fn in methods.items():
            t0, c0 = time.perf_counter(), time.process_time()
            out = fn()
            w, c = time.perf_counter() - t0, time.process_time() - c0
            res[name][0].append(w)
            res[name][1].append(c)
            res[name] = (res[name][0], res[name][1], out)
            print(f"  round {r + 1} {name:34s} {w:8.2f} s wall {c:8.2f} s cpu  load {os.getloadavg()[0]:.2f}", flush=True)
    return res, loads


def torch_topk(tq, tx, k, block=100_000):
    """torch mm + topk over database blocks (bounded memory), merged per block."""
    import torch

    best_s, best_i = None, None
    for r0 in range(0, tx.shape[0], block):
        s, i = torch.topk(tq @ tx[r0 : r0 + block].T, min(k, min(block, tx.shape[0] - r0)), dim=1)
        i = i + r0
        if best_s is None:
            best_s, best_i = s, i
        else:
            cs, ci = torch.cat([best_s, s], 1), torch.cat([best_i, i], 1)
            best_s, o = torch.topk(cs, k, dim=1)
            best_i = torch.gather(ci, 1, o)
    return best_s, best_i


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
    """Measured single-precision GEMM rate of NumPy's BLAS (all threads): a square 2048^3
    product and the search-shaped (1000 x 384) x (384 x 50000) product, per wall second
    and per process-CPU second (the latter is what one core's worth of time buys)."""
    rng = np.random.default_rng(0)
    res = {"wall": {}, "per_cpu_second": {}}
    a = rng.standard_normal((2048, 2048), dtype=np.float32)
    t, _ = timeit(lambda: a @ a, repeats)
    res["wall"]["square_2048"] = 2 * 2048**3 / t / 1e9
    res["per_cpu_second"]["square_2048"] = 2 * 2048**3 / CPU_TIMES[-1] / 1e9
    q = rng.standard_normal((1000, 384), dtype=np.float32)
    x = rng.standard_normal((50000, 384), dtype=np.float32)
    t, _ = timeit(lambda: q @ x.T, repeats)
    res["wall"]["search_shape"] = 2 * 1000 * 384 * 50000 / t / 1e9
    res["per_cpu_second"]["search_shape"] = 2 * 1000 * 384 * 50000 / CPU_TIMES[-1] / 1e9
    return res


def blas_info():
    """Which BLAS kernels NumPy's and faiss's OpenBLAS picked (faiss-cpu 1.15's bundled
    OpenBLAS 0.3.15 does not know newer Intel models and falls back to its SSE3 'Prescott'
    kernels unless OPENBLAS_CORETYPE is set; see bench/README.md ## search)."""
    info = {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    try:
        import threadpoolctl

        info["threadpools"] = [{k: p.get(k) for k in ("internal_api", "version", "architecture", "filepath", "num_threads")}
                               for p in threadpoolctl.threadpool_info()]
    except ImportError:
        pass
    try:
        import ctypes
        import glob

        import faiss

        for lib in glob.glob(os.path.join(os.path.dirname(faiss.__file__), "..", "faiss_cpu.libs", "libopenblas*.so")):
            f = ctypes.CDLL(lib).openblas_get_corename
            f.restype = ctypes.c_char_p
            info["faiss_openblas_core"] = f().decode()
    except (ImportError, OSError, AttributeError):
        pass
    return info


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        return platform.processor()


def recall(ids, ref):
    return float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(ids.tolist(), ref.tolist())]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--nq", type=int, default=1000)
    ap.add_argument("--d", type=int, default=384)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--range-n", type=int, default=20_000, help="range_pairs self-join size (0: skip)")
    ap.add_argument("--only", default="", help="comma-separated method-name prefixes to run (default: all)")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "topk.json"))
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    # unit-norm embeddings with some structure (clustered), float32
    centers = rng.standard_normal((256, a.d)).astype(np.float32)
    x = centers[rng.integers(0, 256, a.n)]
    for r0 in range(0, a.n, 100_000):  # in place, without an n x d float64 temporary
        x[r0 : r0 + 100_000] += 1.5 * rng.standard_normal((min(100_000, a.n - r0), a.d), dtype=np.float32)
    # 2% near-copies (cosine ~0.95-0.99) so range_pairs and SemDeDup have something to find
    dup = rng.choice(a.n, a.n // 50, replace=False)
    x[dup] = x[rng.integers(0, a.n, dup.size)] + 0.2 * rng.standard_normal((dup.size, a.d), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = x[rng.integers(0, a.n, a.nq)] + 0.3 * rng.standard_normal((a.nq, a.d)).astype(np.float32)
    q = np.ascontiguousarray(q / np.linalg.norm(q, axis=1, keepdims=True), dtype=np.float32)
    x16 = x.astype(np.float16)
    x8 = np.clip(np.round(x * 400), -127, 127).astype(np.int8)
    flops = 2.0 * a.nq * a.n * a.d
    load_before = os.getloadavg()

    methods = {
        "seenit float32": lambda: seenit.topk(q, x, a.k, first_pass="float32"),
        "seenit int8 first pass": lambda: _core.topk_search(q, x, a.k, "ip", "int8"),
        "seenit float16 database": lambda: seenit.topk(q, x16, a.k),
        "seenit int8 database": lambda: seenit.topk(q, x8, a.k),
        "numpy matmul+argpartition": lambda: numpy_topk(q, x, a.k),
    }
    try:
        import faiss

        idx = faiss.IndexFlatIP(a.d)
        idx.add(x)

        def faiss_search(th):
            faiss.omp_set_num_threads(th)
            return idx.search(q, a.k)

        methods["faiss IndexFlatIP 1 thread"] = lambda: faiss_search(1)
        methods["faiss IndexFlatIP 2 threads"] = lambda: faiss_search(2)
    except ImportError:
        print("faiss not installed: skipped")
    try:
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        tq, tx = torch.from_numpy(q), torch.from_numpy(x)
        methods["torch mm+topk"] = lambda: torch_topk(tq, tx, a.k)
    except ImportError:
        print("torch not installed: skipped")
    if a.only:
        keep = tuple(a.only.split(","))
        methods = {k: v for k, v in methods.items() if k.startswith(keep)}
    check = search_topk.as_database  # the up-front NaN/inf check alone (part of every seenit call above)
    methods["seenit NaN/inf pre-check alone"] = lambda: check(x)
    res, loads = interleaved(methods, a.repeats)
    i32 = res["seenit float32"][2][1] if "seenit float32" in res else seenit.topk(q, x, a.k, first_pass="float32")[1]
    s32 = res["seenit float32"][2][0] if "seenit float32" in res else None
    rows = {}
    for name, (ws, cs, out) in res.items():
        t, c = statistics.median(ws), statistics.median(cs)
        row = {"seconds": t, "cpu_seconds": c, "all_seconds": ws, "all_cpu_seconds": cs,
               "gflops": flops / t / 1e9, "gflops_per_cpu_second": flops / c / 1e9}
        ids = None
        if name.startswith("faiss") or name.startswith("numpy") or name == "seenit float16 database":
            ids = out[1]
        elif name.startswith("torch"):
            ids = out[1].numpy()
        elif name == "seenit int8 first pass":
            ids = out[1]
            row["rescored_per_query"] = out[2] / a.nq
            row["bitwise_equal_to_float32"] = bool(s32 is not None and np.array_equal(out[0].view(np.uint32), s32.view(np.uint32))
                                                   and np.array_equal(out[1], i32))
        if ids is not None:
            row["identical_ids"] = float((ids == i32).mean())
            row["recall_at_k"] = recall(ids, i32)
        rows[name] = row
        print(f"{name:34s} {t:8.3f} s (cpu {c:7.3f} s) {flops / t / 1e9:7.1f} GFLOP/s "
              f"{ {k: v for k, v in row.items() if k in ('identical_ids', 'recall_at_k', 'rescored_per_query')} }", flush=True)
    peak = sgemm_gflops(a.repeats)
    print("SGEMM GFLOP/s:", peak, flush=True)

    # range_pairs vs the top-k scan over the same self-join
    rp = None
    if a.range_n:
        xr = np.ascontiguousarray(x[: a.range_n])
        t_rp, (ri, rj, rs) = timeit(lambda: seenit.range_pairs(xr, 0.9, metric="cosine"), 1)
        c_rp = CPU_TIMES[-1]
        t_tk, _ = timeit(lambda: seenit.topk(xr, xr, a.k, metric="cosine", first_pass="float32"), 1)
        c_tk = CPU_TIMES[-1]
        print(f"range_pairs {a.range_n} x {a.d} @0.9: {t_rp:.2f} s ({len(ri)} pairs); topk self-join {t_tk:.2f} s", flush=True)
        rp = {"n": a.range_n, "threshold": 0.9, "seconds": t_rp, "pairs": int(len(ri)),
              "topk_self_join_seconds": t_tk, "ratio_to_topk": t_rp / t_tk,
              "cpu_seconds": c_rp, "topk_cpu_seconds": c_tk, "cpu_ratio_to_topk": c_rp / c_tk}

    def ratio(a_, b_, key="seconds"):
        if a_ in rows and b_ in rows:
            return rows[a_][key] / rows[b_][key]
        return float("nan")

    faiss_rows = [r for r in rows if r.startswith("faiss")]
    best_faiss = min(faiss_rows, key=lambda r: rows[r]["seconds"], default=None)
    best_faiss_cpu = min(faiss_rows, key=lambda r: rows[r]["cpu_seconds"], default=None)
    ratios = {}
    for name in ("seenit float32", "seenit int8 first pass", "seenit float16 database", "torch mm+topk",
                 "numpy matmul+argpartition"):
        if name in rows and best_faiss:
            ratios[f"{name} vs best faiss (wall, {best_faiss})"] = ratio(best_faiss, name)
            ratios[f"{name} vs best faiss (cpu, {best_faiss_cpu})"] = ratio(best_faiss_cpu, name, "cpu_seconds")
    if "seenit float32" in rows:
        ratios["float32 fraction of SGEMM peak (wall)"] = rows["seenit float32"]["gflops"] / max(peak["wall"].values())
        ratios["float32 fraction of SGEMM peak (per cpu second)"] = (rows["seenit float32"]["gflops_per_cpu_second"]
                                                                     / max(peak["per_cpu_second"].values()))
    result = {
        "command": " ".join([sys.executable.split("/")[-1]] + sys.argv),
        "machine": {"platform": platform.platform(), "cpu_model": cpu_model(), "cpu_count": os.cpu_count(),
                    "blas": blas_info(),
                    "cpu_features": seenit.cpu_features(), "threads": seenit.get_num_threads(),
                    "load_average_before": load_before, "load_average_after": os.getloadavg(),
                    "load_1min_at_each_round": loads},
        "setup": {"n": a.n, "nq": a.nq, "d": a.d, "k": a.k, "repeats": a.repeats, "interleaved": True},
        "rows": rows,
        "sgemm_gflops": peak,
        "ratios": ratios,
        "range_pairs": rp,
    }
    print(json.dumps(ratios, indent=1))
    from seenit.io import write_json

    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    write_json(a.out, result)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
