"""Reading corpora and benchmarks, writing results atomically.

Readers stream documents from JSONL, JSONL.gz, JSONL.zst, Parquet, CSV and plain
text files (globs and directories expand to their files), from the same files behind
fsspec URLs, and from in-memory tables (Hugging Face datasets, pandas, pyarrow: see
seenit.sources), in batches, so memory stays bounded whatever the corpus size. Every error names the file and, for
line-based formats, the line. Writers go to a temporary name in the target
directory and are renamed into place, so a crash never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import csv
import glob as _glob
import gzip
import importlib
import io
import json
import os
import re
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Union

from .sources import RemoteFile, TableSource, expand_url, is_url, local_path_of, table_source, text_buffers

#: File endings the readers understand, longest first so ".jsonl.zst" wins over ".zst".
FORMATS = (".jsonl.zst", ".jsonl.gz", ".json.gz", ".ndjson", ".jsonl", ".json", ".parquet", ".csv", ".txt", ".zst", ".gz")


@dataclass(frozen=True)
class Record:
    """One document: its text, the file it came from and its 1-based line (or row) there."""

    text: str
    path: str
    line: int
    data: dict[str, Any] | None = None


#: One input the readers read: a local file, a file behind an fsspec URL, an in-memory table.
Source = Union[Path, RemoteFile, TableSource]


def expand_paths(inputs: Any) -> list[Source]:
    """Expand inputs into the sources the readers read, in order: files, directories (their
    readable files, sorted), globs (sorted), fsspec URLs (``s3://``, ``hf://``, ``memory://``,
    ...; globs and directories too; ``file://`` is the local file) and in-memory tables (a
    Hugging Face ``Dataset``/``IterableDataset``, a pandas ``DataFrame``, a pyarrow
    ``Table``/``RecordBatch``/``RecordBatchReader``; see seenit.sources), alone or in a list.

    Raises FileNotFoundError naming the first input that matches nothing, ImportError naming
    the package a URL's scheme needs, TypeError for an input of another type.
    """
    if isinstance(inputs, (str, os.PathLike, TableSource, RemoteFile)) or table_source(inputs) is not None:
        inputs = [inputs]
    if isinstance(inputs, (bytes, dict)) or not isinstance(inputs, Iterable):
        raise TypeError(f"inputs must be paths, URLs or tables (or a list of them), got {type(inputs).__name__}")
    items = list(inputs)
    for pos, item in enumerate(items):  # every type first: nothing is listed or opened for a bad call
        if not isinstance(item, (str, os.PathLike, TableSource, RemoteFile)) and table_source(item) is None:
            raise TypeError(f"inputs[{pos}] must be a path, a URL or a table, got {type(item).__name__}")
    out: list[Source] = []
    for pos, item in enumerate(items):
        if isinstance(item, (TableSource, RemoteFile)):  # expanded already
            out.append(item)
            continue
        table = table_source(item, None if len(items) == 1 else f"<{_kind_name(item)} #{pos}>")
        if table is not None:
            out.append(table)
            continue
        s = os.fspath(item)
        if is_url(s):
            local = local_path_of(s)
            if local is None:
                out.extend(expand_url(s, lambda name: _format_of(Path(name)) is not None))
                continue
            s = local
        if not os.path.exists(s) and any(ch in s for ch in "*?["):  # an existing path is taken literally
            matches = sorted(Path(p) for p in _glob.glob(s, recursive=True) if Path(p).is_file())
            if not matches:
                raise FileNotFoundError(f"no files match {s!r}")
            out.extend(matches)
        elif Path(s).is_dir():
            files = sorted(p for p in Path(s).rglob("*") if p.is_file() and _format_of(p) is not None)
            if not files:
                raise FileNotFoundError(f"directory {s!r} holds no readable files ({', '.join(FORMATS)})")
            out.extend(files)
        elif Path(s).is_file():
            out.append(Path(s))
        else:
            raise FileNotFoundError(f"input file not found: {s!r}")
    return out


def _kind_name(obj: Any) -> str:
    t = table_source(obj)
    return t.kind if t is not None else type(obj).__name__


def source_name(src: Source) -> str:
    """How a source is named in provenance and reports: a file's absolute path, a URL, a table's name."""
    return str(src.resolve()) if isinstance(src, Path) else str(src)


def source_fingerprint(src: Source, field: str) -> str:
    """What a resumed run checks a source against: a file's path, size and modification time;
    a URL's fsspec key; a table's content (of ``field``)."""
    if isinstance(src, Path):
        st = src.stat()
        return f"{src.resolve()}\0{st.st_size}\0{st.st_mtime_ns}"
    if isinstance(src, RemoteFile):
        return src.fingerprint()
    return src.fingerprint(field)


def _open_raw(path: Path | RemoteFile) -> IO[bytes]:
    """The (compressed) bytes of a local file or of a file behind a URL."""
    return path.open() if isinstance(path, RemoteFile) else open(path, "rb")


def _format_of(path: Path | RemoteFile) -> str | None:
    name = path.name.lower()
    for ext in FORMATS:
        if name.endswith(ext):
            return ext
    return None


def _open_text(path: Path | RemoteFile) -> IO[str]:
    name = path.name.lower()
    if name.endswith(".gz"):
        return io.TextIOWrapper(_gzip_reader(path), encoding="utf-8", newline="")
    if name.endswith(".zst"):
        try:
            import zstandard
        except ImportError as e:
            raise ImportError(f"reading {path} needs zstandard: pip install 'seenit[io]'") from e
        return io.TextIOWrapper(io.BufferedReader(_ZstdFrames(path, zstandard)), encoding="utf-8", newline="")
    return io.TextIOWrapper(_open_raw(path), encoding="utf-8", newline="")


def _gzip_reader(path: Path | RemoteFile, igzip: Any = None) -> IO[bytes]:
    """A gzip file's bytes (through isal's igzip when given); closing it closes the file."""
    if isinstance(path, Path):
        return (igzip or gzip).open(path, "rb")  # type: ignore[no-any-return]
    raw = _open_raw(path)
    try:
        fh = igzip.IGzipFile(fileobj=raw, mode="rb") if igzip is not None else gzip.GzipFile(fileobj=raw, mode="rb")
    except BaseException:
        raw.close()
        raise
    fh.myfileobj = raw  # GzipFile closes the file it owns (as gzip.open's own)
    return fh  # type: ignore[no-any-return]


class _ZstdFrames(io.RawIOBase):
    """The decompressed bytes of a .zst file (one or more frames, as ``zstd -d`` reads them).

    Unlike zstandard's stream reader, a file that ends inside a frame (a truncated
    download) raises ValueError instead of reading as shorter, and corrupted data
    raises ValueError naming the file instead of zstandard's own error."""

    _CHUNK = 1 << 20

    def __init__(self, path: Path | RemoteFile, zstandard: Any) -> None:
        self._path = path
        self._zstd = zstandard
        self._fh = _open_raw(path)
        self._dec: Any = None
        self._buf = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()

    def _fill(self) -> None:
        while not self._buf and not self._eof:
            if self._dec is not None and self._dec.eof:
                pending = self._dec.unused_data
                self._dec = None
            else:
                pending = b""
            data = pending or self._fh.read(self._CHUNK)
            if not data:
                if self._dec is not None:
                    raise ValueError(f"{self._path}: corrupted or truncated compressed file (the zstd frame has no end)")
                self._eof = True
                return
            if self._dec is None:
                self._dec = self._zstd.ZstdDecompressor().decompressobj()
            try:
                self._buf = self._dec.decompress(data)
            except self._zstd.ZstdError as e:
                raise ValueError(f"{self._path}: corrupted or truncated compressed file ({e})") from None

    def readinto(self, b: Any) -> int:
        self._fill()
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def iter_json_objects(path: str | os.PathLike[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The JSON objects of a JSONL file (.gz / .zst too), one per non-blank line, each with
    ``"file:line"`` for error messages. A malformed line or a non-object raises ValueError
    naming the file and line."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"file not found: {str(p)!r}")
    for ln, line in _nonblank_lines(p):
        where = f"{p}:{ln}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{where}: not valid JSON ({e.msg})") from None
        except RecursionError:
            raise ValueError(f"{where}: JSON nested too deeply to read") from None
        if not isinstance(obj, dict):
            raise ValueError(f"{where}: expected a JSON object")
        yield where, obj


def _nonblank_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) for each non-blank line of a text file (.gz / .zst too); bad
    UTF-8 and corrupted compressed data raise ValueError naming the file."""
    try:
        with _open_text(path) as fh:
            for ln, line in enumerate(fh, 1):
                if line.strip():
                    yield ln, line
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not valid UTF-8 ({e})") from None
    except (EOFError, gzip.BadGzipFile) as e:
        raise ValueError(f"{path}: corrupted or truncated compressed file ({e})") from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_no_surrogates(texts: Sequence[str], name: str = "docs") -> None:
    """Raise ValueError naming the first text holding a lone surrogate (U+D800..U+DFFF, e.g.
    from a JSON "\\ud800" escape): such a str has no UTF-8 encoding."""
    for i, t in enumerate(texts):
        m = _SURROGATE.search(t)
        if m:
            raise ValueError(f"{name}[{i}] holds a lone surrogate U+{ord(m.group()):04X} at character {m.start()} "
                             "(not encodable as UTF-8); fix or drop that document")


def _field_value(obj: Any, field: str, path: Path, line: int) -> str:
    if not isinstance(obj, dict):
        raise ValueError(f"{path}:{line}: expected a JSON object, got {type(obj).__name__}")
    if field not in obj:
        keys = ", ".join(sorted(map(str, obj))[:10])
        raise ValueError(f"{path}:{line}: field {field!r} not found (fields: {keys})")
    value = obj[field]
    if not isinstance(value, str):
        raise ValueError(f"{path}:{line}: field {field!r} must be a string, got {type(value).__name__}")
    m = _SURROGATE.search(value)
    if m:
        raise ValueError(f"{path}:{line}: field {field!r} holds a lone surrogate U+{ord(m.group()):04X} "
                         f"(a \\u{ord(m.group()):04x} escape without its pair; not encodable as UTF-8)")
    return value


def _read_jsonl(path: Path, field: str, keep_data: bool, skip_bad_lines: bool, skipped: list[str]) -> Iterator[Record]:
    """The JSONL reader: :func:`_read_jsonl_fast` when orjson is installed, else the plain one."""
    orjson = _optional("orjson")
    if orjson is not None:
        return _read_jsonl_fast(path, field, keep_data, skip_bad_lines, skipped, orjson)
    return _read_jsonl_plain(path, field, keep_data, skip_bad_lines, skipped)


def _read_jsonl_plain(path: Path, field: str, keep_data: bool, skip_bad_lines: bool, skipped: list[str]) -> Iterator[Record]:
    """Line by line through a text stream and json.loads: the definition the fast reader matches."""
    for lineno, line in _nonblank_lines(path):
        yield from _jsonl_record(path, lineno, line, field, keep_data, skip_bad_lines, skipped)


def _jsonl_record(path: Path, lineno: int, line: str, field: str, keep_data: bool, skip_bad_lines: bool,
                  skipped: list[str]) -> Iterator[Record]:
    """The record of one non-blank JSONL line (none when it is skipped as bad)."""
    try:
        try:
            obj = json.loads(line)
        except RecursionError:
            raise ValueError(f"{path}:{lineno}: JSON nested too deeply to read") from None
        text = _field_value(obj, field, path, lineno)
    except (json.JSONDecodeError, ValueError) as e:
        msg = str(e) if isinstance(e, ValueError) and str(e).startswith(str(path)) else f"{path}:{lineno}: malformed JSON line: {e}"
        if skip_bad_lines:
            skipped.append(msg)
            return
        raise ValueError(msg) from None
    yield Record(text, str(path), lineno, obj if keep_data else None)


def _read_jsonl_fast(path: Path, field: str, keep_data: bool, skip_bad_lines: bool, skipped: list[str],
                     orjson: Any) -> Iterator[Record]:
    """The records :func:`_read_jsonl_plain` gives, read as bytes in large blocks and parsed
    with orjson. A line orjson parses to an object whose ``field`` is a str is taken as is
    (orjson refuses lone surrogates, so that str encodes); every other line (orjson rejects
    it: NaN, a lone surrogate escape, nesting past 1024, bad UTF-8; or the field is missing or
    not a str; or ``keep_data``, since orjson reads integers past 64 bits as floats) goes
    through the plain reader's own code, so its record or error is the same. Bad UTF-8 is
    reported by reading the file again the plain way, for the identical message."""
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    spath = str(path)
    for lineno, raw in _raw_lines(path):
        if raw[:1] != b"{":  # a blank line (str.strip: Unicode whitespace too) or not an object
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                _raise_plain_error(path)
                raise
            if not line.strip():
                continue
        elif not keep_data:
            try:
                obj = loads(raw)
            except decode_error:
                obj = None
            if type(obj) is dict:
                text = obj.get(field)
                if type(text) is str:
                    yield Record(text, spath, lineno, None)
                    continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            _raise_plain_error(path)
            raise
        yield from _jsonl_record(path, lineno, line, field, keep_data, skip_bad_lines, skipped)


def _raise_plain_error(path: Path) -> None:
    """Read ``path`` the plain way to raise its error (bad UTF-8) with the plain reader's message."""
    for _ in _nonblank_lines(path):
        pass


#: Bytes read at a time by the fast JSONL reader.
_BLOCK = 1 << 22


def line_chunks(path: str | os.PathLike[str] | RemoteFile) -> Iterator[memoryview]:
    """The decompressed bytes of a file (.gz / .zst too) in chunks of whole lines (each cut
    right after a line end: \n, \r or \r\n, never between the two of a \r\n; the last
    chunk may lack its ending), about 4 MiB each; corrupted compressed data raises ValueError
    naming the file, as in :func:`_nonblank_lines`. Chunks are views of the blocks read: a
    line cut by a block boundary is joined on its own, so no block is copied whole."""
    path = path if isinstance(path, RemoteFile) else Path(path)
    try:
        with _open_binary(path) as fh:
            pending: list[bytes | memoryview] = []  # the start of a line cut by a block boundary
            while True:
                block = fh.read(_BLOCK)
                if not block:
                    break
                # cut after the last line end that cannot be the \r of a \r\n split by the block
                nl = block.rfind(b"\n")
                cut = max(nl, block.rfind(b"\r", nl + 1, len(block) - 1))  # a \r before nl cannot be later
                if cut < 0:
                    pending.append(block)
                    continue
                view = memoryview(block)
                start = 0
                if pending:  # finish the pending line with this block's first line end
                    start = _first_line_end(block, pending[-1][-1:] == b"\r")
                    pending.append(view[:start])
                    yield memoryview(b"".join(pending))
                    pending = []
                if start <= cut:
                    yield view[start : cut + 1]
                if cut + 1 < len(block):
                    pending.append(view[cut + 1 :])
            if pending:
                yield memoryview(b"".join(pending))
    except (EOFError, gzip.BadGzipFile) as e:
        raise ValueError(f"{path}: corrupted or truncated compressed file ({e})") from None


def _first_line_end(block: bytes, after_cr: bool) -> int:
    """Where the line that continues into ``block`` ends in it (the index after its ending);
    ``after_cr``: the text before ``block`` ended with \r, so a leading \n completes that \r\n
    and anything else starts a new line. ``block`` holds a line end that is not its last byte."""
    if after_cr:
        return 1 if block[:1] == b"\n" else 0
    nl, cr = block.find(b"\n"), block.find(b"\r")
    if cr < 0 or (0 <= nl < cr):
        return nl + 1
    return cr + 2 if block[cr + 1 : cr + 2] == b"\n" else cr + 1


def _raw_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, line with its ending) for every line of a file, split exactly where
    ``open(newline="")`` splits text (at \\n, \\r and \\r\\n)."""
    ln = 0
    for chunk in line_chunks(path):
        for line in bytes(chunk).splitlines(keepends=True):
            ln += 1
            yield ln, line


def _open_binary(path: Path | RemoteFile) -> IO[bytes]:
    """The decompressed bytes of ``path`` (.gz through isal when installed, .zst, or plain)."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return _GzipBlocks(path, _optional("isal.igzip"))  # type: ignore[return-value]
    if name.endswith(".zst"):
        try:
            import zstandard
        except ImportError as e:
            raise ImportError(f"reading {path} needs zstandard: pip install 'seenit[io]'") from e
        return io.BufferedReader(_ZstdFrames(path, zstandard))
    return _open_raw(path)


class _GzipBlocks(io.RawIOBase):
    """A gzip file's bytes, decompressed by isal (python-isal, about 3x zlib's speed) when
    installed. When isal fails, Python's gzip reads the file again from the start, skips what
    isal gave and goes on, so a corrupted file fails with exactly gzip's error (isal words some
    differently). gzip is read with ``read1``, as a text stream reads it, so the lines before
    the damage of a truncated file are read before the error, as by the plain reader."""

    def __init__(self, path: Path | RemoteFile, igzip: Any) -> None:
        self._path = path
        self._isal = igzip is not None
        self._fh: Any = _gzip_reader(path, igzip)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        if self._isal:
            try:
                data = self._fh.read(n)
                self._pos += len(data)
                return data
            except Exception:
                self._isal = False
                self._fh.close()
                self._fh = _gzip_reader(self._path)
                self._fh.seek(self._pos)
        data = self._fh.read1(n)
        self._pos += len(data)
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


def _optional(module: str) -> Any:
    """An optional accelerator module (orjson, isal.igzip), or None when it is not installed
    or ``SEENIT_PLAIN_IO=1`` asks for the plain readers."""
    if os.environ.get("SEENIT_PLAIN_IO") == "1":
        return None
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _read_json_array(path: Path, field: str, keep_data: bool) -> Iterator[Record]:
    with _open_text(path) as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{e.lineno}: malformed JSON: {e.msg}") from None
        except RecursionError:
            raise ValueError(f"{path}: JSON nested too deeply to read") from None
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON array of objects (or use .jsonl)")
    for i, obj in enumerate(data, 1):
        yield Record(_field_value(obj, field, path, i), str(path), i, obj if keep_data else None)


#: CSV fields may be whole documents: far above the csv module's default 128 KiB limit.
_CSV_FIELD_LIMIT = 2**31 - 1


def _read_csv(path: Path, field: str, keep_data: bool) -> Iterator[Record]:
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    with _open_text(path) as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or field not in reader.fieldnames:
            raise ValueError(f"{path}: column {field!r} not found (columns: {', '.join(reader.fieldnames or [])})")
        rows = iter(reader)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as e:
                raise ValueError(f"{path}:{reader.line_num}: malformed CSV ({e})") from None
            # line_num is the physical line of the row's end (header is line 1)
            yield Record(row[field] or "", str(path), reader.line_num, dict(row) if keep_data else None)


def _read_parquet(path: Path | RemoteFile, field: str, keep_data: bool, batch_rows: int) -> Iterator[Record]:
    try:
        import pyarrow.parquet as pq
    except ImportError as e:
        raise ImportError(f"reading {path} needs pyarrow: pip install 'seenit[io]'") from e
    with contextlib.ExitStack() as stack:
        source = path if isinstance(path, Path) else stack.enter_context(_open_raw(path))
        try:
            pf = pq.ParquetFile(source)
        except Exception as e:
            raise ValueError(f"{path}: not a readable Parquet file ({e})") from None
        yield from _parquet_records(pf, path, field, keep_data, batch_rows)


def _parquet_records(pf: Any, path: Path | RemoteFile, field: str, keep_data: bool, batch_rows: int) -> Iterator[Record]:
    names = pf.schema_arrow.names
    if field not in names:
        raise ValueError(f"{path}: column {field!r} not found (columns: {', '.join(names)})")
    row = 0
    columns = None if keep_data else [field]
    for batch in pf.iter_batches(batch_size=batch_rows, columns=columns):
        texts = batch.column(field).to_pylist()
        rows = batch.to_pylist() if keep_data else None
        for i, t in enumerate(texts):
            row += 1
            if t is not None and not isinstance(t, str):
                raise ValueError(f"{path}: row {row}: column {field!r} must be a string, got {type(t).__name__}")
            yield Record(t or "", str(path), row, rows[i] if rows is not None else None)


def _read_table(table: TableSource, field: str, keep_data: bool, batch_rows: int) -> Iterator[Record]:
    """An in-memory table's rows (numbered from 1), the text from column ``field`` (nulls read as "")."""
    row = 0
    for batch in table.batches(field, batch_rows, all_columns=keep_data):
        values, offsets = text_buffers(batch.column(field), table.name, field)
        raw = values.tobytes() if offsets.size > 1 else b""
        o = offsets.tolist()
        rows = batch.to_pylist() if keep_data else None
        for i in range(len(o) - 1):
            row += 1
            yield Record(raw[o[i] : o[i + 1]].decode("utf-8"), table.name, row, rows[i] if rows is not None else None)


def _read_txt(path: Path) -> Iterator[Record]:
    """A .txt file is one document per non-empty line."""
    for lineno, line in _nonblank_lines(path):
        yield Record(line.rstrip("\r\n"), str(path), lineno)


def iter_records(
    inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    field: str = "text",
    keep_data: bool = False,
    skip_bad_lines: bool = False,
    skipped: list[str] | None = None,
    batch_rows: int = 8192,
) -> Iterator[Record]:
    """Stream every document of ``inputs`` (files, directories, globs) in order.

    JSON formats and Parquet/CSV take the text from ``field``; ``.txt`` files give
    one document per non-empty line. With ``skip_bad_lines`` a malformed JSONL line
    is recorded in ``skipped`` (file:line: reason) instead of raising. When more than
    half of the records have an empty text, an :class:`EmptyTextWarning` is issued at
    the end.
    """
    skipped = skipped if skipped is not None else []
    n = n_empty = 0
    for r in _iter_records(inputs, field, keep_data, skip_bad_lines, skipped, batch_rows):
        n += 1
        if not r.text or r.text.isspace():
            n_empty += 1
        yield r
    if n and n_empty * 2 > n:
        warnings.warn(EmptyTextWarning(f"{n_empty:,} of {n:,} records have an empty or missing {field!r} field; "
                                       "is that the field with the text?"), stacklevel=2)


class EmptyTextWarning(UserWarning):
    """Most records read had an empty text field (a wrong ``field``, most likely)."""


def _iter_records(inputs: Any, field: str, keep_data: bool, skip_bad_lines: bool, skipped: list[str],
                  batch_rows: int) -> Iterator[Record]:
    for path in expand_paths(inputs):
        if isinstance(path, TableSource):
            yield from _read_table(path, field, keep_data, batch_rows)
            continue
        fmt = _format_of(path)  # type: ignore[arg-type]
        if fmt in (".jsonl", ".ndjson", ".jsonl.gz", ".jsonl.zst", ".gz", ".zst"):
            yield from _read_jsonl(path, field, keep_data, skip_bad_lines, skipped)
        elif fmt in (".json", ".json.gz"):
            yield from _read_json_array(path, field, keep_data)
        elif fmt == ".parquet":
            yield from _read_parquet(path, field, keep_data, batch_rows)
        elif fmt == ".csv":
            yield from _read_csv(path, field, keep_data)
        elif fmt == ".txt":
            yield from _read_txt(path)
        else:
            raise ValueError(f"{path}: unknown file type (expected one of {', '.join(FORMATS)})")


def iter_batches(records: Iterable[Record], batch_size: int = 8192) -> Iterator[list[Record]]:
    """Group a record stream into lists of at most ``batch_size``."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    batch: list[Record] = []
    for r in records:
        batch.append(r)
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def read_texts(inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *, field: str = "text") -> list[str]:
    """All documents of ``inputs`` as a list of str (for inputs that fit in memory)."""
    return [r.text for r in iter_records(inputs, field=field)]


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Files get the permissions open() would give them (mkstemp's are 0600).
_FILE_MODE = 0o666 & ~_current_umask()


#: gzip level of our writers: level 9 costs about 3x the run for a few percent of size.
GZIP_LEVEL = 2

#: What a JSON-lines writer may be asked to write.
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst")


class StagedFile:
    """A finished temporary file beside ``target`` (see :func:`staged_write`): ``commit()``
    renames it into place, ``discard()`` removes it."""

    def __init__(self, target: Path, tmp: Path, fh: IO[Any]) -> None:
        self.target = target
        self.tmp = tmp
        self.fh = fh

    def commit(self) -> None:
        try:
            os.replace(self.tmp, self.target)
        except BaseException:
            self.discard()
            raise
        fsync_dir(self.target.parent)

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Make renames in directory ``path`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def staged_write(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[StagedFile]:
    """Write ``staged.fh``, a temporary file beside ``path``; on success it is flushed and
    fsynced but *not* renamed: the caller commits it (to publish several files in an
    order of its choosing). On any exception the temporary file is removed."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    name = target.name.lower()
    zstandard: Any = None
    if name.endswith(".zst"):
        try:
            import zstandard
        except ImportError as e:
            raise ImportError(f"writing {target} needs zstandard: pip install 'seenit[io]'") from e
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    binary = "b" in mode
    try:
        os.chmod(tmp, _FILE_MODE)
        with os.fdopen(fd, "wb") as raw:
            if name.endswith(".gz"):
                inner: Any = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL)
            elif zstandard is not None:
                inner = zstandard.ZstdCompressor().stream_writer(raw, closefd=False)
            else:
                inner = raw
            fh: Any = inner if binary else io.TextIOWrapper(inner, encoding=encoding, newline="")
            yield StagedFile(target, Path(tmp), fh)
            fh.flush()
            if not binary:
                fh.detach()
            if inner is not raw:
                inner.close()
            raw.flush()
            os.fsync(raw.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success fsync and rename it to ``path``.

    On any exception the temporary file is removed and ``path`` is left untouched.
    A ``.gz`` or ``.zst`` target is compressed.
    """
    with staged_write(path, mode, encoding) as staged:
        yield staged.fh
    staged.commit()


def fault_point(step: str) -> None:
    """Test hook: end the process abruptly (``os._exit``, no cleanup) when the environment
    variable ``SEENIT_FAULT`` names ``step``, to check what an interrupted run leaves."""
    if os.environ.get("SEENIT_FAULT") == step:
        os._exit(86)


def check_output_path(
    path: str | os.PathLike[str],
    *,
    name: str = "out",
    inputs: Iterable[str | os.PathLike[str]] = (),
    overwrite: bool = True,
    overwrite_hint: str = "pass overwrite=True",
    suffixes: Sequence[str] | None = None,
    directory: bool = False,
) -> Path:
    """Check, before any work, that ``path`` can take an output: not an input file, not a
    directory (unless ``directory``), not an existing path unless ``overwrite``, a known
    ending (``suffixes``), and its nearest existing parent a writable directory.
    Raises ValueError naming the argument (``name``: ``--out`` in the CLI)."""
    p = Path(path)
    if not os.fspath(p):
        raise ValueError(f"{name} must not be empty")
    if suffixes and not p.name.lower().endswith(tuple(suffixes)):
        raise ValueError(f"{name} must end in {', '.join(suffixes)}, got {str(p)!r}")
    rp = p.resolve()
    for f in inputs:
        if isinstance(f, (RemoteFile, TableSource)) or (isinstance(f, str) and is_url(f) and not local_path_of(f)):
            continue  # not a local file: cannot be the output
        rf = Path(local_path_of(os.fspath(f)) or f).resolve()
        if rf == rp or (directory and rp in rf.parents):
            raise ValueError(f"{name} {str(p)!r} is also an input ({f}); write to another path")
    if p.exists():
        if not directory and p.is_dir():
            raise ValueError(f"{name} {str(p)!r} is a directory; give a file name")
        if directory and not p.is_dir():
            raise ValueError(f"{name} {str(p)!r} is a file; give a directory")
        if not overwrite:
            raise ValueError(f"{name} {str(p)!r} already exists ({overwrite_hint} to replace it)")
    parent = rp.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"{name} {str(p)!r}: {str(parent)!r} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"{name} {str(p)!r}: directory {str(parent)!r} is not writable")
    return p


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> int:
    """Write ``rows`` as JSON lines atomically; returns the number written."""
    n = 0
    with atomic_write(path) as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False))
            fh.write("\n")
            n += 1
    return n


def write_json(path: str | os.PathLike[str], obj: Any, *, indent: int | None = 2) -> None:
    """Write one JSON document atomically (UTF-8; indented for people, ``indent=None`` compact:
    the C encoder, several times faster, for files only programs read)."""
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    with atomic_write(path) as fh:
        fh.write(text)
        fh.write("\n")


def as_text_list(docs: Sequence[str] | Any, name: str = "docs") -> list[str]:
    """Accept a list of str or a pyarrow string array / chunked array; return list[str]."""
    mod = type(docs).__module__
    if mod.startswith("pyarrow"):
        values = docs.to_pylist()
        for i, v in enumerate(values):
            if v is None:
                values[i] = ""
            elif not isinstance(v, str):
                raise TypeError(f"{name}[{i}] must be str, got {type(v).__name__}")
        return values
    if isinstance(docs, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of str, not a single {type(docs).__name__}")
    out = list(docs)
    for i, d in enumerate(out):
        if not isinstance(d, str):
            raise TypeError(f"{name}[{i}] must be str, got {type(d).__name__}")
    return out
