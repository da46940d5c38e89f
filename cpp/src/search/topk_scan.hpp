// Internal interface between the topk driver (topk.cpp) and its scan kernels.
#pragma once

#include <cstddef>
#include <vector>

#include "seenit/topk.hpp"
#include "topk_select.hpp"

namespace seenit::topk_detail {

// Queries, prepared once: rows of `d` floats (normalised for cosine), and per row
// the auxiliary value of the metric (l2: dot(q,q)).
struct Queries {
    const float* q = nullptr;
    std::size_t n = 0, d = 0;
    std::vector<float> aux;
};

// A block of database rows as float32, with per-row auxiliary values
// (cosine: inv_norm; l2: dot(x,x)) and the id of its first row.
struct Block {
    const float* x = nullptr;
    std::size_t rows = 0, d = 0;
    const float* aux = nullptr;
    i64 id0 = 0;
};

// Where the scan sends scored pairs. take() sees every pair (query index, row id,
// key); skip() lets a sink drop whole (query range x row-id range) rectangles.
struct HeapSink {  // top-k per query
    Heaps& h;
    float limit(std::size_t qi) const { return h.threshold(qi); }
    void take(std::size_t qi, i64 id, float key) {
        if (key >= h.threshold(qi)) h.push(qi, key, id);
    }
    bool skip(std::size_t, std::size_t, i64, i64) const { return false; }
};

struct RangeSink {  // every pair with key >= thr; `upper` keeps only id > query index
    float thr;
    bool upper;
    std::vector<i64>* I;
    std::vector<i64>* J;
    std::vector<float>* S;
    float limit(std::size_t) const { return thr; }
    void take(std::size_t qi, i64 id, float key) {
        if (key >= thr && (!upper || id > static_cast<i64>(qi))) {
            I->push_back(static_cast<i64>(qi));
            J->push_back(id);
            S->push_back(key);
        }
    }
    // rows [id_lo, id_hi) against queries [q0, q1): nothing above the diagonal
    bool skip(std::size_t q0, std::size_t, i64, i64 id_hi) const { return upper && id_hi - 1 <= static_cast<i64>(q0); }
};

struct CausalMaxSink {  // for each query j: best key over rows i < j (ties: smaller i)
    float* best;
    i64* arg;
    float limit(std::size_t qi) const { return best[qi]; }
    void take(std::size_t qi, i64 id, float key) {
        if (id < static_cast<i64>(qi) && (key > best[qi] || (key == best[qi] && id < arg[qi]))) {
            best[qi] = key;
            arg[qi] = id;
        }
    }
    bool skip(std::size_t, std::size_t q1, i64 id_lo, i64) const { return id_lo >= static_cast<i64>(q1) - 1; }
};

// Scores queries [qb, qe) against block rows [rb, re) and hands every pair to `sink`
// (query indices are global). Instantiated for the three sinks above.
template <class Sink>
void scan_f32(Metric m, const Queries& Q, std::size_t qb, std::size_t qe, const Block& B, std::size_t rb,
              std::size_t re, Sink& sink, bool simd);

// The int8 first pass: prepared once per search (quantised queries), used per block.
struct QuantQueries;
struct QuantQueriesDeleter {
    void operator()(QuantQueries* p) const;
};
QuantQueries* quantize_queries(const Queries& Q);
std::size_t quant_row_bytes(const QuantQueries& QQ);
// A database block quantised once (all threads), shared by every scan of it.
struct QuantBlock;
struct QuantBlockDeleter {
    void operator()(QuantBlock* p) const;
};
QuantBlock* quantize_block(Metric m, const Block& B, std::size_t row_bytes);
// Scores queries [qb, qe) against block rows [rb, re); returns the pairs re-scored exactly.
std::size_t scan_int8(Metric m, const Queries& Q, const QuantQueries& QQ, const QuantBlock& X, std::size_t qb,
                      std::size_t qe, const Block& B, std::size_t rb, std::size_t re, Heaps& heaps);

}  // namespace seenit::topk_detail
