"""``seenit select kmq|d4|lp``: data selection over JSONL/Parquet/CSV/text records, writing the kept
records as JSONL (docs/select.md). Registered on the root app by :func:`register`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, List, Optional

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from .._progress import ProgressBar
from ._common import add_to_group, check_out
from .search import EMBED_HELP, _embed, _read

SELECT_HELP = "Select training data: kMQ, D4, learning percentage."


def _auto_clusters(n_clusters: int, n: int) -> int:
    """--n-clusters 0: about sqrt(n) / 2 (as ``seenit dedup semantic``), at most n."""
    return min(n_clusters or max(1, int(math.sqrt(n) / 2)), n)


def _kept(recs: list[Any], keep: np.ndarray, field: str) -> list[dict[str, Any]]:
    return [r.data if r.data is not None else {field: r.text} for r, k in zip(recs, keep.tolist()) if k]


def _number(r: Any, name: str) -> float:
    """A numeric field of a record; ValueError naming the file and line otherwise."""
    if r.data is None or name not in r.data:
        raise ValueError(f"{r.path}:{r.line}: field {name!r} not found")
    v = r.data[name]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"{r.path}:{r.line}: field {name!r} must be a number, got {type(v).__name__}")
    return float(v)


def _summary(title: str, rows: list[tuple[str, str]]) -> None:
    t = Table(title=title)
    t.add_column("")
    t.add_column("documents", justify="right")
    for name, value in rows:
        t.add_row(name, value)
    Console().print(t)


def select_kmq(
    inputs: List[Path] = typer.Argument(..., help="Input files, directories or globs (JSONL, Parquet, CSV, .txt)."),
    out: Path = typer.Option(..., "--out", "-o", help="Selected documents as JSONL (records as read)."),
    budget: int = typer.Option(..., "--budget", min=0, help="Documents to select (exactly this many)."),
    embed: str = typer.Option("all-MiniLM-L6-v2", "--embed", help=EMBED_HELP),
    field: str = typer.Option("text", help="Text field of the records."),
    n_clusters: int = typer.Option(0, "--n-clusters", min=0, help="k-means clusters (0: about sqrt(n)/2)."),
    quality_field: Optional[str] = typer.Option(None, "--quality-field",
                                                help="Numeric field with a quality score (default: uniform sampling)."),
    temperature: float = typer.Option(1.0, help="Sampling temperature for exp(quality / temperature)."),
    equal: bool = typer.Option(False, "--equal", help="Equal cluster budgets (capped at cluster size) instead of "
                                                      "proportional to cluster size."),
    seed: int = typer.Option(0, min=0, help="k-means and sampling seed."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out file."),
) -> None:
    """kMQ (Yu et al. 2024, Diversify and Conquer): k-means, per-cluster budgets, quality-weighted sampling."""
    from ..io import JSONL_SUFFIXES, write_jsonl
    from ..select.kmq import kmq_select

    if not temperature > 0 or not math.isfinite(temperature):
        raise ValueError(f"--temperature must be a finite number > 0, got {temperature}")
    check_out(out, inputs=inputs, overwrite=overwrite, suffixes=JSONL_SUFFIXES)
    recs = _read(inputs, field, keep_data=True)
    if budget > len(recs):
        raise ValueError(f"--budget must be at most the number of documents ({len(recs):,}), got {budget:,}")
    quality = np.array([_number(r, quality_field) for r in recs]) if quality_field else None
    x = _embed([r.text for r in recs], embed, "documents")
    k = _auto_clusters(n_clusters, len(recs))
    with ProgressBar(True, "clustering and sampling", unit="steps"):
        res = kmq_select(x, budget, k, quality=quality, temperature=temperature, proportional=not equal, seed=seed)
    kept = _kept(recs, res.keep, field)
    write_jsonl(out, kept)
    nonempty = res.sizes > 0
    _summary(f"seenit select kmq  ({len(recs):,} documents, {k} clusters, "
             f"{'equal' if equal else 'proportional'} budgets{', quality=' + quality_field if quality_field else ''})",
             [("selected", f"{res.selected.size:,}"), ("not selected", f"{len(recs) - res.selected.size:,}"),
              ("clusters used", f"{int((res.budgets > 0).sum())} of {int(nonempty.sum())}"),
              ("per-cluster budget (min-max)", f"{int(res.budgets[nonempty].min())}-{int(res.budgets.max())}")])
    Console().print(f"wrote {len(kept):,} selected documents to {out}", highlight=False)


def select_d4(
    inputs: List[Path] = typer.Argument(..., help="Input files, directories or globs (JSONL, Parquet, CSV, .txt)."),
    out: Path = typer.Option(..., "--out", "-o", help="Kept documents as JSONL (records as read)."),
    embed: str = typer.Option("all-MiniLM-L6-v2", "--embed", help=EMBED_HELP),
    field: str = typer.Option("text", help="Text field of the records."),
    eps: float = typer.Option(0.01, "--eps", help="SemDeDup: duplicate when cosine > 1 - eps (0..2)."),
    ratio: float = typer.Option(0.2, "--ratio", help="Share of the deduplicated documents dropped as most "
                                                      "prototypical, in [0, 1)."),
    n_clusters: int = typer.Option(0, "--n-clusters", min=0, help="k-means clusters (0: about sqrt(n)/2)."),
    seed: int = typer.Option(0, min=0, help="k-means seed."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out file."),
) -> None:
    """D4 (Tirumala et al. 2023): SemDeDup, then drop the documents closest to their cluster centroid."""
    from ..io import JSONL_SUFFIXES, write_jsonl
    from ..select.d4 import d4

    if not 0.0 <= eps <= 2.0:
        raise ValueError(f"--eps must be in [0, 2] (cosine distance), got {eps}")
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"--ratio must be in [0, 1), got {ratio}")
    check_out(out, inputs=inputs, overwrite=overwrite, suffixes=JSONL_SUFFIXES)
    recs = _read(inputs, field, keep_data=True)
    x = _embed([r.text for r in recs], embed, "documents")
    k = _auto_clusters(n_clusters, len(recs))
    with ProgressBar(True, "deduplicating and clustering", unit="steps"):
        res = d4(x, eps, ratio, k, seed)
    kept = _kept(recs, res.keep, field)
    write_jsonl(out, kept)
    counts = res.to_dict()
    _summary(f"seenit select d4  ({len(recs):,} documents, {k} clusters, eps={eps:g}, ratio={ratio:g})",
             [("kept", f"{counts['kept']:,}"), ("dropped: semantic duplicate", f"{counts['duplicate']:,}"),
              ("dropped: most prototypical", f"{counts['prototypical']:,}")])
    Console().print(f"wrote {len(kept):,} kept documents to {out}", highlight=False)


def select_lp(
    inputs: List[Path] = typer.Argument(..., help="Input files, directories or globs (JSONL, Parquet)."),
    out: Path = typer.Option(..., "--out", "-o", help="Kept documents as JSONL (records as read)."),
    ppl_field: str = typer.Option("ppl", "--ppl-field", help="Field with the E + 1 perplexities of a record: "
                                                             "before fine-tuning, then after each epoch."),
    fraction: float = typer.Option(..., "--fraction", help="Share of every cluster to keep, in (0, 1]."),
    cluster_field: Optional[str] = typer.Option(None, "--cluster-field",
                                                help="Integer field with a cluster label (default: one cluster)."),
    epoch: int = typer.Option(1, "--epoch", help="Which epoch's learning percentage ranks the records."),
    approx: bool = typer.Option(False, "--approx", help="The one-epoch approximation (P0 - P1) / P0."),
    easiest: bool = typer.Option(False, "--easiest", help="Keep the highest learning percentages instead of the "
                                                          "lowest (the hard samples, the paper's choice)."),
    field: str = typer.Option("text", help="Text field of the records (read to check them; not scored)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out file."),
) -> None:
    """Learning percentage (Mekala et al. 2024): keep the samples a small model learned last, per cluster."""
    from ..io import JSONL_SUFFIXES, write_jsonl
    from ..select.learning import learning_percentage, select_stratified

    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"--fraction must be in (0, 1], got {fraction}")
    if epoch < 1:
        raise ValueError(f"--epoch must be >= 1, got {epoch}")
    check_out(out, inputs=inputs, overwrite=overwrite, suffixes=JSONL_SUFFIXES)
    recs = _read(inputs, field, keep_data=True)
    rows = []
    for r in recs:
        v = (r.data or {}).get(ppl_field)
        if not isinstance(v, list) or not all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in v):
            raise ValueError(f"{r.path}:{r.line}: field {ppl_field!r} must be a list of perplexities")
        if rows and len(v) != len(rows[0]):
            raise ValueError(f"{r.path}:{r.line}: field {ppl_field!r} has {len(v)} values, earlier records "
                             f"{len(rows[0])}")
        rows.append(v)
    ppl = np.asarray(rows, dtype=np.float64).T  # (E + 1, n)
    clusters = np.zeros(len(recs), dtype=np.int64)
    if cluster_field:
        for i, r in enumerate(recs):
            c = _number(r, cluster_field)
            if c != int(c):
                raise ValueError(f"{r.path}:{r.line}: field {cluster_field!r} must be an integer, got {c}")
            clusters[i] = int(c)
    lp = learning_percentage(ppl, epoch=epoch, approx=approx)
    keep = select_stratified(lp, clusters, fraction, ascending=not easiest)
    kept = _kept(recs, keep, field)
    write_jsonl(out, kept)
    _summary(f"seenit select lp  ({len(recs):,} documents, E={ppl.shape[0] - 1}, "
             f"{'LP_app' if approx else f'LP({epoch})'}, {len(np.unique(clusters))} clusters, fraction={fraction:g})",
             [("kept", f"{int(keep.sum()):,}"), ("dropped", f"{int((~keep).sum()):,}"),
              ("kept LP (min-max)", f"{lp[keep].min():.3f}-{lp[keep].max():.3f}" if keep.any() else "-")])
    Console().print(f"wrote {len(kept):,} kept documents to {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``select kmq``, ``select d4`` and ``select lp``."""
    add_to_group(app, "select", SELECT_HELP, "kmq", select_kmq)
    add_to_group(app, "select", SELECT_HELP, "d4", select_d4)
    add_to_group(app, "select", SELECT_HELP, "lp", select_lp)
