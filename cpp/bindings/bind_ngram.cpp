// Bindings of the ngram area (suffix and LCP arrays, n-gram index queries, exact duplicate
// spans): each part converts and checks arrays, releases the GIL and calls the core.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "buffers.hpp"
#include "seenit/exact_dups.hpp"
#include "seenit/item_matcher.hpp"
#include "seenit/ngram_index.hpp"
#include "seenit/suffix_array.hpp"

namespace py = pybind11;

namespace seenit::bind {

// ---------------------------------------------------------------- suffix
// Bindings for suffix arrays and LCP arrays: dtype dispatch by overload
// (.noconvert, so a wrong dtype is a TypeError, never a silent copy), length
// checks, and the GIL released around the kernels.
namespace suffix_bindings {
namespace {

template <class Index, class Char>
py::array sa_as(const carray<Char>& text, u64 alphabet) {
    auto t = view_1d(text, "text");
    carray<Index> out(static_cast<py::ssize_t>(t.size));
    auto o = mut_view_1d(out);
    {
        py::gil_scoped_release nogil;
        build_suffix_array<Char, Index>(t, alphabet, o);
    }
    return std::move(out);
}

template <class Char>
py::array suffix_array(const carray<Char>& text, u64 alphabet, bool force64) {
    SEENIT_CHECK(text.ndim() == 1, std::invalid_argument, "text must be 1-dimensional, got ndim=", text.ndim());
    if (!force64 && text.shape(0) <= std::numeric_limits<i32>::max()) return sa_as<i32>(text, alphabet);
    return sa_as<i64>(text, alphabet);
}

template <class Char, class Index>
py::array lcp_array(const carray<Char>& text, const carray<Index>& sa) {
    auto t = view_1d(text, "text");
    auto s = view_1d(sa, "sa");
    SEENIT_CHECK(s.size == t.size, std::invalid_argument, "sa must have the length of text (", t.size, "), got ",
                 s.size);
    carray<Index> out(static_cast<py::ssize_t>(t.size));
    auto o = mut_view_1d(out);
    {
        py::gil_scoped_release nogil;
        build_lcp<Char, Index>(t, s, o);
    }
    return std::move(out);
}

template <class Char>
void bind_char(py::module_& m) {
    using namespace pybind11::literals;
    m.def("suffix_array", &suffix_array<Char>, "text"_a.noconvert(), "alphabet"_a, "force64"_a = false,
          "Suffix array (SA-IS) of a 1-D unsigned integer array whose symbols are < alphabet; int32 when "
          "len < 2**31 (unless force64), else int64.");
    m.def("lcp_array", &lcp_array<Char, i32>, "text"_a.noconvert(), "sa"_a.noconvert(),
          "LCP array of text given its suffix array: lcp[i] = LCP(sa[i-1], sa[i]), lcp[0] = 0.");
    m.def("lcp_array", &lcp_array<Char, i64>, "text"_a.noconvert(), "sa"_a.noconvert());
}

}  // namespace

void bind(py::module_& m) {
    bind_char<u8>(m);
    bind_char<u16>(m);
    bind_char<u32>(m);
}
}  // namespace suffix_bindings

// ---------------------------------------------------------------- ngram
// Bindings for the n-gram index queries and exact-substring duplicates:
// dtype dispatch, shape checks, GIL release. No algorithms here.
namespace ngram_bindings {
namespace {

template <class T>
carray<T> as_typed(const py::array& a, const char* name) {
    SEENIT_CHECK(a.ndim() == 1, std::invalid_argument, name, " must be 1-dimensional, got ndim=", a.ndim());
    if (!(a.flags() & py::array::c_style))
        throw py::type_error(std::string(name) + " must be C-contiguous");
    return py::reinterpret_borrow<carray<T>>(a);
}

// True when `d` is the native integer type of the given kind ('u'/'i') and size
// (memory-mapped little-endian arrays qualify; byte-swapped ones do not).
bool is_int(const py::dtype& d, char kind, py::ssize_t size) {
    return d.kind() == kind && d.itemsize() == size && (size == 1 || d.byteorder() != '>');
}

// Calls f(Tok{}, Ptr{}) for the token dtype of `tokens` and the pointer dtype of `sa`.
template <class F>
auto dispatch(const py::array& tokens, const py::array& sa, F&& f) {
    const auto t = tokens.dtype(), s = sa.dtype();
    const bool s32 = is_int(s, 'i', 4), s64 = is_int(s, 'i', 8);
    if (!s32 && !s64) throw py::type_error("sa must have dtype int32 or int64, got " + std::string(py::str(s)));
    if (is_int(t, 'u', 1)) return s32 ? f(u8{}, i32{}) : f(u8{}, i64{});
    if (is_int(t, 'u', 2)) return s32 ? f(u16{}, i32{}) : f(u16{}, i64{});
    if (is_int(t, 'u', 4)) return s32 ? f(u32{}, i32{}) : f(u32{}, i64{});
    throw py::type_error("tokens must have dtype uint8, uint16 or uint32, got " + std::string(py::str(t)));
}

template <class Tok, class Ptr>
SuffixIndexView<Tok, Ptr> index_view(const py::array& tokens, const py::array& sa, u64 separator) {
    auto t = as_typed<Tok>(tokens, "tokens");
    auto s = as_typed<Ptr>(sa, "sa");
    SEENIT_CHECK(t.shape(0) == s.shape(0), std::invalid_argument, "sa must have one entry per token (", t.shape(0),
                 "), got ", s.shape(0));
    return {view_1d(t, "tokens"), view_1d(s, "sa"), separator};
}

template <class Tok>
ArrayView<const Tok> query_values(const py::array& qvalues, const py::array& tokens) {
    if (!is_int(qvalues.dtype(), 'u', sizeof(Tok)))
        throw py::type_error("query values must have the index's token dtype " + std::string(py::str(tokens.dtype())) +
                             ", got " + std::string(py::str(qvalues.dtype())));
    return view_1d(as_typed<Tok>(qvalues, "qvalues"), "qvalues");
}

}  // namespace

void bind(py::module_& m) {
    m.def(
        "ngram_ranges",
        [](py::array tokens, py::array sa, u64 separator, py::array qvalues, carray<i64> qoffsets) {
            auto qo = view_1d(qoffsets, "qoffsets");
            check_offsets(qo, static_cast<std::size_t>(qvalues.size()), "qoffsets");
            const std::size_t nq = qo.size - 1;
            carray<i64> lo(static_cast<py::ssize_t>(nq)), hi(static_cast<py::ssize_t>(nq));
            dispatch(tokens, sa, [&](auto tk, auto pk) {
                using Tok = decltype(tk);
                using Ptr = decltype(pk);
                auto idx = index_view<Tok, Ptr>(tokens, sa, separator);
                auto qv = query_values<Tok>(qvalues, tokens);
                auto lo_v = mut_view_1d(lo), hi_v = mut_view_1d(hi);
                py::gil_scoped_release nogil;
                ngram_ranges(idx, qv, qo, lo_v, hi_v);
            });
            return std::make_pair(lo, hi);
        },
        py::arg("tokens").noconvert(), py::arg("sa").noconvert(), py::arg("separator"), py::arg("qvalues").noconvert(),
        py::arg("qoffsets").noconvert(),
        "Suffix-array ranges [lo, hi) of ragged queries (values, offsets); count = hi - lo.");

    m.def(
        "ngram_matching_statistics",
        [](py::array tokens, py::array sa, u64 separator, py::array qvalues, carray<i64> qoffsets) {
            auto qo = view_1d(qoffsets, "qoffsets");
            check_offsets(qo, static_cast<std::size_t>(qvalues.size()), "qoffsets");
            carray<i64> ms(static_cast<py::ssize_t>(qvalues.size()));
            dispatch(tokens, sa, [&](auto tk, auto pk) {
                using Tok = decltype(tk);
                using Ptr = decltype(pk);
                auto idx = index_view<Tok, Ptr>(tokens, sa, separator);
                auto qv = query_values<Tok>(qvalues, tokens);
                auto ms_v = mut_view_1d(ms);
                py::gil_scoped_release nogil;
                ngram_matching_statistics(idx, qv, qo, ms_v);
            });
            return ms;
        },
        py::arg("tokens").noconvert(), py::arg("sa").noconvert(), py::arg("separator"), py::arg("qvalues").noconvert(),
        py::arg("qoffsets").noconvert(),
        "Matching statistics: for each query position, the longest prefix of the rest of its query found in the corpus.");

    m.def(
        "ngram_prefix_lengths",
        [](py::array tokens, py::array sa, u64 separator, py::array qvalues, carray<i64> qoffsets, carray<i64> positions) {
            auto qo = view_1d(qoffsets, "qoffsets");
            check_offsets(qo, static_cast<std::size_t>(qvalues.size()), "qoffsets");
            auto pos = view_1d(positions, "positions");
            carray<i64> out(static_cast<py::ssize_t>(pos.size));
            dispatch(tokens, sa, [&](auto tk, auto pk) {
                using Tok = decltype(tk);
                using Ptr = decltype(pk);
                auto idx = index_view<Tok, Ptr>(tokens, sa, separator);
                auto qv = query_values<Tok>(qvalues, tokens);
                auto out_v = mut_view_1d(out);
                py::gil_scoped_release nogil;
                ngram_prefix_lengths(idx, qv, qo, pos, out_v);
            });
            return out;
        },
        py::arg("tokens").noconvert(), py::arg("sa").noconvert(), py::arg("separator"), py::arg("qvalues").noconvert(),
        py::arg("qoffsets").noconvert(), py::arg("positions").noconvert(),
        "Longest-prefix match lengths at chosen positions of ragged queries (matching statistics at those positions).");

    m.def(
        "exact_duplicate_spans",
        [](py::array tokens, py::array sa, py::array lcp, u64 separator, u64 min_length) {
            std::vector<i64> starts, ends;
            dispatch(tokens, sa, [&](auto tk, auto pk) {
                using Tok = decltype(tk);
                using Ptr = decltype(pk);
                if (!is_int(lcp.dtype(), 'i', sizeof(Ptr))) throw py::type_error("lcp must have the dtype of sa");
                auto idx = index_view<Tok, Ptr>(tokens, sa, separator);
                auto l = view_1d(as_typed<Ptr>(lcp, "lcp"), "lcp");
                py::gil_scoped_release nogil;
                exact_duplicate_spans(idx.tokens, idx.sa, l, separator, min_length, starts, ends);
            });
            carray<i64> s(static_cast<py::ssize_t>(starts.size())), e(static_cast<py::ssize_t>(ends.size()));
            std::copy(starts.begin(), starts.end(), s.mutable_data());
            std::copy(ends.begin(), ends.end(), e.mutable_data());
            return std::make_pair(s, e);
        },
        py::arg("tokens").noconvert(), py::arg("sa").noconvert(), py::arg("lcp").noconvert(), py::arg("separator"),
        py::arg("min_length"),
        "Maximal spans [start, end) (global token positions) of >= min_length tokens occurring at least twice.");
}
}  // namespace ngram_bindings

// ---------------------------------------------------------------- item matcher
// The streaming n-gram matcher (benchmark items indexed, corpus documents folded in):
// converts and checks arrays, releases the GIL around fold.
namespace item_matcher_bindings {
namespace {

py::tuple state_tuple(const ItemMatcher& self) {
    ItemMatcher::State st;
    {
        py::gil_scoped_release nogil;
        st = self.state();
    }
    const auto n = static_cast<py::ssize_t>(self.n_keys());
    const auto md = static_cast<py::ssize_t>(self.max_docs());
    carray<i64> best(n), fdoc(n), foff(n), docs({n, md});
    std::copy(st.best_len.begin(), st.best_len.end(), best.mutable_data());
    std::copy(st.first_doc.begin(), st.first_doc.end(), fdoc.mutable_data());
    std::copy(st.first_off.begin(), st.first_off.end(), foff.mutable_data());
    std::copy(st.docs.begin(), st.docs.end(), docs.mutable_data());
    return py::make_tuple(best, fdoc, foff, docs);
}

}  // namespace

void bind(py::module_& m) {
    py::class_<ItemMatcher> cls(m, "ItemMatcher",
                                "Benchmark items' byte windows indexed; corpus documents folded in "
                                "(see seenit.ngram.stream.StreamMatcher).");
    cls.def(py::init([](const carray<u8>& items, const carray<i64>& item_offsets, const carray<i64>& key_pos,
                        const carray<i64>& key_item, const carray<i32>& key_window, int max_docs) {
                auto it = view_1d(items, "items");
                auto io = view_1d(item_offsets, "item_offsets");
                check_offsets(io, it.size, "item_offsets");
                auto kp = view_1d(key_pos, "key_pos");
                auto ki = view_1d(key_item, "key_item");
                auto kw = view_1d(key_window, "key_window");
                py::gil_scoped_release nogil;
                return new ItemMatcher(it, io, kp, ki, kw, max_docs);
            }),
            py::arg("items").noconvert(), py::arg("item_offsets").noconvert(), py::arg("key_pos").noconvert(),
            py::arg("key_item").noconvert(), py::arg("key_window").noconvert(), py::arg("max_docs"));
    cls.def_property_readonly("n_keys", &ItemMatcher::n_keys);
    cls.def_property_readonly("max_docs", &ItemMatcher::max_docs);
    cls.def(
        "fold",
        [](ItemMatcher& self, const carray<u8>& docs, const carray<i64>& doc_offsets, i64 base) {
            auto d = view_1d(docs, "docs");
            auto o = view_1d(doc_offsets, "doc_offsets");
            check_offsets(o, d.size, "doc_offsets");
            py::gil_scoped_release nogil;
            self.fold(d, o, base);
        },
        py::arg("docs").noconvert(), py::arg("doc_offsets").noconvert(), py::arg("base"),
        "Fold documents (ragged normalised bytes; ids base, base + 1, ...) into the state.");
    cls.def("state", &state_tuple,
            "(best_len, first_doc, first_off) int64 per key and docs (n_keys, max_docs) int64, -1 padded.");
    cls.def(
        "merge",
        [](ItemMatcher& self, const carray<i64>& best_len, const carray<i64>& first_doc, const carray<i64>& first_off,
           const carray<i64>& docs) {
            SEENIT_CHECK(docs.ndim() == 2, std::invalid_argument, "docs must be 2-dimensional, got ndim=", docs.ndim());
            ArrayView<const i64> dv{docs.data(), static_cast<std::size_t>(docs.size())};
            auto b = view_1d(best_len, "best_len");
            auto f = view_1d(first_doc, "first_doc");
            auto o = view_1d(first_off, "first_off");
            SEENIT_CHECK(static_cast<std::size_t>(docs.shape(1)) == static_cast<std::size_t>(self.max_docs()),
                         std::invalid_argument, "docs must have max_docs (", self.max_docs(), ") columns, got ",
                         docs.shape(1));
            py::gil_scoped_release nogil;
            self.merge(b, f, o, dv);
        },
        py::arg("best_len").noconvert(), py::arg("first_doc").noconvert(), py::arg("first_off").noconvert(),
        py::arg("docs").noconvert(),
        "Merge a state over the same keys (from other documents): order-independent.");
}

}  // namespace item_matcher_bindings

void bind_ngram(py::module_& m) {
    suffix_bindings::bind(m);
    ngram_bindings::bind(m);
    item_matcher_bindings::bind(m);
}

}  // namespace seenit::bind
