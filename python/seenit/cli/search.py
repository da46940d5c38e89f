"""Command line for embedding search: ``seenit neighbors`` (nearest training example of
every test item) and ``seenit dedup semantic`` (SemDeDup), registered by :func:`register`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from .._progress import ProgressBar
from ._common import DEDUP_HELP, add_command, add_to_group, check_out, fail

EMBED_HELP = ("Embedding: an offline sentence-transformers model name (e.g. all-MiniLM-L6-v2, needs seenit[embed]) "
              "or 'hashed[:DIM]' (model-free hashed bag of words).")



def _read(paths: List[str], field: str, keep_data: bool = False) -> list[Any]:
    from ..io import iter_records

    recs = list(iter_records([str(p) for p in paths], field=field, keep_data=keep_data))
    if not recs:
        raise ValueError(f"no documents in {', '.join(map(str, paths))}")
    return recs


def _embed(texts: list[str], embed: str, what: str) -> np.ndarray:
    from ..search.embed import embed_texts

    with ProgressBar(True, f"embedding {what}", total=len(texts), unit="texts") as bar:
        return embed_texts(texts, embed, batch_size=512, progress=lambda done, total: bar.update(completed=done))


def neighbors(
    test: List[str] = typer.Argument(..., help="Test items: files, directories, globs or URLs (JSONL, Parquet, CSV, .txt)."),
    against: List[str] = typer.Option(..., "--against", help="Training data (files, globs, URLs) to search (repeatable)."),
    embed: str = typer.Option("all-MiniLM-L6-v2", "--embed", help=EMBED_HELP),
    k: int = typer.Option(5, "--k", min=1, help="Neighbours per test item."),
    out: Path = typer.Option(..., "--out", "-o", help="Output JSONL: one line per test item with its neighbours."),
    field: str = typer.Option("text", help="Text field of the test records."),
    against_field: Optional[str] = typer.Option(None, help="Text field of the training records (default: --field)."),
    metric: str = typer.Option("cosine", help="cosine | ip | l2."),
    threshold: float = typer.Option(0.9, help="Report test items whose nearest neighbour scores at least this."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out file."),
) -> None:
    """Nearest training examples of every test item (embedding-based contamination check)."""
    from ..io import JSONL_SUFFIXES, write_jsonl
    from ..search.topk import nearest_training

    if metric not in ("cosine", "ip", "l2"):
        raise ValueError(f"--metric must be cosine, ip or l2, got {metric!r}")
    check_out(out, inputs=[*test, *against], overwrite=overwrite, suffixes=JSONL_SUFFIXES)

    try:
        tests = _read(test, field)
        train = _read(against, against_field or field)
        te = _embed([r.text for r in tests], embed, "test items")
        tr = _embed([r.text for r in train], embed, "training items")
        res = nearest_training(te, tr, k, metric=metric)
    except (ValueError, TypeError, RuntimeError, FileNotFoundError) as e:
        raise fail(str(e)) from None
    rows = []
    for i, r in enumerate(tests):
        nb = [{"id": int(j), "score": float(s), "path": train[j].path, "line": train[j].line, "text": train[j].text}
              for s, j in zip(res.scores[i], res.ids[i])]
        rows.append({"index": i, "path": r.path, "line": r.line, "text": r.text, "neighbors": nb})
    write_jsonl(out, rows)
    hits = res.above(threshold) if metric != "l2" else np.flatnonzero(res.scores[:, 0] <= threshold)
    t = Table(title=f"seenit neighbors  ({len(tests):,} test vs {len(train):,} training items, {metric}, embed={embed})")
    t.add_column("top-1 score bin")
    t.add_column("test items", justify="right")
    for c, lo, hi in zip(res.histogram, res.bin_edges[:-1], res.bin_edges[1:]):
        if c:
            t.add_row(f"[{lo:.2f}, {hi:.2f})", f"{int(c):,}")
    Console().print(t)
    Console().print(f"{len(hits):,} test items have a neighbour at {'<=' if metric == 'l2' else '>='} {threshold}; wrote {out}",
                    highlight=False)


def dedup_semantic(
    inputs: List[str] = typer.Argument(..., help="Input files, directories, globs or URLs."),
    out: Path = typer.Option(..., "--out", "-o", help="Kept documents as JSONL (records as read)."),
    embed: str = typer.Option("all-MiniLM-L6-v2", "--embed", help=EMBED_HELP),
    field: str = typer.Option("text", help="Text field of the records."),
    n_clusters: int = typer.Option(0, "--n-clusters", min=0, help="k-means clusters (0: about sqrt(n)/2)."),
    eps: List[float] = typer.Option([0.01], "--eps", help="Duplicate when cosine > 1 - eps (repeat to sweep; the first is applied)."),
    keep: str = typer.Option("hard", help="hard | easy | random."),
    seed: int = typer.Option(0, help="k-means / random-order seed."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out file."),
) -> None:
    """SemDeDup: drop documents whose embedding is within eps of an earlier one in its cluster."""
    from ..io import JSONL_SUFFIXES, write_jsonl
    from ..search.semdedup import semdedup

    if keep not in ("hard", "easy", "random"):
        raise ValueError(f"--keep must be hard, easy or random, got {keep!r}")
    for e in eps:
        if not 0.0 <= e <= 2.0:
            raise ValueError(f"--eps must be in [0, 2] (cosine distance), got {e}")
    check_out(out, inputs=inputs, overwrite=overwrite, suffixes=JSONL_SUFFIXES)

    try:
        recs = _read(inputs, field, keep_data=True)
        x = _embed([r.text for r in recs], embed, "documents")
        nc = min(n_clusters or max(1, int(np.sqrt(len(recs)) / 2)), len(recs))
        with ProgressBar(True, "deduplicating clusters", total=nc, unit="clusters") as bar:
            res = semdedup(x, n_clusters=nc, eps=eps, keep=keep, seed=seed,  # type: ignore[arg-type]
                           progress=lambda done, total: bar.update(completed=done))
    except (ValueError, TypeError, RuntimeError, FileNotFoundError) as e:
        raise fail(str(e)) from None
    kept = [r.data if r.data is not None else {field: r.text} for r, k in zip(recs, res.keep) if k]
    write_jsonl(out, kept)
    t = Table(title=f"seenit dedup semantic  ({len(recs):,} documents, {res.kmeans.centroids.shape[0] if res.kmeans else 0} clusters, keep={keep})")
    t.add_column("eps")
    t.add_column("kept", justify="right")
    t.add_column("kept fraction", justify="right")
    for e in res.eps:
        t.add_row(f"{e:g}", f"{int(res.keep_by_eps[e].sum()):,}", f"{res.kept_fraction[e]:.4f}")
    Console().print(t)
    Console().print(f"wrote {len(kept):,} kept documents to {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``neighbors`` and ``dedup semantic`` (joining an existing ``dedup`` group)."""
    add_command(app, "neighbors", neighbors)
    add_to_group(app, "dedup", DEDUP_HELP, "semantic", dedup_semantic)
