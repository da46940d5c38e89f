"""End to end (text -> kept file + cluster files): dedup_files in memory vs out of core (256M budget;
work_dir forces it), interleaved, 3 rounds, medians; checks the outputs are identical.

    python bench/dedup_e2e.py [N_DOCS=100000]     # corpus: bench/sketch.py's generator, 100 words, 10% copies

Scratch and outputs go to /tmp/dedup-e2e (the corpus is generated once and reused)."""
import json, os, resource, statistics, subprocess, sys, time
from pathlib import Path
D = Path("/tmp/dedup-e2e")
D.mkdir(exist_ok=True)
CHILD = """
import json, resource, sys, time, shutil
from seenit.sketch.files import dedup_files
mode, out = sys.argv[1], sys.argv[2]
kw = dict(max_memory="256M", work_dir=out + ".work") if mode == "ooc" else {}
shutil.rmtree(out + ".work", ignore_errors=True)
t, c = time.perf_counter(), time.process_time()
r = dedup_files(["/tmp/dedup-e2e/in.jsonl"], out, overwrite=True, **kw)
print(json.dumps({"mode": mode, "seconds": time.perf_counter() - t, "cpu": time.process_time() - c,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "removed": r.n_removed, "n": r.n_docs}))
"""
if not (D / "in.jsonl").exists():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from sketch import make_corpus
    docs, _ = make_corpus(int(sys.argv[1]) if len(sys.argv) > 1 else 100000, seed=3, words_per_doc=100, near_copy_rate=0.1)
    with open(D / "in.jsonl", "w") as fh:
        for d in docs:
            fh.write(json.dumps({"text": d}) + "\n")
runs = []
load0 = os.getloadavg()
for rep in range(3):
    for mode in ("memory", "ooc"):
        r = subprocess.run([sys.executable, "-c", CHILD, mode, str(D / f"{mode}.jsonl")], capture_output=True, text=True, check=True)
        runs.append(json.loads(r.stdout.strip().splitlines()[-1])); print(runs[-1], flush=True)
same = (D / "memory.jsonl").read_bytes() == (D / "ooc.jsonl").read_bytes() and \
    (D / "memory.clusters.jsonl").read_text().splitlines()[1:] == (D / "ooc.clusters.jsonl").read_text().splitlines()[1:]
for mode in ("memory", "ooc"):
    rs = [r for r in runs if r["mode"] == mode]
    print(mode, "n", rs[0]["n"], "median s", round(statistics.median(r["seconds"] for r in rs), 2), "cpu", round(statistics.median(r["cpu"] for r in rs), 2),
          "peak rss MiB", max(r["rss"] for r in rs) // 2**20, "removed", rs[0]["removed"])
print("identical outputs:", same, "load", load0, os.getloadavg(), "size MB", (D / "in.jsonl").stat().st_size // 2**20)
