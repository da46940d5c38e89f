"""The block reader (seenit.text_blocks, the scan's hot path) gives what seenit.io's record
reader gives: the same documents, texts, files, line numbers, skipped lines and errors,
whatever the line endings, blank lines, bad lines, chunk boundaries and block sizes; and
Normalisation.encode_utf8 gives what encode_block gives."""

from __future__ import annotations

import gzip
import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seenit import _core
from seenit import io as sio
from seenit.text_blocks import TextBlock, iter_text_blocks
from seenit.tokenize import Normalisation

from tests.fuzz.jsonl_lines import LINES, strict_field

ENDINGS = ["\n", "\r\n", "\r", "\n\n", "\r\r\n"]


def records_of(gen):
    out = []
    try:
        for r in gen:
            out.append((r.text, r.path, r.line))
    except ValueError as e:
        return out, f"{type(e).__name__}: {e}"
    return out, None


def blocks_as_records(gen):
    out = []
    try:
        for b in gen:
            assert isinstance(b, TextBlock) and b.offsets.dtype == np.int64 and b.values.dtype == np.uint8
            out += [(r.text, r.path, r.line) for r in (b.record(j) for j in range(len(b)))]
            assert b.texts() == [b.text(j) for j in range(len(b))]
    except ValueError as e:
        return None, f"{type(e).__name__}: {e}"
    return out, None


def both(paths, skip_bad_lines, block_docs):
    s1: list[str] = []
    s2: list[str] = []
    with warnings.catch_warnings(record=True) as w1:
        warnings.simplefilter("always")
        recs = records_of(sio.iter_records(paths, field="text", skip_bad_lines=skip_bad_lines, skipped=s1))
    with warnings.catch_warnings(record=True) as w2:
        warnings.simplefilter("always")
        blocks = blocks_as_records(iter_text_blocks(paths, field="text", skip_bad_lines=skip_bad_lines, skipped=s2,
                                                    block_docs=block_docs))
    return recs, s1, [str(x.message) for x in w1], blocks, s2, [str(x.message) for x in w2]


@settings(max_examples=150, deadline=None)
@given(files=st.lists(st.tuples(st.lists(st.tuples(st.sampled_from(LINES), st.sampled_from(ENDINGS)), max_size=10),
                                st.booleans(), st.sampled_from(["jsonl", "jsonl.gz", "txt"])), min_size=1, max_size=3),
       chunk=st.sampled_from([1, 2, 7, 64, 1 << 22]), block_docs=st.sampled_from([1, 2, 3, 100]),
       skip_bad_lines=st.booleans())
def test_blocks_match_records(tmp_path_factory, files, chunk, block_docs, skip_bad_lines):
    d = tmp_path_factory.mktemp("b")
    paths = []
    for k, (lines, last_ending, kind) in enumerate(files):
        text = "".join(a + b for a, b in lines)
        if lines and not last_ending:
            text = text[: -len(lines[-1][1])]
        data = text.encode("utf-8", "surrogatepass") if kind != "txt" else text.encode("utf-8", "replace")
        p = d / f"f{k}.{kind}"
        p.write_bytes(gzip.compress(data) if kind.endswith(".gz") else data)
        paths.append(str(p))
    before = sio._BLOCK
    sio._BLOCK = chunk
    try:
        (recs, err1), s1, w1, (blocks, err2), s2, w2 = both(paths, skip_bad_lines, block_docs)
    finally:
        sio._BLOCK = before
    assert err2 == err1
    if err1 is None:
        assert blocks == recs and s2 == s1 and w2 == w1


@pytest.mark.parametrize("data", [b'{"text": "a"}\n{"text": "\xff"}\n', b'{"text": "\xed\xa0\x80"}\n', b"\xff\n",
                                  b'{"text": "ok"}\n\xc3\n', b'{"text": "ok", "x": "\xc3("}\n'])
def test_bad_utf8_is_the_record_readers_error(tmp_path, data):
    path = tmp_path / "u.jsonl"
    path.write_bytes(data)
    (_, err1), _, _, (_, err2), _, _ = both([str(path)], False, 8)
    assert err1 is not None and err2 == err1


def test_blocks_span_files_and_resume_by_slicing(tmp_path):
    for k in range(3):
        (tmp_path / f"{k}.jsonl").write_text("".join(json.dumps({"text": f"doc {k}.{i} é"}) + "\n" for i in range(5)))
    blocks = list(iter_text_blocks(sorted(str(p) for p in tmp_path.glob("*.jsonl")), block_docs=4))
    assert [len(b) for b in blocks] == [4, 4, 4, 3]
    assert blocks[1].record(0).text == "doc 0.4 é" and blocks[1].record(1).line == 1
    assert blocks[1].record(1).path.endswith("1.jsonl")
    tail = blocks[1].slice(2, 4)
    assert tail.texts() == ["doc 1.1 é", "doc 1.2 é"] and tail.n_bytes == len("doc 1.1 é".encode()) * 2
    v, o = tail.contiguous()
    assert o[0] == 0 and bytes(v) == "doc 1.1 édoc 1.2 é".encode()
    with pytest.raises(ValueError, match="block_docs"):
        next(iter_text_blocks(str(tmp_path), block_docs=0))


def test_plain_io_reads_records(tmp_path, monkeypatch):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "a"}\n{"text": "b"}\n')
    called = []
    monkeypatch.setattr(_core, "jsonl_fields", lambda *a: called.append(1) or (_ for _ in ()).throw(AssertionError))
    monkeypatch.setenv("SEENIT_PLAIN_IO", "1")
    assert next(iter_text_blocks(path)).texts() == ["a", "b"] and not called


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(st.sampled_from(LINES), max_size=12))
def test_native_field_reader_takes_exactly_the_strictly_valid_lines(lines):
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    values, offsets, line, deferred, begin, end, n_lines = _core.jsonl_fields(np.frombuffer(data, np.uint8), "text")
    raw = data.splitlines()
    ended = data.splitlines(keepends=True)
    assert n_lines == len(raw)
    rows = [i for i, ln in enumerate(raw) if ln.strip(b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")]
    assert line.tolist() == rows
    for r, i in enumerate(rows):
        assert data[begin[r] : end[r]] == ended[i]
        want = strict_field(raw[i], "text")
        if deferred[r]:
            assert want is None, raw[i]
        else:
            assert want is not None and bytes(values[offsets[r] : offsets[r + 1]]) == want.encode("utf-8")


TEXTS = st.text(alphabet=st.sampled_from(list("aAbB zZ\u0130\u03a3\u03c3\u00c9\u00e9\t\n.,!\u3000\U0001f600")), max_size=30)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(TEXTS, max_size=8), lower=st.booleans(), strip=st.booleans(), collapse=st.booleans())
def test_encode_utf8_matches_encode_block(texts, lower, strip, collapse):
    norm = Normalisation(lowercase=lower, strip_punctuation=strip, collapse_whitespace=collapse)
    block = TextBlock.from_records([sio.Record(t, "p", i + 1) for i, t in enumerate(texts)])
    got = norm.encode_utf8(*block.contiguous())
    want = norm.encode_block(texts)
    assert bytes(got[0]) == bytes(want[0]) and got[1].tolist() == want[1].tolist()


@pytest.mark.slow
def test_real_corpus_blocks_match_records(shared_data):
    files = sorted(str(p) for p in (shared_data / "mimir_pile_nonmembers").glob("*.jsonl.gz"))[:6]
    recs = [(r.text, r.path, r.line) for r in sio.iter_records(files, field="original")]
    got = [b.record(j) for b in iter_text_blocks(files, field="original", block_docs=1000) for j in range(len(b))]
    assert [(r.text, r.path, r.line) for r in got] == recs and len(recs) > 1000
