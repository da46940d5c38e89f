"""File-to-file near-duplicate dedup: corpus files in, kept records and a clusters file out
(what ``seenit dedup minhash`` runs).

Outputs and what an interrupted run leaves
------------------------------------------
``dedup_files(inputs, out)`` writes two files: ``out`` (the kept records, as read) and
``clusters_path(out)`` (``<stem>.clusters.jsonl``: a header, then one row per removed
document naming its source and the kept document it duplicates). Both are written to
temporary names first (fsynced); then ``out`` is renamed into place and the clusters file
last. The clusters file is the commit record: its header holds ``out``'s size and SHA-256.
So a run killed before the renames leaves the previous pair untouched, one killed between
them leaves a clusters file that does not describe ``out`` — :func:`check_dedup_output`
tells (it raises), and the next run with ``overwrite=True`` replaces both.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import io as sio
from .minhash import MinHashSpec, minhash

CLUSTERS_FORMAT = "seenit-dedup-clusters"
#: Version 1; the header's ``kept`` record (name, bytes, sha256 of the kept file) is an additive field.
CLUSTERS_VERSION = 1
OUT_SUFFIXES = (".jsonl.zst", ".jsonl.gz", ".jsonl")

Paths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


@dataclass(frozen=True)
class DedupFilesResult:
    """What :func:`dedup_files` wrote and found."""

    out: Path
    clusters: Path
    n_docs: int
    n_clusters: int
    n_removed: int
    n_kept: int
    bands: int
    rows: int
    engine: str
    seconds_signatures: float
    seconds_clusters: float
    seconds_total: float
    #: per kept document (input order): its whitespace words, and its cluster's size (itself included);
    #: what ``seenit.effective_tokens`` needs to price the repetitions that were removed
    kept_words: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    kept_copies: npt.NDArray[np.int64] | None = field(default=None, repr=False)


def clusters_path(out: str | os.PathLike[str], name: str = "out") -> Path:
    """``out`` with its .jsonl[.zst|.gz] ending replaced by .clusters.jsonl."""
    p = Path(out)
    low = p.name.lower()
    for suf in OUT_SUFFIXES:
        if low.endswith(suf):
            return p.with_name(p.name[: -len(suf)] + ".clusters.jsonl")
    raise ValueError(f"{name} must end in {', '.join(OUT_SUFFIXES)}, got {str(p)!r}")


def _sha256(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            n += len(chunk)
    return n, h.hexdigest()


def check_dedup_output(out: str | os.PathLike[str]) -> dict[str, Any]:
    """The clusters header of a finished :func:`dedup_files` run at ``out``; raises ValueError
    when the pair is incomplete (an interrupted run: a missing clusters file, or one whose
    recorded size/SHA-256 does not match ``out``)."""
    p = Path(out)
    cpath = clusters_path(p)
    if not p.is_file():
        raise ValueError(f"{p}: missing (no finished dedup output)")
    if not cpath.is_file():
        raise ValueError(f"{cpath}: missing; {p} is not a finished dedup output (an interrupted run?)")
    with open(cpath, encoding="utf-8") as fh:
        first = fh.readline()
    try:
        header = json.loads(first)
    except json.JSONDecodeError:
        raise ValueError(f"{cpath}:1: not a {CLUSTERS_FORMAT} header") from None
    if not isinstance(header, dict) or header.get("format") != CLUSTERS_FORMAT:
        raise ValueError(f"{cpath}:1: not a {CLUSTERS_FORMAT} header")
    kept = header.get("kept")
    if not isinstance(kept, dict):
        raise ValueError(f"{cpath}: version {header.get('version')} header records no checksum of {p.name}")
    size, digest = _sha256(p)
    if kept.get("bytes") != size or kept.get("sha256") != digest:
        raise ValueError(f"{cpath} does not describe {p} (size/SHA-256 differ): an interrupted run; rerun the dedup")
    return header


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
    on_progress: Callable[[str, int], None] | None = None,
    arg_names: Mapping[str, str] | None = None,
) -> DedupFilesResult:
    """Remove near-duplicate documents (MinHash + LSH) from the files ``inputs``.

    Writes the kept records (as read) to ``out`` (.jsonl, .jsonl.gz or .jsonl.zst) and,
    per removed document, where it came from and which kept document it duplicates to
    :func:`clusters_path` (``out``'s stem + .clusters.jsonl); see the module doc for the
    order of the renames and :func:`check_dedup_output`. Only signatures are held in
    memory (4 bytes x num_perm per document); the input is read twice. Every argument
    and both output paths are checked before any work; an existing output is refused
    unless ``overwrite``. ``on_progress(stage, documents)`` reports the stages
    ("hashing", "clustering", "writing"). ``arg_names`` renames arguments in error
    messages (the CLI passes its option names).
    """
    from .lsh import check_threshold, optimal_params

    names = dict(arg_names or {})

    def nm(a: str) -> str:
        return names.get(a, a)

    t0 = time.perf_counter()
    report = on_progress or (lambda stage, done: None)
    try:
        check_threshold(threshold)
    except (ValueError, TypeError) as e:
        raise type(e)(str(e).replace("threshold", nm("threshold"), 1)) from None
    bands, rows = optimal_params(threshold, num_perm, weights)
    if verify not in ("signature", "none"):
        raise ValueError(f"{nm('verify')} must be 'signature' or 'none' (exact needs all texts in memory; "
                         f"use seenit.near_duplicates), got {verify!r}")
    if unit not in ("word", "char"):
        raise ValueError(f"{nm('unit')} must be 'word' or 'char', got {unit!r}")
    if engine not in ("local", "ray"):
        raise ValueError(f"{nm('engine')} must be 'local' or 'ray', got {engine!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"{nm('batch_size')} must be an int >= 1, got {batch_size!r}")
    if not isinstance(field, str) or not field:
        raise ValueError(f"{nm('field')} must be a non-empty str")
    out = Path(out)
    cpath = clusters_path(out, nm("out"))
    files = sio.expand_paths(inputs)
    hint = f"add {nm('overwrite')}" if "overwrite" in names else "pass overwrite=True"
    sio.check_output_path(out, name=nm("out"), inputs=files, overwrite=overwrite, overwrite_hint=hint)
    sio.check_output_path(cpath, name=f"{nm('out')}'s clusters file", inputs=files, overwrite=overwrite,
                          overwrite_hint=hint)
    spec = MinHashSpec(num_perm=num_perm, ngram=ngram, unit=unit, seed=seed, scheme=scheme, lowercase=lowercase)

    if engine == "ray":
        from ..distributed import near_duplicates_with_sources

        report("clustering", 0)
        d, src = near_duplicates_with_sources(files, field=field, threshold=threshold, num_perm=num_perm, ngram=ngram,
                                              unit=unit, seed=seed, scheme=scheme, lowercase=lowercase, verify=verify,
                                              weights=weights, block_docs=batch_size)
        n, fid, line, path_of = d.n_docs, src.file_of, src.line, list(src.files)
        t_sig = t_lsh = time.perf_counter() - t0
    else:
        n, fid, line, path_of, d, t_sig, t_lsh = _dedup_local(files, field, threshold, spec, verify, weights,
                                                              batch_size, report)

    # Pass 2: the kept records, then the clusters file, both to temporary names.
    report("writing", 0)
    words: list[int] = []
    with sio.staged_write(out) as kept:
        i = -1
        for i, r in enumerate(sio.iter_records(files, field=field, keep_data=True)):
            if i >= n or r.line != line[i]:
                raise ValueError(f"{r.path}: the input changed while it was being deduplicated")
            if d.keep[i]:
                words.append(len(r.text.split()))
                data = r.data if r.data is not None else {field: r.text}
                kept.fh.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
        if i + 1 != n:
            raise ValueError("the input changed while it was being deduplicated (fewer records on the second pass)")
    try:
        size, digest = _sha256(kept.tmp)
        header = {"format": CLUSTERS_FORMAT, "version": CLUSTERS_VERSION, "inputs": [str(p) for p in files],
                  "field": field, "threshold": threshold, "num_perm": num_perm, "ngram": ngram, "unit": unit,
                  "seed": seed, "scheme": scheme, "lowercase": lowercase, "verify": verify, "bands": d.bands,
                  "rows": d.rows, "documents": n, "removed": d.n_removed,
                  "kept": {"name": out.name, "bytes": size, "sha256": digest}}
        with sio.staged_write(cpath) as clusters:
            clusters.fh.write(json.dumps(header, ensure_ascii=False) + "\n")
            for i in np.flatnonzero(~d.keep):
                k = int(d.labels[i])
                row = {"index": int(i), "path": path_of[fid[i]], "line": int(line[i]),
                       "duplicate_of": k, "kept_path": path_of[fid[k]], "kept_line": int(line[k])}
                clusters.fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    except BaseException:
        kept.discard()
        raise
    # Publish: the kept file first, the clusters file (the commit record) last.
    sio.fault_point("dedup:before-rename")
    try:
        kept.commit()
    except BaseException:
        clusters.discard()
        raise
    sio.fault_point("dedup:between-renames")
    clusters.commit()
    return DedupFilesResult(out=out, clusters=cpath, n_docs=n, n_clusters=d.n_clusters, n_removed=d.n_removed,
                            n_kept=d.n_kept, bands=d.bands, rows=d.rows, engine=engine, seconds_signatures=t_sig,
                            seconds_clusters=t_lsh, seconds_total=time.perf_counter() - t0,
                            kept_words=np.asarray(words, dtype=np.int64),
                            kept_copies=np.bincount(d.labels, minlength=n).astype(np.int64)[d.keep])


def _dedup_local(files: list[Path], field: str, threshold: float, spec: MinHashSpec, verify: str,
                 weights: Sequence[float], batch_size: int, report: Callable[[str, int], None],
                 ) -> tuple[int, np.ndarray, np.ndarray, list[str], Any, float, float]:
    """Pass 1 in this process: signatures (and where each document came from), then clusters."""
    from .dedup import near_duplicates

    t0 = time.perf_counter()
    sigs: list[np.ndarray] = []
    file_ids: list[np.ndarray] = []
    lines: list[np.ndarray] = []
    paths: dict[str, int] = {}
    done = 0
    report("hashing", 0)
    for batch in sio.iter_batches(sio.iter_records(files, field=field), batch_size):
        sigs.append(minhash([r.text for r in batch], **spec.kwargs()))
        file_ids.append(np.array([paths.setdefault(r.path, len(paths)) for r in batch], dtype=np.int32))
        lines.append(np.array([r.line for r in batch], dtype=np.int64))
        done += len(batch)
        report("hashing", done)
    n = done
    t_sig = time.perf_counter() - t0
    sig = np.concatenate(sigs) if sigs else np.zeros((0, spec.num_perm), dtype=np.uint32)
    del sigs
    fid = np.concatenate(file_ids) if file_ids else np.zeros(0, np.int32)
    line = np.concatenate(lines) if lines else np.zeros(0, np.int64)
    report("clustering", n)
    t1 = time.perf_counter()
    d = near_duplicates(sig, threshold=threshold, verify=verify, weights=weights)
    return n, fid, line, list(paths), d, t_sig, time.perf_counter() - t1
