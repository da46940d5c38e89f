"""exact_duplicates (Lee et al. 2021 ExactSubstr) against the brute-force reference."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seenit
from seenit import NgramIndex, _core, exact_duplicates
from seenit.reference import ngram as ref


@st.composite
def token_corpus(draw):
    dtype = draw(st.sampled_from([np.uint8, np.uint16, np.uint32]))
    alphabet = draw(st.integers(1, 4))
    docs = draw(st.lists(st.lists(st.integers(0, alphabet - 1), max_size=25), min_size=1, max_size=8))
    sep = alphabet
    toks = []
    for d in docs:
        toks += d + [sep]
    return np.array(toks, dtype=dtype), sep


@given(token_corpus(), st.integers(1, 6))
def test_spans_match_reference(data, k):
    t, sep = data
    sa = seenit.suffix_array(t)
    lcp = seenit.lcp_array(t, sa)
    s, e = _core.exact_duplicate_spans(t, sa, lcp, sep, k)
    assert list(zip(s.tolist(), e.tolist())) == ref.exact_duplicate_spans(t, sep, k)


def _spans(r):
    return list(zip(r.doc.tolist(), r.start.tolist(), r.end.tolist()))


def test_documents_and_removal():
    shared = "The quick brown fox jumps over the lazy dog. "
    docs = ["intro " + shared + "outro", "x", shared + "tail", "unique text here"]
    r = exact_duplicates(docs, min_length=20, remove=True)
    n = len(shared.encode())
    # doc 0: " " before shared also repeats? no: doc 2 starts with the shared text, so the span is exactly it
    assert _spans(r) == [(0, 6, 6 + n), (2, 0, n)]
    assert r.documents == ["intro outro", "x", "tail", "unique text here"]
    assert r.duplicate_tokens == 2 * n and r.n_docs == 4
    # duplicates never cross documents: a suffix of one doc + prefix of the next repeated elsewhere
    r2 = exact_duplicates(["aaaa bbbb", "cccc dddd", "bbbbcccc"], min_length=6)
    assert _spans(r2) == []


def test_utf8_spans_widen_to_characters():
    docs = ["aé-abcdef", "b©-abcdef"]  # é = c3 a9, © = c2 a9: the repeat starts at a9
    r = exact_duplicates(docs, min_length=7, remove=True)
    assert _spans(r) == [(0, 2, 10), (1, 2, 10)]
    assert r.documents == ["a", "b"]  # cut widened to whole characters
    r3 = exact_duplicates(["é" * 6, "é" * 6], min_length=3, remove=True)
    assert r3.documents == ["", ""]


def test_index_input_equals_docs_input(tmp_path):
    rng = np.random.default_rng(0)
    words = ["lorem", "ipsum", "dolor", "sit", "amet"]
    docs = [" ".join(rng.choice(words, rng.integers(3, 40))) for _ in range(40)]
    idx = NgramIndex.build(docs, tmp_path / "i", progress=False)
    a, b = exact_duplicates(docs, 25), exact_duplicates(idx, 25)
    assert _spans(a) == _spans(b) and len(a) > 0
    ws = exact_duplicates(docs, 4, tokenizer="whitespace", remove=True)
    assert all(len(d.split()) <= len(o.split()) for d, o in zip(ws.documents, docs))
    sharded = NgramIndex.build(docs, tmp_path / "s", progress=False, shard_tokens=300)
    with pytest.raises(ValueError, match="single-shard index"):
        exact_duplicates(sharded, 25)


def test_bad_input():
    with pytest.raises(ValueError, match="min_length must be in"):
        exact_duplicates(["a"], 0)
    with pytest.raises(TypeError, match="min_length must be an int"):
        exact_duplicates(["a"], 2.5)
    with pytest.raises(ValueError, match="holds no documents"):
        exact_duplicates([], 5)
    t = np.frombuffer(b"abab\xff", np.uint8).copy()
    sa = seenit.suffix_array(t)
    with pytest.raises(ValueError, match="min_length must be >= 1"):
        _core.exact_duplicate_spans(t, sa, seenit.lcp_array(t, sa), 255, 0)
    with pytest.raises(TypeError, match="lcp must have the dtype of sa"):
        _core.exact_duplicate_spans(t, sa, seenit.lcp_array(t, sa).astype(np.int64), 255, 2)


def test_cli_dedup_exact(tmp_path):
    from typer.testing import CliRunner

    from seenit.cli import app

    shared = "x" * 60
    rows = [{"id": 1, "text": "a" + shared}, {"id": 2, "text": shared + "b"}, {"id": 3, "text": "short"}]
    inp = tmp_path / "in.jsonl"
    inp.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    res = CliRunner().invoke(app, ["dedup", "exact", str(inp), "--out", str(tmp_path / "out.jsonl"),
                                   "--min-length", "50", "--spans-out", str(tmp_path / "spans.json")])
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert out == [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}, {"id": 3, "text": "short"}]
    spans = json.loads((tmp_path / "spans.json").read_text())
    assert spans["spans"] == [[0, 1, 61], [1, 0, 60]]


@pytest.mark.slow
def test_real_text_duplicates(shared_data):
    """On real Shakespeare lines, every reported span really occurs twice and removing
    them leaves no repeated window of min_length bytes."""
    lines = (shared_data / "tinyshakespeare" / "input.txt").read_text().split("\n")[:6000]
    k = 40
    r = exact_duplicates(lines, k, remove=True)
    blines = [ln.encode() for ln in lines]
    joined = b"\xff".join(blines)
    for d, s, e in _spans(r)[:300]:
        piece = blines[d][s:e]
        assert len(piece) >= k and joined.count(piece[:k]) >= 2
    again = exact_duplicates([d for d in r.documents if d], k)
    assert len(again) <= len(r) // 10


def test_spans_do_not_depend_on_thread_count():
    rng = np.random.default_rng(5)
    t = rng.integers(0, 3, 60_000).astype(np.uint8)
    t[rng.integers(0, t.size, 500)] = 3  # separators
    sa = seenit.suffix_array(t)
    lcp = seenit.lcp_array(t, sa)
    out = []
    try:
        for th in (1, 2, 3):
            seenit.set_num_threads(th)
            out.append(_core.exact_duplicate_spans(t, sa, lcp, 3, 12))
    finally:
        seenit.set_num_threads(0)
    assert out[0][0].size > 0
    for s, e in out[1:]:
        np.testing.assert_array_equal(s, out[0][0])
        np.testing.assert_array_equal(e, out[0][1])
