"""The scan's index path: n-gram evidence from a corpus :class:`NgramIndex` instead of the stream.

``scan(index=DIR)``: DIR holding an index built by ``seenit index build`` (or the
:class:`NgramIndex` API) is opened and checked against the scan — same normalisation,
``bytes`` tokenizer, as many documents as the corpus; an empty or new DIR gets an index built
there by the engine in resumable pieces, kept for the next scan of the same files (a
scan-built index of other files or settings is refused, never silently rebuilt over).
Either way the queries cost O(benchmark), so scanning many benchmarks against one corpus
over months pays for the index once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..io import write_json
from ..ngram.index import NgramIndex
from ..ngram.index_format import MANIFEST
from .blocks import index_key
from .engine import Engine, IndexOptions, Paths

#: What a scan-built index was built from (the corpus files' paths, sizes, times and the options).
STAMP = "scan-index.json"


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
                                 f"the scan uses {want}; build it with the scan's settings (seenit index build "
                                 "--lowercase --collapse-whitespace --strip-punctuation for the default), or scan "
                                 "with settings that match it (--keep-punctuation for an index without "
                                 "--strip-punctuation)")
            return idx
        _check_stamp(path, corpus, options, must_exist=True)
    elif path.exists() and any(path.iterdir()) and not (path / STAMP).is_file():
        raise ValueError(f"index {path} exists but holds no n-gram index; give an empty or new directory")
    else:
        _check_stamp(path, corpus, options, must_exist=False)
    return engine.build_index(corpus, path, options, progress=progress)


def _stamp(corpus: Paths, options: IndexOptions) -> dict[str, Any]:
    files = [Path(f).resolve() for f in corpus]
    return {"key": index_key(options),
            "inputs": [{"path": str(f), "size": f.stat().st_size, "mtime_ns": f.stat().st_mtime_ns} for f in files]}


def _check_stamp(path: Path, corpus: Paths, options: IndexOptions, must_exist: bool) -> None:
    """A scan-built index (finished or not) is reused only for the files and settings it was
    built from (recorded in DIR/scan-index.json when its build starts); anything else is
    refused rather than silently rebuilt over."""
    want = _stamp(corpus, options)
    f = path / STAMP
    try:
        got = json.loads(f.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if must_exist:
            raise ValueError(f"index {path} was built by a scan that recorded no inputs; build a new one") from None
        path.mkdir(parents=True, exist_ok=True)
        write_json(f, want)
        return
    except (OSError, ValueError) as e:
        raise ValueError(f"index {path}: cannot read {STAMP}: {e}") from None
    if got != want:
        what = [k for k in ("key", "inputs") if got.get(k) != want[k]]
        raise ValueError(f"index {path} was built from other {' and '.join('settings' if k == 'key' else 'corpus files' for k in what)} "
                         "than this scan's; give another directory (or delete this one to rebuild it)")


def check_index_covers(idx: NgramIndex, path: Path, n_docs: int) -> None:
    """The index must hold exactly the corpus' documents (ids are positions in both)."""
    if idx.n_docs != n_docs:
        raise ValueError(f"index {path} holds {idx.n_docs:,} documents but the corpus has {n_docs:,}; "
                         "it was built from other files (or with another field)")
