"""Near-duplicate dedup of a corpus over Ray Data, with the local engine's result.

Pipeline (one Ray Data execution):

1. ``map_batches`` over the corpus files (one task per file): read blocks of
   ``block_docs`` records, MinHash them (``seenit.minhash``), save each block's
   signatures under the work directory, and emit one row ``(partition, band, band key,
   document)`` per band of every non-empty document (the keys ``LSHIndex`` uses,
   from ``seenit._core.lsh_band_keys``).
2. ``groupby(partition).map_groups``: a hash shuffle brings every row of a band key to
   one task, which forms the buckets (same band and key, members ascending), reads the
   signatures of their members from the work directory, and turns them into verified
   edges with the local engine's code (``seenit.sketch.dedup.bucket_edges``: all pairs of
   small buckets, center rounds in buckets above ``max_bucket``).
3. On the driver: the edges (duplicates only, small next to the corpus) are mapped to
   global document ids, deduplicated and sorted, and the connected components computed
   by the native union-find.

Every bucket is processed on its own, so the edges, clusters and kept documents equal
``seenit.near_duplicates`` on the same documents whatever the number of workers,
partitions or block size. The work directory must be visible to every Ray node (a
shared file system on a cluster); it is removed afterwards.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import _core
from ..sketch.dedup import DEFAULT_MAX_BUCKET, RECALL_WEIGHTS, Duplicates, bucket_edges, make_verifier, unique_pairs
from ..io import iter_batches, iter_records
from ..sketch.lsh import check_threshold, optimal_params
from ..sketch.minhash import MinHashSpec, minhash
from . import _ray
from ._units import Paths, check_block_docs, limit_threads, packed, plan_units, unpack
from .._validate import check_int

_MASK = np.int64((1 << 40) - 1)


@dataclass(frozen=True)
class Sources:
    """Where every document came from: ``files[file_of[i]]``, 1-based ``line[i]``; and, per document of
    a cluster, the signature similarity to its label (the kept document; NaN outside clusters), as the
    clusters file records it."""

    files: list[str]
    file_of: npt.NDArray[np.int32]
    line: npt.NDArray[np.int64]
    label_similarity: npt.NDArray[np.float64] | None = None


def _label_similarity(work: str, labels: np.ndarray, unit_offsets: np.ndarray, block_docs: int) -> np.ndarray:
    """Per clustered document, the similarity of its saved signature to its label's (NaN elsewhere)."""
    n = labels.shape[0]
    out = np.full(n, np.nan)
    if n == 0:
        return out
    ids = np.flatnonzero(np.bincount(labels, minlength=n)[labels] >= 2).astype(np.int64)
    if ids.size == 0:
        return out
    both = np.unique(np.concatenate([ids, labels[ids]]))
    unit = np.searchsorted(unit_offsets, both, side="right") - 1
    packed_ids = (unit.astype(np.int64) << np.int64(40)) | (both - unit_offsets[unit])
    sig = gather_signatures(work, packed_ids, block_docs)
    pairs = np.ascontiguousarray(np.column_stack([np.searchsorted(both, labels[ids]), np.searchsorted(both, ids)]))
    out[ids] = _core.signature_pair_similarity(sig, sig, pairs.astype(np.int64))
    return out


def _save(path: Path, arr: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        np.save(fh, arr)
    os.replace(tmp, path)


def _sign_unit(batch: dict[str, np.ndarray], *, work: str, field: str, block_docs: int, mh_kw: dict[str, Any],
               bands: int, rows: int, parts: int, skip_bad_lines: bool) -> dict[str, np.ndarray]:
    limit_threads()
    u = int(batch["unit"][0])
    path = str(batch["path"][0])
    out: dict[str, list[np.ndarray]] = {"part": [], "band": [], "key": [], "id": []}
    lines: list[np.ndarray] = []
    local = 0
    records = iter_records(Path(path), field=field, skip_bad_lines=skip_bad_lines)
    for j, block in enumerate(iter_batches(records, block_docs)):
        sig = minhash([r.text for r in block], **mh_kw)
        _save(Path(work) / f"sig-{u:06d}-{j:06d}.npy", sig)
        lines.append(np.array([r.line for r in block], dtype=np.int64))
        keys, empty = _core.lsh_band_keys(sig, bands, rows)
        ids = packed(u, np.arange(local, local + sig.shape[0], dtype=np.int64))[~empty]
        keys = keys[~empty]
        out["key"].append(keys.reshape(-1))
        out["band"].append(np.tile(np.arange(bands, dtype=np.int32), ids.size))
        out["id"].append(np.repeat(ids, bands))
        out["part"].append((keys.reshape(-1) % np.uint64(parts)).astype(np.int64))
        local += sig.shape[0]
    _save(Path(work) / f"lines-{u:06d}.npy", np.concatenate(lines) if lines else np.zeros(0, np.int64))
    dtypes = {"part": np.int64, "band": np.int32, "key": np.uint64, "id": np.int64}
    return {k: (np.concatenate(v) if v else np.zeros(0, dtypes[k])) for k, v in out.items()}


def gather_signatures(work: str, ids: npt.NDArray[np.int64], block_docs: int) -> np.ndarray:
    """Rows of the saved block signatures for sorted packed ``ids`` (memory-mapped reads)."""
    unit = ids >> np.int64(40)
    local = ids & _MASK
    block = local // block_docs
    row = local % block_docs
    key = unit * np.int64(1 << 22) + block
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], ids.size]
    parts = []
    for s, e in zip(starts, ends):
        arr = np.load(Path(work) / f"sig-{int(unit[s]):06d}-{int(block[s]):06d}.npy", mmap_mode="r")
        parts.append(np.asarray(arr[row[s:e]]))
    return np.ascontiguousarray(np.concatenate(parts))


def _bucket_unit_edges(group: dict[str, np.ndarray], *, work: str, block_docs: int, threshold: float, verify: str,
                       max_bucket: int) -> dict[str, np.ndarray]:
    limit_threads()
    band, key, ids = group["band"], group["key"], group["id"]
    empty = {"i": np.zeros(0, np.int64), "j": np.zeros(0, np.int64), "sim": np.zeros(0, np.float64)}
    if ids.size < 2:
        return empty
    order = np.lexsort((ids, key, band))
    band, key, ids = band[order], key[order], ids[order]
    starts = np.flatnonzero(np.r_[True, (band[1:] != band[:-1]) | (key[1:] != key[:-1])])
    sizes = np.diff(np.r_[starts, ids.size])
    big = sizes >= 2
    if not big.any():
        return empty
    member = np.repeat(big, sizes)
    values = ids[member]
    offsets = np.zeros(int(big.sum()) + 1, dtype=np.int64)
    np.cumsum(sizes[big], out=offsets[1:])
    uniq = np.unique(values)  # packed ids, ascending like global ids
    sig = gather_signatures(work, uniq, block_docs)
    compact = np.searchsorted(uniq, values).astype(np.int64)
    verifier = make_verifier(verify, threshold, sig, sig, None, None, {})
    pairs, sim = bucket_edges(compact, offsets, uniq.size, verifier, max_bucket)
    return {"i": uniq[pairs[:, 0]], "j": uniq[pairs[:, 1]], "sim": sim.astype(np.float64)}


def near_duplicates_with_sources(
    paths: Paths,
    *,
    field: str = "text",
    threshold: float = 0.8,
    num_perm: int = 128,
    ngram: int = 5,
    unit: str = "word",
    seed: int = 1,
    scheme: str = "fast",
    lowercase: bool = True,
    verify: str = "signature",
    weights: Sequence[float] = RECALL_WEIGHTS,
    params: tuple[int, int] | None = None,
    max_bucket: int = DEFAULT_MAX_BUCKET,
    block_docs: int = 8192,
    num_partitions: int | None = None,
    max_workers: int | None = None,
    work_dir: str | os.PathLike[str] | None = None,
    skip_bad_lines: bool = False,
    address: str | None = None,
    num_cpus: int | None = None,
    progress: bool = False,
) -> tuple[Duplicates, Sources]:
    """:func:`near_duplicates`, plus where every document came from (file and line)."""
    t = check_threshold(threshold)
    if verify not in ("signature", "none"):
        raise ValueError(f"verify must be 'signature' or 'none' on the Ray engine (exact needs every text in one place), got {verify!r}")
    if unit not in ("word", "char"):
        raise ValueError(f"unit must be 'word' or 'char' for corpus files, got {unit!r}")
    block_docs = check_block_docs(block_docs)
    check_int(max_bucket, "max_bucket", 2)
    if num_partitions is not None:
        check_int(num_partitions, "num_partitions", 1)
    if max_workers is not None:
        check_int(max_workers, "max_workers", 1)
    if params is None:
        bands, rows = optimal_params(t, num_perm, weights)
    else:
        bands, rows = (int(x) for x in params)
        if bands < 1 or rows < 1 or bands * rows > num_perm:
            raise ValueError(f"params (bands={bands}, rows={rows}) need bands, rows >= 1 and bands * rows <= num_perm = {num_perm}")
    mh_kw = MinHashSpec(num_perm=num_perm, ngram=ngram, unit=unit, seed=seed, scheme=scheme,
                        lowercase=lowercase).kwargs()  # bad MinHash settings fail here, before any Ray work
    files = plan_units(paths)

    ray = _ray.init(address, num_cpus=num_cpus, progress=progress)
    parts = num_partitions or max(2, 2 * _ray.cluster_cpus())
    work = tempfile.mkdtemp(prefix="seenit-ray-dedup-", dir=None if work_dir is None else os.fspath(work_dir))
    try:
        items = [{"unit": u, "path": p} for u, p in enumerate(files)]
        ds = ray.data.from_items(items, override_num_blocks=len(items))
        rows_ds = ds.map_batches(functools.partial(_sign_unit, work=work, field=field, block_docs=block_docs, mh_kw=mh_kw,
                                                   bands=bands, rows=rows, parts=parts, skip_bad_lines=skip_bad_lines),
                                 batch_size=1, batch_format="numpy", num_cpus=1, concurrency=max_workers)
        edges_ds = rows_ds.groupby("part", num_partitions=parts).map_groups(
            functools.partial(_bucket_unit_edges, work=work, block_docs=block_docs, threshold=t, verify=verify,
                              max_bucket=max_bucket), batch_format="numpy", num_cpus=1, concurrency=max_workers)
        ei, ej, es = [], [], []
        with _ray.task_errors():
            for b in edges_ds.iter_batches(batch_format="numpy", batch_size=None):
                ei.append(np.asarray(b["i"], np.int64))
                ej.append(np.asarray(b["j"], np.int64))
                es.append(np.asarray(b["sim"], np.float64))
        lines = [np.load(Path(work) / f"lines-{u:06d}.npy") for u in range(len(files))]
        counts = np.array([x.size for x in lines], dtype=np.int64)
        unit_offsets = np.zeros(len(files) + 1, dtype=np.int64)
        np.cumsum(counts, out=unit_offsets[1:])
        n = int(unit_offsets[-1])
        if ei:
            pairs = np.column_stack([unpack(np.concatenate(ei), unit_offsets),
                                     unpack(np.concatenate(ej), unit_offsets)])
            sim = np.concatenate(es)
        else:
            pairs, sim = np.zeros((0, 2), np.int64), np.zeros(0, np.float64)
        pairs, sim = unique_pairs(np.ascontiguousarray(pairs, dtype=np.int64), sim, max(n, 1))
        labels = _core.union_find_labels(n, np.ascontiguousarray(pairs))
        label_sim = _label_similarity(work, labels, unit_offsets, block_docs)  # before the signatures go
    finally:
        shutil.rmtree(work, ignore_errors=True)
    keep = labels == np.arange(n, dtype=np.int64)
    dup = Duplicates(labels=labels, keep=keep, pairs=pairs, similarity=sim, threshold=t, bands=bands, rows=rows,
                     verify=verify)
    src = Sources(files=files, file_of=np.repeat(np.arange(len(files), dtype=np.int32), counts),
                  line=np.concatenate(lines) if lines else np.zeros(0, np.int64), label_similarity=label_sim)
    return dup, src


def near_duplicates(paths: Paths, *, field: str = "text", threshold: float = 0.8, num_perm: int = 128,
                    **kwargs: Any) -> Duplicates:
    """Cluster the near-duplicate documents of the corpus files ``paths`` on Ray.

    Same result as ``seenit.near_duplicates(seenit.read_texts(paths, field=field), ...)``
    with the same settings (clusters, kept documents, pairs and similarities); document
    ids are positions in :func:`seenit.io.iter_records` order. Keyword arguments:
    ``ngram``, ``unit`` ("word"/"char"), ``seed``, ``scheme``, ``lowercase``, ``verify``
    ("signature"/"none"), ``weights``, ``params``, ``max_bucket`` (as the local
    function), and ``block_docs`` (records per signature block), ``num_partitions``
    (shuffle partitions; default 2 x cluster CPUs), ``max_workers`` (tasks running at
    once per stage; default: as many as Ray schedules), ``work_dir`` (where signatures are
    kept during the run; must be shared by all nodes), ``skip_bad_lines``, ``address``
    and ``num_cpus`` (see :func:`seenit.distributed.init`), ``progress`` (Ray Data's bars).
    One task reads one file: split a corpus into several files to use several workers.
    """
    return near_duplicates_with_sources(paths, field=field, threshold=threshold, num_perm=num_perm, **kwargs)[0]
