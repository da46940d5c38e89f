"""Normalisation.encode_block (the C++ kernel in cpp/src/common/normalise.cpp) against its
definition, the per-document ``b"".join(norm(t).encode("utf-8") for t in texts)``: random
Unicode with hypothesis, every code point, the characters that need care, surrogates, the
Pile documents (slow), and what the native function does with bad input."""

from __future__ import annotations

import glob
import itertools
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seenit
from seenit import _core
from seenit.tokenize import Normalisation, _char_table

FLAGS = [Normalisation(*f) for f in itertools.product((False, True), repeat=3)]
DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mimir_pile_nonmembers"

#: Characters where a shortcut would go wrong: non-ASCII whitespace, the ASCII separators
#: Python counts as whitespace, lowercase longer than the character or depending on context,
#: characters whose lowercase changes byte length, word characters outside ASCII, marks.
TRICKY = ("\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2028\u2029\u202f\u205f\u3000\t\n\x0b\x0c\r "
          "\u0130\u03a3\u03c3\u03c2\u0391\u212a\u023a\u2c65\u1e9e\xdf\u0307\u00b2\u2167\u0660_-!.,'"
          "Aa\u00c0\u00e0\U0001d400\U0001f600\x00\x7f")


def reference(norm: Normalisation, texts: list[str]) -> tuple[bytes, list[int]]:
    parts = [norm(t).encode("utf-8") for t in texts]
    return b"".join(parts), np.cumsum([0, *map(len, parts)]).tolist()


def assert_matches(norm: Normalisation, texts: list[str]) -> None:
    blob, offsets = norm.encode_block(texts)
    want, want_offsets = reference(norm, texts)
    assert blob.dtype == np.uint8 and offsets.dtype == np.int64
    assert blob.tobytes() == want
    assert offsets.tolist() == want_offsets


texts_strategy = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
        st.text(alphabet=st.sampled_from(TRICKY), max_size=40),
        st.text(alphabet=st.sampled_from("ab AB\t\n.,!_Σσ\u0130\u3000\x1c"), max_size=40),
        st.text(alphabet=st.characters(max_codepoint=127), max_size=40),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(texts=texts_strategy, flags=st.sampled_from(FLAGS))
def test_encode_block_matches_per_document_definition(texts, flags):
    assert_matches(flags, texts)


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.sampled_from(TRICKY + "\ud800\udfff"), max_size=20), max_size=6),
       flags=st.sampled_from(FLAGS))
def test_surrogates_fail_exactly_where_the_encode_fails(texts, flags):
    try:
        want = reference(flags, texts)
    except UnicodeEncodeError:
        bad = next(i for i, t in enumerate(texts) if re.search("[\ud800-\udfff]", flags(t)))
        with pytest.raises(ValueError, match=rf"texts\[{bad}\] holds a lone surrogate U\+D[89A-F][0-9A-F]{{2}}"):
            flags.encode_block(texts)
    else:
        blob, offsets = flags.encode_block(texts)
        assert (blob.tobytes(), offsets.tolist()) == want


@pytest.mark.parametrize("norm", FLAGS, ids=repr)
def test_every_code_point(norm):
    """Every code point but the surrogates, in blocks of 512 followed by separators, so that
    each one's lowercase and class is checked by the kernel's table against Python."""
    table, deferred = _char_table()
    cps = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    plain = [chr(c) for c in cps if chr(c) not in deferred]
    docs = []
    for sep in ("", "x", " "):
        docs += [sep.join(plain[i : i + 512]) + sep for i in range(0, len(plain), 512)]
    docs += [d + "A" + d for d in deferred] + list(deferred)
    assert_matches(norm, docs)


def test_table_is_the_interpreters_lowercase_and_regex_classes():
    table, deferred = _char_table()
    assert set(deferred) >= {"\u0130", "\u03a3"}
    for c in range(0x110000):
        ch = chr(c)
        e = int(table[c])
        if ch not in deferred:
            assert chr(e & 0x1FFFFF) == ch.lower(), hex(c)
        assert bool(e >> 21 & 1) == bool(re.fullmatch(r"\s", ch)), hex(c)
        assert bool(e >> 22 & 1) == bool(re.fullmatch(r"[^\w\s]", ch)), hex(c)


def test_ascii_punctuation_is_everything_but_word_characters_and_whitespace():
    strip = Normalisation(strip_punctuation=True)
    for c in range(128):
        ch = chr(c)
        kept = ch.isalnum() or ch == "_" or ch.isspace()
        assert strip.encode_block([ch])[0].tobytes() == (ch.encode() if kept else b""), hex(c)


@pytest.mark.parametrize("texts", [[], [""], ["", "", ""], ["  "], ["\u3000\x85 \t"], ["A" * 10_000 + " \n " * 3000]])
def test_edge_cases(texts):
    for norm in FLAGS:
        assert_matches(norm, texts)


def test_context_lowercase_final_sigma_and_dotted_i():
    norm = Normalisation(lowercase=True, collapse_whitespace=True)
    texts = ["ΟΔΟΣ  ΟΔΟΣ.", "Σ", "aΣ", "ΣΑ", "İSTANBUL", "plain ascii", "ÀÉÎ Σ"]
    assert_matches(norm, texts)
    assert norm.encode_block(["ΟΔΟΣ"])[0].tobytes().decode() == "οδος"


def test_thread_count_does_not_change_the_result():
    texts = [("Word, WORD\u3000word! " * (i % 50)) + "Σ" * (i % 3) + "\u0130" * (i % 5 == 0) for i in range(3000)]
    norm = Normalisation(True, True, True)
    before = seenit.get_num_threads()
    try:
        seenit.set_num_threads(1)
        one = norm.encode_block(texts)
        seenit.set_num_threads(2)
        two = norm.encode_block(texts)
    finally:
        seenit.set_num_threads(before)
    assert one[0].tobytes() == two[0].tobytes() and one[1].tolist() == two[1].tolist()
    assert one[0].tobytes() == reference(norm, texts)[0]


def test_errors_name_the_first_bad_document_whatever_the_threads():
    texts = ["ok"] * 5000 + ["bad \ud800"] + ["ok"] * 100 + ["worse \udfff"]
    before = seenit.get_num_threads()
    try:
        for n in (1, 2):
            seenit.set_num_threads(n)
            with pytest.raises(ValueError, match=r"texts\[5000\] holds a lone surrogate U\+D800"):
                Normalisation().encode_block(texts)
    finally:
        seenit.set_num_threads(before)


@pytest.mark.parametrize("bad", ["abc", b"abc", [1], ["a", None], [b"a"]])
def test_encode_block_rejects_non_str(bad):
    with pytest.raises(TypeError):
        Normalisation().encode_block(bad)


def _core_args(docs=(b"ab", b"C d")):
    text = np.frombuffer(b"".join(docs), dtype=np.uint8)
    offsets = np.cumsum([0, *map(len, docs)]).astype(np.int64)
    return text, offsets, _char_table()[0], np.ones(len(docs), dtype=np.uint8)


def test_core_normalise_utf8_direct():
    blob, offsets, deferred = _core.normalise_utf8(*_core_args(), False, True)
    assert deferred.size == 0
    assert blob.tobytes() == b"abc d" and offsets.tolist() == [0, 2, 5]


@pytest.mark.parametrize("change, exc, match", [
    (lambda a: (a[0].astype(np.int8), *a[1:]), TypeError, "incompatible"),
    (lambda a: (a[0], a[1].astype(np.int32), *a[2:]), TypeError, "incompatible"),
    (lambda a: (a[0], a[1], a[2].astype(np.int64), a[3]), TypeError, "incompatible"),
    (lambda a: (a[0].reshape(1, -1), *a[1:]), ValueError, "1-dimensional"),
    (lambda a: (a[0], np.array([0, 3, 2, 5], dtype=np.int64), *a[2:]), ValueError, "non-decreasing"),
    (lambda a: (a[0], np.array([0, 2, 9], dtype=np.int64), *a[2:]), ValueError, "number of values"),
    (lambda a: (a[0], np.array([1, 2, 5], dtype=np.int64), *a[2:]), ValueError, r"\[0\] must be 0"),
    (lambda a: (a[0], np.empty(0, dtype=np.int64), *a[2:]), ValueError, "at least one"),
    (lambda a: (*a[:2], a[2][:100], a[3]), ValueError, "one per code point"),
    (lambda a: (*a[:3], a[3][:1]), ValueError, "one entry per document"),
    (lambda a: (*a[:2], np.full(0x110000, 0x1FFFFF, dtype=np.uint32), a[3]), ValueError, "ASCII"),
    (lambda a: (np.frombuffer(b"a\xc3(", dtype=np.uint8), np.array([0, 1, 3], dtype=np.int64), *a[2:]),
     ValueError, r"document 1 \(byte 0\) is not valid UTF-8"),
    (lambda a: (np.frombuffer(b"\xf4\x90\x80\x80", dtype=np.uint8), np.array([0, 4], dtype=np.int64), a[2], a[3][:1]),
     ValueError, "not valid UTF-8"),
    (lambda a: (np.frombuffer("\u0130".encode(), dtype=np.uint8), np.array([0, 2], dtype=np.int64), a[2], a[3][:1]),
     ValueError, "U\\+0130, which the table marks"),
], ids=range(14))
def test_core_normalise_utf8_rejects_bad_input(change, exc, match):
    with pytest.raises(exc, match=match):
        _core.normalise_utf8(*change(_core_args()), True, True)


def test_core_table_lowercase_out_of_range_is_an_error():
    text, offsets, table, lower = _core_args(["é".encode()])
    t = table.copy()
    t[0xE9] = 0x1FFFFF
    with pytest.raises(ValueError, match="beyond U\\+10FFFF"):
        _core.normalise_utf8(text, offsets, t, lower, False, False)


@pytest.mark.slow
def test_pile_documents_match_the_definition():
    files = sorted(glob.glob(str(DATA / "*.jsonl.gz")))
    if not files:
        pytest.skip(f"{DATA} is absent")
    texts = seenit.io.read_texts(files, field="original")
    for norm in (Normalisation(lowercase=True, collapse_whitespace=True), Normalisation(True, True, True)):
        assert_matches(norm, texts)


def test_core_normalise_utf8_skip_deferred_lists_the_context_dependent_documents():
    docs = ["a \u0130 b".encode(), b"Plain", "\u03a3\u03a3".encode(), "x".encode()]
    blob, offsets, deferred = _core.normalise_utf8(*_core_args(docs), False, True, True)
    assert deferred.tolist() == [0, 2]  # left empty: the caller lowercases them itself
    assert blob.tobytes() == b"plainx" and offsets.tolist() == [0, 0, 5, 5, 6]


def test_encode_utf8_lowercases_the_deferred_documents_in_python():
    texts = ["A \u0130 B", "Plain", "O\u03a3 \u03a3O", "x\ud800"]
    norm = Normalisation(lowercase=True, collapse_whitespace=True, strip_punctuation=True)
    parts = [t.encode("utf-8", "surrogatepass") for t in texts[:3]]
    got = norm.encode_utf8(np.frombuffer(b"".join(parts), np.uint8), np.cumsum([0, *map(len, parts)]).astype(np.int64))
    assert [bytes(got[0][got[1][i]:got[1][i + 1]]).decode() for i in range(3)] == [norm(t) for t in texts[:3]]
    parts = [t.encode("utf-8", "surrogatepass") for t in texts]
    with pytest.raises(ValueError, match=r"texts\[3\] holds a lone surrogate"):  # kept unless punctuation is stripped
        Normalisation(lowercase=True).encode_utf8(np.frombuffer(b"".join(parts), np.uint8), np.cumsum([0, *map(len, parts)]).astype(np.int64))
