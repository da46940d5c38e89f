"""Membership-inference scores from per-token log-probabilities, for many documents at once.

Documents are ragged: ``logprobs`` holds log p(x_t | x_<t) for every scored token of every
document, and ``offsets`` (int64, n + 1) delimits them, as ``seenit.token_stats`` /
``seenit.logprob.models.hf_logprobs`` produce them. **Every score is oriented so that higher means
"more likely a member" (seen in training)**:

=================  ==========================================================================
key                score (L = mean negative log-likelihood of the document, "the loss")
=================  ==========================================================================
``loss``           -L  (Yeom et al. 2018, the LOSS attack)
``perplexity``     -exp(L)
``mink_{k}``       mean log p of the k-fraction lowest-probability tokens (Shi et al. 2023, Min-K% Prob)
``minkpp_{k}``     mean of the k-fraction lowest z_t = (log p(x_t) - mu_t) / sigma_t, with mu_t, sigma_t
                   the mean and std of log p(z) under the model's own next-token distribution
                   (Zhang et al. 2024, Min-K%++); z_t = 0 where sigma_t = 0
``zlib``           -L / zlib_bytes(text) (Carlini et al. 2021: log-perplexity over zlib entropy;
                   as in Shi et al.'s code, higher = member)
``ref_ratio``      -L / L_ref (Carlini et al. 2021: ratio of log-perplexities, target over reference model)
``ref_diff``       L_ref - L (reference-model calibration, e.g. Mattern et al. 2023 / Watson et al. 2022)
``lowercase``      -L / L_lower (Carlini et al. 2021: the same model on the lowercased text)
``recall``         LL(x | P_nonmember) / LL(x), LL the mean token log-likelihood of x, P a prefix of known
                   non-member texts (Xie et al. 2024, ReCaLL: conditioning on non-members lowers a
                   member's likelihood more)
``con_recall``     (LL(x | P_nonmember) - gamma * LL(x | P_member)) / LL(x) (Wang et al. 2024, Con-ReCall:
                   a member prefix raises a member's likelihood)
``dcpdd``          DC-PDD (Zhang et al. 2024, "Pretraining data detection for LLMs: a divergence-based
                   calibration method"): mean over each token's first occurrence of
                   min(p(x_t) * -log f(x_t), a), with f the Laplace-smoothed frequency of the token
                   in a reference corpus
=================  ==========================================================================

The min-k fraction k takes the lowest ``max(1, floor(k * len))`` tokens.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .._validate import as_contig, check_float, check_int, check_offsets, check_str_sequence
from .stats import check_fraction, segment_reduce

DEFAULT_KS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def _ragged(values: Any, offsets: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(values)
    v = as_contig(v, v.dtype if v.dtype in (np.float32, np.float64) else np.float64, 1, name)
    o = as_contig(offsets, np.int64, 1, f"{name} offsets")
    check_offsets(o, v.size, f"{name} offsets" if name != "logprobs" else "offsets")
    if v.size and np.isnan(v).any():
        i = int(np.argmax(np.isnan(v)))
        raise ValueError(f"{name} contains NaN at index {i}")
    if v.size and (v > 1e-4).any():  # a little slack for rounding in other tools' output
        i = int(np.argmax(v > 1e-4))
        raise ValueError(f"{name} must be log-probabilities (<= 0); {name}[{i}] = {v[i]}")
    return v, o


def _ks(ks: float | Sequence[float]) -> tuple[float, ...]:
    seq = (ks,) if isinstance(ks, (int, float, np.floating)) else tuple(ks)
    if not seq:
        raise ValueError("ks must hold at least one fraction in (0, 1]")
    return tuple(check_fraction(k, "k") for k in seq)


def loss(logprobs: Any, offsets: Any) -> npt.NDArray[np.float64]:
    """Mean negative log-likelihood per document (NaN for an empty document)."""
    lp, o = _ragged(logprobs, offsets, "logprobs")
    return -segment_reduce(lp, o, "mean")


def perplexity(logprobs: Any, offsets: Any) -> npt.NDArray[np.float64]:
    """exp(mean NLL) per document: the quantity perplexity filters threshold (lower = more fluent)."""
    with np.errstate(over="ignore"):
        return np.exp(loss(logprobs, offsets))


def mink(logprobs: Any, offsets: Any, k: float = 0.2) -> npt.NDArray[np.float64]:
    """Min-K% Prob (Shi et al. 2023): mean log p of the lowest k-fraction tokens; higher = member."""
    lp, o = _ragged(logprobs, offsets, "logprobs")
    return segment_reduce(lp, o, "min_k", k=check_fraction(k))


def _z(lp: np.ndarray, mu: Any, sigma: Any) -> np.ndarray:
    mu_a = as_contig(mu, np.float64, 1, "mu")
    sg_a = as_contig(sigma, np.float64, 1, "sigma")
    if mu_a.shape != lp.shape or sg_a.shape != lp.shape:
        raise ValueError(f"mu and sigma must have one entry per token ({lp.size}), got {mu_a.size} and {sg_a.size}")
    if (sg_a < 0).any() or np.isnan(sg_a).any() or np.isnan(mu_a).any():
        raise ValueError("sigma must be >= 0 and mu, sigma free of NaN (use seenit.token_stats to compute them)")
    safe = np.where(sg_a > 0, sg_a, 1.0)
    with np.errstate(invalid="ignore"):
        return np.where(sg_a > 0, (lp - mu_a) / safe, 0.0)


def minkpp(logprobs: Any, mu: Any, sigma: Any, offsets: Any, k: float = 0.2) -> npt.NDArray[np.float64]:
    """Min-K%++ (Zhang et al. 2024): mean of the lowest k-fraction z_t = (log p - mu_t) / sigma_t."""
    lp, o = _ragged(logprobs, offsets, "logprobs")
    return segment_reduce(_z(lp.astype(np.float64, copy=False), mu, sigma), o, "min_k", k=check_fraction(k))


def zlib_bytes(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """Length in bytes of zlib.compress(text.encode('utf-8')) per text (Carlini et al.'s zlib entropy)."""
    texts = check_str_sequence(texts, "texts")
    return np.array([len(zlib.compress(t.encode("utf-8"))) for t in texts], dtype=np.float64)


def zlib_ratio(logprobs: Any, offsets: Any, texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """-loss / zlib_bytes(text) per document; higher = member."""
    L = loss(logprobs, offsets)
    z = zlib_bytes(texts)
    if z.size != L.size:
        raise ValueError(f"texts has {z.size} entries but offsets describe {L.size} documents")
    return -L / z


def token_frequencies(token_ids: Any, vocab_size: int) -> npt.NDArray[np.int64]:
    """Counts of each token id in a reference corpus (the frequency table DC-PDD calibrates with)."""
    V = check_int(vocab_size, "vocab_size", 1)
    ids = as_contig(token_ids, np.int64, 1, "token_ids")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"token_ids must be in [0, {V}); got values in [{ids.min()}, {ids.max()}]")
    return np.bincount(ids, minlength=V).astype(np.int64)


def dcpdd(logprobs: Any, token_ids: Any, offsets: Any, freq: Any, *, a: float = 0.01) -> npt.NDArray[np.float64]:
    """DC-PDD score per document (Zhang et al. 2024); higher = member.

    ``token_ids`` are the scored tokens (aligned with ``logprobs``), ``freq`` the token counts of a
    reference corpus (``token_frequencies``); f = (count + 1) / (total + V). Each distinct token of a
    document contributes once, at its first occurrence, min(p(x_t) * -log f(x_t), a).
    """
    lp, o = _ragged(logprobs, offsets, "logprobs")
    ids = as_contig(token_ids, np.int64, 1, "token_ids")
    if ids.size != lp.size:
        raise ValueError(f"token_ids has {ids.size} entries but logprobs has {lp.size}")
    fr = np.asarray(freq)
    if fr.ndim != 1 or fr.size == 0 or fr.dtype.kind not in "iuf" or not (fr >= 0).all():  # NaN fails >= 0 too
        raise ValueError("freq must be a 1-D array of non-negative token counts (see token_frequencies)")
    if ids.size and (ids.min() < 0 or ids.max() >= fr.size):
        raise ValueError(f"token_ids must be in [0, {fr.size}) (the length of freq)")
    if not (a > 0):
        raise ValueError(f"a must be > 0, got {a}")
    f = (fr.astype(np.float64) + 1.0) / (float(fr.sum()) + fr.size)
    n = o.size - 1
    doc = np.repeat(np.arange(n, dtype=np.int64), np.diff(o))
    key = doc * fr.size + ids
    _, first = np.unique(key, return_index=True)  # first occurrence of each (doc, token)
    first.sort()
    alpha = np.minimum(np.exp(lp[first].astype(np.float64)) * -np.log(f[ids[first]]), a)
    counts = np.bincount(doc[first], minlength=n)
    sums = np.bincount(doc[first], weights=alpha, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def mia_scores(
    logprobs: Any,
    offsets: Any,
    *,
    mu: Any = None,
    sigma: Any = None,
    ks: float | Sequence[float] = DEFAULT_KS,
    texts: Sequence[str] | None = None,
    ref_logprobs: Any = None,
    ref_offsets: Any = None,
    lowercase_logprobs: Any = None,
    lowercase_offsets: Any = None,
    token_ids: Any = None,
    token_freq: Any = None,
    dcpdd_a: float = 0.01,
    nonmember_prefix_logprobs: Any = None,
    nonmember_prefix_offsets: Any = None,
    member_prefix_logprobs: Any = None,
    member_prefix_offsets: Any = None,
    con_recall_gamma: float = 1.0,
) -> dict[str, npt.NDArray[np.float64]]:
    """All membership scores the inputs allow, one float64 array (n documents) per key; higher = member.

    Always: ``loss``, ``perplexity``, ``mink_{k}`` for each k. With ``mu`` and ``sigma`` (per token, from
    ``token_stats``): ``minkpp_{k}``. With ``texts``: ``zlib``. With a reference model's log-probs
    (its own ``ref_offsets``, same documents): ``ref_ratio`` and ``ref_diff``. With the log-probs of the
    lowercased texts: ``lowercase``. With ``token_ids`` and ``token_freq``: ``dcpdd``. With the log-probs
    of the same texts conditioned on a non-member prefix (``hf_logprobs(..., prefixes=...)``):
    ``recall``; with those conditioned on a member prefix too: ``con_recall`` (weight
    ``con_recall_gamma``). See the module docstring for definitions and citations.
    """
    lp, o = _ragged(logprobs, offsets, "logprobs")
    ks_t = _ks(ks)
    n = o.size - 1
    out: dict[str, np.ndarray] = {}
    L = -segment_reduce(lp, o, "mean")
    out["loss"] = -L
    with np.errstate(over="ignore"):
        out["perplexity"] = -np.exp(L)
    for k in ks_t:
        out[f"mink_{k:g}"] = segment_reduce(lp, o, "min_k", k=k)
    if (mu is None) != (sigma is None):
        raise ValueError("pass both mu and sigma (per-token, from seenit.token_stats) for Min-K%++, or neither")
    if mu is not None:
        z = _z(lp.astype(np.float64, copy=False), mu, sigma)
        for k in ks_t:
            out[f"minkpp_{k:g}"] = segment_reduce(z, o, "min_k", k=k)
    if texts is not None:
        zb = zlib_bytes(texts)
        if zb.size != n:
            raise ValueError(f"texts has {zb.size} entries but offsets describe {n} documents")
        out["zlib"] = -L / zb
    if (ref_logprobs is None) != (ref_offsets is None):
        raise ValueError("pass both ref_logprobs and ref_offsets, or neither")
    if ref_logprobs is not None:
        rl, ro = _ragged(ref_logprobs, ref_offsets, "ref_logprobs")
        if ro.size - 1 != n:
            raise ValueError(f"ref_offsets describe {ro.size - 1} documents but offsets describe {n}")
        L_ref = -segment_reduce(rl, ro, "mean")
        with np.errstate(divide="ignore", invalid="ignore"):
            out["ref_ratio"] = -L / L_ref
        out["ref_diff"] = L_ref - L
    if (lowercase_logprobs is None) != (lowercase_offsets is None):
        raise ValueError("pass both lowercase_logprobs and lowercase_offsets, or neither")
    if lowercase_logprobs is not None:
        ll, lo = _ragged(lowercase_logprobs, lowercase_offsets, "lowercase_logprobs")
        if lo.size - 1 != n:
            raise ValueError(f"lowercase_offsets describe {lo.size - 1} documents but offsets describe {n}")
        with np.errstate(divide="ignore", invalid="ignore"):
            out["lowercase"] = -L / -segment_reduce(ll, lo, "mean")
    if (token_ids is None) != (token_freq is None):
        raise ValueError("DC-PDD needs both token_ids and token_freq")
    if token_ids is not None:
        out["dcpdd"] = dcpdd(lp, token_ids, o, token_freq, a=dcpdd_a)
    cond = {}
    for kind, vals, offs in (("nonmember_prefix", nonmember_prefix_logprobs, nonmember_prefix_offsets),
                             ("member_prefix", member_prefix_logprobs, member_prefix_offsets)):
        if (vals is None) != (offs is None):
            raise ValueError(f"pass both {kind}_logprobs and {kind}_offsets, or neither")
        if vals is not None:
            cl, co = _ragged(vals, offs, f"{kind}_logprobs")
            if co.size - 1 != n:
                raise ValueError(f"{kind}_offsets describe {co.size - 1} documents but offsets describe {n}")
            cond[kind] = segment_reduce(cl, co, "mean")
    if "member_prefix" in cond and "nonmember_prefix" not in cond:
        raise ValueError("Con-ReCall needs nonmember_prefix_logprobs as well as member_prefix_logprobs")
    gamma = check_float(con_recall_gamma, "con_recall_gamma")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # a near-zero loss: +-inf, as the other ratios
        if "nonmember_prefix" in cond:
            out["recall"] = cond["nonmember_prefix"] / -L  # LL = -L: the mean token log-likelihood
        if "member_prefix" in cond:
            out["con_recall"] = (cond["nonmember_prefix"] - gamma * cond["member_prefix"]) / -L
    return out


def perplexity_filter(
    perplexities: Any, *, keep: float | None = None, threshold: float | None = None
) -> npt.NDArray[np.bool_]:
    """Boolean mask of documents to keep, lowest perplexity first.

    ``keep=q`` keeps documents whose perplexity is at most the q-quantile (q in (0, 1]);
    ``threshold=t`` keeps those with perplexity <= t. Give exactly one. NaN perplexities (empty
    documents) are dropped.
    """
    p = as_contig(perplexities, np.float64, 1, "perplexities")
    if (keep is None) == (threshold is None):
        raise ValueError("give exactly one of keep (a quantile in (0, 1]) or threshold (a perplexity)")
    valid = ~np.isnan(p)
    if keep is not None:
        q = check_fraction(keep, "keep")
        if not valid.any():
            return np.zeros(p.size, dtype=bool)
        with np.errstate(invalid="ignore"):  # interpolating between two infinite perplexities: inf - inf
            cut = float(np.quantile(p[valid], q))
        if math.isnan(cut):  # the quantile falls between infinities: take the upper one
            cut = float(np.quantile(p[valid], q, method="higher"))
    else:
        cut = float(threshold)  # type: ignore[arg-type]
        if math.isnan(cut):
            raise ValueError("threshold must not be NaN")
    return valid & (p <= cut)


@dataclass(frozen=True)
class SurprisalProbes:
    """The highest-surprisal token positions of each document, most surprising first per document.

    ``doc``: document index; ``position``: token index within the document; ``index``: index into the
    flat ``logprobs``; ``surprisal``: -log p; ``context``: the decoded ``window`` tokens before each
    position followed by the token itself (when ``token_ids`` and ``decode`` were given), else None.
    """

    doc: npt.NDArray[np.int64]
    position: npt.NDArray[np.int64]
    index: npt.NDArray[np.int64]
    surprisal: npt.NDArray[np.float64]
    context: list[str] | None = None


def surprisal_probes(
    logprobs: Any,
    offsets: Any,
    *,
    top: int = 5,
    window: int = 16,
    token_ids: Any = None,
    decode: Any = None,
) -> SurprisalProbes:
    """The ``top`` highest-surprisal positions per document (ties: earlier position first), for
    information-guided probes: what the model found least predictable, with ``window`` tokens of context."""
    lp, o = _ragged(logprobs, offsets, "logprobs")
    top = check_int(top, "top", 1)
    window = check_int(window, "window", 0)
    n = o.size - 1
    doc = np.repeat(np.arange(n, dtype=np.int64), np.diff(o))
    order = np.lexsort((np.arange(lp.size), lp.astype(np.float64), doc))  # by doc, then lowest log p
    rank_in_doc = np.arange(lp.size) - o[doc[order]]
    sel = order[rank_in_doc < top]
    pos = sel - o[doc[sel]]
    context = None
    if decode is not None:
        if token_ids is None:
            raise ValueError("decode needs token_ids (the scored tokens, aligned with logprobs)")
        ids = as_contig(token_ids, np.int64, 1, "token_ids")
        if ids.size != lp.size:
            raise ValueError(f"token_ids has {ids.size} entries but logprobs has {lp.size}")
        context = [str(decode(ids[max(int(o[d]), int(i) - window): int(i) + 1].tolist())) for d, i in zip(doc[sel], sel)]
    return SurprisalProbes(doc[sel], pos.astype(np.int64), sel.astype(np.int64), -lp[sel].astype(np.float64), context)


def truth_ratio(
    paraphrased_logprobs: Any,
    paraphrased_offsets: Any,
    perturbed_logprobs: Any,
    perturbed_offsets: Any,
    perturbed_groups: Any,
) -> npt.NDArray[np.float64]:
    """TOFU truth ratio per question (Maini et al. 2024):

    R = (prod over perturbed answers a~ of P(a~|q)^(1/|a~|))^(1/#perturbed) / P(a^|q)^(1/|a^|),

    the geometric mean of the length-normalised probabilities of the perturbed (wrong) answers over
    that of the paraphrased (right) answer. ``paraphrased_*``: one answer per question (ragged tokens);
    ``perturbed_*``: all perturbed answers (ragged tokens); ``perturbed_groups``: int64 offsets
    (questions + 1) saying which perturbed answers belong to which question. Lower R = the model
    prefers the true answer.
    """
    pl, po = _ragged(paraphrased_logprobs, paraphrased_offsets, "paraphrased_logprobs")
    ql, qo = _ragged(perturbed_logprobs, perturbed_offsets, "perturbed_logprobs")
    g = as_contig(perturbed_groups, np.int64, 1, "perturbed_groups")
    check_offsets(g, qo.size - 1, "perturbed_groups")
    if g.size != po.size:
        raise ValueError(f"perturbed_groups describe {g.size - 1} questions but paraphrased_offsets {po.size - 1}")
    if (np.diff(g) == 0).any():
        raise ValueError(f"question {int(np.argmax(np.diff(g) == 0))} has no perturbed answer")
    para = segment_reduce(pl, po, "mean")   # log P(a^)^(1/|a^|)
    pert = segment_reduce(ql, qo, "mean")   # per perturbed answer
    pert_mean = segment_reduce(pert, g, "mean")
    return np.exp(pert_mean - para)


def truth_ratio_summary(ratios: Any, split: str = "retain") -> float:
    """TOFU's aggregate: ``retain`` (and real-authors / world-facts) sets use mean(max(0, 1 - R));
    the ``forget`` set uses mean(min(R, 1/R)). Higher is better in both."""
    r = as_contig(ratios, np.float64, 1, "ratios")
    if r.size == 0 or np.isnan(r).any() or (r <= 0).any():
        raise ValueError("ratios must be a non-empty array of positive truth ratios")
    if split == "retain":
        return float(np.mean(np.maximum(0.0, 1.0 - r)))
    if split == "forget":
        return float(np.mean(np.minimum(r, 1.0 / r)))
    raise ValueError(f"split must be 'retain' or 'forget', got {split!r}")
