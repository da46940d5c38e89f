"""Command line for the n-gram index: ``seenit index build``, ``seenit contamination``
and ``seenit dedup exact`` (registered on the root app by :func:`register`)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from ._common import DEDUP_HELP, add_command, add_to_group, check_out, err_console

index_app = typer.Typer(help="Build and inspect suffix-array n-gram indexes.", no_args_is_help=True)


def index_build(
    corpus: List[str] = typer.Argument(..., help="Corpus files, directories, globs or URLs (JSONL, .jsonl.gz/.zst, Parquet, CSV, .txt)."),
    out: Path = typer.Option(..., "--out", "-o", help="Index directory to create."),
    tokenizer: str = typer.Option("bytes", help="bytes | whitespace | tiktoken:<encoding> | hf:<tokenizer.json>."),
    field: str = typer.Option("text", help="Text field of JSON/Parquet/CSV records."),
    shard_tokens: Optional[int] = typer.Option(None, help="Maximum tokens per shard (for corpora larger than memory)."),
    lowercase: bool = typer.Option(False, help="Lowercase before tokenizing (recorded; applied to queries)."),
    strip_punctuation: bool = typer.Option(False, help="Remove punctuation before tokenizing."),
    collapse_whitespace: bool = typer.Option(False, help="Collapse whitespace runs to one space."),
    overwrite: bool = typer.Option(False, help="Replace an existing index at --out."),
) -> None:
    """Build an n-gram (suffix-array) index of CORPUS.

    The index is built in a temporary directory beside --out; with --overwrite an
    existing index stays in place until the new one replaces it, and an interrupted
    build is repaired by the next build (or by opening the index)."""
    from ..io import expand_paths
    from ..ngram.index import NgramIndex
    from ..tokenize import get_tokenizer

    check_out(out, inputs=corpus, overwrite=overwrite, directory=True)
    if shard_tokens is not None and shard_tokens < 1:
        raise ValueError(f"--shard-tokens must be >= 1, got {shard_tokens}")
    get_tokenizer(tokenizer)
    idx = NgramIndex.build(expand_paths(corpus), out, tokenizer=tokenizer, field=field, shard_tokens=shard_tokens, progress=True,
                           lowercase=lowercase, strip_punctuation=strip_punctuation,
                           collapse_whitespace=collapse_whitespace, overwrite=overwrite)
    m = idx.manifest
    t = Table(title=f"index {out}")
    for col in ("documents", "tokens", "shards", "tokenizer", "M chars", "seconds", "M chars/s"):
        t.add_column(col, justify="right")
    secs = m.get("build_seconds", 0.0) or 1e-9
    mb = m.get("input_chars", 0) / 1e6
    t.add_row(f"{idx.n_docs:,}", f"{idx.n_tokens:,}", str(len(idx.shards)), idx.tokenizer.spec, f"{mb:,.1f}",
              f"{secs:.2f}", f"{mb / secs:,.1f}")
    Console().print(t)


def index_info(
    index: Path = typer.Argument(..., help="Index directory."),
    verify: bool = typer.Option(False, help="Recompute every part's SHA-256 (reads the whole index)."),
) -> None:
    """Print an index's manifest summary (and check its checksums with --verify)."""
    from ..ngram.index import NgramIndex

    idx = NgramIndex.open(index, verify=True if verify else None)
    m = idx.manifest
    t = Table(title=f"index {index}" + (" (checksums verified)" if verify else ""))
    for col in ("documents", "tokens", "shards", "tokenizer", "token bytes", "normalisation", "format"):
        t.add_column(col, justify="right")
    norm = ",".join(k for k, v in m["normalisation"].items() if v) or "none"
    t.add_row(f"{idx.n_docs:,}", f"{idx.n_tokens:,}", str(len(idx.shards)), idx.tokenizer.spec, str(m["token_width"]),
              norm, f"v{m['format_version']}")
    Console().print(t)


def contamination_cmd(
    bench: List[str] = typer.Argument(..., help="Benchmark files or URLs (JSONL, CSV, Parquet, ...)."),
    index: Path = typer.Option(..., "--index", "-i", help="Index directory built by `seenit index build`."),
    field: str = typer.Option("question", help="Field of the benchmark records to check."),
    n: Optional[int] = typer.Option(None, "--n", help="n-gram length (default: the recipe's, 13)."),
    recipe: str = typer.Option("default", help="default | llama2 | gpt3 | palm."),
    metric: Optional[str] = typer.Option(None, help="coverage | ngram_fraction | any (default: the recipe's)."),
    clean_below: Optional[float] = typer.Option(None, help="Metric value below which an item is clean."),
    contaminated_at: Optional[float] = typer.Option(None, help="Metric value from which an item is contaminated."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the JSON report here."),
    show: int = typer.Option(10, help="Print this many flagged items."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out file."),
) -> None:
    """Check which BENCH items occur in the corpus behind --index."""
    from ..io import expand_paths
    from ..ngram.contamination import contamination
    from ..ngram.index import NgramIndex

    if out is not None:
        check_out(out, inputs=bench, overwrite=overwrite)
        if out.resolve() == index.resolve() or index.resolve() in out.resolve().parents:
            raise ValueError(f"--out {str(out)!r} is inside --index; write the report elsewhere")

    idx = NgramIndex.open(index)
    with err_console.status(f"scanning {', '.join(map(str, bench))} against {index}"):
        rep = contamination(expand_paths(bench), idx, field=field, n=n, recipe=recipe, metric=metric,
                            clean_below=clean_below, contaminated_at=contaminated_at)
    s = rep.summary
    t = Table(title=f"contamination ({rep.settings['recipe']}: n={rep.settings['n']}, {rep.settings['metric']})")
    for col in ("verdict", "items", "%"):
        t.add_column(col, justify="right")
    for v in ("clean", "partial", "contaminated"):
        t.add_row(v, f"{s[v]:,}", f"{s[f'{v}_pct']:.2f}")
    t.add_row("total", f"{s['items']:,}", "100.00")
    console = Console()
    console.print(t)
    flagged = rep.flagged()[:show]
    if flagged:
        ft = Table(title=f"first {len(flagged)} flagged items")
        for col in ("item", "verdict", "covered", "n-grams", "longest (chars)", "docs"):
            ft.add_column(col)
        for it in flagged:
            ft.add_row(str(it.index), it.verdict, f"{it.covered_fraction:.2f}", f"{it.n_present}/{it.n_ngrams}",
                       str(it.longest_match_chars), ",".join(map(str, it.doc_ids)))
        console.print(ft)
    if out is not None:
        rep.write(out)
        console.print(f"report written to {out}")


def dedup_exact(
    inputs: List[str] = typer.Argument(..., help="Input files or URLs (JSONL, .jsonl.gz/.zst, Parquet, CSV, .txt)."),
    out: Path = typer.Option(..., "--out", "-o", help="Cleaned documents: .jsonl, .jsonl.gz or .jsonl.zst (other fields kept)."),
    field: str = typer.Option("text", help="Text field of the records."),
    min_length: int = typer.Option(50, help="Minimum duplicate span length in tokens (bytes for --tokenizer bytes)."),
    tokenizer: str = typer.Option("bytes", help="bytes | whitespace | tiktoken:<encoding> | hf:<tokenizer.json>."),
    spans_out: Optional[Path] = typer.Option(None, help="Also write the duplicate spans (JSON)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing output files."),
) -> None:
    """Remove every span of >= --min-length tokens that occurs twice (Lee et al. 2021 ExactSubstr)."""
    from ..ngram.exact_dedup import exact_duplicates
    from ..io import JSONL_SUFFIXES, iter_records, write_json, write_jsonl
    from ..tokenize import get_tokenizer

    if min_length < 1:
        raise ValueError(f"--min-length must be >= 1, got {min_length}")
    get_tokenizer(tokenizer)
    check_out(out, inputs=inputs, overwrite=overwrite, suffixes=JSONL_SUFFIXES)
    if spans_out is not None:
        check_out(spans_out, inputs=inputs, overwrite=overwrite, name="--spans-out")
        if spans_out.resolve() == out.resolve():
            raise ValueError("--spans-out and --out name the same file")

    with err_console.status("reading"):
        records = list(iter_records(inputs, field=field, keep_data=True))
    with err_console.status(f"finding duplicate spans in {len(records):,} documents"):
        res = exact_duplicates([r.text for r in records], min_length, tokenizer=tokenizer, remove=True)

    def rows():  # type: ignore[no-untyped-def]
        for r, text in zip(records, res.documents or []):
            row = dict(r.data) if r.data else {}
            row[field] = text
            yield row

    write_jsonl(out, rows())
    if spans_out is not None:
        write_json(spans_out, res.to_dict())
    t = Table(title="exact-substring dedup")
    for col in ("documents", "tokens", "duplicate spans", "removed tokens", "removed %", "docs touched"):
        t.add_column(col, justify="right")
    pct = 100.0 * res.duplicate_tokens / max(1, res.n_tokens - res.n_docs)
    t.add_row(f"{res.n_docs:,}", f"{res.n_tokens - res.n_docs:,}", f"{len(res):,}", f"{res.duplicate_tokens:,}",
              f"{pct:.2f}", f"{np.unique(res.doc).size:,}")
    Console().print(t)


def lm_eval_ngrams_cmd(
    corpus: List[str] = typer.Argument(..., help="Corpus files, directories, globs or URLs."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory to write (info.json + ngrams_*.bkt.txt.sorted.zst)."),
    bench: Optional[List[str]] = typer.Option(None, "--bench", help="Only the corpus n-grams found in these benchmark files' items (FILE[:field], repeatable): a small export lm-eval gives the same verdicts with."),
    n: int = typer.Option(13, "--n", min=1, help="n-gram length in words (lm-eval's default: 13)."),
    field: str = typer.Option("text", help="Text field of the corpus records."),
    buckets: int = typer.Option(1, "--buckets", min=1, max=4096, help="Files to split the n-grams into (each sorted in memory)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace --out if it exists."),
) -> None:
    """Write a corpus' n-grams for lm-eval-harness' decontamination (lm_eval --decontamination_ngrams_path DIR)."""
    from ..io import iter_records
    from ..ngram.lm_eval_export import export_lm_eval_ngrams
    from ..scan.config import split_fields

    only = None
    if bench:
        only = []
        for spec in bench:
            path, fld = split_fields(spec)
            only += [r.text for r in iter_records(path, field=fld or "question")]
    check_out(out, inputs=corpus, overwrite=overwrite, directory=True)
    r = export_lm_eval_ngrams(corpus, out, n=n, field=field, only=only, buckets=buckets, overwrite=overwrite)
    err_console.print(f"{r['ngrams']:,} {n}-grams of {r['documents']:,} documents in {out} ({len(r['files'])} file(s))")


def register(app: typer.Typer) -> None:
    """Add ``index``, ``contamination`` and ``dedup exact`` to the root ``app``
    (joining an existing ``dedup`` group if another area registered one)."""
    add_command(index_app, "build", index_build)
    add_command(index_app, "info", index_info)
    app.add_typer(index_app, name="index")
    add_command(app, "contamination", contamination_cmd)
    add_to_group(app, "dedup", DEDUP_HELP, "exact", dedup_exact)
    add_command(app, "lm-eval-ngrams", lm_eval_ngrams_cmd)
