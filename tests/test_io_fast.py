"""The fast JSONL reader (orjson, isal, block reads) gives what the plain one gives: the same
records and line numbers, the same errors, the same skipped lines, whatever the line endings,
blank lines, block boundaries and bad lines."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seenit import io as sio
from tests.fuzz.jsonl_lines import LINES  # the tricky lines the native field reader is checked on too

orjson = pytest.importorskip("orjson")

ENDINGS = ["\n", "\r\n", "\r", "\n\n", "\r\r\n"]


def outcome(gen):
    out = []
    try:
        for r in gen:
            out.append((r.text, r.path, r.line, json.dumps(r.data, sort_keys=True) if r.data is not None else None))
    except ValueError as e:
        return out, f"{type(e).__name__}: {e}"
    return out, None


def both(path, keep_data=False, skip_bad_lines=False):
    s1: list[str] = []
    s2: list[str] = []
    plain = outcome(sio._read_jsonl_plain(path, "text", keep_data, skip_bad_lines, s1))
    fast = outcome(sio._read_jsonl_fast(path, "text", keep_data, skip_bad_lines, s2, orjson))
    return plain, s1, fast, s2


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.tuples(st.sampled_from(LINES), st.sampled_from(ENDINGS)), max_size=12),
       last_ending=st.booleans(), block=st.sampled_from([1, 2, 7, 64, 1 << 22]), gz=st.booleans(),
       keep_data=st.booleans(), skip_bad_lines=st.booleans())
def test_fast_reader_matches_plain_reader(tmp_path_factory, lines, last_ending, block, gz, keep_data,
                                          skip_bad_lines):
    text = "".join(a + b for a, b in lines)
    if lines and not last_ending:
        text = text[: -len(lines[-1][1])]
    data = text.encode("utf-8")
    path = tmp_path_factory.mktemp("j") / ("c.jsonl.gz" if gz else "c.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)
    before = sio._BLOCK
    sio._BLOCK = block
    try:
        plain, s1, fast, s2 = both(path, keep_data, skip_bad_lines)
    finally:
        sio._BLOCK = before
    assert fast == plain and s2 == s1


@pytest.mark.parametrize("data", [b'{"text": "a"}\n{"text": "\xff"}\n', b'{"text": "\xed\xa0\x80"}\n', b"\xff\n",
                                  b'{"text": "ok"}\n\xc3\n'])
def test_bad_utf8_is_the_plain_error(tmp_path, data):
    path = tmp_path / "u.jsonl"
    path.write_bytes(data)
    plain, _, fast, _ = both(path)
    assert plain[1] is not None and fast[1] == plain[1]


@pytest.mark.parametrize("cut", [lambda b: b[:-6], lambda b: b[:15], lambda b: b"hello", lambda b: b[:-8] + b"\0" * 4 + b[-4:]])
def test_corrupt_gzip_is_the_plain_error(tmp_path, cut):
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(cut(gzip.compress(b'{"text": "a"}\n' * 5000)))
    plain, _, fast, _ = both(path)
    assert plain[1] is not None and plain[1].startswith(f"ValueError: {path}: corrupted or truncated")
    assert fast[1] == plain[1]


def test_iter_records_uses_the_fast_reader_unless_told(tmp_path, monkeypatch):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "a"}\n{"text": "b"}\n')
    called = []
    real = sio._read_jsonl_fast
    monkeypatch.setattr(sio, "_read_jsonl_fast", lambda *a: called.append(1) or real(*a))
    assert [r.text for r in sio.iter_records(path)] == ["a", "b"] and called
    monkeypatch.setenv("SEENIT_PLAIN_IO", "1")
    called.clear()
    assert [r.text for r in sio.iter_records(path)] == ["a", "b"] and not called


@pytest.mark.parametrize("isal", [True, False])
@pytest.mark.parametrize("n, cut", [(50, 12), (5000, 12), (20000, 30)])
def test_truncated_gzip_gives_the_same_records_before_the_error(tmp_path, monkeypatch, isal, n, cut):
    if isal:
        pytest.importorskip("isal")
    else:
        monkeypatch.setattr(sio, "_optional", lambda m: None if m == "isal.igzip" else orjson)
    path = tmp_path / "t.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(b'{"text": "x%d"}\n' % i for i in range(n)))[:-cut])
    plain, _, fast, _ = both(path)
    assert plain[1] is not None and fast == plain


@settings(max_examples=300, deadline=None)
@given(data=st.lists(st.sampled_from([b"a", b"bc", b"\r", b"\n", b"\r\n", b"{}"]), max_size=40).map(b"".join),
       block=st.sampled_from([1, 2, 3, 5, 8, 64]))
def test_line_chunks_are_whole_lines(tmp_path_factory, data, block):
    """line_chunks gives the file back in order, every chunk ending at a line end (a \\r\\n never
    split), so the chunks' lines are the file's lines, whatever the block size."""
    path = tmp_path_factory.mktemp("c") / "c.txt"
    path.write_bytes(data)
    before = sio._BLOCK
    sio._BLOCK = block
    try:
        chunks = [bytes(c) for c in sio.line_chunks(path)]
    finally:
        sio._BLOCK = before
    assert b"".join(chunks) == data and all(chunks)
    for a, b in zip(chunks, chunks[1:]):
        assert a[-1:] in (b"\n", b"\r") and not (a[-1:] == b"\r" and b[:1] == b"\n")
    assert [ln for c in chunks for ln in c.splitlines(keepends=True)] == data.splitlines(keepends=True)
