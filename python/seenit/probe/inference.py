"""Dataset inference (Maini et al. 2024, "LLM Dataset Inference: Did you train on my dataset?"):
aggregate many weak membership scores into one test of a whole set.

Given per-document membership features (the columns of ``seenit.mia_scores``) for a suspect set
and for a validation set known not to be in training and drawn from the same distribution, each
set is split at random into halves. A linear model (ridge least squares on features standardised
with the first halves' mean and std, target 1 for suspect and 0 for validation, ``alpha`` = 1)
is fitted on the first halves and scores the second halves; a one-sided Welch t-test that the
suspect scores exceed the validation scores gives the p-value. The fit never sees the rows it
scores, so under the null (both sets IID, neither trained on) the test is a plain two-sample test.

Halves: ``rng = numpy.random.default_rng(seed)``; ``rng.permutation(n_suspect)`` then
``rng.permutation(n_validation)``; the first ``n // 2`` rows of each permutation are the fit half.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .._validate import as_contig, check_float, check_int
from ._stats import welch


@dataclass(frozen=True)
class DatasetInference:
    """Result of :func:`dataset_inference`: ``statistic`` is Welch's t of the held-out scores
    (suspect minus validation), ``pvalue`` its one-sided p, ``df`` the Welch degrees of freedom,
    ``mean_difference`` the difference of mean held-out scores, ``weights`` the fitted linear
    model (per feature, on standardised features), ``features`` the column names."""

    statistic: float
    pvalue: float
    df: float
    mean_difference: float
    weights: npt.NDArray[np.float64]
    features: list[str]
    n_suspect: int
    n_validation: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return {"test": "dataset_inference", "statistic": self.statistic, "pvalue": self.pvalue, "df": self.df,
                "mean_difference": self.mean_difference, "weights": dict(zip(self.features, self.weights.tolist())),
                "n_suspect": self.n_suspect, "n_validation": self.n_validation, "seed": self.seed}


def feature_matrix(x: Any, name: str) -> tuple[np.ndarray, list[str]]:
    """A finite float64 (n, f) matrix and its column names from a 2-D array or a mapping of
    equal-length 1-D columns (what ``mia_scores`` returns)."""
    if isinstance(x, Mapping):
        if not x:
            raise ValueError(f"{name} has no columns")
        names = [str(k) for k in x]
        cols = [as_contig(v, np.float64, 1, f"{name}[{k!r}]") for k, v in x.items()]
        if len({c.size for c in cols}) != 1:
            sizes = ", ".join(f"{k}: {c.size}" for k, c in zip(names, cols))
            raise ValueError(f"{name}'s columns differ in length ({sizes})")
        m = np.stack(cols, axis=1)
    else:
        m = as_contig(x, np.float64, 2, name)
        names = [f"f{j}" for j in range(m.shape[1])]
        if m.shape[1] == 0:
            raise ValueError(f"{name} has no columns")
    bad = ~np.isfinite(m)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(f"{name} must be finite: row {i}, column {names[j]!r} is {m[i, j]} "
                         "(drop the documents whose scores are NaN, e.g. empty ones)")
    return m, names


def dataset_inference(
    suspect_features: Any,
    validation_features: Any,
    *,
    alpha: float = 1.0,
    seed: int = 0,
) -> DatasetInference:
    """Test whether the suspect set was trained on (see the module docstring). Features: 2-D
    arrays (documents x features) or mappings of columns with the same names; each set needs at
    least 4 documents."""
    s, s_names = feature_matrix(suspect_features, "suspect_features")
    v, v_names = feature_matrix(validation_features, "validation_features")
    if s.shape[1] != v.shape[1] or (isinstance(suspect_features, Mapping) and s_names != v_names):
        raise ValueError(f"suspect_features and validation_features must have the same columns, got "
                         f"{s_names} and {v_names}")
    alpha = check_float(alpha, "alpha", 0.0, lo_open=True)
    seed = check_int(seed, "seed", 0)
    for m, name in ((s, "suspect_features"), (v, "validation_features")):
        if m.shape[0] < 4:
            raise ValueError(f"{name} has {m.shape[0]} documents; dataset inference needs at least 4 "
                             "(two halves of at least 2)")
    # columns over their largest magnitude (standardising undoes it): huge scores cannot overflow
    top = np.maximum(np.abs(s).max(axis=0), np.abs(v).max(axis=0))
    top = np.where(top > 0, top, 1.0)
    s, v = s / top, v / top
    rng = np.random.default_rng(seed)
    ps, pv = rng.permutation(s.shape[0]), rng.permutation(v.shape[0])
    s1, s2 = s[ps[: s.shape[0] // 2]], s[ps[s.shape[0] // 2 :]]
    v1, v2 = v[pv[: v.shape[0] // 2]], v[pv[v.shape[0] // 2 :]]
    w, mean, std = fit_ridge(s1, v1, alpha)
    score_s, score_v = ((s2 - mean) / std) @ w, ((v2 - mean) / std) @ w
    t, df, p = welch(score_s, score_v)
    return DatasetInference(float(t), float(p), float(df), float(score_s.mean() - score_v.mean()), w,
                            s_names, s.shape[0], v.shape[0], seed)


def fit_ridge(pos: np.ndarray, neg: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(weights, mean, std): ridge regression of 1 (pos) / 0 (neg) on standardised features,
    intercept unpenalised (features and target centred)."""
    X = np.concatenate([pos, neg])
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    std = np.where(std > 0, std, 1.0)  # a constant column stays 0 after centring
    Z = (X - mean) / std
    # lstsq, not solve: a tiny alpha with more features than rows is singular to rounding
    w = np.linalg.lstsq(Z.T @ Z + alpha * np.eye(Z.shape[1]), Z.T @ (y - y.mean()), rcond=None)[0]
    return w, mean, std
