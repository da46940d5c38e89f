"""Fused per-token statistics of logits and ragged segment reductions.

``token_stats`` reads each row of a ``(..., V)`` logits array once from memory (a few
passes over the row while it stays in cache: max, sums of exponentials, moments; see
cpp/include/seenit/logprob.hpp) and returns, per position, log p(target),
the entropy, mu = E_p[log p], sigma = std_p[log p] and the target's rank. It never builds a
``(..., V)`` temporary, so memory stays bounded for any batch. ``segment_reduce`` and
``segment_quantiles`` aggregate per-token values over documents given as ``(values, offsets)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import _core
from .._validate import as_contig, check_offsets

STATS = ("logprob", "entropy", "mu", "sigma", "rank")
_FLAGS = {"logprob": 1, "entropy": 2, "mu": 4, "sigma": 8, "rank": 16}
SEGMENT_OPS = ("sum", "mean", "min", "max", "count", "min_k", "max_k")


@dataclass(frozen=True)
class TokenStats:
    """Per-position statistics, each of the targets' shape (None when not requested).

    - ``logprob``: log p(target) under softmax(logits / temperature)
    - ``entropy``: -sum_z p(z) log p(z)
    - ``mu``: E_{z~p}[log p(z)] (= -entropy), the Min-K%++ mean
    - ``sigma``: sqrt(E_{z~p}[(log p(z))^2] - mu^2), the Min-K%++ scale
    - ``rank``: number of logits strictly greater than the target's (0 = argmax; tokens tied
      with the target do not count, so tied tokens share the best rank)
    """

    logprob: npt.NDArray[np.float64] | None = None
    entropy: npt.NDArray[np.float64] | None = None
    mu: npt.NDArray[np.float64] | None = None
    sigma: npt.NDArray[np.float64] | None = None
    rank: npt.NDArray[np.int64] | None = None


def _logits_kind(logits: Any) -> tuple[np.ndarray, str]:
    """A NumPy view of CPU logits and its kind: 'f32', 'f16' or 'bf16' (uint16 bits)."""
    mod = type(logits).__module__
    if mod.startswith("torch"):
        import torch

        if logits.device.type != "cpu":
            raise ValueError(f"logits is a torch tensor on {logits.device}; pass device='cuda' for GPU tensors")
        t = logits.detach()
        if t.dtype == torch.bfloat16:
            return t.contiguous().view(torch.int16).numpy().view(np.uint16), "bf16"
        logits = t.contiguous().numpy()
    a = np.asarray(logits)
    if a.dtype == np.float32:
        return a, "f32"
    if a.dtype == np.float16:
        return a, "f16"
    if a.dtype == np.uint16 or a.dtype.name == "bfloat16":  # bf16 bits (e.g. ml_dtypes.bfloat16)
        return a.view(np.uint16), "bf16"
    if a.dtype == np.float64:
        raise TypeError("logits is float64; cast to float32 (logits.astype(np.float32)) — the kernel reads float32, "
                        "float16 or bfloat16 (as a uint16 view)")
    raise TypeError(f"logits must be float32, float16 or bfloat16 given as uint16 bits, got {a.dtype}")


def _check_stats(stats: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(stats, str):
        stats = (stats,)
    stats = tuple(stats)
    if not stats:
        raise ValueError("stats must name at least one of " + ", ".join(STATS))
    for s in stats:
        if s not in _FLAGS:
            raise ValueError(f"stats: unknown statistic {s!r}; choose from {', '.join(STATS)}")
    return stats


MIN_TEMPERATURE = 1e-30  # the native kMinTemperature / kMaxTemperature (seenit/logprob.hpp)
MAX_TEMPERATURE = 1e30


def _check_temperature(temperature: float) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating, np.integer)):
        raise TypeError(f"temperature must be a number, got {type(temperature).__name__}")
    t = float(temperature)
    # 1/T must be a normal float32 (the SIMD path scales by it in float32): outside this range
    # the SIMD and portable paths disagreed (NaN vs finite values)
    if not (MIN_TEMPERATURE <= t <= MAX_TEMPERATURE):
        raise ValueError(f"temperature must be a finite number > 0 in [{MIN_TEMPERATURE:g}, {MAX_TEMPERATURE:g}], got {temperature}")
    return t


def token_stats(
    logits: Any,
    targets: Any,
    *,
    stats: Sequence[str] | str = STATS,
    temperature: float = 1.0,
    device: str = "cpu",
    simd: bool = True,
) -> TokenStats:
    """Per-position log p(target), entropy, mu, sigma and rank of ``logits`` (shape ``(..., V)``).

    ``logits``: float32, float16, or bfloat16 given as a uint16 view (``x.view(np.uint16)``, or a
    torch bfloat16 tensor); C-contiguous input is read in place, without copies. ``targets``:
    integer ids of shape ``logits.shape[:-1]``, each in ``[0, V)``. Logits may be ``-inf``
    (probability 0); NaN, ``+inf`` or a row of only ``-inf`` raise ValueError and nothing is returned.
    ``device="cuda"`` runs the CUDA kernel on CuPy arrays or torch CUDA tensors (via DLPack, no copies).
    ``simd=False`` forces the portable C++ path (for testing). Results never depend on the thread count.
    """
    from ..gpu import check_device

    check_device(device)
    names = _check_stats(stats)
    temperature = _check_temperature(temperature)
    if device == "cuda":
        from ._cuda import token_stats_cuda

        vals = token_stats_cuda(logits, targets, names, temperature)
        return TokenStats(**{s: vals.get(s) for s in STATS})
    arr, kind = _logits_kind(logits)
    if arr.ndim < 1:
        raise ValueError("logits must have at least one axis (the vocabulary), got a scalar")
    V = arr.shape[-1]
    if V < 1:
        raise ValueError(f"logits must have a vocabulary axis of size >= 1, got shape {arr.shape}")
    tg = np.asarray(targets)
    if tg.dtype.kind not in "iu":
        raise TypeError(f"targets must hold integer token ids, got {tg.dtype}")
    if tg.shape != arr.shape[:-1]:
        raise ValueError(f"targets has shape {tg.shape} but logits has shape {arr.shape}; targets must have shape "
                         f"logits.shape[:-1] = {arr.shape[:-1]}")
    if tg.size and (int(tg.min()) < 0 or int(tg.max()) >= V):
        bad = int(np.flatnonzero((tg.reshape(-1) < 0) | (tg.reshape(-1) >= V))[0])
        raise ValueError(f"targets must be token ids in [0, {V}) (the vocabulary size of logits); "
                         f"flat index {bad} holds {int(tg.reshape(-1)[bad])}")
    rows = arr.reshape(-1, V) if arr.flags.c_contiguous else np.ascontiguousarray(arr).reshape(-1, V)
    t64 = np.ascontiguousarray(tg.reshape(-1), dtype=np.int64)
    which = sum(_FLAGS[s] for s in names)
    out = _core.logprob_token_stats(rows, t64, kind, temperature, which, simd)
    shape = tg.shape
    vals = {name: (None if o is None else o.reshape(shape)) for name, o in zip(STATS, out)}
    return TokenStats(**vals)


def _values_offsets(values: Any, offsets: Any) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(values)
    if v.dtype not in (np.float32, np.float64):
        v = as_contig(v, np.float64, 1, "values")
    else:
        v = as_contig(v, v.dtype, 1, "values")
    o = as_contig(offsets, np.int64, 1, "offsets")
    check_offsets(o, v.size)
    return v, o


def check_fraction(k: Any, name: str = "k") -> float:
    if isinstance(k, bool) or not isinstance(k, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number in (0, 1], got {type(k).__name__}")
    kf = float(k)
    if not (0 < kf <= 1):
        raise ValueError(f"{name} must be a fraction in (0, 1], got {k}")
    return kf


def segment_reduce(values: Any, offsets: Any, op: str, *, k: float = 1.0, device: str = "cpu") -> npt.NDArray[np.float64]:
    """Reduce each segment ``values[offsets[i]:offsets[i+1]]``; returns float64 of length ``len(offsets) - 1``.

    ``op``: ``sum`` (0 when empty), ``mean``, ``min``, ``max``, ``count``, ``min_k`` / ``max_k`` (the mean
    of the lowest / highest ``max(1, floor(k * len))`` values, ``k`` in (0, 1]). Empty segments give NaN
    except for ``sum`` and ``count``. NaN in ``values`` raises ValueError naming the segment.
    ``device="cuda"`` takes CuPy arrays / torch CUDA tensors and returns a CuPy array.
    """
    from ..gpu import check_device

    check_device(device)
    if op not in SEGMENT_OPS:
        raise ValueError(f"op must be one of {', '.join(SEGMENT_OPS)}; got {op!r}")
    kf = check_fraction(k) if op in ("min_k", "max_k") else 1.0
    if device == "cuda":
        from ._cuda import segment_reduce_cuda

        return segment_reduce_cuda(values, offsets, op, kf)
    v, o = _values_offsets(values, offsets)
    return _core.segment_reduce(v, o, op, kf)


def segment_quantiles(
    values: Any, offsets: Any, q: float | Sequence[float], *, device: str = "cpu"
) -> npt.NDArray[np.float64]:
    """Quantiles of each segment, linear interpolation (NumPy's default); shape ``(n, len(q))``, NaN rows
    for empty segments."""
    qa = np.atleast_1d(np.asarray(q, dtype=np.float64))
    if qa.ndim != 1 or qa.size == 0:
        raise ValueError(f"q must be a number or a non-empty 1-D sequence, got shape {np.shape(q)}")
    if not np.all((qa >= 0) & (qa <= 1)):
        raise ValueError(f"q must be in [0, 1], got {qa.tolist()}")
    from ..gpu import check_device

    if check_device(device) == "cuda":
        from ._cuda import segment_quantiles_cuda

        return segment_quantiles_cuda(values, offsets, qa)
    v, o = _values_offsets(values, offsets)
    return _core.segment_quantiles(v, o, np.ascontiguousarray(qa))
