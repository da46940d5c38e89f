// Bindings for the fused token statistics and the ragged segment reductions: dtype/shape checks,
// output allocation and GIL release. No algorithms here.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "buffers.hpp"
#include "seenit/logprob.hpp"
#include "seenit/segments.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace seenit::bind {
namespace {

LogitType logit_type(const py::array& logits, const std::string& kind) {
    const py::dtype dt = logits.dtype();
    if (kind == "f32") {
        SEENIT_CHECK(dt.is(py::dtype::of<float>()), std::invalid_argument, "logits: kind 'f32' needs float32 data");
        return LogitType::f32;
    }
    SEENIT_CHECK(kind == "f16" || kind == "bf16", std::invalid_argument, "kind must be 'f32', 'f16' or 'bf16', got '", kind, "'");
    SEENIT_CHECK(dt.itemsize() == 2, std::invalid_argument, "logits: kind '", kind, "' needs 2-byte elements");
    return kind == "f16" ? LogitType::f16 : LogitType::bf16;
}

py::tuple token_stats(const py::array& logits, const carray<i64>& targets, const std::string& kind, double temperature,
                      unsigned which, bool use_simd) {
    SEENIT_CHECK(logits.ndim() == 2, std::invalid_argument, "logits must be 2-dimensional (rows, vocab), got ndim=", logits.ndim());
    SEENIT_CHECK(logits.flags() & py::array::c_style, std::invalid_argument, "logits must be C-contiguous");
    const LogitType type = logit_type(logits, kind);
    auto t = view_1d(targets, "targets");
    const auto rows = static_cast<std::size_t>(logits.shape(0));
    const auto vocab = static_cast<std::size_t>(logits.shape(1));
    SEENIT_CHECK(t.size == rows, std::invalid_argument, "targets has ", t.size, " entries but logits has ", rows, " rows");
    const auto n = static_cast<py::ssize_t>(rows);
    carray<double> lp(n), en(n), mu(n), sg(n);
    carray<i64> rk(n);
    TokenStatsOut out;
    out.logprob = (which & kLogprob) ? lp.mutable_data() : nullptr;
    out.entropy = (which & kEntropy) ? en.mutable_data() : nullptr;
    out.mu = (which & kMu) ? mu.mutable_data() : nullptr;
    out.sigma = (which & kSigma) ? sg.mutable_data() : nullptr;
    out.rank = (which & kRank) ? rk.mutable_data() : nullptr;
    const void* data = logits.data();
    {
        py::gil_scoped_release nogil;
        seenit::token_stats(data, type, rows, vocab, t.data, temperature, which, out, use_simd);
    }
    auto pick = [&](unsigned flag, const py::object& a) { return (which & flag) ? a : py::object(py::none()); };
    return py::make_tuple(pick(kLogprob, lp), pick(kEntropy, en), pick(kMu, mu), pick(kSigma, sg), pick(kRank, rk));
}

SegOp parse_op(const std::string& op) {
    if (op == "sum") return SegOp::sum;
    if (op == "mean") return SegOp::mean;
    if (op == "min") return SegOp::min;
    if (op == "max") return SegOp::max;
    if (op == "count") return SegOp::count;
    if (op == "min_k") return SegOp::min_k;
    if (op == "max_k") return SegOp::max_k;
    throw std::invalid_argument("op must be one of sum, mean, min, max, count, min_k, max_k; got '" + op + "'");
}

template <class T>
void bind_segments(py::module_& m) {
    m.def(
        "segment_reduce",
        [](const carray<T>& values, const carray<i64>& offsets, const std::string& op, double k) {
            auto v = view_1d(values, "values");
            auto o = view_1d(offsets, "offsets");
            check_offsets(o, v.size, "offsets");
            const SegOp sop = parse_op(op);
            carray<double> out(static_cast<py::ssize_t>(o.size - 1));
            double* dst = out.mutable_data();
            {
                py::gil_scoped_release nogil;
                seenit::segment_reduce<T>(v.data, o.data, o.size - 1, sop, k, dst);
            }
            return out;
        },
        "values"_a.noconvert(), "offsets"_a.noconvert(), "op"_a, "k"_a = 1.0,
        "Reduce each segment values[offsets[i]:offsets[i+1]] with op; returns float64 of length n.");
    m.def(
        "segment_quantiles",
        [](const carray<T>& values, const carray<i64>& offsets, const carray<double>& qs) {
            auto v = view_1d(values, "values");
            auto o = view_1d(offsets, "offsets");
            auto q = view_1d(qs, "q");
            check_offsets(o, v.size, "offsets");
            carray<double> out({static_cast<py::ssize_t>(o.size - 1), static_cast<py::ssize_t>(q.size)});
            double* dst = out.mutable_data();
            {
                py::gil_scoped_release nogil;
                seenit::segment_quantiles<T>(v.data, o.data, o.size - 1, q.data, q.size, dst);
            }
            return out;
        },
        "values"_a.noconvert(), "offsets"_a.noconvert(), "q"_a.noconvert(),
        "Linear-interpolated quantiles of each segment; returns float64 (n, len(q)), NaN rows for empty segments.");
}

}  // namespace

void bind_logprob(py::module_& m) {
    m.def("logprob_token_stats", &token_stats, "logits"_a.noconvert(), "targets"_a.noconvert(), "kind"_a,
          "temperature"_a = 1.0, "which"_a = 31u, "use_simd"_a = true,
          "Fused per-row log p(target), entropy, mu, sigma and rank of a (rows, vocab) logits array. Returns a "
          "5-tuple with None for the stats not requested (bit flags: 1 logprob, 2 entropy, 4 mu, 8 sigma, 16 rank).");
    m.def("logprob_simd_available", &seenit::token_stats_simd_available,
          "Whether token_stats uses its AVX2+FMA path on this CPU.");
    bind_segments<double>(m);
    bind_segments<float>(m);
}

}  // namespace seenit::bind
