"""How a corpus is cut into deterministic work units for Ray tasks.

A *unit* is one input file, in the order :func:`seenit.io.expand_paths` gives (the
order :func:`seenit.io.iter_records` reads). A task reads its unit with the same reader
as the local engine, in *blocks* of ``block_docs`` records. Within the Ray engine a
document is first named by its packed id ``unit << UNIT_SHIFT | position in unit``:
packed ids sort exactly like global ids, so "smallest id" tie-breaks agree, and once
every unit's document count is known they map to the global id (the position in
``iter_records`` order) by one offset per unit.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path


from ..io import expand_paths, iter_batches, iter_records
from .._validate import check_int
from ..scan.corpus_pass import UNIT_SHIFT, packed, unpack  # noqa: F401 (the ids Ray tasks use)

Paths = Sequence[str | os.PathLike[str]] | str | os.PathLike[str]


def plan_units(corpus: Paths) -> list[str]:
    """The corpus files, sorted as :func:`seenit.io.iter_records` reads them."""
    if isinstance(corpus, (str, os.PathLike)):
        corpus = [corpus]
    files = expand_paths(list(corpus))
    if not files:
        raise ValueError("the corpus names no files")
    other = [str(f) for f in files if not isinstance(f, Path)]
    if other:
        raise ValueError(f"the Ray engine reads local files; {other[0]} is not one (use the local engine, "
                         "or copy it to a local or shared file system)")
    if len(files) >= 1 << (63 - UNIT_SHIFT):
        raise ValueError(f"the corpus has {len(files)} files; the Ray engine supports at most {1 << (63 - UNIT_SHIFT)}")
    return [str(f) for f in files]


def iter_blocks(path: str, field: str, block_docs: int, skip_bad_lines: bool = False) -> Iterator[list[str]]:
    """The texts of one unit, ``block_docs`` at a time."""
    records = iter_records(Path(path), field=field, skip_bad_lines=skip_bad_lines)
    for batch in iter_batches(records, block_docs):
        yield [r.text for r in batch]


def check_block_docs(block_docs: object) -> int:
    return check_int(block_docs, "block_docs", 1)


def limit_threads() -> None:
    """Inside a Ray task: one seenit kernel thread per task CPU (Ray runs one task per CPU)."""
    from .. import _core

    _core.set_num_threads(1)
