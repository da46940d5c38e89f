"""``seenit scan``: a whole contamination audit (corpus x benchmarks) in one command, with a
rich summary table; see :func:`seenit.scan` and docs/scan.md. Registered by :func:`register`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.console import Console
from rich.table import Table

from ._common import add_command, check_out, err_console, fail, user_errors
from ._config import config_text, config_values

#: The run directory's copy of the options a scan ran with (``--config`` reads it back).
RUN_CONFIG = "scan.toml"




def summary_table(report: dict[str, Any]) -> Table:
    """Per benchmark: items, % contaminated by each method and overall (thresholds in the title)."""
    st = report["settings"]
    methods = st["methods"]
    rules = []
    if "ngram" in st:
        g = st["ngram"]
        rules.append(f"ngram: {g['n']}-gram {g['metric']} >= {g['contaminated_at']} (partial >= {g['clean_below']})")
    if "minhash" in st:
        m = st["minhash"]
        rules.append(f"minhash: Jaccard >= {m['threshold']} (partial >= {m['partial_at']})")
    if "embed" in st:
        e = st["embed"]
        rules.append(f"embed {e['model']}: cosine >= {e['threshold']} (partial >= {e['partial_at']})")
    t = Table(title="contamination scan: % of items contaminated", caption="; ".join(rules))
    t.add_column("benchmark")
    t.add_column("items", justify="right")
    for m in methods:
        t.add_column(f"{m} %", justify="right")
    t.add_column("overall %", justify="right", style="bold")
    t.add_column("partial %", justify="right")
    for b in report["benchmarks"]:
        s = b["summary"]
        n = max(1, s["items"])
        row = [b["name"], f"{s['items']:,}"]
        row += [f"{100.0 * s['by_method'][m]['contaminated'] / n:.2f}" for m in methods]
        row += [f"{s['percent']['contaminated']:.2f}", f"{s['percent']['partial']:.2f}"]
        t.add_row(*row)
    return t


def calibration_table(cal: dict[str, Any]) -> Table:
    """Per benchmark and transformation: % of the K planted items each method (and the overall
    verdict) flags, with the false positives (other items flagged) in brackets."""
    cols = list(cal["methods"]) + [cal.get("overall", "overall")]
    t = Table(title=f"calibration: % of {cal['k']} planted items flagged per benchmark (seed {cal['seed']})",
              caption="in brackets: false positives, the benchmark's other items flagged in the planted documents")
    t.add_column("benchmark")
    t.add_column("planted as")
    for m in cols:
        t.add_column(f"{m} %", justify="right", style="bold" if m == cols[-1] else None)
    for b in cal["benchmarks"]:
        for tr in cal["transformations"]:
            res = b["results"][tr]
            t.add_row(b["name"], tr, *(f"{100.0 * res[m]['recall']:.0f} ({res[m]['false_positives']})" for m in cols))
    return t


def scan_cmd(
    ctx: typer.Context,
    corpus: Optional[List[str]] = typer.Option(None, "--corpus", "-c", help="(required) Corpus files, directories or globs (repeatable): JSONL, .jsonl.gz/.zst, Parquet, CSV, .txt."),
    bench: Optional[List[str]] = typer.Option(None, "--bench", "-b", help="(required) Benchmark as NAME=FILE[:field[,field...]] (repeatable): JSONL, CSV or Parquet, a path or a URL; several fields are matched and reported each on its own. Or by name: gsm8k, humaneval, mbpp, truthfulqa, mmlu, ... (Hugging Face datasets, from its cache offline), lm_eval:TASK or lm_eval:task.yaml (pip install lm-eval)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="(required) Run directory: finished pieces, checkpoints, report.json, report.html (with --shard: the shard's partial state)."),
    methods: str = typer.Option("ngram,minhash", "--methods", help="Comma-separated: ngram, minhash, embed."),
    engine: str = typer.Option("local", "--engine", help="local | ray (pip install 'seenit[ray]')."),
    field: str = typer.Option("text", "--field", help="Text field of the corpus records."),
    embed: Optional[str] = typer.Option(None, "--embed", help="Embedding model for --methods embed (e.g. all-MiniLM-L6-v2, or hashed[:DIM])."),
    recipe: str = typer.Option("default", "--recipe", help="n-gram recipe: default | llama2 | gpt3 | palm."),
    n: Optional[int] = typer.Option(None, "--n", help="n-gram length in words (default: the recipe's)."),
    metric: Optional[str] = typer.Option(None, "--metric", help="n-gram metric: coverage | ngram_fraction | any."),
    clean_below: Optional[float] = typer.Option(None, "--clean-below", help="n-gram value below which an item is clean."),
    contaminated_at: Optional[float] = typer.Option(None, "--contaminated-at", help="n-gram value from which an item is contaminated."),
    near_n: Optional[int] = typer.Option(None, "--near-n", help="Near-copy rule: n-gram length in words (default recipe: 8; 0 = off)."),
    strip_punctuation: bool = typer.Option(True, "--strip-punctuation/--keep-punctuation", help="n-grams match with punctuation removed (the default: finds copies whose punctuation changed; short items may then match longer sentences). --keep-punctuation for an index built without --strip-punctuation."),
    near_at: Optional[float] = typer.Option(None, "--near-at", help="Near-copy rule: covered fraction from which an otherwise clean long item is partial (default 0.3)."),
    minhash_threshold: float = typer.Option(0.5, "--minhash-threshold", help="Jaccard from which an item is contaminated."),
    minhash_partial_at: float = typer.Option(0.3, "--minhash-partial-at", help="Jaccard from which an item is partial."),
    num_perm: int = typer.Option(128, "--num-perm", min=1, help="MinHash permutations."),
    shingle: int = typer.Option(5, "--shingle", min=1, help="MinHash shingle length in words."),
    embed_k: int = typer.Option(5, "--embed-k", min=1, help="Nearest corpus documents kept per item."),
    embed_threshold: float = typer.Option(0.9, "--embed-threshold", help="Cosine from which an item is contaminated."),
    embed_partial_at: float = typer.Option(0.8, "--embed-partial-at", help="Cosine from which an item is partial."),
    index: Optional[Path] = typer.Option(None, "--index", help="n-gram evidence from a corpus index in DIR instead of the streaming pass: one built by `seenit index build` (reused), or built there now (resumable) and kept for later scans."),
    shard_bytes: Optional[int] = typer.Option(None, "--shard-bytes", min=1, help="With --index: corpus bytes per index piece (the unit of resume; default 128 MiB)."),
    skip_bad_lines: bool = typer.Option(False, "--skip-bad-lines", help="Skip (and count) malformed lines instead of stopping."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the scan in --out even if it is from a different run."),
    mia_scores: Optional[Path] = typer.Option(None, "--mia-scores", help="Scores JSONL from `seenit mia` (rows with a 0/1 label): adds ROC curves."),
    mia_labels: Optional[str] = typer.Option(None, "--mia-labels", help="FILE[:field] of 0/1 labels for --mia-scores rows (default field 'label')."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars."),
    calibrate: Optional[int] = typer.Option(None, "--calibrate", help="Plant K random items of each benchmark into real corpus documents (5 transformations) and report the recall measured on them."),
    calibrate_seed: int = typer.Option(0, "--calibrate-seed", help="Seed of --calibrate's random choices."),
    annotate: Optional[Path] = typer.Option(None, "--annotate", help="Write the corpus back as JSON lines (.jsonl[.gz|.zst]) with a 'seenit' field per document: the flagged benchmark items it holds, by which method, and where."),
    purify: Optional[Path] = typer.Option(None, "--purify", help="Write a clean copy of the corpus (.jsonl[.gz|.zst]): flagged items' n-grams cut with a margin, documents left too short or too split dropped, the rest byte for byte."),
    purify_margin: int = typer.Option(200, "--purify-margin", min=0, help="Characters cut on each side of a contaminated span (GPT-3 / lm-eval convention: 200)."),
    purify_min_chars: int = typer.Option(200, "--purify-min-chars", min=0, help="Drop a purified document left with fewer characters."),
    purify_max_pieces: int = typer.Option(10, "--purify-max-pieces", min=1, help="Drop a purified document cut into more pieces."),
    shard: Optional[str] = typer.Option(None, "--shard", help="I/N: scan only the I-th (0-based) of N slices of the corpus files into a partial state in --out; combine the N with `seenit scan merge`."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print what would be read (sources, sizes, benchmark items), the passes over the corpus and the disk needed; scan nothing."),
    config: Optional[Path] = typer.Option(None, "--config", help="A TOML file of these options (corpus = [...], bench = [...] or a [bench] table, methods = ..., ...); flags given here win. The run's options are written to OUT/scan.toml."),
) -> None:
    """Scan a training corpus for the items of one or more benchmarks (n-gram, MinHash, embeddings).

    `seenit scan merge DIR... --out OUT` combines the partial states of `--shard I/N` runs."""
    from ..ngram.index_format import IndexFormatError
    from ..scan import scan, scan_shard

    if ctx.invoked_subcommand is not None:
        return
    kw = dict(methods=methods, engine=engine, field=field, embed=embed, recipe=recipe,
              n=n, metric=metric, clean_below=clean_below, contaminated_at=contaminated_at, near_n=near_n,
              near_at=near_at, strip_punctuation=strip_punctuation, minhash_threshold=minhash_threshold, minhash_partial_at=minhash_partial_at, num_perm=num_perm,
              shingle=shingle, embed_k=embed_k, embed_threshold=embed_threshold, embed_partial_at=embed_partial_at,
              index=index, shard_bytes=shard_bytes, skip_bad_lines=skip_bad_lines, overwrite=overwrite, mia_scores=mia_scores,
              mia_labels=mia_labels, progress=progress, calibrate=calibrate, calibrate_seed=calibrate_seed)
    writeback = dict(annotate=annotate, purify=purify, purify_margin=purify_margin, purify_min_chars=purify_min_chars,
                     purify_max_pieces=purify_max_pieces)
    top: dict[str, Any] = dict(corpus=corpus, bench=bench, out=out, shard=shard)
    if config is not None:
        for name, value in config_values(ctx, config).items():
            next(g for g in (top, kw, writeback) if name in g)[name] = value
    corpus, bench, out, shard = top["corpus"], top["bench"], top["out"], top["shard"]
    for value, flag in ((corpus, "--corpus"), (bench, "--bench"), (out, "--out")):
        if not value and not (dry_run and flag == "--out"):
            raise fail(f"{flag} is required (seenit scan --help, or in --config)")
    if dry_run:
        _print_plan(corpus, bench, kw, writeback)
        return
    try:
        if shard is not None:
            if annotate is not None or purify is not None:
                raise ValueError("--annotate and --purify belong to a whole scan, not to a --shard")
            path = scan_shard(corpus, bench, shard, out=out, **kw)  # type: ignore[arg-type]
            err_console.print(f"shard {shard}: partial state in {path.parent}; combine all shards with "
                              f"`seenit scan merge DIR... --out OUT`")
            return
        rep = scan(corpus, bench, out=out, **kw, **writeback)  # type: ignore[arg-type]
    except (ValueError, TypeError, OSError, ImportError, IndexFormatError, RuntimeError) as e:
        raise fail(str(e)) from None
    from ..io import atomic_write

    with atomic_write(Path(out) / RUN_CONFIG) as fh:  # type: ignore[arg-type]
        ran = {"corpus": list(corpus), "bench": list(bench), "out": out, **kw, **writeback}  # type: ignore[arg-type]
        fh.write(config_text({k: v for k, v in ran.items() if k != "overwrite"}))  # how it ran, not what
    _print_report(rep)


def merge_cmd(
    dirs: List[Path] = typer.Argument(..., help="The shard directories (every shard I/N of one scan, once)."),
    out: Path = typer.Option(..., "--out", "-o", help="Run directory of the merged scan: report.json, report.html."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the scan in --out even if it is from a different run."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars."),
    annotate: Optional[Path] = typer.Option(None, "--annotate", help="As `seenit scan --annotate` (one more pass over the corpus)."),
    purify: Optional[Path] = typer.Option(None, "--purify", help="As `seenit scan --purify` (one more pass over the corpus; default margin and limits)."),
) -> None:
    """Combine the partial states of `seenit scan --shard I/N` runs into one report (identical to an unsharded scan)."""
    from ..scan import merge_scan_shards

    _print_report(merge_scan_shards(dirs, out=out, overwrite=overwrite, progress=progress, annotate=annotate,
                                    purify=purify))


def compare_cmd(
    a: Path = typer.Argument(..., help="The earlier scan: its report.json or run directory."),
    b: Path = typer.Argument(..., help="The later scan: its report.json or run directory."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Also write the comparison as JSON here."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace --out if it exists."),
    show: int = typer.Option(10, "--show", min=0, help="Items listed per benchmark and kind of change."),
) -> None:
    """What changed between two scans: per benchmark, items newly flagged, cleared or changed."""
    from ..io import write_json
    from ..scan import compare_scans

    if out is not None:
        check_out(out, inputs=[], overwrite=overwrite, suffixes=(".json",))
    diff = compare_scans(a, b)
    t = Table(title=f"seenit scan compare: {diff['a']} -> {diff['b']}")
    for col in ("benchmark", "items", "contaminated %", "partial %", "newly flagged", "cleared", "changed"):
        t.add_column(col, justify="left" if col == "benchmark" else "right")
    for bd in diff["benchmarks"]:
        pa, pb = bd["percent_a"], bd["percent_b"]
        t.add_row(bd["name"], f"{bd['items_a']:,} -> {bd['items_b']:,}",
                  f"{pa['contaminated']:.2f} -> {pb['contaminated']:.2f}", f"{pa['partial']:.2f} -> {pb['partial']:.2f}",
                  str(len(bd["newly_flagged"])), str(len(bd["cleared"])), str(len(bd["changed"])))
    Console().print(t)
    for bd in diff["benchmarks"]:
        for kind in ("newly_flagged", "cleared", "changed"):
            for row in bd[kind][:show]:
                text = " ".join(row["text"].split())
                Console().print(f"{bd['name']} {kind.replace('_', ' ')}: item {row['index_b']} "
                                f"({row['verdict_a']} -> {row['verdict_b']}) {text[:100]}", highlight=False, markup=False)
    for side in ("a", "b"):
        if diff[f"only_in_{side}"]:
            err_console.print(f"only in {side.upper()}: {', '.join(diff[f'only_in_{side}'])}")
    if out is not None:
        write_json(out, diff)
        err_console.print(f"comparison: {out}")


def _print_plan(corpus: Any, bench: Any, kw: dict[str, Any], writeback: dict[str, Any]) -> None:
    from ..scan.plan import dry_run

    def size(n: Any) -> str:
        return "size unknown" if n is None else f"{n / 1e6:,.1f} MB"

    plan = dry_run(corpus, bench, index=kw["index"], annotate=writeback["annotate"], purify=writeback["purify"],
                   calibrate=kw["calibrate"], skip_bad_lines=kw["skip_bad_lines"])
    con = Console(soft_wrap=True)
    note = " (compressed sources count their compressed size: the text is larger)" if plan["compressed"] else ""
    con.print(f"corpus: {len(plan['corpus'])} source(s), {size(plan['corpus_bytes'])}{note}", highlight=False, markup=False)
    for s in plan["corpus"]:
        rows = f", {s['rows']:,} rows" if s["rows"] is not None else ""
        con.print(f"  {s['source']} ({s['where']}, {size(s['bytes'])}{rows})", highlight=False, markup=False)
    for b in plan["benchmarks"]:
        con.print(f"benchmark {b['name']}: {b['items']:,} items (field {b['field']})", highlight=False, markup=False)
    for p in plan["passes"]:
        con.print(f"pass: {p['what']}" + (f": {size(p['bytes'])} read" if p["bytes"] is not None else ""),
                  highlight=False, markup=False)
    for d in plan["disk"]:
        at = "at least" if plan["compressed"] else "about"
        con.print(f"disk: {d['what']}" + (f": {at} {size(d['bytes'])}" if d["bytes"] is not None else ": small"),
                  highlight=False, markup=False)


def _print_report(rep: Any) -> None:
    d = rep.to_dict()
    Console().print(summary_table(d))
    if d.get("calibration"):
        Console().print(calibration_table(d["calibration"]))
    skipped = d["corpus"].get("skipped_lines", 0) + sum(b.get("skipped_lines", 0) for b in d["benchmarks"])
    if skipped:
        err_console.print(f"skipped {skipped} malformed line(s); listed in report.json (corpus.skipped)")
    for key, what in (("annotate", "annotated corpus"), ("purify", "purified corpus")):
        if d.get(key):
            b = d[key]
            extra = (f": {b['cut']:,} documents cut, {b['dropped']:,} dropped, {b['unchanged']:,} unchanged"
                     if key == "purify" else f": {b['annotated']:,} of {b['n_documents']:,} documents hold flagged items")
            err_console.print(f"{what}: {b['path']}{extra}")
    err_console.print(f"report: {rep.path}" + (f" and {rep.html}" if rep.html else ""))


def register(app: typer.Typer) -> None:
    sub = typer.Typer(invoke_without_command=True, no_args_is_help=False,
                      help="Scan a training corpus for the items of one or more benchmarks; `merge` combines shards.")
    sub.callback()(user_errors(scan_cmd))
    add_command(sub, "merge", merge_cmd)
    add_command(sub, "compare", compare_cmd)
    app.add_typer(sub, name="scan")
