"""The scan's index path: n-gram evidence from a corpus :class:`NgramIndex` instead of the stream.

``scan(index=DIR)``: DIR holding an index built by ``seenit index build`` (or the
:class:`NgramIndex` API) is opened and checked against the scan — same normalisation,
``bytes`` tokenizer, as many documents as the corpus; DIR holding a scan-built index, or
nothing, is (re)built there by the engine in resumable pieces and kept for the next scan.
Either way the queries cost O(benchmark), so scanning many benchmarks against one corpus
over months pays for the index once.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..ngram.index import NgramIndex
from ..ngram.index_format import MANIFEST
from .engine import Engine, IndexOptions, Paths


def open_or_build_index(engine: Engine, corpus: Paths, path: Path, options: IndexOptions, progress: bool) -> NgramIndex:
    """The corpus index at ``path``: opened when built elsewhere, else built or resumed there."""
    top = path / MANIFEST
    if top.is_file():
        try:
            manifest = json.loads(top.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ValueError(f"index {path}: cannot read {MANIFEST}: {e}") from None
        if "scan_index" not in manifest:  # someone's own index: use it, never rebuild or remove it
            idx = NgramIndex.open(path)
            want = {"lowercase": options.lowercase, "collapse_whitespace": options.collapse_whitespace,
                    "strip_punctuation": options.strip_punctuation}
            if idx.tokenizer.spec != "bytes":
                raise ValueError(f"index {path} uses the {idx.tokenizer.spec!r} tokenizer; the scan needs a 'bytes' index "
                                 "(seenit index build --tokenizer bytes)")
            if idx.normalisation.to_dict() != want:
                raise ValueError(f"index {path} was built with normalisation {idx.normalisation.to_dict()}, "
                                 f"the scan uses {want}; build it with the scan's settings")
            return idx
    elif path.exists() and any(path.iterdir()) and not (path / "pieces").is_dir():
        raise ValueError(f"index {path} exists but holds no n-gram index; give an empty or new directory")
    return engine.build_index(corpus, path, options, progress=progress)


def check_index_covers(idx: NgramIndex, path: Path, n_docs: int) -> None:
    """The index must hold exactly the corpus' documents (ids are positions in both)."""
    if idx.n_docs != n_docs:
        raise ValueError(f"index {path} holds {idx.n_docs:,} documents but the corpus has {n_docs:,}; "
                         "it was built from other files (or with another field)")
