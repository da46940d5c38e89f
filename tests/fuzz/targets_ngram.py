"""Targets: suffix/LCP arrays, NgramIndex (build, open, queries), contamination, exact dedup."""

from __future__ import annotations

import numpy as np

import seenit
from seenit import _core
from seenit.reference import ngram as ref_ngram
from seenit.reference import ngram as ref_suffix

from . import call, check, known, skip, target, thread_invariant
from .decode import Decoder

TEXT_DTYPES = (np.uint8, np.uint16, np.uint32)


def _text(d: Decoder, max_len: int = 48) -> np.ndarray:
    dt = d.pick(TEXT_DTYPES)
    hi = d.pick((1, 2, 3, 255, int(np.iinfo(dt).max)))
    return d.int_array((d.size(max_len),), 0, hi, dt, bad=0, wild=0)


def _ngram_flipped(what: str) -> bool:
    """The index was damaged so that it still opens (same sizes) but its suffix array,
    tokens or document offsets no longer agree -- the known-issue territory."""
    return what.startswith(("flip:", "manifest:"))


@target("suffix_array", area="ngram", covers=["seenit.suffix_array"])
def fuzz_suffix_array(d: Decoder) -> None:
    """suffix_array of uint8/16/32 texts equals the reference (and any other input is rejected)."""
    t = _text(d)
    a = d.mangle(t) if d.chance(20) else t
    sa = thread_invariant(lambda: call(seenit.suffix_array, a))
    if a is t:
        check(np.array_equal(sa, ref_suffix.suffix_array(t)), f"suffix_array({t.tolist()}) != reference")
        check(sa.dtype == np.int32, f"suffix_array dtype {sa.dtype}")


@target("lcp_array", area="ngram", covers=["seenit.lcp_array"])
def fuzz_lcp_array(d: Decoder) -> None:
    """lcp_array with the right suffix array equals the reference; a wrong one is rejected."""
    t = _text(d)
    sa = ref_suffix.suffix_array(t).astype(d.pick((np.int32, np.int64)))
    good = d.chance(60)
    if not good:
        m = d.int(0, 3)
        if m == 0 and sa.size >= 2:
            sa[d.int(0, sa.size - 1)] = sa[d.int(0, sa.size - 1)]  # not a permutation
        elif m == 1 and sa.size:
            sa[d.int(0, sa.size - 1)] = d.pick((-1, sa.size, 2**31 - 1, -(2**31)))
        elif m == 2:
            sa = d.mangle(sa)
        else:
            sa = sa[::-1].copy()  # a permutation, but not the suffix array
    lcp = thread_invariant(lambda: call(seenit.lcp_array, t, sa))
    if good:
        check(np.array_equal(lcp, ref_suffix.lcp_array(t, sa)), "lcp_array != reference")


@target("Normalisation", area="ngram", covers=["seenit.Normalisation"])
def fuzz_normalisation(d: Decoder) -> None:
    """Normalisation(...)(text) returns a str for any text; from_dict rejects unknown keys."""
    n = call(seenit.Normalisation, lowercase=d.bool(), strip_punctuation=d.bool(), collapse_whitespace=d.bool())
    t = d.text(60)
    out = call(n, t)
    check(isinstance(out, str), "Normalisation returned a non-str")
    if d.chance(20):
        call(seenit.Normalisation.from_dict, d.maybe_weird({"lowercase": True, d.pick(("x", "lowercase")): 1}, 30))


@target("NgramIndex.build", area="ngram", covers=["seenit.NgramIndex.build", "seenit.NgramIndex.document",
                                                  "seenit.NgramIndex.document_tokens"])
def fuzz_ngram_build(d: Decoder) -> None:
    """NgramIndex.build from decoded texts (any tokenizer, sharding, normalisation); documents round-trip."""
    docs = d.docs(6, 40)
    tok = d.choice(("bytes", "whitespace"), 5)
    shard = d.pick((None, None, 1, 3, 16)) if d.chance(95) else d.maybe_weird(0, 100)
    norm = d.chance(30)
    dest = d.workdir() / "built"
    idx = call(seenit.NgramIndex.build, docs, dest, allowed=(FileNotFoundError,), tokenizer=tok, shard_tokens=shard, progress=False,
               lowercase=norm and d.bool(), strip_punctuation=norm and d.bool(), collapse_whitespace=norm and d.bool(),
               overwrite=d.bool())
    check(idx.n_docs == len(docs), f"n_docs {idx.n_docs} != {len(docs)}")
    for i in range(idx.n_docs):
        text = idx.document(i)
        if tok == "bytes" and not norm and isinstance(docs[i], str) and "\x00" not in docs[i]:
            try:
                want = docs[i].encode("utf-8").decode("utf-8")
            except UnicodeEncodeError:
                continue
            check(text == want, f"document {i}: {text!r} != {want!r}")
    call(idx.document, d.small_int(-3, 8))


def _query(d: Decoder, idx: object) -> object:
    if d.chance(60):
        return d.text(30)
    hi = int(getattr(idx, "vocab_size", 256))
    return d.int_array((d.size(12),), 0, hi, d.pick((np.int64, np.uint8, np.uint16, np.uint32)), bad=15, wild=10)


@target("NgramIndex.query", area="ngram", covers=[
    "seenit.NgramIndex.count", "seenit.NgramIndex.count_many", "seenit.NgramIndex.locate",
    "seenit.NgramIndex.longest_match", "seenit.NgramIndex.overlap", "seenit.NgramIndex.overlap_many",
    "seenit.NgramIndex.matching_statistics_many", "seenit.NgramIndex.encode", "seenit.NgramIndex.prefix_lengths",
    "seenit.NgramIndex.unit_spans"])
def fuzz_ngram_query(d: Decoder) -> None:
    """Queries of an intact index (str or token arrays, out-of-vocabulary ids, separators): count and
    locate equal the reference scan of the corpus tokens."""
    path, _ = d.index_dir(corrupt=0)
    idx = seenit.NgramIndex.open(path)
    q = _query(d, idx)
    op = d.int(0, 8)
    if op == 0:
        c = call(idx.count, q)
        enc = idx.encode(q)
        want = sum(ref_ngram.count(np.asarray(s.tokens), enc, idx.separator) for s in idx.shards)
        check(c == want, f"count {c} != reference {want} for {q!r}")
    elif op == 1:
        qs = [q] + [_query(d, idx) for _ in range(d.size(4))]
        c = call(idx.count_many, qs)
        check(c.shape == (len(qs),), "count_many shape")
    elif op == 2:
        limit = d.small_int(0, 5)
        docs, offs = call(idx.locate, q, limit)
        check(docs.shape == offs.shape and docs.size <= max(limit, 0), "locate shapes")
        if len(idx.shards) == 1 and limit >= 10**9:
            enc = idx.encode(q)
            want = ref_ngram.locate(np.asarray(idx.shards[0].tokens), enc, idx.separator)
            check(len(want) == docs.size, "locate count != reference")
    elif op == 3:
        lm = call(idx.longest_match, q)
        check(lm.length >= 0, "longest_match length")
    elif op == 4:
        ov = call(idx.overlap, q, d.small_int(1, 6), units=d.choice(("auto", "tokens", "words")))
        check(0.0 <= ov.fraction <= 1.0 and 0.0 <= ov.covered <= 1.0, f"overlap {ov}")
    elif op == 5:
        qs = [q] + [_query(d, idx) for _ in range(d.size(4))]
        r = call(idx.overlap_many, qs, d.small_int(1, 6), units=d.choice(("auto", "tokens", "words")))
        check(len(r) == len(qs), "overlap_many length")
    elif op in (7, 8):  # the helpers contamination uses, on encoded queries and raw positions
        qs = [q] + [_query(d, idx) for _ in range(d.size(4))]
        v, o = call(idx._ragged, qs)
        if op == 7:
            us, ue = call(idx.unit_spans, v, o, d.bool() and idx.tokenizer.spec == "bytes")
            check(us.shape == ue.shape and np.all(us < ue), "unit_spans malformed")
        else:
            pos = d.int_array((d.size(6),), 0, max(v.size - 1, 0), np.int64, bad=10, wild=10)
            r = call(idx.prefix_lengths, v, o, pos)
            check(r.shape == np.shape(pos), "prefix_lengths shape")
    else:
        qs = [q] + [_query(d, idx) for _ in range(d.size(4))]
        v, o, ms = call(idx.matching_statistics_many, qs)
        check(ms.shape == v.shape and np.all(ms >= 0), "matching statistics malformed")
        if len(idx.shards) == 1 and v.size <= 16:
            for i in range(o.size - 1):
                want = ref_ngram.matching_statistics(np.asarray(idx.shards[0].tokens), v[o[i]:o[i + 1]], idx.separator)
                check(np.array_equal(ms[o[i]:o[i + 1]], want), "matching statistics != reference")


@target("NgramIndex.open", area="ngram", covers=["seenit.NgramIndex", "seenit.NgramIndex.open"])
def fuzz_ngram_open(d: Decoder) -> None:
    """NgramIndex.open of damaged index directories (flipped, truncated, extended, removed files,
    edited manifests), then a few queries: every damage is a ValueError, never a crash."""
    path, what = d.index_dir(corrupt=85)
    verify = d.bool()
    idx = call(seenit.NgramIndex.open, path, verify=verify)
    q = d.text(20)
    call(idx.count, q)
    call(idx.locate, q, 3)
    call(idx.longest_match, q)
    call(idx.document, d.small_int(0, 4))


@target("contamination", area="ngram", covers=["seenit.contamination"])
def fuzz_contamination(d: Decoder) -> None:
    """contamination of decoded benchmark items against a small (sometimes damaged) index."""
    path, what = d.index_dir(corrupt=20)
    index: object = path
    bench = d.docs(5, 40)
    kw: dict = dict(recipe=d.choice(("default", "llama2", "gpt3", "palm")), max_docs=d.small_int(0, 3))
    if d.bool():
        kw["n"] = d.small_int(1, 8)
    if d.chance(30):
        kw["metric"] = d.choice(("coverage", "ngram_fraction", "any"))
    if d.chance(20):
        kw["clean_below"], kw["contaminated_at"] = d.float(0, 1), d.float(0, 1)
    rep = call(seenit.contamination, bench, index, allowed=(FileNotFoundError,), **kw)  # a str benchmark is a path
    check(len(rep.items) == len(bench), "one item per benchmark entry")
    for it in rep.items:
        check(0.0 <= it.value <= 1.0 and it.verdict in ("clean", "partial", "contaminated"), f"item {it}")


@target("export_lm_eval_ngrams", area="ngram", covers=["seenit.export_lm_eval_ngrams"])
def fuzz_export_lm_eval_ngrams(d: Decoder) -> None:
    """export_lm_eval_ngrams of a decoded JSONL corpus (bad lines, lone surrogates) with decoded n,
    buckets, ``only`` texts and output paths (new, existing, a file): the directory written holds
    exactly the janitor n-grams asked for, or the call fails cleanly and leaves nothing."""
    import json

    from seenit.ngram.lm_eval_export import janitor_ngrams

    wd = d.workdir()
    corpus = wd / "c.jsonl"
    docs = d.texts(5, 40)
    with open(corpus, "w", encoding="utf-8", errors="surrogatepass") as fh:
        for t in docs:
            fh.write(json.dumps({"text": t}) + "\n" if d.chance(95) else "{bad\n")
    out = wd / d.pick(("out", "out", "c.jsonl"))
    if out.name == "out" and d.chance(20):
        out.mkdir(exist_ok=True)
    only = d.maybe_weird(d.texts(3, 40), 10) if d.bool() else None
    n = d.small_int(1, 6)
    r = call(seenit.export_lm_eval_ngrams, corpus, out, n=n, only=only, buckets=d.small_int(1, 4),
             overwrite=d.bool(), allowed=(FileNotFoundError,))
    if r is not None:
        check((out / "info.json").is_file(), "no info.json")
        want = sum(len(janitor_ngrams(t, n)) for t in docs) if only is None else None
        check(want is None or r["ngrams"] == want, f"{r['ngrams']} n-grams written, {want} in the corpus")


@target("exact_duplicates", area="ngram", covers=["seenit.exact_duplicates"])
def fuzz_exact_duplicates(d: Decoder) -> None:
    """exact_duplicates of texts (spans equal the reference) or of an index (sometimes damaged)."""
    min_length = d.small_int(1, 8)
    remove = d.bool()
    if d.chance(30):
        path, what = d.index_dir(corrupt=20, tokenizers=("bytes",))
        idx = call(seenit.NgramIndex.open, path)
        call(seenit.exact_duplicates, idx, min_length, remove=remove)
        return
    docs = d.docs(6, 40)
    tok = d.choice(("bytes", "whitespace"))
    r = thread_invariant(lambda: call(seenit.exact_duplicates, docs, min_length, tokenizer=tok, remove=remove,
                                      allowed=(FileNotFoundError,)))
    check(np.all(r.end - r.start >= min_length) and np.all(r.start >= 0), "spans shorter than min_length")
    if tok == "bytes" and type(docs) is list:
        tokenizer = seenit.tokenize.get_tokenizer("bytes")
        tokens = tokenizer.encode_docs(docs)
        want = ref_ngram.exact_duplicate_spans(tokens, tokenizer.separator, min_length)
        check(len(want) == r.doc.size, f"{r.doc.size} spans, reference {len(want)}")


# ---------------------------------------------------------------------- _core


def _corpus(d: Decoder, *, steer: bool = False) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """(tokens, sa, separator, sa_is_valid): a small separator-terminated corpus and its suffix array,
    sometimes a damaged one. ``steer``: while known issue ngram-corrupt-sa is open, a damaged suffix
    array is replaced by the intact one (the input stays useful instead of being skipped)."""
    dt = d.pick(TEXT_DTYPES)
    hi = d.pick((2, 4, 254))
    sep = d.pick((hi, hi, 0, hi + 1))
    toks = d.int_array((d.size(40),), 0, hi, dt, bad=0, wild=0)
    if toks.size and d.chance(80):
        toks[-1] = sep
    sa = ref_suffix.suffix_array(toks) if toks.size else np.zeros(0, np.int64)
    sa = sa.astype(d.pick((np.int32, np.int64)))
    valid = True
    if d.chance(15):
        valid = False
        m = d.int(0, 2)
        if sa.size and m == 0:
            sa[d.int(0, sa.size - 1)] = d.pick((-1, sa.size, 2**31 - 1, 0))
        elif sa.size and m == 1:  # bytes flipped, as in a damaged sa.bin
            raw = sa.view(np.uint8)
            for _ in range(d.int(1, 4)):
                raw[d.int(0, raw.size - 1)] ^= d.int(1, 255)
        else:
            sa = d.mangle(sa)
    return toks, sa, int(sep), valid


def _queries(d: Decoder, toks: np.ndarray) -> tuple[object, object]:
    hi = int(toks.max()) + 1 if toks.size else 3
    n = d.size(24)
    v = d.int_array((n,), 0, hi, toks.dtype if d.chance(85) else d.pick((np.int64, np.uint8, np.uint32)), bad=10, wild=0)
    return v, d.offsets(n, d.size(5))


@target("core.suffix_array", area="ngram", covers=["_core.suffix_array"])
def fuzz_core_suffix_array(d: Decoder) -> None:
    """_core.suffix_array with any alphabet (too small included) and force64."""
    t = _text(d)
    alphabet = int(t.max()) + 1 if t.size else 1
    alphabet = alphabet if d.chance(70) else d.small_int(0, alphabet + 2)
    if alphabet > 1 << 24:
        skip()  # the bucket array is alphabet-sized by design
    a = t if d.chance(85) else d.mangle(t)
    force = d.bool()
    sa = thread_invariant(lambda: call(_core.suffix_array, a, alphabet, force))
    if a is t:
        check(np.array_equal(sa, ref_suffix.suffix_array(t)), "suffix_array != reference")


@target("core.lcp_array", area="ngram", covers=["_core.lcp_array"])
def fuzz_core_lcp_array(d: Decoder) -> None:
    """_core.lcp_array with a right or damaged suffix array."""
    toks, sa, _, valid = _corpus(d)
    lcp = thread_invariant(lambda: call(_core.lcp_array, toks, sa))
    if valid:
        check(np.array_equal(lcp, ref_suffix.lcp_array(toks, sa)), "lcp_array != reference")


@target("core.ngram_ranges", area="ngram", covers=["_core.ngram_ranges"])
def fuzz_core_ngram_ranges(d: Decoder) -> None:
    """_core.ngram_ranges: counts equal the reference scan."""
    toks, sa, sep, valid = _corpus(d, steer=True)
    v, o = _queries(d, toks)
    lo, hi = thread_invariant(lambda: call(_core.ngram_ranges, toks, sa, sep, v, o))
    for i in range(len(o) - 1 if valid else 0):  # a damaged suffix array may give any counts, but no crash
        want = ref_ngram.count(toks, np.asarray(v)[o[i]:o[i + 1]], sep)
        check(hi[i] - lo[i] == want, f"count of query {i}: {hi[i] - lo[i]} != reference {want}")


@target("core.ngram_matching_statistics", area="ngram", covers=["_core.ngram_matching_statistics"])
def fuzz_core_matching_statistics(d: Decoder) -> None:
    """_core.ngram_matching_statistics equals the reference."""
    toks, sa, sep, valid = _corpus(d, steer=True)
    v, o = _queries(d, toks)
    ms = thread_invariant(lambda: call(_core.ngram_matching_statistics, toks, sa, sep, v, o))
    for i in range(len(o) - 1 if valid else 0):
        want = ref_ngram.matching_statistics(toks, np.asarray(v)[o[i]:o[i + 1]], sep)
        check(np.array_equal(ms[o[i]:o[i + 1]], want), f"matching statistics of query {i} != reference")


@target("core.ngram_prefix_lengths", area="ngram", covers=["_core.ngram_prefix_lengths"])
def fuzz_core_prefix_lengths(d: Decoder) -> None:
    """_core.ngram_prefix_lengths at chosen (sometimes out-of-range) positions."""
    toks, sa, sep, valid = _corpus(d, steer=True)
    v, o = _queries(d, toks)
    n = len(v) if hasattr(v, "__len__") else 0
    pos = d.int_array((d.size(8),), 0, max(n - 1, 0), np.int64, bad=10, wild=10)
    thread_invariant(lambda: call(_core.ngram_prefix_lengths, toks, sa, sep, v, o, pos))


@target("core.exact_duplicate_spans", area="ngram", covers=["_core.exact_duplicate_spans"])
def fuzz_core_exact_duplicate_spans(d: Decoder) -> None:
    """_core.exact_duplicate_spans equals the reference on a right suffix/LCP array."""
    toks, sa, sep, valid = _corpus(d, steer=True)
    lcp = None
    if valid:
        lcp = ref_suffix.lcp_array(toks, sa).astype(sa.dtype)
        if d.chance(10):
            valid = False
            lcp = d.mangle(lcp) if d.bool() else (lcp + d.int(1, 5)).astype(sa.dtype)
    else:
        lcp = np.zeros(len(sa) if hasattr(sa, "__len__") else 0, np.int32)
    min_length = d.small_int(1, 6)
    s, e = thread_invariant(lambda: call(_core.exact_duplicate_spans, toks, sa, lcp, sep, min_length))
    if not valid:
        return
    want = ref_ngram.exact_duplicate_spans(toks, sep, min_length)
    check(list(zip(s.tolist(), e.tolist())) == [tuple(x) for x in want], "exact_duplicate_spans != reference")


@target("core.ItemMatcher", area="ngram", covers=["_core.ItemMatcher", "_core.ItemMatcher.fold",
                                                  "_core.ItemMatcher.state", "_core.ItemMatcher.merge"])
def fuzz_core_item_matcher(d: Decoder) -> None:
    """_core.ItemMatcher: keys of any position/window (bad ones included), folds and merges;
    every state checked against the brute-force reference."""
    items = [t.encode("utf-8", "replace") for t in d.texts(3, 24, min_n=1)]
    docs = [t.encode("utf-8", "replace") for t in d.texts(4, 40)]
    io = np.concatenate(([0], np.cumsum([len(b) for b in items]))).astype(np.int64)
    iv = np.frombuffer(b"".join(items), np.uint8).copy()
    keys, pos, win = [], [], []
    for _ in range(d.size(6)):
        i = d.int(0, len(items) - 1)
        p = d.int(0, max(len(items[i]) - 1, 0))
        w = d.pick((1, 2, 4, 8, 16, 32, 3, 0))
        keys.append((i, p))
        pos.append(int(io[i]) + p if d.chance(90) else d.int(-3, 100))
        win.append(w)
    max_docs = d.pick((1, 2, 5, 0))
    kp = np.array(pos, np.int64) if d.chance(95) else np.array(pos, np.int32)
    m = call(_core.ItemMatcher, iv, io, kp, np.array([i for i, _ in keys], np.int64), np.array(win, np.int32), max_docs)
    do = np.concatenate(([0], np.cumsum([len(b) for b in docs]))).astype(np.int64)
    dv = np.frombuffer(b"".join(docs), np.uint8).copy()
    cut = d.int(0, len(docs))

    def run() -> tuple:
        mm = _core.ItemMatcher(iv, io, kp, np.array([i for i, _ in keys], np.int64), np.array(win, np.int32), max_docs)
        mm.fold(dv[: do[cut]], do[: cut + 1], 0)
        other = _core.ItemMatcher(iv, io, kp, np.array([i for i, _ in keys], np.int64), np.array(win, np.int32), max_docs)
        other.fold(dv[do[cut] :], do[cut:] - do[cut], cut)
        mm.merge(*other.state())
        return tuple(a.tolist() for a in mm.state())

    best, fdoc, foff, got = thread_invariant(run)
    want = ref_ngram.item_key_matches(items, docs, [(i, q - int(io[i])) for (i, _), q in zip(keys, pos)], max_docs)
    for k, (w_, exp) in enumerate(zip(win, want)):
        e = exp if exp[0] >= w_ else (0, -1, -1, [])
        row = [x for x in got[k] if x >= 0]
        check((best[k], fdoc[k], foff[k], row) == (e[0], e[1], e[2], e[3]), f"ItemMatcher key {k}: {best[k], fdoc[k], foff[k], row} != {e}")
    del m
