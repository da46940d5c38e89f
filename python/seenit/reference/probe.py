"""Plain versions of the probe tests, written from each paper's definition: loops over shards,
permutations and resamples, full Gram matrices, and scipy.stats for the distributions (the peer:
scipy is a test dependency, imported inside the functions). ``seenit.probe`` is tested against
these; they draw random numbers in the same documented order, so results match exactly or to
rounding.
"""

from __future__ import annotations

import math
import re

import numpy as np


def sharded_likelihood_test(logprob_fn, items, n_shards, n_permutations, seed=0):
    """Oren et al. 2023: per contiguous shard, log p(canonical) - mean log p(shuffles); a one-sided
    one-sample t-test over shards; the permutation p-value of the summed log-probabilities."""
    from scipy import stats

    n = len(items)
    sizes = [n // n_shards + (1 if s < n % n_shards else 0) for s in range(n_shards)]
    rng = np.random.default_rng(seed)
    start = 0
    canon, perms = [], []
    for size in sizes:
        shard = list(items[start : start + size])
        start += size
        orders = [rng.permutation(size) for _ in range(n_permutations)]
        out = logprob_fn([shard] + [[shard[i] for i in o] for o in orders])
        canon.append(float(out[0]))
        perms.append([float(v) for v in out[1:]])
    diffs = [c - sum(p) / len(p) for c, p in zip(canon, perms)]
    shard_p = [(1 + sum(1 for v in p if v >= c)) / (1 + len(p)) for c, p in zip(canon, perms)]
    total = sum(canon)
    perm_totals = [sum(perms[s][j] for s in range(n_shards)) for j in range(n_permutations)]
    perm_p = (1 + sum(1 for v in perm_totals if v >= total)) / (1 + n_permutations)
    if n_shards >= 2:
        r = stats.ttest_1samp(diffs, 0.0, alternative="greater")
        p, t = float(r.pvalue), float(r.statistic)
    else:
        p, t = perm_p, math.nan
    return {"statistic": sum(diffs) / len(diffs), "pvalue": p, "t": t, "permutation_pvalue": perm_p,
            "shard_statistics": diffs, "shard_pvalues": shard_p, "shard_sizes": sizes}


def dataset_inference(suspect, validation, alpha=1.0, seed=0):
    """Maini et al. 2024: random halves; ridge regression (suspect 1, validation 0) on the first
    halves' standardised features; Welch's one-sided t-test on the second halves' scores."""
    from scipy import stats

    s, v = np.asarray(suspect, float), np.asarray(validation, float)
    rng = np.random.default_rng(seed)
    ps, pv = rng.permutation(len(s)), rng.permutation(len(v))
    fit_s, test_s = s[ps[: len(s) // 2]], s[ps[len(s) // 2 :]]
    fit_v, test_v = v[pv[: len(v) // 2]], v[pv[len(v) // 2 :]]
    X = np.vstack([fit_s, fit_v])
    y = np.array([1.0] * len(fit_s) + [0.0] * len(fit_v))
    mean, std = X.mean(axis=0), X.std(axis=0)
    std[std == 0] = 1.0
    Z = (X - mean) / std
    # ridge with an unpenalised intercept, as an augmented least-squares problem
    d = Z.shape[1]
    A = np.vstack([np.hstack([Z, np.ones((len(Z), 1))]), np.hstack([math.sqrt(alpha) * np.eye(d), np.zeros((d, 1))])])
    coef = np.linalg.lstsq(A, np.concatenate([y, np.zeros(d)]), rcond=None)[0]
    w = coef[:d]
    a, b = ((test_s - mean) / std) @ w, ((test_v - mean) / std) @ w
    r = stats.ttest_ind(a, b, equal_var=False, alternative="greater")
    return {"statistic": float(r.statistic), "pvalue": float(r.pvalue), "weights": w,
            "mean_difference": float(a.mean() - b.mean())}


def mmd_cosine(target, holdout):
    """Squared MMD with the cosine kernel (biased): mean within-target cosine + mean
    within-holdout cosine - 2 mean cross cosine."""
    x = np.vstack([target, holdout]).astype(float)
    norms = np.linalg.norm(x, axis=1)
    u = x / np.where(norms > 0, norms, 1.0)[:, None]
    G = u @ u.T
    nt = len(target)
    return float(G[:nt, :nt].mean() + G[nt:, nt:].mean() - 2 * G[:nt, nt:].mean())


def embedding_permutation_test(target, holdout, n_permutations, seed=0):
    """Label-permutation p-value of ``mmd_cosine``: permutation j labels the first n_target
    positions of ``rng.permutation(n)`` as target."""
    x = np.vstack([target, holdout])
    nt = len(target)
    obs = mmd_cosine(x[:nt], x[nt:])
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(n_permutations):
        p = rng.permutation(len(x))
        if mmd_cosine(x[p[:nt]], x[p[nt:]]) >= obs - 1e-12:
            hits += 1
    return obs, (1 + hits) / (1 + n_permutations)


def binomial_pvalue(correct, n):
    """One-sided binomial test of accuracy > 1/2."""
    from scipy import stats

    return float(stats.binomtest(correct, n, 0.5, alternative="greater").pvalue)


def two_proportions(k1, n1, k2, n2):
    """Pooled two-proportion z statistic and its one-sided p-value (p1 > p2)."""
    from scipy import stats

    p = (k1 + k2) / (n1 + n2)
    if p in (0.0, 1.0):  # every item right (or wrong) in both sets: no variance, nothing to test
        return 0.0, 1.0
    z = (k1 / n1 - k2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return z, float(stats.norm.sf(z))


def inflation(correct_target, correct_holdout, n_bootstrap=1000, ci=0.95, seed=0):
    """Accuracy gap with a percentile bootstrap CI (per resample: target draw, then holdout)."""
    a, b = np.asarray(correct_target, float), np.asarray(correct_holdout, float)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_bootstrap):
        ia = rng.integers(0, len(a), len(a))
        ib = rng.integers(0, len(b), len(b))
        draws.append(a[ia].mean() - b[ib].mean())
    lo, hi = np.quantile(draws, [(1 - ci) / 2, 1 - (1 - ci) / 2])
    z, p = two_proportions(a.sum(), len(a), b.sum(), len(b))
    return {"statistic": a.mean() - b.mean(), "low": float(lo), "high": float(hi), "pvalue": p}


def likelihood_gap(bench, fresh, n_bootstrap=1000, ci=0.95, seed=0):
    """Mean log-likelihood gap, bootstrap CI (bench draw, then fresh), Welch one-sided p."""
    from scipy import stats

    b, f = np.asarray(bench, float), np.asarray(fresh, float)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_bootstrap):
        ib = rng.integers(0, len(b), len(b))
        jf = rng.integers(0, len(f), len(f))
        draws.append(b[ib].mean() - f[jf].mean())
    lo, hi = np.quantile(draws, [(1 - ci) / 2, 1 - (1 - ci) / 2])
    p = float(stats.ttest_ind(b, f, equal_var=False, alternative="greater").pvalue)
    return {"statistic": b.mean() - f.mean(), "low": float(lo), "high": float(hi), "pvalue": p}


def gap_correlation_exact(likelihood_gaps, accuracy_gaps):
    """Spearman's rho and the exact one-sided permutation p-value over all orders."""
    import itertools

    from scipy import stats

    x, y = list(likelihood_gaps), list(accuracy_gaps)
    rho = float(stats.spearmanr(x, y).statistic)
    perms = [float(stats.spearmanr(x, [y[i] for i in p]).statistic) for p in itertools.permutations(range(len(y)))]
    return rho, sum(1 for r in perms if r >= rho - 1e-12) / len(perms)


def tfidf_rows(texts, n_max=2):
    """Word 1..n_max-gram TF-IDF as a list of {ngram: weight} dicts, L2-normalised,
    idf = ln((1 + n) / (1 + df)) + 1."""
    grams = []
    for t in texts:
        w = re.findall(r"\w+", t.lower())
        g = {}
        for n in range(1, n_max + 1):
            for i in range(len(w) - n + 1):
                k = " ".join(w[i : i + n])
                g[k] = g.get(k, 0) + 1
        grams.append(g)
    df = {}
    for g in grams:
        for k in g:
            df[k] = df.get(k, 0) + 1
    out = []
    for g in grams:
        row = {k: c * (math.log((1 + len(texts)) / (1 + df[k])) + 1) for k, c in g.items()}
        norm = math.sqrt(sum(v * v for v in row.values()))
        out.append({k: v / norm for k, v in row.items()} if norm else row)
    return out


def logistic_objective(X, y, w, b, lam):
    """Mean log-loss + lam/2 ||w||^2 (intercept unpenalised), the objective the probe's fit minimises."""
    z = X @ w + b
    return float(np.mean(np.logaddexp(0, z) - y * z) + lam / 2 * w @ w)


def year_features(text):
    """Das et al.'s date cue: (mentions a year 1500-2099, (latest year - 2000) / 100), zeros without one."""
    years = [int(y) for y in re.findall(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)", text)]
    return (1.0, (max(years) - 2000) / 100) if years else (0.0, 0.0)


def blind_baseline_scores(members, nonmembers, folds=5, seed=0):
    """Out-of-fold logits of Das et al.'s blind baseline: TF-IDF word 1-2-grams plus the date cue,
    logistic regression (mean log-loss + ||w||^2 / (2 n_train)) fitted by scipy (L-BFGS-B) per fold.
    Folds: non-members, then members, shuffled (``rng.permutation``) and dealt round-robin."""
    from scipy import optimize

    texts = list(members) + list(nonmembers)
    y = np.array([1.0] * len(members) + [0.0] * len(nonmembers))
    rows = tfidf_rows(texts, 2)
    vocab = sorted({k for r in rows for k in r})
    col = {k: j for j, k in enumerate(vocab)}
    X = np.zeros((len(texts), len(vocab) + 2))
    for i, r in enumerate(rows):
        for k, v in r.items():
            X[i, col[k]] = v
        X[i, len(vocab):] = year_features(texts[i])
    rng = np.random.default_rng(seed)
    fold = np.empty(len(texts), dtype=int)
    for cls in (0.0, 1.0):
        idx = np.flatnonzero(y == cls)
        idx = idx[rng.permutation(len(idx))]
        for j, i in enumerate(idx):
            fold[i] = j % folds
    return cv_logits(X, y, fold, folds)


def cv_logits(X, y, fold, folds):
    """Out-of-fold logits of a logistic regression (mean log-loss + ||w||^2 / (2 n_train), intercept
    free) fitted with scipy's L-BFGS-B on the other folds."""
    from scipy import optimize

    out = np.empty(len(y))
    d = X.shape[1]
    for f in range(folds):
        tr, te = fold != f, fold == f
        Xt, yt, lam = X[tr], y[tr], 1.0 / tr.sum()

        def grad(v, Xt=Xt, yt=yt, lam=lam):
            r = (1 / (1 + np.exp(-(Xt @ v[:d] + v[d]))) - yt) / len(yt)
            return np.concatenate([Xt.T @ r + lam * v[:d], [r.sum()]])

        res = optimize.minimize(lambda v: logistic_objective(Xt, yt, v[:d], v[d], lam), np.zeros(d + 1),
                                jac=grad, method="L-BFGS-B", options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 5000})
        out[te] = X[te] @ res.x[:d] + res.x[d]
    return out


def holdout_classifier(target, holdout, n_permutations, folds, seed=0):
    """Haimes et al.'s separability test on embeddings: the larger set subsampled to the smaller's
    size, embeddings centred and scaled to mean row norm 1, cross-validated logistic regression;
    (AUROC, accuracy, one-sided binomial p of accuracy > 1/2). Random draws as holdout_tests makes
    them: the permutation test's first, then the subsample, then the folds."""
    x = np.vstack([target, holdout]).astype(float)
    x = x / np.abs(x).max()
    nt, nh = len(target), len(holdout)
    rng = np.random.default_rng(seed)
    for _ in range(n_permutations):
        rng.permutation(nt + nh)
    k = min(nt, nh)
    it = np.arange(nt) if nt == k else np.sort(rng.choice(nt, k, replace=False))
    ih = nt + (np.arange(nh) if nh == k else np.sort(rng.choice(nh, k, replace=False)))
    xs = x[np.concatenate([it, ih])]
    xs = xs - xs.mean(axis=0)
    xs = xs / np.sqrt((xs ** 2).sum(axis=1).mean())
    y = np.array([1.0] * k + [0.0] * k)
    fold = np.empty(2 * k, dtype=int)
    for cls in (0.0, 1.0):
        idx = np.flatnonzero(y == cls)
        idx = idx[rng.permutation(len(idx))]
        for j, i in enumerate(idx):
            fold[i] = j % folds
    s = cv_logits(xs, y, fold, folds)
    correct = int(((s > 0) == (y == 1)).sum())
    from scipy import stats

    auc = float(stats.mannwhitneyu(s[y == 1], s[y == 0]).statistic / (k * k))
    return auc, correct / (2 * k), binomial_pvalue(correct, 2 * k)
