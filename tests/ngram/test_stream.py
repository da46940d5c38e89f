"""The streaming n-gram matcher: _core.ItemMatcher against the plain reference, and
StreamMatcher against NgramIndex (overlaps, longest match, where it occurs) on the same documents."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import seenit
from seenit import _core
from seenit.ngram.index import NgramIndex
from seenit.ngram.stream import StreamMatcher, encode_texts
from seenit.reference import ngram as ref
from seenit.tokenize import Normalisation

WORDS = ["a", "bb", "the", "cat", "Dog", "x", "yy", "zzz", "é", "of", "  ", "\n", "1", "+"]
texts = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)


def _index_view(idx: NgramIndex, items: list[str], n: int, max_docs: int) -> list[tuple]:
    """What the suffix-array path says per item: (n_present, n_ngrams, fraction, mask) and,
    when some n-gram occurs, the longest match and where it occurs (all occurrences)."""
    out = []
    for ov in idx.overlap_many(items, n, units="words"):
        row: tuple = (ov.n_present, ov.n_ngrams, ov.fraction, ov.mask.tolist())
        if ov.n_present:
            best = int(np.argmax(ov.lengths))
            length = int(ov.lengths[best])
            span = ov.tokens[ov.unit_starts[best] : ov.unit_starts[best] + length]
            d, off = idx.locate(span, limit=idx.count(span))
            order = np.lexsort((off, d))
            d, off = d[order], off[order]
            row += (length, int(ov.unit_starts[best]), int(d[0]), int(off[0]), tuple(int(x) for x in np.unique(d)[:max_docs]))
        out.append(row)
    return out


def _stream_view(sm: StreamMatcher) -> list[tuple]:
    out = []
    for r in sm.results():
        ov = r.overlap
        row: tuple = (ov.n_present, ov.n_ngrams, ov.fraction, ov.mask.tolist())
        if ov.n_present:
            row += (r.longest, r.longest_start, r.first_doc, r.first_off, r.doc_ids)
        out.append(row)
    return out


@given(docs=st.lists(texts, min_size=1, max_size=8), picks=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 40),
       st.integers(0, 40)), max_size=4), extra=st.lists(texts, max_size=3), n=st.sampled_from([1, 2, 3, 5, 13]),
       collapse=st.booleans(), max_docs=st.sampled_from([1, 2, 5]), cut=st.integers(1, 4))
def test_stream_matches_index(tmp_path_factory, docs, picks, extra, n, collapse, max_docs, cut):
    items = []
    for d, a, b in picks:  # pieces of documents (contaminated) ...
        w = docs[d % len(docs)].split(" ")
        items.append(" ".join(w[min(a, b) : max(a, b)]))
    items += extra  # ... and unrelated text
    if not items:
        items = ["the cat"]
    norm = Normalisation(lowercase=True, collapse_whitespace=collapse)
    idx = NgramIndex.build(docs, tmp_path_factory.mktemp("i") / "idx", tokenizer="bytes", progress=False,
                           lowercase=True, collapse_whitespace=collapse)
    sm = StreamMatcher(items, n=n, normalisation=norm, max_docs=max_docs)
    for i in range(0, len(docs), cut):  # blocks of `cut` documents
        sm.fold(docs[i : i + cut], i)
    assert _stream_view(sm) == _index_view(idx, items, n, max_docs)


@given(items=st.lists(texts, min_size=1, max_size=4), docs=st.lists(texts, min_size=1, max_size=6),
       max_docs=st.sampled_from([1, 3]), data=st.data())
def test_core_matches_reference(items, docs, max_docs, data):
    """Every key's state against brute force: exact when the match reaches the key's window, else 0."""
    norm = Normalisation(lowercase=True)
    iv, io = encode_texts(items, norm, "items")
    dv, do = encode_texts(docs, norm, "docs")
    keys, windows = [], []
    for i in range(len(items)):
        for pos in range(int(io[i + 1] - io[i])):
            room = int(io[i + 1] - io[i]) - pos
            ws = [w for w in (1, 2, 4, 8, 16, 32) if w <= room]
            if ws and data.draw(st.booleans()):
                keys.append((i, pos))
                windows.append(data.draw(st.sampled_from(ws)))
    m = _core.ItemMatcher(iv, io, np.array([io[i] + p for i, p in keys], np.int64), np.array([i for i, _ in keys], np.int64),
                          np.array(windows, np.int32), max_docs)
    m.fold(dv, do, 0)
    best, fdoc, foff, got_docs = m.state()
    item_bytes = [iv[io[i] : io[i + 1]].tobytes() for i in range(len(items))]
    doc_bytes = [dv[do[j] : do[j + 1]].tobytes() for j in range(len(docs))]
    for k, (want, w) in enumerate(zip(ref.item_key_matches(item_bytes, doc_bytes, keys, max_docs), windows)):
        length, d0, o0, ds = want if want[0] >= w else (0, -1, -1, [])
        row = got_docs[k]
        assert (int(best[k]), int(fdoc[k]), int(foff[k]), row[row >= 0].tolist()) == (length, d0, o0, ds), k


def test_merge_and_threads_give_the_same_state():
    rng = np.random.default_rng(0)
    vocab = np.array(["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"])
    docs = [" ".join(rng.choice(vocab, int(rng.integers(5, 80)))) for _ in range(300)]
    items = [" ".join(rng.choice(vocab, 20)) for _ in range(40)] + [docs[7][:120], docs[200][10:300]]
    whole = StreamMatcher(items, n=5, max_docs=3)
    whole.fold(docs, 0)
    a, b = StreamMatcher(items, n=5, max_docs=3), StreamMatcher(items, n=5, max_docs=3)
    b.fold(docs[150:], 150)  # the later half first: merge is order-independent
    a.fold(docs[:150], 0)
    a.merge(b.state())
    seenit.set_num_threads(1)
    try:
        one = StreamMatcher(items, n=5, max_docs=3)
        one.fold(docs, 0)
    finally:
        seenit.set_num_threads(0)
    for other in (a, one):
        for k, v in whole.state().items():
            assert np.array_equal(v, other.state()[k]), k
    assert any(r.overlap.n_present for r in whole.results())


@given(docs=st.lists(st.lists(st.sampled_from(WORDS + ["ΟΔΟΣ", "İSTANBUL", "ΣΑΣ", "İ"]), max_size=30).map(" ".join),
                     min_size=1, max_size=6), base=st.integers(0, 5))
def test_fold_utf8_equals_fold_of_the_texts(docs, base):
    """Documents whose lowercase needs context (final sigma, U+0130) are lowercased apart and
    folded under their own ids: the state equals folding the decoded texts."""
    items = ["ΟΔΟΣ ΣΑΣ alpha", "İstanbul " + WORDS[0], " ".join(WORDS[:6])]
    a = StreamMatcher(items, n=2, normalisation=Normalisation(lowercase=True, strip_punctuation=True), max_docs=2)
    b = StreamMatcher(items, n=2, normalisation=Normalisation(lowercase=True, strip_punctuation=True), max_docs=2)
    a.fold(docs, base)
    parts = [d.encode("utf-8") for d in docs]
    b.fold_utf8(np.frombuffer(b"".join(parts), np.uint8), np.cumsum([0, *map(len, parts)]).astype(np.int64), base)
    for k, v in a.state().items():
        assert np.array_equal(v, b.state()[k]), k


@pytest.mark.slow
def test_real_benchmark_against_real_corpus(shared_data, tmp_path):
    """GSM8K questions (a few planted verbatim) against Pile documents: identical to the index."""
    import gzip

    with (shared_data / "gsm8k" / "test.jsonl").open(encoding="utf-8") as fh:
        items = [json.loads(line)["question"] for line in fh][:300]
    path = shared_data / "mimir_pile_nonmembers" / "pubmed_abstracts_0_test_raw.jsonl.gz"
    with gzip.open(path, "rt") as fh:
        docs = [json.loads(line)["original"][:5000] for line in fh][:200]
    docs[3] = docs[3][:500] + " " + items[5] + " " + docs[3][500:]
    docs[150] = items[17] + docs[150]
    idx = NgramIndex.build(docs, tmp_path / "idx", tokenizer="bytes", progress=False, lowercase=True,
                           collapse_whitespace=True)
    sm = StreamMatcher(items, n=13, normalisation=Normalisation(lowercase=True, collapse_whitespace=True))
    for i in range(0, len(docs), 64):
        sm.fold(docs[i : i + 64], i)
    got = _stream_view(sm)
    assert got == _index_view(idx, items, 13, 5)
    assert got[5][0] and got[17][0]


def test_bad_input():
    iv, io = encode_texts(["hello world"], Normalisation(), "items")
    ok = dict(key_pos=np.array([0], np.int64), key_item=np.array([0], np.int64), key_window=np.array([8], np.int32))

    def make(**kw):
        a = {**ok, **kw}
        return _core.ItemMatcher(iv, io, a["key_pos"], a["key_item"], a["key_window"], kw.get("max_docs", 5))

    with pytest.raises(ValueError, match="power of two"):
        make(key_window=np.array([3], np.int32))
    with pytest.raises(ValueError, match="does not lie inside"):
        make(key_pos=np.array([5], np.int64))
    with pytest.raises(ValueError, match="not an item index"):
        make(key_item=np.array([1], np.int64))
    with pytest.raises(ValueError, match="same length"):
        make(key_item=np.array([0, 0], np.int64))
    with pytest.raises(ValueError, match="max_docs"):
        make(max_docs=0)
    with pytest.raises(TypeError):
        make(key_pos=np.array([0], np.int32))
    with pytest.raises(ValueError, match="offsets"):
        _core.ItemMatcher(iv, np.array([0, 99], np.int64), ok["key_pos"], ok["key_item"], ok["key_window"], 5)
    m = make()
    with pytest.raises(ValueError, match="offsets"):
        m.fold(np.zeros(4, np.uint8), np.array([0, 2, 1, 4], np.int64), 0)
    with pytest.raises(ValueError, match="base"):
        m.fold(np.zeros(4, np.uint8), np.array([0, 4], np.int64), -1)
    z = np.zeros(1, np.int64)
    with pytest.raises(ValueError, match="match length"):
        m.merge(np.array([99], np.int64), z, z, np.full((1, 5), -1, np.int64))
    with pytest.raises(ValueError, match="columns"):
        m.merge(z, z, z, np.full((1, 4), -1, np.int64))
    with pytest.raises(ValueError, match="entries"):
        m.merge(np.zeros(2, np.int64), z, z, np.full((1, 5), -1, np.int64))
    with pytest.raises(TypeError):
        StreamMatcher(["a"]).fold(["ok", 3], 0)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="needs"):
        StreamMatcher(["a"]).merge({"best_len": z})
