// Ragged segment reductions (see segments.hpp). min-k% / max-k% keep the m <= 8 extreme values in a
// register-resident sorted buffer updated by a branch-free compare-exchange chain (the common case:
// per-document token log-probs with small k); larger m sort short segments on the stack or use
// nth_element on a per-thread copy, so the input is never modified and memory stays O(longest segment)
// per thread. The per-value NaN check is folded into the same loop for min-k / max-k.
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
// body returns true when it found a NaN itself; with kPrecheck the values are checked before body runs.
template <bool kPrecheck, class T, class Body>
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
            if constexpr (kPrecheck) {
                for (std::size_t j = 0; j < len; ++j) nan |= std::isnan(seg[j]);
                if (!nan) nan = body(i, seg, len, scratch);
            } else {
                nan = body(i, seg, len, scratch);
            }
            if (nan && (bad < 0 || static_cast<i64>(i) < bad)) bad = static_cast<i64>(i);
        }
    }, nt);
    i64 first = -1;
    for (i64 v : first_nan)
        if (v >= 0 && (first < 0 || v < first)) first = v;
    SEENIT_CHECK(first < 0, std::invalid_argument, "values contains NaN in segment ", first,
                 " (values[", offsets[first], ":", offsets[first + 1], "])");
}

// Mean of the m lowest (kLo) or highest values of seg, 1 <= m <= kCap <= len, in one pass: buf holds the
// kCap most extreme values seen so far, sorted (ascending for kLo), and each value runs down a branch-free
// compare-exchange chain (min/max, no data-dependent branches). Sums in sorted order, as a sort would.
// Sets nan when seg holds a NaN (the result is then meaningless).
template <int kCap, bool kLo, class T>
inline double extreme_k_mean(const T* seg, std::size_t len, std::size_t m, bool& nan) {
    constexpr double kInit = kLo ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
    double buf[kCap];
    for (int j = 0; j < kCap; ++j) buf[j] = kInit;
    bool bad = false;
    for (std::size_t i = 0; i < len; ++i) {
        double v = static_cast<double>(seg[i]);
        bad |= v != v;
        for (int j = 0; j < kCap; ++j) {
            const double keep = kLo ? std::min(buf[j], v) : std::max(buf[j], v);
            v = kLo ? std::max(buf[j], v) : std::min(buf[j], v);
            buf[j] = keep;
        }
    }
    nan = bad;
    double s = buf[0];
    for (std::size_t j = 1; j < m; ++j) s += buf[j];
    return s / static_cast<double>(m);
}

std::size_t k_count(double k, std::size_t len) {
    auto m = static_cast<std::size_t>(std::floor(k * static_cast<double>(len)));
    return std::max<std::size_t>(1, std::min(m, len));
}

// Mean of the m lowest (lo) or highest values for m > 8: insertion sort on the stack for short
// segments, else nth_element on the per-thread scratch copy.
template <class T>
double sorted_k_mean(const T* seg, std::size_t len, std::size_t m, bool lo, std::vector<double>& scratch) {
    if (len <= kSmall) {
        double buf[kSmall];
        for (std::size_t j = 0; j < len; ++j) {
            double v = seg[j];
            std::size_t p = j;
            for (; p > 0 && buf[p - 1] > v; --p) buf[p] = buf[p - 1];
            buf[p] = v;
        }
        double s = 0;
        if (lo) for (std::size_t j = 0; j < m; ++j) s += buf[j];
        else for (std::size_t j = len; j-- > len - m;) s += buf[j];
        return s / static_cast<double>(m);
    }
    scratch.assign(seg, seg + len);
    if (m < len) {
        if (lo) std::nth_element(scratch.begin(), scratch.begin() + (m - 1), scratch.end());
        else std::nth_element(scratch.begin(), scratch.begin() + (m - 1), scratch.end(), std::greater<double>());
    }
    double s = 0;
    for (std::size_t j = 0; j < m; ++j) s += scratch[j];
    return s / static_cast<double>(m);
}

}  // namespace

template <class T>
void segment_reduce(const T* values, const i64* offsets, std::size_t n, SegOp op, double k, double* out) {
    if (op == SegOp::min_k || op == SegOp::max_k) {
        SEENIT_CHECK(k > 0 && k <= 1, std::invalid_argument, "k must be a fraction in (0, 1], got ", k);
    }
    if (op == SegOp::min_k || op == SegOp::max_k) {
        const bool lo = op == SegOp::min_k;
        for_segments<false>(values, offsets, n, [&](std::size_t i, const T* seg, std::size_t len, std::vector<double>& scratch) {
            if (!len) { out[i] = kNaN; return false; }
            const std::size_t m = k_count(k, len);
            bool nan = false;
            if (m == 1) {  // the minimum / maximum
                double v = seg[0];
                for (std::size_t j = 0; j < len; ++j) {
                    nan |= std::isnan(seg[j]);
                    v = lo ? std::min<double>(v, seg[j]) : std::max<double>(v, seg[j]);
                }
                out[i] = v;
            } else if (m <= 4) {
                out[i] = lo ? extreme_k_mean<4, true>(seg, len, m, nan) : extreme_k_mean<4, false>(seg, len, m, nan);
            } else if (m <= 8) {
                out[i] = lo ? extreme_k_mean<8, true>(seg, len, m, nan) : extreme_k_mean<8, false>(seg, len, m, nan);
            } else {
                for (std::size_t j = 0; j < len; ++j) nan |= std::isnan(seg[j]);
                if (!nan) out[i] = sorted_k_mean(seg, len, m, lo, scratch);
            }
            return nan;
        });
        return;
    }
    for_segments<true>(values, offsets, n, [&](std::size_t i, const T* seg, std::size_t len, std::vector<double>&) {
        switch (op) {
            case SegOp::count: out[i] = static_cast<double>(len); break;
            case SegOp::sum:
            case SegOp::mean: {
                double s = 0;
                for (std::size_t j = 0; j < len; ++j) s += seg[j];
                out[i] = op == SegOp::sum ? s : (len ? s / static_cast<double>(len) : kNaN);
                break;
            }
            case SegOp::min:
            case SegOp::max: {
                if (!len) { out[i] = kNaN; break; }
                double v = seg[0];
                for (std::size_t j = 1; j < len; ++j) v = op == SegOp::min ? std::min<double>(v, seg[j]) : std::max<double>(v, seg[j]);
                out[i] = v;
                break;
            }
            default: break;
        }
        return false;
    });
}

template <class T>
void segment_quantiles(const T* values, const i64* offsets, std::size_t n, const double* qs, std::size_t nq, double* out) {
    for (std::size_t j = 0; j < nq; ++j) {
        SEENIT_CHECK(qs[j] >= 0 && qs[j] <= 1, std::invalid_argument, "q[", j, "] must be in [0, 1], got ", qs[j]);
    }
    for_segments<true>(values, offsets, n, [&](std::size_t i, const T* seg, std::size_t len, std::vector<double>& scratch) {
        double* o = out + i * nq;
        if (!len) {
            std::fill(o, o + nq, kNaN);
            return false;
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
        return false;
    });
}

template void segment_reduce<float>(const float*, const i64*, std::size_t, SegOp, double, double*);
template void segment_reduce<double>(const double*, const i64*, std::size_t, SegOp, double, double*);
template void segment_quantiles<float>(const float*, const i64*, std::size_t, const double*, std::size_t, double*);
template void segment_quantiles<double>(const double*, const i64*, std::size_t, const double*, std::size_t, double*);

}  // namespace seenit
