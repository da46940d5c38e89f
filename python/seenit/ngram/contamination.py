"""Benchmark contamination scans: which test items appear in a training corpus?

Every benchmark item is normalised and tokenized exactly as the corpus index was
(the index manifest records both), its matching statistics against the index are
computed in one batched native call, and from them:

- ``ngram_fraction``: the fraction of the item's n-grams that occur in the corpus;
- ``covered_fraction``: the fraction of the item's units inside some such n-gram
  (Llama-2's per-token contamination mask);
- the longest match starting at a unit boundary (in index tokens and in
  characters) and the first few documents that contain it.

Units are words (whitespace-separated) on a ``bytes`` index, so ``n=13`` means 13
words as in GPT-3, and tokens on a token index. An item with fewer than ``n`` units
is one n-gram: it counts as found only if its whole normalised text occurs (as GPT-3
did for short items).

Verdicts use one metric and two thresholds: ``value < clean_below`` -> ``clean``,
``value >= contaminated_at`` -> ``contaminated``, otherwise ``partial``. Recipes:

============ ==== ================== =========== =============== ===========================================
recipe        n    metric             clean_below contaminated_at  follows
============ ==== ================== =========== =============== ===========================================
``default``   13   ``coverage``       0.2         0.8             Llama-2 thresholds (Touvron et al. 2023,
                                                                  clean < 20 %, dirty >= 80 % of tokens) on
                                                                  GPT-3's 13-gram matches
``llama2``    13   ``coverage``       0.2         0.8             same as default
``gpt3``      13   ``any``            0.5         0.5             GPT-3 (Brown et al. 2020): dirty if any
                                                                  13-gram of the item occurs
``palm``      8    ``ngram_fraction`` 0.7         0.7             PaLM (Chowdhery et al. 2022): contaminated
                                                                  if >= 70 % of its 8-grams occur
============ ==== ================== =========== =============== ===========================================

Metrics: ``coverage`` = covered_fraction, ``ngram_fraction``, ``any`` = 1 if any
n-gram occurs else 0. Explicit ``n``/``metric``/thresholds override the recipe's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Union

import numpy as np

from .._validate import check_choice, check_float, check_int
from .index import NgramIndex, _texts, ngram_overlap
from ..tokenize import BytesTokenizer

RECIPES: dict[str, dict[str, Any]] = {
    "default": {"n": 13, "metric": "coverage", "clean_below": 0.2, "contaminated_at": 0.8},
    "llama2": {"n": 13, "metric": "coverage", "clean_below": 0.2, "contaminated_at": 0.8},
    "gpt3": {"n": 13, "metric": "any", "clean_below": 0.5, "contaminated_at": 0.5},
    "palm": {"n": 8, "metric": "ngram_fraction", "clean_below": 0.7, "contaminated_at": 0.7},
}
METRICS = ("coverage", "ngram_fraction", "any")
VERDICTS = ("clean", "partial", "contaminated")


@dataclass(frozen=True)
class ContaminationItem:
    """Evidence and verdict for one benchmark item (``index`` = its position)."""

    index: int
    verdict: str
    value: float
    ngram_fraction: float
    covered_fraction: float
    n_units: int
    n_ngrams: int
    n_present: int
    longest_match_tokens: int
    longest_match_chars: int
    longest_match_text: str
    doc_ids: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["doc_ids"] = list(self.doc_ids)
        return d


@dataclass(frozen=True)
class ContaminationReport:
    """Per-item results in benchmark order plus a summary (counts and % per verdict)."""

    items: list[ContaminationItem]
    settings: dict[str, Any]

    @property
    def summary(self) -> dict[str, Any]:
        n = len(self.items)
        out: dict[str, Any] = {"items": n}
        for v in VERDICTS:
            k = sum(1 for it in self.items if it.verdict == v)
            out[v] = k
            out[f"{v}_pct"] = round(100.0 * k / n, 3) if n else 0.0
        return out

    def __len__(self) -> int:
        return len(self.items)

    def flagged(self) -> list[ContaminationItem]:
        """Items whose verdict is not ``clean``."""
        return [it for it in self.items if it.verdict != "clean"]

    def to_json(self) -> dict[str, Any]:
        return {"format": "seenit-contamination-report", "format_version": 1, "settings": self.settings,
                "summary": self.summary, "items": [it.to_dict() for it in self.items]}

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`to_json` atomically to ``path``."""
        from ..io import write_json

        write_json(path, self.to_json())


def verdict_of(value: float, clean_below: float, contaminated_at: float) -> str:
    if value >= contaminated_at:
        return "contaminated"
    if value < clean_below or value == 0.0:
        return "clean"
    return "partial"


def contamination(
    benchmark: Union[Sequence[str], str, "os.PathLike[str]"],
    index: Union[NgramIndex, str, "os.PathLike[str]"],
    *,
    field: str = "question",
    n: int | None = None,
    method: str = "ngram",
    recipe: str = "default",
    metric: str | None = None,
    clean_below: float | None = None,
    contaminated_at: float | None = None,
    max_docs: int = 5,
) -> ContaminationReport:
    """Scan ``benchmark`` items against the corpus ``index``; see the module docstring
    for metrics, thresholds and the published recipes.

    ``benchmark``: a list of str, or benchmark file(s) read with
    :func:`seenit.io.iter_records` taking ``field``. ``index``: an
    :class:`NgramIndex` or the path of one. ``method``: ``"ngram"`` (the only one so far).
    """
    check_choice(method, "method", ("ngram",))
    check_choice(recipe, "recipe", tuple(RECIPES))
    cfg = dict(RECIPES[recipe])
    if n is not None:
        cfg["n"] = check_int(n, "n", lo=1)
    if metric is not None:
        cfg["metric"] = check_choice(metric, "metric", METRICS)
    for name, val in (("clean_below", clean_below), ("contaminated_at", contaminated_at)):
        if val is not None:
            cfg[name] = check_float(val, name, 0.0, 1.0)
    if cfg["clean_below"] > cfg["contaminated_at"]:
        raise ValueError(f"clean_below ({cfg['clean_below']}) must be <= contaminated_at ({cfg['contaminated_at']})")
    max_docs = check_int(max_docs, "max_docs", lo=0)
    idx = index if isinstance(index, NgramIndex) else NgramIndex.open(index)
    items = list(_texts(benchmark, field))
    if not items:
        raise ValueError("benchmark holds no items")
    words = isinstance(idx.tokenizer, BytesTokenizer)
    vals, offs = idx._ragged(items, "benchmark")
    us, ue = idx.unit_spans(vals, offs, words)
    lens = idx.prefix_lengths(vals, offs, us)
    bounds = np.searchsorted(us, offs, side="left")
    out: list[ContaminationItem] = []
    g = cfg["n"]
    for i in range(len(items)):
        a, b, o = int(bounds[i]), int(bounds[i + 1]), int(offs[i])
        toks = vals[o : offs[i + 1]]
        ov = ngram_overlap(toks, lens[a:b], us[a:b] - o, ue[a:b] - o, g)
        if cfg["metric"] == "coverage":
            value = ov.covered
        elif cfg["metric"] == "ngram_fraction":
            value = ov.fraction
        else:
            value = 1.0 if ov.n_present else 0.0
        blen, text, doc_ids = 0, "", ()
        if b > a:
            best = a + int(np.argmax(lens[a:b]))
            blen = int(lens[best])
            span = vals[us[best] : us[best] + blen]
            text = idx.tokenizer.decode(span) if blen else ""
            if ov.n_present and max_docs:
                d, _ = idx.locate(span, limit=idx.count(span))  # all: the smallest documents are reported
                doc_ids = tuple(int(x) for x in np.unique(d)[:max_docs])
        out.append(ContaminationItem(
            index=i, verdict=verdict_of(value, cfg["clean_below"], cfg["contaminated_at"]), value=float(value),
            ngram_fraction=float(ov.fraction), covered_fraction=float(ov.covered), n_units=int(b - a),
            n_ngrams=ov.n_ngrams, n_present=ov.n_present, longest_match_tokens=blen,
            longest_match_chars=len(text), longest_match_text=text, doc_ids=doc_ids,
        ))
    settings = {"recipe": recipe, "method": method, **cfg, "units": "words" if words else "tokens",
                "field": field, "index": str(idx.path), "tokenizer": idx.tokenizer.spec,
                "normalisation": idx.normalisation.to_dict(), "max_docs": max_docs}
    return ContaminationReport(out, settings)
