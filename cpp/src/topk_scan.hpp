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

// Scores queries [qb, qe) against block rows [rb, re) and pushes into `heaps`
// (indexed by global query id) every pair that can enter the top-k.
void scan_f32(Metric m, const Queries& Q, std::size_t qb, std::size_t qe, const Block& B, std::size_t rb,
              std::size_t re, Heaps& heaps, bool simd);

// The int8 first pass: prepared once per search (quantised queries), used per block.
struct QuantQueries;
struct QuantQueriesDeleter {
    void operator()(QuantQueries* p) const;
};
QuantQueries* quantize_queries(const Queries& Q);
// Returns the number of pairs re-scored exactly.
std::size_t scan_int8(Metric m, const Queries& Q, const QuantQueries& QQ, std::size_t qb, std::size_t qe,
                      const Block& B, std::size_t rb, std::size_t re, Heaps& heaps);

}  // namespace seenit::topk_detail
