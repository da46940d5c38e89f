"""NgramIndex: query kernels against the brute-force reference, index format,
corruption handling and bad input."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seenit
from seenit import NgramIndex, _core
from seenit.ngram.index_format import IndexFormatError
from seenit.reference import ngram as ref
from seenit.reference import ngram as ref_suffix
from seenit.ngram.suffix import suffix_array

DTYPES = [np.uint8, np.uint16, np.uint32]


def ragged(qs, dtype):
    offs = np.zeros(len(qs) + 1, dtype=np.int64)
    offs[1:] = np.cumsum([len(q) for q in qs])
    vals = np.concatenate([np.asarray(q, dtype=dtype) for q in qs]) if qs else np.empty(0, dtype)
    return np.ascontiguousarray(vals, dtype=dtype), offs


@st.composite
def corpus_and_queries(draw):
    dtype = draw(st.sampled_from(DTYPES))
    alphabet = draw(st.integers(1, 6))
    sep = alphabet  # the separator is the id past the alphabet
    n = draw(st.integers(0, 120))
    toks = draw(st.lists(st.integers(0, alphabet), min_size=n, max_size=n))  # includes separators
    t = np.array(toks, dtype=dtype)
    qs = []
    for _ in range(draw(st.integers(1, 12))):
        if t.size and draw(st.booleans()):  # a substring of the corpus (often found)
            a = draw(st.integers(0, t.size - 1))
            b = draw(st.integers(a, min(t.size, a + 12)))
            qs.append(t[a:b].tolist())
        else:
            qs.append(draw(st.lists(st.integers(0, alphabet), max_size=8)))
    return t, sep, qs


@given(corpus_and_queries())
def test_ranges_and_counts_match_reference(data):
    t, sep, qs = data
    for sa_dtype in (np.int32, np.int64):
        sa = ref_suffix.suffix_array(t).astype(sa_dtype)
        vals, offs = ragged(qs, t.dtype)
        lo, hi = _core.ngram_ranges(t, sa, sep, vals, offs)
        for j, q in enumerate(qs):
            q = np.array(q, dtype=t.dtype)
            assert hi[j] - lo[j] == ref.count(t, q, sep)
            # locate: the SA range holds exactly the occurrences
            assert sorted(sa[lo[j] : hi[j]].tolist()) == ref.locate(t, q, sep)


@given(corpus_and_queries())
def test_matching_statistics_match_reference(data):
    t, sep, qs = data
    sa = ref_suffix.suffix_array(t).astype(np.int32)
    vals, offs = ragged(qs, t.dtype)
    ms = _core.ngram_matching_statistics(t, sa, sep, vals, offs)
    for j, q in enumerate(qs):
        np.testing.assert_array_equal(ms[offs[j] : offs[j + 1]], ref.matching_statistics(t, np.array(q, t.dtype), sep))


@given(corpus_and_queries(), st.data())
def test_prefix_lengths_equal_matching_statistics(data, draw):
    t, sep, qs = data
    sa = ref_suffix.suffix_array(t).astype(np.int64)
    vals, offs = ragged(qs, t.dtype)
    ms = _core.ngram_matching_statistics(t, sa, sep, vals, offs)
    pos = np.array(draw.draw(st.lists(st.integers(0, max(vals.size - 1, 0)), max_size=20)) if vals.size else [], np.int64)
    np.testing.assert_array_equal(_core.ngram_prefix_lengths(t, sa, sep, vals, offs, pos), ms[pos])
    with pytest.raises(ValueError, match="outside the query values"):
        _core.ngram_prefix_lengths(t, sa, sep, vals, offs, np.array([vals.size], np.int64))


@given(st.lists(st.text(alphabet=" a\té\nb", max_size=12), max_size=6))
def test_word_spans_match_regex(texts):
    import re

    from seenit.ngram.index import word_spans

    enc = [x.encode() for x in texts]
    vals, offs = ragged([list(e) for e in enc], np.uint8)
    s, e = word_spans(vals, offs)
    want = [(int(offs[i]) + m.start(), int(offs[i]) + m.end()) for i, b in enumerate(enc) for m in re.finditer(rb"[^ \t\n\r\x0b\x0c]+", b)]
    assert list(zip(s.tolist(), e.tolist())) == want


def test_counts_match_bytes_count_on_real_text(shared_data):
    text = (shared_data / "tinyshakespeare" / "input.txt").read_bytes()[:200_000]
    t = np.frombuffer(text, dtype=np.uint8).copy()
    sa = suffix_array(t)
    rng = np.random.default_rng(0)
    qs = [text[s : s + int(k)] for s, k in zip(rng.integers(0, len(text) - 20, 300), rng.integers(1, 14, 300))]
    qs += [b"ROMEO:", b"the king", b"zzzqqq", b"First Citizen:\nBefore we proceed"]
    vals, offs = ragged([list(q) for q in qs], np.uint8)
    lo, hi = _core.ngram_ranges(t, sa, 255, vals, offs)

    def overlapping_count(q: bytes) -> int:  # bytes.count does not count overlaps
        n, i = 0, text.find(q)
        while i >= 0:
            n, i = n + 1, text.find(q, i + 1)
        return n

    assert (hi - lo).tolist() == [overlapping_count(q) for q in qs]


def test_results_do_not_depend_on_thread_count():
    rng = np.random.default_rng(3)
    t = rng.integers(0, 3, 5000).astype(np.uint16)
    t[::50] = 3
    sa = suffix_array(t)
    qs = [t[s : s + k] for s, k in zip(rng.integers(0, 4990, 2000), rng.integers(1, 9, 2000))]
    vals, offs = ragged(qs, np.uint16)
    out = []
    try:
        for th in (1, 2, 3):
            seenit.set_num_threads(th)
            lo, hi = _core.ngram_ranges(t, sa, 3, vals, offs)
            ms = _core.ngram_matching_statistics(t, sa, 3, vals, offs)
            out.append((lo, hi, ms))
    finally:
        seenit.set_num_threads(0)
    for lo, hi, ms in out[1:]:
        np.testing.assert_array_equal(lo, out[0][0])
        np.testing.assert_array_equal(hi, out[0][1])
        np.testing.assert_array_equal(ms, out[0][2])


# ---------------------------------------------------------------- the NgramIndex API

DOCS = ["the cat sat on the mat", "a cat ran", "", "the dog sat on the log", "naïve café über"]


@pytest.fixture()
def idx(tmp_path):
    return NgramIndex.build(DOCS, tmp_path / "idx", progress=False)


def test_index_queries_small(idx):
    assert (idx.n_docs, len(idx.shards)) == (5, 1)
    assert idx.count("cat") == 2
    assert idx.count("sat on the ") == 2
    assert idx.count("café") == 1
    assert idx.count("") == 0  # empty query matches nothing
    assert idx.count("x" * 1000) == 0  # longer than the corpus
    assert idx.count(np.array([ord("t"), 0xFF], np.uint8)) == 0  # contains the separator
    assert idx.count("mat a") == 0  # would cross a document boundary
    docs, offs = idx.locate("sat")
    assert docs.tolist() == [0, 3] and offs.tolist() == [8, 8]
    assert [idx.document(i) for i in range(idx.n_docs)] == DOCS
    assert idx.document(-1) == DOCS[-1]
    np.testing.assert_array_equal(idx.count_many(["cat", "the", "zzz", "t"]), [2, 4, 0, sum(d.count("t") for d in DOCS)])
    lm = idx.longest_match("my cat sat on the log")
    assert lm.length == len(" cat sat on the ")
    assert idx.tokenizer.decode(idx.encode("my cat sat on the log")[lm.start : lm.start + lm.length]) == " cat sat on the "


def test_overlap_words_and_tokens(idx):
    ov = idx.overlap("the cat sat on a log", n=3)  # word 3-grams: "the cat sat", "cat sat on" present
    assert (ov.n_ngrams, ov.n_present) == (4, 2)
    assert ov.mask.tolist() == [True, True, True, True, False, False]
    assert ov.fraction == 0.5
    short = idx.overlap("cat sat", n=13)  # shorter than n: checked as a whole
    assert (short.n_ngrams, short.n_present, short.covered) == (1, 1, 1.0)
    assert idx.overlap("dog cat", n=13).n_present == 0
    tok = idx.overlap(np.frombuffer(b"cat", np.uint8), n=2)  # token units for a token query
    assert (tok.n_ngrams, tok.n_present) == (2, 2)
    empty = idx.overlap("", n=13)
    assert (empty.n_ngrams, empty.fraction, empty.mask.size) == (0, 0.0, 0)


@given(st.lists(st.integers(0, 40), min_size=0, max_size=30), st.integers(1, 6))
@settings(max_examples=40)
def test_ngram_overlap_matches_reference(words, n):
    from seenit.ngram.index import ngram_overlap

    rng = np.random.default_rng(len(words))
    toks = np.array(words, dtype=np.uint32)
    starts = np.arange(toks.size, dtype=np.int64)
    ms = np.array([rng.integers(0, toks.size - i + 1) for i in range(toks.size)], dtype=np.int64)
    ov = ngram_overlap(toks, ms, starts, starts + 1, n)
    frac, mask = ref.overlap(ms, starts, starts + 1, n)
    assert ov.fraction == pytest.approx(frac)
    np.testing.assert_array_equal(ov.mask, mask)


def test_sharded_index_equals_single(tmp_path):
    rng = np.random.default_rng(7)
    words = ["alpha", "beta", "gamma", "delta", "eps"]
    docs = [" ".join(rng.choice(words, rng.integers(1, 30))) for _ in range(60)]
    one = NgramIndex.build(docs, tmp_path / "one", progress=False)
    many = NgramIndex.build(docs, tmp_path / "many", progress=False, shard_tokens=500)
    assert len(many.shards) > 2 and many.n_docs == one.n_docs == 60
    qs = [" ".join(rng.choice(words, rng.integers(1, 4))) for _ in range(100)]
    np.testing.assert_array_equal(one.count_many(qs), many.count_many(qs))
    for q in qs[:20]:
        a, b = one.locate(q, limit=10**6), many.locate(q, limit=10**6)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        np.testing.assert_array_equal(one.longest_match(q + " zeta").lengths, many.longest_match(q + " zeta").lengths)
    assert [many.document(i) for i in range(60)] == docs
    reopened = NgramIndex.open(tmp_path / "many", verify=True)
    np.testing.assert_array_equal(reopened.count_many(qs), one.count_many(qs))


def test_whitespace_tokenizer_and_normalisation(tmp_path):
    docs = ["The  Cat, sat.", "the cat SAT!", "a dog"]
    idx = NgramIndex.build(docs, tmp_path / "ws", tokenizer="whitespace", progress=False, lowercase=True,
                           strip_punctuation=True)
    assert idx.manifest["normalisation"] == {"lowercase": True, "strip_punctuation": True, "collapse_whitespace": False}
    assert idx.count("the CAT sat") == 2  # queries get the index's normalisation
    assert idx.count("cat unknownword") == 0
    assert idx.document(0) == "the cat sat"
    re = NgramIndex.open(tmp_path / "ws")
    assert re.count("THE cat") == 2 and re.tokenizer.vocab_size == idx.tokenizer.vocab_size


def test_optional_tokenizers_have_clear_import_errors(tmp_path):
    for spec, mod in (("tiktoken:gpt2", "tiktoken"), ("hf:/nonexistent/tokenizer.json", "tokenizers")):
        try:
            __import__(mod)
        except ImportError:
            with pytest.raises(ImportError, match=f"pip install .*{mod}"):
                NgramIndex.build(["x"], tmp_path / "t", tokenizer=spec, progress=False)


def test_hf_tokenizer(tmp_path):
    tk = pytest.importorskip("tokenizers")
    docs = ["the cat sat on the mat", "the dog sat", "a cat and a dog"]
    hf = tk.Tokenizer(tk.models.WordLevel(unk_token="[UNK]"))
    hf.pre_tokenizer = tk.pre_tokenizers.Whitespace()
    hf.train_from_iterator(docs, tk.trainers.WordLevelTrainer(special_tokens=["[UNK]"]))
    path = tmp_path / "tokenizer.json"
    hf.save(str(path))
    idx = NgramIndex.build(docs, tmp_path / "hf", tokenizer=f"hf:{path}", progress=False)
    assert idx.manifest["separator"] == idx.vocab_size == hf.get_vocab_size() and idx.dtype == np.uint16
    assert idx.count("sat") == 2 and idx.count("a cat") == 1 and idx.count("sat on the mat") == 1
    assert idx.document(1) == "the dog sat"
    again = NgramIndex.open(tmp_path / "hf")
    assert again.count("the dog") == 1
    with pytest.raises(FileNotFoundError, match="hf tokenizer file not found"):
        NgramIndex.build(docs, tmp_path / "x", tokenizer="hf:/nonexistent.json", progress=False)


def test_build_from_files(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_text("\n".join(json.dumps({"body": d}) for d in ["one two", "two three"]) + "\n")
    idx = NgramIndex.build(p, tmp_path / "i", field="body", progress=False)
    assert idx.n_docs == 2 and idx.count("two") == 2
    idx2 = NgramIndex.build([p, p], tmp_path / "i2", field="body", progress=False)
    assert idx2.n_docs == 4 and idx2.count("two") == 4


# ---------------------------------------------------------------- format and corruption


def test_manifest_contents(idx):
    m = json.loads((idx.path / "manifest.json").read_text())
    assert m["format"] == "seenit-ngram-index" and m["format_version"] == 1
    assert (m["tokenizer"], m["token_width"], m["separator"], m["n_docs"]) == ("bytes", 1, 255, 5)
    s = m["shards"][0]
    assert s["pointer_width"] == 4
    assert set(s["parts"]) == {"tokens.bin", "sa.bin", "docs.bin"}
    assert s["parts"]["sa.bin"]["size"] == 4 * m["n_tokens"]
    assert isinstance(idx.shards[0].tokens, np.memmap)  # memory-mapped, not read


def _corrupt_manifest(path, fn):
    m = json.loads((path / "manifest.json").read_text())
    fn(m)
    (path / "manifest.json").write_text(json.dumps(m))


def test_missing_part(idx):
    os.remove(idx.path / "sa.bin")
    with pytest.raises(IndexFormatError, match=r"sa\.bin: missing"):
        NgramIndex.open(idx.path)


def test_truncated_part(idx):
    p = idx.path / "tokens.bin"
    p.write_bytes(p.read_bytes()[:-3])
    with pytest.raises(IndexFormatError, match=r"tokens\.bin: size 73 bytes, manifest says 76 \(truncated"):
        NgramIndex.open(idx.path)


def test_wrong_checksum_detected_with_verify(idx):
    p = idx.path / "docs.bin"
    raw = bytearray(p.read_bytes())
    raw[8] ^= 1
    p.write_bytes(bytes(raw))
    NgramIndex.open(idx.path, verify=False)  # sizes still match: a sizes-only open does not hash
    with pytest.raises(IndexFormatError, match=r"docs\.bin: SHA-256 checksum does not match"):
        NgramIndex.open(idx.path, verify=True)
    with pytest.raises(IndexFormatError, match=r"docs\.bin: SHA-256 checksum does not match"):
        NgramIndex.open(idx.path)  # the default hashes a part whose file changed since it was verified


def test_newer_format_version(idx):
    _corrupt_manifest(idx.path, lambda m: m.update(format_version=99))
    with pytest.raises(IndexFormatError, match=r"manifest\.json: format version 99 is newer"):
        NgramIndex.open(idx.path)


def test_bad_manifests(idx, tmp_path):
    (idx.path / "manifest.json").write_text("{not json")
    with pytest.raises(IndexFormatError, match="manifest.json: not valid JSON"):
        NgramIndex.open(idx.path)
    _ = tmp_path
    (idx.path / "manifest.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(IndexFormatError, match="not a seenit n-gram index"):
        NgramIndex.open(idx.path)
    with pytest.raises(FileNotFoundError, match="index directory not found"):
        NgramIndex.open(tmp_path / "nope")


def test_count_mismatch_in_manifest(idx):
    def more_tokens(m):  # consistent totals, but more tokens than tokens.bin holds
        m["shards"][0]["n_tokens"] += 1
        m["n_tokens"] += 1

    _corrupt_manifest(idx.path, more_tokens)
    with pytest.raises(IndexFormatError, match=r"tokens\.bin: size .* does not match the counts"):
        NgramIndex.open(idx.path)


@pytest.mark.parametrize("damage, message", [
    (lambda m: m["shards"][0].update(n_tokens=m["shards"][0]["n_tokens"] + 1), r"its shards hold 5 and"),
    (lambda m: m.update(n_docs=m["n_docs"] + 1), r"says 6 documents .* its shards hold 5"),
    (lambda m: m.update(shards=[]), r"says 5 documents .* its shards hold 0 and 0"),
    (lambda m: m.update(shards=m["shards"] * 2), r"a shard is listed twice"),
    (lambda m: m["shards"][0].update(doc_offset=1), r"starts at document 1, but the shards before it hold 0"),
])
def test_inconsistent_manifest_is_refused_even_before_checksums(idx, damage, message):
    # a damaged manifest doubled every count or shifted document ids without a word, even with verify=True
    _corrupt_manifest(idx.path, damage)
    for verify in (False, True):
        with pytest.raises(IndexFormatError, match=message):
            NgramIndex.open(idx.path, verify=verify)


def test_interrupted_build_leaves_nothing_openable(tmp_path, monkeypatch):
    import seenit.ngram.index as ngram_mod

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(ngram_mod, "write_manifest", boom)
    with pytest.raises(KeyboardInterrupt):
        NgramIndex.build(DOCS, tmp_path / "idx", progress=False)
    assert not (tmp_path / "idx").exists()
    assert list(tmp_path.iterdir()) == []  # the temporary directory is removed too
    # a directory that holds parts but no manifest (a build killed hard) is refused
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "tokens.bin").write_bytes(b"abc")
    with pytest.raises(IndexFormatError, match="manifest.json: missing"):
        NgramIndex.open(tmp_path / "half")


def test_build_refuses_existing_path_unless_overwrite(idx):
    with pytest.raises(FileExistsError, match="already exists"):
        NgramIndex.build(["x"], idx.path, progress=False)
    new = NgramIndex.build(["x y"], idx.path, progress=False, overwrite=True)
    assert new.n_docs == 1 and new.count("x y") == 1


# ---------------------------------------------------------------- bad input


def test_bad_queries(idx):
    with pytest.raises(ValueError, match=r"^q has a negative token id"):
        idx.count(np.array([-1, 3]))
    with pytest.raises(ValueError, match="token id 300 >= the index's vocabulary size 256"):
        idx.count(np.array([300]))
    with pytest.raises(TypeError, match="must hold integer token ids"):
        idx.count(np.array([1.5]))
    with pytest.raises(ValueError, match="must be 1-D"):
        idx.count(np.zeros((2, 2, 2), np.uint8))
    with pytest.raises(TypeError, match="got bytes"):
        idx.count(b"cat")
    with pytest.raises(TypeError, match="sequence of queries"):
        idx.count_many("cat")
    with pytest.raises(ValueError, match="limit must be in"):
        idx.locate("cat", limit=-1)
    with pytest.raises(ValueError, match="n must be in"):
        idx.overlap("cat", n=0)
    with pytest.raises(ValueError, match="units must be"):
        idx.overlap("cat", units="chars")
    with pytest.raises(ValueError, match="units='words' needs a 'bytes' index"):
        NgramIndex.build(["a b"], idx.path.parent / "w", tokenizer="whitespace", progress=False).overlap("a", units="words")
    with pytest.raises(ValueError, match=r"^q has token id 300"):
        idx.longest_match(np.array([300]))
    with pytest.raises(ValueError, match=r"^qs\[1\] has token id 300"):
        idx.count_many(["a", np.array([300])])
    with pytest.raises(ValueError, match="i must be in"):
        idx.document(5)


def test_bad_build_input(tmp_path):
    with pytest.raises(ValueError, match="holds no documents"):
        NgramIndex.build([], tmp_path / "a", progress=False)
    with pytest.raises(TypeError, match=r"docs_or_paths\[1\] must be str"):
        NgramIndex.build(["a", 3], tmp_path / "b", progress=False)
    with pytest.raises(ValueError, match="tokenizer must be"):
        NgramIndex.build(["a"], tmp_path / "c", tokenizer="gpt9", progress=False)
    with pytest.raises(ValueError, match="shard_tokens must be in"):
        NgramIndex.build(["a"], tmp_path / "d", shard_tokens=0, progress=False)
    with pytest.raises(FileNotFoundError):
        NgramIndex.build(tmp_path / "missing.jsonl", tmp_path / "e", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_kernel_bad_input():
    t = np.frombuffer(b"abcab\xff", np.uint8).copy()
    sa = ref_suffix.suffix_array(t).astype(np.int32)
    v, o = ragged([[97]], np.uint8)
    with pytest.raises(TypeError, match="tokens must have dtype uint8, uint16 or uint32"):
        _core.ngram_ranges(t.astype(np.int8), sa, 255, v, o)
    with pytest.raises(TypeError, match="sa must have dtype int32 or int64"):
        _core.ngram_ranges(t, sa.astype(np.uint32), 255, v, o)
    with pytest.raises(TypeError, match="query values must have the index's token dtype"):
        _core.ngram_ranges(t, sa, 255, v.astype(np.uint16), o)
    with pytest.raises(ValueError, match="sa must have one entry per token"):
        _core.ngram_ranges(t, sa[:-1], 255, v, o)
    with pytest.raises(ValueError, match="qoffsets must be non-decreasing"):
        _core.ngram_ranges(t, sa, 255, np.zeros(3, np.uint8), np.array([0, 2, 1, 3], np.int64))
    with pytest.raises(ValueError, match=r"qoffsets\[-1\] must equal"):
        _core.ngram_matching_statistics(t, sa, 255, v, np.array([0, 5], np.int64))
