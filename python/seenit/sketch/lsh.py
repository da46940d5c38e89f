"""Banded locality-sensitive hashing over MinHash signatures.

``LSH`` indexes signature rows (from :func:`seenit.minhash`) so that rows whose
estimated Jaccard similarity is near or above ``threshold`` land in a shared
bucket. Band keys, bucket grouping (by sort), lookups and candidate pairs are
computed in C++ with the GIL released; results never depend on the thread count.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from .. import _core
from .._validate import INT32_MAX, INT64_MAX, as_contig, check_float, check_int
from .minhash import MAX_NUM_PERM

SIGNATURE_DTYPES = (np.dtype(np.uint32), np.dtype(np.uint64))


class Candidates(NamedTuple):
    """Ragged candidate lists: the candidates of query ``i`` are ``values[offsets[i]:offsets[i + 1]]``."""

    values: npt.NDArray[np.int64]
    offsets: npt.NDArray[np.int64]

    def get(self, i: int) -> npt.NDArray[np.int64]:
        """The candidates of query ``i`` (sorted ascending)."""
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def counts(self) -> npt.NDArray[np.int64]:
        """Number of candidates per query."""
        return np.diff(self.offsets)


def check_threshold(threshold: Any, name: str = "threshold") -> float:
    return check_float(threshold, name, 0.0, 1.0, lo_open=True, hi_open=True)


def check_weights(weights: Any) -> tuple[float, float]:
    try:
        fp, fn = (float(w) for w in weights)
    except (TypeError, ValueError):
        raise TypeError(f"weights must be a pair (false_positive_weight, false_negative_weight), got {weights!r}") from None
    if not (0.0 <= fp <= 1.0 and 0.0 <= fn <= 1.0) or abs(fp + fn - 1.0) > 1e-9:
        raise ValueError(f"weights must be two numbers in [0, 1] that sum to 1, got {weights!r}")
    return fp, fn


@functools.lru_cache(maxsize=256)
def _optimal_params_cached(threshold: float, num_perm: int, fp: float, fn: float) -> tuple[int, int]:
    b, r = _core.lsh_optimal_params(threshold, num_perm, fp, fn)
    return int(b), int(r)


def optimal_params(threshold: float = 0.8, num_perm: int = 128, weights: Sequence[float] = (0.5, 0.5)) -> tuple[int, int]:
    """``(bands, rows)`` minimising ``w_fp * FP + w_fn * FN`` for ``threshold``.

    FP is the integral of the candidate probability ``1 - (1 - s**r)**b`` over
    ``s`` in ``[0, threshold]`` and FN the integral of its complement over
    ``[threshold, 1]``; the search over ``b = 1..num_perm, r = 1..num_perm // b``
    is datasketch's ``MinHashLSH`` one, so the result is the same ``(b, r)``.
    """
    t = check_threshold(threshold)
    k = check_int(num_perm, "num_perm", 1, MAX_NUM_PERM)
    fp, fn = check_weights(weights)
    return _optimal_params_cached(t, k, fp, fn)


def check_signatures(signatures: Any, name: str = "signatures", num_perm: int | None = None) -> np.ndarray:
    """A C-contiguous 2-D uint32/uint64 signature matrix (copied only if not contiguous)."""
    if not isinstance(signatures, np.ndarray):
        raise TypeError(f"{name} must be a 2-D NumPy array of uint32 or uint64 signatures, got {type(signatures).__name__}")
    if signatures.dtype not in SIGNATURE_DTYPES:
        raise TypeError(f"{name} must have dtype uint32 or uint64 (as seenit.minhash returns), got {signatures.dtype}")
    if signatures.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional (n_docs, num_perm), got shape {signatures.shape}")
    if num_perm is not None and signatures.shape[1] != num_perm:
        raise ValueError(f"{name} have {signatures.shape[1]} slots per row but num_perm is {num_perm}")
    return as_contig(signatures, signatures.dtype, 2, name)


class LSH:
    """A banded MinHash LSH index (the datasketch ``MinHashLSH`` model, batched).

    Args:
        threshold: Jaccard similarity the banding is tuned for, in (0, 1).
        num_perm: width of the signatures to index.
        weights: ``(false_positive_weight, false_negative_weight)`` for the
            parameter search; must sum to 1.
        params: ``(bands, rows)`` with ``bands * rows <= num_perm`` to skip the search.

    Keys are int64 labels; by default the insertion index (0, 1, 2, ...). Rows
    that are the empty signature (every slot at the dtype maximum, i.e. empty
    documents) are counted but never become candidates.

    One object may be used from several threads: ``insert`` (key bookkeeping and the
    native insert), ``query``, ``buckets`` and ``candidate_pairs`` each run under one
    lock, so every call sees the index between two whole inserts (each native call
    still uses every core).
    """

    def __init__(
        self,
        threshold: float = 0.8,
        num_perm: int = 128,
        weights: Sequence[float] = (0.5, 0.5),
        params: tuple[int, int] | None = None,
    ) -> None:
        self.num_perm = check_int(num_perm, "num_perm", 1, MAX_NUM_PERM)
        self.threshold = check_threshold(threshold)
        self.weights = check_weights(weights)
        if params is None:
            b, r = _optimal_params_cached(self.threshold, self.num_perm, *self.weights)
        else:
            try:
                b, r = params
            except (TypeError, ValueError):
                raise TypeError(f"params must be a pair (bands, rows), got {params!r}") from None
            b = check_int(b, "params[0] (bands)", 1, INT32_MAX)
            r = check_int(r, "params[1] (rows)", 1, INT32_MAX)
            if b * r > self.num_perm:
                raise ValueError(f"params (bands={b}, rows={r}) need bands * rows = {b * r} <= num_perm = {self.num_perm}")
        self._index = _core.LSHIndex(b, r)
        self._lock = threading.RLock()
        self._dtype: np.dtype | None = None
        self._key_chunks: list[np.ndarray] = []
        self._custom_keys = False
        self._sorted_keys: np.ndarray | None = None  # only kept once custom keys are used

    @property
    def bands(self) -> int:
        return int(self._index.bands)

    @property
    def rows(self) -> int:
        return int(self._index.rows)

    def __len__(self) -> int:
        return int(self._index.size)

    def __repr__(self) -> str:
        return f"LSH(threshold={self.threshold}, num_perm={self.num_perm}, bands={self.bands}, rows={self.rows}, size={len(self)})"

    @property
    def keys(self) -> npt.NDArray[np.int64]:
        """The key of every inserted row, in insertion order."""
        with self._lock:
            if not self._key_chunks:
                return np.arange(len(self), dtype=np.int64)
            if len(self._key_chunks) > 1:
                self._key_chunks = [np.concatenate(self._key_chunks)]
            return self._key_chunks[0]

    def _check_dtype(self, sig: np.ndarray, name: str) -> None:
        if self._dtype is not None and sig.dtype != self._dtype:
            raise TypeError(f"{name} have dtype {sig.dtype} but the index holds {self._dtype} signatures")

    def insert(self, signatures: npt.NDArray[np.unsignedinteger], keys: Any = None) -> None:
        """Index the rows of ``signatures`` (n, num_perm), with optional int64 ``keys`` (unique)."""
        sig = check_signatures(signatures, "signatures", self.num_perm)
        with self._lock:
            self._insert(sig, keys)

    def _insert(self, sig: np.ndarray, keys: Any) -> None:
        self._check_dtype(sig, "signatures")
        n0, m = len(self), sig.shape[0]
        if keys is None:
            new_keys = np.arange(n0, n0 + m, dtype=np.int64)
            if self._custom_keys:
                self._check_new_keys(new_keys)
        else:
            new_keys = as_contig(keys, np.int64, 1, "keys")
            if new_keys.shape[0] != m:
                raise ValueError(f"keys has {new_keys.shape[0]} entries but signatures has {m} rows")
            if not self._custom_keys:
                self._custom_keys = True
                self._sorted_keys = np.arange(n0, dtype=np.int64)
                self._key_chunks = [self._sorted_keys.copy()]
            self._check_new_keys(new_keys)
        try:
            self._index.insert(sig)
        except BaseException:
            if self._key_chunks and self._key_chunks[-1] is new_keys:  # keep keys and rows in step
                self._key_chunks.pop()
                self._sorted_keys = self._sorted_keys[~np.isin(self._sorted_keys, new_keys)] \
                    if self._sorted_keys is not None else None
            raise
        self._dtype = sig.dtype

    def _check_new_keys(self, new_keys: np.ndarray) -> None:
        srt = np.sort(new_keys)
        if srt.size > 1 and (dup := np.flatnonzero(srt[1:] == srt[:-1])).size:
            raise ValueError(f"keys must be unique; {int(srt[dup[0]])} appears more than once")
        old = self._sorted_keys if self._sorted_keys is not None else np.empty(0, np.int64)
        if old.size:
            hit = old[np.minimum(np.searchsorted(old, srt), old.size - 1)] == srt
            if hit.any():
                raise ValueError(f"key {int(srt[np.argmax(hit)])} is already in the index")
        self._sorted_keys = np.sort(np.concatenate([old, srt]))
        self._key_chunks.append(new_keys)

    def query(self, signatures: npt.NDArray[np.unsignedinteger]) -> Candidates:
        """Keys of the indexed rows sharing a band with each query row, as ragged :class:`Candidates`."""
        sig = check_signatures(signatures, "signatures", self.num_perm)
        with self._lock:
            self._check_dtype(sig, "signatures")
            values, offsets = self._index.query(sig)
            keys = self.keys if self._key_chunks else None
        if keys is not None:
            # map internal ids to keys, keeping each list sorted by key
            seg = np.repeat(np.arange(offsets.size - 1), np.diff(offsets))
            mapped = keys[values]
            values = np.ascontiguousarray(mapped[np.lexsort((mapped, seg))])
        return Candidates(values, offsets)

    def buckets(self, min_size: int = 2) -> Candidates:
        """Every bucket with >= ``min_size`` members, band by band, as internal row ids."""
        check_int(min_size, "min_size", 1, INT64_MAX)
        with self._lock:
            values, offsets = self._index.buckets(min_size)
        return Candidates(values, offsets)

    def candidate_pairs(self, max_pairs: int | None = None) -> npt.NDArray[np.int64]:
        """Every pair of keys sharing at least one bucket, shape (m, 2), first < second, sorted.

        This is exact: a bucket of s rows contributes s * (s - 1) / 2 pairs (memory
        grows with the square of the largest bucket; ``near_duplicates`` avoids
        that for giant buckets). Pairs listed in several bands are dropped block by block
        as they are made, so the peak is about 12x the output in the worst case (every row
        in one bucket of every band), 2x with few shared bands. ``max_pairs`` caps the work:
        when the buckets hold more than that many pairs (counted before duplicates across
        bands are removed), ValueError is raised before anything is allocated.
        """
        if max_pairs is not None:
            check_int(max_pairs, "max_pairs", 0, INT64_MAX)
        with self._lock:
            values, offsets = self._index.buckets(2)
            keys = self.keys if self._key_chunks else None
        if max_pairs is not None:
            sizes = np.diff(offsets)
            listed = int((sizes * (sizes - 1) // 2).sum())
            if listed > max_pairs:
                raise ValueError(f"the buckets hold {listed:,} candidate pairs (before removing pairs listed in several "
                                 f"bands; largest bucket {int(sizes.max()):,} rows), more than max_pairs={max_pairs:,}")
        pairs = _core.lsh_group_pairs(values, offsets)
        if keys is not None and pairs.size:
            pairs = keys[pairs]
            pairs.sort(axis=1)
            pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
        return pairs
