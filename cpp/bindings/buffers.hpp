// Turning NumPy arrays into core views: check dtype, ndim and contiguity, never copy.
// Used by every bind_<area>.cpp; the only place that touches py::array internals.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <utility>
#include <vector>

#include "seenit/common.hpp"

namespace seenit::bind {

namespace py = pybind11;

template <class T>
using carray = py::array_t<T, py::array::c_style>;

// A read-only 1-D view of `arr`, which must be 1-D and C-contiguous.
template <class T>
ArrayView<const T> view_1d(const carray<T>& arr, const char* name) {
    SEENIT_CHECK(arr.ndim() == 1, std::invalid_argument, name, " must be 1-dimensional, got ndim=", arr.ndim());
    return {arr.data(), static_cast<std::size_t>(arr.shape(0))};
}

// A read-only 2-D view of `arr`, which must be 2-D and C-contiguous.
template <class T>
MatrixView<const T> view_2d(const carray<T>& arr, const char* name) {
    SEENIT_CHECK(arr.ndim() == 2, std::invalid_argument, name, " must be 2-dimensional, got ndim=", arr.ndim());
    return {arr.data(), static_cast<std::size_t>(arr.shape(0)), static_cast<std::size_t>(arr.shape(1))};
}

// A writable 2-D view of a freshly allocated output array.
template <class T>
MatrixView<T> mut_view_2d(carray<T>& arr) {
    return {arr.mutable_data(), static_cast<std::size_t>(arr.shape(0)), static_cast<std::size_t>(arr.shape(1))};
}

template <class T>
ArrayView<T> mut_view_1d(carray<T>& arr) {
    return {arr.mutable_data(), static_cast<std::size_t>(arr.shape(0))};
}

// Hands a vector's buffer to NumPy without copying (a capsule owns it). 1-D unless
// `shape` is given (its product must be v.size()).
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v, std::vector<py::ssize_t> shape = {}) {
    if (shape.empty()) shape = {static_cast<py::ssize_t>(v.size())};
    auto* heap = new std::vector<T>(std::move(v));
    py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>(shape, heap->data(), owner);
}

// Checks a CSR offsets array against the length of its values: starts at 0,
// non-decreasing, ends at n_values. Raises ValueError naming the first bad entry.
void check_offsets(ArrayView<const i64> offsets, std::size_t n_values, const char* name);

}  // namespace seenit::bind
