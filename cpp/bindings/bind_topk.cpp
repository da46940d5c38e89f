// Bindings of the search kernels (topk, range_pairs, kmeans): dtype/shape checks,
// zero-copy views, GIL release. No algorithms here.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "buffers.hpp"
#include "seenit/topk.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace seenit::bind {
namespace {

Metric metric_of(const std::string& m) {
    if (m == "ip") return Metric::IP;
    if (m == "cosine") return Metric::Cosine;
    if (m == "l2") return Metric::L2;
    throw std::invalid_argument("metric must be 'ip', 'cosine' or 'l2', got '" + m + "'");
}

// A database view of a 2-D C-contiguous array of float32, float16, uint16 (bfloat16) or int8.
DbView db_view(const py::array& a, const char* name) {
    SEENIT_CHECK(a.ndim() == 2, std::invalid_argument, name, " must be 2-dimensional, got ndim=", a.ndim());
    SEENIT_CHECK(a.flags() & py::array::c_style, std::invalid_argument, name, " must be C-contiguous");
    DbView v;
    v.data = a.data();
    v.rows = static_cast<std::size_t>(a.shape(0));
    v.dim = static_cast<std::size_t>(a.shape(1));
    const auto dt = a.dtype();
    if (dt.is(py::dtype::of<float>())) v.dtype = DType::F32;
    else if (dt.kind() == 'f' && dt.itemsize() == 2) v.dtype = DType::F16;
    else if (dt.is(py::dtype::of<u16>())) v.dtype = DType::BF16;
    else if (dt.is(py::dtype::of<std::int8_t>())) v.dtype = DType::I8;
    else throw py::type_error(std::string(name) + " must be float32, float16, uint16 (bfloat16 bits) or int8");
    return v;
}

}  // namespace

void bind_topk(py::module_& m) {
    m.def(
        "topk_search",
        [](const carray<float>& queries, const py::array& database, std::size_t k, const std::string& metric,
           const std::string& first_pass) {
            auto q = view_2d(queries, "queries");
            DbView db = db_view(database, "database");
            Metric mt = metric_of(metric);
            SEENIT_CHECK(first_pass == "float32" || first_pass == "int8", std::invalid_argument,
                         "first_pass must be 'float32' or 'int8', got '", first_pass, "'");
            SEENIT_CHECK(k >= 1, std::invalid_argument, "k must be >= 1, got ", k);
            SEENIT_CHECK(db.rows >= 1, std::invalid_argument, "database is empty");
            SEENIT_CHECK(q.cols == db.dim, std::invalid_argument, "queries have dimension ", q.cols,
                         " but database rows have dimension ", db.dim);
            const std::size_t kk = std::min(k, db.rows);
            carray<float> scores({q.rows, kk});
            carray<i64> ids({q.rows, kk});
            auto sv = mut_view_2d(scores);
            auto iv = mut_view_2d(ids);
            TopkStats st;
            {
                py::gil_scoped_release nogil;
                st = topk_search(q, db, k, mt, first_pass == "int8" ? FirstPass::Int8 : FirstPass::Float32, sv, iv);
            }
            return py::make_tuple(scores, ids, st.rescored);
        },
        "queries"_a.noconvert(), "database"_a, "k"_a, "metric"_a, "first_pass"_a,
        "Exact top-k (scores, ids, pairs re-scored). Database: float32/float16/uint16(bf16)/int8, C-contiguous.");
}

}  // namespace seenit::bind
