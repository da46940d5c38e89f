"""MinHash signatures and Jaccard similarity (kernels in cpp/src/sketch/minhash.cpp).

The public functions are re-exported at the top level (``seenit.minhash(docs)``,
``seenit.shingle_hashes``, ...); this module is named ``sketch`` so that the name
``seenit.minhash`` stays the function. The executable specification of every
function here is python/seenit/reference/sketch.py.

Empty signatures: an empty document (no shingles) gets 2**32 - 1 (``EMPTY``) in every
slot, in every scheme (stored as uint64 for "datasketch-legacy", as datasketch does).
``jaccard`` and ``jaccard_exact`` treat an empty document as similar to nothing,
another empty document included (0.0), so empty documents never form clusters.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from .. import _core, gpu
from .._validate import INT64_MAX, as_contig, check_choice, check_int, ragged

EMPTY: int = (1 << 32) - 1
SCHEMES = ("fast", "oph", "datasketch", "datasketch-legacy")
UNITS = ("word", "char", "token")
MAX_NUM_PERM = 8192
_SCHEME_CODE = {"fast": 0, "oph": 1, "datasketch": 2, "datasketch-legacy": 3}
_UNIT_CODE = {"word": 0, "char": 1, "token": 2}
_NO_PARAMS = np.zeros(0, dtype=np.uint64)

Docs = Union[Sequence[str], Sequence[bytes], tuple[Any, Any], Any]

__all__ = ["EMPTY", "MinHashSpec", "minhash", "jaccard", "jaccard_exact", "shingle_hashes", "jaccard_exact_pairs",
           "concat_ragged", "is_empty"]


# ---------------------------------------------------------------- settings
@dataclass(frozen=True)
class MinHashSpec:
    """What a MinHash signature is made of: how documents are shingled and hashed.

    The one option bundle shared by :func:`near_duplicates`, ``seenit dedup minhash``,
    ``seenit scan`` and :mod:`seenit.distributed`: two signatures are comparable exactly when
    their specs are equal. Checked on construction, so bad settings fail before any work.
    ``kwargs()`` are :func:`minhash`'s keyword arguments, ``shingle_kwargs()``
    :func:`shingle_hashes`'.
    """

    num_perm: int = 128
    ngram: int = 5
    unit: str = "word"
    seed: int = 1
    scheme: str = "fast"
    lowercase: bool = True

    def __post_init__(self) -> None:
        check_int(self.num_perm, "num_perm", 1, MAX_NUM_PERM)
        _check_common(self.ngram, self.unit, self.lowercase, "strict")
        check_int(self.seed, "seed", 0, (1 << 32) - 1)
        check_choice(self.scheme, "scheme", SCHEMES)

    def kwargs(self) -> dict[str, Any]:
        return asdict(self)

    def shingle_kwargs(self) -> dict[str, Any]:
        return {"ngram": self.ngram, "unit": self.unit, "lowercase": self.lowercase}

    @property
    def dtype(self) -> type:
        """The signature dtype :func:`minhash` returns for this spec."""
        return np.uint64 if self.scheme == "datasketch-legacy" else np.uint32


# ---------------------------------------------------------------- input preparation
def _check_common(ngram: Any, unit: Any, lowercase: Any, errors: Any) -> tuple[int, str]:
    ngram = check_int(ngram, "ngram", 1, INT64_MAX)
    unit = check_choice(unit, "unit", UNITS)
    if not isinstance(lowercase, (bool, np.bool_)):
        raise TypeError(f"lowercase must be a bool, got {type(lowercase).__name__}")
    check_choice(errors, "errors", ("strict", "replace"))
    return ngram, unit


def _is_arrow(docs: Any) -> bool:
    return type(docs).__module__.startswith("pyarrow")


@functools.cache
def _lower_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """str.lower() of every non-ASCII code point that it changes, from this interpreter
    (so the Unicode version matches): (code points uint32, offsets uint32, UTF-8 bytes uint8).
    U+03A3 is left out: its lower case depends on context (final sigma), so documents
    containing it are lower-cased in Python. Built once per process (~0.05 s)."""
    cps = np.concatenate([np.arange(0x80, 0xD800), np.arange(0xE000, 0x110000)]).astype(np.uint32)
    text = cps.tobytes().decode("utf-32-le")  # every code point but the surrogates, in one str
    keys, chunks = [], []
    block = 1024
    for i in range(0, len(text), block):
        part = text[i:i + block]
        if part.lower() == part:
            continue
        for j, ch in enumerate(part):
            low = ch.lower()
            if low != ch and ch != "\u03a3":
                keys.append(int(cps[i + j]))
                chunks.append(low.encode("utf-8"))
    offsets = np.zeros(len(keys) + 1, dtype=np.uint32)
    offsets[1:] = np.cumsum([len(c) for c in chunks])
    data = np.frombuffer(b"".join(chunks), dtype=np.uint8).copy()
    return np.array(keys, dtype=np.uint32), offsets, data


_NO_TABLE = (np.zeros(0, np.uint32), np.zeros(1, np.uint32), np.zeros(0, np.uint8))


def _texts(docs: Any, lowercase: bool, errors: str) -> list[str]:
    """docs as a list of str for the core: bytes decoded; documents containing U+03A3
    lower-cased here (str.lower()'s final-sigma rule needs context); the core lower-cases
    everything else itself. Errors name the document index."""
    if isinstance(docs, (str, bytes)):
        raise TypeError(f"docs must be a sequence of documents, not a single {type(docs).__name__}")
    if _is_arrow(docs):
        docs = docs.to_pylist()
    elif isinstance(docs, np.ndarray) and docs.ndim != 1:
        raise ValueError(f"docs must be 1-dimensional, got shape {docs.shape}")
    out = docs if type(docs) is list else list(docs)
    copied = out is not docs
    for i, d in enumerate(out):
        if type(d) is str:
            if lowercase and not d.isascii() and "\u03a3" in d:
                new: str = d.lower()
            else:
                continue
        elif isinstance(d, str):
            new = d.lower() if lowercase else str(d)  # a plain str copy of a str subclass
        elif isinstance(d, (bytes, bytearray, memoryview)):
            try:
                new = bytes(d).decode("utf-8", errors)
            except UnicodeDecodeError as e:
                raise ValueError(f"docs[{i}] is not valid UTF-8 ({e.reason} at byte {e.start}); "
                                 "pass errors='replace' to substitute U+FFFD") from None
            if lowercase and "\u03a3" in new:
                new = new.lower()
        else:
            raise TypeError(f"docs[{i}] must be str (or UTF-8 bytes), got {type(d).__name__}")
        if not copied:
            out, copied = list(out), True
        out[i] = new
    return out


def _utf8_pair(docs: Any, unit: str) -> tuple[np.ndarray, np.ndarray] | None:
    """``docs`` as UTF-8 texts in a ragged pair ``(values uint8, offsets)`` (word and char
    units), checked; None for every other form of input."""
    if (unit != "token" and isinstance(docs, tuple) and len(docs) == 2 and isinstance(docs[0], np.ndarray)
            and docs[0].dtype == np.uint8):
        return ragged(docs[0], docs[1], np.uint8, "values")
    return None


def _redo_flagged(pair: tuple[np.ndarray, np.ndarray], flagged: np.ndarray, errors: str) -> list[str]:
    """The flagged documents of a ragged UTF-8 pair (they hold U+03A3) as str for the
    str path, which lower-cases them with str.lower()'s final-sigma rule."""
    values, offsets = pair
    return _texts([bytes(values[offsets[j] : offsets[j + 1]]) for j in flagged.tolist()], True, errors)


def _tokens(docs: Any) -> tuple[np.ndarray, np.ndarray]:
    """unit="token" input: a (values, offsets) pair, or a sequence of id sequences."""
    if isinstance(docs, tuple) and len(docs) == 2 and not isinstance(docs[0], (list, tuple)):
        return ragged(docs[0], docs[1], np.uint64, "values")
    rows = []
    for i, d in enumerate(docs):
        if isinstance(d, (str, bytes)):
            raise TypeError(f"docs[{i}] must be a sequence of integer token ids with unit='token', got {type(d).__name__}")
        if isinstance(d, np.ndarray):
            rows.append(as_contig(d, np.uint64, 1, f"docs[{i}]"))
            continue
        if not all(isinstance(t, (int, np.integer)) and not isinstance(t, bool) for t in d):
            raise TypeError(f"docs[{i}] must hold integer token ids")
        try:
            rows.append(np.array(d, dtype=np.uint64).reshape(-1))
        except OverflowError:
            raise ValueError(f"docs[{i}] has token ids outside 0..2**64-1") from None
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    if rows:
        offsets[1:] = np.cumsum([r.size for r in rows])
    values = np.concatenate(rows) if rows else np.zeros(0, np.uint64)
    return np.ascontiguousarray(values, dtype=np.uint64), offsets


_MERSENNE61 = (1 << 61) - 1


def datasketch_params(num_perm: int, seed: int, legacy: bool) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's permutation parameters (a, b), drawn with datasketch 2.x's own RandomState calls
    (affine32, or the legacy Mersenne-61 scheme), so signatures match datasketch bit for bit."""
    gen = np.random.RandomState(seed)
    if legacy:
        ab = [(gen.randint(1, _MERSENNE61, dtype=np.uint64), gen.randint(0, _MERSENNE61, dtype=np.uint64))
              for _ in range(num_perm)]
        return (np.array([p[0] for p in ab], dtype=np.uint64), np.array([p[1] for p in ab], dtype=np.uint64))
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a.astype(np.uint64), b.astype(np.uint64)


def _params(scheme: str, num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if scheme not in ("datasketch", "datasketch-legacy"):
        return _NO_PARAMS, _NO_PARAMS
    return datasketch_params(num_perm, seed, legacy=scheme == "datasketch-legacy")


# ---------------------------------------------------------------- public API
def minhash(docs: Docs, *, num_perm: int = 128, ngram: int = 5, unit: str = "word", seed: int = 1,
            scheme: str = "fast", lowercase: bool = True, device: str = "cpu",
            errors: str = "strict") -> npt.NDArray[np.unsignedinteger]:
    """MinHash signatures, shape (n_docs, num_perm).

    docs: a sequence of str (or UTF-8 bytes), a pyarrow string array, UTF-8 texts as a
    ragged pair ``(values, offsets)`` (values uint8, offsets int64 of length n + 1: read in
    place, no str made), or with unit="token" a ragged pair ``(values, offsets)`` of integer
    ids or a sequence of id sequences.
    unit: "word" (``str.split()`` words, joined by one space), "char" (code points)
    or "token"; ngram: shingle length in units (a shorter document is one shingle).
    scheme: "fast" (uint32, default), "oph" (one-permutation hashing, uint32),
    "datasketch" (== ``datasketch.MinHash(num_perm, seed).hashvalues``, uint32) or
    "datasketch-legacy" (datasketch's pre-2.0 scheme, uint64).
    device: "cpu" or "cuda" (fast scheme; shingles are hashed on the host).
    errors: "strict" or "replace" for bytes that are not UTF-8 (and lone surrogates).
    """
    num_perm = check_int(num_perm, "num_perm", 1, MAX_NUM_PERM)
    ngram, unit = _check_common(ngram, unit, lowercase, errors)
    seed = check_int(seed, "seed", 0, (1 << 32) - 1)
    scheme = check_choice(scheme, "scheme", SCHEMES)
    device = gpu.check_device(device)
    if device == "cuda" and scheme != "fast":
        raise ValueError(f"device='cuda' supports scheme='fast' only, got scheme={scheme!r}")
    if device == "cuda":
        gpu.require()  # a clear error before any work when CuPy or the GPU is missing
        values, offsets = shingle_hashes(docs, ngram=ngram, unit=unit, lowercase=lowercase, errors=errors)
        from ._cuda import minhash_fast_cuda

        return minhash_fast_cuda(values, offsets, num_perm=num_perm, seed=seed)
    a, b = _params(scheme, num_perm, seed)
    code = _SCHEME_CODE[scheme]
    if unit == "token":
        values, offsets = _tokens(docs)
        return _core.minhash_tokens(values, offsets, ngram, code, num_perm, seed, a, b)
    table = _lower_table() if lowercase else _NO_TABLE
    pair = _utf8_pair(docs, unit)
    if pair is not None:
        try:
            sig, flagged = _core.minhash_utf8(*pair, ngram, _UNIT_CODE[unit], bool(lowercase), code, num_perm, seed,
                                              a, b, *table, errors == "replace")
        except ValueError as e:
            if errors != "replace" or "not valid UTF-8" not in str(e):
                raise
            # bad bytes replaced as bytes.decode(errors="replace") does: the str path, for this batch
            values, offsets = pair
            docs = [bytes(values[offsets[j] : offsets[j + 1]]) for j in range(offsets.size - 1)]
        else:
            if flagged.size:
                sig[flagged] = _core.minhash_text(_redo_flagged(pair, flagged, errors), ngram, _UNIT_CODE[unit],
                                                  True, code, num_perm, seed, a, b, *table, errors == "replace")
            return sig
    texts = _texts(docs, bool(lowercase), errors)
    return _core.minhash_text(texts, ngram, _UNIT_CODE[unit], bool(lowercase), code, num_perm, seed, a, b,
                              *table, errors == "replace")


def minhash_from_hashes(values: Any, offsets: Any, *, num_perm: int = 128, seed: int = 1,
                        scheme: str = "fast") -> npt.NDArray[np.uint32]:
    """Fast or OPH signatures from pre-hashed shingles (ragged uint64, e.g. shingle_hashes)."""
    num_perm = check_int(num_perm, "num_perm", 1, MAX_NUM_PERM)
    seed = check_int(seed, "seed", 0, (1 << 32) - 1)
    scheme = check_choice(scheme, "scheme", ("fast", "oph"))
    v, o = ragged(values, offsets, np.uint64, "values")
    return _core.minhash_from_hashes(v, o, _SCHEME_CODE[scheme], num_perm, seed)


def shingle_hashes(docs: Docs, *, ngram: int = 5, unit: str = "word", lowercase: bool = True,
                   errors: str = "strict") -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Sorted unique 64-bit hashes of each document's shingles: ``(values, offsets)``."""
    ngram, unit = _check_common(ngram, unit, lowercase, errors)
    if unit == "token":
        values, offsets = _tokens(docs)
        return _core.minhash_shingle_hashes_tokens(values, offsets, ngram)
    table = _lower_table() if lowercase else _NO_TABLE
    pair = _utf8_pair(docs, unit)
    if pair is not None:
        try:
            values, offsets, flagged = _core.minhash_shingle_hashes_utf8(*pair, ngram, _UNIT_CODE[unit],
                                                                         bool(lowercase), *table, errors == "replace")
        except ValueError as e:
            if errors != "replace" or "not valid UTF-8" not in str(e):
                raise
            docs = [bytes(pair[0][pair[1][j] : pair[1][j + 1]]) for j in range(pair[1].size - 1)]
        else:
            if not flagged.size:
                return values, offsets
            # rows of the flagged documents redone through the str path, spliced in order
            redo_v, redo_o = _core.minhash_shingle_hashes_text(_redo_flagged(pair, flagged, errors), ngram,
                                                               _UNIT_CODE[unit], True, *table, errors == "replace")
            rows = [values[offsets[j] : offsets[j + 1]] for j in range(offsets.size - 1)]
            for k, j in enumerate(flagged.tolist()):
                rows[j] = redo_v[redo_o[k] : redo_o[k + 1]]
            out_offsets = np.zeros(offsets.size, np.int64)
            np.cumsum([r.size for r in rows], out=out_offsets[1:])
            return (np.concatenate(rows) if rows else values).astype(np.uint64, copy=False), out_offsets
    texts = _texts(docs, bool(lowercase), errors)
    return _core.minhash_shingle_hashes_text(texts, ngram, _UNIT_CODE[unit], bool(lowercase), *table,
                                             errors == "replace")


def jaccard_exact_pairs(values: Any, offsets: Any, pairs: Any) -> npt.NDArray[np.float64]:
    """Exact Jaccard of the shingle sets of documents i and j for each row (i, j) of pairs.

    values/offsets: sorted unique sets per document, as shingle_hashes returns them.
    To compare documents of two collections, join them with concat_ragged and offset
    the second side's indices by the first collection's size.
    """
    v, o = ragged(values, offsets, np.uint64, "values")
    p = as_contig(pairs, np.int64, 2, "pairs") if np.size(pairs) else np.zeros((0, 2), np.int64)
    if p.shape[1] != 2:
        raise ValueError(f"pairs must have shape (m, 2), got {p.shape}")
    return _core.minhash_jaccard_exact_pairs(v, o, p)


def concat_ragged(a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Join two ragged (values, offsets) pairs; rows of ``b`` follow those of ``a``."""
    va, oa = ragged(a[0], a[1], np.uint64, "values")
    vb, ob = ragged(b[0], b[1], np.uint64, "values")
    return np.concatenate([va, vb]), np.concatenate([oa, ob[1:] + oa[-1]])


def is_empty(signatures: Any) -> npt.NDArray[np.bool_] | bool:
    """True for empty signatures (every slot EMPTY); row-wise for a 2-D array."""
    s = np.asarray(signatures)
    e = (s == EMPTY).all(axis=-1)
    return bool(e) if s.ndim == 1 else e


def jaccard(sig_a: Any, sig_b: Any) -> float | npt.NDArray[np.float64]:
    """Estimated Jaccard: the fraction of equal slots, row-wise for 2-D inputs.

    1-D and 1-D give a float; 2-D (n, k) with 2-D (n, k) or with 1-D (k,) give an
    array of n. An empty signature (all slots EMPTY) is similar to nothing: 0.0.
    """
    a, b = np.asarray(sig_a), np.asarray(sig_b)
    for name, s in (("sig_a", a), ("sig_b", b)):
        if s.ndim not in (1, 2) or s.dtype.kind not in "ui":
            raise ValueError(f"{name} must be a 1-D or 2-D integer signature array, got shape {s.shape} {s.dtype}")
        if s.shape[-1] == 0:
            raise ValueError(f"{name} has no slots")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"signature widths differ: sig_a has {a.shape[-1]} slots, sig_b {b.shape[-1]}")
    if a.ndim == 2 and b.ndim == 2 and a.shape[0] != b.shape[0]:
        raise ValueError(f"sig_a has {a.shape[0]} rows but sig_b has {b.shape[0]}")
    est = np.count_nonzero(a == b, axis=-1) / a.shape[-1]
    est = np.where((a == EMPTY).all(axis=-1) | (b == EMPTY).all(axis=-1), 0.0, est)
    return float(est) if est.ndim == 0 else est.astype(np.float64)


def jaccard_exact(doc_a: Any, doc_b: Any, *, ngram: int = 5, unit: str = "word", lowercase: bool = True) -> float:
    """Exact Jaccard of two documents' shingle sets (64-bit shingle hashes; 0.0 if both are empty)."""
    values, offsets = shingle_hashes([doc_a, doc_b], ngram=ngram, unit=unit, lowercase=lowercase)
    return float(jaccard_exact_pairs(values, offsets, np.array([[0, 1]], dtype=np.int64))[0])
