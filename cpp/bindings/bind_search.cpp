// Bindings of the search area (top-k, range pairs, k-means): dtype and shape checks, zero-copy
// views, GIL release. No algorithms here.
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

KmeansInit init_of(const std::string& s) {
    if (s == "auto") return KmeansInit::Auto;
    if (s == "k-means++") return KmeansInit::PlusPlus;
    if (s == "k-means||") return KmeansInit::Parallel;
    throw std::invalid_argument("init must be 'auto', 'k-means++' or 'k-means||', got '" + s + "'");
}

const char* init_name(KmeansInit i) { return i == KmeansInit::Parallel ? "k-means||" : "k-means++"; }

}  // namespace

void bind_search(py::module_& m) {
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

    m.def(
        "check_rows",
        [](const py::array& database, const std::string& name) {
            DbView db = db_view(database, name.c_str());
            py::gil_scoped_release nogil;
            check_rows(db, name.c_str());
        },
        "database"_a, "name"_a,
        "Raise ValueError naming the first row with NaN/inf (or a squared norm overflowing float32); one read, all threads.");

    m.def(
        "range_pairs",
        [](const carray<float>& x, const py::object& y, float threshold, const std::string& metric) {
            auto xv = view_2d(x, "x");
            Metric mt = metric_of(metric);
            DbView yv;
            const bool has_y = !y.is_none();
            if (has_y) yv = db_view(y.cast<py::array>(), "y");
            SEENIT_CHECK(!has_y || yv.dim == xv.cols, std::invalid_argument, "x has dimension ", xv.cols,
                         " but y has dimension ", yv.dim);
            PairList pl;
            {
                py::gil_scoped_release nogil;
                pl = range_pairs(xv, has_y ? &yv : nullptr, threshold, mt);
            }
            const py::ssize_t n = static_cast<py::ssize_t>(pl.i.size());
            carray<i64> I(n), J(n);
            carray<float> S(n);
            std::copy(pl.i.begin(), pl.i.end(), I.mutable_data());
            std::copy(pl.j.begin(), pl.j.end(), J.mutable_data());
            std::copy(pl.score.begin(), pl.score.end(), S.mutable_data());
            return py::make_tuple(I, J, S);
        },
        "x"_a.noconvert(), "y"_a, "threshold"_a, "metric"_a, "All pairs with score >= threshold (l2: distance <= threshold).");

    m.def(
        "causal_max",
        [](const carray<float>& x, const std::string& metric) {
            auto xv = view_2d(x, "x");
            Metric mt = metric_of(metric);
            carray<float> best(static_cast<py::ssize_t>(xv.rows));
            carray<i64> arg(static_cast<py::ssize_t>(xv.rows));
            float* bp = best.mutable_data();
            i64* ap = arg.mutable_data();
            {
                py::gil_scoped_release nogil;
                causal_max(xv, mt, bp, ap);
            }
            return py::make_tuple(best, arg);
        },
        "x"_a.noconvert(), "metric"_a, "For each row j: best score against an earlier row i < j, and that i.");

    m.def(
        "kmeans",
        [](const carray<float>& x, std::size_t n_clusters, int iters, u64 seed, const std::string& metric,
           const std::string& init) {
            auto xv = view_2d(x, "x");
            Metric mt = metric_of(metric);
            KmeansInit in = init_of(init);
            SEENIT_CHECK(n_clusters >= 1 && n_clusters <= xv.rows, std::invalid_argument, "n_clusters must be in 1..",
                         xv.rows, ", got ", n_clusters);
            SEENIT_CHECK(iters >= 1, std::invalid_argument, "iters must be >= 1, got ", iters);
            KmeansResult r;
            {
                py::gil_scoped_release nogil;
                r = kmeans(xv, n_clusters, iters, seed, mt, in);
            }
            carray<float> C({n_clusters, xv.cols});
            carray<i64> L(static_cast<py::ssize_t>(xv.rows));
            carray<float> S(static_cast<py::ssize_t>(xv.rows));
            std::copy(r.centroids.begin(), r.centroids.end(), C.mutable_data());
            std::copy(r.labels.begin(), r.labels.end(), L.mutable_data());
            std::copy(r.scores.begin(), r.scores.end(), S.mutable_data());
            return py::make_tuple(C, L, S, r.inertia, r.iterations, init_name(r.init));
        },
        "x"_a.noconvert(), "n_clusters"_a, "iters"_a, "seed"_a, "metric"_a, "init"_a,
        "Seeding ('auto', 'k-means++' or 'k-means||') then Lloyd: (centroids, labels, scores, inertia, "
        "iterations, init used).");
    m.def(
        "kmeans_seed",
        [](const carray<float>& x, std::size_t n_clusters, u64 seed, const std::string& metric,
           const std::string& init) {
            auto xv = view_2d(x, "x");
            Metric mt = metric_of(metric);
            KmeansInit in = init_of(init);
            KmeansSeeding r;
            {
                py::gil_scoped_release nogil;
                r = kmeans_seed(xv, n_clusters, seed, mt, in);
            }
            carray<i64> Ce(static_cast<py::ssize_t>(r.centres.size()));
            carray<i64> Ca(static_cast<py::ssize_t>(r.candidates.size()));
            carray<double> W(static_cast<py::ssize_t>(r.weights.size()));
            std::copy(r.centres.begin(), r.centres.end(), Ce.mutable_data());
            std::copy(r.candidates.begin(), r.candidates.end(), Ca.mutable_data());
            std::copy(r.weights.begin(), r.weights.end(), W.mutable_data());
            return py::make_tuple(Ce, Ca, W, init_name(r.init));
        },
        "x"_a.noconvert(), "n_clusters"_a, "seed"_a, "metric"_a, "init"_a,
        "The k-means seeding alone: (centre row ids, k-means|| candidate row ids, their weights, init used).");
}

}  // namespace seenit::bind
