"""The documented output files of a near-duplicate dedup (docs/dedup_files.md): writing and reading.

For an output ``out`` (``kept.jsonl``, ``.jsonl.gz`` or ``.jsonl.zst``) a dedup writes, beside it:

- ``<stem>.clusters.jsonl``: a header line, then one row per document of a cluster of two or
  more documents, ascending id: ``{"id", "cluster", "similarity", "path", "line"}``;
- ``<stem>.removed.txt``: a header line, then the id of every removed document, ascending;
- ``<stem>.summary.json``: counts, the cluster size histogram, the settings, and the size and
  SHA-256 of every other file. It is renamed into place last: it is the commit record, and
  :func:`check_dedup_output` / :func:`read_clusters` refuse a set it does not describe.

All files are written to temporary names (fsynced) and renamed; the format carries a version.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import io as sio

FORMAT_VERSION = 2
CLUSTERS_FORMAT = "seenit-dedup-clusters"
REMOVED_FORMAT = "seenit-dedup-removed"
SUMMARY_FORMAT = "seenit-dedup-summary"
OUT_SUFFIXES = (".jsonl.zst", ".jsonl.gz", ".jsonl")
#: Fields ``--annotate`` adds to every record.
ANNOTATE_FIELDS = ("dedup_cluster", "dedup_duplicate", "dedup_similarity")


@dataclass(frozen=True)
class DedupPaths:
    """Where the files of one dedup output go (``kept`` may be absent: a rethreshold)."""

    kept: Path | None
    clusters: Path
    removed: Path
    summary: Path

    @classmethod
    def beside(cls, out: str | os.PathLike[str], name: str = "out", with_kept: bool = True) -> "DedupPaths":
        """The paths for ``out``: its .jsonl[.zst|.gz] ending replaced by .clusters.jsonl etc."""
        p = Path(out)
        low = p.name.lower()
        for suf in OUT_SUFFIXES:
            if low.endswith(suf):
                stem = p.name[: -len(suf)]
                return cls(kept=p if with_kept else None, clusters=p.with_name(stem + ".clusters.jsonl"),
                           removed=p.with_name(stem + ".removed.txt"), summary=p.with_name(stem + ".summary.json"))
        raise ValueError(f"{name} must end in {', '.join(OUT_SUFFIXES)}, got {str(p)!r}")

    def all(self) -> list[Path]:
        return [p for p in (self.kept, self.clusters, self.removed, self.summary) if p is not None]


def sha256_file(path: Path) -> tuple[int, str]:
    """(size in bytes, SHA-256 hex) of a file."""
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            n += len(chunk)
    return n, h.hexdigest()


def histogram_dict(pairs: Any) -> dict[str, int]:
    """``{"size": clusters}`` for (size, count) pairs, ascending size (JSON keys are strings)."""
    return {str(int(s)): int(c) for s, c in sorted((int(s), int(c)) for s, c in pairs)}


class OutputWriter:
    """Stages the clusters and removed files row by row; :meth:`publish` writes the summary
    and renames everything (kept file, clusters, removed, summary last)."""

    def __init__(self, paths: DedupPaths, header: dict[str, Any]) -> None:
        self.paths = paths
        self.header = {"format": CLUSTERS_FORMAT, "version": FORMAT_VERSION, **header}
        self._clusters_cm = sio.staged_write(paths.clusters)
        self._removed_cm = sio.staged_write(paths.removed)
        self.clusters = self._clusters_cm.__enter__()
        try:
            self.removed = self._removed_cm.__enter__()
        except BaseException:
            self._clusters_cm.__exit__(None, None, None)
            self.clusters.discard()
            raise
        self.clusters.fh.write(json.dumps(self.header, ensure_ascii=False) + "\n")
        rh = {"format": REMOVED_FORMAT, "version": FORMAT_VERSION, "clusters": paths.clusters.name}
        self.removed.fh.write(json.dumps(rh) + "\n")
        self.n_clustered = 0
        self.n_removed = 0

    def row(self, doc: int, cluster: int, similarity: float, path: str | None, line: int | None) -> None:
        """One clustered document (call in ascending ``doc`` order)."""
        r: dict[str, Any] = {"id": doc, "cluster": cluster, "similarity": round(float(similarity), 6)}
        if path is not None:
            r["path"] = path
            r["line"] = line
        self.clusters.fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        self.n_clustered += 1
        if cluster != doc:
            self.removed.fh.write(f"{doc}\n")
            self.n_removed += 1

    def removed_only(self, doc: int) -> None:
        """A removed document whose cluster is not known (LSH-Bloom): listed in the removed-ids file only."""
        self.removed.fh.write(f"{doc}\n")
        self.n_removed += 1

    def discard(self) -> None:
        for cm in (self._clusters_cm, self._removed_cm):
            err = RuntimeError("discarded")
            cm.__exit__(RuntimeError, err, None)  # the staging removes its temporary file

    def publish(self, n_docs: int, histogram: dict[str, int] | None, kept: Any = None,
                extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Close the staged files, write the summary, rename: ``kept`` (a staged file or None) first,
        the summary last. Returns the summary."""
        try:
            for cm in (self._clusters_cm, self._removed_cm):
                cm.__exit__(None, None, None)
            files = {}
            staged = [(self.paths.clusters, self.clusters), (self.paths.removed, self.removed)]
            if kept is not None and self.paths.kept is not None:
                staged.insert(0, (self.paths.kept, kept))
            for target, st in staged:
                size, digest = sha256_file(st.tmp)
                files[target.name] = {"role": "kept" if target == self.paths.kept else target.name.rsplit(".", 2)[-2],
                                      "bytes": size, "sha256": digest}
            n_clusters = None if histogram is None else sum(histogram.values())
            summary = {"format": SUMMARY_FORMAT, "version": FORMAT_VERSION, "documents": n_docs,
                       "clusters": n_clusters, "clustered": self.n_clustered, "removed": self.n_removed,
                       "kept": n_docs - self.n_removed, "size_histogram": histogram,
                       "settings": {k: v for k, v in self.header.items() if k not in ("format", "version")},
                       "files": files, **(extra or {})}
            with sio.staged_write(self.paths.summary) as s:
                s.fh.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        except BaseException:
            self.clusters.discard()
            self.removed.discard()
            if kept is not None:
                kept.discard()
            raise
        sio.fault_point("dedup:before-rename")
        for _, st in staged:
            st.commit()
            sio.fault_point("dedup:between-renames")
        s.commit()
        return summary


def check_dedup_output(out: str | os.PathLike[str]) -> dict[str, Any]:
    """The summary of a finished dedup output at ``out`` (the kept file's path); ValueError when
    the set is incomplete or does not match its summary (an interrupted run)."""
    paths = DedupPaths.beside(out)
    if not paths.summary.is_file():
        raise ValueError(f"{paths.summary}: missing; {out} is not a finished dedup output (an interrupted run?)")
    summary = _read_json_header(paths.summary, SUMMARY_FORMAT, whole=True)
    for name, rec in summary.get("files", {}).items():
        p = paths.summary.with_name(name)
        if not p.is_file():
            raise ValueError(f"{p}: missing, but {paths.summary.name} lists it (an interrupted run; rerun the dedup)")
        if sha256_file(p) != (rec.get("bytes"), rec.get("sha256")):
            raise ValueError(f"{paths.summary} does not describe {p} (size/SHA-256 differ): an interrupted run; "
                             "rerun the dedup")
    return summary


def _read_json_header(path: Path, fmt: str, whole: bool = False) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        text = fh.read() if whole else fh.readline()
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        obj = None
    if not isinstance(obj, dict) or obj.get("format") != fmt:
        raise ValueError(f"{path}:1: not a {fmt} file")
    v = obj.get("version")
    if v != FORMAT_VERSION:
        raise ValueError(f"{path}: {fmt} version {v!r}; this seenit reads version {FORMAT_VERSION}")
    return obj


@dataclass(frozen=True)
class DedupClusters:
    """A finished dedup output, as :func:`read_clusters` reads it.

    Attributes:
        ids: int64, every document of a cluster of >= 2 documents, ascending.
        cluster: int64 per row: its cluster id (the smallest member id, the kept document).
        similarity: float64 per row: MinHash similarity to the kept document (1.0 for it).
        paths, lines: where each row's document came from (None when not recorded).
        removed: int64, the removed document ids, ascending.
        summary: the summary file (counts, size histogram, settings, file checksums).
    """

    ids: npt.NDArray[np.int64]
    cluster: npt.NDArray[np.int64]
    similarity: npt.NDArray[np.float64]
    paths: list[str] | None
    lines: npt.NDArray[np.int64] | None
    removed: npt.NDArray[np.int64]
    summary: dict[str, Any]

    @property
    def n_docs(self) -> int:
        return int(self.summary["documents"])

    def labels(self) -> npt.NDArray[np.int64]:
        """The label of every document (its own id when not in a cluster), as ``Duplicates.labels``."""
        out = np.arange(self.n_docs, dtype=np.int64)
        out[self.ids] = self.cluster
        return out


def iter_cluster_rows(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The rows of a clusters file after its header (checked), one dict each."""
    p = Path(path)
    _read_json_header(p, CLUSTERS_FORMAT)
    with open(p, encoding="utf-8") as fh:
        fh.readline()
        for k, line in enumerate(fh, start=2):
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                raise ValueError(f"{p}:{k}: malformed JSON") from None


def read_clusters(out: str | os.PathLike[str]) -> DedupClusters:
    """Read the files of a finished dedup (``out`` = the kept file's path, or any of the output
    files' shared stem + .jsonl), after checking them against their summary."""
    paths = DedupPaths.beside(out)
    summary = check_dedup_output(out)
    ids, cl, sim, where, lines = [], [], [], [], []
    for r in iter_cluster_rows(paths.clusters):
        ids.append(r["id"])
        cl.append(r["cluster"])
        sim.append(r["similarity"])
        where.append(r.get("path"))
        lines.append(r.get("line"))
    have_src = bool(where) and all(w is not None for w in where)
    src_paths = [str(w) for w in where] if have_src else None
    _read_json_header(paths.removed, REMOVED_FORMAT)
    removed_ids = []
    with open(paths.removed, encoding="utf-8") as fh:
        fh.readline()
        for k, line in enumerate(fh, start=2):
            try:
                removed_ids.append(int(line))
            except ValueError:
                raise ValueError(f"{paths.removed}:{k}: not a document id: {line.strip()[:40]!r}") from None
    removed = np.asarray(removed_ids, dtype=np.int64)
    return DedupClusters(ids=np.asarray(ids, np.int64), cluster=np.asarray(cl, np.int64),
                         similarity=np.asarray(sim, np.float64), paths=src_paths,
                         lines=np.asarray(lines, np.int64) if have_src else None, removed=removed, summary=summary)
