// Shared preparation steps of the search drivers (topk, range_pairs, kmeans). Internal.
#pragma once

#include <memory>
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

// Queries prepared once for any number of searches (k-means reuses them every iteration):
// normalised for cosine (unless `unit_rows` says the caller did it: no copy), and quantised
// when the int8 first pass will run.
struct PreparedQueries {
    PreparedQueries(MatrixView<const float> queries, Metric metric, bool int8_pass, bool unit_rows = false);
    Metric metric;
    std::vector<float> storage;
    Queries Q;
    bool int8 = false;
    std::unique_ptr<QuantQueries, QuantQueriesDeleter> QQ;
};

// Argument checks shared by the search entry points (ValueError before any work).
void check_search(std::size_t nq, std::size_t d, const DbView& db, std::size_t k, MatrixView<float> scores,
                  MatrixView<i64> ids);
// topk_search with prepared queries.
TopkStats topk_search_prepared(const PreparedQueries& P, const DbView& db, std::size_t k, MatrixView<float> scores,
                               MatrixView<i64> ids);

}  // namespace seenit::topk_detail
