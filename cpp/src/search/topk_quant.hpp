// The int8 first pass of topk, shared by its files: the quantised queries and database
// block, the panel layout of the VNNI/AMX kernels, and the exact re-score. Internal.
//
// Bound: with q = s_q Q + e_q and x~ = s_x X + e_x (x~ = x for ip, x * inv_norm(x) for
// cosine), |q.x~ - s_q s_x Q.X| <= |e_q||x~| + s_q|Q||e_x| (Cauchy-Schwarz), and the
// float32 key differs from q.x~ by at most (d + 16) u |q||x~| (u = 2^-24), doubled
// for margin, which also covers rounding in the approximate score itself. The error
// terms are computed with relative error below 1e-5, covered by a 0.1% margin on the
// whole bound. Queries are stored as U = Q + b in [1, 2L + 1] (b = L + 1; the unsigned
// operand of maddubs / vpdpbusd / tdpbusd) and U.X = Q.X + b sum(X). Levels: L = 63 for
// the AVX2 kernel, whose two maddubs int16 sums must not saturate; L = 127 for VNNI and
// AMX, which add into int32 directly. The int32 sums wrap, so U.X - b sum(X) is Q.X
// exactly while |Q.X| <= 127^2 d < 2^31 (d <= 133,143); rows wider than kMaxInt8Dim take
// the float32 kernel. Twice the levels halve the bound E.
//
// l2: the key is -max((q.q + x.x) - 2 q.x, 0). The kernels compare the partial approximate
// key c * approx - x.x (c = 2; c = 1 and x.x = 0 for ip and cosine, where it is the
// approximate dot itself) with threshold - E + q.q, where E = 2 E_dot + 24 u (q.q + max x.x)
// covers twice the dot's error and the float32 rounding of the sums on both sides.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "topk_dot.hpp"
#include "topk_scan.hpp"

namespace seenit::topk_detail {

constexpr std::size_t kMaxInt8Dim = 65536;  // widest rows the int8 pass takes (int32 dots)
constexpr double kU = 1.0 / 16777216.0;     // float32 unit roundoff
constexpr std::size_t kPanel = 16;          // rows per panel (one zmm of int32 dots)
constexpr std::size_t kQueryPad = 32;       // zero rows after the queries: AMX loads 32 at a time

inline std::size_t padded(std::size_t d) { return (d + 63) / 64 * 64; }

// L: quantised values lie in [-L, L] (see above); the same for queries and rows.
inline int quant_levels() { return vnni_available() ? 127 : 63; }

// The scale s = max|x| / L of a row, shared by every quantiser (AVX2 tiles, VNNI and AMX
// panels). A scale below FLT_MIN (max|x| under ~L * 1.2e-38: subnormal, or all-subnormal
// bfloat16 rows) would have a reciprocal that overflows float32, turning x / s into inf or
// NaN and the codes into garbage; such a row (and, defensively, a NaN or infinite scale)
// quantises to all zeros with s = 0. The bound stays valid: Q = 0 gives e = |x| and
// s |Q| = 0, so the row's every pair is tested against its exact float32 key instead.
inline float quant_scale(float maxabs, int levels) {
    const float s = maxabs / static_cast<float>(levels);
    return s >= std::numeric_limits<float>::min() && s <= std::numeric_limits<float>::max() ? s : 0.0f;
}

struct QuantQueries {
    std::size_t dp = 0;     // padded row length in bytes (multiple of 64)
    std::vector<u8> U;      // (n + kQueryPad) x dp
    std::vector<float> s;   // scale
    std::vector<double> e;  // |e_q|
    std::vector<double> sQ; // s_q |Q|
    std::vector<double> norm;
};

// Rows of a database block as int8. With VNNI or AMX they are packed in panels of 16
// rows, each int32 lane holding four consecutive bytes of one row: row r, bytes
// 4g..4g+3 at P[(r / 16) * 16 * dp + 64 g + 4 (r % 16)], which is also the layout of an
// AMX B tile (16 groups of four bytes x 16 rows). Otherwise X holds plain rows.
struct QuantBlock {
    std::size_t dp = 0;
    bool panels = false;
    std::vector<std::int8_t> X;  // rows x dp (AVX2 path)
    std::vector<std::int8_t> P;  // panels, padded to an even panel count (zeros)
    std::vector<float> s;        // scale (padded like P)
    std::vector<int> sum;        // (L + 1) * sum(X) (padded like P)
    std::vector<float> xa;       // l2: x.x of each row, else 0 (padded like P)
    float key_mul = 1.0f;        // c: 2 for l2, else 1
    std::vector<double> norm, err;
    double max_norm = 0, max_err = 0, max_xa = 0;
};

// Per-query bound for queries [qb, qe) over a block: E[i - qb].
std::vector<float> bounds_for(Metric m, const Queries& Q, const QuantQueries& QQ, const QuantBlock& X, std::size_t qb,
                              std::size_t qe);

// The threshold a candidate's partial approximate key must reach (see above).
inline float candidate_limit(const Queries& Q, const Heaps& heaps, std::size_t qi, float E) {
    return heaps.threshold(qi) - E + (Q.aux.empty() ? 0.0f : Q.aux[qi]);
}

#if SEENIT_TOPK_X86
inline void offer_exact(Metric m, const Queries& Q, const Block& B, std::size_t qi, std::size_t r, Heaps& heaps) {
    const float dot = dot_avx2(Q.q + qi * Q.d, B.x + r * Q.d, Q.d);
    const float key = key_of(m, dot, Q.aux.empty() ? 0.0f : Q.aux[qi], B.aux ? B.aux[r] : 0.0f);
    if (key >= heaps.threshold(qi)) heaps.push(qi, key, B.id0 + static_cast<i64>(r));
}

#endif

// Lanes of panel rows [base, base + 16) inside [rb, re), as a 16-bit mask.
inline unsigned panel_lane_mask(std::size_t base, std::size_t rb, std::size_t re) {
    unsigned mk = 0xFFFFu;
    if (base < rb) mk &= rb - base >= kPanel ? 0u : (0xFFFFu << (rb - base)) & 0xFFFFu;
    if (base + kPanel > re) mk &= re <= base ? 0u : 0xFFFFu >> (base + kPanel - re);
    return mk;
}

#if SEENIT_TOPK_X86
// What the panel kernels' candidate test needs of a panel pair (rows r0 .. r0 + 32).
struct PanelPair {
    __m512i off0, off1;  // (L + 1) sum(X) of each panel's rows
    __m512 xs0, xs1;     // s_x
    __m512 xa0, xa1;     // l2: x.x, else 0
    unsigned m0, m1;     // lanes inside [rb, re)
    std::size_t r0;
};

__attribute__((target("avx512f,avx512bw,avx512dq,avx2,fma"))) inline PanelPair panel_pair(const QuantBlock& X, std::size_t r0,
                                                                                        std::size_t rb, std::size_t re) {
    return PanelPair{_mm512_loadu_si512(X.sum.data() + r0), _mm512_loadu_si512(X.sum.data() + r0 + kPanel),
                     _mm512_loadu_ps(X.s.data() + r0), _mm512_loadu_ps(X.s.data() + r0 + kPanel),
                     _mm512_loadu_ps(X.xa.data() + r0), _mm512_loadu_ps(X.xa.data() + r0 + kPanel),
                     panel_lane_mask(r0, rb, re), panel_lane_mask(r0 + kPanel, rb, re), r0};
}

// The partial approximate keys of one panel's 16 rows: c * (float)(dot - (L + 1) sum(X)) * (s_q * s_x) - x.x
// (for ip and cosine c = 1 and x.x = 0: exactly the approximate dot).
__attribute__((target("avx512f,avx512bw,avx512dq,avx2,fma"))) inline __m512 approx_scores(__m512i dots, __m512i off, __m512 sq,
                                                                                        __m512 xs, __m512 c, __m512 xa) {
    const __m512 approx = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(dots, off)), _mm512_mul_ps(sq, xs));
    return _mm512_sub_ps(_mm512_mul_ps(approx, c), xa);
}

// The candidate test of the panel kernels for query qi against a panel pair, given the
// pair's partial approximate keys a0, a1 (approx_scores, the AVX2 scan's operations): rows
// whose key reaches candidate_limit are re-scored exactly and offered; `floor` may raise
// that limit (see scan_int8_amx). Returns the pairs re-scored.
__attribute__((target("avx512f,avx512bw,avx512dq,avx2,fma"))) inline std::size_t offer_candidates(
    Metric m, const Queries& Q, const Block& B, const PanelPair& pp, std::size_t qi, __m512 a0, __m512 a1, float E,
    Heaps& heaps, float floor = -INFINITY) {
    const __m512 lim = _mm512_set1_ps(std::max(candidate_limit(Q, heaps, qi, E), floor));
    unsigned mask = (_mm512_cmp_ps_mask(a0, lim, _CMP_GE_OQ) & pp.m0) | ((_mm512_cmp_ps_mask(a1, lim, _CMP_GE_OQ) & pp.m1) << 16);
    if (!mask) return 0;
    // the candidates' exact dots together (independent FMA chains), then offered in row order
    std::size_t rows[32];
    const float* ptr[32];
    float dot[32];
    std::size_t n = 0;
    for (; mask; mask &= mask - 1, ++n) {
        rows[n] = pp.r0 + static_cast<std::size_t>(__builtin_ctz(mask));
        ptr[n] = B.x + rows[n] * Q.d;
    }
    dots_many_avx2(Q.q + qi * Q.d, ptr, n, Q.d, dot);
    for (std::size_t j = 0; j < n; ++j) {
        const float key = key_of(m, dot[j], Q.aux.empty() ? 0.0f : Q.aux[qi], B.aux ? B.aux[rows[j]] : 0.0f);
        if (key >= heaps.threshold(qi)) heaps.push(qi, key, B.id0 + static_cast<i64>(rows[j]));
    }
    return n;
}

// Scans of queries [qb, qe) x block rows [rb, re) over the panels; both return the pairs
// re-scored and give the same candidates (the same integer dots and float operations).
std::size_t scan_int8_vnni(Metric m, const Queries& Q, const QuantQueries& QQ, const QuantBlock& X, std::size_t qb,
                           std::size_t qe, const Block& B, std::size_t rb, std::size_t re, Heaps& heaps, const float* E);
std::size_t scan_int8_amx(Metric m, const Queries& Q, const QuantQueries& QQ, const QuantBlock& X, std::size_t qb,
                          std::size_t qe, const Block& B, std::size_t rb, std::size_t re, Heaps& heaps, const float* E);
#endif  // SEENIT_TOPK_X86

}  // namespace seenit::topk_detail
