"""Re-cluster a finished out-of-core dedup at a higher threshold from its stored verified edges,
without reading the corpus again (``seenit dedup rethreshold WORKDIR --threshold T``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import ooc
from .lsh import check_threshold
from .outputs import DedupPaths, OutputWriter


@dataclass(frozen=True)
class RethresholdResult:
    """What :func:`rethreshold` wrote and found."""

    clusters: Path
    removed: Path
    summary: Path
    n_docs: int
    n_clusters: int
    n_removed: int
    threshold: float


def rethreshold(work_dir: str | os.PathLike[str], threshold: float, out: str | os.PathLike[str], *,
                max_memory: int | str = "256M", overwrite: bool = False) -> RethresholdResult:
    """Clusters, removed ids and summary (as a dedup writes them, without a kept file) for the
    verified edges of ``work_dir`` with similarity >= ``threshold``.

    ``out`` names the files as in :func:`seenit.sketch.files.dedup_files` (``<stem>.clusters.jsonl``
    etc.; nothing is written at ``out`` itself). ``threshold`` must be at least the run's own:
    below it the edges that banding and verification dropped are not stored. The result is the
    connected components of the stored edges that pass ``threshold``: a fresh run at that
    threshold, with its own banding, can find other candidates.
    """
    t = check_threshold(threshold)
    budget = ooc.parse_size(max_memory)
    wd = Path(work_dir)
    if not (wd / ooc.MANIFEST).is_file():
        raise ValueError(f"work_dir {str(wd)!r} holds no {ooc.MANIFEST}: not a seenit dedup work directory "
                         "(rethreshold needs the work directory of an out-of-core run: --max-memory/--work-dir)")
    identity = ooc.WorkDir.read_identity(wd)
    work = ooc.WorkDir(wd, identity)
    sig_meta = work.finished("signatures")
    edge_meta = work.finished("edges")
    if sig_meta is None or edge_meta is None:
        raise ValueError(f"work_dir {str(wd)!r} has no finished edges stage (an interrupted run: rerun the dedup "
                         "to finish it)")
    if t < float(edge_meta["threshold"]):
        raise ValueError(f"threshold {t} is below the run's threshold {edge_meta['threshold']}: the edges under it "
                         "were never stored; rerun the dedup at the lower threshold")
    paths = DedupPaths.beside(out, with_kept=False)
    from .. import io as sio

    for label, p in (("clusters file", paths.clusters), ("removed-ids file", paths.removed),
                     ("summary", paths.summary)):
        sio.check_output_path(p, name=f"out's {label}", overwrite=overwrite, overwrite_hint="pass overwrite=True")
    k = int(sig_meta["num_perm"])
    plan = ooc.plan_memory(budget, k, int(identity["bands"]), np.dtype(sig_meta["dtype"]).itemsize)
    comp, _, histogram = ooc.components_stage(work, plan, t)
    n = int(sig_meta["n"])
    sources: list[str] = list(sig_meta.get("sources", []))
    settings = {key: v for key, v in identity.items() if key != "inputs"}
    header: dict[str, Any] = {"inputs": [s for s in sources], **settings, "threshold": t,
                              "rethreshold_of": {"work_dir": str(wd), "threshold": edge_meta["threshold"]},
                              "documents": n}
    lines = np.memmap(work.file("lines.bin"), dtype="<i8", mode="r") if n and sources else None
    fids = np.memmap(work.file("files.bin"), dtype="<i4", mode="r") if n and sources else None
    writer = OutputWriter(paths, header)
    try:
        for ids, cl, sim in ooc.iter_cluster_records(comp):
            ln = lines[ids].tolist() if lines is not None else [None] * ids.size
            fi = fids[ids].tolist() if fids is not None else None
            for q, (i, c, s) in enumerate(zip(ids.tolist(), cl.tolist(), sim.tolist())):
                writer.row(i, c, s, sources[fi[q]] if fi is not None else None, ln[q])
    except BaseException:
        writer.discard()
        raise
    summary = writer.publish(n, histogram, extra={"mode": "rethreshold", "work_dir": str(wd)})
    return RethresholdResult(clusters=paths.clusters, removed=paths.removed, summary=paths.summary, n_docs=n,
                             n_clusters=int(summary["clusters"]), n_removed=int(summary["removed"]), threshold=t)
