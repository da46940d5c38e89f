"""``seenit scan --dry-run``: what a scan would read, the work it would do and the disk it needs,
without doing it (the benchmarks are read: they are small, and a bad one should fail here too).

The work is counted in passes over the corpus (one streaming pass; one more to build an index,
to write the corpus back, or to plant and rescan for calibration) and the bytes each reads; the
disk in what the run directory and the outputs hold: results only for the streaming pass, about
five times the corpus text for an n-gram index, about the corpus again for each written-back copy.
"""

from __future__ import annotations

from typing import Any

from ..io import expand_paths, source_name
from ..sources import RemoteFile, TableSource
from .config import bench_specs
from .methods import load_benchmark

#: An n-gram index takes about this many bytes per byte of corpus text (docs/scan.md).
INDEX_FACTOR = 5


def _size(src: Any) -> dict[str, Any]:
    """What is known of a source's size before reading it: bytes on disk (or in memory), rows."""
    if isinstance(src, TableSource):
        o, rows, nbytes = src.obj, None, None
        if src.kind in ("datasets.Dataset", "pyarrow.Table", "pyarrow.RecordBatch"):
            rows = int(o.num_rows)
            nbytes = int(o.data.nbytes if src.kind == "datasets.Dataset" else o.nbytes)
        elif src.kind == "pandas.DataFrame":
            rows, nbytes = len(o), int(o.memory_usage(deep=True).sum())
        return {"source": src.name, "rows": rows, "bytes": nbytes, "where": "memory", "compressed": False}
    if isinstance(src, RemoteFile):
        try:
            size = src.fs.size(src.path)
        except Exception:  # a backend without sizes
            size = None
        return {"source": str(src), "rows": None, "bytes": size, "where": "remote", "compressed": _compressed(src.name)}
    return {"source": source_name(src), "rows": None, "bytes": src.stat().st_size, "where": "local",
            "compressed": _compressed(src.name)}


def _compressed(name: str) -> bool:
    return name.lower().endswith((".gz", ".zst", ".parquet"))


def dry_run(corpus: Any, benchmarks: Any, *, index: Any = None, annotate: Any = None, purify: Any = None,
            calibrate: int | None = None, skip_bad_lines: bool = False) -> dict[str, Any]:
    """The plan of a scan of ``corpus`` against ``benchmarks`` (the module docstring)."""
    sources = [_size(s) for s in expand_paths(corpus)]
    benches = [b for s in bench_specs(benchmarks) for b in load_benchmark(s, skip_bad_lines)]
    known = [s["bytes"] for s in sources if s["bytes"] is not None]
    total = sum(known) if len(known) == len(sources) else None
    passes = [("stream the corpus past the benchmark items (n-grams, MinHash, embeddings)", total)]
    disk = [("results, checkpoints, report.json, report.html", None)]
    if index is not None:
        passes.append(("build the corpus n-gram index (once; reused by later scans)", total))
        disk.append(("the n-gram index", None if total is None else INDEX_FACTOR * total))
    for flag, path in (("annotate", annotate), ("purify", purify)):
        if path is not None:
            passes.append((f"write the corpus back ({flag})", total))
            disk.append((f"{flag}: {path}", total))
    if annotate is not None and purify is not None:
        passes.pop()  # one pass writes both
    if calibrate:
        passes.append((f"plant {calibrate} items per benchmark in 5 forms and rescan them (small)", None))
    return {"corpus": sources, "corpus_bytes": total, "compressed": any(s["compressed"] for s in sources),
            "benchmarks": [{"name": b.spec.name, "items": len(b.texts), "field": b.field} for b in benches],
            "passes": [{"what": w, "bytes": n} for w, n in passes],
            "disk": [{"what": w, "bytes": n} for w, n in disk]}
