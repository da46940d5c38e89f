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

from .._validate import INT64_MAX, check_choice, check_int
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
        c = check_int(c, f"train_labels count of {lab!r}", lo=0, hi=INT64_MAX)
        if c > 0:
            labels.append(lab)
            counts.append(c)
    if not labels:
        raise ValueError("train_labels is empty (no label with a positive count)")
    return labels, np.asarray(counts, dtype=np.int64)


_EULER_GAMMA = 0.5772156649015329
_HARMONIC_TABLE = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, 4097, dtype=np.float64))])


def _harmonic(n: np.ndarray) -> np.ndarray:
    """H(n) = 1 + 1/2 + ... + 1/n for integer n >= 0: a table up to 4,096, the asymptotic
    expansion beyond (its next term, 1/(252 n^6), is below 1e-23 there)."""
    n = np.asarray(n, dtype=np.float64)
    small = n <= 4096
    out = np.empty_like(n)
    out[small] = _HARMONIC_TABLE[n[small].astype(np.int64)]
    m = n[~small]
    out[~small] = np.log(m) + _EULER_GAMMA + 1 / (2 * m) - 1 / (12 * m**2) + 1 / (120 * m**4)
    return out


def _weight_sums(lo: np.ndarray, hi: np.ndarray, k: int, weighting: str) -> np.ndarray:
    """Sum of the rank weights w(r) over ranks r = lo..hi (1-based, inclusive), in closed form,
    so that no array of k (or of all training occurrences) is ever built."""
    lo = lo.astype(np.float64)
    hi = hi.astype(np.float64)
    n = hi - lo + 1
    if weighting == "unweighted":
        return n
    if weighting == "linear":  # w(r) = (k - r + 1) / k
        return (n * (k + 1) - (lo + hi) * n / 2) / k
    return _harmonic(hi) - _harmonic(lo - 1)  # zipf: w(r) = 1 / r


def familiarity_from_similarity(sim: np.ndarray, ids: np.ndarray, counts: np.ndarray, k: int, weighting: str) -> np.ndarray:
    """Familiarity per row given each row's training labels sorted by similarity
    (``sim``/``ids`` as returned by topk over all distinct training labels).

    The first k occurrences are taken label by label (a label with count c fills c ranks);
    each label's similarity is weighted by the sum of the weights of the ranks it fills,
    computed in closed form: memory is O(labels) whatever k and the counts are."""
    out = np.empty(sim.shape[0])
    for r in range(sim.shape[0]):
        s = np.maximum(sim[r].astype(np.float64), 0.0)
        cum = np.cumsum(counts[ids[r]])
        taken = int(min(k, cum[-1]))
        m = int(np.searchsorted(cum, taken)) + 1  # labels needed to fill the first `taken` ranks
        hi = np.minimum(cum[:m], taken)
        lo = np.concatenate([[0], hi[:-1]]) + 1
        w = _weight_sums(lo, hi, k, weighting)
        out[r] = float(np.dot(w, s[:m]) / w.sum())
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
