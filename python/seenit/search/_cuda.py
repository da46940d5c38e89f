"""seenit.topk(device="cuda"): scores by CuPy GEMM (cuBLAS), selection by seenit's own
kernel (cuda/topk.cu, any k), database streamed to the GPU in blocks.

The GPU answer is the exact top-k of the float32 scores cuBLAS computes (ties: smaller
id); those scores can differ from the CPU kernel's in the last bits, like any two
float32 GEMMs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import gpu

_THREADS = 256


def _orderable_sort(cp: Any, keys: Any, ids: Any) -> tuple[Any, Any]:
    """Sort each row by key descending, then id ascending (ids in a row are distinct, so
    one argsort of a distinct 64-bit composite does it, stable or not)."""
    rows = cp.arange(keys.shape[0])[:, None]
    id_rank = cp.argsort(cp.argsort(ids, axis=1), axis=1).astype(cp.uint64)
    b = keys.view(cp.uint32)
    u = cp.where(b & cp.uint32(0x80000000), ~b, b | cp.uint32(0x80000000)).astype(cp.uint64)
    comp = ((cp.uint64(0xFFFFFFFF) - u) << cp.uint64(32)) | id_rank
    order = cp.argsort(comp, axis=1)
    return keys[rows, order], ids[rows, order]


def _block_keys(cp: Any, q: Any, qaux: Any, xb: Any, metric: str) -> Any:
    s = q @ xb.T
    if metric == "ip":
        return s
    xx = (xb * xb).sum(axis=1)
    if metric == "cosine":
        inv = cp.where(xx > 0, 1.0 / cp.sqrt(xx), 0.0).astype(cp.float32)
        return s * inv[None, :]
    return -cp.maximum((qaux[:, None] + xx[None, :]) - 2.0 * s, 0.0)


def topk_cuda(q: np.ndarray, db: np.ndarray, k: int, metric: str, block_rows: int = 1 << 18) -> tuple[np.ndarray, np.ndarray]:
    cp = gpu.require()
    mod = gpu.module("topk")
    select = mod.get_function("seenit_topk_select")
    nq, n = q.shape[0], db.shape[0]
    kk = min(k, n)
    qd = cp.asarray(q, dtype=cp.float32)
    qaux = None
    if metric == "cosine":
        nrm = cp.sqrt((qd * qd).sum(axis=1, keepdims=True))
        qd = cp.where(nrm > 0, qd / cp.where(nrm > 0, nrm, 1), 0).astype(cp.float32)
    elif metric == "l2":
        qaux = (qd * qd).sum(axis=1)
    best_k = best_i = None
    for r0 in range(0, n, block_rows):
        xb = db[r0 : r0 + block_rows]
        if xb.dtype == np.uint16:
            xb = (xb.astype(np.uint32) << 16).view(np.float32)
        xg = cp.asarray(np.ascontiguousarray(xb), dtype=cp.float32)
        keys = cp.ascontiguousarray(_block_keys(cp, qd, qaux, xg, metric).astype(cp.float32))
        m = keys.shape[1]
        kb = min(kk, m)
        ok = cp.empty((nq, kb), cp.float32)
        oi = cp.empty((nq, kb), cp.int64)
        select((nq,), (_THREADS,), (keys, np.uint64(0), np.int64(m), np.int64(m), np.int32(kb), np.int64(r0), ok, oi))
        ok, oi = _orderable_sort(cp, ok, oi)
        if best_k is None:
            best_k, best_i = ok, oi
            continue
        # merge: previous (sorted, smaller ids) followed by this block's candidates
        ck = cp.ascontiguousarray(cp.concatenate([best_k, ok], axis=1))
        ci = cp.ascontiguousarray(cp.concatenate([best_i, oi], axis=1))
        mk = min(kk, ck.shape[1])
        nk = cp.empty((nq, mk), cp.float32)
        ni = cp.empty((nq, mk), cp.int64)
        select((nq,), (_THREADS,), (ck, ci, np.int64(ck.shape[1]), np.int64(ck.shape[1]), np.int32(mk), np.int64(0), nk, ni))
        best_k, best_i = _orderable_sort(cp, nk, ni)
    scores = cp.asnumpy(best_k)
    if metric == "l2":
        scores = 0.0 - scores
    return np.ascontiguousarray(scores, dtype=np.float32), np.ascontiguousarray(cp.asnumpy(best_i), dtype=np.int64)
