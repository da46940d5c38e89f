"""Shared pieces of the probe tests: the calibration check and toy log-prob models."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import stats

#: Seeds per calibration check (the brief asks for >= 200).
N_SEEDS = 200


def assert_calibrated(pvalues: Sequence[float], alpha: float = 0.05, conservative_ok: bool = False) -> None:
    """Under the null, p < alpha in about alpha of the runs: the count of rejections lies in the
    central 99.9% of Binomial(n, alpha) (``conservative_ok``: only the upper bound is checked)."""
    p = np.asarray(pvalues, dtype=float)
    assert p.size >= N_SEEDS and np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()
    k = int((p < alpha).sum())
    lo, hi = stats.binom.ppf([0.0005, 0.9995], p.size, alpha)
    assert k <= hi, f"{k} of {p.size} p-values below {alpha} (at most {hi:.0f} expected under the null)"
    if not conservative_ok:
        assert k >= lo, f"only {k} of {p.size} p-values below {alpha} (at least {lo:.0f} expected under the null)"


def pair_model(items: Sequence[str], rng: np.random.Generator, planted: float = 0.0):
    """A toy order-sensitive model: log p(sequence) = -50 * len + sum of F[a, b] over adjacent
    items (F random, independent of the canonical order); ``planted`` adds a bonus to each
    canonical adjacent pair (a model that saw the benchmark in order)."""
    idx = {t: i for i, t in enumerate(items)}
    n = len(items)
    F = rng.standard_normal((n, n))
    if planted:
        F[np.arange(n - 1), np.arange(1, n)] += planted

    def fn(seqs: list[list[str]]) -> np.ndarray:
        ids = np.array([[idx[t] for t in s] for s in seqs])
        return -50.0 * ids.shape[1] + F[ids[:, :-1], ids[:, 1:]].sum(axis=1)

    return fn


_TOK = re.compile(r"\w+|[^\w\s]")


class NgramModel:
    """Word n-gram model with add-k smoothing, fitted on one text; ``logprob_fn`` joins each
    ordering with a separator and scores it, as ``sequence_logprob_fn`` does with a real LM.
    Trigrams reach across an item boundary ("... money ? Janet"), so a model fitted on a
    benchmark in canonical order remembers which item follows which."""

    def __init__(self, text: str, n: int = 3, k: float = 0.1) -> None:
        toks = _TOK.findall(text.lower())
        self.n, self.k, self.V = n, k, len(set(toks)) + 1
        self.ctx: dict[tuple[str, ...], int] = {}
        self.grams: dict[tuple[str, ...], int] = {}
        for i in range(len(toks) - n + 1):
            g = tuple(toks[i : i + n])
            self.grams[g] = self.grams.get(g, 0) + 1
            self.ctx[g[:-1]] = self.ctx.get(g[:-1], 0) + 1

    def logprob(self, text: str) -> float:
        toks = _TOK.findall(text.lower())
        total = 0.0
        for i in range(len(toks) - self.n + 1):
            g = tuple(toks[i : i + self.n])
            total += np.log((self.grams.get(g, 0) + self.k) / (self.ctx.get(g[:-1], 0) + self.k * self.V))
        return float(total)

    def logprob_fn(self, sep: str = "\n\n"):
        return lambda seqs: np.array([self.logprob(sep.join(s)) for s in seqs])


def read_jsonl(path: Path, field: str) -> list[str]:
    with open(path) as f:
        return [json.loads(line)[field] for line in f if line.strip()]


def truthfulqa(path: Path) -> list[str]:
    import csv

    with open(path, newline="") as f:
        return [row["Question"] for row in csv.DictReader(f)]
