"""The scan's one pass over the corpus: every method's per-item state, folded block by block.

A :class:`CorpusPass` holds, for the benchmark items that still need them,

- ``ngram``: a :class:`~seenit.ngram.stream.StreamMatcher` (items' n-grams indexed, each
  block's documents probed; the default, index-free path);
- ``minhash``: a :class:`~seenit.scan.blocks.BlockMatcher` (items' signatures in an LSH
  band table, each block signed, looked up and verified);
- ``embed``: each item's running exact top-k over the embedded blocks;

plus the corpus' size (documents, UTF-8 bytes) and the texts of the documents the
evidence may cite. Which documents those are is known while streaming: an item's
current longest n-gram match, best MinHash document and top-k neighbours only ever move
to documents of the block that moved them, so keeping the documents referenced after each
block (and dropping the rest) keeps every document the final evidence cites, and the
corpus is read once. Memory is O(benchmark items x cited documents per item).

States of disjoint slices of the corpus merge (:meth:`merge`) to the state of the whole,
which is how Ray tasks and ``--shard`` runs combine.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ..io import Record
from ..ngram.stream import StreamMatcher
from ..text_blocks import TextBlock
from ..tokenize import Normalisation
from .blocks import NO_ID, BlockMatcher, embed_block_topk, empty_topk, fold_best, merge_topk
from .config import NgramSettings, ScanSettings
from .engine import ItemMatches, MinHashOptions, Neighbours
from .methods import BenchItems, embed_evidence, minhash_evidence, stream_ngram_evidence


#: Provisional document ids of a pass over part of the corpus (a Ray task, a shard): file
#: ``unit`` and position ``j`` in it give ``unit << UNIT_SHIFT | j``. They sort like corpus ids,
#: so "smallest document" tie-breaks agree, and map to corpus ids by one offset per file.
UNIT_SHIFT = 40  # up to 2**40 documents per file, 2**23 files


def packed(unit: int, local: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return (np.int64(unit) << np.int64(UNIT_SHIFT)) | np.asarray(local, dtype=np.int64)


def unpack(ids: npt.NDArray[np.int64], unit_offsets: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Packed ids -> corpus ids, given the first corpus id of every unit."""
    ids = np.asarray(ids, dtype=np.int64)
    return unit_offsets[ids >> UNIT_SHIFT] + (ids & np.int64((1 << UNIT_SHIFT) - 1))


T = TypeVar("T")


@dataclass
class EmbedFold:
    """Embedding top-k state: item embeddings ``q``, the model, ``k``."""

    q: np.ndarray
    embed: Callable[[Sequence[str]], np.ndarray]
    k: int

    def __post_init__(self) -> None:
        self.scores, self.ids = empty_topk(self.q.shape[0], self.k)

    def fold(self, texts: list[str], base: int) -> None:
        s, i = embed_block_topk(self.q, texts, self.embed, self.k)
        self.scores, self.ids = merge_topk(self.scores, self.ids, s, i + base, self.k)


class CorpusPass:
    """Per-item state of every method that streams, for one pass over (a slice of) the corpus."""

    def __init__(self, *, ngram: StreamMatcher | None = None, minhash: BlockMatcher | None = None,
                 embed: EmbedFold | None = None, cite: set[int] | frozenset[int] = frozenset()) -> None:
        self.ngram, self.minhash, self.embed = ngram, minhash, embed
        #: Documents cited regardless of the streamed state (the index path's n-gram evidence).
        self.cite = frozenset(cite)
        self.n_docs = 0  # documents folded (the next block's base when folding in order)
        self.n_bytes = 0
        self.kept: dict[int, Record] = {}

    def fold(self, block: TextBlock, base: int) -> None:
        """Fold a block of documents (ids ``base``, ``base + 1``, ...) into every method's state."""
        if self.ngram is not None:
            self.ngram.fold_utf8(*block.contiguous(), base)
        if self.minhash is not None:
            self.minhash.fold(block.contiguous(), base)  # signed from the block's UTF-8 in place
        if self.embed is not None:
            self.embed.fold(block.texts(), base)  # embedders read str
        n = len(block)
        self.n_docs += n
        self.n_bytes += block.n_bytes
        want = self.referenced()
        self.kept = {d: r for d, r in self.kept.items() if d in want}
        self.kept.update((int(d), block.record(int(d) - base)) for d in want if base <= d < base + n)

    def _keep(self, new: dict[int, Record]) -> None:
        want = self.referenced()
        self.kept = {d: r for d, r in self.kept.items() if d in want}
        self.kept.update((d, r) for d, r in new.items() if d in want)

    def referenced(self) -> set[int]:
        """Every document the current state could cite."""
        out: set[int] = set(self.cite)
        if self.ngram is not None:
            out.update(self.ngram.cited_docs())
        if self.minhash is not None:
            out.update(int(d) for d in self.minhash.best_doc[self.minhash.best_doc >= 0])
        if self.embed is not None:
            out.update(int(d) for d in np.unique(self.embed.ids[self.embed.ids != NO_ID]))
        return out

    # ------------------------------------------------------------------ state
    def state(self) -> dict[str, np.ndarray]:
        """Everything the pass knows, as arrays (a checkpoint, or a partial state to merge)."""
        out: dict[str, np.ndarray] = {"n_docs": np.array(self.n_docs, np.int64), "n_bytes": np.array(self.n_bytes, np.int64)}
        if self.ngram is not None:
            out.update({f"ngram_{k}": v for k, v in self.ngram.state().items()})
        if self.minhash is not None:
            out["minhash_doc"], out["minhash_sim"] = self.minhash.best_doc, self.minhash.best_sim
        if self.embed is not None:
            out["embed_scores"], out["embed_ids"] = self.embed.scores, self.embed.ids
        kept = [[d, r.text, r.path, r.line] for d, r in sorted(self.kept.items())]
        out["kept"] = np.frombuffer(json.dumps(kept, ensure_ascii=False).encode("utf-8", "surrogatepass"), np.uint8)
        return out

    def load(self, state: dict[str, Any]) -> None:
        """Replace this (fresh) pass' state with ``state`` (a checkpoint of the same pass)."""
        self.n_docs, self.n_bytes, self.kept = 0, 0, {}
        self.merge(state)

    def merge(self, state: dict[str, Any]) -> None:
        """Merge the state of another, disjoint slice of the corpus (order-independent)."""
        try:
            self.n_docs += int(state["n_docs"])
            self.n_bytes += int(state["n_bytes"])
            if self.ngram is not None:
                self.ngram.merge({k[len("ngram_"):]: v for k, v in state.items() if k.startswith("ngram_")})
            if self.minhash is not None:
                doc, sim = np.asarray(state["minhash_doc"]), np.asarray(state["minhash_sim"])
                ok = doc >= 0
                fold_best(self.minhash.best_doc, self.minhash.best_sim, np.flatnonzero(ok), doc[ok], sim[ok])
            if self.embed is not None:
                self.embed.scores, self.embed.ids = merge_topk(self.embed.scores, self.embed.ids,
                                                               np.asarray(state["embed_scores"]),
                                                               np.asarray(state["embed_ids"]), self.embed.k)
            kept = json.loads(np.asarray(state["kept"], np.uint8).tobytes().decode("utf-8", "surrogatepass"))
        except KeyError as e:
            raise ValueError(f"a partial scan state lacks {e.args[0]!r} (made with other methods?)") from None
        self._keep({int(d): Record(t, p, int(ln)) for d, t, p, ln in kept} | self.kept)


@dataclass
class PassPlan:
    """What one pass computes: per method, the benchmarks still missing its result."""

    todo: dict[str, list[BenchItems]]
    ngram: NgramSettings
    normalisation: Normalisation
    settings: ScanSettings
    max_docs: int
    embed_fn: Callable[[Sequence[str]], np.ndarray] | None = None
    _queries: np.ndarray | None = dc_field(default=None, init=False, repr=False)

    @classmethod
    def make(cls, todo: dict[str, list[BenchItems]], ngram: NgramSettings, normalisation: Normalisation,
             settings: ScanSettings, max_docs: int, embed_fn: Callable[[Sequence[str]], np.ndarray] | None) -> PassPlan:
        plan = cls(dict(todo), ngram, normalisation, settings, max_docs, embed_fn)
        if "embed" in plan.todo:  # embedded once here, not in every task that makes a pass
            if embed_fn is None or settings.embed is None:
                raise ValueError("method 'embed' needs an embedding model (embed=...)")
            plan._queries = np.ascontiguousarray(embed_fn(plan.texts("embed")), dtype=np.float32)
        return plan

    def texts(self, method: str) -> list[str]:
        return [t for b in self.todo.get(method, []) for t in b.texts]

    def new_pass(self, cite: set[int] | frozenset[int] = frozenset()) -> CorpusPass:
        """A fresh :class:`CorpusPass` for this plan."""
        ngram = minhash = embed = None
        if "ngram" in self.todo:
            ngram = StreamMatcher(self.texts("ngram"), n=self.ngram.min_n, normalisation=self.normalisation,
                                  max_docs=self.max_docs)
        if "minhash" in self.todo:
            mh = self.settings.minhash
            minhash = BlockMatcher.for_items(self.texts("minhash"), MinHashOptions(threshold=mh.partial_at, spec=mh.spec))
        if "embed" in self.todo:
            es, fn, q = self.settings.embed, self.embed_fn, self._queries
            if es is None or fn is None or q is None:  # make() embeds the items; a plan built otherwise cannot
                raise ValueError("method 'embed' needs an embedding model and the items' embeddings (PassPlan.make)")
            embed = EmbedFold(q, fn, es.k)
        return CorpusPass(ngram=ngram, minhash=minhash, embed=embed, cite=cite)

    def evidence(self, cpass: CorpusPass) -> dict[str, list[tuple[BenchItems, list[dict[str, Any]]]]]:
        """Per method, each benchmark's evidence from the finished pass."""
        out: dict[str, list[tuple[BenchItems, list[dict[str, Any]]]]] = {}
        for m, benches in self.todo.items():
            if m == "ngram":
                evs = stream_ngram_evidence(_part(cpass.ngram, m), self.texts("ngram"), self.ngram)
            elif m == "minhash":
                mh = _part(cpass.minhash, m)
                evs = minhash_evidence(ItemMatches(mh.best_doc, mh.best_sim), self.settings.minhash)
            else:
                em, es = _part(cpass.embed, m), _part(self.settings.embed, m)
                kk = min(es.k, cpass.n_docs)
                nb = Neighbours(np.ascontiguousarray(em.ids[:, :kk]), np.ascontiguousarray(em.scores[:, :kk]))
                evs = embed_evidence(nb, es)
            lo = 0
            out[m] = []
            for b in benches:
                out[m].append((b, evs[lo : lo + len(b.texts)]))
                lo += len(b.texts)
        return out


def _part(x: T | None, method: str) -> T:
    """A method's state or settings, which a pass made by the same plan has."""
    if x is None:
        raise ValueError(f"the pass has no {method} state: it was not made by this plan")
    return x


def renumbered(state: dict[str, Any], fn: Callable[[np.ndarray], np.ndarray]) -> dict[str, Any]:
    """A pass state with every document id mapped through ``fn`` (vectorised; order-preserving),
    e.g. from a task's provisional ids to the corpus' ids."""
    out = dict(state)
    for k, empty in (("ngram_first_doc", -1), ("ngram_docs", -1), ("minhash_doc", -1), ("embed_ids", NO_ID)):
        if k in out:
            a = np.array(out[k], dtype=np.int64)
            real = a != empty
            a[real] = fn(a[real])
            out[k] = a
    kept = json.loads(np.asarray(state["kept"], np.uint8).tobytes().decode("utf-8", "surrogatepass"))
    ids = fn(np.array([d for d, *_ in kept], dtype=np.int64)) if kept else []
    kept = [[int(i), *rest] for i, (_, *rest) in zip(ids, kept)]
    out["kept"] = np.frombuffer(json.dumps(kept, ensure_ascii=False).encode("utf-8", "surrogatepass"), np.uint8)
    return out
