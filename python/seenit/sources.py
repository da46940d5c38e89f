"""Inputs beyond local files: fsspec URLs and in-memory tables, as sources of the readers.

:func:`seenit.io.expand_paths` turns every corpus or benchmark input into a list of
*sources*, and the readers of seenit.io and seenit.text_blocks read each the same way:

- a local file: a ``Path`` (unchanged);
- a :class:`RemoteFile`: one file behind an fsspec URL (``s3://``, ``gs://``, ``hf://``,
  ``memory://``, ...), read through the same format readers as a local file (its name
  gives its format). fsspec and its backends are optional and imported only when a URL is
  given; a missing backend names the package to install.
- a :class:`TableSource`: a Hugging Face ``datasets.Dataset`` / ``IterableDataset``, a
  pandas ``DataFrame`` or a pyarrow ``Table`` / ``RecordBatch`` / ``RecordBatchReader``,
  whose text column is read in Arrow batches (streamed where the object streams); its
  rows are numbered from 1, as a Parquet file's, and its provenance is its ``name``.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import numpy.typing as npt

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_MAGIC = re.compile(r"[*?\[]")


def is_url(s: str) -> bool:
    """``scheme://...`` that is not an existing local path."""
    return bool(_URL.match(s)) and not os.path.exists(s)


# ------------------------------------------------------------------ fsspec URLs


@dataclass(frozen=True, eq=False)
class RemoteFile:
    """One file behind an fsspec URL. ``str()`` is its URL (the provenance of its records);
    ``name`` its base name (what gives its format)."""

    url: str
    fs: Any
    path: str

    @property
    def name(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"RemoteFile({self.url!r})"

    def open(self) -> IO[bytes]:
        """The file's (compressed) bytes."""
        try:
            return self.fs.open(self.path, "rb")  # type: ignore[no-any-return]
        except FileNotFoundError:
            raise FileNotFoundError(f"input file not found: {self.url!r}") from None

    def fingerprint(self) -> str:
        """fsspec's key of the file's current version (size, modification time or ETag)."""
        return f"{self.url}\0{self.fs.ukey(self.path)}"


def _backend_package(fsspec: Any, protocol: str) -> str:
    """What to pip install for ``protocol``: the module fsspec's registry names for it."""
    from fsspec.registry import known_implementations

    spec = known_implementations.get(protocol, {})
    module = str(spec.get("class", "")).split(".", 1)[0]
    if module and module != "fsspec":
        return module.replace("_", "-")
    return str(spec.get("err", "")) or f"the fsspec backend for {protocol}://"


def _filesystem(url: str) -> tuple[Any, str]:
    protocol = url.split("://", 1)[0].lower()
    try:
        import fsspec
    except ImportError:
        raise ImportError(f"reading {url!r} needs fsspec: pip install fsspec (or pip install 'seenit[io]'), "
                          f"plus its backend for {protocol}://") from None
    try:
        return fsspec.core.url_to_fs(url)  # type: ignore[no-any-return]
    except ImportError:
        raise ImportError(f"reading {url!r} needs the fsspec backend for {protocol}://: "
                          f"pip install {_backend_package(fsspec, protocol)}") from None
    except ValueError as e:
        if protocol not in fsspec.available_protocols():
            raise ValueError(f"{url!r}: unknown URL scheme {protocol!r} (fsspec knows: "
                             f"{', '.join(sorted(fsspec.available_protocols()))})") from None
        raise ValueError(f"{url!r}: {e}") from None


def expand_url(url: str, readable: Callable[[str], bool]) -> list[RemoteFile]:
    """The files an fsspec URL names: itself, a glob's matches or a directory's readable files
    (``readable(name)``), sorted. Raises FileNotFoundError naming the URL when there are none."""
    fs, path = _filesystem(url)
    try:
        return _list_url(url, fs, path, readable)
    except (FileNotFoundError, PermissionError):
        raise
    except Exception as e:  # a backend's own errors (no network, no credentials, ...)
        raise OSError(f"{url!r}: cannot list it ({type(e).__name__}: {e})") from None


def _list_url(url: str, fs: Any, path: str, readable: Callable[[str], bool]) -> list[RemoteFile]:
    if _MAGIC.search(path):
        found = fs.glob(path, detail=True)
        files = sorted(p for p, info in found.items() if info.get("type") == "file")
        if not files:
            raise FileNotFoundError(f"no files match {url!r}")
    elif fs.isdir(path):
        files = sorted(p for p in fs.find(path) if readable(p.rsplit("/", 1)[-1]))
        if not files:
            raise FileNotFoundError(f"directory {url!r} holds no readable files")
    elif fs.isfile(path):
        return [RemoteFile(url, fs, path)]
    else:
        raise FileNotFoundError(f"input file not found: {url!r}")
    return [RemoteFile(fs.unstrip_protocol(p), fs, p) for p in files]


def local_path_of(url: str) -> str | None:
    """The local path of a ``file://`` URL (read as the local file it is), else None."""
    if url.lower().startswith("file://"):
        return url[len("file://"):] or "/"
    return None


# ------------------------------------------------------------------ in-memory tables


def _class_of(obj: Any, module: str, names: tuple[str, ...]) -> str | None:
    """The name of ``obj``'s class if it is one of ``module``'s ``names`` (the module is not
    imported: an object of its classes exists only once it is)."""
    mod = sys.modules.get(module)
    if mod is None:
        return None
    for n in names:
        cls = getattr(mod, n, None)
        if isinstance(cls, type) and isinstance(obj, cls):
            return n
    return None


def table_kind(obj: Any) -> str | None:
    """``"datasets.Dataset"``, ``"pandas.DataFrame"``, ``"pyarrow.Table"``, ... for the
    in-memory tables the readers take, else None."""
    for module, names in (("datasets", ("Dataset", "IterableDataset")), ("pandas", ("DataFrame",)),
                          ("pyarrow", ("Table", "RecordBatch", "RecordBatchReader"))):
        n = _class_of(obj, module, names)
        if n is not None:
            return f"{module}.{n}"
    return None


def _pyarrow(what: str) -> Any:
    try:
        import pyarrow
        import pyarrow.compute  # noqa: F401
    except ImportError:
        raise ImportError(f"reading a {what} needs pyarrow: pip install 'seenit[io]'") from None
    return pyarrow


@dataclass(eq=False)
class TableSource:
    """An in-memory table as a corpus or benchmark source; ``name`` is its provenance
    (``"<pandas.DataFrame>"``), rows count from 1."""

    obj: Any
    kind: str
    name: str
    _head: list[Any] = field(default_factory=list, repr=False)
    _spent: bool = field(default=False, repr=False)

    def __str__(self) -> str:
        return self.name

    def columns(self) -> list[str] | None:
        """The column names (None when an IterableDataset does not know them yet)."""
        o = self.obj
        if self.kind.startswith("datasets."):
            return list(o.column_names) if o.column_names is not None else None
        if self.kind == "pandas.DataFrame":
            return [str(c) for c in o.columns]
        return list(o.schema.names)

    def check_column(self, column: str, names: list[str] | None = None) -> None:
        """ValueError naming the columns there are when ``column`` is not one of them."""
        names = self.columns() if names is None else names
        if names is not None and column not in names:
            raise ValueError(f"{self.name}: column {column!r} not found (columns: {', '.join(map(str, names))})")

    def batches(self, column: str, batch_rows: int, all_columns: bool = False) -> Iterator[Any]:
        """The table in pyarrow ``Table`` / ``RecordBatch`` pieces of at most about ``batch_rows``
        rows: only ``column`` unless ``all_columns`` (which ``keep_data`` needs)."""
        pa = _pyarrow(self.kind)
        self.check_column(column)
        o, k = self.obj, self.kind
        cols = None if all_columns else [column]
        if k.startswith("datasets."):
            ds = o if cols is None else o.select_columns(cols)
            for t in ds.with_format("arrow").iter(batch_size=batch_rows):
                self.check_column(column, t.schema.names)  # an IterableDataset's columns show only now
                yield t
        elif k == "pandas.DataFrame":
            frame = o if cols is None else o[cols]
            for a in range(0, len(frame), batch_rows):
                part = frame.iloc[a : a + batch_rows]
                try:
                    yield pa.Table.from_pandas(part, preserve_index=False)
                except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
                    raise ValueError(f"{self.name}: rows {a + 1}-{a + len(part)} do not convert to Arrow ({e})") from None
        elif k == "pyarrow.Table":
            yield from (o if cols is None else o.select(cols)).to_batches(max_chunksize=batch_rows)
        elif k == "pyarrow.RecordBatch":
            yield o if cols is None else o.select(cols)
        else:
            yield from self._read_once()

    def _read_once(self) -> Iterator[Any]:
        """A RecordBatchReader's batches. It reads only once; its first batch is kept, so a peek
        (the scan's check that the corpus is not empty) does not use it up."""
        if self._spent:
            raise ValueError(f"{self.name} was read already and a pyarrow RecordBatchReader reads only once; "
                             "pass a pyarrow.Table (reader.read_all()) where the input is read more than once")
        yield from self._head
        for b in self.obj:
            if not self._head:
                self._head.append(b)
            else:
                self._spent = True
            yield b
        self._spent = True

    def fingerprint(self, column: str) -> str:
        """What identifies the text of ``column`` for a resumed scan: a Dataset's own
        fingerprint, else a hash of the column's text (a RecordBatchReader or IterableDataset,
        read once, cannot be hashed beforehand: a new value every time, so a run never resumes)."""
        fp = getattr(self.obj, "_fingerprint", None) if self.kind == "datasets.Dataset" else None
        if isinstance(fp, str):
            return f"{self.kind}\0{fp}"
        if self.kind in ("pyarrow.RecordBatchReader", "datasets.IterableDataset"):
            return f"{self.kind}\0{os.urandom(16).hex()}"
        h = hashlib.sha256(self.kind.encode())
        for b in self.batches(column, 1 << 16):
            values, offsets = text_buffers(b.column(column), self.name, column)
            h.update((offsets - offsets[0]).tobytes())
            h.update(values[offsets[0] : offsets[-1]].tobytes())
        return f"{self.kind}\0{h.hexdigest()}"


def table_source(obj: Any, name: str | None = None) -> TableSource | None:
    """``obj`` as a :class:`TableSource` when it is a table the readers take, else None."""
    kind = table_kind(obj)
    if kind is None:
        return None
    return TableSource(obj, kind, name or f"<{kind}>")


def text_buffers(column: Any, where: str, name: str) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """A pyarrow string column as ``(values, offsets)``: UTF-8 bytes back to back and int64
    offsets (not rebased: the first may be > 0), without a Python object per row. Nulls read
    as empty texts (as the Parquet reader reads them); a column that is not text raises
    ValueError naming it."""
    pa = _pyarrow("table")
    pc = pa.compute
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    t = column.type
    if pa.types.is_dictionary(t):
        column, t = column.dictionary_decode(), t.value_type
    if not (pa.types.is_string(t) or pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", lambda _: False)(t)):
        raise ValueError(f"{where}: column {name!r} must hold strings, got {t}")
    if not pa.types.is_large_string(t):
        column = column.cast(pa.large_string())
    if column.null_count:
        column = pc.fill_null(column, "")
    try:
        column.validate(full=True)  # UTF-8 too: Arrow data read from elsewhere is not checked on load
    except pa.ArrowInvalid as e:
        raise ValueError(f"{where}: column {name!r} is not valid text ({e})") from None
    _, offs, data = column.buffers()
    offsets = np.frombuffer(offs, np.int64)[column.offset : column.offset + len(column) + 1]
    values = np.frombuffer(data, np.uint8) if data is not None and data.size else np.zeros(0, np.uint8)
    return values, offsets
