// Bindings for LSH banding, bucket grouping, candidate pairs, signature
// similarity and union-find: convert and check arrays, release the GIL, call the core.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <utility>
#include <vector>

#include "buffers.hpp"
#include "seenit/lsh.hpp"
#include "seenit/union_find.hpp"

namespace py = pybind11;
using namespace py::literals;

namespace seenit::bind {
namespace {

// Hands a vector's buffer to NumPy without copying (the capsule owns it).
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v, std::vector<py::ssize_t> shape) {
    auto* heap = new std::vector<T>(std::move(v));
    py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>(shape, heap->data(), owner);
}

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

void bind_lsh(py::module_& m) {
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

}  // namespace seenit::bind
