"""Corpus documents in blocks of UTF-8 bytes: the reader of the scan's hot path.

:func:`iter_text_blocks` gives the documents :func:`seenit.io.iter_records` gives, in the
same order, with the same texts, file names, line numbers, skipped lines and errors, but
as :class:`TextBlock` s: each block's texts UTF-8 encoded back to back in one array with
CSR offsets, which is what the native kernels read. JSON lines (.jsonl, .gz, .zst) are
read by the native field reader (``_core.jsonl_fields``, cpp/src/common/jsonl.cpp): no
Python object per line; the lines it does not take (invalid JSON, a missing or
non-string field, a lone surrogate, ...) are read by :mod:`seenit.io`'s own line reader,
which decides their record or error. Other formats (and every format with
``SEENIT_PLAIN_IO=1``) are read as records and encoded, except in-memory tables
(seenit.sources), whose Arrow text buffers are the block as they are.
A document's ``str`` is made only when asked for (:meth:`TextBlock.text`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _core
from .io import (
    EmptyTextWarning,
    Record,
    _format_of,
    _iter_records,
    _jsonl_record,
    _raise_plain_error,
    expand_paths,
    line_chunks,
)
from .sources import TableSource, text_buffers

#: What the native field reader reads (the JSON-lines formats of seenit.io).
_JSONL_FORMATS = (".jsonl", ".ndjson", ".jsonl.gz", ".jsonl.zst", ".gz", ".zst")


@dataclass
class TextBlock:
    """Consecutive corpus documents: document ``j``'s text is
    ``values[offsets[j]:offsets[j + 1]]`` (UTF-8, lone surrogates as ``surrogatepass``
    writes them); it comes from ``paths[path_index[j]]``, line (or row) ``lines[j]``."""

    values: npt.NDArray[np.uint8]
    offsets: npt.NDArray[np.int64]
    paths: list[str]
    path_index: npt.NDArray[np.int32]
    lines: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.offsets.size) - 1

    @property
    def n_bytes(self) -> int:
        """UTF-8 bytes of the block's texts."""
        return int(self.offsets[-1] - self.offsets[0])

    def text(self, j: int) -> str:
        return bytes(self.values[self.offsets[j] : self.offsets[j + 1]]).decode("utf-8", "surrogatepass")

    def texts(self) -> list[str]:
        """Every document's text (decoded now: for the methods that need ``str``)."""
        values, offsets = self.contiguous()
        view = memoryview(values)  # decoded in place: no copy of the block, none per document
        o = offsets.tolist()
        return [str(view[o[j] : o[j + 1]], "utf-8", "surrogatepass") for j in range(len(self))]

    def record(self, j: int) -> Record:
        return Record(self.text(j), self.paths[int(self.path_index[j])], int(self.lines[j]))

    def contiguous(self) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        """``(values, offsets)`` with offsets from 0 (a slice's view rebased)."""
        if self.offsets[0] == 0 and self.values.size == self.offsets[-1]:
            return self.values, self.offsets
        return self.values[self.offsets[0] : self.offsets[-1]], self.offsets - self.offsets[0]

    def slice(self, a: int, b: int) -> TextBlock:
        """Documents ``a..b-1`` (views, no copy)."""
        return TextBlock(self.values, self.offsets[a : b + 1], self.paths, self.path_index[a:b], self.lines[a:b])

    @classmethod
    def from_records(cls, records: list[Record]) -> TextBlock:
        parts = [r.text.encode("utf-8", "surrogatepass") for r in records]
        offsets = np.zeros(len(parts) + 1, np.int64)
        np.cumsum(np.fromiter(map(len, parts), np.int64, count=len(parts)), out=offsets[1:])
        paths: dict[str, int] = {}
        index = np.fromiter((paths.setdefault(r.path, len(paths)) for r in records), np.int32, count=len(records))
        return cls(np.frombuffer(b"".join(parts), np.uint8), offsets, list(paths), index,
                   np.fromiter((r.line for r in records), np.int64, count=len(records)))

    @classmethod
    def concat(cls, blocks: list[TextBlock]) -> TextBlock:
        if len(blocks) == 1:
            return blocks[0]
        values, offsets, paths, index, lines = [], [np.zeros(1, np.int64)], [], [], []
        total = 0
        for b in blocks:
            v, o = b.contiguous()
            values.append(v)
            offsets.append(o[1:] + total)
            total += int(o[-1])
            index.append(b.path_index + len(paths))
            paths += b.paths
            lines.append(b.lines)
        return cls(np.concatenate(values) if values else np.zeros(0, np.uint8), np.concatenate(offsets), paths,
                   np.concatenate(index).astype(np.int32), np.concatenate(lines))


def iter_text_blocks(inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *, field: str = "text",
                     skip_bad_lines: bool = False, skipped: list[str] | None = None,
                     block_docs: int = 8192) -> Iterator[TextBlock]:
    """The documents of ``inputs`` as :func:`seenit.io.iter_records` reads them, in blocks
    of ``block_docs`` (the last may be shorter; a block may span files). Bad lines are
    appended to ``skipped`` with ``skip_bad_lines``; :class:`EmptyTextWarning` as there."""
    if block_docs < 1:
        raise ValueError(f"block_docs must be >= 1, got {block_docs}")
    skipped = skipped if skipped is not None else []
    pending: list[TextBlock] = []
    n_pending = n = n_empty = 0
    for path in expand_paths(inputs):
        for piece in _file_pieces(path, field, skip_bad_lines, skipped, block_docs):
            n += len(piece)
            n_empty += _count_blank(piece)
            pending.append(piece)
            n_pending += len(piece)
            while n_pending >= block_docs:
                whole = TextBlock.concat(pending)
                yield whole.slice(0, block_docs)
                rest = whole.slice(block_docs, len(whole))
                pending, n_pending = ([rest] if len(rest) else []), len(rest)
    if n_pending:
        yield TextBlock.concat(pending)
    if n and n_empty * 2 > n:
        warnings.warn(EmptyTextWarning(f"{n_empty:,} of {n:,} records have an empty or missing {field!r} field; "
                                       "is that the field with the text?"), stacklevel=2)


def _file_pieces(path: Any, field: str, skip_bad_lines: bool, skipped: list[str], block_docs: int) -> Iterator[TextBlock]:
    if isinstance(path, TableSource):
        yield from _table_pieces(path, field, block_docs)
        return
    if _format_of(path) in _JSONL_FORMATS and os.environ.get("SEENIT_PLAIN_IO") != "1":
        yield from _jsonl_pieces(path, field, skip_bad_lines, skipped)
        return
    batch: list[Record] = []
    for r in _iter_records([path], field, False, skip_bad_lines, skipped, block_docs):
        batch.append(r)
        if len(batch) == block_docs:
            yield TextBlock.from_records(batch)
            batch = []
    if batch:
        yield TextBlock.from_records(batch)


def _table_pieces(table: TableSource, field: str, block_docs: int) -> Iterator[TextBlock]:
    """One block per Arrow batch of the table: its text buffers, no Python object per row."""
    first_row = 1
    for batch in table.batches(field, block_docs):
        values, offsets = text_buffers(batch.column(field), table.name, field)
        n = offsets.size - 1
        if n:
            yield TextBlock(values, offsets, [table.name], np.zeros(n, np.int32), np.arange(first_row, first_row + n))
        first_row += n


def _jsonl_pieces(path: Path, field: str, skip_bad_lines: bool, skipped: list[str]) -> Iterator[TextBlock]:
    """One block per chunk of the file: the native reader's rows, deferred lines read by seenit.io."""
    name = str(path)
    first_line = 1
    for chunk in line_chunks(path):
        values, offsets, line, deferred, begin, end, n_lines = _core.jsonl_fields(np.frombuffer(chunk, np.uint8), field)
        lines = line + first_line
        if deferred.any():
            values, offsets, lines = _with_deferred(path, chunk, values, offsets, lines, deferred, begin, end, field,
                                                    skip_bad_lines, skipped)
        if lines.size:
            yield TextBlock(values, offsets, [name], np.zeros(lines.size, np.int32), lines)
        first_line += int(n_lines)


def _with_deferred(path: Path, chunk: memoryview, values: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64],
                   lines: npt.NDArray[np.int64], deferred: npt.NDArray[np.uint8], begin: npt.NDArray[np.int64],
                   end: npt.NDArray[np.int64], field: str, skip_bad_lines: bool,
                   skipped: list[str]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The rows with every deferred line read the way seenit.io's JSONL reader reads it."""
    raw = values.tobytes()
    parts: list[bytes] = []
    kept: list[int] = []
    for r in range(lines.size):
        if not deferred[r]:
            parts.append(raw[offsets[r] : offsets[r + 1]])
            kept.append(int(lines[r]))
            continue
        try:
            text = str(chunk[begin[r] : end[r]], "utf-8")
        except UnicodeDecodeError:
            _raise_plain_error(path)  # the plain reader's own message for bad UTF-8
            raise
        if not text.strip():
            continue  # blank in str.isspace's wider sense
        for rec in _jsonl_record(path, int(lines[r]), text, field, False, skip_bad_lines, skipped):
            parts.append(rec.text.encode("utf-8", "surrogatepass"))
            kept.append(int(lines[r]))
    out_offsets = np.zeros(len(parts) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, parts), np.int64, count=len(parts)), out=out_offsets[1:])
    return np.frombuffer(b"".join(parts), np.uint8), out_offsets, np.array(kept, np.int64)


def _count_blank(block: TextBlock) -> int:
    """Documents whose text is empty or whitespace only (``str.isspace``), for EmptyTextWarning.
    Only a document that starts with a whitespace or non-ASCII byte and whose first 16
    bytes are all whitespace needs decoding whole."""
    values, offsets = block.contiguous()
    lengths = np.diff(offsets)
    n = int(np.count_nonzero(lengths == 0))
    nz = np.flatnonzero(lengths)
    if nz.size:
        first = values[offsets[nz]]
        for j in nz[(first <= 0x20) | (first >= 0x80)].tolist():
            head = values[offsets[j] : min(offsets[j] + 16, offsets[j + 1])].tobytes()
            if head.decode("utf-8", "ignore").strip():  # a cut last character is dropped, not misread
                continue
            n += block.text(j).isspace()
    return n
