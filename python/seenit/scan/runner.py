"""``seenit.scan``: one contamination audit of a corpus against many benchmarks.

Order of work (each step's output is a checksummed piece of the run directory, so a
rerun with the same arguments resumes after the last finished piece; see state.py):

1. check every argument, read every benchmark, peek at the corpus (bad input fails here);
2. with ``index=DIR`` only: the n-gram evidence from that corpus index (built there first
   when DIR holds none);
3. one streaming pass over the corpus (seenit.scan.corpus_pass) for every method and
   benchmark still missing its result — n-grams against an index of the benchmark items,
   MinHash against their band table, embeddings into their top-k — which also counts the
   corpus and keeps the documents the evidence cites; checkpointed, so it resumes;
4. report.json and report.html.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

from ..io import Source, expand_paths, fault_point, iter_records, source_name, write_json
from ..sources import TableSource
from ..report import write_html
from ..tokenize import Normalisation
from .config import (
    DEFAULT_METHODS,
    BenchSpec,
    EmbedSettings,
    MinHashSettings,
    NgramSettings,
    ScanSettings,
    bench_specs,
    parse_methods,
)
from .corpus_index import check_index_covers, open_or_build_index
from .corpus_pass import CorpusPass, PassPlan
from .shards import SHARD_MANIFEST, SHARD_STATE, merge_states, parse_shard, read_shards, run_shard
from .documents import documents_from, documents_key
from .engine import Engine, IndexOptions
from .local import LocalEngine
from .methods import BenchItems, cited_docs, load_benchmark, ngram_evidence, overall
from .mia_block import read_mia
from .calibrate import calibrate as run_calibration, check_calibrate
from .result import SCHEMA_VERSION, ScanReport, group_fields, summarize
from .state import RunState, corpus_fingerprint, digest
from .writeback import MARGIN, MAX_PIECES, MIN_CHARS, WritebackOptions, write_back
from .._progress import ProgressBar
from .._validate import check_int


def make_engine(engine: str | Engine) -> Engine:
    """``"local"`` -> :class:`LocalEngine`; ``"ray"`` -> ``seenit.distributed.RayEngine()``."""
    if not isinstance(engine, str):
        return engine
    if engine == "local":
        return LocalEngine()
    if engine == "ray":
        from ..distributed import RayEngine  # its constructor names the extra to install when Ray is missing

        return RayEngine()
    raise ValueError(f"engine must be 'local', 'ray' or an Engine, got {engine!r}")


def _check_corpus_nonempty(files: list[Source], field: str, skip_bad_lines: bool) -> None:
    skipped: list[str] = []
    if next(iter(iter_records(files, field=field, skip_bad_lines=skip_bad_lines, skipped=skipped)), None) is None:
        why = f" (every line was skipped; the first: {skipped[0]})" if skipped else ""
        raise ValueError(f"the corpus holds no documents: {', '.join(map(str, files))}{why}")


def scan(
    corpus: Any,
    benchmarks: Mapping[str, Any] | Sequence[str],
    *,
    methods: str | Sequence[str] = DEFAULT_METHODS,
    engine: str | Engine = "local",
    out: str | os.PathLike[str] | None = None,
    index: str | os.PathLike[str] | None = None,
    field: str = "text",
    embed: str | None = None,
    recipe: str = "default",
    n: int | None = None,
    metric: str | None = None,
    clean_below: float | None = None,
    contaminated_at: float | None = None,
    near_n: int | None = None,
    near_at: float | None = None,
    strip_punctuation: bool = True,
    minhash_threshold: float = 0.5,
    minhash_partial_at: float = 0.3,
    num_perm: int = 128,
    shingle: int = 5,
    embed_k: int = 5,
    embed_threshold: float = 0.9,
    embed_partial_at: float = 0.8,
    shard_bytes: int | None = None,
    skip_bad_lines: bool = False,
    overwrite: bool = False,
    mia_scores: str | os.PathLike[str] | None = None,
    mia_labels: str | None = None,
    max_docs: int = 5,
    html: bool = True,
    progress: bool = False,
    calibrate: int | None = None,
    calibrate_seed: int = 0,
    annotate: str | os.PathLike[str] | None = None,
    purify: str | os.PathLike[str] | None = None,
    purify_margin: int = MARGIN,
    purify_min_chars: int = MIN_CHARS,
    purify_max_pieces: int = MAX_PIECES,
    _shard: tuple[int, int] | None = None,
    _merge: list[dict[str, Any]] | None = None,
) -> ScanReport:
    """Scan ``corpus`` (files, directories, globs: JSONL, JSONL.gz/.zst, Parquet, CSV, .txt;
    fsspec URLs of them: ``s3://``, ``hf://``, ...; or in-memory tables: a Hugging Face
    ``Dataset``/``IterableDataset``, a pandas ``DataFrame``, a pyarrow ``Table`` /
    ``RecordBatchReader``; text in ``field``, see :func:`seenit.io.expand_paths`) for the items
    of ``benchmarks`` (``{"gsm8k": "test.jsonl"}``, ``{"gsm8k": ("test.jsonl", "question")}``,
    ``{"gsm8k": (dataset, "question")}`` or ``["gsm8k=test.jsonl:question"]``).

    ``methods``: any of ``ngram`` (n-gram overlap, ``recipe``/``n``/``metric``/thresholds as
    :func:`seenit.contamination`; the default recipe adds the near-copy rule: an item of at least
    ``n`` words otherwise clean is ``partial`` when ``near_at`` (0.3) of its words lie in
    ``near_n``-grams (8) found in the corpus, ``near_n=0`` turns it off; ``strip_punctuation`` (default
    True) matches with punctuation removed, so copies whose punctuation changed are found, at the
    cost of short items matching longer sentences — docs/scan.md, Calibration; evidence still
    points into the original texts), ``minhash`` (best corpus near-duplicate: contaminated
    from ``minhash_threshold``, partial from ``minhash_partial_at``) and ``embed``
    (``embed`` names the model: a sentence-transformers name or ``"hashed[:DIM]"``;
    nearest ``embed_k`` documents by cosine, contaminated from ``embed_threshold``,
    partial from ``embed_partial_at``). ``engine``: ``"local"``, ``"ray"`` or an
    :class:`~seenit.scan.engine.Engine`.

    ``out``: the run directory (index, finished pieces, report.json, report.html); a
    rerun with the same arguments resumes there; a directory from a different corpus or
    index settings raises ValueError unless ``overwrite``. Without ``out`` everything goes
    to a temporary directory that is removed afterwards.

    ``mia_scores``: a ``seenit mia`` scores JSONL; labels (0/1) from its ``label`` field,
    or from ``mia_labels`` = ``"FILE[:field]"`` (row order). Adds report.json's ``mia`` block.

    ``calibrate``: plant ``calibrate`` random items of each benchmark (seed ``calibrate_seed``)
    into real corpus documents in five forms and rescan them: report.json's ``calibration``
    block, the scan's recall per form and method (seenit.scan.calibrate, docs/scan.md).

    ``annotate`` / ``purify``: write the corpus back after the scan, one more pass
    (seenit.scan.writeback): ``annotate`` each document with the flagged items it holds (which,
    by which method, where), or ``purify`` it (the flagged items' n-grams cut out with
    ``purify_margin`` characters each side; a document left with fewer than ``purify_min_chars``
    or in more than ``purify_max_pieces`` pieces dropped; the rest byte for byte). JSON-lines
    files, replaced on every run; an input of the scan is refused. Counts in report.json.

    ``index``: take the n-gram evidence from a corpus ``NgramIndex`` at that directory instead of
    the streaming pass (reused when built, else built there; seenit.scan.corpus_index). ``_shard``
    and ``_merge`` are internal: :func:`scan_shard` and :func:`merge_scan_shards` use them.
    """
    # calibration reruns this function with the same arguments (not the write-back); shards record them
    call = {k: v for k, v in locals().items() if not k.startswith("_") and k not in _WRITEBACK_ARGS}
    meths = parse_methods(methods)
    settings = ScanSettings(
        methods=meths, engine=engine if isinstance(engine, str) else getattr(engine, "name", type(engine).__name__),
        field=field, skip_bad_lines=bool(skip_bad_lines),
        ngram=NgramSettings.make(recipe, n, metric, clean_below, contaminated_at, near_n, near_at,
                                 strip_punctuation=bool(strip_punctuation)),
        minhash=MinHashSettings(threshold=minhash_threshold, partial_at=minhash_partial_at, num_perm=num_perm, ngram=shingle),
        embed=EmbedSettings(model=embed, k=embed_k, threshold=embed_threshold, partial_at=embed_partial_at) if embed else None,
    )
    check_int(max_docs, "max_docs", 1)
    specs = bench_specs(benchmarks)
    files = expand_paths(corpus)
    writeback = WritebackOptions.make(annotate, purify, purify_margin, purify_min_chars, purify_max_pieces,
                                      [*files, *(s.path for s in specs)])
    if writeback is not None and _shard is not None:
        raise ValueError("annotate= and purify= belong to a whole scan, not to a shard")
    benches = [b for s in specs for b in load_benchmark(s, settings.skip_bad_lines)]
    if calibrate is not None and any(b.group for b in benches):
        raise ValueError("calibrate= plants one text per item: give each benchmark one field (not question,answer)")
    mia_block = read_mia(mia_scores, mia_labels) if mia_scores is not None else None
    embed_fn = None
    if "embed" in meths:
        from ..search.embed import embedder

        embed_fn = embedder(settings.embed.model)  # type: ignore[union-attr]
    _check_corpus_nonempty(files, field, settings.skip_bad_lines)
    if _shard is not None:
        return _run_shard(call, _shard, settings, specs, benches, files, embed_fn, max_docs)
    calibrate = check_calibrate(calibrate, calibrate_seed, benches, files, field, settings.skip_bad_lines)
    eng = make_engine(engine)

    tmp = tempfile.TemporaryDirectory(prefix="seenit-scan-") if out is None else None
    lent_checkpoints = False
    root = Path(tmp.name if tmp is not None else out)  # type: ignore[arg-type]
    try:
        fingerprint = corpus_fingerprint(files, field)
        ng = settings.ngram
        index_opts = IndexOptions(tokenizer=ng.tokenizer, field=field, shard_tokens=shard_bytes, lowercase=ng.lowercase,
                                  collapse_whitespace=ng.collapse_whitespace, strip_punctuation=ng.strip_punctuation,
                                  skip_bad_lines=settings.skip_bad_lines)
        identity = {"corpus": {"files": [source_name(f) for f in files], "fingerprint": fingerprint},
                    "index": asdict(index_opts)}
        state = RunState.open(root, identity, overwrite=overwrite)
        if getattr(eng, "checkpoint_dir", False) is None:
            eng.checkpoint_dir = state.root / "partial"  # type: ignore[attr-defined]
            lent_checkpoints = True
        total = state.manifest.get("corpus_docs")
        if total is not None and hasattr(eng, "total_docs"):
            eng.total_docs = total
        evidence: dict[str, dict[str, list[dict[str, Any]]]] = {b.spec.name: {} for b in benches}
        keys = {b.spec.name: digest(b.texts) for b in benches}
        norm = Normalisation(lowercase=ng.lowercase, strip_punctuation=ng.strip_punctuation,
                             collapse_whitespace=ng.collapse_whitespace)
        result_key = {
            "ngram": lambda b: {"items": keys[b.spec.name], "settings": asdict(ng), "max_docs": max_docs},
            "minhash": lambda b: {"items": keys[b.spec.name], "settings": asdict(settings.minhash)},
            "embed": lambda b: {"items": keys[b.spec.name], "settings": asdict(settings.embed)},
        }
        todo: dict[str, list[BenchItems]] = {}
        for m in meths:
            for b in benches:
                got = state.load(f"{b.spec.name}.{m}", result_key[m](b)) if _merge is None else None
                if got is None:
                    todo.setdefault(m, []).append(b)
                else:
                    evidence[b.spec.name][m] = got

        ngram_index, from_index = None, []
        if "ngram" in todo and index is not None:  # the index path: n-gram evidence from a corpus index
            idx = ngram_index = open_or_build_index(eng, files, Path(index), index_opts, progress)
            _remember_total(state, eng, idx.n_docs)
            for b in todo.pop("ngram"):  # saved once the corpus pass has checked the index against the corpus
                evidence[b.spec.name]["ngram"] = ngram_evidence(idx, b.texts, ng, max_docs)
                from_index.append(b)

        # One pass over the corpus for every streamed method still missing (it also finds the
        # corpus' size and keeps the documents the evidence cites); none when all is finished.
        docs_data = state.load("documents", documents_key(evidence, benches, meths, norm)) if not todo else None
        if docs_data is None:
            cite = {d for b in benches for m, evs in evidence[b.spec.name].items() for ev in evs
                    for d in cited_docs({m: ev})}
            plan = PassPlan.make(todo, ng, norm, settings, max_docs, embed_fn)
            pass_key = {"corpus": fingerprint, "field": field, "skip_bad_lines": settings.skip_bad_lines,
                        "plan": {m: [result_key[m](b) for b in bs] for m, bs in todo.items()}, "cite": sorted(cite)}
            if _merge is not None:  # the shards' passes, renumbered and merged
                cpass, skipped = merge_states(_merge, plan.new_pass(cite))
            else:
                state_, skipped = eng.run_pass(files, field, settings.skip_bad_lines, lambda: plan.new_pass(cite),
                                               key=pass_key, progress=progress)
                cpass = cast(CorpusPass, state_)  # what plan.new_pass made
            _remember_total(state, eng, cpass.n_docs)
            for m, evs in plan.evidence(cpass).items():
                for b, ev in evs:
                    state.save(f"{b.spec.name}.{m}", result_key[m](b), ev)
                    evidence[b.spec.name][m] = ev
            docs_data = documents_from(cpass.kept, evidence, benches, meths, norm, cpass.n_docs, cpass.n_bytes, skipped)
            state.save("documents", documents_key(evidence, benches, meths, norm), docs_data)
        if ngram_index is not None:
            check_index_covers(ngram_index, Path(index), docs_data["corpus"]["n_documents"])  # type: ignore[arg-type]
            for b in from_index:
                state.save(f"{b.spec.name}.ngram", result_key["ngram"](b), evidence[b.spec.name]["ngram"])
        matches = {int(k): v for k, v in docs_data["matches"].items()}

        report = assemble(settings, files, fingerprint, benches, evidence, docs_data, matches)
        if mia_block is not None:
            report["mia"] = mia_block
        if writeback is not None:
            report.update(write_back(files, field, settings.skip_bad_lines, report, ng.min_n, norm, writeback, progress,
                                     docs_data["corpus"]["n_documents"]))
        if calibrate is not None:
            report["calibration"] = run_calibration(scan, call, benches, files, root / "calibration", calibrate, calibrate_seed)
        result = ScanReport(report)
        if tmp is None:
            result.path = root / "report.json"
            fault_point("scan:before-report")
            write_json(result.path, report, indent=None)  # compact: the C encoder (indenting cost ~1 s per 10 MB)
            fault_point("scan:before-html")
            if html:
                result.html = root / "report.html"
                write_html(report, result.html)
        return result
    finally:
        if lent_checkpoints:
            eng.checkpoint_dir = None  # type: ignore[attr-defined]
        if tmp is not None:
            tmp.cleanup()


def _remember_total(state: RunState, eng: Engine, n_docs: int) -> None:
    if state.manifest.get("corpus_docs") != n_docs:
        state.manifest["corpus_docs"] = int(n_docs)
        state.save_manifest()
    if hasattr(eng, "total_docs"):
        eng.total_docs = int(n_docs)  # type: ignore[attr-defined]


def assemble(settings: ScanSettings, files: list[Path], fingerprint: str, benches: list[BenchItems],
             evidence: dict[str, dict[str, list[dict[str, Any]]]], docs_data: dict[str, Any],
             matches: dict[int, dict[str, list[int]]]) -> dict[str, Any]:
    """The report.json dict (docs/report_schema.md)."""
    from .. import __version__

    meths = list(settings.methods)
    out_benches = []
    for b in benches:
        items = []
        for i, text in enumerate(b.texts):
            ev: dict[str, Any] = {}
            for m in meths:
                e = dict(evidence[b.spec.name][m][i])
                if m == "ngram" and e.get("match") is not None:
                    mt = e["match"]
                    c0, c1 = matches[mt["doc_id"]][f"{mt['doc_norm_start']}:{mt['doc_norm_end']}"]
                    e["match"] = {"doc_id": mt["doc_id"], "doc_start": c0, "doc_end": c1,
                                  "item_start": mt["item_start"], "item_end": mt["item_end"]}
                ev[m] = e
            verdicts = [ev[m]["verdict"] for m in meths]
            items.append({"index": i, "source": b.sources[i], "line": b.lines[i], "text": text,
                          "verdict": overall(verdicts), "flagged_by": [m for m in meths if ev[m]["verdict"] != "clean"],
                          "evidence": ev})
        out_benches.append({"name": b.spec.name, "file": str(b.spec.path), "field": b.field, "n_items": len(items),
                            "skipped_lines": len(b.skipped), "summary": summarize(items, meths), "items": items})
    out_benches = group_fields(out_benches, benches, meths)
    corpus = dict(docs_data["corpus"])
    corpus = {"paths": [str(f) for f in files], "n_documents": corpus["n_documents"], "n_bytes": corpus["n_bytes"],
              "fingerprint": fingerprint, "skipped_lines": corpus["skipped_lines"], "skipped": corpus["skipped"]}
    return {"schema_version": SCHEMA_VERSION, "tool": {"name": "seenit", "version": __version__},
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "settings": settings.to_dict(), "corpus": corpus, "benchmarks": out_benches,
            "documents": docs_data["documents"]}


# ------------------------------------------------------------------ shards

#: The write-back's arguments: a whole scan's, not replayed by calibration nor recorded by shards.
_WRITEBACK_ARGS = ("annotate", "purify", "purify_margin", "purify_min_chars", "purify_max_pieces")

#: Arguments that may differ between the shards of one scan (where and how each ran).
_PER_RUN_ARGS = ("out", "overwrite", "html", "progress")


def _recorded_args(call: dict[str, Any], specs: list[BenchSpec], files: list[Source]) -> dict[str, Any]:
    """The scan's arguments as JSON (what a shard records and its merge replays)."""
    tables = [str(s) for s in [*files, *(b.path for b in specs)] if isinstance(s, TableSource)]
    if tables:
        raise ValueError(f"a sharded scan reads its inputs again when merged: give files or URLs, not in-memory "
                         f"tables ({', '.join(tables)})")
    args = {k: v for k, v in call.items() if k not in _PER_RUN_ARGS}
    args["corpus"] = [source_name(f) for f in files]
    args["benchmarks"] = [f"{b.name}={source_name(b.path)}" + (f":{b.field}" if b.field else "") for b in specs]
    for k in ("mia_scores",):
        args[k] = None if args[k] is None else str(Path(args[k]).resolve())
    if not isinstance(args["engine"], str):
        raise ValueError("a sharded scan runs the local engine in each shard (engine='local')")
    return args


def _run_shard(call: dict[str, Any], shard: tuple[int, int], settings: ScanSettings, specs: list[BenchSpec],
               benches: list[BenchItems], files: list[Path], embed_fn: Any, max_docs: int) -> ScanReport:
    if call["out"] is None:
        raise ValueError("a shard needs an output directory (out=...)")
    if call["index"] is not None or call["calibrate"] is not None:
        raise ValueError("a shard streams its slice of the corpus: index= and calibrate= belong to a whole scan")
    out = Path(call["out"])
    if out.exists() and any(p.name not in (SHARD_MANIFEST, SHARD_STATE) for p in out.iterdir()) and not call["overwrite"]:
        raise ValueError(f"{out} holds other files; give an empty or new directory for the shard (or overwrite=True)")
    ng = settings.ngram
    norm = Normalisation(lowercase=ng.lowercase, strip_punctuation=ng.strip_punctuation,
                         collapse_whitespace=ng.collapse_whitespace)
    plan = PassPlan.make({m: list(benches) for m in settings.methods}, ng, norm, settings, max_docs, embed_fn)
    args = _recorded_args(call, specs, files)
    with ProgressBar(bool(call["progress"]), f"shard {shard[0]}/{shard[1]}", None) as bar:
        path = run_shard(files, shard, settings.field, settings.skip_bad_lines, plan.new_pass, out, args,
                         lambda k: bar.advance(k, 0))
    return ScanReport({"shard": list(shard), "path": str(path / SHARD_MANIFEST)}, path=path / SHARD_MANIFEST)


def scan_shard(corpus: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], benchmarks: Mapping[str, Any] | Sequence[str],
               shard: str | tuple[int, int], *, out: str | os.PathLike[str], **options: Any) -> Path:
    """Run shard ``I`` of ``N`` (``"I/N"``, 0-based) of a scan: its slice of the corpus files
    streamed into a partial state under ``out`` (``shard.json``, ``shard-state.npz``), for
    :func:`merge_scan_shards`. ``options``: :func:`scan`'s keyword options (the same in every
    shard). Returns the path of ``shard.json``."""
    import inspect

    allowed = set(inspect.signature(scan).parameters) - {"corpus", "benchmarks", "out", "_shard", "_merge"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise TypeError(f"scan_shard() got unknown options: {', '.join(unknown)}")
    rep = scan(corpus, benchmarks, out=out, _shard=parse_shard(shard), **options)
    if rep.path is None:  # scan's shard mode always writes one
        raise RuntimeError("the shard wrote no manifest")
    return rep.path


def merge_scan_shards(dirs: Sequence[str | os.PathLike[str]], *, out: str | os.PathLike[str] | None = None,
                      overwrite: bool = False, html: bool = True, progress: bool = False,
                      **writeback: Any) -> ScanReport:
    """Merge the shard directories of one scan (every shard of ``I/N`` exactly once, same
    arguments) into its report, identical to an unsharded :func:`scan`; see seenit.scan.shards.
    ``writeback``: :func:`scan`'s ``annotate``, ``purify`` and ``purify_*`` options (one more
    pass over the whole corpus, here)."""
    unknown = sorted(set(writeback) - set(_WRITEBACK_ARGS))
    if unknown:
        raise TypeError(f"merge_scan_shards() got unknown options: {', '.join(unknown)}")
    args, shards = read_shards(list(dirs))
    return scan(**{**args, "out": out, "overwrite": overwrite, "html": html, "progress": progress, **writeback},
                _merge=shards)
