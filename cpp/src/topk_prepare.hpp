// Shared preparation steps of the search drivers (topk, range_pairs, kmeans). Internal.
#pragma once

#include <vector>

#include "topk_scan.hpp"

namespace seenit::topk_detail {

// Queries ready for scanning; `storage` holds normalised rows for cosine.
Queries prepare_queries(MatrixView<const float> queries, Metric metric, bool simd, std::vector<float>& storage);
// Rows per database block for dimension d (bounded memory whatever the database size).
std::size_t block_rows_for(std::size_t d);
// Converts rows [r0, r0 + rows) to float32 when needed, checks them for NaN/inf and
// computes the per-row auxiliary values of the metric, all threads.
void prepare_block(const DbView& db, std::size_t r0, std::size_t rows, Metric metric, bool simd,
                   std::vector<float>& conv, std::vector<float>& aux, Block& B);

}  // namespace seenit::topk_detail
