"""``seenit probe``: contamination tests on a model and a benchmark, without the training corpus
(docs/probe.md). Runs what the inputs allow and writes DIR/report.json (a ``probe`` block,
docs/report_schema.md) and DIR/report.html. Registered by :func:`register`.

- ``--bench`` with ``--model``: the sharded likelihood test (canonical order vs shuffles)
- ``--bench`` with ``--fresh``: the retro-holdout tests (model-free), and with ``--model`` the
  likelihood gap
- ``--members`` with ``--nonmembers``: the blind baseline (model-free), and with ``--model``
  dataset inference over the membership scores
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from ._common import add_command, check_out, err_console, fail


def _fmt_p(p: float | None) -> str:
    return "–" if p is None else (f"{p:.2g}" if p >= 1e-3 else f"{p:.1e}")


def plain_words(entry: dict[str, Any]) -> str:
    """One sentence for a person: what the test found and what it does not show."""
    t, p = entry["test"], entry.get("pvalue")
    if t == "sharded_likelihood":
        m = entry["n_permutations"]
        beaten = 1.0 - (entry["permutation_pvalue"] * (m + 1) - 1.0) / m
        if p is not None and p < 0.05:
            return (f"the canonical order is more likely than {100 * beaten:.0f}% of shuffles (p = {_fmt_p(p)}): "
                    "evidence the model saw this benchmark in order")
        return (f"the canonical order is more likely than {100 * beaten:.0f}% of shuffles (p = {_fmt_p(p)}): no evidence "
                "the model saw this benchmark in order (it may still have seen the items shuffled or rewritten)")
    if t == "holdout":
        c = entry["classifier"]
        if p is not None and p < 0.05:
            return (f"the fresh set is distinguishable from the benchmark (p = {_fmt_p(p)}, classifier AUROC "
                    f"{c['auroc']:.2f}): an accuracy gap between them is not evidence of contamination by itself")
        return (f"no evidence the fresh set differs in distribution from the benchmark (p = {_fmt_p(p)}, classifier "
                f"AUROC {c['auroc']:.2f}); an accuracy gap between them points to inflation, though no test proves two sets alike")
    if t == "likelihood_gap":
        lo, hi = entry["ci"]
        verdict = ("the model finds the benchmark's items more likely than the fresh ones" if p is not None and p < 0.05
                   else "no evidence the model finds the benchmark's items more likely than the fresh ones")
        return f"{verdict}: {entry['statistic']:+.3f} nats per token [{lo:+.3f}, {hi:+.3f}] (p = {_fmt_p(p)})"
    if t == "blind_baseline":
        lo, hi = entry["ci"]
        if lo > 0.55:
            return (f"a model-free classifier tells members from non-members (AUROC {entry['auroc']:.2f} [{lo:.2f}, "
                    f"{hi:.2f}]): the evaluation set is distribution-shifted and an attack's AUROC on it shows nothing")
        return (f"members and non-members look alike to a model-free classifier (AUROC {entry['auroc']:.2f} [{lo:.2f}, "
                f"{hi:.2f}]): attack AUROCs on this set are not explained by a shift such a classifier sees")
    if t == "dataset_inference":
        if p is not None and p < 0.05:
            return (f"the suspect set's membership scores exceed the validation set's (p = {_fmt_p(p)}): evidence the "
                    "model was trained on the suspect set, if the validation set is IID with it")
        return f"no evidence the model was trained on the suspect set (p = {_fmt_p(p)})"
    return ""


def _entry(result: Any, on: str) -> dict[str, Any]:
    d = result.to_dict()
    d["on"] = on
    d["summary"] = plain_words(d)
    return d


def _spec(value: str, flag: str) -> Any:
    from ..scan.config import parse_bench_spec

    text = value if "=" in value.split(":", 1)[0] else f"{flag.strip('-')}={value}"
    return parse_bench_spec(text)


def _texts(spec: Any) -> list[str]:
    from ..scan.methods import load_items

    return load_items(spec).texts


def _warn_truncated(tok: Any, texts: list[str], max_length: int, what: str) -> None:
    """Texts over ``max_length`` tokens are scored truncated (hf_logprobs): say so, once."""
    if not callable(tok):
        return
    n = sum(len(tok(t, add_special_tokens=True)["input_ids"]) > max_length for t in texts)
    if n:
        err_console.print(f"[bold yellow]warning:[/] {n} of {len(texts)} {what} texts are longer than --max-length "
                          f"{max_length} tokens; only their first tokens are scored", highlight=False, soft_wrap=True)


def _finite_rows(scores: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    cols = {k: v for k, v in scores.items() if k != "perplexity"}  # perplexity is a monotone copy of loss
    ok = np.logical_and.reduce([np.isfinite(v) for v in cols.values()])
    return {k: v[ok] for k, v in cols.items()}


def register(app: typer.Typer) -> None:
    def probe_cmd(
        out: Path = typer.Option(..., "--out", "-o", help="Directory for report.json and report.html."),
        bench: Optional[str] = typer.Option(None, "--bench", help="NAME=FILE[:field]: the benchmark, in its canonical order."),
        fresh: Optional[str] = typer.Option(None, "--fresh", help="FILE[:field]: freshly written items of the same kind (a retro-holdout)."),
        members: Optional[str] = typer.Option(None, "--members", help="FILE[:field]: texts known to be in training (or suspected)."),
        nonmembers: Optional[str] = typer.Option(None, "--nonmembers", help="FILE[:field]: texts known not to be in training."),
        model: Optional[str] = typer.Option(None, "--model", "-m", help="HF model dir or name, or 'smollm2'."),
        gguf_file: Optional[str] = typer.Option(None, "--gguf-file", help="GGUF file inside --model."),
        device: str = typer.Option("cpu", "--device", help="torch device for --model."),
        shards: int = typer.Option(10, "--shards", min=1, help="Shards of the sharded likelihood test."),
        permutations: int = typer.Option(25, "--permutations", min=1, help="Shuffles per shard."),
        max_items: Optional[int] = typer.Option(None, "--max-items", min=2, help="Use the first N benchmark items only."),
        embed: str = typer.Option("hashed", "--embed", help="Embedding for the holdout tests: 'hashed', a sentence-transformers name, ..."),
        holdout_permutations: int = typer.Option(1000, "--holdout-permutations", min=1),
        batch_size: int = typer.Option(4, "--batch-size", min=1),
        max_length: int = typer.Option(1024, "--max-length", min=2, help="Longest text (tokens) the model scores; longer ones are truncated (the sharded test refuses them)."),
        seed: int = typer.Option(0, "--seed", min=0),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace report.json / report.html in --out."),
    ) -> None:
        """Contamination tests on a model and a benchmark, without the corpus (docs/probe.md)."""
        from .. import __version__
        from ..io import write_json
        from ..probe import blind_baseline, dataset_inference, holdout_tests, likelihood_gap, sharded_likelihood_test
        from ..report import write_html

        if (members is None) != (nonmembers is None):
            raise fail("give both --members and --nonmembers, or neither")
        if fresh is not None and bench is None:
            raise fail("--fresh needs --bench (the benchmark it is a holdout of)")
        if bench is None and members is None:
            raise fail("nothing to run: give --bench (with --model and/or --fresh), or --members and --nonmembers")
        if bench is not None and fresh is None and model is None and members is None:
            raise fail("--bench alone runs nothing: add --model (sharded likelihood) and/or --fresh (holdout tests)")
        specs = {k: _spec(v, f"--{k}") for k, v in (("bench", bench), ("fresh", fresh), ("members", members),
                                                    ("nonmembers", nonmembers)) if v is not None}
        inputs = [s.path for s in specs.values()]
        for p in inputs:
            if not p.exists():
                raise fail(f"no such file: {p}")
        json_path, html_path = out / "report.json", out / "report.html"
        check_out(json_path, inputs=inputs, overwrite=overwrite)
        check_out(html_path, inputs=inputs, overwrite=overwrite)
        embed_fn = None
        if fresh is not None:  # resolve the embedding model before any work: a missing one is an error line
            from ..search.embed import embedder

            try:
                embed_fn = embedder(embed)
            except RuntimeError as e:
                raise fail(f"--embed {embed}: {e}") from None
        texts = {k: _texts(s) for k, s in specs.items()}
        if max_items is not None and "bench" in texts:
            texts["bench"] = texts["bench"][:max_items]
        if "bench" in texts and model is not None and len(texts["bench"]) < 2 * shards:
            raise fail(f"--shards {shards} needs at least {2 * shards} benchmark items, got {len(texts['bench'])}")

        lm = tok = None
        if model is not None:
            from .logprob import load_hf_model

            lm, tok = load_hf_model(model, gguf_file, device)
        tests: list[dict[str, Any]] = []
        name = specs["bench"].name if "bench" in specs else None
        if "bench" in texts and lm is not None:
            from ..logprob.models import sequence_logprob_fn

            err_console.print(f"sharded likelihood: {len(texts['bench'])} items, {shards} shards x {permutations} shuffles")
            fn = sequence_logprob_fn(lm, tok, batch_size=batch_size)
            tests.append(_entry(sharded_likelihood_test(fn, texts["bench"], n_shards=shards, n_permutations=permutations,
                                                        seed=seed), f"{name}"))
        if "fresh" in texts:
            err_console.print(f"holdout tests: {name} vs {specs['fresh'].path} ({embed} embeddings)")
            tests.append(_entry(holdout_tests(texts["bench"], texts["fresh"], embed=embed_fn,
                                              n_permutations=holdout_permutations, seed=seed), f"{name} vs fresh"))
            if lm is not None:
                from ..logprob.models import hf_logprobs

                for k in ("bench", "fresh"):
                    _warn_truncated(tok, texts[k], max_length, k)
                b = hf_logprobs(lm, tok, texts["bench"], batch_size=batch_size, max_length=max_length, progress=False)
                f = hf_logprobs(lm, tok, texts["fresh"], batch_size=batch_size, max_length=max_length, progress=False)
                tests.append(_entry(likelihood_gap(b, f, seed=seed), f"{name} vs fresh"))
        if "members" in texts:
            err_console.print("blind baseline: members vs non-members")
            tests.append(_entry(blind_baseline(texts["members"], texts["nonmembers"], seed=seed), "members vs non-members"))
            if lm is not None:
                from ..logprob.models import hf_logprobs

                feats = []
                for k in ("members", "nonmembers"):
                    _warn_truncated(tok, texts[k], max_length, k)
                    d = hf_logprobs(lm, tok, texts[k], batch_size=batch_size, max_length=max_length, progress=False)
                    feats.append(_finite_rows(d.scores(ks=(0.1, 0.2, 0.5), texts=texts[k])))
                tests.append(_entry(dataset_inference(feats[0], feats[1], seed=seed), "members (suspect) vs non-members"))

        files = {k: {"file": str(s.path), "field": s.field, "n_items": len(texts[k])} for k, s in specs.items()}
        settings = {"shards": shards, "permutations": permutations, "embed": embed,
                    "holdout_permutations": holdout_permutations, "max_items": max_items, "max_length": max_length}
        report = {
            "schema_version": 1,
            "tool": {"name": "seenit", "version": __version__},
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "settings": {"methods": [], "probe": settings},
            "corpus": {"paths": [], "n_documents": 0, "n_bytes": 0},
            "documents": {},
            "benchmarks": [],
            "probe": {"model": model, "seed": seed, "benchmark": name, "inputs": files, "tests": tests},
        }
        out.mkdir(parents=True, exist_ok=True)
        write_json(json_path, _json_safe(report))
        write_html(report, html_path)
        table = Table(title=f"seenit probe{f' · model {model}' if model else ''}")
        for c in ("test", "on", "statistic", "p-value", "in plain words"):
            table.add_column(c)
        for e in tests:
            table.add_row(e["test"], e["on"], f"{e['statistic']:.4g}", _fmt_p(e.get("pvalue")), e["summary"])
        Console().print(table)
        err_console.print(f"wrote {json_path} and {html_path}")

    add_command(app, "probe", probe_cmd)


def _json_safe(x: Any) -> Any:
    """NaN / inf become null (JSON has neither)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_json_safe(v) for v in x]
    return x
