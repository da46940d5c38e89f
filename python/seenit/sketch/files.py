"""File-to-file near-duplicate dedup: corpus files in, kept (or annotated) records and the
documented cluster files out (what ``seenit dedup minhash`` runs).

Outputs and what an interrupted run leaves
------------------------------------------
``dedup_files(inputs, out)`` writes ``out`` (the kept records as read, or with ``annotate`` every
record with three added fields) and, beside it, the clusters file, the removed-ids file and the
summary (:mod:`seenit.sketch.outputs`, format in docs/dedup_files.md). All are written to
temporary names first (fsynced), then renamed: ``out``, the clusters file, the removed-ids file,
and the summary last. The summary is the commit record (it holds every other file's size and
SHA-256), so a run killed before the renames leaves the previous set untouched, and one killed
between them leaves a set its summary does not describe: :func:`check_dedup_output` raises.

Memory: the in-memory mode holds the signatures and the LSH tables. With ``max_memory`` the
run switches to the out-of-core mode as soon as they would exceed it (:mod:`seenit.sketch.ooc`:
signatures, band runs, edges and components in ``work_dir``, resumable stage by stage); the
result is the same.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import _core
from .. import io as sio
from . import ooc
from .minhash import MinHashSpec, minhash
from .outputs import (ANNOTATE_FIELDS, FORMAT_VERSION, OUT_SUFFIXES, DedupPaths, OutputWriter, check_dedup_output,
                      histogram_dict)

__all__ = ["DedupFilesResult", "check_dedup_output", "clusters_path", "dedup_files", "FORMAT_VERSION",
           "OUT_SUFFIXES"]

Paths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
ClusterChunks = Iterator[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]]


@dataclass(frozen=True)
class DedupFilesResult:
    """What :func:`dedup_files` wrote and found."""

    out: Path
    clusters: Path
    removed: Path
    summary: Path
    n_docs: int
    n_clusters: int | None  # None for LSH-Bloom (no clusters)
    n_removed: int
    n_kept: int
    bands: int
    rows: int
    engine: str
    mode: str  # "memory", "out-of-core" or "bloom"
    work_dir: Path | None
    seconds_signatures: float
    seconds_clusters: float
    seconds_total: float
    #: per kept document (input order): its whitespace words, and its cluster's size (itself included);
    #: what ``seenit.effective_tokens`` needs to price the repetitions that were removed (in-memory mode)
    kept_words: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    kept_copies: npt.NDArray[np.int64] | None = field(default=None, repr=False)


def clusters_path(out: str | os.PathLike[str], name: str = "out") -> Path:
    """``out`` with its .jsonl[.zst|.gz] ending replaced by .clusters.jsonl."""
    return DedupPaths.beside(out, name).clusters


def default_work_dir(out: str | os.PathLike[str]) -> Path:
    """Where the out-of-core mode works when no work directory is given: ``<stem>.dedup-work``."""
    c = clusters_path(out)
    return c.with_name(c.name[: -len(".clusters.jsonl")] + ".dedup-work")


@dataclass
class _Pass1:
    """What the first pass found: the document count, the clusters as ascending chunks, and where
    each document came from (in memory, or in the work directory)."""

    n: int
    chunks: Callable[[], ClusterChunks]
    histogram: dict[str, int] | None
    bands: int
    rows: int
    mode: str
    lines: Callable[[], Iterator[np.ndarray]]
    work: Path | None
    t_sig: float
    t_clusters: float
    labels: np.ndarray | None = None  # in-memory mode only
    bloom_dup: np.ndarray | None = None  # LSH-Bloom: packed duplicate flags (np.packbits), no clusters


def dedup_files(
    inputs: Paths,
    out: str | os.PathLike[str],
    *,
    field: str = "text",
    threshold: float = 0.8,
    num_perm: int = 128,
    ngram: int = 5,
    unit: str = "word",
    seed: int = 1,
    scheme: str = "fast",
    verify: str = "signature",
    weights: Sequence[float] = (0.2, 0.8),
    batch_size: int = 8192,
    lowercase: bool = True,
    engine: str = "local",
    overwrite: bool = False,
    max_memory: int | str | None = None,
    work_dir: str | os.PathLike[str] | None = None,
    annotate: bool = False,
    max_bucket: int = 100,
    method: str = "exact",
    params: tuple[int, int] | None = None,
    expected_docs: int | None = None,
    fp_rate: float = 1e-6,
    on_progress: Callable[[str, int], None] | None = None,
    arg_names: Mapping[str, str] | None = None,
) -> DedupFilesResult:
    """Remove (or, with ``annotate``, mark) near-duplicate documents (MinHash + LSH) in the files ``inputs``.

    Writes the kept records (as read) to ``out`` (.jsonl, .jsonl.gz or .jsonl.zst), or with
    ``annotate`` every record with the fields ``dedup_cluster`` (its cluster id, the smallest
    member id), ``dedup_duplicate`` (True for the documents a dedup removes) and
    ``dedup_similarity`` (MinHash similarity to the kept document); and beside it the clusters
    file, the removed-ids file and the summary (docs/dedup_files.md; see the module doc for the
    order of the renames and :func:`check_dedup_output`). The input is read twice.

    Memory: without ``max_memory`` the signatures (4 bytes x num_perm per document) and the LSH
    tables are held in memory; ``params=(bands, rows)`` skips the banding search (``weights``). With
    ``max_memory`` (bytes, or "256M") the run moves to the
    out-of-core mode as soon as they would exceed the budget; with ``work_dir`` too it works out
    of core from the start, and a rerun with the same settings resumes from the last finished
    stage. The work directory (``work_dir``, default ``<stem>.dedup-work`` beside ``out``) is
    kept for :func:`seenit.sketch.rethreshold.rethreshold`. Results are identical in every mode.

    ``method="bloom"`` runs LSH-Bloom instead (:mod:`seenit.sketch.bloom`): one Bloom filter per
    band sized for ``expected_docs`` (counted in a first read when not given) at ``fp_rate``;
    a document is removed when it shares a band with an earlier one (unverified); memory is
    the filters and a bit per document; no clusters are known (the clusters file has its header
    only, ``dedup_cluster``/``dedup_similarity`` are null when annotating).

    Every argument and every output path are checked before any work; existing outputs are
    refused unless ``overwrite``. ``on_progress(stage, documents)`` reports the stages
    ("hashing", "clustering", "writing"). ``arg_names`` renames arguments in error messages
    (the CLI passes its option names).
    """
    from .lsh import check_threshold, optimal_params

    names = dict(arg_names or {})

    def nm(a: str) -> str:
        return names.get(a, a)

    t0 = time.perf_counter()
    report = on_progress or (lambda stage, done: None)
    try:
        threshold = check_threshold(threshold)
    except (ValueError, TypeError) as e:
        raise type(e)(str(e).replace("threshold", nm("threshold"), 1)) from None
    if params is None:
        bands, rows = optimal_params(threshold, num_perm, weights)
    else:
        try:
            bands, rows = (int(x) for x in params)
        except (TypeError, ValueError):
            raise TypeError(f"{nm('params')} must be a pair (bands, rows), got {params!r}") from None
        if bands < 1 or rows < 1 or bands * rows > num_perm:
            raise ValueError(f"{nm('params')} (bands={bands}, rows={rows}) need bands, rows >= 1 and "
                             f"bands * rows <= num_perm = {num_perm}")
    if verify not in ("signature", "none"):
        raise ValueError(f"{nm('verify')} must be 'signature' or 'none' (exact needs all texts in memory; "
                         f"use seenit.near_duplicates), got {verify!r}")
    if unit not in ("word", "char"):
        raise ValueError(f"{nm('unit')} must be 'word' or 'char', got {unit!r}")
    if engine not in ("local", "ray"):
        raise ValueError(f"{nm('engine')} must be 'local' or 'ray', got {engine!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"{nm('batch_size')} must be an int >= 1, got {batch_size!r}")
    if isinstance(max_bucket, bool) or not isinstance(max_bucket, int) or max_bucket < 2:
        raise ValueError(f"{nm('max_bucket')} must be an int >= 2, got {max_bucket!r}")
    if not isinstance(field, str) or not field:
        raise ValueError(f"{nm('field')} must be a non-empty str")
    if method not in ("exact", "bloom"):
        raise ValueError(f"{nm('method')} must be 'exact' or 'bloom', got {method!r}")
    if method == "bloom" and (engine != "local" or max_memory is not None):
        raise ValueError(f"{nm('method')}='bloom' runs on the local engine without {nm('max_memory')} "
                         "(its memory is the filters)")
    if expected_docs is not None and (isinstance(expected_docs, bool) or not isinstance(expected_docs, int)
                                      or expected_docs < 1):
        raise ValueError(f"{nm('expected_docs')} must be an int >= 1, got {expected_docs!r}")
    from .._validate import check_float

    check_float(fp_rate, nm("fp_rate"), 0.0, 1.0, lo_open=True, hi_open=True)
    budget = None if max_memory is None else ooc.parse_size(max_memory, nm("max_memory"))
    if engine == "ray" and budget is not None:
        raise ValueError(f"{nm('max_memory')} is for the local engine (Ray spreads the work over its nodes)")
    if work_dir is not None and budget is None:
        raise ValueError(f"{nm('work_dir')} is only used with {nm('max_memory')}")
    spec = MinHashSpec(num_perm=num_perm, ngram=ngram, unit=unit, seed=seed, scheme=scheme, lowercase=lowercase)
    if budget is not None:
        ooc.plan_memory(budget, num_perm, bands, np.dtype(spec.dtype).itemsize, nm("max_memory"))
    out = Path(out)
    paths = DedupPaths.beside(out, nm("out"))
    files = sio.expand_paths(inputs)
    hint = f"add {nm('overwrite')}" if "overwrite" in names else "pass overwrite=True"
    sio.check_output_path(out, name=nm("out"), inputs=files, overwrite=overwrite, overwrite_hint=hint)
    for label, p in (("clusters file", paths.clusters), ("removed-ids file", paths.removed),
                     ("summary", paths.summary)):
        sio.check_output_path(p, name=f"{nm('out')}'s {label}", inputs=files, overwrite=overwrite,
                              overwrite_hint=hint)
    settings = {"field": field, "threshold": threshold, "num_perm": num_perm, "ngram": ngram, "unit": unit,
                "seed": seed, "scheme": scheme, "lowercase": lowercase, "verify": verify, "bands": bands,
                "rows": rows, "max_bucket": max_bucket, "method": method}
    if method == "bloom":
        settings.update(verify="none", fp_rate=fp_rate)

    if method == "bloom":
        p1 = _pass1_bloom(files, spec, settings, batch_size, expected_docs, fp_rate, report)
    elif engine == "ray":
        p1 = _pass1_ray(files, settings, batch_size, report, t0)
    else:
        identity = {"inputs": ooc.fingerprint(files, field), **settings}
        wd = Path(work_dir) if work_dir is not None else None
        p1 = _pass1_local(files, spec, settings, batch_size, budget, wd, default_work_dir(out), identity,
                          overwrite, report, nm)

    report("writing", 0)
    header = {"inputs": [str(p) for p in files], **settings, "documents": p1.n}
    words: list[int] = []
    with sio.staged_write(out) as kept:
        writer = OutputWriter(paths, header)
        try:
            _write_pass2(files, field, p1, writer, kept.fh, annotate, words)
        except BaseException:
            writer.discard()
            raise
    summary = writer.publish(p1.n, p1.histogram, kept=kept,
                             extra={"engine": engine, "mode": p1.mode, "annotated": annotate,
                                    "work_dir": None if p1.work is None else str(p1.work)})
    labels = p1.labels
    copies = None
    if labels is not None and not annotate:
        copies = np.bincount(labels, minlength=p1.n).astype(np.int64)[labels == np.arange(p1.n)]
    return DedupFilesResult(out=out, clusters=paths.clusters, removed=paths.removed, summary=paths.summary,
                            n_docs=p1.n, n_clusters=None if summary["clusters"] is None else int(summary["clusters"]), n_removed=int(summary["removed"]),
                            n_kept=int(summary["kept"]), bands=bands, rows=rows, engine=engine, mode=p1.mode,
                            work_dir=p1.work, seconds_signatures=p1.t_sig, seconds_clusters=p1.t_clusters,
                            seconds_total=time.perf_counter() - t0,
                            kept_words=np.asarray(words, dtype=np.int64) if copies is not None else None,
                            kept_copies=copies)


def _write_pass2(files: list[Path], field: str, p1: _Pass1, writer: OutputWriter, fh: Any, annotate: bool,
                 words: list[int]) -> None:
    """Pass 2: every record once, joined with the ascending cluster chunks and the stored lines."""
    if p1.bloom_dup is not None:
        _write_pass2_bloom(files, field, p1, writer, fh, annotate, words)
        return
    chunks = p1.chunks()
    ids: list[int] = []
    cls: list[int] = []
    sims: list[float] = []
    pos = 0
    lines = p1.lines()
    line_block: list[int] = []
    lpos = 0
    n_seen = 0
    for i, r in enumerate(sio.iter_records(files, field=field, keep_data=True)):
        if lpos == len(line_block):
            nxt = next(lines, None)
            if nxt is None:
                raise ValueError(f"{r.path}: the input changed while it was being deduplicated (more records)")
            line_block, lpos = nxt.tolist(), 0
        if r.line != line_block[lpos]:
            raise ValueError(f"{r.path}: the input changed while it was being deduplicated")
        lpos += 1
        n_seen += 1
        if pos == len(ids):
            nxt_c = next(chunks, None)
            if nxt_c is not None:
                ids, cls, sims = nxt_c[0].tolist(), nxt_c[1].tolist(), nxt_c[2].tolist()
                pos = 0
        cluster, sim = i, 1.0
        if pos < len(ids) and ids[pos] == i:
            cluster, sim = cls[pos], sims[pos]
            writer.row(i, cluster, sim, r.path, r.line)
            pos += 1
        dup = cluster != i
        data: dict[str, Any] = r.data if r.data is not None else {field: r.text}
        if annotate:
            data = dict(data)
            data[ANNOTATE_FIELDS[0]] = cluster
            data[ANNOTATE_FIELDS[1]] = dup
            data[ANNOTATE_FIELDS[2]] = None if sim != sim else round(sim, 6)
        elif dup:
            continue
        else:
            words.append(len(r.text.split()))
        fh.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    if n_seen != p1.n:
        raise ValueError("the input changed while it was being deduplicated (fewer records on the second pass)")


def _planned(plan: ooc.MemoryPlan | None) -> ooc.MemoryPlan:
    """The memory plan of an out-of-core pass (a work directory exists only with a budget, which
    dedup_files checks first)."""
    if plan is None:
        raise RuntimeError("an out-of-core pass without a memory plan")
    return plan


def _write_pass2_bloom(files: list[Path], field: str, p1: _Pass1, writer: OutputWriter, fh: Any, annotate: bool,
                       words: list[int]) -> None:
    """Pass 2 of LSH-Bloom: duplicate flags only (no clusters), checked against the stored lines."""
    flags = p1.bloom_dup
    if flags is None:  # _write_pass2 sends only LSH-Bloom passes here
        raise RuntimeError("LSH-Bloom pass 2 without the pass's duplicate flags")
    lines = next(p1.lines())
    n_seen = 0
    for i, r in enumerate(sio.iter_records(files, field=field, keep_data=True)):
        if i >= p1.n or r.line != lines[i]:
            raise ValueError(f"{r.path}: the input changed while it was being deduplicated")
        n_seen += 1
        dup = bool((flags[i >> 3] >> (7 - (i & 7))) & 1)
        data: dict[str, Any] = r.data if r.data is not None else {field: r.text}
        if dup:
            writer.removed_only(i)
        if annotate:
            data = dict(data)
            data[ANNOTATE_FIELDS[0]] = None
            data[ANNOTATE_FIELDS[1]] = dup
            data[ANNOTATE_FIELDS[2]] = None
        elif dup:
            continue
        fh.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    if n_seen != p1.n:
        raise ValueError("the input changed while it was being deduplicated (fewer records on the second pass)")


def _pass1_bloom(files: list[Path], spec: MinHashSpec, settings: dict[str, Any], batch_size: int,
                 expected: int | None, fp_rate: float, report: Callable[[str, int], None]) -> _Pass1:
    """Pass 1 of LSH-Bloom: signatures block by block through the filters; only the flags are kept."""
    from .bloom import BloomDedup

    t0 = time.perf_counter()
    if expected is None:
        report("counting", 0)
        expected = max(1, sum(1 for _ in sio.iter_records(files, field=settings["field"])))
    settings["expected_docs"] = expected
    bloom = BloomDedup(settings["bands"], settings["rows"], expected, fp_rate)
    flags: list[np.ndarray] = []
    lines: list[np.ndarray] = []
    done = 0
    report("hashing", 0)
    for batch in sio.iter_batches(sio.iter_records(files, field=settings["field"]), batch_size):
        flags.append(bloom.process(minhash([r.text for r in batch], **spec.kwargs())))
        lines.append(np.array([r.line for r in batch], dtype=np.int64))
        done += len(batch)
        report("hashing", done)
    dup = np.packbits(np.concatenate(flags)) if flags else np.zeros(0, np.uint8)
    line_all = np.concatenate(lines) if lines else np.zeros(0, np.int64)
    t = time.perf_counter() - t0
    return _Pass1(n=done, chunks=lambda: iter(()), histogram=None, bands=settings["bands"], rows=settings["rows"],
                  mode="bloom", lines=lambda: iter([line_all]), work=None, t_sig=t, t_clusters=0.0,
                  bloom_dup=dup)


def _memory_chunks(sig: np.ndarray | None, labels: np.ndarray, label_sim: np.ndarray | None = None,
                   ) -> Callable[[], ClusterChunks]:
    """The clustered documents of an in-memory result, with their similarity to their label's signature
    (from ``sig``, or given per document in ``label_sim``: the Ray engine's)."""
    def gen() -> ClusterChunks:
        n = labels.shape[0]
        sizes = np.bincount(labels, minlength=n)
        ids = np.flatnonzero(sizes[labels] >= 2).astype(np.int64)
        cl = labels[ids]
        if sig is not None:
            sim = _core.signature_pair_similarity(sig, sig, np.ascontiguousarray(np.column_stack([cl, ids])))
        elif label_sim is not None:
            sim = label_sim[ids]
        else:
            sim = np.where(cl == ids, 1.0, np.nan)
        yield ids, cl, np.asarray(sim, np.float64)
    return gen


def _memory_histogram(labels: np.ndarray) -> dict[str, int]:
    sizes = np.bincount(labels, minlength=labels.shape[0])
    s, c = np.unique(sizes[sizes >= 2], return_counts=True)
    return histogram_dict(zip(s.tolist(), c.tolist()))


def _pass1_ray(files: list[Path], settings: dict[str, Any], batch_size: int,
               report: Callable[[str, int], None], t0: float) -> _Pass1:
    from ..distributed import near_duplicates_with_sources

    report("clustering", 0)
    st = settings
    d, src = near_duplicates_with_sources(files, field=st["field"], threshold=st["threshold"], num_perm=st["num_perm"],
                                          ngram=st["ngram"], unit=st["unit"], seed=st["seed"], scheme=st["scheme"],
                                          lowercase=st["lowercase"], verify=st["verify"], params=(st["bands"], st["rows"]),
                                          block_docs=batch_size, max_bucket=st["max_bucket"])
    t = time.perf_counter() - t0
    return _Pass1(n=d.n_docs, chunks=_memory_chunks(None, d.labels, src.label_similarity),
                  histogram=_memory_histogram(d.labels),
                  bands=d.bands, rows=d.rows, mode="memory", lines=lambda: iter([src.line]), work=None, t_sig=t,
                  t_clusters=t, labels=d.labels)


def _pass1_local(files: list[Path], spec: MinHashSpec, settings: dict[str, Any],
                 batch_size: int, budget: int | None, work_dir: Path | None, default_dir: Path,
                 identity: dict[str, Any], overwrite: bool, report: Callable[[str, int], None],
                 nm: Callable[[str], str]) -> _Pass1:
    """Pass 1 in this process: signatures in memory until they exceed ``budget``, then in a work
    directory; then the clusters, by the matching mode."""
    from .dedup import Duplicates, near_duplicates

    t0 = time.perf_counter()
    bands, rows, k = settings["bands"], settings["rows"], settings["num_perm"]
    dtype = np.dtype(spec.dtype)
    work: ooc.WorkDir | None = None
    plan = None if budget is None else ooc.plan_memory(budget, k, bands, dtype.itemsize, nm("max_memory"))
    if work_dir is not None:
        work = ooc.WorkDir(work_dir, identity, overwrite=overwrite, name=nm("work_dir"))
    held: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    paths: dict[str, int] = {}
    sink: ooc.SignatureSink | None = None
    done = 0
    if work is None or work.finished("signatures") is None:
        report("hashing", 0)
        try:
            for batch in sio.iter_batches(sio.iter_records(files, field=settings["field"]), batch_size):
                sig = minhash([r.text for r in batch], **spec.kwargs())
                fid = np.array([paths.setdefault(r.path, len(paths)) for r in batch], dtype=np.int32)
                line = np.array([r.line for r in batch], dtype=np.int64)
                done += len(batch)
                if (sink is None and work is None and budget is not None
                        and ooc.in_memory_bytes(done, k, bands, dtype.itemsize) > budget):
                    work = ooc.WorkDir(default_dir, identity, overwrite=overwrite, name=nm("work_dir"))
                if work is not None and sink is None:
                    sink = ooc.SignatureSink(work, _planned(plan), bands, rows, k, dtype)
                    for h in held:
                        sink.add(*h)
                    held = []
                if sink is not None:
                    sink.add(sig, line, fid)
                else:
                    held.append((sig, line, fid))
                report("hashing", done)
        except BaseException:
            if sink is not None:
                sink.abort()
            raise
        if work is not None and sink is None:  # an empty input: an empty, finished stage
            sink = ooc.SignatureSink(work, _planned(plan), bands, rows, k, dtype)
        if sink is not None:
            sink.close(sources=list(paths))
    t_sig = time.perf_counter() - t0
    report("clustering", done)
    t1 = time.perf_counter()
    if work is None:  # in memory
        sig_all = np.concatenate([h[0] for h in held]) if held else np.zeros((0, k), dtype=dtype)
        line_all = np.concatenate([h[1] for h in held]) if held else np.zeros(0, np.int64)
        del held
        d = near_duplicates(sig_all, threshold=settings["threshold"], verify=settings["verify"],
                            params=(bands, rows), max_bucket=settings["max_bucket"])
        if not isinstance(d, Duplicates):  # no reference set: clusters
            raise RuntimeError(f"near_duplicates without a reference set returned {type(d).__name__}")
        return _Pass1(n=d.n_docs, chunks=_memory_chunks(sig_all, d.labels), histogram=_memory_histogram(d.labels),
                      bands=bands, rows=rows, mode="memory", lines=lambda: iter([line_all]), work=None, t_sig=t_sig,
                      t_clusters=time.perf_counter() - t1, labels=d.labels)
    plan = _planned(plan)
    n = int(work.stages["signatures"]["meta"]["n"])
    ooc.edges_stage(work, plan, threshold=settings["threshold"], verify=settings["verify"],
                    max_bucket=settings["max_bucket"])
    comp, _, histogram = ooc.components_stage(work, plan, 0.0)
    lines_path = work.file("lines.bin")
    return _Pass1(n=n, chunks=lambda: ooc.iter_cluster_records(comp), histogram=histogram, bands=bands, rows=rows,
                  mode="out-of-core", lines=lambda: ooc.iter_int64_blocks(lines_path), work=work.path, t_sig=t_sig,
                  t_clusters=time.perf_counter() - t1)
