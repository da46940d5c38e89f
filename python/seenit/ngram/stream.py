"""n-gram contamination without a corpus index: benchmark items indexed, the corpus streamed past.

:class:`StreamMatcher` holds the benchmark items (normalised as a ``bytes`` index would
normalise them) and folds corpus documents into per-item state, block by block, in one
native call per block (cpp/src/ngram/item_matcher.cpp; GIL released, all cores). Memory is
O(benchmark items); nothing corpus-sized is kept.

What it reports is what :meth:`NgramIndex.overlap_many` and :meth:`NgramIndex.locate` report
for the same items against an index of the same documents, for every quantity a
contamination verdict uses:

- the match length at every unit (word) start — the longest prefix of the item from there
  that occurs in some document — exactly wherever it is at least the item's *window*
  (the largest power of two <= 32 and <= the item's shortest n-gram in bytes), so every
  n-gram's presence, the coverage mask and the fractions are identical;
- the longest match, whenever some n-gram occurs (it is then at least one n-gram long, so
  at least the window), with the smallest (document, offset) where it occurs and the
  ``max_docs`` smallest documents containing it.

Below the window a match length reads 0 (an index would report the short match); the
scan's evidence therefore reports a longest match only when some n-gram occurs, on both
paths. States of disjoint document sets merge (:meth:`merge`) in any order to the same
result, which is how shards and Ray tasks combine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import _core
from .._validate import check_int, check_str_sequence
from ..tokenize import Normalisation
from .index import Overlap, ngram_overlap, word_spans

#: Widest window (bytes) a key hashes; a match of at least this length is always exact.
MAX_WINDOW = 32


@dataclass(frozen=True)
class ItemMatch:
    """An item's n-gram result: its :class:`Overlap` (lengths at unit starts; 0 below the
    window), and where its longest match occurs (``first_doc``/``first_off``: the smallest
    document and normalised byte offset; ``doc_ids``: the smallest documents holding it).
    ``longest`` is 0 and the locations empty when no n-gram of the item occurs."""

    overlap: Overlap
    longest: int
    longest_start: int
    first_doc: int
    first_off: int
    doc_ids: tuple[int, ...]


class StreamMatcher:
    """Benchmark items' n-grams (``n`` words) against a streamed corpus; see the module docstring."""

    def __init__(self, items: Sequence[str], *, n: int = 13, normalisation: Normalisation | None = None,
                 max_docs: int = 5) -> None:
        items = check_str_sequence(items, "items")
        self.n = check_int(n, "n", lo=1)
        self.max_docs = check_int(max_docs, "max_docs", lo=1, hi=4096)
        self.normalisation = normalisation if normalisation is not None else Normalisation()
        self.n_items = len(items)
        self.values, self.offsets = encode_texts(items, self.normalisation, "items")
        self.unit_starts, self.unit_ends = word_spans(self.values, self.offsets)
        # units of item i: bounds[i]:bounds[i + 1]
        self.bounds = np.searchsorted(self.unit_starts, self.offsets, side="left")
        key_pos, self.key_item, key_window, self.key_of_unit = self._keys()
        self._core = _core.ItemMatcher(self.values, self.offsets, key_pos, self.key_item, key_window, self.max_docs)

    def _keys(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """A key at every unit start with at least the item's window of bytes left (vectorised
        over all units: this runs once per pass, for thousands of items)."""
        us, ue, offs = self.unit_starts, self.unit_ends, self.offsets
        m = np.diff(self.bounds)  # units per item
        item = np.repeat(np.arange(self.n_items, dtype=np.int64), m)  # the item of each unit
        g = np.minimum(self.n, m)[item]
        j = np.arange(us.size, dtype=np.int64) - self.bounds[item]  # the unit's index in its item
        starts_ngram = j <= m[item] - g
        u = np.flatnonzero(starts_ngram)
        required = np.full(self.n_items, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(required, item[u], ue[u + g[u] - 1] - us[u])  # bytes of each item's shortest n-gram
        capped = np.clip(required, 1, MAX_WINDOW)
        window = (1 << np.floor(np.log2(capped)).astype(np.int64)).astype(np.int64)  # largest power of two <= it
        keyed = offs[1:][item] - us >= window[item]
        keys = np.flatnonzero(keyed)
        key_of_unit = np.full(us.size, -1, dtype=np.int64)
        key_of_unit[keys] = np.arange(keys.size, dtype=np.int64)
        self.item_required = required  # no n-gram of item i occurs while its longest match is shorter
        return (np.ascontiguousarray(us[keys], dtype=np.int64), np.ascontiguousarray(item[keys], dtype=np.int64),
                np.ascontiguousarray(window[item[keys]], dtype=np.int32), key_of_unit)

    @property
    def n_keys(self) -> int:
        return int(self._core.n_keys)

    def fold(self, texts: Sequence[str], base: int) -> None:
        """Fold corpus documents ``texts`` (ids ``base``, ``base + 1``, ...) into the state."""
        vals, offs = encode_texts(texts, self.normalisation, "texts")
        self.fold_encoded(vals, offs, base)

    def fold_utf8(self, values: np.ndarray, offsets: np.ndarray, base: int) -> None:
        """:meth:`fold` of documents given as UTF-8 (``values`` uint8, CSR ``offsets`` from 0),
        normalised here without decoding them (:meth:`Normalisation.encode_utf8`)."""
        try:
            vals, offs, deferred, sub, sub_offs = self.normalisation.encode_utf8_parts(values, offsets)
        except ValueError as e:
            raise ValueError(f"texts: {e}") from None
        base = check_int(base, "base", lo=0)
        self.fold_encoded(vals, offs, base)
        # the documents lowercased apart are empty above: fold each with its own id (the state
        # does not depend on the order documents are folded in)
        for k, j in enumerate(deferred.tolist()):
            self.fold_encoded(sub[sub_offs[k] : sub_offs[k + 1]], np.array([0, sub_offs[k + 1] - sub_offs[k]]), base + j)

    def fold_encoded(self, values: np.ndarray, offsets: np.ndarray, base: int) -> None:
        """:meth:`fold` of documents already normalised and UTF-8 encoded (ragged uint8)."""
        self._core.fold(values, offsets, check_int(base, "base", lo=0))

    def state(self) -> dict[str, np.ndarray]:
        """The running state as arrays (for checkpoints and for :meth:`merge` elsewhere)."""
        best, fdoc, foff, docs = self._core.state()
        return {"best_len": best, "first_doc": fdoc, "first_off": foff, "docs": docs}

    def merge(self, state: dict[str, Any]) -> None:
        """Merge the state of other documents (order-independent)."""
        try:
            arrays = [np.ascontiguousarray(state[k], dtype=np.int64)
                      for k in ("best_len", "first_doc", "first_off", "docs")]
        except KeyError as e:
            raise ValueError(f"a StreamMatcher state needs {e.args[0]!r}") from None
        self._core.merge(*arrays)

    def cited_docs(self) -> npt.NDArray[np.int64]:
        """The documents holding the current longest match of each item whose longest match is at
        least its shortest n-gram (vectorised, for pruning a document cache per block). Enough for
        every document :meth:`results` will cite: an item whose longest match is shorter has no
        n-gram present, and once one is, its longest match comes from the block that found it."""
        best, fdoc, _, docs = self._core.state()
        longest = np.zeros(self.n_items, np.int64)
        np.maximum.at(longest, self.key_item, best)
        may_cite = (longest > 0) & (longest >= self.item_required)
        if not may_cite.any():
            return np.zeros(0, np.int64)
        k = np.flatnonzero(may_cite[self.key_item] & (best == longest[self.key_item]))
        it = self.key_item[k]  # ascending: keys run in item order, then position order
        k = k[np.r_[True, it[1:] != it[:-1]]] if k.size else k  # each item's first such key
        ids = np.concatenate([fdoc[k], docs[k].ravel()])
        return np.unique(ids[ids >= 0])

    def results(self) -> list[ItemMatch]:
        """Per item, in order: overlap, longest match and where it occurs."""
        best, fdoc, foff, docs = self._core.state()
        lens = np.zeros(self.unit_starts.size, dtype=np.int64)
        has_key = self.key_of_unit >= 0
        lens[has_key] = best[self.key_of_unit[has_key]]
        out: list[ItemMatch] = []
        for i in range(self.n_items):
            a, b = int(self.bounds[i]), int(self.bounds[i + 1])
            o = int(self.offsets[i])
            ov = ngram_overlap(self.values[o : self.offsets[i + 1]], lens[a:b], self.unit_starts[a:b] - o,
                               self.unit_ends[a:b] - o, self.n)
            if not ov.n_present:
                out.append(ItemMatch(ov, 0, 0, -1, -1, ()))
                continue
            u = a + int(np.argmax(lens[a:b]))
            k = int(self.key_of_unit[u])
            row = docs[k]
            out.append(ItemMatch(ov, int(lens[u]), int(self.unit_starts[u]) - o, int(fdoc[k]), int(foff[k]),
                                 tuple(int(d) for d in row[row >= 0])))
        return out


def encode_texts(texts: Sequence[str], norm: Normalisation, name: str) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """``texts`` normalised and UTF-8 encoded, joined, with CSR offsets (natively: Normalisation.encode_block)."""
    try:
        return norm.encode_block(texts)
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None
