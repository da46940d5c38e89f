// The int8 first pass of topk: 6-bit symmetric quantisation of queries and database
// rows (per-row scale), integer dot products with AVX2 maddubs, and a proven error
// bound. A pair is re-scored exactly (canonical float32 dot) whenever its approximate
// score, raised by the bound, reaches the query's current k-th best exact key; all
// other pairs provably cannot enter the top-k, so the result equals the float32 scan.
//
// Bound: with q = s_q Q + e_q and x~ = s_x X + e_x (x~ = x for ip, x * inv_norm(x) for
// cosine), |q.x~ - s_q s_x Q.X| <= |e_q||x~| + s_q|Q||e_x| (Cauchy-Schwarz), and the
// float32 key differs from q.x~ by at most (d + 16) u |q||x~| (u = 2^-24), doubled
// here for margin, which also covers rounding in the approximate score itself.
// maddubs needs one unsigned operand: queries are stored as U = Q + 64 in [1, 127]
// and U.X = Q.X + 64 sum(X); with |Q|, |X| <= 63 two maddubs results add without
// overflowing int16.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "topk_dot.hpp"
#include "seenit/parallel.hpp"
#include "topk_scan.hpp"

namespace seenit::topk_detail {

struct QuantQueries {
    std::size_t dp = 0;     // padded row length in bytes (multiple of 64)
    std::vector<u8> U;      // n x dp
    std::vector<float> s;   // scale
    std::vector<double> e;  // |e_q|
    std::vector<double> sQ; // s_q |Q|
    std::vector<double> norm;
};

struct QuantBlock {
    std::size_t dp = 0;
    std::vector<std::int8_t> X;  // rows x dp
    std::vector<std::int8_t> P;  // VNNI only: panels of 16 rows, 4-byte groups interleaved (padded, zeros)
    std::vector<float> s;        // (s and sum padded to the panels' rows on the VNNI path)
    std::vector<int> sum;        // 64 * sum(X)
    std::vector<double> norm, err;
    double max_norm = 0, max_err = 0;
};

void QuantQueriesDeleter::operator()(QuantQueries* p) const { delete p; }
void QuantBlockDeleter::operator()(QuantBlock* p) const { delete p; }

namespace {

constexpr int kLevels = 63;
constexpr double kU = 1.0 / 16777216.0;

inline std::size_t padded(std::size_t d) { return (d + 63) / 64 * 64; }

// Quantises v[0..d) * scale_mul to ints in [-63, 63] (round half to even); returns the
// scale s and the error terms of the bound: err = |x - s Q|, qnorm = s |Q|, norm = |x|, in
// double (summed in four lanes: any order is within the bound's 0.1% margin).
__attribute__((target("avx2,fma"))) inline float quantize_row_avx2(const float* v, std::size_t d, float scale_mul,
                                                                   int* out, double& err, double& qnorm, double& norm) {
    const __m256 mul = _mm256_set1_ps(scale_mul), absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    __m256 mx = _mm256_setzero_ps();
    std::size_t k = 0;
    for (; k + 8 <= d; k += 8) mx = _mm256_max_ps(mx, _mm256_and_ps(_mm256_mul_ps(_mm256_loadu_ps(v + k), mul), absmask));
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, mx);
    float maxabs = 0.0f;
    for (float l : lanes) maxabs = l > maxabs ? l : maxabs;
    for (std::size_t t = k; t < d; ++t) {
        const float a = std::fabs(v[t] * scale_mul);
        maxabs = a > maxabs ? a : maxabs;
    }
    const float s = maxabs / static_cast<float>(kLevels);
    const float inv = s > 0.0f ? 1.0f / s : 0.0f;
    const __m256 vinv = _mm256_set1_ps(inv), lo = _mm256_set1_ps(-kLevels), hi = _mm256_set1_ps(kLevels);
    const __m256d sd = _mm256_set1_pd(static_cast<double>(s));
    __m256d e2 = _mm256_setzero_pd(), q2 = e2, n2 = e2;
    k = 0;
    for (; k + 8 <= d; k += 8) {
        const __m256 x = _mm256_mul_ps(_mm256_loadu_ps(v + k), mul);
        const __m256 qf = _mm256_min_ps(hi, _mm256_max_ps(lo, _mm256_round_ps(_mm256_mul_ps(x, vinv),
                                                                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
        const __m256i qi = _mm256_cvtps_epi32(qf);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + k), qi);
        for (int h = 0; h < 2; ++h) {
            const __m256d xd = _mm256_cvtps_pd(h ? _mm256_extractf128_ps(x, 1) : _mm256_castps256_ps128(x));
            const __m256d qd = _mm256_cvtepi32_pd(h ? _mm256_extracti128_si256(qi, 1) : _mm256_castsi256_si128(qi));
            const __m256d ek = _mm256_sub_pd(xd, _mm256_mul_pd(sd, qd));
            e2 = _mm256_add_pd(e2, _mm256_mul_pd(ek, ek));
            q2 = _mm256_add_pd(q2, _mm256_mul_pd(qd, qd));
            n2 = _mm256_add_pd(n2, _mm256_mul_pd(xd, xd));
        }
    }
    alignas(32) double a[4], b[4], c[4];
    _mm256_store_pd(a, e2);
    _mm256_store_pd(b, q2);
    _mm256_store_pd(c, n2);
    double se = (a[0] + a[1]) + (a[2] + a[3]), sq = (b[0] + b[1]) + (b[2] + b[3]), sn = (c[0] + c[1]) + (c[2] + c[3]);
    for (; k < d; ++k) {
        const float x = v[k] * scale_mul;
        const int qv = std::clamp(static_cast<int>(std::nearbyint(x * inv)), -kLevels, kLevels);
        out[k] = qv;
        const double ek = static_cast<double>(x) - static_cast<double>(s) * qv;
        se += ek * ek;
        sq += static_cast<double>(qv) * qv;
        sn += static_cast<double>(x) * x;
    }
    err = std::sqrt(se);
    qnorm = static_cast<double>(s) * std::sqrt(sq);
    norm = std::sqrt(sn);
    return s;
}

__attribute__((target("avx2,fma"))) inline __m256i hsum8(__m256i v0, __m256i v1, __m256i v2, __m256i v3, __m256i v4,
                                                         __m256i v5, __m256i v6, __m256i v7) {
    __m256i h12 = _mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3));
    __m256i h34 = _mm256_hadd_epi32(_mm256_hadd_epi32(v4, v5), _mm256_hadd_epi32(v6, v7));
    return _mm256_add_epi32(_mm256_permute2x128_si256(h12, h34, 0x20), _mm256_permute2x128_si256(h12, h34, 0x31));
}

// Integer dots of 2 query rows (u0, u1) with 4 database rows; lanes [q0r0..q0r3, q1r0..q1r3].
__attribute__((target("avx2,fma"))) inline __m256i tile_2x4(const u8* u0, const u8* u1, const std::int8_t* x,
                                                            std::size_t dp) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i a[8];
    for (auto& v : a) v = _mm256_setzero_si256();
    for (std::size_t k = 0; k < dp; k += 64) {
        const __m256i q0l = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u0 + k));
        const __m256i q0h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u0 + k + 32));
        const __m256i q1l = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u1 + k));
        const __m256i q1h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u1 + k + 32));
#pragma GCC unroll 4
        for (int r = 0; r < 4; ++r) {
            const __m256i xl = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + r * dp + k));
            const __m256i xh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + r * dp + k + 32));
            __m256i s0 = _mm256_add_epi16(_mm256_maddubs_epi16(q0l, xl), _mm256_maddubs_epi16(q0h, xh));
            __m256i s1 = _mm256_add_epi16(_mm256_maddubs_epi16(q1l, xl), _mm256_maddubs_epi16(q1h, xh));
            a[r] = _mm256_add_epi32(a[r], _mm256_madd_epi16(s0, ones));
            a[4 + r] = _mm256_add_epi32(a[4 + r], _mm256_madd_epi16(s1, ones));
        }
    }
    return hsum8(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
}

// ---- AVX-512 VNNI: vpdpbusd multiplies four unsigned query bytes by four signed database
// bytes and adds them into an int32 lane. With the database block packed in panels of 16
// rows (each int32 lane holds four consecutive bytes of one row), one instruction advances
// 16 (query, row) dot products by four elements, and a register ends up holding the 16
// integer dots of a query with a panel: no horizontal sums. Integer sums are exact, so the
// dots equal the AVX2 tile's and the candidates follow the same bound.
constexpr std::size_t kPanel = 16, kVnniQ = 12;  // 12 queries x 2 panels: 24 zmm accumulators

template <std::size_t NQ>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) inline void tile_vnni(const u8* u, std::size_t dp,
                                                                              const std::int8_t* p0, __m512i* out) {
    __m512i a0[NQ], a1[NQ];
#pragma GCC unroll 12
    for (std::size_t i = 0; i < NQ; ++i) a0[i] = a1[i] = _mm512_setzero_si512();
    const std::int8_t* p1 = p0 + kPanel * dp;
    for (std::size_t k = 0; k < dp; k += 4) {
        const __m512i x0 = _mm512_loadu_si512(p0 + k * kPanel);
        const __m512i x1 = _mm512_loadu_si512(p1 + k * kPanel);
#pragma GCC unroll 12
        for (std::size_t i = 0; i < NQ; ++i) {
            std::int32_t w;
            std::memcpy(&w, u + i * dp + k, 4);
            const __m512i qv = _mm512_set1_epi32(w);
            a0[i] = _mm512_dpbusd_epi32(a0[i], qv, x0);
            a1[i] = _mm512_dpbusd_epi32(a1[i], qv, x1);
        }
    }
#pragma GCC unroll 12
    for (std::size_t i = 0; i < NQ; ++i) {
        out[2 * i] = a0[i];
        out[2 * i + 1] = a1[i];
    }
}

inline void offer_exact(Metric m, const Queries& Q, const Block& B, std::size_t qi, std::size_t r, Heaps& heaps) {
    const float dot = dot_avx2(Q.q + qi * Q.d, B.x + r * Q.d, Q.d);
    const float key = key_of(m, dot, 0.0f, B.aux ? B.aux[r] : 0.0f);
    if (key >= heaps.threshold(qi)) heaps.push(qi, key, B.id0 + static_cast<i64>(r));
}

}  // namespace

// The VNNI scan of queries [qb, qe) x rows [rb, re): the same bound and the same integer
// dots as the AVX2 scan, then the exact re-score. Returns the pairs re-scored.
__attribute__((target("avx512f,avx512bw,avx512vnni,avx512dq,avx2,fma"))) std::size_t scan_int8_vnni(
    Metric m, const Queries& Q, const QuantQueries& QQ, const QuantBlock& X, std::size_t qb, std::size_t qe,
    const Block& B, std::size_t rb, std::size_t re, Heaps& heaps, const float* E) {
    const std::size_t dp = QQ.dp;
    std::size_t rescored = 0;
    __m512i dots[2 * kVnniQ];
    // panels covering [rb, re), two at a time (the packed block is padded to an even panel count)
    const std::size_t pb = rb / kPanel / 2 * 2, pe = (re + kPanel - 1) / kPanel;
    for (std::size_t p = pb; p < pe; p += 2) {
        const std::int8_t* panel = X.P.data() + p * kPanel * dp;
        const std::size_t r0 = p * kPanel;
        // lanes of rows outside [rb, re) never reach the heaps
        const auto lane_mask = [&](std::size_t base) -> unsigned {
            unsigned mk = 0xFFFFu;
            if (base < rb) mk &= rb - base >= kPanel ? 0u : (0xFFFFu << (rb - base)) & 0xFFFFu;
            if (base + kPanel > re) mk &= re <= base ? 0u : 0xFFFFu >> (base + kPanel - re);
            return mk;
        };
        const unsigned m0 = lane_mask(r0), m1 = lane_mask(r0 + kPanel);
        const __m512i off0 = _mm512_loadu_si512(X.sum.data() + r0), off1 = _mm512_loadu_si512(X.sum.data() + r0 + kPanel);
        const __m512 xs0 = _mm512_loadu_ps(X.s.data() + r0), xs1 = _mm512_loadu_ps(X.s.data() + r0 + kPanel);
        for (std::size_t i = qb; i < qe; i += kVnniQ) {
            const std::size_t nq = std::min(kVnniQ, qe - i);
            const u8* u = QQ.U.data() + i * dp;
            switch (nq) {
                case 12: tile_vnni<12>(u, dp, panel, dots); break;
                case 11: tile_vnni<11>(u, dp, panel, dots); break;
                case 10: tile_vnni<10>(u, dp, panel, dots); break;
                case 9: tile_vnni<9>(u, dp, panel, dots); break;
                case 8: tile_vnni<8>(u, dp, panel, dots); break;
                case 7: tile_vnni<7>(u, dp, panel, dots); break;
                case 6: tile_vnni<6>(u, dp, panel, dots); break;
                case 5: tile_vnni<5>(u, dp, panel, dots); break;
                case 4: tile_vnni<4>(u, dp, panel, dots); break;
                case 3: tile_vnni<3>(u, dp, panel, dots); break;
                case 2: tile_vnni<2>(u, dp, panel, dots); break;
                default: tile_vnni<1>(u, dp, panel, dots); break;
            }
            for (std::size_t j = 0; j < nq; ++j) {
                const std::size_t qi = i + j;
                const __m512 sq = _mm512_set1_ps(QQ.s[qi]);
                const __m512 lim = _mm512_set1_ps(heaps.threshold(qi) - E[qi - qb]);
                for (int h = 0; h < 2; ++h) {
                    // the AVX2 scan's operations: (float)(dot - off) * (s_q * s_x)
                    const __m512 approx = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(dots[2 * j + h], h ? off1 : off0)),
                                                        _mm512_mul_ps(sq, h ? xs1 : xs0));
                    unsigned mask = _mm512_cmp_ps_mask(approx, lim, _CMP_GE_OQ) & (h ? m1 : m0);
                    while (mask) {
                        const unsigned b = static_cast<unsigned>(__builtin_ctz(mask));
                        mask &= mask - 1;
                        offer_exact(m, Q, B, qi, r0 + h * kPanel + b, heaps);
                        ++rescored;
                    }
                }
            }
        }
    }
    return rescored;
}

QuantQueries* quantize_queries(const Queries& Q) {
    auto* QQ = new QuantQueries;
    const std::size_t d = Q.d, dp = padded(d);
    QQ->dp = dp;
    QQ->U.assign(Q.n * dp, 0);
    QQ->s.resize(Q.n);
    QQ->e.resize(Q.n);
    QQ->sQ.resize(Q.n);
    QQ->norm.resize(Q.n);
    std::vector<int> tmp(d);
    for (std::size_t i = 0; i < Q.n; ++i) {
        QQ->s[i] = quantize_row_avx2(Q.q + i * d, d, 1.0f, tmp.data(), QQ->e[i], QQ->sQ[i], QQ->norm[i]);
        for (std::size_t k = 0; k < d; ++k) QQ->U[i * dp + k] = static_cast<u8>(tmp[k] + 64);
    }
    return QQ;
}

QuantBlock* quantize_block(Metric m, const Block& B, std::size_t dp) {
    auto* X = new QuantBlock;
    const std::size_t d = B.d, nr = B.rows;
    X->dp = dp;
    X->X.assign(nr * dp, 0);
    X->s.resize(nr);
    X->sum.resize(nr);
    X->norm.resize(nr);
    X->err.resize(nr);
    parallel_for(nr, 256, [&](std::size_t b, std::size_t e, int) {
        std::vector<int> tmp(d);
        for (std::size_t r = b; r < e; ++r) {
            const float mul = m == Metric::Cosine ? B.aux[r] : 1.0f;
            double qn;
            X->s[r] = quantize_row_avx2(B.x + r * d, d, mul, tmp.data(), X->err[r], qn, X->norm[r]);
            int sum = 0;
            for (std::size_t k = 0; k < d; ++k) {
                X->X[r * dp + k] = static_cast<std::int8_t>(tmp[k]);
                sum += tmp[k];
            }
            X->sum[r] = 64 * sum;
        }
    });
    for (std::size_t r = 0; r < nr; ++r) {
        X->max_norm = std::max(X->max_norm, X->norm[r]);
        X->max_err = std::max(X->max_err, X->err[r]);
    }
    if (vnni_available()) {  // panel copy: row r, bytes 4g..4g+3 -> P[(panel * dp/4 + g) * 64 + 4 * (r % 16)]
        const std::size_t panels = (nr + 2 * kPanel - 1) / (2 * kPanel) * 2, prow = panels * kPanel;
        X->P.assign(prow * dp, 0);
        X->s.resize(prow, 0.0f);
        X->sum.resize(prow, 0);
        parallel_for(nr, 256, [&](std::size_t b, std::size_t e, int) {
            for (std::size_t r = b; r < e; ++r) {
                std::int8_t* dst = X->P.data() + (r / kPanel) * kPanel * dp + 4 * (r % kPanel);
                const std::int8_t* src = X->X.data() + r * dp;
                for (std::size_t g = 0; g < dp / 4; ++g) std::memcpy(dst + g * 4 * kPanel, src + 4 * g, 4);
            }
        });
    }
    return X;
}

std::size_t quant_row_bytes(const QuantQueries& QQ) { return QQ.dp; }

__attribute__((target("avx2,fma"))) std::size_t scan_int8(Metric m, const Queries& Q, const QuantQueries& QQ,
                                                          const QuantBlock& X, std::size_t qb, std::size_t qe,
                                                          const Block& B, std::size_t rb, std::size_t re, Heaps& heaps) {
    const std::size_t d = Q.d, dp = QQ.dp;
    // Per-query bound over this block of rows.
    std::vector<float> E(qe - qb);
    for (std::size_t i = qb; i < qe; ++i) {
        const double slack = (2.0 * static_cast<double>(d) + 48.0) * kU * (QQ.norm[i] + QQ.e[i]) * (X.max_norm + X.max_err);
        const double e = QQ.e[i] * X.max_norm + QQ.sQ[i] * X.max_err + slack + 1e-30;
        E[i - qb] = static_cast<float>(e * 1.001);
    }
    if (vnni_available()) return scan_int8_vnni(m, Q, QQ, X, qb, qe, B, rb, re, heaps, E.data());
    std::size_t rescored = 0;
    auto limit = [&](std::size_t i) { return heaps.threshold(i) - E[i - qb]; };
    const std::size_t qblock = std::max<std::size_t>(2, (256u * 1024 / dp) / 2 * 2);
    const std::size_t rblock = std::max<std::size_t>(4, (192u * 1024 / dp) / 4 * 4);
    for (std::size_t q0 = qb; q0 < qe; q0 += qblock) {
        const std::size_t q1 = std::min(qe, q0 + qblock);
        for (std::size_t s0 = rb; s0 < re; s0 += rblock) {
            const std::size_t s1 = std::min(re, s0 + rblock);
            std::size_t r = s0;
            for (; r + 4 <= s1; r += 4) {
                const std::int8_t* xr = X.X.data() + r * dp;
                const __m128i off4 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(X.sum.data() + r));
                const __m256i off = _mm256_set_m128i(off4, off4);
                const __m128 xs4 = _mm_loadu_ps(X.s.data() + r);
                const __m256 xs = _mm256_set_m128(xs4, xs4);
                for (std::size_t i = q0; i < q1; i += 2) {
                    const std::size_t i1 = std::min(i + 1, q1 - 1);  // odd tail: query i twice
                    const __m256i dots = _mm256_sub_epi32(tile_2x4(QQ.U.data() + i * dp, QQ.U.data() + i1 * dp, xr, dp), off);
                    const __m256 scale = _mm256_mul_ps(_mm256_set_m128(_mm_set1_ps(QQ.s[i1]), _mm_set1_ps(QQ.s[i])), xs);
                    const __m256 approx = _mm256_mul_ps(_mm256_cvtepi32_ps(dots), scale);
                    const float l0 = limit(i), l1 = limit(i1);
                    const __m256 lim = _mm256_setr_ps(l0, l0, l0, l0, l1, l1, l1, l1);
                    int mask = _mm256_movemask_ps(_mm256_cmp_ps(approx, lim, _CMP_GE_OQ));
                    if (i1 == i) mask &= 0x0f;
                    while (mask) {
                        const int b = __builtin_ctz(static_cast<unsigned>(mask));
                        mask &= mask - 1;
                        const std::size_t qi = b < 4 ? i : i1;
                        offer_exact(m, Q, B, qi, r + static_cast<std::size_t>(b & 3), heaps);
                        ++rescored;
                    }
                }
            }
            for (; r < s1; ++r)
                for (std::size_t i = q0; i < q1; ++i) {
                    offer_exact(m, Q, B, i, r, heaps);
                    ++rescored;
                }
        }
    }
    return rescored;
}

}  // namespace seenit::topk_detail
