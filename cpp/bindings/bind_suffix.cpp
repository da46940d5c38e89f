// Bindings for suffix arrays and LCP arrays: dtype dispatch by overload
// (.noconvert, so a wrong dtype is a TypeError, never a silent copy), length
// checks, and the GIL released around the kernels.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <limits>

#include "buffers.hpp"
#include "seenit/suffix_array.hpp"

namespace py = pybind11;

namespace seenit::bind {
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

void bind_suffix(py::module_& m) {
    bind_char<u8>(m);
    bind_char<u16>(m);
    bind_char<u32>(m);
}

}  // namespace seenit::bind
