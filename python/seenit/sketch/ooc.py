"""Out-of-core near-duplicate clustering: the work directory, the memory plan and the stages.

::

    WORK/
      work.json              manifest: format, version, identity (inputs + settings), finished stages
      signatures.bin         n x num_perm signatures, raw host-endian (rows read by the core)
      lines.bin, files.bin   per document: its 1-based line (int64) and file index (int32), when from files
      runs/run-NNNNNN.bin    one sorted band run per block of documents (core: dedup_write_band_run)
      edges.bin              every verified edge (i, j, similarity), sorted, unique
      components-T.bin       (id, cluster, similarity) of every clustered document, for similarity >= T

Stages: ``signatures`` (signatures, sources, runs), ``edges``, ``components-T``. A stage is
finished when the manifest lists it and every file it lists has the recorded size and SHA-256;
an interrupted run restarts from the first stage that is not. The *identity* (input files'
paths, sizes and mtimes, and every setting that changes the result) decides whether a work
directory belongs to a run: one from another run is refused with what differs. The memory
budget is not part of it (any budget gives the same files' meaning, so a resumed run may use
another). The algorithms are in the core (cpp/src/sketch/dedup_ooc.cpp); this module plans
memory, names files and keeps the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import _core
from .. import io as sio
from .outputs import sha256_file

WORK_FORMAT = "seenit-dedup-work"
WORK_VERSION = 1
MANIFEST = "work.json"
#: The smallest block of documents a band run holds; the budget must fit one (see plan_memory).
MIN_BLOCK_DOCS = 64
_MIN_READ_BUFFER = 64 << 10
_MAX_READ_BUFFER = 1 << 20
RECORD_BYTES = 24  # a band-run entry, an edge or a cluster record (cpp/include/seenit/dedup_ooc.hpp)
_CLUSTER_DTYPE = np.dtype([("id", "<i8"), ("cluster", "<i8"), ("similarity", "<f8")])
_EDGE_DTYPE = np.dtype([("i", "<i8"), ("j", "<i8"), ("similarity", "<f8")])

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
          "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40}


def parse_size(value: Any, name: str = "max_memory") -> int:
    """Bytes from an int or a string such as ``"256M"``, ``"1.5GiB"``, ``"4096"`` (powers of 1024)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a size such as 268435456 or '256M', got {value!r}")
    if isinstance(value, (int, np.integer)):
        n = int(value)
    elif isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", value)
        if not m or m.group(2).lower() not in _UNITS:
            raise ValueError(f"{name} must be a size such as '256M', '2G' or a number of bytes, got {value!r}")
        n = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    else:
        raise TypeError(f"{name} must be a size such as 268435456 or '256M', got {type(value).__name__}")
    if n < 1:
        raise ValueError(f"{name} must be > 0 bytes, got {value!r}")
    return n


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def per_doc_block_bytes(num_perm: int, bands: int, sig_bytes: int) -> int:
    """Memory per document of a band-run block: its signature, band keys and sorted entries."""
    return num_perm * sig_bytes + bands * (8 + RECORD_BYTES) + 1


def in_memory_bytes(n: int, num_perm: int, bands: int, sig_bytes: int) -> int:
    """What the in-memory mode holds for n documents: signatures, the LSH tables (16 bytes per band
    entry), the bucket lists made from them, labels and masks."""
    return n * (num_perm * sig_bytes + bands * (16 + 8) + 24)


@dataclass(frozen=True)
class MemoryPlan:
    """How a budget is shared by the stages (they run one after another)."""

    budget: int
    block_docs: int        # documents per band run (half the budget)
    read_buffer: int       # per run, while merging
    merge_fan_in: int      # runs merged at once (a quarter of the budget in read buffers)
    edge_buffer: int       # verified edges held before a sorted run is spilled
    page_cache: int        # mapped union-find pages before they are returned to the page cache
    parent_ram: int        # the union-find parents stay in RAM up to this, else a memory-mapped file


def minimum_budget(num_perm: int, bands: int, sig_bytes: int) -> int:
    """The smallest budget that holds one block of MIN_BLOCK_DOCS documents and two merge buffers."""
    return max(2 * MIN_BLOCK_DOCS * per_doc_block_bytes(num_perm, bands, sig_bytes), 8 * _MIN_READ_BUFFER)


def plan_memory(budget: int, num_perm: int, bands: int, sig_bytes: int, name: str = "max_memory") -> MemoryPlan:
    need = minimum_budget(num_perm, bands, sig_bytes)
    if budget < need:
        raise ValueError(f"{name}={fmt_bytes(budget)} is too small: one block of {MIN_BLOCK_DOCS} documents with "
                         f"num_perm={num_perm} and {bands} bands needs at least {need} bytes ({fmt_bytes(need)})")
    quarter = budget // 4
    return MemoryPlan(budget=budget, block_docs=(budget // 2) // per_doc_block_bytes(num_perm, bands, sig_bytes),
                      read_buffer=_MIN_READ_BUFFER, merge_fan_in=max(2, quarter // _MIN_READ_BUFFER),
                      edge_buffer=quarter, page_cache=quarter, parent_ram=budget // 2)


def scratch_estimate(n: int, num_perm: int, bands: int, sig_bytes: int, sources: bool = True) -> dict[str, int]:
    """Scratch disk of a run over n documents: exact for signatures, sources and band runs (an upper
    bound: empty documents add no entries); edges are 24 bytes per verified pair, assumed here to
    be at most one per document (a corpus of many large clusters has more)."""
    est = {"signatures": n * num_perm * sig_bytes, "sources": n * 12 if sources else 0,
           "band_runs": n * bands * RECORD_BYTES, "edges": n * RECORD_BYTES, "components": n * RECORD_BYTES}
    # merging the runs may write one extra generation of them
    est["total_peak"] = est["signatures"] + est["sources"] + 2 * est["band_runs"] + est["edges"] + est["components"]
    return est


def fingerprint(files: list[sio.Source], field: str) -> list[str]:
    """What a resumed run checks each input against (seenit.io.source_fingerprint: a file's path,
    size and modification time; a URL's fsspec key; a table's content)."""
    return [sio.source_fingerprint(f, field) for f in files]


def _differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for k in sorted(set(old) | set(new)):
            out += _differences(old.get(k), new.get(k), f"{prefix}{k}.")
        return out
    return [] if old == new else [f"{prefix.rstrip('.')}: {old!r} there, {new!r} here"]


class WorkDir:
    """A work directory: its identity, and which stages are finished (see the module doc)."""

    def __init__(self, path: str | os.PathLike[str], identity: dict[str, Any], overwrite: bool = False,
                 name: str = "work_dir") -> None:
        self.path = Path(path)
        self.identity = identity
        if self.path.exists() and not self.path.is_dir():
            raise ValueError(f"{name} {str(self.path)!r} exists and is not a directory")
        man = self.path / MANIFEST
        if man.is_file() and overwrite:
            self.clear()
        if man.is_file():
            old = self._load()
            diff = _differences(old.get("identity"), identity)
            if diff:
                raise ValueError(f"{name} {str(self.path)!r} belongs to another run ({'; '.join(diff[:4])}"
                                 f"{'; ...' if len(diff) > 4 else ''}); use another directory or overwrite it")
            self.stages: dict[str, Any] = old.get("stages", {})
        else:
            if self.path.is_dir() and any(self.path.iterdir()):
                raise ValueError(f"{name} {str(self.path)!r} is not empty and holds no {MANIFEST}: "
                                 "not a seenit dedup work directory")
            self.path.mkdir(parents=True, exist_ok=True)
            self.stages = {}
            self._save()

    @staticmethod
    def read_identity(path: Path) -> dict[str, Any]:
        """The identity recorded in the work directory at ``path``."""
        ident = WorkDir._load_from(path).get("identity")
        if not isinstance(ident, dict):
            raise ValueError(f"{path / MANIFEST}: no identity recorded")
        return ident

    def _load(self) -> dict[str, Any]:
        return WorkDir._load_from(self.path)

    @staticmethod
    def _load_from(path: Path) -> dict[str, Any]:
        try:
            obj = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise ValueError(f"{path / MANIFEST}: unreadable ({e})") from None
        if not isinstance(obj, dict) or obj.get("format") != WORK_FORMAT:
            raise ValueError(f"{path / MANIFEST}: not a {WORK_FORMAT} manifest")
        if obj.get("version") != WORK_VERSION:
            raise ValueError(f"{path / MANIFEST}: version {obj.get('version')!r}, this seenit reads {WORK_VERSION}")
        return obj

    def _save(self) -> None:
        sio.write_json(self.path / MANIFEST, {"format": WORK_FORMAT, "version": WORK_VERSION,
                                              "identity": self.identity, "stages": self.stages})

    def clear(self) -> None:
        """Remove what this module writes (and only that)."""
        for p in (MANIFEST, "signatures.bin", "lines.bin", "files.bin", "edges.bin", "runs", "merge", "edge-runs",
                  "parents.bin"):
            q = self.path / p
            if q.is_dir():
                shutil.rmtree(q)
            elif q.exists():
                q.unlink()
        for q in self.path.glob("components-*.bin"):
            q.unlink()

    def file(self, *parts: str) -> Path:
        return self.path.joinpath(*parts)

    def finished(self, stage: str) -> dict[str, Any] | None:
        """The stage's metadata when it is finished and its files are intact, else None."""
        rec = self.stages.get(stage)
        if not isinstance(rec, dict):
            return None
        for rel, (size, digest) in rec.get("files", {}).items():
            p = self.path / rel
            if not p.is_file() or p.stat().st_size != size or sha256_file(p)[1] != digest:
                self.stages.pop(stage, None)
                return None
        return rec.get("meta", {})

    def finish(self, stage: str, files: list[Path], meta: dict[str, Any],
               known: dict[Path, tuple[int, str]] | None = None) -> None:
        """Record a finished stage with the size and SHA-256 of its files (``known``: computed while
        writing, so those files are not read again)."""
        recs = {}
        for p in files:
            size, digest = (known or {}).get(p) or sha256_file(p)
            recs[str(p.relative_to(self.path))] = [size, digest]
        self.stages[stage] = {"files": recs, "meta": meta}
        self._save()


class SignatureSink:
    """Pass 1 into a work directory: appends signature blocks to signatures.bin (and, when given,
    each document's line and file index), and writes one sorted band run per plan.block_docs
    documents. Memory: one block."""

    def __init__(self, work: WorkDir, plan: MemoryPlan, bands: int, rows: int, num_perm: int,
                 dtype: np.dtype) -> None:
        self.work, self.plan, self.bands, self.rows, self.k, self.dtype = work, plan, bands, rows, num_perm, dtype
        for d in ("runs",):
            shutil.rmtree(work.file(d), ignore_errors=True)
            work.file(d).mkdir()
        self._sig = open(work.file("signatures.bin"), "wb")
        self._lines = open(work.file("lines.bin"), "wb")
        self._files = open(work.file("files.bin"), "wb")
        # hashed as written, so finishing the stage does not read them back
        self._hash = {fh: hashlib.sha256() for fh in (self._sig, self._lines, self._files)}
        # one preallocated block: the core sorts it into a run (no concatenation copy)
        self._block = np.empty((0, num_perm), dtype=dtype)
        self._pending_docs = 0
        self.n = 0
        self._run_start = 0
        self.runs: list[Path] = []
        self.entries = 0

    def add(self, sig: np.ndarray, lines: np.ndarray | None = None, file_ids: np.ndarray | None = None) -> None:
        if sig.dtype != self.dtype or sig.ndim != 2 or sig.shape[1] != self.k:
            raise ValueError(f"signature block of shape {sig.shape} and dtype {sig.dtype} does not match "
                             f"({self.k} slots of {self.dtype})")
        self._write(self._sig, np.ascontiguousarray(sig))
        if lines is not None and file_ids is not None:
            self._write(self._lines, np.ascontiguousarray(lines, dtype="<i8"))
            self._write(self._files, np.ascontiguousarray(file_ids, dtype="<i4"))
        self.n += sig.shape[0]
        lo = 0
        while lo < sig.shape[0]:
            if self._block.shape[0] == 0:
                self._block = np.empty((self.plan.block_docs, self.k), dtype=self.dtype)
            take = min(sig.shape[0] - lo, self.plan.block_docs - self._pending_docs)
            self._block[self._pending_docs:self._pending_docs + take] = sig[lo:lo + take]
            self._pending_docs += take
            lo += take
            if self._pending_docs == self.plan.block_docs:
                self._flush()

    def _write(self, fh: Any, a: np.ndarray) -> None:
        view = a.data.cast("B")
        fh.write(view)
        self._hash[fh].update(view)

    def _flush(self) -> None:
        if not self._pending_docs:
            return
        path = self.work.file("runs", f"run-{len(self.runs):06d}.bin")
        self.entries += int(_core.dedup_write_band_run(self._block[:self._pending_docs], self._run_start, self.bands,
                                                       self.rows, str(path)))
        self.runs.append(path)
        self._run_start += self._pending_docs
        self._pending_docs = 0

    def close(self, sources: list[str] | None = None) -> None:
        """Write the last run and record the finished ``signatures`` stage (``sources``: the input
        paths that files.bin indexes)."""
        self._flush()
        self._block = np.empty((0, self.k), dtype=self.dtype)
        known = {}
        for fh in (self._sig, self._lines, self._files):
            known[Path(fh.name)] = (fh.tell(), self._hash[fh].hexdigest())
            fh.close()
        files = [self.work.file("signatures.bin"), self.work.file("lines.bin"), self.work.file("files.bin"), *self.runs]
        sio.fault_point("dedup:signatures-before-record")
        self.work.finish("signatures", files, {"n": self.n, "runs": len(self.runs), "entries": self.entries,
                                              "dtype": str(self.dtype), "num_perm": self.k,
                                              "sources": sources or []}, known)

    def abort(self) -> None:
        for fh in (self._sig, self._lines, self._files):
            fh.close()


def merge_runs(work: WorkDir, runs: list[Path], plan: MemoryPlan) -> list[Path]:
    """Merge band runs in groups of plan.merge_fan_in until at most that many remain."""
    gen = 0
    while len(runs) > plan.merge_fan_in:
        out_dir = work.file("merge", f"gen-{gen}")
        out_dir.mkdir(parents=True, exist_ok=True)
        merged: list[Path] = []
        for g in range(0, len(runs), plan.merge_fan_in):
            group = runs[g:g + plan.merge_fan_in]
            out = out_dir / f"run-{len(merged):06d}.bin"
            _core.dedup_merge_band_runs([str(p) for p in group], str(out), plan.read_buffer)
            merged.append(out)
        if gen > 0:
            for p in runs:
                p.unlink()
        runs, gen = merged, gen + 1
    return runs


def edges_stage(work: WorkDir, plan: MemoryPlan, *, threshold: float, verify: str, max_bucket: int) -> int:
    """The ``edges`` stage: merged buckets -> verified, sorted, unique edges (edges.bin)."""
    meta = work.finished("edges")
    if meta is not None:
        return int(meta["edges"])
    sig_meta = work.stages["signatures"]["meta"]
    runs = [work.file(r) for r in sorted(work.stages["signatures"]["files"]) if r.startswith("runs")]
    shutil.rmtree(work.file("merge"), ignore_errors=True)
    shutil.rmtree(work.file("edge-runs"), ignore_errors=True)
    work.file("edge-runs").mkdir()
    runs = merge_runs(work, runs, plan)
    buf = int(min(_MAX_READ_BUFFER, max(_MIN_READ_BUFFER, (plan.budget // 4) // max(1, len(runs)))))
    dtype = np.dtype(sig_meta["dtype"])
    edge_paths: list[str] = _core.dedup_bucket_edges([str(p) for p in runs], str(work.file("signatures.bin")), sig_meta["n"],
                                         sig_meta["num_perm"], dtype.itemsize, threshold, verify == "signature",
                                         max_bucket, buf, plan.edge_buffer, str(work.file("edge-runs", "edges")))
    shutil.rmtree(work.file("merge"), ignore_errors=True)
    edge_runs = merge_edge_runs(work, [Path(p) for p in edge_paths], plan)
    n_edges = int(_core.dedup_merge_edge_runs([str(p) for p in edge_runs], str(work.file("edges.bin")),
                                              _MIN_READ_BUFFER))
    shutil.rmtree(work.file("edge-runs"), ignore_errors=True)
    work.finish("edges", [work.file("edges.bin")], {"edges": n_edges, "threshold": threshold, "verify": verify})
    sio.fault_point("dedup:after-edges")
    return n_edges


def merge_edge_runs(work: WorkDir, runs: list[Path], plan: MemoryPlan) -> list[Path]:
    """Merge edge runs in groups until at most plan.merge_fan_in remain."""
    gen = 0
    while len(runs) > plan.merge_fan_in:
        merged: list[Path] = []
        for g in range(0, len(runs), plan.merge_fan_in):
            out = work.file("edge-runs", f"gen{gen}-{len(merged):06d}.bin")
            _core.dedup_merge_edge_runs([str(p) for p in runs[g:g + plan.merge_fan_in]], str(out), plan.read_buffer)
            merged.append(out)
        for p in runs:
            p.unlink()
        runs, gen = merged, gen + 1
    return runs


def components_stage(work: WorkDir, plan: MemoryPlan, min_sim: float) -> tuple[Path, int, dict[str, int]]:
    """The ``components-T`` stage: clusters of the edges with similarity >= min_sim; returns the
    cluster-record file, its record count and the size histogram."""
    stage = f"components-{min_sim!r}"
    out = work.file(f"components-{min_sim!r}.bin")
    meta = work.finished(stage)
    if meta is not None:
        return out, int(meta["records"]), dict(meta["size_histogram"])
    sig_meta = work.stages["signatures"]["meta"]
    dtype = np.dtype(sig_meta["dtype"])
    parents = work.file("parents.bin")
    records, hist = _core.dedup_components(str(work.file("edges.bin")), min_sim, sig_meta["n"],
                                           str(work.file("signatures.bin")), sig_meta["num_perm"], dtype.itemsize,
                                           str(out), plan.parent_ram, str(parents), _MIN_READ_BUFFER,
                                           plan.page_cache)
    if parents.exists():
        parents.unlink()
    histogram = {str(int(s)): int(c) for s, c in hist}
    work.finish(stage, [out], {"records": int(records), "size_histogram": histogram, "min_sim": min_sim})
    return out, int(records), histogram


def iter_cluster_records(path: Path, chunk: int = 1 << 16) -> Iterator[tuple[npt.NDArray[np.int64],
                                                                            npt.NDArray[np.int64],
                                                                            npt.NDArray[np.float64]]]:
    """(ids, clusters, similarities) blocks of a cluster-record file, ascending id (sequential reads)."""
    size = path.stat().st_size
    if size % RECORD_BYTES:
        raise ValueError(f"{path}: {size} bytes is not a whole number of records (a damaged scratch file)")
    with open(path, "rb") as fh:
        while True:
            a = np.fromfile(fh, dtype=_CLUSTER_DTYPE, count=chunk)
            if a.size == 0:
                return
            yield a["id"].astype(np.int64), a["cluster"].astype(np.int64), a["similarity"].astype(np.float64)


def iter_int64_blocks(path: Path, chunk: int = 1 << 16) -> Iterator[npt.NDArray[np.int64]]:
    """A raw little-endian int64 file in blocks (sequential reads, nothing mapped)."""
    with open(path, "rb") as fh:
        while True:
            a = np.fromfile(fh, dtype="<i8", count=chunk)
            if a.size == 0:
                return
            yield a.astype(np.int64)


def read_edges(path: Path) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """All edges of an edge file as ((m, 2) int64 pairs, similarities): for results small enough for RAM."""
    a = np.fromfile(path, dtype=_EDGE_DTYPE)
    return np.ascontiguousarray(np.column_stack([a["i"], a["j"]]).astype(np.int64)), a["similarity"].astype(np.float64)


def digest_array(a: np.ndarray) -> str:
    """SHA-256 of an array's bytes, dtype and shape (the identity of signatures given in memory)."""
    h = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode())
    h.update(np.ascontiguousarray(a).data.cast("B"))
    return h.hexdigest()
