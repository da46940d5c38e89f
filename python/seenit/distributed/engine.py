"""``RayEngine``: the scan's corpus-sized steps (:class:`seenit.scan.engine.Engine`)
in Ray tasks, with the same results as the local engine.

- ``build_index``: one task per corpus file cuts it into pieces of about
  ``shard_tokens`` UTF-8 bytes (the local engine's rule: a piece ends at the first
  document that brings it to the limit; documents are never split) and builds each
  piece as a complete :class:`~seenit.NgramIndex` under ``out_dir/pieces/`` on the
  shared path; the driver then writes ``out_dir/manifest.json`` listing every piece as
  a shard (``index_format``), so ``NgramIndex.open(out_dir)`` reads the whole corpus.
  Pieces restart at file boundaries, so a multi-file corpus has other shard
  boundaries than a local build, but every query answers the same; each piece is
  byte-identical to ``NgramIndex.build`` of its documents. A file whose pieces are
  finished (sidecar written, checksums verified) is not rebuilt by a later call.
- ``run_pass``: the scan's streaming pass, one task per corpus file folding it into a fresh
  :class:`~seenit.scan.corpus_pass.CorpusPass` under provisional ids (file, position); the
  driver renumbers each task's state to corpus ids and merges them (order-independent).
- :func:`overlap_many`: n-gram contamination queries fan out, one task per group of
  shards, and the per-shard match lengths merge by maximum (as ``NgramIndex`` does).
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import _core
from ..io import iter_records, write_json
from ..text_blocks import iter_text_blocks
from ..ngram.index import NgramIndex, Overlap, overlaps_from_lengths
from ..scan.blocks import build_piece, finished_index, index_key, take_piece, write_scan_index
from ..scan.corpus_pass import renumbered
from ..scan.engine import IndexOptions, PassState
from . import _ray
from ._units import Paths, check_block_docs, iter_blocks, limit_threads, packed, plan_units, unpack
from .._validate import check_int

SIDECAR_VERSION = 1


def _file_stamp(path: str) -> dict[str, int]:
    st = os.stat(path)
    return {"size": int(st.st_size), "mtime_ns": int(st.st_mtime_ns)}


# ---------------------------------------------------------------- task bodies


def _index_unit(batch: dict[str, np.ndarray], *, root: str, key: dict[str, Any], block_docs: int) -> dict[str, np.ndarray]:
    """Build the pieces of one file (or find them finished); returns its sidecar as JSON."""
    limit_threads()
    u = int(batch["unit"][0])
    path = str(batch["path"][0])
    pieces_dir = Path(root) / "pieces"
    side = pieces_dir / f"unit-{u:05d}.json"
    stamp = {"path": path, **_file_stamp(path)}
    if side.is_file():
        try:
            info = json.loads(side.read_text(encoding="utf-8"))
            if info.get("version") == SIDECAR_VERSION and info.get("key") == key and info.get("file") == stamp:
                for p in info["pieces"]:
                    if NgramIndex.open(pieces_dir / p["dir"], verify=True).n_docs != p["n_docs"]:
                        raise ValueError("piece changed")
                return {"unit": np.full(1, u, np.int64), "sidecar": np.array([json.dumps(info)], dtype=object)}
        except (ValueError, OSError, KeyError, TypeError):
            pass
    pieces: list[dict[str, Any]] = []
    texts = (t for block in iter_blocks(path, key["field"], block_docs, bool(key.get("skip_bad_lines", False)))
             for t in block)
    while piece := take_piece(texts, int(key["piece_bytes"])):
        name = f"unit-{u:05d}-piece-{len(pieces):05d}"
        pieces.append({"dir": name, "n_docs": build_piece(piece, pieces_dir / name, key).n_docs})
    info = {"version": SIDECAR_VERSION, "key": key, "file": stamp, "pieces": pieces}
    write_json(side, info)
    return {"unit": np.full(1, u, np.int64), "sidecar": np.array([json.dumps(info)], dtype=object)}


def _count_unit(batch: dict[str, np.ndarray], *, field: str, skip_bad_lines: bool) -> dict[str, np.ndarray]:
    u, path = int(batch["unit"][0]), str(batch["path"][0])
    n = sum(1 for _ in iter_records(Path(path), field=field, skip_bad_lines=skip_bad_lines))
    return {"unit": np.full(1, u, np.int64), "count": np.full(1, n, np.int64)}


def _pass_unit(batch: dict[str, np.ndarray], *, new_pass: Callable[[], PassState], field: str, block_docs: int,
               skip_bad_lines: bool, cite: dict[int, list[int]]) -> dict[str, np.ndarray]:
    """One corpus file through a fresh pass; its documents get provisional ids packed(unit, j)."""
    limit_threads()
    u, path = int(batch["unit"][0]), str(batch["path"][0])
    cpass = new_pass()
    cpass.cite = frozenset(int(x) for x in packed(u, np.asarray(cite.get(u, []), np.int64)))
    skipped: list[str] = []
    base = int(packed(u, np.zeros(1, np.int64))[0])
    for block in iter_text_blocks(Path(path), field=field, skip_bad_lines=skip_bad_lines, skipped=skipped,
                                  block_docs=block_docs):
        cpass.fold(block, base)
        base += len(block)
    return {"unit": np.full(1, u, np.int64), "count": np.full(1, cpass.n_docs, np.int64),
            "state": np.array([pickle.dumps(cpass.state())], dtype=object),
            "skipped": np.array([json.dumps(skipped)], dtype=object)}


def _shard_lengths(batch: dict[str, np.ndarray], *, root: str, vals_ref: Any) -> dict[str, np.ndarray]:
    import ray

    limit_threads()
    vals, offs, pos = ray.get(vals_ref)
    idx = NgramIndex.open(root)
    out = np.zeros(pos.size, dtype=np.int64)
    for s in batch["shard"]:
        sh = idx.shards[int(s)]
        np.maximum(out, _core.ngram_prefix_lengths(sh.tokens, sh.sa, idx.separator, vals, offs, pos), out=out)
    return {"lengths": [out]}


# ---------------------------------------------------------------- the engine


def _unit_dataset(ray: Any, files: list[str]) -> Any:
    items = [{"unit": u, "path": p} for u, p in enumerate(files)]
    return ray.data.from_items(items, override_num_blocks=len(items))


def _rows(ds: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with _ray.task_errors():
        for b in ds.iter_batches(batch_format="numpy", batch_size=None):
            keys = list(b)
            out.extend({k: b[k][r] for k in keys} for r in range(len(b[keys[0]])))
    return out


class RayEngine:
    """Runs the :class:`~seenit.scan.engine.Engine` steps in Ray tasks (one per corpus file).

    Args:
        address: a Ray cluster to connect to (default ``$RAY_ADDRESS``; else a local Ray).
        num_cpus: CPUs of a local Ray started here (default: all cores).
        block_docs: records per block inside a task (memory bound of a task).
        progress: show Ray Data's progress bars.
    """

    name = "ray"

    def __init__(self, address: str | None = None, *, num_cpus: int | None = None, block_docs: int = 4096,
                 progress: bool = False) -> None:
        self.block_docs = check_block_docs(block_docs)
        self.num_cpus = _ray.check_num_cpus(num_cpus)
        self.address = address
        self.progress = bool(progress)
        _ray.require_ray()

    def _ray(self) -> Any:
        return _ray.init(self.address, num_cpus=self.num_cpus, progress=self.progress)

    # ------------------------------------------------------------------ n-gram index
    def build_index(self, corpus: Paths, out_dir: Path, options: IndexOptions, *, progress: bool = True) -> NgramIndex:
        if options.tokenizer == "whitespace":
            raise ValueError("the Ray engine cannot build a 'whitespace' index (its vocabulary grows in corpus order); "
                             "use tokenizer='bytes', 'tiktoken:...' or 'hf:...'")
        files = plan_units(corpus)
        out_dir = Path(out_dir)
        key = index_key(options)
        inputs = [{"path": f, **_file_stamp(f)} for f in files]
        if (done := finished_index(out_dir, {"scan_index": key, "inputs": inputs})) is not None:
            return done
        pieces_dir = out_dir / "pieces"
        pieces_dir.mkdir(parents=True, exist_ok=True)
        for junk in pieces_dir.glob(".*"):  # temporaries of an interrupted piece build
            shutil.rmtree(junk, ignore_errors=True)
        ray = self._ray()
        ds = _unit_dataset(ray, files).map_batches(
            functools.partial(_index_unit, root=str(out_dir), key=key, block_docs=self.block_docs),
            batch_size=1, batch_format="numpy", num_cpus=1)
        rows = sorted(_rows(ds), key=lambda r: int(r["unit"]))
        if [int(r["unit"]) for r in rows] != list(range(len(files))):
            raise RuntimeError(f"expected one result per corpus file from Ray ({len(files)}), got {len(rows)}")
        infos = [json.loads(str(r["sidecar"])) for r in rows]
        return self._assemble(out_dir, key, files, infos)

    @staticmethod
    def _assemble(out_dir: Path, key: dict[str, Any], files: list[str], infos: list[dict[str, Any]]) -> NgramIndex:
        pieces = [(f"pieces/{p['dir']}", NgramIndex.open(out_dir / "pieces" / p["dir"]))
                  for info in infos for p in info["pieces"]]
        if not pieces:
            raise ValueError(f"the corpus holds no documents ({', '.join(files)})")
        for u in range(len(files), 1 << 30):  # sidecars and pieces of files no longer in the corpus
            stale = sorted((out_dir / "pieces").glob(f"unit-{u:05d}*"))
            if not stale:
                break
            for x in stale:
                shutil.rmtree(x) if x.is_dir() else x.unlink()
        return write_scan_index(out_dir, pieces, key, built_by="seenit.distributed.RayEngine",
                                inputs=[{"path": f, **_file_stamp(f)} for f in files])

    # ------------------------------------------------------------------ the streaming pass
    def run_pass(self, corpus: Paths, field: str, skip_bad_lines: bool, new_pass: Callable[[], PassState], *,
                 key: dict[str, Any], progress: bool = True) -> tuple[PassState, list[str]]:
        """One task per corpus file, each folding its file into a fresh pass under provisional
        document ids (file, position); the driver renumbers each state to corpus ids and
        merges them (order-independent), so the result equals the local engine's."""
        files = plan_units(corpus)
        total = new_pass()
        ray = self._ray()
        cite: dict[int, list[int]] = {}
        if total.cite:  # documents cited in advance: their files and positions need the files' sizes first
            counts = self._unit_counts(ray, files, field, skip_bad_lines)
            first = np.concatenate(([0], np.cumsum(counts)))
            for d in sorted(total.cite):
                u = int(np.searchsorted(first, d, side="right")) - 1
                if 0 <= u < len(files):
                    cite.setdefault(u, []).append(d - int(first[u]))
        ds = _unit_dataset(ray, files).map_batches(
            functools.partial(_pass_unit, new_pass=new_pass, field=field, block_docs=self.block_docs,
                              skip_bad_lines=skip_bad_lines, cite=cite),
            batch_size=1, batch_format="numpy", num_cpus=1)
        rows = sorted(_rows(ds), key=lambda r: int(r["unit"]))
        if [int(r["unit"]) for r in rows] != list(range(len(files))):
            raise RuntimeError(f"expected one result per corpus file from Ray ({len(files)}), got {len(rows)}")
        first = np.concatenate(([0], np.cumsum([int(r["count"]) for r in rows]))).astype(np.int64)
        skipped: list[str] = []
        for r in rows:
            total.merge(renumbered(pickle.loads(r["state"]), lambda ids: unpack(ids, first)))
            skipped += json.loads(str(r["skipped"]))
        return total, skipped

    @staticmethod
    def _unit_counts(ray: Any, files: list[str], field: str, skip_bad_lines: bool) -> list[int]:
        ds = _unit_dataset(ray, files).map_batches(
            functools.partial(_count_unit, field=field, skip_bad_lines=skip_bad_lines),
            batch_size=1, batch_format="numpy", num_cpus=1)
        return [int(r["count"]) for r in sorted(_rows(ds), key=lambda r: int(r["unit"]))]

    # ------------------------------------------------------------------ queries
    def overlap_many(self, index: str | os.PathLike[str] | NgramIndex, queries: Sequence[str | np.ndarray], n: int = 13,
                     *, units: str = "auto", tasks: int | None = None) -> list[Overlap]:
        return overlap_many(index, queries, n, units=units, tasks=tasks, engine=self)


def overlap_many(index: str | os.PathLike[str] | NgramIndex, queries: Sequence[str | np.ndarray], n: int = 13, *,
                 units: str = "auto", tasks: int | None = None, engine: RayEngine | None = None) -> list[Overlap]:
    """``NgramIndex.overlap_many`` with the shards searched in Ray tasks (``tasks`` groups
    of shards, default one per shard up to 2 x cluster CPUs); the per-shard match lengths
    merge by maximum, so the result equals the local call. The index directory must be
    readable from every node."""
    idx = index if isinstance(index, NgramIndex) else NgramIndex.open(index)
    n = check_int(n, "n", lo=1)
    vals, offs, words = idx._overlap_queries(queries, units)
    if offs.size == 1:
        return []
    us, ue = idx.unit_spans(vals, offs, words)
    ray = engine._ray() if engine is not None else _ray.init()
    n_shards = len(idx.shards)
    groups = tasks or min(n_shards, 2 * _ray.cluster_cpus())
    groups = max(1, min(int(groups), n_shards))
    items = [{"shard": s, "group": s % groups} for s in range(n_shards)]
    ds = ray.data.from_items(items, override_num_blocks=groups)
    ref = ray.put((vals, offs, np.ascontiguousarray(us, dtype=np.int64)))
    lens = np.zeros(us.size, dtype=np.int64)
    out_ds = ds.map_batches(functools.partial(_shard_lengths, root=str(idx.path), vals_ref=ref), batch_size=None,
                            batch_format="numpy", num_cpus=1)
    with _ray.task_errors():
        for b in out_ds.iter_batches(batch_format="numpy", batch_size=None):
            for part in b["lengths"]:
                np.maximum(lens, np.asarray(part, np.int64), out=lens)
    return overlaps_from_lengths(vals, offs, us, ue, lens, n)
