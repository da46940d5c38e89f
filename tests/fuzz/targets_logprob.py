"""Targets: per-token statistics of logits, segment reductions, membership-inference scores and metrics."""

from __future__ import annotations

import numpy as np

import seenit
from seenit import _core
from seenit.reference import logprob as ref_lp

from . import call, check, known, skip, target, thread_invariant
from .decode import Decoder

STATS = ("logprob", "entropy", "mu", "sigma", "rank")
OPS = ("sum", "mean", "min", "max", "count", "min_k", "max_k")


def _logits(d: Decoder, bad: int = 20) -> tuple[object, str]:
    kind = d.pick(("f32", "f32", "f16", "bf16"))
    shape = (d.size(6), d.size(12, 1)) if d.chance(80) else (d.size(3), d.size(3), d.size(8, 1))
    if kind == "bf16":
        f = d.array(shape, np.float32, bad=0)
        x: object = (f.view(np.uint32) >> 16).astype(np.uint16)
        x = d.mangle(x) if d.chance(bad) else x
    else:
        x = d.array(shape, np.float32 if kind == "f32" else np.float16, bad=bad)
    if isinstance(x, np.ndarray) and x.size and x.flags.writeable and x.dtype in (np.float32, np.float16, np.uint16) \
            and x.flags.c_contiguous and d.chance(20):
        x.reshape(-1)[d.int(0, x.size - 1)] = -np.inf if x.dtype != np.uint16 else 0xFF80  # p = 0
    return x, kind


def _widen(x: np.ndarray) -> np.ndarray:
    return ref_lp.widen(x) if isinstance(x, np.ndarray) and x.dtype.kind in "fu" else np.asarray(x, dtype=np.float64)


def _overflows(x: object, temperature: float) -> bool:
    """Logits / temperature beyond float32 range, or a tiny temperature (known issue token-stats-tiny-temperature)."""
    if not isinstance(temperature, float) or not np.isfinite(temperature) or temperature <= 0:
        return False
    try:
        w = _widen(x)
    except (TypeError, ValueError):
        return False
    fin = np.abs(w[np.isfinite(w)]) if w.size else w
    return temperature < 1e-6 or (fin.size > 0 and fin.max() / temperature > 1e30)


@target("token_stats", area="logprob", covers=["seenit.token_stats"])
def fuzz_token_stats(d: Decoder) -> None:
    """token_stats: thread invariant, SIMD and portable paths agree, equal to the reference on finite rows."""
    x, _ = _logits(d)
    shape = np.shape(x)[:-1] if isinstance(x, np.ndarray) and x.ndim else ()
    V = np.shape(x)[-1] if isinstance(x, np.ndarray) and x.ndim else 1
    t = d.int_array(shape, 0, max(V - 1, 0), d.pick((np.int64, np.int32, np.uint8)), bad=10, wild=8)
    temp = d.float(0.1, 4, wild=15) if d.chance(90) else d.maybe_weird(1.0, 100)
    stats = STATS if d.chance(60) else d.pick((("logprob",), ("rank", "sigma"), (), "entropy", ("x",)))
    r = thread_invariant(lambda: call(seenit.token_stats, x, t, stats=stats, temperature=temp))
    r2 = call(seenit.token_stats, x, t, stats=stats, temperature=temp, simd=False)
    for name in STATS:
        a, b = getattr(r, name), getattr(r2, name)
        if a is None:
            check(b is None, f"{name}: simd None, portable not")
            continue
        check(a.shape == np.shape(t), f"{name} shape {a.shape} != targets shape {np.shape(t)}")
        check(not np.isnan(a).any(), f"token_stats {name} holds NaN (input accepted)")
        check(np.allclose(a, b, rtol=1e-4, atol=1e-4, equal_nan=True), f"{name}: simd and portable paths differ")
    if isinstance(x, np.ndarray) and x.ndim == 2 and x.dtype in (np.float32,) and isinstance(temp, float):
        ref = ref_lp.token_stats(x, np.asarray(t), temperature=temp)
        for name in ("logprob", "rank"):
            a = getattr(r, name)
            if a is not None and np.isfinite(ref[name]).all():
                check(np.allclose(a, ref[name], rtol=1e-3, atol=1e-3), f"token_stats {name} != reference")


def _z_overflows(lp: object, mu: object, sigma: object) -> bool:
    """(log p - mu) / sigma overflows float64 (known issue minkpp-overflow-warning)."""
    try:
        a, m, sg = (np.asarray(x, dtype=np.float64) for x in (lp, mu, sigma))
        if not a.shape == m.shape == sg.shape:
            return False
        with np.errstate(all="ignore"):
            diff = a - m
            z = diff / np.where(sg > 0, sg, 1.0)
        return bool(np.isinf(z[np.isfinite(diff)]).any() or np.isinf(diff).any())
    except (TypeError, ValueError, IndexError):
        return False


def _values(d: Decoder, dtype: object = None) -> tuple[object, object]:
    return d.ragged_floats(6, 40, dtype or d.pick((np.float64, np.float32)))


def _has_nan(a: object) -> bool:
    try:
        x = np.asarray(a)
        return x.dtype.kind == "f" and bool(np.isnan(x).any())
    except (TypeError, ValueError):
        return False


def _has_inf(a: object) -> bool:
    try:
        x = np.asarray(a)
        return x.dtype.kind == "f" and bool(np.isinf(x).any())
    except (TypeError, ValueError):
        return False


def _subnormal(a: object) -> bool:
    try:
        x = np.abs(np.asarray(a, dtype=np.float64))
    except (TypeError, ValueError):
        return False
    return bool(((x > 0) & (x < 1e-300)).any())


def _big(*arrays: object, tiny: bool = False) -> bool:
    """Log-probabilities large enough for exp() of their differences (or, with ``tiny``, small
    enough for ratios of their means) to overflow."""
    for a in arrays:
        if a is None:
            continue
        try:
            x = np.asarray(a, dtype=np.float64)
        except (TypeError, ValueError):
            continue
        ax = np.abs(x[np.isfinite(x)]) if x.size else x
        if ax.size and ((ax > 300).any() or (tiny and ((ax > 0) & (ax < 1e-250)).any())):
            return True
    return False


def _consistent(d: Decoder, n_segments: int) -> tuple[np.ndarray, np.ndarray]:
    """Valid ragged log-probabilities with exactly ``n_segments`` segments (values finite, <= 0)."""
    if n_segments and d.chance(80):  # no empty segment
        lens = [d.int(1, 4) for _ in range(n_segments)]
        n = sum(lens)
        off = np.concatenate(([0], np.cumsum(lens))).astype(np.int64)
    else:
        n = d.size(24)
        off = d.offsets(n, n_segments, bad=0) if n_segments else np.zeros(1, np.int64)
    v = -np.abs(np.nan_to_num(d.floats(n), nan=0.0, posinf=0.0, neginf=0.0))
    return v, off


def _logprobs(d: Decoder) -> tuple[object, object]:
    """Ragged log-probabilities: mostly <= 0 (what the MIA scores accept), sometimes anything."""
    v, o = _values(d)
    if isinstance(v, np.ndarray) and v.dtype.kind == "f" and d.chance(85):
        v = -np.abs(v)
    return v, o


@target("segment_reduce", area="logprob", covers=["seenit.segment_reduce"])
def fuzz_segment_reduce(d: Decoder) -> None:
    """segment_reduce: every op equals the reference (NaN rejected, empty segments NaN/0)."""
    v, o = _values(d)
    op, k = d.choice(OPS), d.float(0.01, 1, wild=15)
    r = thread_invariant(lambda: call(seenit.segment_reduce, v, o, op, k=k))
    if isinstance(v, np.ndarray) and isinstance(o, np.ndarray) and o.dtype.kind in "iu" and not _inexact(v):
        with np.errstate(all="ignore"):
            ref = ref_lp.segment_reduce(v, o.astype(np.int64), op, k)
        check(np.allclose(r, ref, rtol=1e-6, atol=1e-9, equal_nan=True), f"segment_reduce {op} != reference")


def _inexact(v: np.ndarray) -> bool:
    """Sums of huge or mixed-infinity values differ in rounding / inf - inf; not compared."""
    w = np.abs(v.astype(np.float64))
    return bool(np.isinf(w).any() or (w.size and w.max() > 1e200))


@target("segment_quantiles", area="logprob", covers=["seenit.segment_quantiles"])
def fuzz_segment_quantiles(d: Decoder) -> None:
    """segment_quantiles equal numpy's linear quantiles per segment."""
    v, o = _values(d)
    q = d.float(0, 1, wild=10) if d.bool() else [d.float(0, 1, wild=10) for _ in range(d.size(4))]
    r = thread_invariant(lambda: call(seenit.segment_quantiles, v, o, q))
    if isinstance(v, np.ndarray) and isinstance(o, np.ndarray) and o.dtype.kind in "iu" and not _inexact(v):
        ref = ref_lp.segment_quantiles(v, o.astype(np.int64), q)
        check(np.allclose(r, ref, rtol=1e-9, atol=1e-12, equal_nan=True), "segment_quantiles != reference")


@target("mink", area="logprob", covers=["seenit.mink", "seenit.perplexity"])
def fuzz_mink(d: Decoder) -> None:
    """mink and perplexity of ragged log-probs."""
    v, o = _logprobs(d)
    r = call(seenit.mink, v, o, d.float(0.01, 1, wild=15))
    check(r.shape == (len(o) - 1,), "mink shape")
    call(seenit.perplexity, v, o)


@target("minkpp", area="logprob", covers=["seenit.minkpp"])
def fuzz_minkpp(d: Decoder) -> None:
    """minkpp with mu/sigma of matching or mismatched lengths (sigma 0 included)."""
    v, o = _logprobs(d)
    n = len(v) if hasattr(v, "__len__") else 0
    mu = d.array((n if d.chance(90) else d.size(8),), np.float64, bad=10)
    sigma = d.array((n,), np.float64, bad=10)
    if isinstance(sigma, np.ndarray) and sigma.dtype.kind == "f" and d.chance(80):
        sigma = np.abs(sigma)
    if known("mia-overflow-warnings") and _z_overflows(v, mu, sigma):
        skip()
    r = call(seenit.minkpp, v, mu, sigma, o, d.float(0.01, 1, wild=15))
    check(r.shape == (len(o) - 1,), "minkpp shape")


@target("zlib_ratio", area="logprob", covers=["seenit.zlib_ratio"])
def fuzz_zlib_ratio(d: Decoder) -> None:
    """zlib_ratio with texts (lone surrogates, empty) per document."""
    v, o = _logprobs(d)
    n = len(o) - 1 if hasattr(o, "__len__") else 0
    texts = d.texts(n, 30, min_n=n) if d.chance(90) else d.docs(5, 20)
    call(seenit.zlib_ratio, v, o, texts)


@target("dcpdd", area="logprob", covers=["seenit.dcpdd"])
def fuzz_dcpdd(d: Decoder) -> None:
    """dcpdd with token ids beyond the frequency table, zero frequencies, any a."""
    v, o = _logprobs(d)
    n = len(v) if hasattr(v, "__len__") else 0
    vocab = d.size(10, 1)
    ids = d.int_array((n,), 0, vocab - 1, np.int64, bad=10, wild=8)
    freq = d.int_array((vocab,), 0, 5, np.int64, bad=10, wild=5) if d.chance(70) else d.array((vocab,), np.float64, bad=10)
    r = call(seenit.dcpdd, v, ids, o, freq, a=d.float(0, 1, wild=15))
    empty = np.diff(np.asarray(o)) == 0  # an empty document scores NaN, as loss / perplexity do
    check(not np.isnan(r[~empty]).any() or _has_nan(v), f"dcpdd returned NaN for a non-empty document: {r}")


@target("mia_scores", area="logprob", covers=["seenit.mia_scores"])
def fuzz_mia_scores(d: Decoder) -> None:
    """mia_scores with any subset of the optional inputs (mismatched lengths included)."""
    v, o = _logprobs(d)
    n_tok = len(v) if hasattr(v, "__len__") else 0
    n = len(o) - 1 if hasattr(o, "__len__") else 0
    kw: dict = {}
    if d.bool():
        kw["mu"], kw["sigma"] = d.array((n_tok,), np.float64, bad=5), np.abs(d.array((n_tok,), np.float64, bad=0))
        if known("mia-overflow-warnings") and _z_overflows(v, kw["mu"], kw["sigma"]):
            skip()
    if d.bool():
        kw["texts"] = d.texts(n, 20, min_n=n)
    if d.chance(30):
        kw["ref_logprobs"], kw["ref_offsets"] = _consistent(d, n)
    if d.chance(30):
        kw["lowercase_logprobs"], kw["lowercase_offsets"] = _consistent(d, n)
    if d.chance(30):
        kw["token_ids"] = d.int_array((n_tok,), 0, 5, np.int64, bad=5)  # noqa: E501
        kw["token_freq"] = d.int_array((6,), 0, 5, np.int64, bad=5)
    if d.chance(20):  # ReCaLL / Con-ReCall: log-probs of the same documents after a prefix
        kw["nonmember_prefix_logprobs"], kw["nonmember_prefix_offsets"] = _consistent(d, n)
        if d.bool():
            kw["member_prefix_logprobs"], kw["member_prefix_offsets"] = _consistent(d, n)
            kw["con_recall_gamma"] = d.float(0, 2, wild=10)
    if d.chance(30):
        kw["ks"] = d.float(0.01, 1, wild=15) if d.bool() else [d.float(0.01, 1, wild=10) for _ in range(d.size(3))]
    if known("mia-overflow-warnings") and _big(v, kw.get("ref_logprobs"), kw.get("lowercase_logprobs"),
                                               kw.get("nonmember_prefix_logprobs"), kw.get("member_prefix_logprobs"),
                                               tiny=True):
        skip()  # ratios of means (zlib, ref_ratio, lowercase) overflow
    r = call(seenit.mia_scores, v, o, **kw)
    for key, val in r.items():
        check(np.shape(val) == (n,), f"mia_scores[{key!r}] shape {np.shape(val)}")


@target("perplexity_filter", area="logprob", covers=["seenit.perplexity_filter"])
def fuzz_perplexity_filter(d: Decoder) -> None:
    """perplexity_filter with keep or threshold (both / neither / NaN)."""
    p = d.array((d.size(12),), np.float64)
    keep = d.float(0, 1, wild=15) if d.bool() else None
    thr = d.float(0, 100, wild=15) if d.bool() else None
    m = call(seenit.perplexity_filter, p, keep=keep, threshold=thr)
    check(m.dtype == bool and m.shape == np.shape(p), "perplexity_filter mask")


@target("surprisal_probes", area="logprob", covers=["seenit.surprisal_probes"])
def fuzz_surprisal_probes(d: Decoder) -> None:
    """surprisal_probes with token ids and a decode callable."""
    v, o = _logprobs(d)
    n_tok = len(v) if hasattr(v, "__len__") else 0
    ids = d.int_array((n_tok,), 0, 50, np.int64, bad=10) if d.bool() else None
    decode = (lambda t: " ".join(map(str, t))) if d.bool() else None
    call(seenit.surprisal_probes, v, o, top=d.small_int(1, 4), window=d.small_int(0, 4), token_ids=ids, decode=decode)


@target("truth_ratio", area="logprob", covers=["seenit.truth_ratio", "seenit.truth_ratio_summary"])
def fuzz_truth_ratio(d: Decoder) -> None:
    """truth_ratio with groups that do not match, then truth_ratio_summary of the ratios."""
    if d.chance(70):  # consistent: one paraphrased answer and >= 1 perturbed answers per question
        n_q = d.size(4, 1)
        pv, po = _consistent(d, n_q)
        per = [d.int(1, 3) for _ in range(n_q)]
        qv, qo = _consistent(d, sum(per))
        groups: object = np.concatenate(([0], np.cumsum(per))).astype(np.int64)
    else:
        pv, po = _logprobs(d)
        qv, qo = _logprobs(d)
        nq = len(qo) - 1 if hasattr(qo, "__len__") else 0
        groups = d.offsets(nq, (len(po) - 1) if hasattr(po, "__len__") else 0)
    if known("mia-overflow-warnings") and (_big(pv, qv) or _has_inf(pv) or _has_inf(qv)):
        skip()
    r = call(seenit.truth_ratio, pv, po, qv, qo, groups)
    ratios = r if d.chance(70) else d.array((d.size(6),), np.float64)
    if known("mia-overflow-warnings") and _subnormal(ratios):
        skip()  # 1 / r overflows for subnormal r (split="forget")
    call(seenit.truth_ratio_summary, ratios, split=d.choice(("retain", "forget")))


def _scores_labels(d: Decoder) -> tuple[object, object]:
    if d.chance(70):  # valid: finite scores (ties included) and both classes
        n = d.size(16, 2)
        with np.errstate(all="ignore"):
            s = d.ints(n, -8, 8, wild=0).astype(np.float64) * d.pick((1.0, 0.25, 1e300, 1e-300))
        y = d.ints(n, 0, 1)
        y[0], y[-1] = 0, 1
        return s, y.astype(d.pick((np.int64, np.bool_, np.float64, np.int8)))
    n = d.size(16)
    s = d.array((n,), np.float64, bad=10)
    y = d.int_array((n if d.chance(90) else d.size(16),), 0, 1, d.pick((np.int64, np.bool_, np.float64)), bad=10, wild=5)
    return s, y


@target("auroc", area="logprob", covers=["seenit.auroc", "seenit.roc_curve"])
def fuzz_auroc(d: Decoder) -> None:
    """auroc in [0, 1] and equal to the reference; roc_curve monotone."""
    s, y = _scores_labels(d)
    a = call(seenit.auroc, s, y)
    check(0.0 <= a <= 1.0, f"auroc {a}")
    check(abs(a - ref_lp.auroc(np.asarray(s, dtype=np.float64), np.asarray(y).astype(bool))) < 1e-9, "auroc != reference")
    fpr, tpr, _ = call(seenit.roc_curve, s, y)
    check(np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0), "roc_curve not monotone")


@target("tpr_at_fpr", area="logprob", covers=["seenit.tpr_at_fpr"])
def fuzz_tpr_at_fpr(d: Decoder) -> None:
    """tpr_at_fpr at one or several FPRs (out of [0, 1] included)."""
    s, y = _scores_labels(d)
    fpr = d.float(0, 1, wild=15) if d.bool() else [d.float(0, 1, wild=10) for _ in range(d.size(3))]
    r = call(seenit.tpr_at_fpr, s, y, fpr)
    check(np.all((np.asarray(r) >= 0) & (np.asarray(r) <= 1)), f"tpr {r}")


@target("bootstrap", area="logprob", covers=["seenit.bootstrap"])
def fuzz_bootstrap(d: Decoder) -> None:
    """bootstrap of auroc / tpr_at_fpr with any n_bootstrap, ci and seed."""
    s, y = _scores_labels(d)
    metric = d.pick((seenit.auroc, seenit.tpr_at_fpr))
    nb = d.small_int(1, 20, wild=5)
    if nb > 1000:
        skip()  # work proportional to n_bootstrap by design
    kw = {"fpr": [0.1, 0.5]} if metric is seenit.tpr_at_fpr and d.bool() else {}
    call(seenit.bootstrap, metric, s, y, n_bootstrap=nb, ci=d.float(0, 1, wild=15), seed=d.small_int(0, 5), **kw)


@target("cartography", area="logprob", covers=["seenit.cartography"])
def fuzz_cartography(d: Decoder) -> None:
    """cartography of (epochs, examples) probabilities, with or without correctness flags."""
    shape = (d.size(5), d.size(10))
    p = d.array(shape, np.float64, bad=15)
    correct = d.int_array(shape if d.chance(90) else (d.size(5), d.size(10)), 0, 1, np.bool_, bad=10, wild=0) if d.bool() else None
    r = call(seenit.cartography, p, correct, ambiguous_fraction=d.float(0, 1, wild=15))
    check(len(r.confidence) == shape[1] if hasattr(r, "confidence") else True, "cartography: one value per example")


# ---------------------------------------------------------------------- _core


@target("core.logprob_token_stats", area="logprob", covers=["_core.logprob_token_stats", "_core.logprob_simd_available"])
def fuzz_core_logprob_token_stats(d: Decoder) -> None:
    """_core.logprob_token_stats with raw logits, kinds that do not match the dtype, any flag bits."""
    x, kind = _logits(d, bad=25)
    if isinstance(x, np.ndarray) and x.ndim > 2:
        x = x.reshape(-1, x.shape[-1])
    rows = np.shape(x)[0] if np.ndim(x) else 0
    V = np.shape(x)[-1] if np.ndim(x) else 1
    t = d.int_array((rows if d.chance(90) else d.size(6),), 0, max(V - 1, 0), np.int64, bad=10, wild=8)
    kind = kind if d.chance(85) else d.choice(("f32", "f16", "bf16"), 30)
    temp, which = d.float(0.1, 4, wild=15), d.small_int(0, 31)
    simd = d.bool() and call(_core.logprob_simd_available)
    thread_invariant(lambda: call(_core.logprob_token_stats, x, t, kind, temp, which, simd))


@target("core.segment_reduce", area="logprob", covers=["_core.segment_reduce"])
def fuzz_core_segment_reduce(d: Decoder) -> None:
    """_core.segment_reduce with raw offsets (not validated in Python) and any op / k."""
    v, o = _values(d)
    op, k = d.choice(OPS, 10), d.float(0, 1, wild=20)
    thread_invariant(lambda: call(_core.segment_reduce, v, o, op, k))


@target("core.segment_quantiles", area="logprob", covers=["_core.segment_quantiles"])
def fuzz_core_segment_quantiles(d: Decoder) -> None:
    """_core.segment_quantiles with raw offsets and q outside [0, 1] / NaN."""
    v, o = _values(d)
    q = d.array((d.size(4),), np.float64, bad=10)
    thread_invariant(lambda: call(_core.segment_quantiles, v, o, q))
