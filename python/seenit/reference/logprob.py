"""Plain NumPy float64 versions of the log-prob kernels and scores: the specification.

Everything here is written for clarity, one row or one segment at a time where that is
clearer; the native kernels (``seenit.logprob``, ``seenit.mia``) are tested against it.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

STATS = ("logprob", "entropy", "mu", "sigma", "rank")


def widen(logits: np.ndarray) -> np.ndarray:
    """float32 / float16 as they are, uint16 as bfloat16 bits; returned as float64."""
    a = np.asarray(logits)
    if a.dtype == np.uint16:
        return (a.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return a.astype(np.float64)


def token_stats(logits: np.ndarray, targets: np.ndarray, *, temperature: float = 1.0) -> dict[str, np.ndarray]:
    """log p(target), entropy, mu = E_p[log p], sigma = std_p[log p] and rank per row of ``(..., V)`` logits.

    rank = number of logits strictly greater than the target's (0 = argmax; ties share the best rank).
    """
    raw = widen(logits)
    x = raw / temperature
    V = x.shape[-1]
    x2 = x.reshape(-1, V)
    raw2 = raw.reshape(-1, V)
    t = np.asarray(targets).reshape(-1)
    out = {k: np.empty(len(t)) for k in STATS}
    out["rank"] = np.empty(len(t), dtype=np.int64)
    for i in range(len(t)):
        row = x2[i]
        d = row - row.max()  # log p is shift-invariant; shifting keeps float64 rounding small
        n_max = int((d == 0).sum())
        tail = math.fsum(np.exp(d[d < 0]))  # log(n_max + tail) via log1p keeps a tiny tail exact
        log_s = math.log(n_max) + math.log1p(tail / n_max)
        logp = d - log_s
        p = np.exp(logp)
        finite = np.where(p > 0, logp, 0.0)  # p log p -> 0 where p = 0 (logits of -inf)
        mu = float((p * finite).sum())
        mean_d = float((p * np.where(p > 0, d, 0.0)).sum())
        dev = np.where(p > 0, d - mean_d, 0.0)  # Var_p[log p] = Var_p[d]
        out["logprob"][i] = logp[t[i]]
        out["entropy"][i] = -mu
        out["mu"][i] = mu
        out["sigma"][i] = math.sqrt(float((p * dev * dev).sum()))
        out["rank"][i] = int((raw2[i] > raw2[i, t[i]]).sum())
    shape = np.asarray(targets).shape
    return {k: v.reshape(shape) for k, v in out.items()}


def _segments(values: np.ndarray, offsets: np.ndarray):
    for i in range(len(offsets) - 1):
        yield np.asarray(values[offsets[i] : offsets[i + 1]], dtype=np.float64)


def k_count(k: float, n: int) -> int:
    """How many values min-k% / max-k% average: floor(k * n), at least one."""
    return max(1, min(n, math.floor(k * n)))


def segment_reduce(values: np.ndarray, offsets: np.ndarray, op: str, k: float = 1.0) -> np.ndarray:
    out = []
    for s in _segments(values, offsets):
        n = len(s)
        if op == "count":
            out.append(float(n))
        elif op == "sum":
            out.append(float(s.sum()))
        elif n == 0:
            out.append(math.nan)
        elif op == "mean":
            out.append(float(s.mean()))
        elif op == "min":
            out.append(float(s.min()))
        elif op == "max":
            out.append(float(s.max()))
        elif op == "min_k":
            out.append(float(np.sort(s)[: k_count(k, n)].mean()))
        elif op == "max_k":
            out.append(float(np.sort(s)[::-1][: k_count(k, n)].mean()))
        else:
            raise ValueError(op)
    return np.array(out, dtype=np.float64)


def segment_quantiles(values: np.ndarray, offsets: np.ndarray, q) -> np.ndarray:
    q = np.atleast_1d(np.asarray(q, dtype=np.float64))
    rows = [np.quantile(s, q) if len(s) else np.full(len(q), math.nan) for s in _segments(values, offsets)]
    return np.array(rows, dtype=np.float64).reshape(len(offsets) - 1, len(q))


# ---- membership-inference scores (higher = more likely a member) ----


def min_k(logprobs, offsets, k):
    return segment_reduce(logprobs, offsets, "min_k", k)


def min_k_pp(logprobs, mu, sigma, offsets, k):
    lp, mu, sigma = (np.asarray(a, dtype=np.float64) for a in (logprobs, mu, sigma))
    safe = np.where(sigma > 0, sigma, 1.0)
    z = np.where(sigma > 0, (lp - mu) / safe, 0.0)
    return segment_reduce(z, offsets, "min_k", k)


def zlib_ratio(logprobs, offsets, texts):
    mean = segment_reduce(logprobs, offsets, "mean")
    return np.array([m / len(zlib.compress(t.encode("utf-8"))) for m, t in zip(mean, texts)])


def dc_pdd(logprobs, token_ids, offsets, freq, a=0.01):
    """DC-PDD: mean over first occurrences of min(p(x_t) * -log f(x_t), a) (Zhang et al. 2024)."""
    freq = np.asarray(freq, dtype=np.float64)
    f = (freq + 1.0) / (freq.sum() + len(freq))
    out = []
    for i in range(len(offsets) - 1):
        seen = set()
        vals = []
        for j in range(offsets[i], offsets[i + 1]):
            tok = int(token_ids[j])
            if tok in seen:
                continue
            seen.add(tok)
            vals.append(min(math.exp(logprobs[j]) * -math.log(f[tok]), a))
        out.append(float(np.mean(vals)) if vals else math.nan)
    return np.array(out)


# ---- metrics ----


def auroc(scores, labels) -> float:
    """P(score of a random member > score of a random non-member), ties counting 1/2."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    pos, neg = s[y], s[~y]
    wins = sum((p > neg).sum() + 0.5 * (p == neg).sum() for p in pos)
    return float(wins / (len(pos) * len(neg)))


def roc_curve(scores, labels):
    """(fpr, tpr, thresholds) at every distinct score, highest first, starting at (0, 0) with threshold +inf."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    th = np.unique(s)[::-1]
    fpr = [0.0] + [float((s[~y] >= t).mean()) for t in th]
    tpr = [0.0] + [float((s[y] >= t).mean()) for t in th]
    return np.array(fpr), np.array(tpr), np.concatenate([[np.inf], th])


def tpr_at_fpr(scores, labels, fpr: float) -> float:
    """Largest TPR among ROC points whose FPR is at most ``fpr``."""
    f, t, _ = roc_curve(scores, labels)
    return float(t[f <= fpr].max())


def recall(logprobs, offsets, nonmember_logprobs, nonmember_offsets):
    """ReCaLL (Xie et al. 2024): mean log-likelihood of x given a non-member prefix over that of x alone."""
    out = []
    for i in range(len(offsets) - 1):
        x = logprobs[offsets[i] : offsets[i + 1]]
        c = nonmember_logprobs[nonmember_offsets[i] : nonmember_offsets[i + 1]]
        out.append((sum(c) / len(c)) / (sum(x) / len(x)))
    return np.array(out)


def con_recall(logprobs, offsets, nonmember_logprobs, nonmember_offsets, member_logprobs, member_offsets, gamma):
    """Con-ReCall (Wang et al. 2024): (LL(x | P_non) - gamma * LL(x | P_mem)) / LL(x), LL the mean log-likelihood."""
    out = []
    for i in range(len(offsets) - 1):
        mean = lambda v, o: sum(v[o[i] : o[i + 1]]) / (o[i + 1] - o[i])  # noqa: E731
        out.append((mean(nonmember_logprobs, nonmember_offsets) - gamma * mean(member_logprobs, member_offsets))
                   / mean(logprobs, offsets))
    return np.array(out)
