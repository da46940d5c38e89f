"""The report's optional ``mia`` block: AUROC and ROC points from a ``seenit mia`` scores file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..io import iter_json_objects


def read_mia(scores: str | os.PathLike[str], labels: str | None) -> dict[str, Any]:
    """The report's ``mia`` block from a ``seenit mia`` scores JSONL (see cli_mia.SCORES_FORMAT):
    AUROC and ROC points per score column. Labels: each row's ``label``, or ``labels`` =
    ``"FILE[:field]"`` (a JSONL with one 0/1 label per scores row, field default ``label``)."""
    from ..logprob.metrics import auroc, roc_curve

    rows = _jsonl_objects(Path(scores))
    if not rows:
        raise ValueError(f"{scores}: holds no score rows")
    if labels is not None:
        lpath, lfield = labels, "label"
        if ":" in labels and not Path(labels).exists():
            lpath, lfield = labels.rsplit(":", 1)
        y_raw = [o.get(lfield) for o in _jsonl_objects(Path(lpath))]
        where = f"{lpath} (field {lfield!r})"
    else:
        y_raw = [r.get("label") for r in rows]
        where = f"{scores} (field 'label')"
    if len(y_raw) != len(rows):
        raise ValueError(f"{scores} has {len(rows)} rows but {where} has {len(y_raw)} labels")
    bad = [i for i, v in enumerate(y_raw) if v not in (0, 1, True, False)]
    if bad:
        raise ValueError(f"{where}: row {bad[0] + 1} has no 0/1 label ({y_raw[bad[0]]!r}); "
                         "give each scores row a 'label' or pass mia_labels='FILE:field' (--mia-labels)")
    y = np.asarray([int(v) for v in y_raw])
    names = [k for k, v in rows[0].items() if k not in ("doc", "n_tokens", "label", "id", "text")
             and (v is None or isinstance(v, (int, float)))]
    out: dict[str, Any] = {}
    for k in names:
        s = np.asarray([np.nan if r.get(k) is None else float(r[k]) for r in rows], dtype=np.float64)
        ok = np.isfinite(s)
        if ok.sum() < 2 or y[ok].min() == y[ok].max():
            continue
        f, t, _ = roc_curve(s[ok], y[ok])
        out[k] = {"auroc": float(auroc(s[ok], y[ok])), "fpr": [round(float(x), 6) for x in f],
                  "tpr": [round(float(x), 6) for x in t], "n": int(ok.sum())}
    if not out:
        raise ValueError(f"{scores}: no score column has finite scores for both members and non-members")
    return {"source": str(scores), "methods": out, "n_members": int(y.sum()), "n_nonmembers": int((1 - y).sum())}


def _jsonl_objects(path: Path) -> list[dict[str, Any]]:
    return [obj for _, obj in iter_json_objects(path)]
