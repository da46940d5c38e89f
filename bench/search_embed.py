"""all-MiniLM-L6-v2 on the CPU: seenit's NumPy encoder (seenit.search.bert, no torch) vs
sentence-transformers (torch), side by side on real text (GSM8K test questions), interleaved
rounds, medians of wall and CPU seconds, and how far the vectors differ.

    python bench/search_embed.py [--n 1319] [--rounds 3] [--out bench/results/search_embed.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import time
from pathlib import Path

import numpy as np


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--n", type=int, default=1319)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from seenit.search import embed

    texts = [json.loads(line)["question"] for line in open(Path(a.data) / "gsm8k" / "test.jsonl")][: a.n]
    methods = {"seenit numpy": embed.embedder("numpy:all-MiniLM-L6-v2"),
               "sentence-transformers": embed.embedder("all-MiniLM-L6-v2")}
    vecs = {k: f(texts[:8]) for k, f in methods.items()}  # warm up (load, first BLAS calls)
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in methods}
    for r in range(a.rounds):
        for k in (list(methods) if r % 2 == 0 else list(methods)[::-1]):
            w0, c0 = time.perf_counter(), cpu_seconds()
            vecs[k] = methods[k](texts)
            times[k].append((time.perf_counter() - w0, cpu_seconds() - c0))
    diff = float(np.abs(vecs["seenit numpy"] - vecs["sentence-transformers"]).max())
    cos = float((vecs["seenit numpy"] * vecs["sentence-transformers"]).sum(axis=1).min())
    res = {"texts": len(texts), "host": platform.processor() or platform.machine(), "load": os.getloadavg(),
           "max_abs_diff": diff, "min_cosine": cos, "methods": {}}
    for k, t in times.items():
        res["methods"][k] = {"wall_s": statistics.median(x[0] for x in t), "cpu_s": statistics.median(x[1] for x in t)}
        print(f"{k:24s} wall {res['methods'][k]['wall_s']:.2f} s  cpu {res['methods'][k]['cpu_s']:.2f} s  "
              f"({len(texts) / res['methods'][k]['wall_s']:.0f} texts/s)")
    print(f"max |difference| {diff:.2e}, smallest cosine between the two vectors of a text {cos:.7f}")
    if a.out:
        Path(a.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
