"""Suffix arrays and LCP arrays of byte or token-id arrays (C++ core, GIL released).

``suffix_array`` uses SA-IS (linear time, both cores for the parallel phases);
``lcp_array`` uses the Phi (permuted LCP) method in parallel blocks. Results do
not depend on the thread count.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .. import _core

_TEXT_DTYPES = (np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.uint32))
_INDEX_DTYPES = (np.dtype(np.int32), np.dtype(np.int64))


def _check_text(a: Any, name: str = "a") -> np.ndarray:
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array of uint8, uint16 or uint32, got {type(a).__name__}")
    if a.dtype not in _TEXT_DTYPES:
        raise TypeError(f"{name} must have dtype uint8, uint16 or uint32, got {a.dtype}")
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {a.shape}")
    return np.ascontiguousarray(a)  # copies only a non-contiguous view


def suffix_array(a: npt.NDArray[np.unsignedinteger[Any]]) -> npt.NDArray[np.signedinteger[Any]]:
    """Suffix array of ``a`` (1-D uint8, uint16 or uint32): the start positions of
    all suffixes in lexicographic order, comparing symbols as unsigned integers
    (a shorter suffix that is a prefix of a longer one sorts first).

    The alphabet is ``a.max() + 1``. Returns int32 when ``len(a) < 2**31``, else int64.

    >>> suffix_array(np.frombuffer(b"banana", dtype=np.uint8)).tolist()
    [5, 3, 1, 0, 4, 2]
    """
    a = _check_text(a)
    alphabet = int(a.max()) + 1 if a.size else 1
    return _core.suffix_array(a, alphabet)


def lcp_array(a: npt.NDArray[np.unsignedinteger[Any]], sa: npt.NDArray[np.signedinteger[Any]]) -> npt.NDArray[np.signedinteger[Any]]:
    """LCP array: ``lcp[i]`` is the length of the longest common prefix of the
    suffixes ``sa[i-1]`` and ``sa[i]`` of ``a``; ``lcp[0] = 0``. Same dtype as ``sa``.

    ``sa`` must be the suffix array of ``a`` (int32 or int64, same length). A
    wrong length or an ``sa`` that is not a permutation of ``range(len(a))``
    raises ValueError.

    >>> t = np.frombuffer(b"banana", dtype=np.uint8)
    >>> lcp_array(t, suffix_array(t)).tolist()
    [0, 1, 3, 0, 0, 2]
    """
    a = _check_text(a)
    if not isinstance(sa, np.ndarray):
        raise TypeError(f"sa must be a NumPy array of int32 or int64, got {type(sa).__name__}")
    if sa.dtype not in _INDEX_DTYPES:
        raise TypeError(f"sa must have dtype int32 or int64, got {sa.dtype}")
    if sa.ndim != 1:
        raise ValueError(f"sa must be 1-dimensional, got shape {sa.shape}")
    if sa.shape[0] != a.shape[0]:
        raise ValueError(f"sa must have the length of a ({a.shape[0]}), got {sa.shape[0]}")
    return _core.lcp_array(a, np.ascontiguousarray(sa))
