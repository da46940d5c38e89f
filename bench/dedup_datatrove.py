"""seenit dedup beside datatrove's MinHash pipeline, same corpus, same banding (14 bands x 8 rows, word 5-grams).

    python bench/dedup_datatrove.py [N_DOCS=50000] --dt-python /path/to/venv-with-datatrove/bin/python

datatrove (0.10.1) runs its four stages (MinhashDedupSignature -> MinhashDedupBuckets ->
MinhashDedupCluster -> MinhashDedupFilter) with LocalPipelineExecutor (one worker; 1 task, 14 for the
buckets stage, which needs one per band), the stages one after another, in its own interpreter; seenit runs ``dedup_files`` with ``params=(14, 8)``, num_perm=112,
``verify="none"`` (every LSH candidate, as datatrove keeps them) and ``verify="signature"`` (threshold
0.8), in memory and out of core (256M). Each is timed as a whole process (wall, and user + sys CPU of
it and its children); rounds interleaved, medians. Corpus: bench/sketch.py's generator (documents of
~100 words, 10% near-copies with 1% of words replaced) written once to /tmp/dedup-dt/in.jsonl with an
``id`` field. Recall is over the planted copies, by their true word 5-gram Jaccard to their source.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

D = Path("/tmp/dedup-dt")

DATATROVE = r"""
import sys
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
                                              MinhashDedupFilter, MinhashDedupSignature)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

base, inp = sys.argv[1], sys.argv[2]
cfg = MinhashConfig(n_grams=5, num_buckets=14, hashes_per_bucket=8)  # its default hashing
reader = lambda: JsonlReader(inp, glob_pattern="*.jsonl", id_key="id")
for k, stage in enumerate((
    [reader(), MinhashDedupSignature(output_folder=base + "/sigs", config=cfg)],
    [MinhashDedupBuckets(input_folder=base + "/sigs", output_folder=base + "/buckets", config=cfg)],
    [MinhashDedupCluster(input_folder=base + "/buckets", output_folder=base + "/remove_ids", config=cfg)],
    [reader(), MinhashDedupFilter(input_folder=base + "/remove_ids",
                                  exclusion_writer=JsonlWriter(base + "/removed", compression=None)),
     JsonlWriter(base + "/kept", compression=None)],
)):
    # one logging folder per stage: a shared one marks task 0 done and the next stages skip it
    # the buckets stage runs one task per band (its tasks must be a multiple of num_buckets)
    LocalPipelineExecutor(pipeline=stage, tasks=14 if k == 1 else 1, workers=1, logging_dir=f"{base}/logs{k}").run()
"""


def timed(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"{cmd[0]} failed:\n{r.stderr[-3000:]}")
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def datatrove_removed(base: Path) -> set[int]:
    out: set[int] = set()
    for f in (base / "removed").glob("*.jsonl"):
        for line in f.read_text().splitlines():
            out.add(int(json.loads(line)["id"]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=50_000)
    ap.add_argument("--dt-python", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "dedup_datatrove.json")
    a = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from sketch import make_corpus

    import numpy as np

    D.mkdir(exist_ok=True)
    (D / "input").mkdir(exist_ok=True)
    docs, planted = make_corpus(a.n, seed=3, words_per_doc=100, near_copy_rate=0.1)
    with open(D / "input" / "in.jsonl", "w") as fh:
        for i, d in enumerate(docs):
            fh.write(json.dumps({"id": i, "text": d}) + "\n")

    def grams(t: str) -> set[tuple[str, ...]]:
        w = t.lower().split()
        return set(zip(*(w[k:] for k in range(5))))

    true_j = {c: len(grams(docs[c]) & grams(docs[s])) / max(1, len(grams(docs[c]) | grams(docs[s])))
              for c, s in planted}
    seenit_cmd = ("import sys; from seenit.sketch.files import dedup_files; "
                  "kw = dict(max_memory='256M', work_dir=sys.argv[3]) if sys.argv[2] == 'ooc' else {}; "
                  "dedup_files([sys.argv[1]], sys.argv[4], num_perm=112, params=(14, 8), verify=sys.argv[5], "
                  "threshold=0.8, overwrite=True, **kw)")
    variants = {
        "datatrove": lambda: [a.dt_python, "-c", DATATROVE, str(D / "dt"), str(D / "input")],
        "seenit verify=none": lambda: [sys.executable, "-c", seenit_cmd, str(D / "input" / "in.jsonl"), "memory",
                                       str(D / "w1"), str(D / "s_none.jsonl"), "none"],
        "seenit verify=signature": lambda: [sys.executable, "-c", seenit_cmd, str(D / "input" / "in.jsonl"), "memory",
                                            str(D / "w2"), str(D / "s_sig.jsonl"), "signature"],
        "seenit verify=none, out of core 256M": lambda: [sys.executable, "-c", seenit_cmd,
                                                         str(D / "input" / "in.jsonl"), "ooc", str(D / "w3"),
                                                         str(D / "s_ooc.jsonl"), "none"],
    }
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    load0 = os.getloadavg()
    import shutil

    for _ in range(a.repeats):
        for name, cmd in variants.items():
            if name == "datatrove":
                shutil.rmtree(D / "dt", ignore_errors=True)  # its stages refuse to overwrite
            if "out of core" in name:
                shutil.rmtree(D / "w3", ignore_errors=True)  # a fresh work directory, not a resumed one
            times[name].append(timed(cmd()))
            print(name, times[name][-1], file=sys.stderr, flush=True)
    removed = {"datatrove": datatrove_removed(D / "dt")}
    for name, f in (("seenit verify=none", "s_none"), ("seenit verify=signature", "s_sig"),
                    ("seenit verify=none, out of core 256M", "s_ooc")):
        removed[name] = set(int(x) for x in (D / f"{f}.removed.txt").read_text().splitlines()[1:])
    rows = []
    for name in variants:
        wall = statistics.median(t[0] for t in times[name])
        cpu = statistics.median(t[1] for t in times[name])
        rec = {}
        for lo in (0.8, 0.9):
            want = [c for c, j in true_j.items() if j >= lo]
            rec[f"recall_planted_j>={lo}"] = sum(c in removed[name] for c in want) / max(1, len(want))
        rows.append({"variant": name, "seconds": wall, "cpu_seconds": cpu, "removed": len(removed[name]), **rec})
    dt = rows[0]
    out = {"command": " ".join(sys.argv), "n_docs": a.n, "load_before": load0, "load_after": os.getloadavg(),
           "rows": rows, "planted": len(planted),
           "same_removed_none_vs_ooc": removed["seenit verify=none"] == removed["seenit verify=none, out of core 256M"]}
    a.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"{a.n:,} documents, {len(planted):,} planted copies; load {load0[0]:.2f} -> {out['load_after'][0]:.2f}")
    print("| variant | wall s | CPU s | datatrove / variant (wall, CPU) | removed | planted J>=0.8 removed | J>=0.9 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['variant']} | {r['seconds']:.2f} | {r['cpu_seconds']:.2f} | {dt['seconds'] / r['seconds']:.1f}x, "
              f"{dt['cpu_seconds'] / r['cpu_seconds']:.1f}x | {r['removed']:,} | {r['recall_planted_j>=0.8']:.4f} | "
              f"{r['recall_planted_j>=0.9']:.4f} |")
    print("out of core removes the same documents as in memory:", out["same_removed_none_vs_ooc"])


if __name__ == "__main__":
    main()
