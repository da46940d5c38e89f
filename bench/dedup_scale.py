"""Near-duplicate clustering at scale: in memory, out of core (a memory budget) and LSH-Bloom.

    python bench/dedup_scale.py [--sizes 100000 1000000] [--budget 256M] [--repeats 3] [--modes memory ooc bloom]
                                [--work /tmp/dedup-bench] [--out bench/results/dedup_scale.json]

What is timed is the clustering after the signatures (band keys -> buckets -> verified edges ->
components), which is all that differs between the modes; computing the signatures is the same
code in both (bench/sketch.py measures it). Signatures are generated, not hashed from text: block
by block from a seeded counter hash, 10% of the documents near-copies (8% of their slots
re-drawn, MinHash similarity ~0.92) of a document up to 1,000 earlier, so the out-of-core run
never holds more than one block. k = 128, threshold 0.8 (12 bands x 10 rows), verify="signature".

Each (size, mode) runs in its own process, interleaved (memory, out-of-core, memory, ...) `--repeats`
times; the table gives medians of wall time and of CPU time (user + sys), the process's peak RSS
(ru_maxrss, which includes the interpreter: the `baseline` row is a process that only imports
seenit and numpy), the scratch bytes the work directory held at the end, and whether the labels
equal the in-memory ones (SHA-256 of every clustered (id, label) pair). LSH-Bloom (`bloom`, filters
sized for n at fp_rate 1e-6) has no clusters: its removed set is compared with the in-memory mode's
(precision and recall against the verified removals) and with the planted copies. Writes JSON with
the host (lscpu), its load average before and after, and the command.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

K, BANDS, ROWS, THRESHOLD = 128, 12, 10, 0.8
BLOCK = 8192  # generated rows per step (small, so generation does not set the peak RSS)
_M = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, vectorised (uint64 wrap-around is intended)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def signature_block(lo: int, hi: int, seed: int = 7) -> np.ndarray:
    """Rows lo..hi of the generated corpus's signatures (uint32, K slots)."""
    i = np.arange(lo, hi, dtype=np.uint64)
    h = _mix(i * _M + np.uint64(seed))
    copy = (h % np.uint64(10) == 0) & (i > 0)
    back = np.minimum(np.uint64(1) + (h >> np.uint64(20)) % np.uint64(1000), np.maximum(i, np.uint64(1)))
    src = np.where(copy, i - back, i)
    slots = np.arange(K, dtype=np.uint64)
    with np.errstate(over="ignore"):
        base = _mix(src[:, None] * np.uint64(K) + slots[None, :] + np.uint64(seed) * _M)
        fresh = _mix(i[:, None] * np.uint64(K) + slots[None, :] + np.uint64(seed + 1) * _M)
    redraw = copy[:, None] & ((_mix(fresh) % np.uint64(100)) < np.uint64(8))
    return np.where(redraw, fresh, base).astype(np.uint32)


def planted(n: int, seed: int = 7) -> np.ndarray:
    """Ids of the generated near-copies whose source is in the corpus (as signature_block plants them;
    a copy of a copy is drawn from the copied document's unmutated row, which no document holds)."""
    out = []
    for lo in range(0, n, 1 << 20):
        i = np.arange(lo, min(n, lo + (1 << 20)), dtype=np.uint64)
        h = _mix(i * _M + np.uint64(seed))
        copy = (h % np.uint64(10) == 0) & (i > 0)
        back = np.minimum(np.uint64(1) + (h >> np.uint64(20)) % np.uint64(1000), np.maximum(i, np.uint64(1)))
        src = np.where(copy, i - back, i)
        src_copy = (_mix(src * _M + np.uint64(seed)) % np.uint64(10) == 0) & (src > 0)
        out.append(i[copy & ~src_copy].astype(np.int64))
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _labels_digest(ids: np.ndarray, labels: np.ndarray, h: "hashlib._Hash") -> None:
    h.update(np.ascontiguousarray(np.column_stack([ids, labels]).astype("<i8")).tobytes())


def child(mode: str, n: int, budget: int, work: Path) -> dict:
    import seenit
    from seenit.sketch import ooc

    t0, c0 = time.perf_counter(), time.process_time()
    h = hashlib.sha256()
    scratch = 0
    if mode == "memory":
        sig = np.concatenate([signature_block(lo, min(n, lo + BLOCK)) for lo in range(0, n, BLOCK)])
        t_gen = c_gen = 0.0  # generated before the clock starts
        t0, c0 = time.perf_counter(), time.process_time()
        d = seenit.near_duplicates(sig, threshold=THRESHOLD, params=(BANDS, ROWS))
        sizes = np.bincount(d.labels, minlength=n)
        ids = np.flatnonzero(sizes[d.labels] >= 2)
        _labels_digest(ids, d.labels[ids], h)
        removed = d.n_removed
        np.save(work.parent / f"removed-memory-{n}.npy", np.flatnonzero(~d.keep))
    elif mode == "ooc":
        shutil.rmtree(work, ignore_errors=True)
        plan = ooc.plan_memory(budget, K, BANDS, 4)
        wd = ooc.WorkDir(work, {"bench": n})
        sink = ooc.SignatureSink(wd, plan, BANDS, ROWS, K, np.dtype(np.uint32))
        t_gen = c_gen = 0.0
        for lo in range(0, n, BLOCK):
            tg, cg = time.perf_counter(), time.process_time()
            blk = signature_block(lo, min(n, lo + BLOCK))
            t_gen += time.perf_counter() - tg
            c_gen += time.process_time() - cg
            sink.add(blk)
        sink.close()
        ooc.edges_stage(wd, plan, threshold=THRESHOLD, verify="signature", max_bucket=100)
        comp, _, _ = ooc.components_stage(wd, plan, 0.0)
        removed = 0
        for ids, cl, _ in ooc.iter_cluster_records(comp):
            _labels_digest(ids, cl, h)
            removed += int(np.count_nonzero(ids != cl))
        scratch = sum(p.stat().st_size for p in work.rglob("*") if p.is_file())
    elif mode == "bloom":
        from seenit.sketch.bloom import BloomDedup

        bloom = BloomDedup(BANDS, ROWS, max(n, 1), 1e-6)
        t_gen = c_gen = 0.0
        flags = []
        for lo in range(0, n, BLOCK):
            tg, cg = time.perf_counter(), time.process_time()
            blk = signature_block(lo, min(n, lo + BLOCK))
            t_gen += time.perf_counter() - tg
            c_gen += time.process_time() - cg
            flags.append(np.packbits(bloom.process(blk)))
        dup = np.unpackbits(np.concatenate(flags))[:n].astype(bool) if flags else np.zeros(0, bool)
        removed = int(dup.sum())
        np.save(work.parent / f"removed-bloom-{n}.npy", np.flatnonzero(dup))
        scratch = bloom.memory_bytes  # not disk: the filters' memory
    else:  # baseline: the interpreter with seenit imported
        t_gen = c_gen = 0.0
        removed = 0
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if mode in ("ooc", "bloom"):
        wall, cpu = wall - t_gen, cpu - c_gen  # generation runs inside the loop: counted out
        shutil.rmtree(work, ignore_errors=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"mode": mode, "n": n, "seconds": wall, "cpu_seconds": cpu, "peak_rss": rss, "scratch_bytes": scratch,
            "removed": removed, "labels_sha256": h.hexdigest()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--budget", default="256M")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--modes", nargs="+", default=["memory", "ooc", "bloom"])
    ap.add_argument("--work", type=Path, default=Path("/tmp/dedup-bench"))
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "dedup_scale.json")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "N", "BUDGET"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    from seenit.sketch.ooc import fmt_bytes, parse_size

    if a.child:
        print(json.dumps(child(a.child[0], int(a.child[1]), int(a.child[2]), a.work)))
        return
    budget = parse_size(a.budget)
    load_before = os.getloadavg()
    runs: list[dict] = []

    def run(mode: str, n: int) -> dict:
        r = subprocess.run([sys.executable, __file__, "--child", mode, str(n), str(budget), "--work", str(a.work)],
                           capture_output=True, text=True, check=True)
        return json.loads(r.stdout.strip().splitlines()[-1])

    base = run("baseline", 0)
    for n in a.sizes:
        for _ in range(a.repeats):
            for mode in a.modes:
                r = run(mode, n)
                runs.append(r)
                print(json.dumps(r), file=sys.stderr, flush=True)
    rows = []
    for n in a.sizes:
        ref = None
        for mode in a.modes:
            rs = [r for r in runs if r["n"] == n and r["mode"] == mode]
            if not rs:
                continue
            row = {"n": n, "mode": mode, "seconds": statistics.median(r["seconds"] for r in rs),
                   "cpu_seconds": statistics.median(r["cpu_seconds"] for r in rs),
                   "peak_rss": max(r["peak_rss"] for r in rs), "scratch_bytes": rs[0]["scratch_bytes"],
                   "removed": rs[0]["removed"], "labels_sha256": rs[0]["labels_sha256"]}
            row["docs_per_s"] = n / row["seconds"]
            if mode == "memory":
                ref = row
            # compared with the in-memory mode only when it ran (at the same size, in this invocation)
            row["labels_identical"] = None if ref is None or mode == "bloom" else (
                row["labels_sha256"] == ref["labels_sha256"]
                and all(r["labels_sha256"] == ref["labels_sha256"] for r in rs))
            rows.append(row)
        mem_p, bloom_p = (a.work.parent / f"removed-{m}-{n}.npy" for m in ("memory", "bloom"))
        if mem_p.exists() and bloom_p.exists():
            exact, bl, truth = np.load(mem_p), np.load(bloom_p), planted(n)
            both = np.intersect1d(exact, bl).size
            for row in rows:
                if row["n"] == n and row["mode"] == "bloom":
                    row["precision_vs_exact"] = both / max(bl.size, 1)
                    row["recall_vs_exact"] = both / max(exact.size, 1)
                    row["labels_identical"] = None
                    row["recall_planted"] = np.intersect1d(truth, bl).size / max(truth.size, 1)
                if row["n"] == n and row["mode"] == "memory":
                    row["recall_planted"] = np.intersect1d(truth, exact).size / max(truth.size, 1)
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout if shutil.which("lscpu") else ""
    model = next((ln.split(":", 1)[1].strip() for ln in lscpu.splitlines() if ln.startswith("Model name")), "")
    out = {"command": " ".join([Path(sys.executable).name] + sys.argv), "host": platform.node(), "cpu": model,
           "cpus": os.cpu_count(), "load_before": load_before, "load_after": os.getloadavg(), "budget": budget,
           "baseline_rss": base["peak_rss"], "rows": rows, "runs": runs,
           "settings": {"k": K, "bands": BANDS, "rows": ROWS, "threshold": THRESHOLD, "block": BLOCK}}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"host {model} ({os.cpu_count()} CPUs), load {load_before[0]:.2f} before, {out['load_after'][0]:.2f} after; "
          f"budget {fmt_bytes(budget)}; interpreter baseline RSS {fmt_bytes(base['peak_rss'])}")
    print("| documents | mode | docs/s | wall s | CPU s | peak RSS | scratch (bloom: filters) | removed | "
          "labels = in-memory | planted copies removed | bloom vs exact: precision / recall |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---|")
    for r in rows:
        same = "-" if r["labels_identical"] is None else ("yes" if r["labels_identical"] else "NO")
        pr = (f"{r['precision_vs_exact']:.4f} / {r['recall_vs_exact']:.4f}" if "precision_vs_exact" in r else "")
        rp = f"{r['recall_planted']:.4f}" if "recall_planted" in r else ""
        print(f"| {r['n']:,} | {r['mode']} | {r['docs_per_s']:,.0f} | {r['seconds']:.2f} | {r['cpu_seconds']:.2f} | "
              f"{fmt_bytes(r['peak_rss'])} | {fmt_bytes(r['scratch_bytes'])} | {r['removed']:,} | {same} | {rp} | {pr} |")


if __name__ == "__main__":
    main()
