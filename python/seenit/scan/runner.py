"""``seenit.scan``: one contamination audit of a corpus against many benchmarks.

Order of work (each step's output is a checksummed piece of the run directory, so a
rerun with the same arguments resumes after the last finished piece; see state.py):

1. check every argument, read every benchmark, peek at the corpus (bad input fails here);
2. ``ngram``: build (or reuse) DIR/index, then each benchmark's n-gram evidence;
3. ``minhash``: one pass over the corpus for every benchmark still missing its result;
4. ``embed``: one embedding pass likewise;
5. one pass collecting the cited corpus documents (text, file, line), the corpus size and
   the skipped lines; then report.json and report.html.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from ..io import expand_paths, fault_point, iter_records, write_json
from ..report import write_html
from ..tokenize import Normalisation
from .config import (
    DEFAULT_METHODS,
    EmbedSettings,
    MinHashSettings,
    NgramSettings,
    ScanSettings,
    bench_specs,
    parse_methods,
)
from .engine import Engine, IndexOptions, ItemMatches, MinHashOptions, Neighbours
from .local import LocalEngine
from .methods import BenchItems, cited_docs, embed_evidence, load_items, minhash_evidence, ngram_evidence, overall
from .documents import BRIEF_CHARS, EXCERPT_CONTEXT, EXCERPT_OVER, collect_documents
from .mia_block import read_mia
from .calibrate import calibrate as run_calibration, check_calibrate
from .result import SCHEMA_VERSION, ScanReport, summarize
from .state import RunState, corpus_fingerprint, digest
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


def _check_corpus_nonempty(files: list[Path], field: str, skip_bad_lines: bool) -> None:
    skipped: list[str] = []
    if next(iter(iter_records(files, field=field, skip_bad_lines=skip_bad_lines, skipped=skipped)), None) is None:
        why = f" (every line was skipped; the first: {skipped[0]})" if skipped else ""
        raise ValueError(f"the corpus holds no documents: {', '.join(map(str, files))}{why}")


def scan(
    corpus: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    benchmarks: Mapping[str, Any] | Sequence[str],
    *,
    methods: str | Sequence[str] = DEFAULT_METHODS,
    engine: str | Engine = "local",
    out: str | os.PathLike[str] | None = None,
    field: str = "text",
    embed: str | None = None,
    recipe: str = "default",
    n: int | None = None,
    metric: str | None = None,
    clean_below: float | None = None,
    contaminated_at: float | None = None,
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
) -> ScanReport:
    """Scan ``corpus`` (files, directories, globs: JSONL, JSONL.gz/.zst, Parquet, CSV, .txt;
    text in ``field``) for the items of ``benchmarks`` (``{"gsm8k": "test.jsonl"}``,
    ``{"gsm8k": ("test.jsonl", "question")}`` or ``["gsm8k=test.jsonl:question"]``).

    ``methods``: any of ``ngram`` (n-gram overlap, ``recipe``/``n``/``metric``/thresholds as
    :func:`seenit.contamination`), ``minhash`` (best corpus near-duplicate: contaminated
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
    """
    call = dict(locals())  # calibration reruns this function with the same arguments
    meths = parse_methods(methods)
    settings = ScanSettings(
        methods=meths, engine=engine if isinstance(engine, str) else getattr(engine, "name", type(engine).__name__),
        field=field, skip_bad_lines=bool(skip_bad_lines),
        ngram=NgramSettings.make(recipe, n, metric, clean_below, contaminated_at),
        minhash=MinHashSettings(threshold=minhash_threshold, partial_at=minhash_partial_at, num_perm=num_perm, ngram=shingle),
        embed=EmbedSettings(model=embed, k=embed_k, threshold=embed_threshold, partial_at=embed_partial_at) if embed else None,
    )
    check_int(max_docs, "max_docs", 1)
    specs = bench_specs(benchmarks)
    files = expand_paths(corpus if isinstance(corpus, (str, os.PathLike)) else list(corpus))
    benches = [load_items(s, settings.skip_bad_lines) for s in specs]
    mia_block = read_mia(mia_scores, mia_labels) if mia_scores is not None else None
    embed_fn = None
    if "embed" in meths:
        from ..search.embed import embedder

        embed_fn = embedder(settings.embed.model)  # type: ignore[union-attr]
    _check_corpus_nonempty(files, field, settings.skip_bad_lines)
    calibrate = check_calibrate(calibrate, calibrate_seed, benches, files, field, settings.skip_bad_lines)
    eng = make_engine(engine)

    tmp = tempfile.TemporaryDirectory(prefix="seenit-scan-") if out is None else None
    lent_checkpoints = False
    root = Path(tmp.name if tmp is not None else out)  # type: ignore[arg-type]
    try:
        fingerprint = corpus_fingerprint(files)
        ng = settings.ngram
        index_opts = IndexOptions(tokenizer=ng.tokenizer, field=field, shard_tokens=shard_bytes, lowercase=ng.lowercase,
                                  collapse_whitespace=ng.collapse_whitespace, strip_punctuation=ng.strip_punctuation,
                                  skip_bad_lines=settings.skip_bad_lines)
        identity = {"corpus": {"files": [str(f.resolve()) for f in files], "fingerprint": fingerprint},
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

        if "ngram" in meths:
            todo = []
            for b in benches:
                key = {"items": keys[b.spec.name], "settings": asdict(ng), "max_docs": max_docs}
                got = state.load(f"{b.spec.name}.ngram", key)
                if got is None:
                    todo.append((b, key))
                else:
                    evidence[b.spec.name]["ngram"] = got
            if todo:
                idx = eng.build_index(files, state.index_dir, index_opts, progress=progress)
                _remember_total(state, eng, idx.n_docs)
                for b, key in todo:
                    ev = ngram_evidence(idx, b.texts, ng, max_docs)
                    state.save(f"{b.spec.name}.ngram", key, ev)
                    evidence[b.spec.name]["ngram"] = ev

        if "minhash" in meths:
            mh = settings.minhash
            opts = MinHashOptions(field=field, threshold=mh.partial_at, spec=mh.spec,
                                  skip_bad_lines=settings.skip_bad_lines)
            key_of = {b.spec.name: {"items": keys[b.spec.name], "settings": asdict(mh)} for b in benches}

            def run_minhash(texts: list[str]) -> ItemMatches:
                return eng.match_minhash(files, texts, opts, progress=progress)

            _batched(state, benches, evidence, "minhash", key_of, run_minhash,
                     lambda m, sl: minhash_evidence(ItemMatches(m.doc_id[sl], m.jaccard[sl]), mh))

        if "embed" in meths:
            es = settings.embed
            if es is None or embed_fn is None:  # ScanSettings already refuses 'embed' without a model
                raise ValueError("method 'embed' needs an embedding model (embed=...)")
            key_of = {b.spec.name: {"items": keys[b.spec.name], "settings": asdict(es)} for b in benches}

            def run_embed(texts: list[str]) -> Neighbours:
                q = np.asarray(embed_fn(texts), dtype=np.float32)
                return eng.nearest_embedded(files, field, q, embed_fn, es.k, progress=progress,
                                            skip_bad_lines=settings.skip_bad_lines)

            _batched(state, benches, evidence, "embed", key_of, run_embed,
                     lambda nb, sl: embed_evidence(Neighbours(nb.ids[sl], nb.scores[sl]), es))

        # cited documents + corpus size + skipped lines: one last pass
        cited: dict[int, bool] = {}  # doc id -> cited by some non-clean evidence
        for b in benches:
            for i in range(len(b.texts)):
                for m in meths:
                    ev = evidence[b.spec.name][m][i]
                    for d in cited_docs({m: ev}):
                        cited[d] = cited.get(d, False) or ev["verdict"] != "clean"
        spans: dict[int, list[tuple[int, int]]] = {}
        for b in benches:
            for ev in evidence[b.spec.name].get("ngram", []):
                if ev["match"] is not None:
                    spans.setdefault(ev["match"]["doc_id"], []).append((ev["match"]["doc_norm_start"], ev["match"]["doc_norm_end"]))
        dkey = {"cited": digest(sorted(cited.items())), "spans": digest(sorted((k, sorted(v)) for k, v in spans.items())),
                "norm": norm.to_dict(), "excerpt": [EXCERPT_OVER, EXCERPT_CONTEXT, BRIEF_CHARS]}
        docs_data = state.load("documents", dkey)
        if docs_data is None:
            docs_data = collect_documents(files, field, settings.skip_bad_lines, cited, spans, norm, progress,
                                          state.manifest.get("corpus_docs"))
            state.save("documents", dkey, docs_data)
        _remember_total(state, eng, docs_data["corpus"]["n_documents"])
        matches = {int(k): v for k, v in docs_data["matches"].items()}

        report = assemble(settings, files, fingerprint, benches, evidence, docs_data, matches)
        if mia_block is not None:
            report["mia"] = mia_block
        if calibrate is not None:
            report["calibration"] = run_calibration(scan, call, benches, files, root / "calibration", calibrate, calibrate_seed)
        result = ScanReport(report)
        if tmp is None:
            result.path = root / "report.json"
            fault_point("scan:before-report")
            write_json(result.path, report)
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


def _batched(state: RunState, benches: list[BenchItems], evidence: dict[str, dict[str, Any]], method: str,
             key_of: dict[str, Any], run: Any, split: Any) -> None:
    """One corpus pass for every benchmark still missing ``method``'s result."""
    todo = []
    for b in benches:
        got = state.load(f"{b.spec.name}.{method}", key_of[b.spec.name])
        if got is None:
            todo.append(b)
        else:
            evidence[b.spec.name][method] = got
    if not todo:
        return
    texts = [t for b in todo for t in b.texts]
    res = run(texts)
    lo = 0
    for b in todo:
        sl = slice(lo, lo + len(b.texts))
        lo += len(b.texts)
        ev = split(res, sl)
        state.save(f"{b.spec.name}.{method}", key_of[b.spec.name], ev)
        evidence[b.spec.name][method] = ev


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
    corpus = dict(docs_data["corpus"])
    corpus = {"paths": [str(f) for f in files], "n_documents": corpus["n_documents"], "n_bytes": corpus["n_bytes"],
              "fingerprint": fingerprint, "skipped_lines": corpus["skipped_lines"], "skipped": corpus["skipped"]}
    return {"schema_version": SCHEMA_VERSION, "tool": {"name": "seenit", "version": __version__},
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "settings": settings.to_dict(), "corpus": corpus, "benchmarks": out_benches,
            "documents": docs_data["documents"]}
