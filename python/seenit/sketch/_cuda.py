"""device="cuda" for seenit.minhash (scheme "fast"): cuda/minhash.cu through CuPy."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .. import _core, gpu


def minhash_fast_cuda(values: np.ndarray, offsets: np.ndarray, *, num_perm: int,
                      seed: int) -> npt.NDArray[np.uint32]:
    """Fast-scheme signatures on the GPU from host-hashed shingles (ragged uint64)."""
    cp = gpu.require()
    n = int(offsets.size) - 1
    if n == 0:
        return np.empty((0, num_perm), dtype=np.uint32)
    kernel = gpu.module("minhash").get_function("seenit_minhash_fast")
    a, b = _core.minhash_fast_params(num_perm, seed)
    d_values = cp.asarray(values if values.size else np.zeros(1, np.uint64))
    d_offsets = cp.asarray(offsets)
    out = cp.empty((n, num_perm), dtype=cp.uint32)
    threads = min(256, max(32, -(-num_perm // 32) * 32))
    blocks = min(n, 65535 * 16)
    kernel((blocks,), (threads,), (d_values, d_offsets, np.int64(n), cp.asarray(a), cp.asarray(b),
                                   np.int32(num_perm), out))
    return cp.asnumpy(out)
