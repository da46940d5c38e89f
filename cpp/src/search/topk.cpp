// The top-k driver: streams the database in blocks (each row read once, whatever its
// size or backing, e.g. a memory map), converts a block to float32 when needed,
// computes per-row norms, and runs the scan kernels on all threads.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "seenit/parallel.hpp"
#include "topk_convert.hpp"
#include "topk_dot.hpp"
#include "topk_prepare.hpp"
#include "topk_quant.hpp"
#include "topk_scan.hpp"

namespace seenit {

using namespace topk_detail;

namespace topk_detail {

Queries prepare_queries(MatrixView<const float> queries, Metric metric, bool simd, std::vector<float>& storage) {
    const std::size_t nq = queries.rows, d = queries.cols;
    DotFn dot = dot_fn(simd);
    Queries Q;
    Q.n = nq;
    Q.d = d;
    // Every query row must be finite with a squared norm that fits float32, as the database
    // rows must (prepare_block): an overflowing q.q would make the l2 keys and the int8
    // bound inf/NaN and the cosine normalisation a silent zero row. One pass, all threads;
    // the first bad row is named.
    std::vector<float> qq(nq);
    parallel_for(nq, 256, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t i = b; i < e; ++i) qq[i] = dot(queries.data + i * d, queries.data + i * d, d);
    });
    for (std::size_t i = 0; i < nq; ++i) {
        SEENIT_CHECK(std::isfinite(qq[i]), std::invalid_argument, "queries row ", i,
                     " contains NaN or inf (or values whose squares overflow float32)");
        SEENIT_CHECK(metric != Metric::L2 || qq[i] <= kMaxL2SquaredNorm, std::invalid_argument, "queries row ", i,
                     " has squared norm ", qq[i], ", beyond ", kMaxL2SquaredNorm,
                     " (FLT_MAX / 4): its l2 distances could overflow float32");
    }
    if (metric == Metric::IP) {
        Q.q = queries.data;
        return Q;
    }
    if (metric == Metric::Cosine) {
        storage.resize(nq * d);
        parallel_for(nq, 256, [&](std::size_t b, std::size_t e, int) {
            for (std::size_t i = b; i < e; ++i) {
                const float* src = queries.data + i * d;
                float* row = storage.data() + i * d;
                const float inv = inv_norm_from_sq(qq[i]);
                for (std::size_t k = 0; k < d; ++k) row[k] = src[k] * inv;
            }
        });
        Q.q = storage.data();
        return Q;
    }
    Q.q = queries.data;
    Q.aux = std::move(qq);
    return Q;
}

std::size_t block_rows_for(std::size_t d) {
    const std::size_t target = 8u << 20;  // 8 MiB of float32 rows per block
    std::size_t rows = target / std::max<std::size_t>(d * sizeof(float), 1);
    return std::max<std::size_t>(rows / 4 * 4, 64);
}

void prepare_block(const DbView& db, std::size_t r0, std::size_t rows, Metric metric, bool simd,
                   std::vector<float>& conv, std::vector<float>& aux, Block& B) {
    const std::size_t d = db.dim;
    DotFn dot = dot_fn(simd);
    const bool direct = db.dtype == DType::F32;
    if (!direct && conv.size() < rows * d) conv.resize(rows * d);
    if (aux.size() < rows) aux.resize(rows);
    const float* base = direct ? static_cast<const float*>(db.data) + r0 * d : conv.data();
    parallel_for(rows, 256, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t r = b; r < e; ++r) {
            if (!direct) convert_row(db, r0 + r, conv.data() + r * d, simd);
            const float* x = base + r * d;
            float xx = dot(x, x, d);
            SEENIT_CHECK(std::isfinite(xx), std::invalid_argument, "database row ", r0 + r,
                         " contains NaN or inf (or values whose squares overflow float32)");
            SEENIT_CHECK(metric != Metric::L2 || xx <= kMaxL2SquaredNorm, std::invalid_argument, "database row ",
                         r0 + r, " has squared norm ", xx, ", beyond ", kMaxL2SquaredNorm,
                         " (FLT_MAX / 4): its l2 distances could overflow float32");
            aux[r] = metric == Metric::Cosine ? inv_norm_from_sq(xx) : xx;
        }
    });
    B.x = base;
    B.rows = rows;
    B.d = d;
    B.aux = metric == Metric::IP ? nullptr : aux.data();
    B.id0 = static_cast<i64>(r0);
}

}  // namespace topk_detail

void check_rows(const DbView& db, const char* name) {
    if (db.dtype == DType::I8 || db.rows == 0) return;  // int8 rows are finite and their norms cannot overflow
    const bool simd = simd_available();
    DotFn dot = dot_fn(simd);
    const std::size_t d = db.dim;
    const int nt = num_threads();
    std::vector<std::size_t> first(static_cast<std::size_t>(nt), db.rows);  // first bad row of each chunk
    parallel_for(db.rows, 4096, [&](std::size_t b, std::size_t e, int t) {
        std::vector<float> row(db.dtype == DType::F32 ? 0 : d);
        for (std::size_t r = b; r < e; ++r) {
            const float* x;
            if (db.dtype == DType::F32) x = static_cast<const float*>(db.data) + r * d;
            else {
                convert_row(db, r, row.data(), simd);
                x = row.data();
            }
            if (!std::isfinite(dot(x, x, d))) {
                first[static_cast<std::size_t>(t)] = r;
                return;
            }
        }
    }, nt);
    const std::size_t bad = *std::min_element(first.begin(), first.end());  // chunks are in row order
    SEENIT_CHECK(bad == db.rows, std::invalid_argument, name, " row ", bad,
                 " contains NaN or inf (or values whose squares overflow float32)");
}

namespace topk_detail {

PreparedQueries::PreparedQueries(MatrixView<const float> queries, Metric metric, bool int8_pass, bool unit_rows)
    : metric(metric) {
    const bool simd = simd_available();
    // unit rows (cosine): already normalised by the caller, used in place as the ip rows are
    Q = prepare_queries(queries, unit_rows && metric == Metric::Cosine ? Metric::IP : metric, simd, storage);
    int8 = int8_pass && simd && Q.d <= kMaxInt8Dim;
    if (int8) QQ.reset(quantize_queries(Q));
}

}  // namespace topk_detail

TopkStats topk_search(MatrixView<const float> queries, const DbView& db, std::size_t k, Metric metric,
                      FirstPass first_pass, MatrixView<float> scores, MatrixView<i64> ids) {
    check_search(queries.rows, queries.cols, db, k, scores, ids);
    if (queries.rows == 0) return TopkStats{};
    const PreparedQueries P(queries, metric, first_pass == FirstPass::Int8);
    return topk_search_prepared(P, db, k, scores, ids);
}

namespace topk_detail {

void check_search(std::size_t nq, std::size_t d, const DbView& db, std::size_t k, MatrixView<float> scores,
                  MatrixView<i64> ids) {
    SEENIT_CHECK(d == db.dim, std::invalid_argument, "queries have dimension ", d, " but database rows have ", db.dim);
    SEENIT_CHECK(db.rows >= 1, std::invalid_argument, "database is empty");
    SEENIT_CHECK(k >= 1, std::invalid_argument, "k must be >= 1, got ", k);
    const std::size_t kk = std::min(k, db.rows);
    SEENIT_CHECK(scores.rows == nq && scores.cols == kk && ids.rows == nq && ids.cols == kk, std::invalid_argument,
                 "output arrays must have shape (", nq, ", ", kk, ")");
}

TopkStats topk_search_prepared(const PreparedQueries& P, const DbView& db, std::size_t k, MatrixView<float> scores,
                               MatrixView<i64> ids) {
    const Queries& Q = P.Q;
    const Metric metric = P.metric;
    const std::size_t nq = Q.n, d = Q.d, n = db.rows;
    check_search(nq, d, db, k, scores, ids);
    const std::size_t kk = std::min(k, n);
    TopkStats stats;
    if (nq == 0) return stats;
    const bool simd = simd_available();
    const bool int8 = P.int8;
    const QuantQueries* QQ = P.QQ.get();

    const std::size_t block = block_rows_for(d);
    // The thread count is read once and passed to every parallel_for below, so a concurrent
    // set_num_threads cannot push a worker index past the per-thread state. The row split
    // never has more workers than chunks of 64 rows in a block: no more heap sets than that.
    const int nt_all = num_threads();
    const bool split_queries = nq >= static_cast<std::size_t>(6) * static_cast<std::size_t>(nt_all);
    const int nt = split_queries ? nt_all
                                 : static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(nt_all),
                                                                          (std::min(block, n) + 63) / 64));
    Heaps heaps(nq, kk);
    std::vector<Heaps> local;
    if (!split_queries)
        for (int t = 0; t < nt; ++t) local.emplace_back(nq, kk);
    std::vector<std::size_t> rescored(static_cast<std::size_t>(nt), 0);

    std::vector<float> conv, aux;
    Block B;
    for (std::size_t r0 = 0; r0 < n; r0 += block) {
        const std::size_t rows = std::min(block, n - r0);
        prepare_block(db, r0, rows, metric, simd, conv, aux, B);
        std::unique_ptr<QuantBlock, QuantBlockDeleter> XB(int8 ? quantize_block(metric, B, quant_row_bytes(*QQ)) : nullptr);
        auto scan = [&](std::size_t qb, std::size_t qe, std::size_t rb, std::size_t re, Heaps& h, int t) {
            if (int8) rescored[static_cast<std::size_t>(t)] += scan_int8(metric, Q, *QQ, *XB, qb, qe, B, rb, re, h);
            else {
                HeapSink sink{h};
                scan_f32(metric, Q, qb, qe, B, rb, re, sink, simd);
            }
        };
        if (split_queries) {
            parallel_for(nq, 3, [&](std::size_t qb, std::size_t qe, int t) { scan(qb, qe, 0, rows, heaps, t); }, nt);
        } else {
            parallel_for(rows, 64, [&](std::size_t rb, std::size_t re, int t) {
                scan(0, nq, rb, re, local[static_cast<std::size_t>(t)], t);
            }, nt);
        }
    }
    for (auto& h : local) heaps.merge(h);
    for (std::size_t i = 0; i < nq; ++i) {
        std::vector<Cand> v = heaps.sorted(i);
        // every row is offered to every query (the int8 pass's bound guarantees it for the
        // rows that matter), so each heap is full; never read past a short one
        SEENIT_CHECK(v.size() == kk, std::logic_error, "topk: query ", i, " has ", v.size(), " of ", kk,
                     " results (internal error)");
        for (std::size_t j = 0; j < kk; ++j) {
            scores.row(i)[j] = metric == Metric::L2 ? 0.0f - v[j].key : v[j].key;
            ids.row(i)[j] = v[j].id;
        }
    }
    for (std::size_t r : rescored) stats.rescored += r;
    return stats;
}

}  // namespace topk_detail

}  // namespace seenit
