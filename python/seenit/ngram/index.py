"""Suffix-array n-gram index over a corpus: build once, memory-map, query fast.

>>> idx = NgramIndex.build(["the cat sat", "a cat ran"], "/tmp/idx", progress=False, overwrite=True)
>>> idx.count("cat"), idx.locate("cat")[0].tolist()
(2, [0, 1])

Documents are tokenized (see :mod:`seenit.tokenize`) and joined with a separator
token, so no match crosses a document boundary. Query conventions, for every
method: a ``str`` query gets the index's normalisation and tokenizer; a token-array
query is used as is (ids must be < the vocabulary size). **An empty query, a query
longer than the corpus and a query containing the separator occur 0 times** (they
match nothing; ``longest_match`` gives a separator position length 0).
All batched queries release the GIL and use every core (``seenit.set_num_threads``).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from .. import _core
from .._progress import ProgressBar
from .._validate import check_int
from .index_format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    building,
    check_parts,
    describe_file,
    open_array,
    read_manifest,
    record_verified,
    recover,
    write_array,
    write_manifest,
)
from ..tokenize import BytesTokenizer, Normalisation, Tokenizer, get_tokenizer

Query = Union[str, Sequence[int], np.ndarray]
DocsOrPaths = Union[str, "os.PathLike[str]", Sequence[str], Sequence["os.PathLike[str]"], Iterable[str]]


@dataclass(frozen=True)
class LongestMatch:
    """Matching statistics of a query: ``lengths[i]`` is the length (in tokens) of the
    longest prefix of ``query[i:]`` found in the corpus; the longest match overall is
    ``tokens[start:start + length]``."""

    lengths: npt.NDArray[np.int64]
    start: int
    length: int


@dataclass(frozen=True)
class Overlap:
    """n-gram overlap of a query with the corpus.

    Units are index tokens, or whitespace-separated words for ``str`` queries on a
    ``bytes`` index. ``fraction`` = present n-grams / all n-grams of the query (a query
    of fewer than n units is one n-gram: itself); ``mask[j]`` says whether unit j lies
    inside some present n-gram (Llama-2's per-token contamination mask).
    ``unit_starts``/``unit_ends`` locate the units in ``tokens``; ``lengths[j]`` is the
    longest match (in tokens) starting at unit j.
    """

    fraction: float
    mask: npt.NDArray[np.bool_]
    n_ngrams: int
    n_present: int
    tokens: np.ndarray
    unit_starts: npt.NDArray[np.int64]
    unit_ends: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int64] = dc_field(repr=False)

    @property
    def covered(self) -> float:
        """Fraction of the query's units covered by present n-grams."""
        return np.count_nonzero(self.mask) / self.mask.size if self.mask.size else 0.0


@dataclass(frozen=True)
class _Shard:
    tokens: np.ndarray
    sa: np.ndarray
    docs: np.ndarray  # n_docs + 1 start offsets into tokens
    doc_offset: int


def _texts(docs_or_paths: Any, field: str) -> Iterator[str]:
    """Documents from a list of str, or from inputs seenit.io reads (a path or URL, a table, or
    a list of Path objects and the sources seenit.io.expand_paths gives)."""
    from ..io import iter_records
    from ..sources import RemoteFile, TableSource, table_source

    if isinstance(docs_or_paths, (str, os.PathLike, TableSource)) or table_source(docs_or_paths) is not None:
        yield from (r.text for r in iter_records(docs_or_paths, field=field))
        return
    if isinstance(docs_or_paths, bytes) or not isinstance(docs_or_paths, Iterable):
        raise TypeError(f"docs_or_paths must be a list of str documents or file paths, got {type(docs_or_paths).__name__}")
    items = docs_or_paths if isinstance(docs_or_paths, Sequence) else list(docs_or_paths)
    if items and all(isinstance(x, (os.PathLike, RemoteFile, TableSource)) or table_source(x) is not None for x in items):
        yield from (r.text for r in iter_records(list(items), field=field))
        return
    for i, d in enumerate(items):
        if not isinstance(d, str):
            raise TypeError(f"docs_or_paths[{i}] must be str (a document) or all items must be paths, got {type(d).__name__}")
        yield d


def _batches(it: Iterator[str], n: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for x in it:
        batch.append(x)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


class NgramIndex:
    """A memory-mapped suffix-array index (see :mod:`seenit.ngram.index_format`)."""

    def __init__(self, path: Path, manifest: dict[str, Any], tokenizer: Tokenizer, shards: list[_Shard]) -> None:
        self.path = path
        self.manifest = manifest
        self.tokenizer = tokenizer
        self.normalisation = Normalisation.from_dict(manifest["normalisation"])
        self.separator = int(manifest["separator"])
        self.vocab_size = int(manifest["vocab_size"])
        self.dtype = np.dtype(tokenizer.dtype)
        self.shards = shards
        self.n_docs = int(manifest["n_docs"])
        self.n_tokens = int(manifest["n_tokens"])
        self._doc_offsets = np.array([s.doc_offset for s in shards] + [self.n_docs], dtype=np.int64)

    def __repr__(self) -> str:
        return (f"NgramIndex({str(self.path)!r}, tokenizer={self.tokenizer.spec!r}, docs={self.n_docs}, "
                f"tokens={self.n_tokens}, shards={len(self.shards)})")

    # ------------------------------------------------------------------ build / open
    @classmethod
    def build(
        cls,
        docs_or_paths: DocsOrPaths,
        path: str | os.PathLike[str],
        *,
        tokenizer: str = "bytes",
        field: str = "text",
        shard_tokens: int | None = None,
        progress: bool = True,
        lowercase: bool = False,
        strip_punctuation: bool = False,
        collapse_whitespace: bool = False,
        overwrite: bool = False,
    ) -> NgramIndex:
        """Build an index of ``docs_or_paths`` at ``path`` and open it.

        ``docs_or_paths``: a list of str documents, or a file / directory / glob / URL (str or
        Path), an in-memory table, or a list of Path objects or tables, read with :func:`seenit.io.iter_records`
        (JSONL, JSONL.gz/.zst, Parquet, CSV: the ``field`` column; .txt: one document
        per line). ``shard_tokens`` caps the tokens per shard (corpora larger than
        memory); documents are never split. The normalisation flags are recorded in
        the manifest and applied to every later ``str`` query. The build writes into a
        temporary directory and renames it into place; ``overwrite`` replaces an
        existing index.
        """
        from .suffix import suffix_array

        tok = get_tokenizer(tokenizer)
        if shard_tokens is not None:
            shard_tokens = check_int(shard_tokens, "shard_tokens", lo=1)
        if not isinstance(field, str) or not field:
            raise ValueError("field must be a non-empty str")
        norm = Normalisation(lowercase=lowercase, strip_punctuation=strip_punctuation, collapse_whitespace=collapse_whitespace)
        texts = _texts(docs_or_paths, field)
        first = next(texts, None)
        if first is None:
            raise ValueError("docs_or_paths holds no documents; an index needs at least one")
        target = Path(path)
        t0 = time.perf_counter()
        with building(target, overwrite) as tmp, ProgressBar(progress, f"indexing -> {target.name}") as prog:
            shards: list[dict[str, Any]] = []
            pending: list[np.ndarray] = []
            pending_len = 0
            n_docs = n_tokens = n_bytes = 0

            def flush() -> None:
                nonlocal pending, pending_len, n_docs, n_tokens
                if not pending_len:
                    return
                toks = np.concatenate(pending) if len(pending) > 1 else pending[0]
                pending, pending_len = [], 0
                sdir_name = "." if shard_tokens is None else f"shard-{len(shards):05d}"
                sdir = tmp / sdir_name
                sdir.mkdir(exist_ok=True)
                prog.update(info=f"{n_docs:,} docs, {n_bytes / 1e6:,.1f} MB", description=f"suffix array of shard {len(shards)}")
                sa = suffix_array(np.ascontiguousarray(toks))
                seps = np.flatnonzero(toks == tok.separator)
                docs = np.empty(seps.size + 1, dtype=np.int64)
                docs[0] = 0
                docs[1:] = seps + 1
                parts = {
                    "tokens.bin": write_array(sdir / "tokens.bin", toks.astype(toks.dtype.newbyteorder("<"), copy=False)),
                    "sa.bin": write_array(sdir / "sa.bin", sa),
                    "docs.bin": write_array(sdir / "docs.bin", docs),
                }
                shards.append({"dir": sdir_name, "n_docs": int(seps.size), "n_tokens": int(toks.size),
                               "doc_offset": n_docs, "pointer_width": int(sa.dtype.itemsize), "parts": parts})
                n_docs += int(seps.size)
                n_tokens += int(toks.size)
                prog.update(info=f"{n_docs:,} docs, {n_bytes / 1e6:,.1f} MB", description="tokenizing")

            def add(arr: np.ndarray) -> None:
                nonlocal pending_len
                while arr.size:
                    room = arr.size if shard_tokens is None else shard_tokens - pending_len
                    if arr.size <= room:
                        pending.append(arr)
                        pending_len += arr.size
                        return
                    # cut after the last separator that still fits; never split a document
                    seps = np.flatnonzero(arr[: max(room, 0)] == tok.separator)
                    if seps.size:
                        cut = int(seps[-1]) + 1
                    elif pending_len:
                        flush()
                        continue
                    else:  # one document longer than shard_tokens: it gets a shard of its own
                        cut = int(np.flatnonzero(arr == tok.separator)[0]) + 1
                    pending.append(arr[:cut])
                    pending_len += cut
                    flush()
                    arr = arr[cut:]

            def all_texts() -> Iterator[str]:
                yield first
                yield from texts

            for batch in _batches(all_texts(), 2048):
                normed = [norm(t) for t in batch]
                n_bytes += sum(len(t) for t in batch)
                add(tok.encode_docs(normed))
                prog.update(info=f"{n_docs:,} docs + {pending_len:,} tokens pending, {n_bytes / 1e6:,.1f} MB read")
            flush()
            top_parts = {name: describe_file(tmp / name) for name in tok.save_state(tmp)}
            manifest = {
                "format": FORMAT_NAME,
                "format_version": FORMAT_VERSION,
                "tokenizer": tok.spec,
                "normalisation": norm.to_dict(),
                "token_width": int(np.dtype(tok.dtype).itemsize),
                "separator": int(tok.separator),
                "vocab_size": int(tok.vocab_size),
                "n_docs": n_docs,
                "n_tokens": n_tokens,
                "input_chars": n_bytes,
                "build_seconds": round(time.perf_counter() - t0, 3),
                "parts": top_parts,
                "shards": shards,
            }
            write_manifest(tmp, manifest)
        # the parts' SHA-256 were computed from the bytes as they were written: no re-read
        record_verified(target, read_manifest(target))
        return cls.open(target)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, verify: bool | None = None) -> NgramIndex:
        """Open the index at ``path`` by memory-mapping its parts.

        What is guaranteed: the manifest is checked (format, version, fields); every part
        exists with the size the manifest and its counts imply; and, by default
        (``verify=None``), every part's SHA-256 matches the manifest. The checksums are
        computed on the first open of each state of a part (one sequential read of the
        index) and remembered by the part's identity (name, size, mtime_ns, ctime_ns,
        inode, device) in this process and in ``verified.json`` in the index directory
        (written atomically, itself checksummed, ignored when it does not match), so
        reopening an unchanged index reads nothing; a part written to since (a flipped
        byte, a replaced file) is hashed again and raises :class:`IndexFormatError`
        (a ValueError) instead of giving wrong counts. An index just built is recorded
        as verified by the build itself.

        ``verify=True`` hashes every part now, whatever was remembered (e.g. to catch
        corruption below the file system, which a stat-keyed cache cannot see).
        ``verify=False`` checks sizes only (opening a huge index on a trusted disk without
        reading it); queries then still never read outside the index (the native search
        rejects suffix-array entries outside the corpus with a ValueError), but a corrupted
        part can give wrong counts.
        """
        if verify is not None and not isinstance(verify, bool):
            raise TypeError(f"verify must be True, False or None, got {type(verify).__name__}")
        root = Path(path)
        if not os.path.lexists(root):
            with contextlib.suppress(OSError):
                recover(root)  # a replaced index moved away by a build that was killed mid-swap
        m = read_manifest(root)
        check_parts(root, m, verify=verify)
        tok = get_tokenizer(m["tokenizer"], state_dir=root)
        dtype = np.dtype(tok.dtype).newbyteorder("<")
        if dtype.itemsize != m["token_width"]:
            raise ValueError(f"{root / 'manifest.json'}: token_width {m['token_width']} does not match tokenizer {m['tokenizer']!r}")
        shards = []
        for s in m["shards"]:
            d = root / s["dir"]
            shards.append(_Shard(
                tokens=open_array(d / "tokens.bin", dtype, s["n_tokens"]),
                sa=open_array(d / "sa.bin", np.dtype("<i4" if s["pointer_width"] == 4 else "<i8"), s["n_tokens"]),
                docs=open_array(d / "docs.bin", np.dtype("<i8"), s["n_docs"] + 1),
                doc_offset=s["doc_offset"],
            ))
        return cls(root, m, tok, shards)

    # ------------------------------------------------------------------ queries
    def encode(self, q: Query, name: str = "q") -> np.ndarray:
        """A query as index tokens: ``str`` is normalised and tokenized; a token array
        is checked (integers, 1-D, ids < vocab_size or the separator)."""
        if isinstance(q, str):
            return np.ascontiguousarray(self.tokenizer.encode(self.normalisation(q)), dtype=self.dtype)
        if isinstance(q, (bytes, bytearray)):
            raise TypeError(f"{name} must be str or an integer token array, got bytes (decode it, or pass np.frombuffer(..., np.uint8))")
        arr = np.asarray(q)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
        if arr.size == 0:
            return np.empty(0, dtype=self.dtype)
        if arr.dtype.kind not in "ui":
            raise TypeError(f"{name} must hold integer token ids, got dtype {arr.dtype}")
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0:
            raise ValueError(f"{name} has a negative token id ({lo})")
        if hi >= self.vocab_size and hi != self.separator:
            bad = arr[(arr >= self.vocab_size) & (arr != self.separator)]
            raise ValueError(f"{name} has token id {int(bad[0])} >= the index's vocabulary size {self.vocab_size}")
        return np.ascontiguousarray(arr, dtype=self.dtype)

    def _ragged(self, qs: Any, name: str = "qs") -> tuple[np.ndarray, np.ndarray]:
        if isinstance(qs, np.ndarray) and qs.ndim == 2:
            if qs.dtype.kind not in "ui":
                raise TypeError(f"{name} must hold integer token ids, got dtype {qs.dtype}")
            vals = self.encode(qs.reshape(-1), name) if qs.size else np.empty(0, self.dtype)
            offs = np.arange(qs.shape[0] + 1, dtype=np.int64) * qs.shape[1]
            return vals, offs
        if isinstance(qs, (str, bytes)) or not isinstance(qs, Iterable):
            raise TypeError(f"{name} must be a sequence of queries (str or token arrays) or a 2-D token array")
        enc = [self.encode(q, f"{name}[{i}]") for i, q in enumerate(qs)]
        offs = np.zeros(len(enc) + 1, dtype=np.int64)
        if enc:
            np.cumsum([e.size for e in enc], out=offs[1:])
        vals = np.concatenate(enc) if enc else np.empty(0, dtype=self.dtype)
        return np.ascontiguousarray(vals, dtype=self.dtype), offs

    def _one(self, q: Query) -> tuple[np.ndarray, np.ndarray]:
        v = self.encode(q, "q")
        return v, np.array([0, v.size], dtype=np.int64)

    def _ranges(self, vals: np.ndarray, offs: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        return [_core.ngram_ranges(s.tokens, s.sa, self.separator, vals, offs) for s in self.shards]

    def count(self, q: Query) -> int:
        """Occurrences of ``q`` in the corpus (0 for empty / too long / separator queries)."""
        return int(sum(int(hi[0] - lo[0]) for lo, hi in self._ranges(*self._one(q))))

    def count_many(self, qs: Sequence[Query] | np.ndarray) -> npt.NDArray[np.int64]:
        """Counts of many queries at once (a list of str / token arrays, or a 2-D
        array of equal-length token queries), in parallel with the GIL released."""
        vals, offs = self._ragged(qs)
        total = np.zeros(offs.size - 1, dtype=np.int64)
        for lo, hi in self._ranges(vals, offs):
            total += hi - lo
        return total

    def locate(self, q: Query, limit: int = 100) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Where ``q`` occurs: (document ids, token offsets within the documents),
        sorted by document then offset. At most ``limit`` occurrences are returned; when
        there are more, they are the first ``limit`` in suffix-array order per shard."""
        limit = check_int(limit, "limit", lo=0)
        vals, offs = self._one(q)
        docs_out, offs_out = [], []
        left = limit
        for s, (lo, hi) in zip(self.shards, self._ranges(vals, offs)):
            take = min(int(hi[0] - lo[0]), left)
            if take <= 0:
                continue
            left -= take
            pos = np.sort(np.asarray(s.sa[int(lo[0]) : int(lo[0]) + take], dtype=np.int64))
            d = np.searchsorted(s.docs, pos, side="right") - 1
            docs_out.append(d + s.doc_offset)
            offs_out.append(pos - s.docs[d])
        if not docs_out:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(docs_out).astype(np.int64), np.concatenate(offs_out).astype(np.int64)

    def _shard_of(self, i: int) -> tuple[_Shard, int]:
        i = check_int(i, "i", lo=-self.n_docs, hi=self.n_docs - 1)
        if i < 0:
            i += self.n_docs
        k = int(np.searchsorted(self._doc_offsets, i, side="right")) - 1
        return self.shards[k], i - self.shards[k].doc_offset

    def document_tokens(self, i: int) -> np.ndarray:
        """The tokens of document ``i`` (without the separator)."""
        s, j = self._shard_of(i)
        return np.asarray(s.tokens[int(s.docs[j]) : int(s.docs[j + 1]) - 1])

    def document(self, i: int) -> str:
        """Document ``i`` decoded from its tokens: the original text for a ``bytes`` index
        built without normalisation, otherwise the normalised / tokenized text."""
        return self.tokenizer.decode(self.document_tokens(i))

    def matching_statistics_many(self, qs: Sequence[Query]) -> tuple[np.ndarray, np.ndarray, npt.NDArray[np.int64]]:
        """(token values, offsets, lengths) for many queries: ``lengths`` is laid out like
        the values (see :class:`LongestMatch`); shards combine by maximum."""
        vals, offs = self._ragged(qs)
        ms = np.zeros(vals.size, dtype=np.int64)
        for s in self.shards:
            np.maximum(ms, _core.ngram_matching_statistics(s.tokens, s.sa, self.separator, vals, offs), out=ms)
        return vals, offs, ms

    def prefix_lengths(self, vals: np.ndarray, offs: np.ndarray, positions: np.ndarray) -> npt.NDArray[np.int64]:
        """Matching statistics at ``positions`` (indices into ragged ``vals``/``offs``
        as returned by :meth:`encode`), computed only there."""
        pos = np.ascontiguousarray(positions, dtype=np.int64)
        out = np.zeros(pos.size, dtype=np.int64)
        for s in self.shards:
            np.maximum(out, _core.ngram_prefix_lengths(s.tokens, s.sa, self.separator, vals, offs, pos), out=out)
        return out

    def longest_match(self, q: Query) -> LongestMatch:
        """Matching statistics of ``q`` and its longest span found in the corpus."""
        vals, offs = self._one(q)
        ms = np.zeros(vals.size, dtype=np.int64)
        for s in self.shards:
            np.maximum(ms, _core.ngram_matching_statistics(s.tokens, s.sa, self.separator, vals, offs), out=ms)
        if ms.size == 0:
            return LongestMatch(ms, 0, 0)
        start = int(np.argmax(ms))
        return LongestMatch(ms, start, int(ms[start]))

    def unit_spans(self, vals: np.ndarray, offs: np.ndarray, words: bool) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Global [start, end) of every unit of ragged queries: whitespace-separated
        words of UTF-8 bytes (``words=True``), else one unit per token."""
        if words:
            return word_spans(vals, offs)
        idx = np.arange(vals.size, dtype=np.int64)
        return idx, idx + 1

    def overlap(self, q: Query, n: int = 13, *, units: str = "auto") -> Overlap:
        """Fraction of ``q``'s n-grams found in the corpus and the units they cover.

        ``units="auto"`` counts words for a ``str`` query on a ``bytes`` index (so
        n=13 means 13 words, the GPT-3 recipe) and tokens otherwise; ``"tokens"`` or
        ``"words"`` (``bytes`` index only) force one.
        """
        n = check_int(n, "n", lo=1)
        words = self._words(units, isinstance(q, str))
        return self._overlaps(*self._one(q), n, words)[0]

    def overlap_many(self, qs: Sequence[Query], n: int = 13, *, units: str = "auto") -> list[Overlap]:
        """:meth:`overlap` of many queries with one batched native call."""
        n = check_int(n, "n", lo=1)
        vals, offs, words = self._overlap_queries(qs, units)
        return self._overlaps(vals, offs, n, words) if offs.size > 1 else []

    def _overlap_queries(self, qs: Sequence[Query], units: str) -> tuple[np.ndarray, np.ndarray, bool]:
        """Checked ragged queries of :meth:`overlap_many` and whether they count words."""
        if isinstance(qs, (str, bytes)):
            raise TypeError("qs must be a sequence of queries (str or token arrays), not a single str")
        qs = list(qs)
        words = self._words(units, bool(qs) and all(isinstance(q, str) for q in qs))
        if not qs:
            return np.zeros(0, dtype=np.uint8), np.zeros(1, dtype=np.int64), words
        vals, offs = self._ragged(qs)
        return vals, offs, words

    def _words(self, units: str, all_str: bool) -> bool:
        if units not in ("auto", "tokens", "words"):
            raise ValueError(f"units must be 'auto', 'tokens' or 'words', got {units!r}")
        is_bytes = isinstance(self.tokenizer, BytesTokenizer)
        if units == "words" and not is_bytes:
            raise ValueError("units='words' needs a 'bytes' index; other tokenizers count tokens")
        return units == "words" or (units == "auto" and is_bytes and all_str)

    def _overlaps(self, vals: np.ndarray, offs: np.ndarray, n: int, words: bool) -> list[Overlap]:
        us, ue = self.unit_spans(vals, offs, words)
        return overlaps_from_lengths(vals, offs, us, ue, self.prefix_lengths(vals, offs, us), n)


def overlaps_from_lengths(vals: np.ndarray, offs: np.ndarray, us: np.ndarray, ue: np.ndarray, lens: np.ndarray,
                          n: int) -> list[Overlap]:
    """Per-query :class:`Overlap` from the corpus match length at each unit start
    (``us``/``ue``: global unit spans of the ragged queries, ``lens``: match lengths)."""
    bounds = np.searchsorted(us, offs, side="left")  # units of query i: bounds[i]:bounds[i+1]
    out = []
    for i in range(offs.size - 1):
        a, b = int(bounds[i]), int(bounds[i + 1])
        o = int(offs[i])
        out.append(ngram_overlap(vals[o : offs[i + 1]], lens[a:b], us[a:b] - o, ue[a:b] - o, n))
    return out


_SPACE = np.zeros(256, dtype=bool)
_SPACE[list(b" \t\n\r\x0b\x0c")] = True


def word_spans(vals: np.ndarray, offs: np.ndarray) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Global start/end offsets of the whitespace-separated words of ragged UTF-8
    queries (ASCII whitespace: space, tab, newline, CR, VT, FF); no word spans two queries."""
    b = np.asarray(vals, dtype=np.uint8)
    if b.size == 0:
        e = np.empty(0, np.int64)
        return e, e
    word = ~_SPACE[b]
    first = np.zeros(b.size, dtype=bool)
    bounds = offs[(offs < b.size)]
    first[bounds] = True  # a query start begins a word (if not space)
    prev_word = np.concatenate(([False], word[:-1])) & ~first
    starts = np.flatnonzero(word & ~prev_word)
    last = np.zeros(b.size, dtype=bool)
    last[offs[1:][offs[1:] > 0] - 1] = True
    next_word = np.concatenate((word[1:], [False])) & ~last
    ends = np.flatnonzero(word & ~next_word) + 1
    return starts.astype(np.int64), ends.astype(np.int64)


def ngram_overlap(tokens: np.ndarray, lengths: np.ndarray, starts: np.ndarray, ends: np.ndarray, n: int) -> Overlap:
    """n-gram presence and unit coverage from the match lengths at unit starts
    (vectorised form of :func:`seenit.reference.ngram.overlap`)."""
    m = starts.size
    mask = np.zeros(m, dtype=bool)
    if m == 0:
        return Overlap(0.0, mask, 0, 0, tokens, starts, ends, lengths)
    g = min(n, m)
    if not lengths.any():  # most benchmark items: nothing matched
        return Overlap(0.0, mask, m - g + 1, 0, tokens, starts, ends, lengths)
    s = starts[: m - g + 1]
    e = ends[g - 1 :]
    present = lengths[: m - g + 1] >= (e - s)
    if present.any():
        diff = np.zeros(m + 1, dtype=np.int64)
        np.add.at(diff, np.flatnonzero(present), 1)
        np.add.at(diff, np.flatnonzero(present) + g, -1)
        mask = np.cumsum(diff[:m]) > 0
    k = int(present.sum())
    return Overlap(k / present.size, mask, int(present.size), k, tokens, starts, ends, lengths)
