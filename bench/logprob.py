"""Benchmark: fused per-token statistics (log p + Min-K%++ mu/sigma) vs torch on the CPU, and ragged
segment reductions. Writes bench/results/logprob.json.

    python bench/logprob.py                      # (4, 2048, 50257) logits, median of 3
    python bench/logprob.py --batch 8 --repeats 3   # the issue's full size (3.3 GB float32)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

import seenit


CPU_TIMES: list[float] = []  # process CPU seconds of the last timed() call's repeats


def timed(fn, repeats):
    """Median wall seconds and the wall times; the CPU times (steadier on a shared machine) go to CPU_TIMES."""
    ts = []
    CPU_TIMES.clear()
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
        CPU_TIMES.append(time.process_time() - c0)
    return statistics.median(ts), ts


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def read_bandwidth(nbytes, repeats):
    """NumPy sum over ~nbytes of float32 (1 thread), and the same split over 2 threads."""
    a = np.ones(nbytes // 4, dtype=np.float32)
    one, _ = timed(lambda: a.sum(), repeats)
    one_cpu = statistics.median(CPU_TIMES)
    half = a.size // 2

    def two():
        th = [threading.Thread(target=lambda s=s: a[s].sum()) for s in (slice(0, half), slice(half, None))]
        for t in th:
            t.start()
        for t in th:
            t.join()

    both, _ = timed(two, repeats)
    return a.nbytes / one / 1e9, a.nbytes / both / 1e9, a.nbytes / one_cpu / 1e9


def torch_methods(torch):
    def log_softmax_gather(x, t):
        lsm = torch.log_softmax(x, -1)
        lp = lsm.gather(-1, t[..., None])[..., 0]
        p = lsm.exp()  # Min-K%++ as in its reference code: mu = E[log p], sigma^2 = E[(log p)^2] - mu^2
        mu = (p * lsm).sum(-1)
        sigma = ((p * lsm.square()).sum(-1) - mu.square()).clamp_min(0).sqrt()
        return lp, mu, sigma

    def gather_minus_lse(x, t):
        lse = torch.logsumexp(x, -1)
        lp = x.gather(-1, t[..., None])[..., 0] - lse
        p = torch.exp(x - lse[..., None])
        ex = (p * x).sum(-1)
        mu = ex - lse
        sigma = ((p * x.square()).sum(-1) - ex.square()).clamp_min(0).sqrt()
        return lp, mu, sigma

    def lse_logprob_only(x, t):
        return x.gather(-1, t[..., None])[..., 0] - torch.logsumexp(x, -1)

    return {"log_softmax+gather": log_softmax_gather, "gather-logsumexp": gather_minus_lse,
            "gather-logsumexp (logprob only)": lse_logprob_only}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=2048)
    ap.add_argument("--vocab", type=int, default=50257)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--segments", type=int, default=10_000_000)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "logprob.json"))
    args = ap.parse_args()

    res = {
        "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "loadavg_start": os.getloadavg(),
                    "seenit": seenit.__version__, "numpy": np.__version__, "simd": seenit.cpu_features()},
        "shape": [args.batch, args.seq, args.vocab], "repeats": args.repeats, "runs": [],
    }
    rng = np.random.default_rng(0)
    shape = (args.batch, args.seq, args.vocab)
    x = np.empty(shape, dtype=np.float32)
    for b in range(args.batch):
        x[b] = rng.standard_normal((args.seq, args.vocab), dtype=np.float32) * 3
    t = rng.integers(0, args.vocab, size=shape[:2])
    xb = (x.view(np.uint32) >> 16).astype(np.uint16)  # bf16 bits
    gb32, gb16 = x.nbytes / 1e9, xb.nbytes / 1e9
    print(f"logits {shape}: float32 {gb32:.2f} GB, bf16 {gb16:.2f} GB", flush=True)

    bw1, bw2, bw1c = read_bandwidth(min(x.nbytes, 2 << 30), args.repeats)
    res["read_bandwidth_GBps"] = {"numpy_sum_1_thread": bw1, "numpy_sum_2_threads": bw2,
                                  "numpy_sum_1_thread_per_cpu_s": bw1c}
    print(f"read bandwidth: numpy sum {bw1:.2f} GB/s (1 thread; {bw1c:.2f} per CPU-s), {bw2:.2f} GB/s (2 threads)",
          flush=True)

    def record(impl, dtype, threads, what, sec, ts, nbytes):
        cpu = statistics.median(CPU_TIMES)
        row = {"impl": impl, "dtype": dtype, "threads": threads, "stats": what, "median_s": sec, "times_s": ts,
               "GBps": nbytes / 1e9 / sec, "median_cpu_s": cpu, "GBps_per_cpu_s": nbytes / 1e9 / cpu}
        res["runs"].append(row)
        print(f"{impl:34s} {dtype:5s} {threads}t {what:16s} {sec:8.3f} s  {row['GBps']:6.2f} GB/s"
              f"  (CPU {cpu:7.3f} s, {row['GBps_per_cpu_s']:6.2f} GB/CPU-s)", flush=True)

    stats3 = ("logprob", "mu", "sigma")
    for threads in (1, 2):
        seenit.set_num_threads(threads)
        for dtype, arr, nb in (("f32", x, x.nbytes), ("bf16", xb, xb.nbytes)):
            for what, st in (("logprob+mu+sigma", stats3), ("logprob", ("logprob",))):
                sec, ts = timed(lambda: seenit.token_stats(arr, t, stats=st), args.repeats)
                record("seenit.token_stats", dtype, threads, what, sec, ts, nb)
    seenit.set_num_threads(0)

    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None
            print("torch not installed: skipping the torch rows")
        if torch is not None:
            res["machine"]["torch"] = torch.__version__
            tx = torch.from_numpy(x)
            txb = torch.from_numpy(xb.view(np.int16)).view(torch.bfloat16)
            tt = torch.from_numpy(t)
            methods = torch_methods(torch)
            for threads in (1, 2):
                torch.set_num_threads(threads)
                for name, fn in methods.items():
                    what = "logprob" if "only" in name else "logprob+mu+sigma"
                    with torch.no_grad():
                        sec, ts = timed(lambda: fn(tx, tt), args.repeats)
                    record(f"torch {name}", "f32", threads, what, sec, ts, x.nbytes)
                    if "only" in name:
                        continue
                    # bf16: upcast first (what careful code does; bf16 log_softmax loses the digits Min-K% needs)
                    with torch.no_grad():
                        sec, ts = timed(lambda: fn(txb.float(), tt), args.repeats)
                    record(f"torch {name} (bf16->f32)", "bf16", threads, what, sec, ts, xb.nbytes)
            del tx, txb
    del x, xb

    # ragged segment reductions
    n = args.segments
    lens = rng.integers(0, 21, n)
    offs = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    vals = -rng.exponential(2.0, int(offs[-1]))
    nbytes = vals.nbytes + offs.nbytes
    seg = {"segments": n, "values": int(vals.size), "bytes": nbytes, "runs": []}
    for threads in (1, 2):
        seenit.set_num_threads(threads)
        for op, kw in (("mean", {}), ("min_k", {"k": 0.2}), ("sum", {})):
            sec, ts = timed(lambda: seenit.segment_reduce(vals, offs, op, **kw), args.repeats)
            cpu = statistics.median(CPU_TIMES)
            seg["runs"].append({"impl": "seenit", "op": op, "threads": threads, "median_s": sec, "GBps": nbytes / 1e9 / sec,
                                "median_cpu_s": cpu, "GBps_per_cpu_s": nbytes / 1e9 / cpu})
            print(f"segment_reduce {op:6s} {threads}t {sec:7.3f} s {nbytes / 1e9 / sec:6.2f} GB/s"
                  f"  (CPU {cpu:6.3f} s, {nbytes / 1e9 / cpu:6.2f} GB/CPU-s)", flush=True)
    seenit.set_num_threads(0)
    nonempty = offs[:-1][lens > 0]
    sec, ts = timed(lambda: np.add.reduceat(vals, nonempty), args.repeats)
    cpu = statistics.median(CPU_TIMES)
    seg["runs"].append({"impl": "numpy add.reduceat", "op": "sum", "threads": 1, "median_s": sec, "GBps": nbytes / 1e9 / sec,
                        "median_cpu_s": cpu, "GBps_per_cpu_s": nbytes / 1e9 / cpu})
    print(f"numpy add.reduceat sum 1t {sec:7.3f} s {nbytes / 1e9 / sec:6.2f} GB/s", flush=True)
    res["segments"] = seg
    res["machine"]["loadavg_end"] = os.getloadavg()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
