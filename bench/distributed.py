"""How wall time and peak memory grow with corpus size: local engine vs local Ray.

For each corpus size (default 10, 30, 100, 300, 1000 MB of JSONL text, capped by
``--max-mb``) and each engine, two jobs:

- **dedup**: MinHash near-duplicate clustering of the whole corpus (k=128, word 5-grams,
  threshold 0.8). Local = what ``seenit dedup minhash`` does (stream blocks of records,
  sign them, ``seenit.near_duplicates`` on the signatures); Ray =
  ``seenit.distributed.near_duplicates`` (one task per file, band-key shuffle). The two
  results are checked equal in the run.
- **index**: the scan's n-gram index (bytes tokenizer, lowercase, collapsed whitespace),
  ``LocalEngine.build_index`` vs ``RayEngine.build_index``; same document and token counts
  checked.

Corpus: MIMIR's Pile documents (``original`` field, ../shared/data/mimir_pile_nonmembers),
taken round-robin over its 17 domain files; beyond the ~200 MB available, copy r of each document has every 4th word
(starting at word r mod 4) suffixed with r, so no copy shares a word 5-gram run with
another and the dedup workload stays that of distinct documents. Written as JSONL files of
``size / 8`` (1 to 64 MB) so Ray gets at least 8 tasks.

Memory: a sampler thread reads ``/proc/<pid>/smaps_rollup`` of the measuring process and
all its descendants every 0.1 s and sums their **PSS** (proportional set size: each shared
page, e.g. Ray's shared-memory object store or a memory-mapped index, is split between
the processes that map it, so the sum counts it once). For Ray, the local cluster
(GCS, raylet, workers, object store) is started by the measuring process, so it is all
in the tree; the figure includes Ray's idle footprint, which is reported separately
(``ray_idle_pss_mb``: after start-up and one warm-up job, before each measured job).
Each engine runs in its own fresh Python process. Wall times exclude Ray start-up.

Writes bench/results/scale.json. See bench/README.md ``## distributed``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _shared_data() -> Path:
    """The nearest ../shared/data above the checkout (a worktree may sit one level deeper)."""
    for parent in ROOT.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return ROOT.parent / "shared" / "data"

DEFAULT_SIZES = (10, 30, 100, 300, 1000)


# ---------------------------------------------------------------- memory sampling


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def tree_pids(root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


def pss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_pss(root: int) -> tuple[int, int]:
    pids = tree_pids(root)
    return sum(pss_bytes(p) for p in pids), len(pids)


class PeakSampler:
    """Peak summed PSS of this process's tree while the ``with`` block runs."""

    def __init__(self, period: float = 0.1) -> None:
        self.period = period
        self.peak = 0
        self.peak_procs = 0
        self._stop = threading.Event()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            total, n = tree_pss(me)
            if total > self.peak:
                self.peak, self.peak_procs = total, n
            self._stop.wait(self.period)

    def __enter__(self) -> PeakSampler:
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
        total, n = tree_pss(os.getpid())
        if total > self.peak:
            self.peak, self.peak_procs = total, n


# ---------------------------------------------------------------- corpus


def _vary(text: str, r: int) -> str:
    if r == 0:
        return text
    words = text.split(" ")
    for i in range(r % 4, len(words), 4):
        if words[i]:
            words[i] = f"{words[i]}{r}"
    return " ".join(words)


def make_corpus(data: Path, out: Path, mb: int) -> dict[str, object]:
    """JSONL files under ``out`` holding ``mb`` MB of Pile text (cached by size)."""
    done = out / "done.json"
    if done.is_file():
        return json.loads(done.read_text())
    import seenit

    out.mkdir(parents=True, exist_ok=True)
    src = sorted((data / "mimir_pile_nonmembers").glob("*.jsonl.gz"))
    per_file = [[r.text for r in seenit.io.iter_records(f, field="original") if r.text.strip()] for f in src]
    # round-robin over the 17 domains, so every corpus size has the same mix
    base = [lst[i] for i in range(max(map(len, per_file))) for lst in per_file if i < len(lst)]
    target = mb * 1_000_000
    file_bytes = max(1_000_000, min(64_000_000, target // 8))
    written = n_docs = 0
    fh = None
    k = 0
    r = 0
    while written < target:
        for t in base:
            if fh is None or fh.tell() >= file_bytes:
                if fh is not None:
                    fh.close()
                fh = open(out / f"part-{k:04d}.jsonl", "w", encoding="utf-8")
                k += 1
            line = json.dumps({"text": _vary(t, r)}, ensure_ascii=False) + "\n"
            fh.write(line)
            written += len(line.encode("utf-8"))
            n_docs += 1
            if written >= target:
                break
        r += 1
    if fh is not None:
        fh.close()
    info = {"mb": mb, "bytes": written, "documents": n_docs, "files": k, "copies": r}
    done.write_text(json.dumps(info))
    return info


# ---------------------------------------------------------------- one engine (child process)


def _dedup_local(files: list[Path]) -> object:
    import numpy as np

    import seenit
    from seenit.io import iter_batches, iter_records

    sigs = [seenit.minhash([r.text for r in b], num_perm=128, ngram=5)
            for b in iter_batches(iter_records(files, field="text"), 8192)]
    return seenit.near_duplicates(np.concatenate(sigs), threshold=0.8)


def worker(engine: str, corpora: list[dict[str, object]], work: Path, num_cpus: int) -> list[dict[str, object]]:
    import shutil

    import numpy as np

    from seenit.scan.engine import IndexOptions

    ray_idle = None
    if engine == "ray":
        import ray

        from seenit import distributed

        t0 = time.perf_counter()
        ray.init(num_cpus=num_cpus, include_dashboard=False, object_store_memory=2 * 1024**3, log_to_driver=False)
        distributed.init()
        startup = time.perf_counter() - t0
        eng = distributed.RayEngine()
        # warm-up: start the workers once on the smallest corpus (not measured)
        distributed.near_duplicates(sorted(Path(corpora[0]["dir"]).glob("*.jsonl"))[:1], threshold=0.8)
    else:
        from seenit.scan.local import LocalEngine

        eng = LocalEngine()
        startup = 0.0
    rows = []
    for c in corpora:
        files = sorted(Path(c["dir"]).glob("*.jsonl"))
        for job in ("dedup", "index"):
            if engine == "ray":
                ray_idle = tree_pss(os.getpid())[0]
            base_pss = tree_pss(os.getpid())[0]
            out_dir = work / f"idx-{engine}-{c['mb']}"
            shutil.rmtree(out_dir, ignore_errors=True)
            with PeakSampler() as s:
                t0 = time.perf_counter()
                if job == "dedup":
                    if engine == "ray":
                        from seenit import distributed

                        res = distributed.near_duplicates(files, threshold=0.8)
                    else:
                        res = _dedup_local(files)
                    extra = {"documents": res.n_docs, "removed": res.n_removed, "bands": res.bands, "rows": res.rows,
                             "labels_sha": __import__("hashlib").sha256(np.ascontiguousarray(res.labels).tobytes()).hexdigest()[:16]}
                else:
                    idx = eng.build_index(files, out_dir, IndexOptions(), progress=False)
                    size = sum(p.stat().st_size for p in out_dir.rglob("*.bin"))
                    extra = {"documents": idx.n_docs, "tokens": idx.n_tokens, "shards": len(idx.shards),
                             "index_bytes": size}
                wall = time.perf_counter() - t0
            shutil.rmtree(out_dir, ignore_errors=True)
            row = {"engine": engine, "job": job, "mb": c["mb"], "bytes": c["bytes"], "wall_s": round(wall, 3),
                   "peak_pss_mb": round(s.peak / 1e6, 1), "before_pss_mb": round(base_pss / 1e6, 1),
                   "peak_processes": s.peak_procs, **extra}
            if ray_idle is not None:
                row["ray_idle_pss_mb"] = round(ray_idle / 1e6, 1)
                row["ray_startup_s"] = round(startup, 2)
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


# ---------------------------------------------------------------- driver


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="corpus sizes in MB")
    ap.add_argument("--max-mb", type=int, default=1000, help="skip sizes above this (disk, time)")
    ap.add_argument("--engines", nargs="+", default=["local", "ray"], choices=["local", "ray"])
    ap.add_argument("--repeats", type=int, default=1,
                    help="runs per engine, interleaved (local, ray, ray, local, ...); medians reported")
    ap.add_argument("--num-cpus", type=int, default=2, help="CPUs of the local Ray (and cores counted per engine)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/seenit-scale"), help="corpus and index scratch space")
    ap.add_argument("--data", type=Path, default=_shared_data())
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    ap.add_argument("--worker", choices=["local", "ray"], help=argparse.SUPPRESS)
    ap.add_argument("--corpora", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(a.worker, json.loads(a.corpora), a.work, a.num_cpus)
        return
    if not (a.data / "mimir_pile_nonmembers").is_dir():
        sys.exit(f"Pile documents not found under {a.data}; pass --data")
    sizes = [s for s in a.sizes if s <= a.max_mb]
    corpora = []
    for mb in sizes:
        d = a.work / f"corpus-{mb}mb"
        info = make_corpus(a.data, d, mb)
        corpora.append({**info, "dir": str(d)})
        print(f"corpus {mb} MB: {info['documents']:,} documents in {info['files']} files", flush=True)
    import numpy as np

    rows: list[dict[str, object]] = []
    load_before = os.getloadavg()
    for rep in range(a.repeats):
        for engine in a.engines if rep % 2 == 0 else a.engines[::-1]:
            env = dict(os.environ, SEENIT_NUM_THREADS=str(a.num_cpus))
            p = subprocess.run([sys.executable, __file__, "--worker", engine, "--corpora", json.dumps(corpora),
                                "--work", str(a.work), "--num-cpus", str(a.num_cpus)],
                               env=env, stdout=subprocess.PIPE, text=True, check=True)
            rows.extend({**json.loads(line), "repeat": rep} for line in p.stdout.splitlines() if line.startswith("{"))
    by = {(r["engine"], r["job"], r["mb"], r["repeat"]): r for r in rows}
    for (eng, job, mb, rep), r in by.items():
        other = by.get(("local", job, mb, rep))
        if eng == "ray" and other is not None:
            same = ("labels_sha", "removed") if job == "dedup" else ("documents", "tokens")
            r["equal_to_local"] = all(r[k] == other[k] for k in same)
    medians = []
    for key in sorted({(r["engine"], r["job"], r["mb"]) for r in rows}):
        group = [r for r in rows if (r["engine"], r["job"], r["mb"]) == key]
        medians.append({"engine": key[0], "job": key[1], "mb": key[2], "runs": len(group),
                        "wall_s": float(np.median([r["wall_s"] for r in group])),
                        "peak_pss_mb": float(np.median([r["peak_pss_mb"] for r in group]))})
    result = {
        "script": "bench/distributed.py", "when_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "load_avg_before": [round(x, 2) for x in load_before], "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        "num_cpus": a.num_cpus, "repeats": a.repeats, "corpora": corpora, "medians": medians, "rows": rows,
        "memory_method": "peak of summed PSS (/proc/<pid>/smaps_rollup) over the measuring process and all its "
                         "descendants, sampled every 0.1 s; Ray's local cluster is started by that process",
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"-> {a.out}")


if __name__ == "__main__":
    main()
