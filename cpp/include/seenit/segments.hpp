// Ragged segment reductions over (values, offsets): segment i is values[offsets[i] : offsets[i+1]].
// Batched over millions of segments, parallel over segments, independent of the thread count.
#pragma once

#include <cstddef>

#include "seenit/common.hpp"

namespace seenit {

enum class SegOp {
    sum,    // 0 for an empty segment
    mean,   // NaN for an empty segment
    min,    // NaN for an empty segment
    max,    // NaN for an empty segment
    count,  // the segment length
    min_k,  // mean of the lowest max(1, floor(k * len)) values; NaN for an empty segment
    max_k,  // mean of the highest max(1, floor(k * len)) values; NaN for an empty segment
};

// values: offsets[n] entries (float or double); offsets: n + 1 non-decreasing int64 starting at 0
// (checked by the caller). k in (0, 1] for min_k / max_k. out: n doubles.
// NaN in a segment throws std::invalid_argument naming the first such segment (after all work).
template <class T>
void segment_reduce(const T* values, const i64* offsets, std::size_t n, SegOp op, double k, double* out);

// Quantiles with linear interpolation between order statistics (NumPy's default "linear" method):
// out is n x nq, row-major; NaN rows for empty segments. qs in [0, 1].
template <class T>
void segment_quantiles(const T* values, const i64* offsets, std::size_t n, const double* qs, std::size_t nq, double* out);

}  // namespace seenit
