"""The per-block steps both scan engines run, so Local and Ray give the same answers.

A corpus is streamed in blocks of documents; ``base`` is the id of a block's first
document. Each helper folds one block into a running per-item result, and the same
folds merge the partial results of several workers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .. import _core
from ..sketch.dedup import RECALL_WEIGHTS
from ..ngram.index_format import MANIFEST
from ..sketch.lsh import LSH
from ..ngram.index import NgramIndex
from ..search.topk import topk
from ..sketch.minhash import minhash
from .engine import IndexOptions, MinHashOptions

#: Default piece size (UTF-8 bytes of corpus text per index piece): the unit of resume.
DEFAULT_PIECE_BYTES = 1 << 27
#: Sentinel id of an empty top-k slot (sorts after every real id).
NO_ID = np.iinfo(np.int64).max


def index_key(options: IndexOptions) -> dict[str, Any]:
    """The index options that decide a piece's content (recorded with each piece)."""
    d = asdict(options)
    d.pop("shard_tokens", None)
    d["piece_bytes"] = options.shard_tokens or DEFAULT_PIECE_BYTES
    return d


def finished_index(out_dir: Path, wanted: dict[str, Any]) -> NgramIndex | None:
    """The scan index at ``out_dir`` when its top manifest records every ``wanted`` field with
    that value; otherwise its stale or foreign manifest is removed (the caller rebuilds, reusing
    the pieces that still match) and None is returned."""
    top = out_dir / MANIFEST
    if not top.is_file():
        return None
    try:
        m = json.loads(top.read_text(encoding="utf-8"))
        if all(m.get(k) == v for k, v in wanted.items()):
            return NgramIndex.open(out_dir)
    except (ValueError, OSError):
        pass
    top.unlink()
    return None


def fold_best(best_doc: np.ndarray, best_sim: np.ndarray, item: np.ndarray, doc: np.ndarray, sim: np.ndarray) -> None:
    """Update per-item best (doc, sim) in place with candidate triples: higher similarity
    wins, ties go to the smaller document id."""
    if item.size == 0:
        return
    order = np.lexsort((doc, -sim, item))
    it = item[order]
    first = order[np.r_[True, it[1:] != it[:-1]]]
    i, d, s = item[first], doc[first], sim[first]
    cur_d, cur_s = best_doc[i], best_sim[i]
    better = (cur_d < 0) | (s > cur_s) | ((s == cur_s) & (d < cur_d))
    best_doc[i[better]] = d[better]
    best_sim[i[better]] = s[better]


class BlockMatcher:
    """Benchmark items' MinHash signatures in an LSH band table, matched block by block."""

    def __init__(self, item_sig: np.ndarray, options: MinHashOptions) -> None:
        self.item_sig = item_sig
        self.threshold = options.threshold
        self.kw = options.spec.kwargs()
        self.lsh = LSH(threshold=options.threshold, num_perm=item_sig.shape[1], weights=RECALL_WEIGHTS)
        self.lsh.insert(item_sig)
        self.best_doc = np.full(item_sig.shape[0], -1, dtype=np.int64)
        self.best_sim = np.zeros(item_sig.shape[0], dtype=np.float64)

    @classmethod
    def for_items(cls, items: Sequence[str], options: MinHashOptions) -> BlockMatcher:
        return cls(minhash(list(items), **options.spec.kwargs()), options)

    def fold(self, texts: list[str], base: int) -> None:
        """Sign a block of documents (ids ``base..``), verify its LSH candidates by
        estimated Jaccard and fold those at or above the threshold into the best match."""
        sig = minhash(texts, **self.kw)
        cands = self.lsh.query(sig)
        doc = np.repeat(np.arange(len(texts), dtype=np.int64), cands.counts())
        if doc.size == 0:
            return
        pairs = np.ascontiguousarray(np.column_stack([doc, cands.values]).astype(np.int64))
        sim = _core.signature_pair_similarity(sig, self.item_sig, pairs)
        ok = sim >= self.threshold
        fold_best(self.best_doc, self.best_sim, pairs[ok, 1], pairs[ok, 0] + base, sim[ok])


def empty_topk(n_items: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Running top-k lists with every slot empty (score -inf, id :data:`NO_ID`)."""
    return np.full((n_items, k), -np.inf, dtype=np.float32), np.full((n_items, k), NO_ID, dtype=np.int64)


def merge_topk(s1: np.ndarray, i1: np.ndarray, s2: np.ndarray, i2: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise top-``k`` of two (score, id) lists: best score first, ties to the smaller id."""
    s = np.concatenate([s1, s2], axis=1)
    i = np.concatenate([i1, i2], axis=1)
    order = np.lexsort((i, -s), axis=-1)[:, :k]
    return np.take_along_axis(s, order, axis=1), np.take_along_axis(i, order, axis=1)


def embed_block_topk(q: np.ndarray, texts: list[str], embed: Callable[[Sequence[str]], np.ndarray], k: int,
                     where: str = "corpus documents") -> tuple[np.ndarray, np.ndarray]:
    """Embed a block and return each query's exact cosine top-``k`` within it (block-local ids)."""
    emb = np.asarray(embed(texts), dtype=np.float32)
    if emb.ndim != 2 or emb.shape[0] != len(texts) or emb.shape[1] != q.shape[1]:
        raise ValueError(f"the embedder returned shape {emb.shape} for {len(texts)} {where}; "
                         f"expected ({len(texts)}, {q.shape[1]})")
    return topk(q, emb, k=k, metric="cosine")
