"""Retro-holdout tests (Haimes et al. 2024, "Benchmark Inflation: Revealing LLM Performance Gaps
Using Retro-Holdouts"): is a newly written holdout set drawn from the same distribution as a
public benchmark? Only then does a model's accuracy gap between the two measure inflation
(the GSM1k and Retro-Misconceptions measurement, :func:`inflation`).

:func:`holdout_tests` runs, on texts (embedded with ``embed``) or on embedding matrices:

(a) **embedding permutation test**: statistic = squared MMD with the cosine kernel,
    ||mean(x/|x|, target) - mean(x/|x|, holdout)||^2 (mean within-set cosine minus mean cross-set
    cosine); the set labels are permuted ``n_permutations`` times; p = (1 + #{permuted >=
    observed}) / (1 + n_permutations).
(b) **classifier separability**: the larger set is subsampled to the smaller's size; an
    L2-regularised logistic regression (C = 1) is cross-validated (stratified ``folds`` folds) on
    the embeddings (centred, scaled to mean row norm 1) and, for texts, on word 1..2-gram TF-IDF;
    AUROC of the out-of-fold scores, and a one-sided binomial test of the out-of-fold accuracy
    (logit > 0) against 1/2.
(c) **difficulty**, when per-item correctness of models that predate the benchmark is given
    (``correct_*``: one row per model): per model a two-sided pooled two-proportion z-test of
    equal accuracy; the p-value is Bonferroni's over models.

``pvalue`` of the whole is Bonferroni's over the tests that ran. Random draws, all from
``numpy.random.default_rng(seed)`` in this order: the permutations (``rng.permutation(n)`` each;
the first ``n_target`` positions are labelled target), the subsample (``rng.choice(larger,
smaller, replace=False)``, sorted), the folds (as in :func:`seenit.blind_baseline`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .._validate import as_contig, check_float, check_int
from ..logprob.metrics import Interval, auroc
from ._stats import Features, binom_sf, cv_scores, normal_sf, stratified_folds, tfidf, two_proportions
from .blind import check_texts


@dataclass(frozen=True)
class EmbeddingTest:
    """(a): ``statistic`` the cosine-kernel MMD^2, ``pvalue`` its permutation p-value."""

    statistic: float
    pvalue: float
    n_permutations: int

    def to_dict(self) -> dict[str, Any]:
        return {"statistic": self.statistic, "pvalue": self.pvalue, "n_permutations": self.n_permutations}


@dataclass(frozen=True)
class ClassifierTest:
    """(b): out-of-fold ``auroc`` and ``accuracy`` on ``n_per_set`` items of each set; ``pvalue``
    the binomial test of accuracy > 1/2; ``statistic`` = ``auroc``."""

    auroc: float
    accuracy: float
    pvalue: float
    n_per_set: int
    features: str

    @property
    def statistic(self) -> float:
        return self.auroc

    def to_dict(self) -> dict[str, Any]:
        return {"features": self.features, "statistic": self.auroc, "auroc": self.auroc, "accuracy": self.accuracy,
                "pvalue": self.pvalue, "n_per_set": self.n_per_set}


@dataclass(frozen=True)
class DifficultyTest:
    """(c): ``statistic`` mean over models of accuracy(target) - accuracy(holdout); per model the
    accuracies, z and two-sided p; ``pvalue`` = min(1, models * min p)."""

    statistic: float
    pvalue: float
    accuracy_target: npt.NDArray[np.float64]
    accuracy_holdout: npt.NDArray[np.float64]
    z: npt.NDArray[np.float64]
    pvalues: npt.NDArray[np.float64]

    def to_dict(self) -> dict[str, Any]:
        return {"statistic": self.statistic, "pvalue": self.pvalue, "accuracy_target": self.accuracy_target.tolist(),
                "accuracy_holdout": self.accuracy_holdout.tolist(), "z": self.z.tolist(), "pvalues": self.pvalues.tolist()}


@dataclass(frozen=True)
class HoldoutTests:
    """Result of :func:`holdout_tests`. ``pvalue``: Bonferroni over the tests that ran;
    ``statistic``: the embedding test's MMD^2. ``tfidf`` is None for embedding inputs,
    ``difficulty`` None without correctness."""

    embedding: EmbeddingTest
    classifier: ClassifierTest
    tfidf: ClassifierTest | None
    difficulty: DifficultyTest | None
    pvalue: float
    n_target: int
    n_holdout: int
    seed: int

    @property
    def statistic(self) -> float:
        return self.embedding.statistic

    def to_dict(self) -> dict[str, Any]:
        return {"test": "holdout", "statistic": self.statistic, "pvalue": self.pvalue,
                "embedding": self.embedding.to_dict(), "classifier": self.classifier.to_dict(),
                "tfidf": None if self.tfidf is None else self.tfidf.to_dict(),
                "difficulty": None if self.difficulty is None else self.difficulty.to_dict(),
                "n_target": self.n_target, "n_holdout": self.n_holdout, "seed": self.seed}


@dataclass(frozen=True)
class Inflation:
    """Result of :func:`inflation`: ``statistic`` = accuracy(target) - accuracy(holdout) with a
    bootstrap ``interval``; ``pvalue`` the one-sided pooled two-proportion z-test that the target
    accuracy is higher."""

    statistic: float
    interval: Interval
    pvalue: float
    accuracy_target: float
    accuracy_holdout: float
    n_target: int
    n_holdout: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        iv = self.interval
        return {"test": "inflation", "statistic": self.statistic, "pvalue": self.pvalue, "ci": [iv.low, iv.high],
                "ci_level": iv.ci, "n_bootstrap": iv.n_bootstrap, "accuracy_target": self.accuracy_target,
                "accuracy_holdout": self.accuracy_holdout, "n_target": self.n_target, "n_holdout": self.n_holdout,
                "seed": self.seed}


def _is_texts(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes)) and len(x) > 0 and isinstance(x[0], str)


def _embeddings(x: Any, name: str) -> np.ndarray:
    m = as_contig(x, np.float64, 2, name)
    if m.shape[1] == 0:
        raise ValueError(f"{name} has no columns")
    if not np.isfinite(m).all():
        i, j = (int(v) for v in np.argwhere(~np.isfinite(m))[0])
        raise ValueError(f"{name} must be finite: [{i}, {j}] is {m[i, j]}")
    return m


def _rescaled(x: np.ndarray) -> np.ndarray:
    """``x`` over its largest magnitude: every test here is invariant to one global scale, and
    huge or tiny embeddings then neither overflow nor underflow."""
    top = float(np.abs(x).max()) if x.size else 0.0
    return x / top if top > 0 else x


def _correct(x: Any, name: str) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype == object or a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be 0/1 or bool, got dtype {a.dtype}")
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] == 0:
        raise ValueError(f"{name} must be 1-D (items) or 2-D (models x items) and non-empty, got shape {np.shape(x)}")
    if not np.isin(a, (0, 1)).all():
        raise ValueError(f"{name} must hold 0/1 (or bool) correctness per item")
    return a.astype(bool)


def mmd_cosine(x: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """||mean of the unit rows under each mask - mean of the rest||^2, one value per mask row."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    u = x / np.where(norms > 0, norms, 1.0)
    total = u.sum(axis=0)
    k = masks.sum(axis=1, keepdims=True).astype(np.float64)
    s = masks.astype(np.float64) @ u
    diff = s / k - (total - s) / (x.shape[0] - k)
    return np.einsum("ij,ij->i", diff, diff)


def embedding_test(x: np.ndarray, n_target: int, n_permutations: int, rng: np.random.Generator) -> EmbeddingTest:
    n = x.shape[0]
    obs_mask = np.zeros((1, n), bool)
    obs_mask[0, :n_target] = True
    obs = float(mmd_cosine(x, obs_mask)[0])
    exceed = 0
    tol = 1e-12 * max(1.0, obs)  # a permutation that repeats the observed split ties with it, up to rounding
    for b0 in range(0, n_permutations, 128):  # masks in blocks: memory O(128 n)
        bsz = min(128, n_permutations - b0)
        masks = np.zeros((bsz, n), bool)
        for r in range(bsz):
            masks[r, rng.permutation(n)[:n_target]] = True
        exceed += int((mmd_cosine(x, masks) >= obs - tol).sum())
    return EmbeddingTest(obs, (1.0 + exceed) / (1.0 + n_permutations), n_permutations)


def classifier_test(X: Features, y: np.ndarray, folds: np.ndarray, k: int, features: str) -> ClassifierTest:
    s = cv_scores(X, y, folds, k)
    correct = int(((s > 0) == y).sum())
    return ClassifierTest(auroc(s, y), correct / y.size, binom_sf(correct, y.size, 0.5), y.size // 2, features)


def difficulty_test(ct: np.ndarray, ch: np.ndarray) -> DifficultyTest:
    zs, ps = [], []
    for a, b in zip(ct, ch):
        z, _ = two_proportions(int(a.sum()), a.size, int(b.sum()), b.size)
        zs.append(z)
        ps.append(min(1.0, 2.0 * normal_sf(abs(z))))
    acc_t, acc_h = ct.mean(axis=1), ch.mean(axis=1)
    return DifficultyTest(float((acc_t - acc_h).mean()), min(1.0, len(ps) * min(ps)), acc_t, acc_h,
                          np.asarray(zs), np.asarray(ps))


def holdout_tests(
    target: Any,
    holdout: Any,
    *,
    embed: Any = None,
    correct_target: Any = None,
    correct_holdout: Any = None,
    n_permutations: int = 1000,
    folds: int = 5,
    seed: int = 0,
) -> HoldoutTests:
    """Is ``holdout`` from the same distribution as ``target``? (see the module docstring).

    ``target``, ``holdout``: lists of texts with ``embed`` (a callable list[str] -> (n, d) array or
    a model name ``seenit.search`` knows, e.g. ``"hashed"``), or (n, d) embedding matrices when
    ``embed`` is None. Each set needs at least ``folds`` items. ``correct_target`` /
    ``correct_holdout``: per-item correctness (items, or models x items) of models that predate
    the benchmark; give both or neither.
    """
    n_permutations = check_int(n_permutations, "n_permutations", 1, 1_000_000)
    folds = check_int(folds, "folds", 2, 100)
    seed = check_int(seed, "seed", 0)
    texts: list[str] | None = None
    if embed is None:
        if _is_texts(target) or _is_texts(holdout):
            raise TypeError("target and holdout are texts: pass embed= (a callable list[str] -> array, or a model "
                            "name such as 'hashed'), or pass embedding matrices")
        xt, xh = _embeddings(target, "target"), _embeddings(holdout, "holdout")
    else:
        from ..search.embed import embedder

        tt, th = check_texts(target, "target", folds), check_texts(holdout, "holdout", folds)
        fn = embedder(embed)
        xt, xh = _embeddings(fn(list(tt)), "embed(target)"), _embeddings(fn(list(th)), "embed(holdout)")
        texts = [*tt, *th]
    if xt.shape[1] != xh.shape[1]:
        raise ValueError(f"target and holdout embeddings differ in width: {xt.shape[1]} and {xh.shape[1]}")
    for m, name in ((xt, "target"), (xh, "holdout")):
        if m.shape[0] < folds:
            raise ValueError(f"{name} has {m.shape[0]} items; need at least folds={folds}")
    if (correct_target is None) != (correct_holdout is None):
        raise ValueError("give both correct_target and correct_holdout, or neither")
    diff = None
    if correct_target is not None:
        ct, ch = _correct(correct_target, "correct_target"), _correct(correct_holdout, "correct_holdout")
        if ct.shape[0] != ch.shape[0]:
            raise ValueError(f"correct_target has {ct.shape[0]} models but correct_holdout has {ch.shape[0]}")
        diff = difficulty_test(ct, ch)

    nt, nh = xt.shape[0], xh.shape[0]
    x = _rescaled(np.concatenate([xt, xh]))
    rng = np.random.default_rng(seed)
    emb = embedding_test(x, nt, n_permutations, rng)
    # balanced subsample, so that accuracy 1/2 is chance
    k = min(nt, nh)
    it = np.arange(nt) if nt == k else np.sort(rng.choice(nt, k, replace=False))
    ih = nt + (np.arange(nh) if nh == k else np.sort(rng.choice(nh, k, replace=False)))
    idx = np.concatenate([it, ih])
    y = np.concatenate([np.ones(k, bool), np.zeros(k, bool)])
    fold = stratified_folds(y, folds, rng)
    xs = x[idx] - x[idx].mean(axis=0)
    scale = float(np.sqrt((xs * xs).sum(axis=1).mean()))
    xs = xs / scale if scale > 0 else xs
    clf = classifier_test(Features(2 * k, xs.shape[1], dense=xs), y, fold, folds, "embedding")
    tf = None
    if texts is not None:
        tf = classifier_test(tfidf([texts[i] for i in idx], 2), y, fold, folds, "tfidf")
    ps = [emb.pvalue, clf.pvalue] + ([tf.pvalue] if tf else []) + ([diff.pvalue] if diff else [])
    return HoldoutTests(emb, clf, tf, diff, min(1.0, len(ps) * min(ps)), nt, nh, seed)


def inflation(
    correct_target: Any,
    correct_holdout: Any,
    *,
    n_bootstrap: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> Inflation:
    """Accuracy gap of one model, benchmark minus holdout, with a percentile bootstrap CI (each
    set resampled on its own: per resample ``rng.integers(0, n, n)`` for the target, then for the
    holdout) and the one-sided two-proportion z-test that the benchmark accuracy is higher."""
    ct, ch = _correct(correct_target, "correct_target"), _correct(correct_holdout, "correct_holdout")
    if ct.shape[0] != 1 or ch.shape[0] != 1:
        raise ValueError("inflation takes one model's per-item correctness (1-D arrays); for several models "
                         "call it once per model")
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 1, 1_000_000)
    ci = check_float(ci, "ci", 0.0, 1.0, lo_open=True, hi_open=True)
    seed = check_int(seed, "seed", 0)
    a, b = ct[0], ch[0]
    rng = np.random.default_rng(seed)
    draws = np.empty(n_bootstrap)
    for r in range(n_bootstrap):
        draws[r] = a[rng.integers(0, a.size, a.size)].mean() - b[rng.integers(0, b.size, b.size)].mean()
    gap = float(a.mean() - b.mean())
    lo, hi = np.quantile(draws, [(1 - ci) / 2, 1 - (1 - ci) / 2])
    _, p = two_proportions(int(a.sum()), a.size, int(b.sum()), b.size)
    return Inflation(gap, Interval(gap, float(lo), float(hi), ci, n_bootstrap), p, float(a.mean()), float(b.mean()),
                     a.size, b.size, seed)
