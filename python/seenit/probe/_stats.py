"""The few distributions and fits the probe tests need, in plain NumPy (scipy is not a runtime
dependency; tests/probe compares these with scipy.stats).

- ``t_sf`` / ``normal_sf`` / ``binom_sf``: upper tails, through the regularized incomplete beta
  function (its continued fraction, DLMF 8.17.22) and ``math.erfc``.
- ``welch``: one-sided Welch t-test; ``one_sample_t``: one-sided t-test of a mean > 0.
- ``spearman``: rank correlation (ties get average ranks).
- ``Features`` + ``fit_logistic``: L2-regularised logistic regression on dense or sparse rows,
  by accelerated gradient descent (deterministic, fixed iterations); ``cv_scores``: out-of-fold
  scores of stratified k-fold cross-validation.
- ``text_features``: word n-gram TF-IDF rows (CSR) and years mentioned, for the blind baseline
  and the retro-holdout classifier.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# ------------------------------------------------------------------ distributions


def _beta_cf(a: float, b: float, x: float) -> float:
    """Continued fraction of I_x(a, b) (modified Lentz); converges fast for x < (a+1)/(a+b+2)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function I_x(a, b) for a, b > 0, x in [0, 1]."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_cf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_cf(b, a, 1.0 - x) / b


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with ``df`` degrees of freedom (df may be fractional, e.g. Welch's)."""
    if math.isnan(t):
        return math.nan
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    # P(|T| > |t|) / 2 = I_x(df/2, 1/2) / 2 with x = df / (df + t^2); for small t, x rounds to 1,
    # so take the complement I_{1-x}(1/2, df/2) with 1 - x = t^2 / (df + t^2) computed directly
    if t * t < df:
        tail = 0.5 * (1.0 - betainc(0.5, df / 2.0, t * t / (df + t * t)))
    else:
        tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return tail if t > 0 else 1.0 - tail


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): I_p(k, n - k + 1)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return betainc(float(k), float(n - k + 1), p)


def _unit_scale(*xs: np.ndarray) -> tuple[np.ndarray, ...]:
    top = max(float(np.abs(x).max()) for x in xs)
    return tuple(x / top for x in xs) if 0 < top < math.inf else xs


def _mean_var(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), float(x.var(ddof=1))


def welch(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """(t, df, p) of the one-sided Welch test that mean(a) > mean(b); each needs >= 2 values.
    Both samples constant: t is +-inf (p 0 or 1) when the means differ, else 0 with p 1."""
    a, b = _unit_scale(a, b)  # t and df do not change with the scale; squared variances then cannot overflow
    ma, va = _mean_var(a)
    mb, vb = _mean_var(b)
    se2 = va / a.size + vb / b.size
    if se2 <= 0.0:
        t = math.inf if ma > mb else (-math.inf if ma < mb else 0.0)
        return t, float(a.size + b.size - 2), (0.0 if ma > mb else 1.0)
    t = (ma - mb) / math.sqrt(se2)
    df = se2 * se2 / ((va / a.size) ** 2 / (a.size - 1) + (vb / b.size) ** 2 / (b.size - 1))
    return t, df, t_sf(t, df)


def one_sample_t(x: np.ndarray) -> tuple[float, float, float]:
    """(t, df, p) of the one-sided t-test that the mean of ``x`` (>= 2 values) is > 0.
    Constant x: t = +-inf (p 0 / 1) for a non-zero mean, 0 with p 1 for all zeros."""
    (x,) = _unit_scale(x)
    m, v = _mean_var(x)
    df = float(x.size - 1)
    if v <= 0.0:
        return (math.inf, df, 0.0) if m > 0 else ((-math.inf if m < 0 else 0.0), df, 1.0)
    t = m / math.sqrt(v / x.size)
    return t, df, t_sf(t, df)


def two_proportions(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """(z, one-sided p that p1 > p2) of the pooled two-proportion z-test; z = 0, p = 1 when the
    pooled proportion is 0 or 1 (no variance: nothing to test)."""
    p = (k1 + k2) / (n1 + n2)
    se = math.sqrt(p * (1.0 - p) * (1.0 / n1 + 1.0 / n2))
    if se == 0.0:
        return 0.0, 1.0
    z = (k1 / n1 - k2 / n2) / se
    return z, normal_sf(z)


def ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks, ties averaged."""
    _, inv, counts = np.unique(x, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return (ends - (counts - 1) / 2.0)[inv]


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    xc, yc = x - x.mean(), y - y.mean()
    den = math.sqrt(float(xc @ xc) * float(yc @ yc))
    return float(xc @ yc) / den if den > 0 else math.nan


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    return pearson(ranks(x), ranks(y))


# ------------------------------------------------------------- logistic regression


@dataclass(frozen=True)
class Features:
    """Rows for a linear model: dense ``(n, d)``, or CSR (``data``, ``indices``, ``indptr``, ``d``)."""

    n: int
    d: int
    dense: np.ndarray | None = None
    data: np.ndarray | None = None
    indices: np.ndarray | None = None
    indptr: np.ndarray | None = None
    row: np.ndarray | None = None  # CSR: the row of each stored value (filled in, not given)

    def __post_init__(self) -> None:
        if self.indptr is not None:
            object.__setattr__(self, "row", np.repeat(np.arange(self.n), np.diff(self.indptr)))

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.data is None or self.indices is None or self.indptr is None:
            raise RuntimeError("Features holds neither dense rows nor a complete CSR triple")
        return self.data, self.indices, self.indptr

    def rows(self, idx: np.ndarray) -> "Features":
        if self.dense is not None:
            return Features(idx.size, self.d, dense=self.dense[idx])
        data, indices, indptr = self.csr()
        starts = indptr[idx]
        lens = indptr[idx + 1] - starts
        ptr = np.concatenate(([0], np.cumsum(lens))).astype(np.int64)
        take = np.repeat(starts - ptr[:-1], lens) + np.arange(int(ptr[-1]))
        return Features(idx.size, self.d, data=data[take], indices=indices[take], indptr=ptr)

    def matvec(self, w: np.ndarray) -> np.ndarray:
        if self.dense is not None:
            return self.dense @ w
        data, indices, _ = self.csr()
        return np.bincount(self.row, weights=data * w[indices], minlength=self.n)

    def rmatvec(self, r: np.ndarray) -> np.ndarray:
        if self.dense is not None:
            return self.dense.T @ r
        data, indices, _ = self.csr()
        return np.bincount(indices, weights=data * r[self.row], minlength=self.d)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # no overflow warning for large |z|


def fit_logistic(X: Features, y: np.ndarray, *, lam: float | None = None, iters: int = 400) -> tuple[np.ndarray, float]:
    """(weights, intercept) minimising mean log-loss + lam/2 ||w||^2 (intercept not penalised);
    ``lam`` defaults to 1/n (scikit-learn's C = 1). Nesterov's method with the step 1/L, L from
    a power iteration, for a fixed number of iterations: deterministic, near the optimum."""
    n = X.n
    lam = 1.0 / n if lam is None else lam
    yf = y.astype(np.float64)
    # largest eigenvalue of [X 1]^T [X 1] / n by power iteration (bounds the loss's curvature * 4)
    rng = np.random.default_rng(0)
    v, v0 = rng.standard_normal(X.d), 1.0
    top = 1.0
    for _ in range(30):
        u = X.matvec(v) + v0
        nv, nv0 = X.rmatvec(u) / n, float(u.sum()) / n
        top = math.sqrt(float(nv @ nv) + nv0 * nv0)
        if top == 0.0:
            break
        v, v0 = nv / top, nv0 / top
    L = 1.05 * top / 4.0 + lam
    mu = lam
    q = math.sqrt(mu / L)
    beta = (1.0 - q) / (1.0 + q)
    w, b = np.zeros(X.d), 0.0
    zw, zb = w.copy(), b
    for _ in range(iters):
        p = _sigmoid(X.matvec(zw) + zb)
        r = (p - yf) / n
        gw = X.rmatvec(r) + lam * zw
        gb = float(r.sum())
        w_new, b_new = zw - gw / L, zb - gb / L
        zw, zb = w_new + beta * (w_new - w), b_new + beta * (b_new - b)
        w, b = w_new, b_new
    return w, b


def stratified_folds(y: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Fold number (0..k-1) per row; each class is shuffled and dealt round-robin to the folds."""
    fold = np.empty(y.size, dtype=np.int64)
    for cls in (False, True):
        idx = np.flatnonzero(y == cls)
        idx = idx[rng.permutation(idx.size)]
        fold[idx] = np.arange(idx.size) % k
    return fold


def cv_scores(X: Features, y: np.ndarray, folds: np.ndarray, k: int) -> np.ndarray:
    """Out-of-fold decision values (logits) of a logistic regression fitted on the other folds."""
    out = np.empty(y.size)
    for f in range(k):
        test = folds == f
        tr, te = np.flatnonzero(~test), np.flatnonzero(test)
        w, b = fit_logistic(X.rows(tr), y[tr])
        out[te] = X.rows(te).matvec(w) + b
    return out


# ------------------------------------------------------------------ text features

_WORD = re.compile(r"\w+", re.UNICODE)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def ngrams(text: str, n_max: int) -> list[str]:
    """Lowercased word n-grams for n = 1..n_max, joined by a space."""
    w = words(text)
    return [" ".join(w[i : i + n]) for n in range(1, n_max + 1) for i in range(len(w) - n + 1)]


def max_year(text: str) -> float:
    """The latest year (1500-2099) a text mentions, or NaN (Das et al.'s date cue)."""
    ys = [int(m) for m in _YEAR.findall(text)]
    return float(max(ys)) if ys else math.nan


def tfidf(texts: Sequence[str], n_max: int = 2, *, years: bool = False) -> Features:
    """Word 1..n_max-gram TF-IDF rows, L2-normalised (idf = ln((1 + n) / (1 + df)) + 1), as CSR.
    The vocabulary is every n-gram of ``texts`` (no labels are read). With ``years``, two more
    columns: whether the text mentions a year, and (latest year - 2000) / 100."""
    vocab: dict[str, int] = {}
    rows: list[dict[int, int]] = []
    for t in texts:
        counts: dict[int, int] = {}
        for g in ngrams(t, n_max):
            j = vocab.setdefault(g, len(vocab))
            counts[j] = counts.get(j, 0) + 1
        rows.append(counts)
    n, d = len(rows), len(vocab)
    df = np.zeros(d)
    for r in rows:
        df[list(r)] += 1
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    lens = [len(r) + (2 if years else 0) for r in rows]
    indptr = np.concatenate(([0], np.cumsum(lens))).astype(np.int64)
    data = np.empty(int(indptr[-1]))
    indices = np.empty(int(indptr[-1]), dtype=np.int64)
    for i, r in enumerate(rows):
        a = int(indptr[i])
        cols = np.fromiter(r.keys(), np.int64, len(r))
        vals = np.fromiter(r.values(), np.float64, len(r)) * idf[cols]
        norm = math.sqrt(float(vals @ vals))
        indices[a : a + len(r)] = cols
        data[a : a + len(r)] = vals / norm if norm > 0 else vals
        if years:
            y = max_year(texts[i])
            indices[a + len(r) : a + len(r) + 2] = (d, d + 1)
            data[a + len(r) : a + len(r) + 2] = (0.0, 0.0) if math.isnan(y) else (1.0, (y - 2000.0) / 100.0)
    return Features(n, d + (2 if years else 0), data=data, indices=indices, indptr=indptr)
