"""The work a scan does over the whole corpus, behind one small interface.

A scan's corpus-sized steps — building the n-gram index, MinHash-matching benchmark items
against every corpus document, and finding each item's nearest corpus documents by
embedding — go through an :class:`Engine`. ``LocalEngine`` (this package) runs them in this
process with the native kernels; ``seenit.distributed.RayEngine`` runs the same kernels in
Ray tasks. Both must return identical results for the same input: the tests compare them.

Benchmarks are small (thousands of items) and travel whole to every task; the corpus is
only ever streamed, in the order :func:`seenit.io.iter_records` gives, and a document's id
is its position in that order (the same ids the index uses).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from ..text_blocks import TextBlock
from ..ngram.index import NgramIndex
from ..sketch.minhash import MinHashSpec

Paths = Sequence[str | os.PathLike[str]]


@dataclass(frozen=True)
class IndexOptions:
    """How the corpus is tokenized and normalised for the n-gram index."""

    tokenizer: str = "bytes"
    field: str = "text"
    shard_tokens: int | None = None
    lowercase: bool = True
    collapse_whitespace: bool = True
    strip_punctuation: bool = False
    #: Skip malformed corpus lines (counted by the reader) instead of stopping.
    skip_bad_lines: bool = False


@dataclass(frozen=True)
class MinHashOptions:
    """MinHash / LSH settings for matching benchmark items against corpus documents (the corpus
    field and bad-line handling are the pass' own: ``Engine.run_pass``)."""

    threshold: float = 0.5
    spec: MinHashSpec = dc_field(default_factory=MinHashSpec)


@dataclass(frozen=True)
class ItemMatches:
    """Per benchmark item: its best corpus document and that document's estimated Jaccard.

    ``doc_id[i] == -1`` (and ``jaccard[i] == 0``) when no corpus document shared an LSH
    bucket with item ``i`` and passed verification. Ties go to the smaller document id.
    """

    doc_id: npt.NDArray[np.int64]
    jaccard: npt.NDArray[np.float64]


@dataclass(frozen=True)
class Neighbours:
    """Per benchmark item: its ``k`` nearest corpus documents by cosine similarity
    (``ids`` (n_items, k) int64, ``scores`` (n_items, k) float32, best first, ties by smaller id)."""

    ids: npt.NDArray[np.int64]
    scores: npt.NDArray[np.float32]


class PassState(Protocol):
    """What an engine does with the scan pass' per-item state (implemented by
    :class:`seenit.scan.corpus_pass.CorpusPass`): fold blocks, save and load it, merge parts."""

    n_docs: int
    cite: frozenset[int]

    def fold(self, block: TextBlock, base: int) -> None: ...

    def state(self) -> dict[str, np.ndarray]: ...

    def load(self, state: dict[str, Any]) -> None: ...

    def merge(self, state: dict[str, Any]) -> None: ...


class Engine(Protocol):
    """What a scan needs done over the corpus. Implementations: LocalEngine, RayEngine."""

    name: str

    def build_index(self, corpus: Paths, out_dir: Path, options: IndexOptions, *, progress: bool = True) -> NgramIndex:
        """Build (or finish building) the corpus n-gram index at ``out_dir`` and open it."""
        ...

    def run_pass(self, corpus: Paths, field: str, skip_bad_lines: bool, new_pass: Callable[[], PassState], *,
                 key: dict[str, Any], progress: bool = True) -> tuple[PassState, list[str]]:
        """Stream the whole corpus once through pass state(s) from ``new_pass`` (merged when
        several): the finished pass and the skipped lines. ``key`` identifies the pass for
        checkpoints."""
        ...
