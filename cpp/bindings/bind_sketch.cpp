// Bindings of the sketch area (MinHash signatures, shingle hashes, LSH, union-find): each part
// converts and checks arrays, releases the GIL and calls the core; no algorithm here.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "buffers.hpp"
#include "seenit/dedup_ooc.hpp"
#include "seenit/hashing.hpp"
#include "seenit/lsh.hpp"
#include "seenit/lsh_bloom.hpp"
#include "seenit/minhash.hpp"
#include "seenit/shingles.hpp"
#include "seenit/union_find.hpp"

namespace py = pybind11;
using namespace py::literals;

namespace seenit::bind {

// ---------------------------------------------------------------- minhash
// MinHash bindings: turn a list of str (or token-id buffers) into core views,
// check arguments, release the GIL around the kernels. No algorithms here.
namespace minhash_bindings {
namespace {

// Views of a list of str without copying or encoding: CPython's own storage
// (PEP 393): ASCII strings are already UTF-8 (kind 0); others are passed as 1-, 2-
// or 4-byte code units and encoded (and lower-cased) by the core, in parallel.
// The list itself does not keep the strings alive: the kernels run with the GIL
// released, and another thread may clear or modify the list meanwhile, freeing a str
// whose buffer is being read. `keep` (a tuple snapshot of the list, one reference per
// str) owns them until the views are dropped, which happens with the GIL held.
struct TextViews {
    py::tuple keep;
    std::vector<const char*> ptr;
    std::vector<std::size_t> len;
    std::vector<u8> kind;
};

TextViews text_views(const py::list& docs) {
    TextViews v;
    v.keep = py::reinterpret_steal<py::tuple>(PySequence_Tuple(docs.ptr()));
    if (!v.keep) throw py::error_already_set();
    const std::size_t n = v.keep.size();
    v.ptr.resize(n);
    v.len.resize(n);
    v.kind.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        PyObject* o = PyTuple_GET_ITEM(v.keep.ptr(), static_cast<Py_ssize_t>(i));
        if (!PyUnicode_Check(o))
            throw py::type_error("docs[" + std::to_string(i) + "] must be str, got " + Py_TYPE(o)->tp_name);
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(o) != 0) throw py::error_already_set();
#endif
        v.ptr[i] = static_cast<const char*>(PyUnicode_DATA(o));
        v.len[i] = static_cast<std::size_t>(PyUnicode_GET_LENGTH(o));
        v.kind[i] = PyUnicode_IS_ASCII(o) ? 0 : static_cast<u8>(PyUnicode_KIND(o));
    }
    return v;
}

// A batch of text documents for the core, with the lower-casing table.
struct TextBatch {
    TextViews views;
    LowerTable lower;
    Docs docs;
    std::vector<u8> needs_context_lower;  // kKindUtf8 batches: see Docs::needs_context_lower
};

// The batch around b.views (already filled): the lower table checked and built.
void finish_text_batch(TextBatch& b, int unit, const carray<u32>& lower_keys, const carray<u32>& lower_off,
                       const carray<u8>& lower_bytes, bool replace) {
    auto k = view_1d(lower_keys, "lower_keys");
    auto o = view_1d(lower_off, "lower_off");
    auto by = view_1d(lower_bytes, "lower_bytes");
    SEENIT_CHECK(o.size == k.size + 1 && o[k.size] == by.size, std::invalid_argument,
                 "lower table: lower_off must have len(lower_keys) + 1 entries ending at len(lower_bytes)");
    b.lower.build(k.data, k.size, o.data, by.data);
    b.docs.unit = static_cast<Unit>(unit);
    b.docs.n = b.views.ptr.size();
    b.docs.text_ptr = b.views.ptr.data();
    b.docs.text_len = b.views.len.data();
    b.docs.text_kind = b.views.kind.data();
    b.docs.lower = &b.lower;
    b.docs.replace = replace;
}

void make_text_batch(TextBatch& b, const py::list& docs, int unit, const carray<u32>& lower_keys,
                     const carray<u32>& lower_off, const carray<u8>& lower_bytes, bool replace) {
    b.views = text_views(docs);
    finish_text_batch(b, unit, lower_keys, lower_off, lower_bytes, replace);
}

// UTF-8 texts as a ragged pair (values uint8, offsets int64 n + 1), viewed in place: the
// caller keeps the arrays alive (pybind11 holds them for the call).
void make_utf8_batch(TextBatch& b, const carray<u8>& values, const carray<i64>& offsets, int unit,
                     const carray<u32>& lower_keys, const carray<u32>& lower_off, const carray<u8>& lower_bytes,
                     bool replace) {
    auto v = view_1d(values, "values");
    auto o = view_1d(offsets, "offsets");
    check_offsets(o, v.size, "offsets");
    const std::size_t n = o.size - 1;
    b.views.ptr.resize(n);
    b.views.len.resize(n);
    b.views.kind.assign(n, kKindUtf8);
    for (std::size_t i = 0; i < n; ++i) {
        b.views.ptr[i] = reinterpret_cast<const char*>(v.data) + o[i];
        b.views.len[i] = static_cast<std::size_t>(o[i + 1] - o[i]);
    }
    finish_text_batch(b, unit, lower_keys, lower_off, lower_bytes, replace);
    b.needs_context_lower.assign(n, 0);
    b.docs.needs_context_lower = b.needs_context_lower.data();
}

// The documents a kKindUtf8 batch flagged for lower-casing by the caller (ascending).
py::array_t<i64> flagged(const TextBatch& b) {
    std::vector<i64> out;
    for (std::size_t i = 0; i < b.needs_context_lower.size(); ++i)
        if (b.needs_context_lower[i]) out.push_back(static_cast<i64>(i));
    return to_numpy(std::move(out));
}

Unit to_unit(int u) {
    SEENIT_CHECK(u >= 0 && u <= 2, std::invalid_argument, "unit code must be 0 (word), 1 (char) or 2 (token), got ", u);
    return static_cast<Unit>(u);
}

Scheme to_scheme(int s) {
    SEENIT_CHECK(s >= 0 && s <= 3, std::invalid_argument,
                 "scheme code must be 0 (fast), 1 (oph), 2 (datasketch) or 3 (datasketch-legacy), got ", s);
    return static_cast<Scheme>(s);
}

std::size_t check_ngram(long long ngram) {
    SEENIT_CHECK(ngram >= 1, std::invalid_argument, "ngram must be >= 1, got ", ngram);
    return static_cast<std::size_t>(ngram);
}

std::size_t check_num_perm(long long k) {
    SEENIT_CHECK(k >= 1 && k <= static_cast<long long>(kMaxNumPerm), std::invalid_argument, "num_perm must be in 1..",
                 kMaxNumPerm, ", got ", k);
    return static_cast<std::size_t>(k);
}

// Runs minhash_docs and returns the (n, num_perm) signatures (uint64 for legacy).
// Ragged token ids (values, offsets) as core Docs, after checking the offsets.
Docs token_docs(const carray<u64>& values, const carray<i64>& offsets) {
    auto v = view_1d(values, "values");
    auto o = view_1d(offsets, "offsets");
    check_offsets(o, v.size, "offsets");
    Docs d;
    d.unit = Unit::Token;
    d.n = o.size - 1;
    d.tokens = v.data;
    d.offsets = o.data;
    return d;
}

py::array run_minhash(const Docs& docs, std::size_t ngram, bool lowercase, MinhashParams params) {
    const auto n = static_cast<py::ssize_t>(docs.n), k = static_cast<py::ssize_t>(params.num_perm);
    if (params.scheme == Scheme::Legacy) {
        carray<u64> out({n, k});
        auto w = mut_view_2d(out);
        {
            py::gil_scoped_release nogil;
            minhash_docs(docs, ngram, lowercase, params, MatrixView<u32>{}, w);
        }
        return std::move(out);
    }
    carray<u32> out({n, k});
    auto w = mut_view_2d(out);
    {
        py::gil_scoped_release nogil;
        minhash_docs(docs, ngram, lowercase, params, w, MatrixView<u64>{});
    }
    return std::move(out);
}

MinhashParams make_params(int scheme, long long num_perm, unsigned long long seed, const carray<u64>& a,
                          const carray<u64>& b) {
    MinhashParams p;
    p.scheme = to_scheme(scheme);
    p.num_perm = check_num_perm(num_perm);
    p.seed = seed;
    p.a = view_1d(a, "a");
    p.b = view_1d(b, "b");
    return p;
}

py::tuple ragged_to_numpy(RaggedU64&& r) {
    return py::make_tuple(to_numpy(std::move(r.values)), to_numpy(std::move(r.offsets)));
}

}  // namespace

void bind(py::module_& m) {
    m.def(
        "minhash_text",
        [](const py::list& docs, long long ngram, int unit, bool lowercase, int scheme, long long num_perm,
           unsigned long long seed, const carray<u64>& a, const carray<u64>& b, const carray<u32>& lower_keys,
           const carray<u32>& lower_off, const carray<u8>& lower_bytes, bool replace) {
            Unit u = to_unit(unit);
            SEENIT_CHECK(u != Unit::Token, std::invalid_argument, "minhash_text needs unit word or char");
            MinhashParams p = make_params(scheme, num_perm, seed, a, b);
            std::size_t ng = check_ngram(ngram);
            TextBatch batch;
            make_text_batch(batch, docs, unit, lower_keys, lower_off, lower_bytes, replace);
            return run_minhash(batch.docs, ng, lowercase, p);
        },
        py::arg("docs"), py::arg("ngram"), py::arg("unit"), py::arg("lowercase"), py::arg("scheme"),
        py::arg("num_perm"), py::arg("seed"), py::arg("a").noconvert(), py::arg("b").noconvert(),
        py::arg("lower_keys").noconvert(), py::arg("lower_off").noconvert(), py::arg("lower_bytes").noconvert(),
        py::arg("replace") = false,
        "MinHash signatures of a list of str (unit 0 word, 1 char; scheme 0 fast, 1 oph, 2 datasketch, 3 legacy). "
        "The lower table maps code points to their str.lower() UTF-8 bytes (documents containing U+03A3 must "
        "arrive lower-cased).");
    m.def(
        "minhash_utf8",
        [](const carray<u8>& values, const carray<i64>& offsets, long long ngram, int unit, bool lowercase, int scheme,
           long long num_perm, unsigned long long seed, const carray<u64>& a, const carray<u64>& b,
           const carray<u32>& lower_keys, const carray<u32>& lower_off, const carray<u8>& lower_bytes, bool replace) {
            Unit u = to_unit(unit);
            SEENIT_CHECK(u != Unit::Token, std::invalid_argument, "minhash_utf8 needs unit word or char");
            MinhashParams p = make_params(scheme, num_perm, seed, a, b);
            std::size_t ng = check_ngram(ngram);
            TextBatch batch;
            make_utf8_batch(batch, values, offsets, unit, lower_keys, lower_off, lower_bytes, replace);
            py::array sig = run_minhash(batch.docs, ng, lowercase, p);
            return std::make_tuple(sig, flagged(batch));
        },
        py::arg("values").noconvert(), py::arg("offsets").noconvert(), py::arg("ngram"), py::arg("unit"),
        py::arg("lowercase"), py::arg("scheme"), py::arg("num_perm"), py::arg("seed"), py::arg("a").noconvert(),
        py::arg("b").noconvert(), py::arg("lower_keys").noconvert(), py::arg("lower_off").noconvert(),
        py::arg("lower_bytes").noconvert(), py::arg("replace") = false,
        "minhash_text of UTF-8 texts given as a ragged pair (values uint8, offsets int64 n+1), read in place: "
        "(signatures, flagged int64): invalid UTF-8 is a ValueError naming the document, an encoded lone "
        "surrogate too unless replace; with lowercase, the documents holding U+03A3 are flagged, their rows "
        "to be redone from lower-cased text (str.lower's final sigma needs context).");
    m.def(
        "minhash_tokens",
        [](const carray<u64>& values, const carray<i64>& offsets, long long ngram, int scheme, long long num_perm,
           unsigned long long seed, const carray<u64>& a, const carray<u64>& b) {
            MinhashParams p = make_params(scheme, num_perm, seed, a, b);
            std::size_t ng = check_ngram(ngram);
            Docs d = token_docs(values, offsets);
            return run_minhash(d, ng, false, p);
        },
        py::arg("values").noconvert(), py::arg("offsets").noconvert(), py::arg("ngram"), py::arg("scheme"),
        py::arg("num_perm"), py::arg("seed"), py::arg("a").noconvert(), py::arg("b").noconvert(),
        "MinHash signatures of ragged token ids (values uint64, offsets int64 n+1).");
    m.def(
        "minhash_from_hashes",
        [](const carray<u64>& hashes, const carray<i64>& offsets, int scheme, long long num_perm,
           unsigned long long seed) {
            MinhashParams p;
            p.scheme = to_scheme(scheme);
            p.num_perm = check_num_perm(num_perm);
            p.seed = seed;
            SEENIT_CHECK(p.scheme == Scheme::Fast || p.scheme == Scheme::Oph, std::invalid_argument,
                         "minhash_from_hashes supports scheme 0 (fast) and 1 (oph) only");
            auto h = view_1d(hashes, "hashes");
            auto o = view_1d(offsets, "offsets");
            check_offsets(o, h.size, "offsets");
            carray<u32> out({static_cast<py::ssize_t>(o.size - 1), static_cast<py::ssize_t>(p.num_perm)});
            auto w = mut_view_2d(out);
            {
                py::gil_scoped_release nogil;
                minhash_from_hashes(h, o, p, w);
            }
            return out;
        },
        py::arg("hashes").noconvert(), py::arg("offsets").noconvert(), py::arg("scheme"), py::arg("num_perm"),
        py::arg("seed"), "Fast/OPH signatures from pre-hashed shingles (ragged uint64 hashes).");
    m.def(
        "minhash_shingle_hashes_text",
        [](const py::list& docs, long long ngram, int unit, bool lowercase, const carray<u32>& lower_keys,
           const carray<u32>& lower_off, const carray<u8>& lower_bytes, bool replace) {
            Unit u = to_unit(unit);
            SEENIT_CHECK(u != Unit::Token, std::invalid_argument, "minhash_shingle_hashes_text needs unit word or char");
            std::size_t ng = check_ngram(ngram);
            TextBatch batch;
            make_text_batch(batch, docs, unit, lower_keys, lower_off, lower_bytes, replace);
            RaggedU64 r;
            {
                py::gil_scoped_release nogil;
                r = shingle_hashes(batch.docs, ng, lowercase);
            }
            return ragged_to_numpy(std::move(r));
        },
        py::arg("docs"), py::arg("ngram"), py::arg("unit"), py::arg("lowercase"), py::arg("lower_keys").noconvert(),
        py::arg("lower_off").noconvert(), py::arg("lower_bytes").noconvert(), py::arg("replace") = false,
        "Sorted unique 64-bit shingle hashes per document: (values uint64, offsets int64).");
    m.def(
        "minhash_shingle_hashes_utf8",
        [](const carray<u8>& values, const carray<i64>& offsets, long long ngram, int unit, bool lowercase,
           const carray<u32>& lower_keys, const carray<u32>& lower_off, const carray<u8>& lower_bytes, bool replace) {
            Unit u = to_unit(unit);
            SEENIT_CHECK(u != Unit::Token, std::invalid_argument, "minhash_shingle_hashes_utf8 needs unit word or char");
            std::size_t ng = check_ngram(ngram);
            TextBatch batch;
            make_utf8_batch(batch, values, offsets, unit, lower_keys, lower_off, lower_bytes, replace);
            RaggedU64 r;
            {
                py::gil_scoped_release nogil;
                r = shingle_hashes(batch.docs, ng, lowercase);
            }
            return std::make_tuple(to_numpy(std::move(r.values)), to_numpy(std::move(r.offsets)), flagged(batch));
        },
        py::arg("values").noconvert(), py::arg("offsets").noconvert(), py::arg("ngram"), py::arg("unit"),
        py::arg("lowercase"), py::arg("lower_keys").noconvert(), py::arg("lower_off").noconvert(),
        py::arg("lower_bytes").noconvert(), py::arg("replace") = false,
        "minhash_shingle_hashes_text of UTF-8 texts given as a ragged pair (values uint8, offsets int64 n+1): "
        "(values, offsets, flagged), flagged as in minhash_utf8.");
    m.def(
        "minhash_shingle_hashes_tokens",
        [](const carray<u64>& values, const carray<i64>& offsets, long long ngram) {
            std::size_t ng = check_ngram(ngram);
            Docs d = token_docs(values, offsets);
            RaggedU64 r;
            {
                py::gil_scoped_release nogil;
                r = shingle_hashes(d, ng, false);
            }
            return ragged_to_numpy(std::move(r));
        },
        py::arg("values").noconvert(), py::arg("offsets").noconvert(), py::arg("ngram"),
        "Sorted unique 64-bit shingle hashes of ragged token ids.");
    m.def(
        "minhash_jaccard_exact_pairs",
        [](const carray<u64>& values, const carray<i64>& offsets, const carray<i64>& pairs) {
            auto v = view_1d(values, "values");
            auto o = view_1d(offsets, "offsets");
            check_offsets(o, v.size, "offsets");
            auto pr = view_2d(pairs, "pairs");
            carray<double> out(static_cast<py::ssize_t>(pr.rows));
            auto w = mut_view_1d(out);
            {
                py::gil_scoped_release nogil;
                jaccard_exact_pairs(v, o, pr, w);
            }
            return out;
        },
        py::arg("values").noconvert(), py::arg("offsets").noconvert(), py::arg("pairs").noconvert(),
        "Exact Jaccard of sorted unique sets (ragged) for each (i, j) row of pairs.");
    m.def(
        "minhash_fast_params",
        [](long long num_perm, unsigned long long seed) {
            std::size_t k = check_num_perm(num_perm);
            carray<u32> a(static_cast<py::ssize_t>(k)), b(static_cast<py::ssize_t>(k));
            fast_params(seed, k, a.mutable_data(), b.mutable_data());
            return py::make_tuple(a, b);
        },
        py::arg("num_perm"), py::arg("seed"), "The fast scheme's permutation parameters (a odd, b), uint32.");
    m.def(
        "minhash_affine32_min",
        [](const carray<u32>& keys, const carray<u32>& a, const carray<u32>& b, bool simd) {
            auto kv = view_1d(keys, "keys");
            auto av = view_1d(a, "a");
            auto bv = view_1d(b, "b");
            SEENIT_CHECK(av.size == bv.size, std::invalid_argument, "a and b must have the same length");
            carray<u32> out(static_cast<py::ssize_t>(av.size));
            std::fill(out.mutable_data(), out.mutable_data() + av.size, kEmpty);
            affine32_min(kv.data, kv.size, av.data, bv.data, av.size, out.mutable_data(), simd);
            return out;
        },
        py::arg("keys").noconvert(), py::arg("a").noconvert(), py::arg("b").noconvert(), py::arg("simd") = true,
        "Test hook: min over keys of (a*key + b) mod 2^32 per slot (simd=False forces the portable path).");
    m.def(
        "minhash_split_words",
        [](const py::bytes& data, bool simd) {
            std::string s = data;
            std::vector<std::size_t> st, en;
            split_words(reinterpret_cast<const u8*>(s.data()), s.size(), st, en, simd);
            py::list out;
            for (std::size_t i = 0; i < st.size(); ++i) out.append(py::make_tuple(st[i], en[i]));
            return out;
        },
        py::arg("data"), py::arg("simd") = true,
        "Test hook: (start, end) byte ranges of the words of UTF-8 text (simd=False forces the scalar scanner).");
    m.def(
        "minhash_hash64", [](const py::bytes& data) {
            std::string s = data;
            return hashing::hash64(reinterpret_cast<const u8*>(s.data()), s.size());
        },
        py::arg("data"), "seenit's 64-bit hash of a byte string (the fast scheme's shingle hash).");
    m.def(
        "minhash_sha1_hash32", [](const py::bytes& data, bool simd) {
            std::string s = data;
            u32 h[5];
            hashing::sha1_impl(reinterpret_cast<const u8*>(s.data()), s.size(), h, simd);
            return __builtin_bswap32(h[0]);
        },
        py::arg("data"), py::arg("simd") = true,
        "datasketch.hashfunc.sha1_hash32 (first 4 SHA-1 digest bytes, little-endian); simd=False forces portable SHA-1.");
}
}  // namespace minhash_bindings

// ---------------------------------------------------------------- lsh
// Bindings for LSH banding, bucket grouping, candidate pairs, signature
// similarity and union-find: convert and check arrays, release the GIL, call the core.
namespace lsh_bindings {
namespace {

py::tuple ragged_to_numpy(Ragged&& r) {
    py::ssize_t nv = static_cast<py::ssize_t>(r.values.size()), no = static_cast<py::ssize_t>(r.offsets.size());
    return py::make_tuple(to_numpy(std::move(r.values), {nv}), to_numpy(std::move(r.offsets), {no}));
}

MatrixView<const i64> pairs_view(const carray<i64>& pairs) {
    SEENIT_CHECK(pairs.ndim() == 2 && pairs.shape(1) == 2, std::invalid_argument,
                 "pairs must have shape (m, 2), got ndim=", pairs.ndim());
    return view_2d(pairs, "pairs");
}

template <class T>
void bind_typed(py::module_& m, py::class_<LSHIndex>& cls) {
    cls.def(
        "insert",
        [](LSHIndex& self, const carray<T>& sig) {
            auto v = view_2d(sig, "signatures");
            py::gil_scoped_release nogil;
            self.insert(v);
        },
        "signatures"_a.noconvert(), "Add rows of signatures; they get the next consecutive internal ids.");
    cls.def(
        "query",
        [](LSHIndex& self, const carray<T>& sig) {
            auto v = view_2d(sig, "signatures");
            Ragged r;
            {
                py::gil_scoped_release nogil;
                r = self.query(v);
            }
            return ragged_to_numpy(std::move(r));
        },
        "signatures"_a.noconvert(), "Candidate internal ids per query row, as (values, offsets).");
    m.def(
        "signature_pair_similarity",
        [](const carray<T>& a, const carray<T>& b, const carray<i64>& pairs) {
            auto va = view_2d(a, "a");
            auto vb = view_2d(b, "b");
            auto pv = pairs_view(pairs);
            carray<double> out(static_cast<py::ssize_t>(pv.rows));
            auto ov = mut_view_1d(out);
            {
                py::gil_scoped_release nogil;
                signature_pair_similarity<T>(va, vb, {pv.data, pv.rows * 2}, ov);
            }
            return out;
        },
        "a"_a.noconvert(), "b"_a.noconvert(), "pairs"_a.noconvert(),
        "Fraction of equal slots between a[pairs[:, 0]] and b[pairs[:, 1]] (estimated Jaccard).");
    m.def(
        "lsh_band_keys",
        [](const carray<T>& sig, int bands, int rows) {
            auto v = view_2d(sig, "signatures");
            SEENIT_CHECK(bands >= 1 && rows >= 1, std::invalid_argument, "bands and rows must be >= 1, got bands=",
                         bands, ", rows=", rows);
            // checked before the (n, bands) output is allocated: a huge bands count is an error, not a MemoryError
            const std::size_t width = static_cast<std::size_t>(bands) * static_cast<std::size_t>(rows);
            SEENIT_CHECK(width <= v.cols, std::invalid_argument, "signatures have ", v.cols,
                         " slots but bands * rows = ", bands, " * ", rows, " = ", width);
            carray<u64> keys({static_cast<py::ssize_t>(v.rows), static_cast<py::ssize_t>(bands)});
            carray<bool> empty(static_cast<py::ssize_t>(v.rows));
            auto kv = mut_view_2d(keys);
            auto* ep = reinterpret_cast<u8*>(empty.mutable_data());
            {
                py::gil_scoped_release nogil;
                lsh_band_keys<T>(v, bands, rows, {kv.data, kv.rows * kv.cols}, {ep, v.rows});
            }
            return py::make_tuple(keys, empty);
        },
        "signatures"_a.noconvert(), "bands"_a, "rows"_a,
        "(keys (n, bands) uint64, empty (n,) bool): the band keys LSHIndex files each row under, and which rows are "
        "the empty signature (those enter no bucket).");
}

}  // namespace

void bind(py::module_& m) {
    m.def(
        "lsh_optimal_params",
        [](double threshold, int num_perm, double fp_weight, double fn_weight) {
            py::gil_scoped_release nogil;
            return lsh_optimal_params(threshold, num_perm, fp_weight, fn_weight);
        },
        "threshold"_a, "num_perm"_a, "fp_weight"_a, "fn_weight"_a,
        "(bands, rows) minimising the weighted false positive + false negative integrals (datasketch's search).");
    m.def("lsh_error_integrals", &lsh_error_integrals, "threshold"_a, "bands"_a, "rows"_a,
          "(false-positive, false-negative) integrals of the LSH S-curve for (bands, rows).");

    py::class_<LSHIndex> cls(m, "LSHIndex", "Banded LSH index over MinHash signatures (see seenit.LSH).");
    cls.def(py::init<int, int>(), "bands"_a, "rows"_a);
    cls.def_property_readonly("bands", &LSHIndex::bands);
    cls.def_property_readonly("rows", &LSHIndex::rows);
    cls.def_property_readonly("size", &LSHIndex::size);
    cls.def_property_readonly("n_empty", &LSHIndex::n_empty);
    cls.def_property_readonly("width", &LSHIndex::width);
    cls.def(
        "buckets",
        [](LSHIndex& self, std::size_t min_size) {
            Ragged r;
            {
                py::gil_scoped_release nogil;
                r = self.buckets(min_size);
            }
            return ragged_to_numpy(std::move(r));
        },
        "min_size"_a = 2, "Every bucket with >= min_size members (band by band), as (values, offsets).");
    bind_typed<u32>(m, cls);
    bind_typed<u64>(m, cls);

    m.def(
        "lsh_group_pairs",
        [](const carray<i64>& values, const carray<i64>& offsets) {
            auto v = view_1d(values, "values");
            auto o = view_1d(offsets, "offsets");
            check_offsets(o, v.size, "offsets");
            std::vector<i64> flat;
            {
                py::gil_scoped_release nogil;
                flat = lsh_group_pairs(v, o);
            }
            py::ssize_t m2 = static_cast<py::ssize_t>(flat.size() / 2);
            return to_numpy(std::move(flat), {m2, 2});
        },
        "values"_a.noconvert(), "offsets"_a.noconvert(),
        "All (i, j), i < j, pairs of members sharing a group; deduplicated, sorted; shape (m, 2).");
    m.def(
        "union_find_labels",
        [](std::size_t n, const carray<i64>& pairs) {
            auto pv = pairs_view(pairs);
            carray<i64> out(static_cast<py::ssize_t>(n));
            auto ov = mut_view_1d(out);
            {
                py::gil_scoped_release nogil;
                connected_labels(n, {pv.data, pv.rows * 2}, ov);
            }
            return out;
        },
        "n"_a, "pairs"_a.noconvert(),
        "Per node, the smallest node index of its connected component under the edges `pairs` (m, 2).");
}
}  // namespace lsh_bindings

// ---------------------------------------------------------------- out-of-core dedup
// The stages of seenit.sketch.ooc: argument checks, GIL release, one core call each.
namespace ooc_bindings {
namespace {

void check_sig_bytes(int b) {
    SEENIT_CHECK(b == 4 || b == 8, std::invalid_argument, "signature_bytes must be 4 (uint32) or 8 (uint64), got ", b);
}
void check_positive(std::size_t v, const char* name) {
    SEENIT_CHECK(v > 0, std::invalid_argument, name, " must be > 0");
}
void check_paths(const std::vector<std::string>& paths, const char* name) {
    for (std::size_t i = 0; i < paths.size(); ++i)
        SEENIT_CHECK(!paths[i].empty(), std::invalid_argument, name, "[", i, "] is an empty path");
}

template <class T>
void bind_typed(py::module_& m, py::class_<LshBloom>& bloom) {
    bloom.def(
        "process",
        [](LshBloom& self, const carray<T>& sig) {
            auto v = view_2d(sig, "signatures");
            carray<bool> dup(static_cast<py::ssize_t>(v.rows));
            auto* dp = reinterpret_cast<u8*>(dup.mutable_data());
            {
                py::gil_scoped_release nogil;
                self.process<T>(v, {dp, v.rows});
            }
            return dup;
        },
        "signatures"_a.noconvert(),
        "Per row, in order: True when a band key was already in its band's filter (an earlier row, or a false "
        "positive); then the row's keys are added.");
    m.def(
        "dedup_write_band_run",
        [](const carray<T>& sig, i64 first_id, int bands, int rows, const std::string& path) {
            auto v = view_2d(sig, "signatures");
            SEENIT_CHECK(!path.empty(), std::invalid_argument, "path must not be empty");
            py::gil_scoped_release nogil;
            return ooc_write_band_run<T>(v, first_id, bands, rows, path);
        },
        "signatures"_a.noconvert(), "first_id"_a, "bands"_a, "rows"_a, "path"_a,
        "Write the sorted (band, key, id) entries of the non-empty rows (ids first_id, ...) to path; "
        "returns the entry count.");
}

}  // namespace

void bind(py::module_& m) {
    // a full disk or a missing scratch file is not bad input: OSError, as Python's own I/O raises
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const FileError& e) {
            PyErr_SetString(PyExc_OSError, e.what());
        }
    });
    // not thread-safe across calls: one filter set is one sequential pass (the order decides)
    py::class_<LshBloom> bloom(m, "LSHBloom", "One Bloom filter per LSH band (LSH-Bloom); see seenit.sketch.bloom.");
    bloom.def(py::init<int, int, u64, double>(), "bands"_a, "rows"_a, "expected"_a, "fp_rate"_a);
    bloom.def_property_readonly("bands", &LshBloom::bands);
    bloom.def_property_readonly("rows", &LshBloom::rows);
    bloom.def_property_readonly("bits_per_band", &LshBloom::bits_per_band);
    bloom.def_property_readonly("probes", &LshBloom::probes);
    bloom.def_property_readonly("seen", &LshBloom::seen);
    bind_typed<u32>(m, bloom);
    bind_typed<u64>(m, bloom);
    m.def(
        "dedup_merge_band_runs",
        [](const std::vector<std::string>& runs, const std::string& out, std::size_t buffer_bytes) {
            check_paths(runs, "runs");
            check_positive(buffer_bytes, "buffer_bytes");
            SEENIT_CHECK(!out.empty(), std::invalid_argument, "out must not be empty");
            py::gil_scoped_release nogil;
            return ooc_merge_band_runs(runs, out, buffer_bytes);
        },
        "runs"_a, "out"_a, "buffer_bytes"_a, "Merge sorted band runs into one sorted run at out; returns its count.");
    m.def(
        "dedup_bucket_edges",
        [](const std::vector<std::string>& runs, const std::string& signatures, std::size_t n, std::size_t k,
           int signature_bytes, double threshold, bool verify, std::size_t max_bucket, std::size_t buffer_bytes,
           std::size_t edge_buffer_bytes, const std::string& edge_prefix) {
            check_paths(runs, "runs");
            check_sig_bytes(signature_bytes);
            SEENIT_CHECK(k >= 1, std::invalid_argument, "k must be >= 1, got ", k);
            SEENIT_CHECK(threshold > 0.0 && threshold <= 1.0, std::invalid_argument, "threshold must be in (0, 1], got ",
                         threshold);
            SEENIT_CHECK(max_bucket >= 2, std::invalid_argument, "max_bucket must be >= 2, got ", max_bucket);
            check_positive(buffer_bytes, "buffer_bytes");
            check_positive(edge_buffer_bytes, "edge_buffer_bytes");
            SEENIT_CHECK(!edge_prefix.empty(), std::invalid_argument, "edge_prefix must not be empty");
            OocEdgeOptions opt;
            opt.threshold = threshold;
            opt.verify = verify;
            opt.max_bucket = max_bucket;
            opt.buffer_bytes = buffer_bytes;
            opt.edge_buffer_bytes = edge_buffer_bytes;
            py::gil_scoped_release nogil;
            return signature_bytes == 4 ? ooc_bucket_edges<u32>(runs, signatures, n, k, opt, edge_prefix)
                                        : ooc_bucket_edges<u64>(runs, signatures, n, k, opt, edge_prefix);
        },
        "runs"_a, "signatures"_a, "n"_a, "k"_a, "signature_bytes"_a, "threshold"_a, "verify"_a, "max_bucket"_a,
        "buffer_bytes"_a, "edge_buffer_bytes"_a, "edge_prefix"_a,
        "Verified edges of the buckets of the merged band runs, as sorted unique edge runs; returns their paths.");
    m.def(
        "dedup_merge_edge_runs",
        [](const std::vector<std::string>& runs, const std::string& out, std::size_t buffer_bytes) {
            check_paths(runs, "runs");
            check_positive(buffer_bytes, "buffer_bytes");
            SEENIT_CHECK(!out.empty(), std::invalid_argument, "out must not be empty");
            py::gil_scoped_release nogil;
            return ooc_merge_edge_runs(runs, out, buffer_bytes);
        },
        "runs"_a, "out"_a, "buffer_bytes"_a, "Merge sorted edge runs into one sorted unique edge file; returns its count.");
    m.def(
        "dedup_components",
        [](const std::string& edges, double min_sim, std::size_t n, const std::string& signatures, std::size_t k,
           int signature_bytes, const std::string& out, std::size_t parent_ram_bytes, const std::string& parent_file,
           std::size_t buffer_bytes, std::size_t page_cache_bytes) {
            check_sig_bytes(signature_bytes);
            SEENIT_CHECK(k >= 1, std::invalid_argument, "k must be >= 1, got ", k);
            SEENIT_CHECK(min_sim >= 0.0 && min_sim <= 1.0, std::invalid_argument, "min_sim must be in [0, 1], got ",
                         min_sim);
            SEENIT_CHECK(n < (std::size_t{1} << 62), std::invalid_argument, "n must be < 2**62, got ", n);
            check_positive(buffer_bytes, "buffer_bytes");
            check_positive(page_cache_bytes, "page_cache_bytes");
            SEENIT_CHECK(!out.empty() && !parent_file.empty(), std::invalid_argument, "out and parent_file must not be empty");
            OocComponents r;
            {
                py::gil_scoped_release nogil;
                r = signature_bytes == 4 ? ooc_components<u32>(edges, min_sim, n, signatures, k, out, parent_ram_bytes,
                                                               parent_file, buffer_bytes, page_cache_bytes)
                                         : ooc_components<u64>(edges, min_sim, n, signatures, k, out, parent_ram_bytes,
                                                               parent_file, buffer_bytes, page_cache_bytes);
            }
            return py::make_tuple(r.records, r.size_histogram);
        },
        "edges"_a, "min_sim"_a, "n"_a, "signatures"_a, "k"_a, "signature_bytes"_a, "out"_a, "parent_ram_bytes"_a,
        "parent_file"_a, "buffer_bytes"_a, "page_cache_bytes"_a,
        "Connected components of the edges with similarity >= min_sim: one (id, label, similarity) record per "
        "clustered document, ascending id, written to out; returns (count, [(cluster size, clusters), ...]).");
}
}  // namespace ooc_bindings

void bind_sketch(py::module_& m) {
    minhash_bindings::bind(m);
    lsh_bindings::bind(m);
    ooc_bindings::bind(m);
}

}  // namespace seenit::bind
