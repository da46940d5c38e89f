// All pairs above a similarity threshold, and the causal maximum used by SemDeDup.
// Both stream the database in blocks through the same scan kernel as topk.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "seenit/parallel.hpp"
#include "topk_dot.hpp"
#include "topk_prepare.hpp"

namespace seenit {

using namespace topk_detail;

PairList range_pairs(MatrixView<const float> x, const DbView* y, float threshold, Metric metric) {
    const bool self = y == nullptr;
    DbView yv = self ? DbView{x.data, x.rows, x.cols, DType::F32} : *y;
    SEENIT_CHECK(yv.dim == x.cols, std::invalid_argument, "x has dimension ", x.cols, " but y has dimension ", yv.dim);
    PairList out;
    if (x.rows == 0 || yv.rows == 0) return out;
    const bool simd = simd_available();
    std::vector<float> qstore;
    Queries Q = prepare_queries(x, metric, simd, qstore);
    const float thr = metric == Metric::L2 ? -threshold : threshold;
    const int nt = num_threads();  // read once: per-thread buffers and every split below agree
    std::vector<std::vector<i64>> I(nt), J(nt);
    std::vector<std::vector<float>> S(nt);
    const std::size_t block = block_rows_for(x.cols);
    std::vector<float> conv, aux;
    Block B;
    for (std::size_t r0 = 0; r0 < yv.rows; r0 += block) {
        const std::size_t rows = std::min(block, yv.rows - r0);
        if (self && r0 + rows <= 1) continue;
        prepare_block(yv, r0, rows, metric, simd, conv, aux, B);
        // queries at or beyond the block's last row have no partner above the diagonal
        const std::size_t nq = self ? std::min(x.rows, r0 + rows) : x.rows;
        parallel_for_dynamic(nq, 48, [&](std::size_t qb, std::size_t qe, int t) {
            RangeSink sink{thr, self, &I[t], &J[t], &S[t]};
            scan_f32(metric, Q, qb, qe, B, 0, rows, sink, simd);
        }, nt);
    }
    std::size_t total = 0;
    for (auto& v : I) total += v.size();
    std::vector<i64> ai, aj;
    std::vector<float> as;
    ai.reserve(total);
    aj.reserve(total);
    as.reserve(total);
    for (int t = 0; t < nt; ++t) {
        ai.insert(ai.end(), I[t].begin(), I[t].end());
        aj.insert(aj.end(), J[t].begin(), J[t].end());
        as.insert(as.end(), S[t].begin(), S[t].end());
    }
    std::vector<std::size_t> order(total);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ai[a] < ai[b] || (ai[a] == ai[b] && aj[a] < aj[b]); });
    out.i.resize(total);
    out.j.resize(total);
    out.score.resize(total);
    for (std::size_t p = 0; p < total; ++p) {
        out.i[p] = ai[order[p]];
        out.j[p] = aj[order[p]];
        out.score[p] = metric == Metric::L2 ? 0.0f - as[order[p]] : as[order[p]];
    }
    return out;
}

void causal_max(MatrixView<const float> x, Metric metric, float* best, i64* arg) {
    const std::size_t n = x.rows;
    // no earlier row yet: the worst score, which for l2 (a distance, negated while scanning) is +inf
    const float none = metric == Metric::L2 ? INFINITY : -INFINITY;
    for (std::size_t i = 0; i < n; ++i) {
        best[i] = -INFINITY;
        arg[i] = -1;
    }
    if (n < 2) {
        for (std::size_t i = 0; i < n; ++i) best[i] = none;
        return;
    }
    const bool simd = simd_available();
    std::vector<float> qstore;
    Queries Q = prepare_queries(x, metric, simd, qstore);
    DbView yv{x.data, x.rows, x.cols, DType::F32};
    const std::size_t block = block_rows_for(x.cols);
    std::vector<float> conv, aux;
    Block B;
    for (std::size_t r0 = 0; r0 + 1 < n; r0 += block) {
        const std::size_t rows = std::min(block, n - r0);
        prepare_block(yv, r0, rows, metric, simd, conv, aux, B);
        // only queries after the block's first row have an earlier partner in it
        const std::size_t q0 = r0 + 1;
        parallel_for_dynamic(n - q0, 48, [&](std::size_t b, std::size_t e, int) {
            CausalMaxSink sink{best, arg};
            scan_f32(metric, Q, q0 + b, q0 + e, B, 0, rows, sink, simd);
        });
    }
    if (metric == Metric::L2)
        for (std::size_t i = 0; i < n; ++i) best[i] = 0.0f - best[i];
}

}  // namespace seenit
