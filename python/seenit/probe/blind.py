"""Blind baseline (Das et al. 2024, "Blind baselines beat membership inference attacks for
foundation models"): can members be told from non-members without the model at all?

If a classifier that only reads the texts separates the two sets, the evaluation set is
distribution-shifted (e.g. members written before a cut-off date, non-members after), and an
attack's AUROC on it says nothing about memorisation. The baseline here: word 1..2-gram TF-IDF
plus Das et al.'s date cue (whether a text mentions a year, and the latest year it mentions),
an L2-regularised logistic regression (C = 1), and stratified ``folds``-fold cross-validation;
AUROC of the out-of-fold scores, with a stratified bootstrap CI (``seenit.bootstrap``).
No p-value: out-of-fold scores are not independent, so AUROC's Mann-Whitney null does not hold.

Folds: ``rng = numpy.random.default_rng(seed)``; the non-members (label 0), then the members, are
shuffled with ``rng.permutation`` and dealt round-robin to the folds; the bootstrap uses ``seed`` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .._validate import check_float, check_int, check_str_sequence
from ..logprob.metrics import Interval, auroc, bootstrap
from ._stats import cv_scores, stratified_folds, tfidf


@dataclass(frozen=True)
class BlindBaseline:
    """Result of :func:`blind_baseline`: ``auroc`` (= ``statistic``) of the out-of-fold scores,
    ``interval`` its bootstrap CI, ``scores`` the out-of-fold logit per text (members first)."""

    auroc: float
    interval: Interval
    scores: npt.NDArray[np.float64]
    n_members: int
    n_nonmembers: int
    folds: int
    seed: int
    pvalue: None = None

    @property
    def statistic(self) -> float:
        return self.auroc

    def to_dict(self) -> dict[str, Any]:
        iv = self.interval
        return {"test": "blind_baseline", "statistic": self.auroc, "auroc": self.auroc, "pvalue": None,
                "ci": [iv.low, iv.high], "ci_level": iv.ci, "n_bootstrap": iv.n_bootstrap,
                "n_members": self.n_members, "n_nonmembers": self.n_nonmembers, "folds": self.folds, "seed": self.seed}


#: Longest text accepted (characters): the features are built in Python, per word.
MAX_TEXT_CHARS = 1_000_000


def check_texts(texts: Any, name: str, min_n: int) -> Sequence[str]:
    texts = check_str_sequence(texts, name)
    if len(texts) < min_n:
        raise ValueError(f"{name} has {len(texts)} texts; need at least {min_n}")
    for i, t in enumerate(texts):
        if len(t) > MAX_TEXT_CHARS:
            raise ValueError(f"{name}[{i}] has {len(t):,} characters; at most {MAX_TEXT_CHARS:,} are accepted "
                             "(truncate long documents first)")
    return texts


def blind_baseline(
    members: Sequence[str],
    nonmembers: Sequence[str],
    *,
    folds: int = 5,
    n_bootstrap: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> BlindBaseline:
    """Cross-validated, model-free AUROC of members vs non-members (see the module docstring).
    Each class needs at least ``folds`` texts."""
    folds = check_int(folds, "folds", 2, 100)
    members = check_texts(members, "members", folds)
    nonmembers = check_texts(nonmembers, "nonmembers", folds)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 1, 1_000_000)
    check_float(ci, "ci", 0.0, 1.0, lo_open=True, hi_open=True)
    seed = check_int(seed, "seed", 0)
    texts = [*members, *nonmembers]
    y = np.concatenate([np.ones(len(members), bool), np.zeros(len(nonmembers), bool)])
    X = tfidf(texts, 2, years=True)
    fold = stratified_folds(y, folds, np.random.default_rng(seed))
    scores = cv_scores(X, y, fold, folds)
    iv = bootstrap(auroc, scores, y, n_bootstrap=n_bootstrap, ci=ci, seed=seed)
    if not isinstance(iv, Interval):  # auroc is a scalar metric: one Interval
        raise RuntimeError("bootstrap of auroc returned several intervals")
    return BlindBaseline(iv.value, iv, scores, len(members), len(nonmembers), folds, seed)
