// Ragged segment reductions (see segments.hpp). Order statistics use nth_element on a per-thread copy
// of the segment, so the input is never modified and memory stays O(longest segment) per thread.
#include "seenit/segments.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "seenit/parallel.hpp"

namespace seenit {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kChunk = 2048;  // segments per dynamic work item
constexpr std::size_t kSmall = 32;    // segments up to this length sort on the stack

// Runs body(i, seg_begin, seg_len, scratch) over all segments; throws for the first segment holding NaN.
template <class T, class Body>
void for_segments(const T* values, const i64* offsets, std::size_t n, Body&& body) {
    const int nt = num_threads();
    std::vector<i64> first_nan(static_cast<std::size_t>(nt) + 1, -1);
    parallel_for_dynamic(n, kChunk, [&](std::size_t b, std::size_t e, int t) {
        std::vector<double> scratch;
        i64& bad = first_nan[static_cast<std::size_t>(t)];
        for (std::size_t i = b; i < e; ++i) {
            const T* seg = values + offsets[i];
            const std::size_t len = static_cast<std::size_t>(offsets[i + 1] - offsets[i]);
            bool nan = false;
            for (std::size_t j = 0; j < len; ++j) nan |= std::isnan(seg[j]);
            if (nan) {
                if (bad < 0 || static_cast<i64>(i) < bad) bad = static_cast<i64>(i);
                continue;
            }
            body(i, seg, len, scratch);
        }
    });
    i64 first = -1;
    for (i64 v : first_nan)
        if (v >= 0 && (first < 0 || v < first)) first = v;
    SEENIT_CHECK(first < 0, std::invalid_argument, "values contains NaN in segment ", first,
                 " (values[", offsets[first], ":", offsets[first + 1], "])");
}

std::size_t k_count(double k, std::size_t len) {
    auto m = static_cast<std::size_t>(std::floor(k * static_cast<double>(len)));
    return std::max<std::size_t>(1, std::min(m, len));
}

}  // namespace

template <class T>
void segment_reduce(const T* values, const i64* offsets, std::size_t n, SegOp op, double k, double* out) {
    if (op == SegOp::min_k || op == SegOp::max_k) {
        SEENIT_CHECK(k > 0 && k <= 1, std::invalid_argument, "k must be a fraction in (0, 1], got ", k);
    }
    for_segments(values, offsets, n, [&](std::size_t i, const T* seg, std::size_t len, std::vector<double>& scratch) {
        switch (op) {
            case SegOp::count: out[i] = static_cast<double>(len); return;
            case SegOp::sum:
            case SegOp::mean: {
                double s = 0;
                for (std::size_t j = 0; j < len; ++j) s += seg[j];
                out[i] = op == SegOp::sum ? s : (len ? s / static_cast<double>(len) : kNaN);
                return;
            }
            case SegOp::min:
            case SegOp::max: {
                if (!len) { out[i] = kNaN; return; }
                double v = seg[0];
                for (std::size_t j = 1; j < len; ++j) v = op == SegOp::min ? std::min<double>(v, seg[j]) : std::max<double>(v, seg[j]);
                out[i] = v;
                return;
            }
            case SegOp::min_k:
            case SegOp::max_k: {
                if (!len) { out[i] = kNaN; return; }
                const std::size_t m = k_count(k, len);
                if (m <= kSmall) {  // few values wanted: keep the m best in a sorted stack buffer
                    double buf[kSmall];
                    std::size_t cnt = 0;
                    const bool lo = op == SegOp::min_k;
                    for (std::size_t j = 0; j < len; ++j) {
                        double v = seg[j];
                        if (cnt == m && !(lo ? v < buf[m - 1] : v > buf[m - 1])) continue;
                        std::size_t p = cnt < m ? cnt++ : m - 1;
                        for (; p > 0 && (lo ? buf[p - 1] > v : buf[p - 1] < v); --p) buf[p] = buf[p - 1];
                        buf[p] = v;
                    }
                    double s = 0;
                    for (std::size_t j = 0; j < m; ++j) s += buf[j];
                    out[i] = s / static_cast<double>(m);
                    return;
                }
                if (len <= kSmall) {  // short segments (typical documents' token counts are not, but
                    double buf[kSmall];  // batches of sentences are): insertion sort on the stack
                    for (std::size_t j = 0; j < len; ++j) {
                        double v = seg[j];
                        std::size_t p = j;
                        for (; p > 0 && buf[p - 1] > v; --p) buf[p] = buf[p - 1];
                        buf[p] = v;
                    }
                    double s = 0;
                    if (op == SegOp::min_k) for (std::size_t j = 0; j < m; ++j) s += buf[j];
                    else for (std::size_t j = len - m; j < len; ++j) s += buf[j];
                    out[i] = s / static_cast<double>(m);
                    return;
                }
                scratch.assign(seg, seg + len);
                if (m < len) {
                    if (op == SegOp::min_k) std::nth_element(scratch.begin(), scratch.begin() + (m - 1), scratch.end());
                    else std::nth_element(scratch.begin(), scratch.begin() + (m - 1), scratch.end(), std::greater<double>());
                }
                double s = 0;
                for (std::size_t j = 0; j < m; ++j) s += scratch[j];
                out[i] = s / static_cast<double>(m);
                return;
            }
        }
    });
}

template <class T>
void segment_quantiles(const T* values, const i64* offsets, std::size_t n, const double* qs, std::size_t nq, double* out) {
    for (std::size_t j = 0; j < nq; ++j) {
        SEENIT_CHECK(qs[j] >= 0 && qs[j] <= 1, std::invalid_argument, "q[", j, "] must be in [0, 1], got ", qs[j]);
    }
    for_segments(values, offsets, n, [&](std::size_t i, const T* seg, std::size_t len, std::vector<double>& scratch) {
        double* o = out + i * nq;
        if (!len) {
            std::fill(o, o + nq, kNaN);
            return;
        }
        scratch.assign(seg, seg + len);
        std::sort(scratch.begin(), scratch.end());
        for (std::size_t j = 0; j < nq; ++j) {
            double pos = qs[j] * static_cast<double>(len - 1);
            auto lo = static_cast<std::size_t>(std::floor(pos));
            double frac = pos - static_cast<double>(lo);
            double a = scratch[lo];
            if (frac == 0 || lo + 1 >= len) {
                o[j] = a;
            } else {
                double b = scratch[lo + 1];
                o[j] = a + (b - a) * frac;
            }
        }
    });
}

template void segment_reduce<float>(const float*, const i64*, std::size_t, SegOp, double, double*);
template void segment_reduce<double>(const double*, const i64*, std::size_t, SegOp, double, double*);
template void segment_quantiles<float>(const float*, const i64*, std::size_t, const double*, std::size_t, double*);
template void segment_quantiles<double>(const double*, const i64*, std::size_t, const double*, std::size_t, double*);

}  // namespace seenit
