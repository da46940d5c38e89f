"""The Familiarity metric (Golde et al., 2024): how familiar a (synthetic) training
set's labels are with an evaluation set's labels, from label-embedding similarity
and training frequency.

For each evaluation label: take the clipped cosine similarity max(cos, 0) of its
embedding to every distinct training label, sort descending (ties: the label seen
first in the training data), repeat each training label by its count, keep the
first k occurrences and average their similarities with weights by rank r = 1..k:
zipf 1/r, linear (k - r + 1)/k, or unweighted. With fewer than k training
occurrences, all of them are used. The similarities come from seenit's exact top-k.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .._validate import check_choice, check_int
from .embed import EmbedSpec, embedder
from .topk import topk

WEIGHTINGS = ("zipf", "linear", "unweighted")


@dataclass(frozen=True)
class FamiliarityResult:
    per_label: dict[str, float]
    mean: float
    k: int
    weighting: str


def _train_counts(train_labels: Any) -> tuple[list[str], np.ndarray]:
    if isinstance(train_labels, Mapping):
        items = list(train_labels.items())
    elif isinstance(train_labels, (str, bytes)) or not isinstance(train_labels, Sequence):
        raise TypeError("train_labels must be a sequence of label strings (one per occurrence) or a mapping label -> count")
    else:
        items = list(Counter(train_labels).items())  # first-seen order
    labels, counts = [], []
    for lab, c in items:
        if not isinstance(lab, str):
            raise TypeError(f"train_labels must contain str labels, got {type(lab).__name__}")
        c = check_int(c, f"train_labels count of {lab!r}", lo=0)
        if c > 0:
            labels.append(lab)
            counts.append(c)
    if not labels:
        raise ValueError("train_labels is empty (no label with a positive count)")
    return labels, np.asarray(counts, dtype=np.int64)


def familiarity_from_similarity(sim: np.ndarray, ids: np.ndarray, counts: np.ndarray, k: int, weighting: str) -> np.ndarray:
    """Familiarity per row given each row's training labels sorted by similarity
    (``sim``/``ids`` as returned by topk over all distinct training labels)."""
    # only the first min(k, training occurrences) weights are ever used: never O(k) memory
    # for a huge k (k = 2**32 - 1 allocated 32 GiB); the linear weights still depend on k
    kk = int(min(k, int(np.sum(counts))))
    ranks = np.arange(1, kk + 1, dtype=np.float64)
    w = {"zipf": 1.0 / ranks, "linear": (k - ranks + 1) / k, "unweighted": np.ones(kk)}[weighting]
    out = np.empty(sim.shape[0])
    for r in range(sim.shape[0]):
        s = np.maximum(sim[r].astype(np.float64), 0.0)
        c = counts[ids[r]]
        cum = np.cumsum(c)
        m = int(np.searchsorted(cum, k)) + 1  # labels needed to reach k occurrences
        reps = c[:m].copy()
        taken = int(min(k, cum[-1]))
        reps[-1] -= int(cum[min(m, len(cum)) - 1] - taken)
        vals = np.repeat(s[:m], reps)
        out[r] = float(np.dot(w[:taken], vals) / w[:taken].sum())
    return out


def familiarity(
    train_labels: Sequence[str] | Mapping[str, int],
    eval_labels: Sequence[str],
    *,
    embed: EmbedSpec,
    k: int = 1000,
    weighting: Literal["zipf", "linear", "unweighted"] = "zipf",
) -> FamiliarityResult:
    """Familiarity of ``eval_labels`` given ``train_labels``.

    Args:
        train_labels: one label per training occurrence (e.g. every entity mention's type),
            or a mapping label -> count.
        eval_labels: the evaluation label set (duplicates are scored once).
        embed: callable list[str] -> (n, d) array, or an offline sentence-transformers model name.
        k: number of training occurrences averaged per evaluation label.
        weighting: "zipf" (1/rank), "linear" or "unweighted".

    Returns:
        ``.per_label`` (evaluation label -> value in [0, 1] for normalised embeddings) and ``.mean``.
    """
    check_choice(weighting, "weighting", WEIGHTINGS)
    k = check_int(k, "k", lo=1)
    if isinstance(eval_labels, (str, bytes)) or not isinstance(eval_labels, Sequence):
        raise TypeError("eval_labels must be a sequence of label strings")
    ev = list(dict.fromkeys(eval_labels))
    if not ev:
        raise ValueError("eval_labels is empty")
    for lab in ev:
        if not isinstance(lab, str):
            raise TypeError(f"eval_labels must contain str labels, got {type(lab).__name__}")
    labels, counts = _train_counts(train_labels)
    fn = embedder(embed)
    te = fn(labels)
    ee = fn(ev)
    if te.shape[1] != ee.shape[1]:
        raise ValueError(f"embed returned dimension {te.shape[1]} for train labels but {ee.shape[1]} for eval labels")
    sim, ids = topk(ee, te, len(labels), metric="cosine")
    vals = familiarity_from_similarity(sim, ids, counts, k, weighting)
    per = {lab: float(v) for lab, v in zip(ev, vals)}
    return FamiliarityResult(per, float(np.mean(vals)), k, weighting)


__all__ = ["familiarity", "FamiliarityResult", "familiarity_from_similarity", "WEIGHTINGS"]
