"""Benchmark: n-gram index build and count queries, seenit vs NumPy and pydivsufsort.

In one run, on the same index of real Pile text (MIMIR's Pile documents, UTF-8 bytes):
- end-to-end index build (read JSONL, tokenize, suffix array, write + SHA-256) in MB/s;
- 10,000 13-token count queries: seenit ``count_many`` (1 and 2 threads) vs a
  vectorised NumPy binary search over the same suffix array (all queries step together,
  ``searchsorted``-style) vs pydivsufsort's ``sa_search`` (one C call per query);
- a GSM8K contamination scan against the index (items/s).
Median of ``--repeats`` runs; every method's counts are checked equal. Writes
bench/results/ngram.json.

    python bench/ngram.py                 # 50M-token index (needs ../shared/data)
    python bench/ngram.py --tokens 5e6    # quicker
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import seenit
from seenit import NgramIndex

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SEENIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
if not DATA.is_dir():
    DATA = Path("/work/shared/data")


def machine() -> dict:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": sys.version.split()[0], "numpy": np.__version__,
            "seenit": seenit.__version__, "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def load_docs(max_bytes: int) -> list[str]:
    docs, total = [], 0
    for f in sorted((DATA / "mimir_pile_nonmembers").glob("*.jsonl.gz")):
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)["original"]
                if not d:
                    continue
                docs.append(d)
                total += len(d.encode()) + 1
                if total >= max_bytes:
                    return docs
    return docs


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def numpy_counts(t: np.ndarray, sa: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Vectorised binary search: every query takes one step per iteration; each step
    gathers the m-token prefix of the probed suffix (padded with -1 past the end) and
    compares it lexicographically with the query."""
    k, m = Q.shape
    n = t.size
    tp = np.concatenate([t.astype(np.int16), np.full(m, -1, np.int16)])
    q = Q.astype(np.int16)
    cols = np.arange(m)
    rows = np.arange(k)

    def bound(upper: bool) -> np.ndarray:
        lo = np.zeros(k, np.int64)
        hi = np.full(k, n, np.int64)
        while True:
            active = lo < hi
            if not active.any():
                return lo
            mid = np.minimum((lo + hi) // 2, n - 1)
            s = tp[sa[mid][:, None] + cols]
            neq = s != q
            has = neq.any(1)
            first = neq.argmax(1)
            less = has & (s[rows, first] < q[rows, first])
            go = (less | ~has) if upper else less
            lo = np.where(active & go, mid + 1, lo)
            hi = np.where(active & ~go, mid, hi)

    return bound(True) - bound(False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=float, default=50e6, help="index size in tokens (UTF-8 bytes)")
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument("--m", type=int, default=13, help="query length in tokens")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ngram.json")
    args = ap.parse_args()
    import pydivsufsort

    res: dict = {"command": "python " + " ".join(sys.argv), "machine": machine(), "repeats": args.repeats}
    docs = load_docs(int(args.tokens))
    with tempfile.TemporaryDirectory() as td:
        corpus = Path(td) / "corpus.jsonl"
        with open(corpus, "w", encoding="utf-8") as fh:
            for d in docs:
                fh.write(json.dumps({"text": d}) + "\n")
        in_mb = sum(len(d.encode()) for d in docs) / 1e6
        del docs
        builds = []
        for r in range(args.repeats):
            t0 = time.perf_counter()
            idx = NgramIndex.build(corpus, Path(td) / "idx", progress=False, overwrite=True)
            builds.append(time.perf_counter() - t0)
        b = statistics.median(builds)
        t = np.asarray(idx.shards[0].tokens)
        sa = np.asarray(idx.shards[0].sa)
        sa_time, _ = median_time(lambda: seenit.suffix_array(t), args.repeats)
        res["build"] = {"input_mb": round(in_mb, 2), "tokens": idx.n_tokens, "docs": idx.n_docs,
                        "seconds": round(b, 3), "mb_per_s": round(in_mb / b, 2),
                        "suffix_array_seconds": round(sa_time, 3), "threads": seenit.get_num_threads()}
        print(f"build: {in_mb:.1f} MB in {b:.2f} s = {in_mb / b:.1f} MB/s end to end (suffix array alone {sa_time:.2f} s)")

        rng = np.random.default_rng(0)
        m = args.m
        starts = rng.integers(0, t.size - m, args.queries * 2)
        windows = t[starts[:, None] + np.arange(m)]
        Q = np.ascontiguousarray(windows[~(windows == idx.separator).any(1)][: args.queries])
        res["queries"] = {"n": int(Q.shape[0]), "m": m, "source": "random corpus windows without a separator",
                          "note": "seenit timings: 10 consecutive batches of n queries per repeat, divided by 10"}

        timings = {}
        counts = {}
        inner = 10  # one 10k batch takes ~20 ms: time 10 batches per repeat to beat scheduler noise

        def seenit_batches() -> np.ndarray:
            for _ in range(inner - 1):
                idx.count_many(Q)
            return idx.count_many(Q)

        for th in (1, 2):
            seenit.set_num_threads(th)
            idx.count_many(Q)  # warm the page cache and the top of the suffix array
            secs, c = median_time(seenit_batches, args.repeats)
            timings[f"seenit_{th}t"], counts[f"seenit_{th}t"] = secs / inner, c
        seenit.set_num_threads(0)
        timings["numpy"], counts["numpy"] = median_time(lambda: numpy_counts(t, sa, Q), args.repeats)
        tb = np.array(t)  # pydivsufsort needs writable arrays
        sa_pds = np.array(sa)

        def pds() -> np.ndarray:
            return np.array([pydivsufsort.sa_search(tb, sa_pds, q)[0] for q in Q], dtype=np.int64)

        timings["pydivsufsort"], counts["pydivsufsort"] = median_time(pds, args.repeats)
        ref = counts["seenit_1t"]
        for k, c in counts.items():
            if not np.array_equal(c, ref):
                raise SystemExit(f"count mismatch between seenit and {k}")
        qps = {k: Q.shape[0] / v for k, v in timings.items()}
        res["count_queries"] = {
            "queries_per_s": {k: round(v) for k, v in qps.items()},
            "seconds": {k: round(v, 5) for k, v in timings.items()},
            "ratio_seenit_2t_vs_numpy": round(qps["seenit_2t"] / qps["numpy"], 2),
            "ratio_seenit_2t_vs_pydivsufsort": round(qps["seenit_2t"] / qps["pydivsufsort"], 2),
            "ratio_seenit_1t_vs_numpy": round(qps["seenit_1t"] / qps["numpy"], 2),
            "counts_equal": True,
            "mean_count": round(float(ref.mean()), 2),
        }
        for k, v in qps.items():
            print(f"count {k:>14}: {v:>12,.0f} queries/s")

        gsm = DATA / "gsm8k" / "test.jsonl"
        if gsm.is_file():
            from seenit.io import read_texts

            qs = read_texts(gsm, field="question")
            secs, rep = median_time(lambda: seenit.contamination(qs, idx), args.repeats)
            res["contamination"] = {"benchmark": "gsm8k test questions", "items": len(qs), "seconds": round(secs, 3),
                                    "items_per_s": round(len(qs) / secs, 1), "summary": rep.summary}
            print(f"contamination: {len(qs)} GSM8K items in {secs:.2f} s ({len(qs) / secs:,.0f} items/s)")
        del idx, t, sa, tb, sa_pds
    args.out.parent.mkdir(parents=True, exist_ok=True)
    from seenit.io import write_json

    res["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    write_json(args.out, res)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
