// The int8 first pass of topk: the scans. Each computes integer dot products of the
// quantised queries and database rows (topk_quantize.cpp), turns them into approximate
// scores, and re-scores exactly (canonical float32 dot) every pair whose approximate
// score, raised by the proven bound (topk_quant.hpp), reaches the query's current k-th
// best key; all other pairs provably cannot enter the top-k, so the result equals the
// float32 scan. Kernels: AVX2 maddubs tiles; AVX-512 VNNI panels; AMX tiles
// (topk_amx.cpp). maddubs needs one unsigned operand, hence U = Q + 64 with |Q|, |X| <= 63
// on the AVX2 path: two maddubs results add without overflowing int16 (topk_quant.hpp).
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "topk_quant.hpp"

namespace seenit::topk_detail {

#if SEENIT_TOPK_X86

namespace {

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
constexpr std::size_t kVnniQ = 12;  // 12 queries x 2 panels: 24 zmm accumulators

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

}  // namespace

// The VNNI scan of queries [qb, qe) x rows [rb, re).
__attribute__((target("avx512f,avx512bw,avx512vnni,avx512dq,avx2,fma"))) std::size_t scan_int8_vnni(
    Metric m, const Queries& Q, const QuantQueries& QQ, const QuantBlock& X, std::size_t qb, std::size_t qe,
    const Block& B, std::size_t rb, std::size_t re, Heaps& heaps, const float* E) {
    const std::size_t dp = QQ.dp;
    std::size_t rescored = 0;
    __m512i dots[2 * kVnniQ];
    const __m512 c = _mm512_set1_ps(X.key_mul);
    // panels covering [rb, re), two at a time (the packed block is padded to an even panel count)
    const std::size_t pb = rb / kPanel / 2 * 2, pe = (re + kPanel - 1) / kPanel;
    for (std::size_t p = pb; p < pe; p += 2) {
        const std::int8_t* panel = X.P.data() + p * kPanel * dp;
        const PanelPair pp = panel_pair(X, p * kPanel, rb, re);
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
                const __m512 sq = _mm512_set1_ps(QQ.s[i + j]);
                rescored += offer_candidates(m, Q, B, pp, i + j, approx_scores(dots[2 * j], pp.off0, sq, pp.xs0, c, pp.xa0),
                                             approx_scores(dots[2 * j + 1], pp.off1, sq, pp.xs1, c, pp.xa1), E[i + j - qb], heaps);
            }
        }
    }
    return rescored;
}

__attribute__((target("avx2,fma"))) std::size_t scan_int8(Metric m, const Queries& Q, const QuantQueries& QQ,
                                                          const QuantBlock& X, std::size_t qb, std::size_t qe,
                                                          const Block& B, std::size_t rb, std::size_t re, Heaps& heaps) {
    const std::size_t dp = QQ.dp;
    const std::vector<float> E = bounds_for(m, Q, QQ, X, qb, qe);
    if (X.panels) {
        if (amx_available()) return scan_int8_amx(m, Q, QQ, X, qb, qe, B, rb, re, heaps, E.data());
        return scan_int8_vnni(m, Q, QQ, X, qb, qe, B, rb, re, heaps, E.data());
    }
    std::size_t rescored = 0;
    auto limit = [&](std::size_t i) { return candidate_limit(Q, heaps, i, E[i - qb]); };
    const __m256 c = _mm256_set1_ps(X.key_mul);
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
                const __m128 xs4 = _mm_loadu_ps(X.s.data() + r), xa4 = _mm_loadu_ps(X.xa.data() + r);
                const __m256 xs = _mm256_set_m128(xs4, xs4), xa = _mm256_set_m128(xa4, xa4);
                for (std::size_t i = q0; i < q1; i += 2) {
                    const std::size_t i1 = std::min(i + 1, q1 - 1);  // odd tail: query i twice
                    const __m256i dots = _mm256_sub_epi32(tile_2x4(QQ.U.data() + i * dp, QQ.U.data() + i1 * dp, xr, dp), off);
                    const __m256 scale = _mm256_mul_ps(_mm256_set_m128(_mm_set1_ps(QQ.s[i1]), _mm_set1_ps(QQ.s[i])), xs);
                    // partial approximate keys (topk_quant.hpp): c * approx - x.x
                    const __m256 approx = _mm256_sub_ps(_mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(dots), scale), c), xa);
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

#else  // not x86: unreachable (the int8 pass needs SIMD)

std::size_t scan_int8(Metric, const Queries&, const QuantQueries&, const QuantBlock&, std::size_t, std::size_t,
                      const Block&, std::size_t, std::size_t, Heaps&) {
    throw std::logic_error("the int8 first pass needs an x86-64 CPU");
}

#endif  // SEENIT_TOPK_X86

}  // namespace seenit::topk_detail
