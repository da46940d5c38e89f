"""The per-block steps both scan engines run, so Local and Ray give the same answers.

A corpus is streamed in blocks of documents; ``base`` is the id of a block's first
document. Each helper folds one block into a running per-item result, and the same
folds merge the partial results of several workers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .. import _core
from ..sketch.dedup import RECALL_WEIGHTS
from ..io import fault_point, write_json
from ..ngram.index_format import FORMAT_NAME, FORMAT_VERSION, MANIFEST, IndexFormatError
from ..sketch.lsh import LSH
from ..ngram.index import NgramIndex
from ..search.topk import topk
from ..sketch.minhash import Docs, minhash
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


def take_piece(texts: Iterator[str], limit: int, on_text: Callable[[str], None] | None = None) -> list[str]:
    """The next piece of the corpus: documents from ``texts`` until their UTF-8 size (plus one
    separator byte each) reaches ``limit``; empty at the end. Both engines cut pieces this way,
    so a piece holds the same documents whichever engine built it."""
    piece: list[str] = []
    size = 0
    for t in texts:
        piece.append(t)
        size += len(t.encode("utf-8")) + 1
        if on_text is not None:
            on_text(t)
        if size >= limit:
            break
    return piece


def build_piece(texts: list[str], piece_dir: Path, key: dict[str, Any]) -> NgramIndex:
    """One index piece of ``texts`` at ``piece_dir`` (replaced if there), made as ``key`` says."""
    return NgramIndex.build(texts, piece_dir, tokenizer=key["tokenizer"], progress=False, overwrite=True,
                            lowercase=key["lowercase"], collapse_whitespace=key["collapse_whitespace"],
                            strip_punctuation=key["strip_punctuation"])


def write_scan_index(out_dir: Path, pieces: Sequence[tuple[str, NgramIndex]], key: dict[str, Any],
                     **extra: Any) -> NgramIndex:
    """Join built pieces (``(directory relative to out_dir, its index)``, in corpus order) into the
    scan index at ``out_dir``: one top manifest whose shards are the pieces, with document offsets
    running on. The manifest is written last, so its presence marks a complete index."""
    shards: list[dict[str, Any]] = []
    n_docs = n_tokens = n_chars = 0
    base: dict[str, Any] | None = None
    for rel, idx in pieces:
        s = idx.manifest["shards"]
        if len(s) != 1 or s[0]["dir"] != ".":
            raise IndexFormatError(f"{out_dir / rel}: a scan index piece must hold exactly one shard")
        shards.append({**s[0], "dir": rel, "doc_offset": n_docs})
        n_docs += idx.n_docs
        n_tokens += idx.n_tokens
        n_chars += int(idx.manifest.get("input_chars", 0))
        base = idx.manifest
    if base is None:
        raise ValueError("the corpus holds no documents")
    manifest = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "tokenizer": base["tokenizer"],
                "normalisation": base["normalisation"], "token_width": base["token_width"],
                "separator": base["separator"], "vocab_size": base["vocab_size"], "n_docs": n_docs,
                "n_tokens": n_tokens, "input_chars": n_chars, "parts": {}, "shards": shards, "scan_index": key, **extra}
    fault_point("scan:before-index-manifest")
    write_json(out_dir / MANIFEST, manifest)
    return NgramIndex.open(out_dir)


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

    def fold(self, docs: Docs, base: int) -> None:
        """Sign a block of documents (ids ``base..``; any form :func:`seenit.minhash` takes, e.g.
        a ragged UTF-8 pair), verify its LSH candidates by estimated Jaccard and fold those at or
        above the threshold into the best match."""
        sig = minhash(docs, **self.kw)
        cands = self.lsh.query(sig)
        doc = np.repeat(np.arange(sig.shape[0], dtype=np.int64), cands.counts())
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
