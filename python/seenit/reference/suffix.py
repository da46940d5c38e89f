"""Naive suffix array and LCP array: the specification the SA-IS and Phi kernels
are tested against. Quadratic-ish; for short inputs only."""

from __future__ import annotations

import numpy as np


def suffix_array(a: np.ndarray) -> np.ndarray:
    """Sort all suffixes of ``a`` as tuples of unsigned symbols (a proper prefix sorts first)."""
    seq = [int(x) for x in a]
    order = sorted(range(len(seq)), key=lambda i: seq[i:])
    return np.asarray(order, dtype=np.int32 if len(seq) < 2**31 else np.int64)


def lcp_array(a: np.ndarray, sa: np.ndarray) -> np.ndarray:
    """lcp[i] = common prefix length of suffixes sa[i-1] and sa[i]; lcp[0] = 0."""
    seq = [int(x) for x in a]
    out = np.zeros(len(sa), dtype=sa.dtype)
    for i in range(1, len(sa)):
        p, q = int(sa[i - 1]), int(sa[i])
        h = 0
        while p + h < len(seq) and q + h < len(seq) and seq[p + h] == seq[q + h]:
            h += 1
        out[i] = h
    return out
