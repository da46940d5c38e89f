"""`seenit scan` at corpus scale: the streaming pass vs the index path vs datatrove's n-gram decontamination.

Corpus: MIMIR's Pile documents (``original`` field, ../shared/data/mimir_pile_nonmembers, 17 gzipped
JSONL files, ~74 MB of text) plus one file of 100 Pile documents, each with one GSM8K test
question planted in its middle ("1x"); "10x" lists the same 18 files ten times under different
names (symbolic links), so the work is 10x and the disk cache is warm for all. Benchmarks: GSM8K test
(question), HumanEval (prompt), MBPP (text), TruthfulQA (Question): 3,274 items.

Jobs (each in its own fresh Python process; CPU seconds = user + system of that process and its
children, peak RSS = its ru_maxrss; bytes written = everything under its output directory):

- ``stream``: ``seenit.scan(corpus, benchmarks, methods="ngram,minhash")`` — the default engine;
- ``index``: the same with ``index=DIR`` on an empty DIR (builds the corpus suffix-array index,
  then queries it: what the scan did before the streaming engine);
- ``datatrove``: datatrove's ``NGramsDecontIndexer.compute_hashes`` over the same items (13-grams,
  its default normalisation and spaCy word tokenizer; called on a stand-in object, since the step's
  constructor requires lighteval; the hashes written as its ``run`` writes them)
  and ``JsonlReader`` -> ``NGramsDecontFilter.filter`` over every corpus document: the n-gram part
  of the same work, without evidence (pip install datatrove spacy in the bench environment; skipped
  when missing).

The jobs are interleaved round by round (``--repeats``), medians reported; the planted items each
job finds are counted and printed. Corpus MB = UTF-8 bytes of the documents' text. Writes
bench/results/scan.json. See bench/README.md ``## scan``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N_PLANTED = 100


def _shared_data() -> Path:
    """The nearest ../shared/data above the checkout (a worktree may sit one level deeper)."""
    for parent in ROOT.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return ROOT.parent / "shared" / "data"


def benchmarks(data: Path) -> dict[str, tuple[str, str]]:
    return {"gsm8k": (str(data / "gsm8k" / "test.jsonl"), "question"),
            "humaneval": (str(data / "humaneval" / "HumanEval.jsonl.gz"), "prompt"),
            "mbpp": (str(data / "mbpp" / "mbpp.jsonl"), "text"),
            "truthfulqa": (str(data / "truthfulqa" / "TruthfulQA.csv"), "Question")}


def prepare(data: Path, work: Path, copies: int) -> tuple[list[str], int]:
    """The corpus files (the Pile set, the planted file, ``copies`` times under other names) and its text bytes."""
    pile = sorted((data / "mimir_pile_nonmembers").glob("*.jsonl.gz"))
    planted = work / "planted.jsonl.gz"
    if not planted.exists():
        rng = random.Random(0)
        with (data / "gsm8k" / "test.jsonl").open(encoding="utf-8") as fh:
            questions = [json.loads(line)["question"] for line in fh]
        docs = []
        with gzip.open(data / "mimir_pile_nonmembers" / "pile_cc_0_test_raw.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                docs.append(json.loads(line)["original"])
                if len(docs) == N_PLANTED:
                    break
        with gzip.open(planted, "wt", encoding="utf-8") as out:
            for q, d in zip(rng.sample(questions, N_PLANTED), docs):
                cut = d.rfind(" ", 0, len(d) // 2) + 1
                out.write(json.dumps({"original": d[:cut] + q + " " + d[cut:]}) + "\n")
    base = [*pile, planted]
    files: list[str] = []
    for c in range(copies):
        if c == 0:
            files += [str(f) for f in base]
            continue
        d = work / f"copy{c}"
        d.mkdir(exist_ok=True)
        for f in base:
            link = d / f"c{c}_{f.name}"
            if not link.exists():
                link.symlink_to(f.resolve())
            files.append(str(link))
    n_bytes = 0
    for f in base:
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            n_bytes += sum(len(json.loads(line)["original"].encode("utf-8")) for line in fh)
    return files, n_bytes * copies


# ---------------------------------------------------------------- the jobs (run in child processes)

JOB = r"""
import json, os, resource, sys, time
job, files, benches, out = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
t0 = time.perf_counter()
found = None
if job in ("stream", "index"):
    import seenit
    rep = seenit.scan(files, {k: tuple(v) for k, v in benches.items()}, methods="ngram,minhash", field="original",
                      out=out + "/run", index=out + "/index" if job == "index" else None, html=False)
    found = sum(1 for it in rep.items("gsm8k") if it["verdict"] != "clean")
else:
    import csv, gzip
    import numpy as np
    from datatrove.pipeline.decont.n_grams import NGramsDecontConfig, NGramsDecontFilter, NGramsDecontIndexer
    from datatrove.pipeline.readers import JsonlReader
    from types import SimpleNamespace
    from datatrove.utils.hashing import create_hash_func
    from datatrove.utils.word_tokenizers import load_word_tokenizer
    cfg = NGramsDecontConfig(n_grams=13, find_query_ngrams=True, find_overlap_ngrams=False)
    os.makedirs(out + "/index", exist_ok=True)
    # NGramsDecontIndexer's own compute_hashes, without the step object (its constructor requires lighteval)
    me = SimpleNamespace(config=cfg, tokenizer=load_word_tokenizer("en"), hash_func=create_hash_func(cfg.hash_config))
    indexer = SimpleNamespace(compute_hashes=lambda label, query: NGramsDecontIndexer.compute_hashes(me, label, query))
    with open(os.path.dirname(out) + "/items.json", encoding="utf-8") as fh:
        items = json.load(fh)  # the benchmarks' items as seenit reads them (written by the parent)
    for name in benches:
        hashes = set()
        for text in items[name]:
            hashes.update(indexer.compute_hashes("", text))
        np.array(sorted(hashes), dtype=cfg.hash_config.np_descr).tofile(out + f"/index/{name}.index.hashes")
    filt = NGramsDecontFilter(out + "/index", config=cfg)
    found = 0
    for f in files:
        reader = JsonlReader(os.path.dirname(f), glob_pattern=os.path.basename(f), text_key="original")
        for doc in reader.run():
            if filt.filter(doc) is not True and os.path.basename(f).endswith("planted.jsonl.gz"):
                found += 1
wall = time.perf_counter() - t0
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
written = sum(p.stat().st_size for p in __import__("pathlib").Path(out).rglob("*") if p.is_file())
print(json.dumps({"wall_s": wall, "cpu_s": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
                  "peak_rss_mb": max(me.ru_maxrss, kids.ru_maxrss) / 1024, "written_bytes": written, "found": found}))
"""


def run_job(job: str, files: list[str], benches: dict[str, tuple[str, str]], work: Path, python: str) -> dict:
    out = work / f"out-{job}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = {**os.environ, "SKBUILD_EDITABLE_VERBOSE": "0"}
    r = subprocess.run([python, "-c", JOB, job, json.dumps(files), json.dumps(benches), str(out)],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    if r.returncode != 0:
        raise RuntimeError(f"{job} failed:\n{r.stderr[-3000:]}")
    shutil.rmtree(out, ignore_errors=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", default="1,10", help="corpus copies, comma-separated (default 1,10)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--jobs", default="stream,index,datatrove")
    ap.add_argument("--datatrove-python", default=sys.executable,
                    help="python of an environment with datatrove + spacy (default: this one)")
    ap.add_argument("--baseline-python", default=None,
                    help="python of an environment with another seenit build (e.g. the previous commit): adds a "
                         "'baseline' job, the stream job under that build, interleaved with the others")
    ap.add_argument("--work", default="/tmp/seenit-bench-scan")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "scan.json"))
    a = ap.parse_args()
    data = _shared_data()
    if not data.is_dir():
        sys.exit(f"real data not found at {data}")
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    benches = benchmarks(data)
    jobs = a.jobs.split(",") + (["baseline"] if a.baseline_python else [])
    from seenit.io import iter_records

    items = {name: [r.text for r in iter_records(path, field=field)] for name, (path, field) in benches.items()}
    (work / "items.json").write_text(json.dumps(items), encoding="utf-8")
    results: dict = {"host": platform.processor() or platform.machine(), "cpu": _cpu_name(), "load_before": os.getloadavg(),
                     "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "scales": {}}
    for scale in (int(s) for s in a.scales.split(",")):
        files, n_bytes = prepare(data, work, scale)
        runs: dict[str, list[dict]] = {j: [] for j in jobs}
        for rep in range(a.repeats):
            for j in jobs:
                if j == "datatrove" and scale > 1:
                    continue  # ~30 CPU-minutes per round at 10x: its ratio is taken at 1x
                if j == "index" and scale > 1 and rep > 0:
                    continue  # one run: the 10x index build takes minutes and ~5x the corpus on disk
                py = {"datatrove": a.datatrove_python, "baseline": a.baseline_python}.get(j) or sys.executable
                r = run_job("stream" if j == "baseline" else j, files, benches, work, py)
                runs[j].append(r)
                print(f"{scale}x {j} round {rep}: {r}", flush=True)
        table = {}
        for j, rs in runs.items():
            if not rs:
                continue
            cpu = statistics.median(r["cpu_s"] for r in rs)
            wall = statistics.median(r["wall_s"] for r in rs)
            table[j] = {"runs": rs, "cpu_s": cpu, "wall_s": wall, "mb_per_cpu_s": n_bytes / 1e6 / cpu,
                        "wall_mb_s": n_bytes / 1e6 / wall, "peak_rss_mb": max(r["peak_rss_mb"] for r in rs),
                        "written_mb": max(r["written_bytes"] for r in rs) / 1e6, "found": rs[-1]["found"]}
        results["scales"][f"{scale}x"] = {"corpus_mb": n_bytes / 1e6, "files": len(files), "jobs": table}
        print(json.dumps({j: {k: v for k, v in t.items() if k != "runs"} for j, t in table.items()}, indent=1))
    results["load_after"] = os.getloadavg()
    Path(a.out).write_text(json.dumps(results, indent=1) + "\n")


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
