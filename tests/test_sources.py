"""Inputs beyond local files (seenit.sources): fsspec URLs and in-memory tables give the records
and text blocks the local file with the same rows gives (texts and line numbers; provenance is
the URL or the table's name), and bad inputs fail with messages a user can act on."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from seenit import io as sio
from seenit.sources import RemoteFile, TableSource
from seenit.text_blocks import iter_text_blocks

pa = pytest.importorskip("pyarrow")

ROWS = [{"text": t, "id": i} for i, t in enumerate(
    ["first doc", "", "ünïcödé ✓ 🎉", "a " * 50, "line\nbreaks\r\ninside", "last"])]


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def _records(inputs, **kw):
    return [(r.text, r.line) for r in sio.iter_records(inputs, **kw)]


def _blocks(inputs, block_docs=2):
    return [(b.text(j), int(b.lines[j])) for b in iter_text_blocks(inputs, block_docs=block_docs) for j in range(len(b))]


@pytest.fixture
def local(tmp_path: Path) -> Path:
    p = tmp_path / "c.jsonl"
    p.write_bytes(_jsonl(ROWS))
    return p


@pytest.fixture
def memfs():
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    yield fs
    fs.rm("/eco", recursive=True) if fs.exists("/eco") else None


def in_memory_tables() -> list:
    out = [pa.Table.from_pylist(ROWS), pa.RecordBatch.from_pylist(ROWS)]
    pd = pytest.importorskip("pandas")
    out.append(pd.DataFrame(ROWS))
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_list(ROWS)
    return out + [ds, ds.to_iterable_dataset()]


def test_tables_read_as_the_file(local: Path) -> None:
    want = _records(local)
    assert [t for t, _ in want] == [r["text"] for r in ROWS]
    for table in in_memory_tables():
        got = list(sio.iter_records(table))
        assert [(r.text, r.line) for r in got] == want, type(table)
        assert got[0].path == f"<{sio.expand_paths(table)[0].kind}>"
        assert _blocks(table) == want, type(table)
        assert _blocks(table, block_docs=100) == want
    # a one-shot stream reads once, then says so (a peek first does not use it up)
    reader = pa.Table.from_pylist(ROWS).to_reader(max_chunksize=2)
    src = sio.expand_paths(reader)
    assert next(iter(sio.iter_records(src))).text == "first doc"
    assert _blocks(src) == want
    with pytest.raises(ValueError, match="reads only once"):
        list(sio.iter_records(src))


def test_keep_data_and_nulls() -> None:
    table = pa.table({"text": ["a", None, "c"], "n": [1, 2, 3]})
    recs = list(sio.iter_records(table, keep_data=True))
    assert [r.text for r in recs] == ["a", "", "c"] and [r.data["n"] for r in recs] == [1, 2, 3]
    assert _blocks(table) == [("a", 1), ("", 2), ("c", 3)]
    # a dictionary-encoded or large_string column reads the same
    assert _records(pa.table({"text": pa.array(["x", "y", "x"]).dictionary_encode()})) == [("x", 1), ("y", 2), ("x", 3)]
    assert _records(pa.table({"text": pa.array(["x"], pa.large_string())})) == [("x", 1)]


def test_several_tables_and_files_in_one_corpus(local: Path) -> None:
    t = pa.Table.from_pylist(ROWS[:2])
    srcs = sio.expand_paths([t, local, t])
    assert [str(s) for s in srcs] == ["<pyarrow.Table #0>", str(local), "<pyarrow.Table #2>"]
    assert len(list(sio.iter_records(srcs))) == 2 + len(ROWS) + 2


def test_table_without_the_column_names_its_columns() -> None:
    t = pa.table({"body": ["x"], "id": [1]})
    with pytest.raises(ValueError, match=r"column 'text' not found \(columns: body, id\)"):
        list(sio.iter_records(t))
    with pytest.raises(ValueError, match=r"column 'text' not found \(columns: body, id\)"):
        list(iter_text_blocks(t))
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match=r"<pandas.DataFrame>: column 'question' not found \(columns: body, id\)"):
        list(sio.iter_records(pd.DataFrame({"body": ["x"], "id": [1]}), field="question"))
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"body": ["x"], "id": [1]})
    with pytest.raises(ValueError, match=r"column 'text' not found \(columns: body, id\)"):
        list(sio.iter_records(ds))
    with pytest.raises(ValueError, match=r"column 'text' not found \(columns: body, id\)"):
        list(sio.iter_records(ds.to_iterable_dataset()))


def test_non_text_column_and_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="column 'text' must hold strings, got int64"):
        list(sio.iter_records(pa.table({"text": [1, 2]})))
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match=r"rows 1-2 do not convert to Arrow"):
        list(sio.iter_records(pd.DataFrame({"text": ["a", 3]})))
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a path, a URL or a table, got int"):
        sio.expand_paths(["a.jsonl", 3])
    with pytest.raises(TypeError, match="inputs must be paths, URLs or tables"):
        sio.expand_paths(3)
    # invalid UTF-8 in an Arrow column (read from elsewhere, unchecked) is refused, not passed on
    bad = pa.Array.from_buffers(pa.string(), 1, [None, pa.py_buffer(np.array([0, 2], np.int32).tobytes()),
                                                 pa.py_buffer(b"\xff\xfe")])
    with pytest.raises(ValueError, match="not valid text"):
        list(iter_text_blocks(pa.table({"text": bad})))


def test_fsspec_memory_urls(local: Path, memfs) -> None:
    want = _records(local)
    data = local.read_bytes()
    memfs.pipe("/eco/c.jsonl", data)
    memfs.pipe("/eco/d/a.jsonl.gz", gzip.compress(data))
    memfs.pipe("/eco/d/b.parquet", b"")  # replaced below by a real Parquet file
    import pyarrow.parquet as pq

    with memfs.open("/eco/d/b.parquet", "wb") as fh:
        pq.write_table(pa.Table.from_pylist(ROWS), fh)
    memfs.pipe("/eco/d/notes.md", b"not a corpus file")
    got = list(sio.iter_records("memory://eco/c.jsonl"))
    assert [(r.text, r.line) for r in got] == want and got[0].path == "memory://eco/c.jsonl"
    assert _blocks("memory://eco/c.jsonl") == want
    # a directory: its readable files, sorted; a glob: its matches
    srcs = sio.expand_paths("memory://eco/d")
    assert [s.name for s in srcs] == ["a.jsonl.gz", "b.parquet"] and all(isinstance(s, RemoteFile) for s in srcs)
    assert _records(srcs) == want + want and _blocks(srcs) == want + want
    assert _records("memory://eco/d/*.gz") == want
    # file:// is the local file itself
    assert sio.expand_paths(f"file://{local}") == [local]
    # a resumed scan's key changes when the remote file does
    fp = sio.source_fingerprint(sio.expand_paths("memory://eco/c.jsonl")[0], "text")
    memfs.pipe("/eco/c.jsonl", data + _jsonl([{"text": "more"}]))
    assert sio.source_fingerprint(sio.expand_paths("memory://eco/c.jsonl")[0], "text") != fp


def test_fsspec_errors_name_what_to_do(memfs) -> None:
    with pytest.raises(FileNotFoundError, match="input file not found: 'memory://eco/missing.jsonl'"):
        sio.expand_paths("memory://eco/missing.jsonl")
    with pytest.raises(FileNotFoundError, match="no files match"):
        sio.expand_paths("memory://eco/nothing-*.jsonl")
    with pytest.raises(ValueError, match="unknown URL scheme 'nosuchscheme'"):
        sio.expand_paths("nosuchscheme://x/y.jsonl")
    try:
        import s3fs  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"needs the fsspec backend for s3://: pip install s3fs"):
            sio.expand_paths("s3://bucket/corpus.jsonl")


def test_table_fingerprints_follow_content() -> None:
    a = TableSource(pa.table({"text": ["x", "y"]}), "pyarrow.Table", "<t>")
    b = TableSource(pa.table({"text": ["x", "z"]}), "pyarrow.Table", "<t>")
    c = TableSource(pa.table({"text": ["x", "y"], "other": [1, 2]}), "pyarrow.Table", "<t>")
    assert a.fingerprint("text") != b.fingerprint("text")
    assert a.fingerprint("text") == c.fingerprint("text")  # only the column read counts


def test_output_check_skips_non_local_inputs(tmp_path: Path, local: Path) -> None:
    srcs = sio.expand_paths([pa.table({"text": ["x"]}), local])
    sio.check_output_path(tmp_path / "out.jsonl", inputs=srcs)
    with pytest.raises(ValueError, match="is also an input"):
        sio.check_output_path(local, inputs=srcs)
    with pytest.raises(ValueError, match="is also an input"):
        sio.check_output_path(local, inputs=[f"file://{local}"])


def test_other_entry_points_take_tables_and_urls(tmp_path: Path, local: Path, memfs) -> None:
    """Index build, contamination and file dedup read through the same readers."""
    import seenit
    from seenit.sketch.files import dedup_files

    memfs.pipe("/eco/c.jsonl", local.read_bytes())
    table = pa.Table.from_pylist(ROWS)
    base = seenit.NgramIndex.build(local, tmp_path / "i0")
    for k, corpus in enumerate([table, "memory://eco/c.jsonl", sio.expand_paths([table, local])]):
        idx = seenit.NgramIndex.build(corpus, tmp_path / f"i{k + 1}")
        assert idx.n_docs == base.n_docs * (2 if isinstance(corpus, list) else 1)
        assert idx.count("ünïcödé") == base.count("ünïcödé") * (2 if isinstance(corpus, list) else 1)
    bench = pa.table({"question": ["first doc", "nothing like it"]})
    want = seenit.contamination(["first doc", "nothing like it"], base, n=2)
    got = seenit.contamination(bench, base, field="question", n=2)
    assert [it.value for it in got.items] == [it.value for it in want.items]
    dedup_files(local, tmp_path / "a.jsonl")
    dedup_files(table, tmp_path / "b.jsonl")
    texts = [json.loads(x)["text"] for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert texts == [json.loads(x)["text"] for x in (tmp_path / "b.jsonl").read_text().splitlines()]


def test_cli_neighbors_and_dedup_read_urls(tmp_path: Path, local: Path, memfs) -> None:
    from typer.testing import CliRunner

    from seenit.cli import app

    memfs.pipe("/eco/c.jsonl", local.read_bytes())
    url = "memory://eco/c.jsonl"
    res = CliRunner().invoke(app, ["neighbors", url, "--against", url, "--out", str(tmp_path / "n.jsonl"),
                                   "--embed", "hashed", "--k", "1"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in (tmp_path / "n.jsonl").read_text().splitlines()]
    assert len(rows) == len(ROWS)
    res = CliRunner().invoke(app, ["dedup", "minhash", url, "--out", str(tmp_path / "d.jsonl")])
    assert res.exit_code == 0, res.output
    assert len((tmp_path / "d.jsonl").read_text().splitlines()) == len(ROWS)
