"""Reading corpora and benchmarks, writing results atomically.

Readers stream documents from JSONL, JSONL.gz, JSONL.zst, Parquet, CSV and plain
text files (globs and directories expand to their files), in batches, so memory
stays bounded whatever the corpus size. Every error names the file and, for
line-based formats, the line. Writers go to a temporary name in the target
directory and are renamed into place, so a crash never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import csv
import glob as _glob
import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

#: File endings the readers understand, longest first so ".jsonl.zst" wins over ".zst".
FORMATS = (".jsonl.zst", ".jsonl.gz", ".json.gz", ".ndjson", ".jsonl", ".json", ".parquet", ".csv", ".txt", ".zst", ".gz")


@dataclass(frozen=True)
class Record:
    """One document: its text, the file it came from and its 1-based line (or row) there."""

    text: str
    path: str
    line: int
    data: dict[str, Any] | None = None


def expand_paths(inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand files, directories (their readable files, sorted) and globs into a sorted file list.

    Raises FileNotFoundError naming the first input that matches nothing.
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    out: list[Path] = []
    for item in inputs:
        s = os.fspath(item)
        if any(ch in s for ch in "*?["):
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


def _format_of(path: Path) -> str | None:
    name = path.name.lower()
    for ext in FORMATS:
        if name.endswith(ext):
            return ext
    return None


def _open_text(path: Path) -> IO[str]:
    name = path.name.lower()
    if name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    if name.endswith(".zst"):
        try:
            import zstandard
        except ImportError as e:
            raise ImportError(f"reading {path} needs zstandard: pip install 'seenit[io]'") from e
        raw = open(path, "rb")
        reader = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
        return io.TextIOWrapper(reader, encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


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


def _field_value(obj: Any, field: str, path: Path, line: int) -> str:
    if not isinstance(obj, dict):
        raise ValueError(f"{path}:{line}: expected a JSON object, got {type(obj).__name__}")
    if field not in obj:
        keys = ", ".join(sorted(map(str, obj))[:10])
        raise ValueError(f"{path}:{line}: field {field!r} not found (fields: {keys})")
    value = obj[field]
    if not isinstance(value, str):
        raise ValueError(f"{path}:{line}: field {field!r} must be a string, got {type(value).__name__}")
    return value


def _read_jsonl(path: Path, field: str, keep_data: bool, skip_bad_lines: bool, skipped: list[str]) -> Iterator[Record]:
    for lineno, line in _nonblank_lines(path):
        try:
            obj = json.loads(line)
            text = _field_value(obj, field, path, lineno)
        except (json.JSONDecodeError, ValueError) as e:
            msg = str(e) if isinstance(e, ValueError) and str(e).startswith(str(path)) else f"{path}:{lineno}: malformed JSON line: {e}"
            if skip_bad_lines:
                skipped.append(msg)
                continue
            raise ValueError(msg) from None
        yield Record(text, str(path), lineno, obj if keep_data else None)


def _read_json_array(path: Path, field: str, keep_data: bool) -> Iterator[Record]:
    with _open_text(path) as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{e.lineno}: malformed JSON: {e.msg}") from None
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON array of objects (or use .jsonl)")
    for i, obj in enumerate(data, 1):
        yield Record(_field_value(obj, field, path, i), str(path), i, obj if keep_data else None)


def _read_csv(path: Path, field: str, keep_data: bool) -> Iterator[Record]:
    with _open_text(path) as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or field not in reader.fieldnames:
            raise ValueError(f"{path}: column {field!r} not found (columns: {', '.join(reader.fieldnames or [])})")
        for row in reader:
            # line_num is the physical line of the row's end (header is line 1)
            yield Record(row[field] or "", str(path), reader.line_num, dict(row) if keep_data else None)


def _read_parquet(path: Path, field: str, keep_data: bool, batch_rows: int) -> Iterator[Record]:
    try:
        import pyarrow.parquet as pq
    except ImportError as e:
        raise ImportError(f"reading {path} needs pyarrow: pip install 'seenit[io]'") from e
    try:
        pf = pq.ParquetFile(path)
    except Exception as e:
        raise ValueError(f"{path}: not a readable Parquet file ({e})") from None
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
    is recorded in ``skipped`` (file:line: reason) instead of raising.
    """
    skipped = skipped if skipped is not None else []
    for path in expand_paths(inputs):
        fmt = _format_of(path)
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


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success fsync and rename it to ``path``.

    On any exception the temporary file is removed and ``path`` is left untouched.
    A ``.gz`` or ``.zst`` target is compressed.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    binary = "b" in mode
    try:
        os.chmod(tmp, _FILE_MODE)
        with os.fdopen(fd, "wb") as raw:
            name = target.name.lower()
            if name.endswith(".gz"):
                inner: Any = gzip.GzipFile(fileobj=raw, mode="wb")
            elif name.endswith(".zst"):
                import zstandard

                inner = zstandard.ZstdCompressor().stream_writer(raw, closefd=False)
            else:
                inner = raw
            fh: Any = inner if binary else io.TextIOWrapper(inner, encoding=encoding, newline="")
            yield fh
            fh.flush()
            if not binary:
                fh.detach()
            if inner is not raw:
                inner.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> int:
    """Write ``rows`` as JSON lines atomically; returns the number written."""
    n = 0
    with atomic_write(path) as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False))
            fh.write("\n")
            n += 1
    return n


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write one JSON document atomically (indented, UTF-8)."""
    with atomic_write(path) as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2)
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
