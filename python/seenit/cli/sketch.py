"""Command line for near-duplicate dedup: ``seenit dedup minhash`` and ``seenit demo``
(registered on the root app by :func:`register`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, List, Tuple

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from .._progress import ProgressBar
from ._common import DEDUP_HELP, add_command, add_to_group, fail


#: How seenit.sketch.files.dedup_files's arguments are spelled on this command line.
_OPTION_NAMES = {"out": "--out", "threshold": "--threshold", "verify": "--verify", "unit": "--unit",
                 "engine": "--engine", "batch_size": "--batch-size", "field": "--field", "overwrite": "--overwrite",
                 "max_memory": "--max-memory", "work_dir": "--work-dir", "max_bucket": "--max-bucket",
                 "method": "--method", "expected_docs": "--expected-docs", "fp_rate": "--fp-rate"}


def dedup_minhash(
    inputs: List[str] = typer.Argument(..., help="Input files, directories, globs or URLs (JSONL, .jsonl.gz/.zst, Parquet, CSV, .txt)."),
    out: Path = typer.Option(..., "--out", "-o", help="Kept documents: .jsonl, .jsonl.zst or .jsonl.gz (records as read)."),
    field: str = typer.Option("text", help="Text field of the records."),
    threshold: float = typer.Option(0.8, help="Jaccard similarity threshold, in (0, 1)."),
    num_perm: int = typer.Option(128, "--num-perm", help="MinHash signature width (1..8192)."),
    ngram: int = typer.Option(5, help="Shingle length in units."),
    unit: str = typer.Option("word", help="word | char."),
    seed: int = typer.Option(1, help="MinHash seed."),
    scheme: str = typer.Option("fast", help="fast | oph | datasketch | datasketch-legacy."),
    verify: str = typer.Option("signature", help="signature (estimated Jaccard >= threshold) | none (all LSH candidates)."),
    weights: Tuple[float, float] = typer.Option((0.2, 0.8), help="False-positive / false-negative weights of the banding search (default leans to recall; 0.5 0.5 is datasketch's)."),
    batch_size: int = typer.Option(8192, "--batch-size", min=1, help="Documents per MinHash batch."),
    lowercase: bool = typer.Option(True, help="Lowercase before shingling."),
    engine: str = typer.Option("local", help="local (this process) | ray (Ray tasks: $RAY_ADDRESS or a local Ray; "
                                            "pip install 'seenit[ray]'). Same result either way."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing output files (and a work directory of another run)."),
    max_memory: str = typer.Option(None, "--max-memory", help="Memory budget, e.g. 256M or 8G: above it the run goes out of core "
                                                              "(same result; scratch files in --work-dir)."),
    work_dir: Path = typer.Option(None, "--work-dir", help="Out-of-core work directory (with --max-memory: out of core from the "
                                                          "start, resumable; default OUT's stem + .dedup-work)."),
    max_bucket: int = typer.Option(100, "--max-bucket", help="Buckets above this size are verified by center rounds."),
    annotate: bool = typer.Option(False, "--annotate", help="Write every record with dedup_cluster, dedup_duplicate and "
                                                           "dedup_similarity fields instead of dropping duplicates."),
    method: str = typer.Option("exact", "--method", help="exact (clusters, verified) | bloom (LSH-Bloom: one Bloom filter "
                                                      "per band, unverified, memory = the filters)."),
    expected_docs: int = typer.Option(None, "--expected-docs", help="--method bloom: documents to size the filters for "
                                                                   "(default: counted in a first read)."),
    fp_rate: float = typer.Option(1e-6, "--fp-rate", help="--method bloom: false-positive rate of each band's filter."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count the documents and print the memory and scratch-disk "
                                                         "estimate; write nothing."),
) -> None:
    """Remove near-duplicate documents (MinHash + LSH) from INPUTS.

    Writes the kept records to OUT (or, with --annotate, every record marked) and beside it
    OUT's stem + .clusters.jsonl (every document of a cluster: id, cluster id, similarity to
    the kept document, source), .removed.txt (removed ids) and .summary.json (counts, cluster
    sizes, settings, checksums); format in docs/dedup_files.md. All are written to temporary
    names and renamed, the summary last, so a set left by an interrupted run is detectable
    (seenit.sketch.files.check_dedup_output). Existing outputs are refused unless --overwrite.
    """
    from ..sketch.files import dedup_files

    if dry_run:
        _dry_run(inputs, field, threshold, num_perm, scheme, weights, max_memory, work_dir is not None)
        return

    bar: ProgressBar | None = None

    def on_progress(stage: str, done: int) -> None:
        nonlocal bar
        if bar is None:  # started by the first report: option and path errors come before any bar
            bar = ProgressBar(True, stage).__enter__()
        bar.update(description=stage, completed=done)

    try:
        res = dedup_files(inputs, out, field=field, threshold=threshold, num_perm=num_perm, ngram=ngram, unit=unit,
                          seed=seed, scheme=scheme, verify=verify, weights=weights, batch_size=batch_size,
                          lowercase=lowercase, engine=engine, overwrite=overwrite, max_memory=max_memory,
                          work_dir=work_dir, annotate=annotate, max_bucket=max_bucket, method=method,
                          expected_docs=expected_docs, fp_rate=fp_rate, on_progress=on_progress,
                          arg_names=_OPTION_NAMES)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)

    n = res.n_docs
    total = res.seconds_total
    t = Table(title=f"seenit dedup minhash  (threshold {threshold}, {res.bands} bands x {res.rows} rows, k={num_perm})")
    for col in ("documents", "duplicate clusters", "removed", "removed %", "kept", "seconds", "docs/s"):
        t.add_column(col, justify="right")
    t.add_row(f"{n:,}", "-" if res.n_clusters is None else f"{res.n_clusters:,}", f"{res.n_removed:,}", f"{100.0 * res.n_removed / max(n, 1):.2f}",
              f"{res.n_kept:,}", f"{total:.2f}", f"{n / max(total, 1e-9):,.0f}")
    console = Console()
    console.print(t)
    console.print(f"{'annotated    ' if annotate else 'kept documents'} -> {res.out}\nclusters       -> {res.clusters}   "
                  + (f"(on Ray: signatures, shuffle and clusters {res.seconds_signatures:.2f} s)" if engine == "ray" else
                     f"(signatures {res.seconds_signatures:.2f} s, LSH + clusters {res.seconds_clusters:.2f} s, "
                     f"{res.mode})")
                  + f"\nremoved ids    -> {res.removed}\nsummary        -> {res.summary}"
                  + (f"\nwork directory -> {res.work_dir} (kept for seenit dedup rethreshold)" if res.work_dir else ""),
                  highlight=False)
    if res.kept_words is not None and res.kept_copies is not None:
        from ..select.tokens import effective_tokens

        e = effective_tokens(res.kept_words, res.kept_copies)
        console.print(f"effective tokens (Muennighoff et al. 2023, R* = {e.r_star:g}): {e.unique:,.0f} words kept; "
                      f"counting each removed near-copy as a repeat of its kept document, the input's ~{e.seen:,.0f} "
                      f"words are worth {e.total:,.0f} unique words", highlight=False, soft_wrap=True)


def _dry_run(inputs: List[Path], field: str, threshold: float, num_perm: int, scheme: str,
             weights: Tuple[float, float], max_memory: str | None, has_work_dir: bool) -> None:
    """Count the documents (one read, no hashing) and print what a run would need."""
    from .. import io as sio
    from ..sketch import ooc
    from ..sketch.lsh import check_threshold, optimal_params
    from ..sketch.minhash import MinHashSpec

    try:
        check_threshold(threshold)
        bands, rows = optimal_params(threshold, num_perm, weights)
        sig_bytes = np.dtype(MinHashSpec(num_perm=num_perm, scheme=scheme).dtype).itemsize
        budget = None if max_memory is None else ooc.parse_size(max_memory, "--max-memory")
        if budget is not None:
            ooc.plan_memory(budget, num_perm, bands, sig_bytes, "--max-memory")
        n = sum(1 for _ in sio.iter_records(sio.expand_paths(inputs), field=field))
    except (ValueError, TypeError) as e:
        raise fail(str(e)) from None
    mem = ooc.in_memory_bytes(n, num_perm, bands, sig_bytes)
    out_of_core = budget is not None and (mem > budget or has_work_dir)
    t = Table(title=f"seenit dedup minhash --dry-run  ({n:,} documents, {bands} bands x {rows} rows, k={num_perm})")
    t.add_column("")
    t.add_column("bytes", justify="right")
    t.add_row("in-memory mode needs", ooc.fmt_bytes(mem))
    t.add_row("mode", "out of core" if out_of_core else "in memory")
    if budget is not None:
        est = ooc.scratch_estimate(n, num_perm, bands, sig_bytes)
        for k, label in (("signatures", "scratch: signatures"), ("sources", "scratch: lines + file ids"),
                         ("band_runs", "scratch: band runs"), ("edges", "scratch: edges (at most 1 per document)"),
                         ("components", "scratch: components"), ("total_peak", "scratch: peak total")):
            t.add_row(label, ooc.fmt_bytes(est[k]))
    Console().print(t)


def demo(
    docs: int = typer.Option(2000, "--docs", min=10, help="Documents to generate."),
    threshold: float = typer.Option(0.8, help="Jaccard similarity threshold."),
    seed: int = typer.Option(0, help="Corpus seed."),
) -> None:
    """Generate a corpus with planted near-copies, deduplicate it, and check the result
    against exact all-pairs Jaccard similarity."""
    from ..sketch.dedup import near_duplicates
    from ..demo import all_pairs_jaccard, synthetic_corpus
    from ..sketch.lsh import check_threshold
    from ..sketch.minhash import jaccard_exact_pairs, shingle_hashes

    try:
        check_threshold(threshold)
    except (ValueError, TypeError) as e:
        raise fail(str(e)) from None
    console = Console()
    t0 = time.perf_counter()
    c = synthetic_corpus(docs, seed=seed)
    t_gen = time.perf_counter() - t0
    n_words = sum(len(x.split()) for x in c.docs)
    console.print(f"generated {docs:,} documents ({n_words:,} words, Zipf vocabulary) with "
                  f"{int((c.source >= 0).sum()):,} planted near-copies (0-6 word edits each) in {t_gen:.2f} s", highlight=False)

    t1 = time.perf_counter()
    truth_pairs, truth_sim = all_pairs_jaccard(c.docs, threshold)
    t_truth = time.perf_counter() - t1
    values, offsets = shingle_hashes(c.docs)
    planted = c.planted_pairs

    runs: list[tuple[str, Any, float]] = []
    for label, w in (("datasketch banding", (0.5, 0.5)), ("seenit default", (0.2, 0.8))):
        t2 = time.perf_counter()
        d = near_duplicates(c.docs, threshold=threshold, weights=w)
        runs.append((f"{label}\n{d.bands} bands x {d.rows} rows", d, time.perf_counter() - t2))

    def recall(d: Any, pairs: np.ndarray) -> str:
        if pairs.shape[0] == 0:
            return "-"
        hit = int(np.count_nonzero(d.labels[pairs[:, 0]] == d.labels[pairs[:, 1]]))
        return f"{hit:,}/{pairs.shape[0]:,} = {hit / pairs.shape[0]:.3f}"

    strong = truth_pairs[truth_sim >= min(threshold + 0.1, 1.0)]
    t = Table(title=f"seenit demo: near-duplicate dedup (MinHash k=128, word 5-grams, threshold {threshold})")
    t.add_column("")
    for name, _, _ in runs:
        t.add_column(name, justify="right")
    rows: list[list[str]] = [[] for _ in range(8)]
    for _, d, secs in runs:
        exact = jaccard_exact_pairs(values, offsets, d.pairs)
        removed = np.flatnonzero(~d.keep)
        rows[0].append(f"{d.n_docs:,}")
        rows[1].append(f"{d.n_clusters:,}")
        rows[2].append(f"{d.n_removed:,} ({100.0 * d.n_removed / d.n_docs:.1f}%)")
        rows[3].append(f"{secs:.3f} s, {d.n_docs / secs:,.0f} docs/s")
        rows[4].append(recall(d, strong))
        rows[5].append(recall(d, truth_pairs))
        prec = float(np.mean(exact >= threshold)) if exact.size else 1.0
        rows[6].append(f"{int(np.count_nonzero(exact >= threshold)):,}/{exact.size:,} = {prec:.3f}")
        rows[7].append(f"{int(np.count_nonzero(c.source[removed] >= 0)):,}/{removed.size:,}")
    names = ["documents", "duplicate clusters", "removed", "time, end to end",
             f"true pairs J>={min(threshold + 0.1, 1.0):.2f} found", f"true pairs J>={threshold:.2f} found",
             f"reported pairs, exact J>={threshold:.2f}", "removed docs: planted copies"]
    for name, r in zip(names, rows):
        t.add_row(name, *r)
    console.print(t)
    console.print(f"ground truth: exact Jaccard of all {docs * (docs - 1) // 2:,} pairs (inverted index) in {t_truth:.2f} s; "
                  f"{truth_pairs.shape[0]:,} pairs have J >= {threshold}, {strong.shape[0]:,} have J >= "
                  f"{min(threshold + 0.1, 1.0):.2f}; planted (original, copy) pairs: {planted.shape[0]:,}.", highlight=False)
    console.print("seenit's default banding weighs false negatives more (weights=(0.2, 0.8)) than datasketch's "
                  "(0.5, 0.5): it finds more borderline pairs and verification drops the extra candidates.", highlight=False)


def dedup_rethreshold(
    work_dir: Path = typer.Argument(..., help="The work directory of an out-of-core dedup (--max-memory / --work-dir)."),
    threshold: float = typer.Option(..., help="The new threshold (at least the run's own)."),
    out: Path = typer.Option(..., "--out", "-o", help="Names the files: OUT's stem + .clusters.jsonl, .removed.txt, "
                                                     ".summary.json (nothing is written at OUT)."),
    max_memory: str = typer.Option("256M", "--max-memory", help="Memory budget of the components stage."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing output files."),
) -> None:
    """Recompute the clusters and the removal set at a higher THRESHOLD from the verified
    similarities stored in WORK_DIR, without reading the corpus again."""
    from ..sketch.rethreshold import rethreshold

    res = rethreshold(work_dir, threshold, out, max_memory=max_memory, overwrite=overwrite)
    Console().print(f"threshold {res.threshold}: {res.n_docs:,} documents, {res.n_clusters:,} duplicate clusters, "
                    f"{res.n_removed:,} removed\nclusters    -> {res.clusters}\nremoved ids -> {res.removed}\n"
                    f"summary     -> {res.summary}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``dedup minhash`` and ``dedup rethreshold`` (joining an existing ``dedup`` group) and ``demo``
    to the root ``app``."""
    add_command(app, "demo", demo)
    add_to_group(app, "dedup", DEDUP_HELP, "minhash", dedup_minhash)
    add_to_group(app, "dedup", DEDUP_HELP, "rethreshold", dedup_rethreshold)
