"""device="cuda" backends of token_stats and the segment reductions (cuda/logprob.cu through CuPy).

CuPy arrays are used in place; torch CUDA tensors cross through DLPack without copies (bfloat16
tensors as their int16 bits, since CuPy has no bfloat16 dtype). Results are CuPy arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import gpu

_THREADS = 256


def _as_cupy(x: Any, cp: Any) -> tuple[Any, str | None]:
    """A CuPy view of x (CuPy array or torch CUDA tensor) and, for logits, its kind."""
    kind = None
    if type(x).__module__.startswith("torch"):
        import torch

        if x.device.type != "cuda":
            raise ValueError(f"device='cuda' needs CUDA tensors, got a tensor on {x.device}")
        if x.dtype == torch.bfloat16:
            x, kind = x.contiguous().view(torch.int16), "bf16"
        x = cp.from_dlpack(x)
        if kind == "bf16":
            x = x.view(cp.uint16)
    elif not isinstance(x, cp.ndarray):
        raise TypeError(f"device='cuda' needs CuPy arrays or torch CUDA tensors, got {type(x).__name__}")
    if kind is None:
        kind = {np.dtype(np.float32): "f32", np.dtype(np.float16): "f16", np.dtype(np.uint16): "bf16"}.get(x.dtype)
    return x, kind


#: The kernel's outputs, in the order it writes them.
_OUTPUTS = ("logprob", "entropy", "mu", "sigma", "rank")


def token_stats_cuda(logits: Any, targets: Any, names: tuple[str, ...], temperature: float) -> dict[str, Any]:
    """The statistics in ``names`` as CuPy arrays of shape ``targets.shape`` (TokenStats fields)."""
    cp = gpu.require()
    x, kind = _as_cupy(logits, cp)
    if kind is None:
        raise TypeError(f"logits must be float32, float16 or bfloat16 (uint16 bits), got {x.dtype}")
    t, _ = _as_cupy(targets, cp)
    if x.ndim < 1 or x.shape[-1] < 1:
        raise ValueError(f"logits must have a vocabulary axis of size >= 1, got shape {x.shape}")
    V = int(x.shape[-1])
    if t.dtype.kind not in "iu":
        raise TypeError(f"targets must hold integer token ids, got {t.dtype}")
    if tuple(t.shape) != tuple(x.shape[:-1]):
        raise ValueError(f"targets has shape {tuple(t.shape)} but logits has shape {tuple(x.shape)}; targets must "
                         f"have shape logits.shape[:-1] = {tuple(x.shape[:-1])}")
    t64 = cp.ascontiguousarray(t.reshape(-1), dtype=cp.int64)
    if t64.size and (int(t64.min()) < 0 or int(t64.max()) >= V):
        bad = int(cp.flatnonzero((t64 < 0) | (t64 >= V))[0])
        raise ValueError(f"targets must be token ids in [0, {V}) (the vocabulary size of logits); "
                         f"flat index {bad} holds {int(t64[bad])}")
    rows = cp.ascontiguousarray(x).reshape(-1, V)
    n = rows.shape[0]
    outs = [cp.empty(n, dtype=cp.float64) for _ in range(4)] + [cp.empty(n, dtype=cp.int64)]
    error = cp.array([n, 0], dtype=cp.uint64)
    if n:
        fn = gpu.module("logprob").get_function("seenit_logprob_token_stats")
        fn((n,), (_THREADS,), (rows, np.int32({"f32": 0, "f16": 1, "bf16": 2}[kind]), np.int64(n), np.int64(V), t64,
                               np.float64(1.0 / temperature), np.int32("sigma" in names), *outs, error),
           shared_mem=_THREADS * 8)
        bad_row, code = (int(v) for v in error.get())
        if bad_row < n:
            what = {1: "contains NaN", 2: "contains +inf"}.get(code, "has no finite logit (all -inf)")
            raise ValueError(f"logits row {bad_row} (flattened over the leading axes) {what}; logits must be finite "
                             "or -inf with at least one finite value per row")
    shape = tuple(t.shape)
    return {s: o.reshape(shape) for s, o in zip(_OUTPUTS, outs) if s in names}


def _ragged_cuda(values: Any, offsets: Any, cp: Any) -> tuple[Any, Any]:
    v, _ = _as_cupy(values, cp)
    o, _ = _as_cupy(offsets, cp)
    v = cp.ascontiguousarray(v.reshape(-1), dtype=cp.float64)
    o = cp.ascontiguousarray(o, dtype=cp.int64)
    if o.ndim != 1 or o.size < 1:
        raise ValueError(f"offsets must be a 1-D array of length n + 1 >= 1, got shape {tuple(o.shape)}")
    if int(o[0]) != 0:
        raise ValueError(f"offsets[0] must be 0, got {int(o[0])}")
    if o.size > 1 and bool((cp.diff(o) < 0).any()):
        i = int(cp.argmax(cp.diff(o) < 0)) + 1
        raise ValueError(f"offsets must be non-decreasing: offsets[{i}]={int(o[i])} < offsets[{i - 1}]={int(o[i - 1])}")
    if int(o[-1]) != v.size:
        raise ValueError(f"offsets[-1] must equal the number of values ({v.size}), got {int(o[-1])}")
    return v, o


def _sorted_segments(v: Any, o: Any, cp: Any) -> Any:
    seg = cp.repeat(cp.arange(o.size - 1, dtype=cp.int64), cp.diff(o).get().tolist()) if o.size > 1 else cp.zeros(0, cp.int64)
    order = cp.lexsort(cp.stack([v, seg.astype(cp.float64)]))
    return v[order]


def segment_reduce_cuda(values: Any, offsets: Any, op: str, k: float) -> Any:
    cp = gpu.require()
    v, o = _ragged_cuda(values, offsets, cp)
    n = o.size - 1
    out = cp.empty(n, dtype=cp.float64)
    if n == 0:
        return out
    if bool(cp.isnan(v).any()):
        seg = int(cp.searchsorted(o, cp.flatnonzero(cp.isnan(v))[0], side="right")) - 1
        raise ValueError(f"values contains NaN in segment {seg} (values[{int(o[seg])}:{int(o[seg + 1])}])")
    mod = gpu.module("logprob")
    grid = ((n + _THREADS - 1) // _THREADS,)
    if op in ("min_k", "max_k"):
        fn = mod.get_function("seenit_logprob_segment_topk_mean_sorted")
        fn(grid, (_THREADS,), (_sorted_segments(v, o, cp), o, np.int64(n), np.float64(k), np.int32(op == "min_k"), out))
    else:
        bad = cp.array([n], dtype=cp.uint64)
        fn = mod.get_function("seenit_logprob_segment_reduce")
        code = {"sum": 0, "mean": 1, "min": 2, "max": 3, "count": 4}[op]
        fn(grid, (_THREADS,), (v, o, np.int64(n), np.int32(code), out, bad))
    return out


def segment_quantiles_cuda(values: Any, offsets: Any, q: np.ndarray) -> Any:
    cp = gpu.require()
    v, o = _ragged_cuda(values, offsets, cp)
    n = o.size - 1
    out = cp.empty((n, q.size), dtype=cp.float64)
    if n:
        if bool(cp.isnan(v).any()):
            raise ValueError("values contains NaN")
        fn = gpu.module("logprob").get_function("seenit_logprob_segment_quantiles_sorted")
        fn(((n + _THREADS - 1) // _THREADS,), (_THREADS,),
           (_sorted_segments(v, o, cp), o, np.int64(n), cp.asarray(q), np.int32(q.size), out))
    return out
