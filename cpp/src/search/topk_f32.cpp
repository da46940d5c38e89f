// The float32 scan: register-tiled micro-kernels fused with the per-query heap update --
// AVX-512 (12 queries x 4 database rows, two pairs per register), AVX2+FMA (3 queries x 4
// rows, eight lanes each) -- and a portable fallback. Both compute exactly the canonical dot product of topk_dot.hpp, so the
// scores equal those of every other path bit for bit.
#include <algorithm>

#include "topk_dot.hpp"
#include "topk_scan.hpp"

namespace seenit::topk_detail {
namespace {

constexpr std::size_t kTileQ = 3, kTileR = 4;
constexpr std::size_t kL2Bytes = 192 * 1024;  // rows of a sub-block and queries of a query block fit in L2

#if SEENIT_TOPK_X86
__attribute__((target("avx2,fma"))) inline __m256 reduce8(__m256 v0, __m256 v1, __m256 v2, __m256 v3, __m256 v4,
                                                          __m256 v5, __m256 v6, __m256 v7) {
    // Lane i of the result is ((vi0+vi1)+(vi2+vi3)) + ((vi4+vi5)+(vi6+vi7)): the canonical tree.
    __m256 h12 = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
    __m256 h34 = _mm256_hadd_ps(_mm256_hadd_ps(v4, v5), _mm256_hadd_ps(v6, v7));
    __m256 lo = _mm256_permute2f128_ps(h12, h34, 0x20);
    __m256 hi = _mm256_permute2f128_ps(h12, h34, 0x31);
    return _mm256_add_ps(lo, hi);
}

__attribute__((target("avx2,fma"))) inline __m128 reduce4(__m256 v0, __m256 v1, __m256 v2, __m256 v3) {
    __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

// Dot products of 3 query rows with 4 database rows, written to out[3][4].
__attribute__((target("avx2,fma"))) void tile_3x4(const float* q0, const float* q1, const float* q2, const float* x0,
                                                  const float* x1, const float* x2, const float* x3, std::size_t d,
                                                  float* out) {
    __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a03 = a00;
    __m256 a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    __m256 a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    std::size_t k = 0;
#define SEENIT_TILE_STEP(vq0, vq1, vq2, v0, v1, v2, v3) \
    do {                                                \
        const __m256 q0v = (vq0), q1v = (vq1), q2v = (vq2); \
        __m256 xv = (v0);                               \
        a00 = _mm256_fmadd_ps(q0v, xv, a00);            \
        a10 = _mm256_fmadd_ps(q1v, xv, a10);            \
        a20 = _mm256_fmadd_ps(q2v, xv, a20);            \
        xv = (v1);                                      \
        a01 = _mm256_fmadd_ps(q0v, xv, a01);            \
        a11 = _mm256_fmadd_ps(q1v, xv, a11);            \
        a21 = _mm256_fmadd_ps(q2v, xv, a21);            \
        xv = (v2);                                      \
        a02 = _mm256_fmadd_ps(q0v, xv, a02);            \
        a12 = _mm256_fmadd_ps(q1v, xv, a12);            \
        a22 = _mm256_fmadd_ps(q2v, xv, a22);            \
        xv = (v3);                                      \
        a03 = _mm256_fmadd_ps(q0v, xv, a03);            \
        a13 = _mm256_fmadd_ps(q1v, xv, a13);            \
        a23 = _mm256_fmadd_ps(q2v, xv, a23);            \
    } while (0)
    for (; k + 8 <= d; k += 8) {
        SEENIT_TILE_STEP(_mm256_loadu_ps(q0 + k), _mm256_loadu_ps(q1 + k), _mm256_loadu_ps(q2 + k), _mm256_loadu_ps(x0 + k),
             _mm256_loadu_ps(x1 + k), _mm256_loadu_ps(x2 + k), _mm256_loadu_ps(x3 + k));
    }
    if (k < d) {
        __m256i m = tail_mask(d - k);
        SEENIT_TILE_STEP(_mm256_maskload_ps(q0 + k, m), _mm256_maskload_ps(q1 + k, m), _mm256_maskload_ps(q2 + k, m),
             _mm256_maskload_ps(x0 + k, m), _mm256_maskload_ps(x1 + k, m), _mm256_maskload_ps(x2 + k, m),
             _mm256_maskload_ps(x3 + k, m));
    }
#undef SEENIT_TILE_STEP
    _mm256_storeu_ps(out, reduce8(a00, a01, a02, a03, a10, a11, a12, a13));
    _mm_storeu_ps(out + 8, reduce4(a20, a21, a22, a23));
}

#endif  // SEENIT_TOPK_X86

template <class Sink>
inline void offer(Metric m, const Queries& Q, const Block& B, std::size_t qi, std::size_t r, float dot, Sink& sink) {
    float key = key_of(m, dot, Q.aux.empty() ? 0.0f : Q.aux[qi], B.aux ? B.aux[r] : 0.0f);
    sink.take(qi, B.id0 + static_cast<i64>(r), key);
}

#if SEENIT_TOPK_X86
template <class Sink>
__attribute__((target("avx2,fma"))) void scan_avx2(Metric m, const Queries& Q, std::size_t qb, std::size_t qe,
                                                   const Block& B, std::size_t rb, std::size_t re, Sink& heaps) {
    const std::size_t d = Q.d;
    const std::size_t row_bytes = std::max<std::size_t>(d * sizeof(float), 1);
    const std::size_t sub_rows = std::max<std::size_t>(kTileR, (kL2Bytes / row_bytes) / kTileR * kTileR);
    const std::size_t qblock = std::max<std::size_t>(kTileQ, (kL2Bytes / row_bytes) / kTileQ * kTileQ);
    float out[12];
    for (std::size_t q0 = qb; q0 < qe; q0 += qblock) {
        const std::size_t q1 = std::min(qe, q0 + qblock);
        for (std::size_t s0 = rb; s0 < re; s0 += sub_rows) {
            const std::size_t s1 = std::min(re, s0 + sub_rows);
            if (heaps.skip(q0, q1, B.id0 + static_cast<i64>(s0), B.id0 + static_cast<i64>(s1))) continue;
            std::size_t r = s0;
            for (; r + kTileR <= s1; r += kTileR) {
                const float* x = B.x + r * d;
                std::size_t qi = q0;
                for (; qi + kTileQ <= q1; qi += kTileQ) {
                    const float* qp = Q.q + qi * d;
                    tile_3x4(qp, qp + d, qp + 2 * d, x, x + d, x + 2 * d, x + 3 * d, d, out);
                    // keys of the 12 pairs in vector form (the same IEEE operations as key_of),
                    // compared with each query's current limit; only passing pairs reach the sink
                    __m256 k01 = _mm256_loadu_ps(out);
                    __m128 k2 = _mm_loadu_ps(out + 8);
                    if (m == Metric::Cosine) {
                        const __m128 inv = _mm_loadu_ps(B.aux + r);
                        k01 = _mm256_mul_ps(k01, _mm256_set_m128(inv, inv));
                        k2 = _mm_mul_ps(k2, inv);
                    } else if (m == Metric::L2) {
                        const __m128 xx = _mm_loadu_ps(B.aux + r);
                        const float* qa = Q.aux.data() + qi;
                        const __m256 qq01 = _mm256_set_m128(_mm_set1_ps(qa[1]), _mm_set1_ps(qa[0]));
                        const __m256 d01 = _mm256_sub_ps(_mm256_add_ps(qq01, _mm256_set_m128(xx, xx)),
                                                         _mm256_mul_ps(_mm256_set1_ps(2.0f), k01));
                        const __m128 d2 = _mm_sub_ps(_mm_add_ps(_mm_set1_ps(qa[2]), xx), _mm_mul_ps(_mm_set1_ps(2.0f), k2));
                        // -max(dist, 0): max(0, dist) keeps dist unless 0 > dist, like std::max(dist, 0.0f)
                        k01 = _mm256_xor_ps(_mm256_max_ps(_mm256_setzero_ps(), d01), _mm256_set1_ps(-0.0f));
                        k2 = _mm_xor_ps(_mm_max_ps(_mm_setzero_ps(), d2), _mm_set1_ps(-0.0f));
                    }
                    const float l0 = heaps.limit(qi), l1 = heaps.limit(qi + 1), l2 = heaps.limit(qi + 2);
                    const __m256 lim01 = _mm256_set_m128(_mm_set1_ps(l1), _mm_set1_ps(l0));
                    unsigned mask = static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(k01, lim01, _CMP_GE_OQ))) |
                                    (static_cast<unsigned>(_mm_movemask_ps(_mm_cmp_ps(k2, _mm_set1_ps(l2), _CMP_GE_OQ))) << 8);
                    if (mask) {
                        alignas(32) float keys[12];
                        _mm256_store_ps(keys, k01);
                        _mm_store_ps(keys + 8, k2);
                        while (mask) {
                            const unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
                            mask &= mask - 1;
                            heaps.take(qi + bit / kTileR, B.id0 + static_cast<i64>(r + bit % kTileR), keys[bit]);
                        }
                    }
                }
                for (; qi < q1; ++qi)
                    for (std::size_t b = 0; b < kTileR; ++b)
                        offer(m, Q, B, qi, r + b, dot_avx2(Q.q + qi * d, x + b * d, d), heaps);
            }
            for (; r < s1; ++r)
                for (std::size_t qi = q0; qi < q1; ++qi) offer(m, Q, B, qi, r, dot_avx2(Q.q + qi * d, B.x + r * d, d), heaps);
        }
    }
}

// ---- AVX-512: the same canonical dot products, two pairs per 512-bit register -------------
// Each zmm accumulator holds the eight canonical lanes of two (query, row) pairs: lanes
// 0-7 for query 2p, 8-15 for query 2p+1, both against the same database row. Every lane
// sees exactly the fused multiply-adds of the AVX2 kernel (same operands, same order, the
// same zero-padded tail), and the per-pair reduction below is the canonical tree, so the
// scores are bit-identical to the AVX2 path -- at twice the multiply-add width.
constexpr std::size_t kPairs = 6, kRows512 = 4;  // 12 queries x 4 rows: 24 of the 32 zmm registers

// Queries [qb, qe) packed in pairs: pair p, chunk c (8 floats) at out + (p * chunks + c) * 16,
// lanes 0-7 query qb + 2p, lanes 8-15 query qb + 2p + 1; zero past d and past qe.
inline void pack_query_pairs(const Queries& Q, std::size_t qb, std::size_t qe, std::vector<float>& out) {
    const std::size_t d = Q.d, chunks = (d + 7) / 8, pairs = (qe - qb + 1) / 2;
    out.assign(pairs * chunks * 16, 0.0f);
    for (std::size_t i = qb; i < qe; ++i) {
        const std::size_t p = (i - qb) / 2, half = (i - qb) % 2;
        const float* q = Q.q + i * d;
        for (std::size_t k = 0; k < d; ++k) out[(p * chunks + k / 8) * 16 + half * 8 + k % 8] = q[k];
    }
}

// hadd within each 128-bit lane: [a0+a1, a2+a3, b0+b1, b2+b3], exactly _mm256_hadd_ps's sums.
__attribute__((target("avx512f,avx512dq"))) inline __m512 hadd512(__m512 a, __m512 b) {
    return _mm512_add_ps(_mm512_shuffle_ps(a, b, 0x88), _mm512_shuffle_ps(a, b, 0xDD));
}

// One 8-float chunk c of 4 rows (r0..r3) into the accumulators of P query pairs.
template <std::size_t P>
__attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma"), always_inline)) inline void fma_chunk(
    __m512 (*acc)[kRows512], const float* qp, std::size_t chunks, std::size_t c, __m256 r0, __m256 r1, __m256 r2,
    __m256 r3) {
    const __m512 b0 = _mm512_broadcast_f32x8(r0), b1 = _mm512_broadcast_f32x8(r1), b2 = _mm512_broadcast_f32x8(r2),
                 b3 = _mm512_broadcast_f32x8(r3);
#pragma GCC unroll 8
    for (std::size_t p = 0; p < P; ++p) {
        const __m512 qv = _mm512_loadu_ps(qp + (p * chunks + c) * 16);
        acc[p][0] = _mm512_fmadd_ps(qv, b0, acc[p][0]);
        acc[p][1] = _mm512_fmadd_ps(qv, b1, acc[p][1]);
        acc[p][2] = _mm512_fmadd_ps(qv, b2, acc[p][2]);
        acc[p][3] = _mm512_fmadd_ps(qv, b3, acc[p][3]);
    }
}

// Dot products of P query pairs with 4 rows; out[p] = [q_a.x0..x3, q_b.x0..x3] (a = 2p, b = 2p+1).
template <std::size_t P>
__attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma"))) inline void tile_pairs_x4(
    const float* qp, std::size_t chunks, const float* x0, std::size_t d, __m256* out) {
    __m512 acc[P][kRows512];
#pragma GCC unroll 8
    for (std::size_t p = 0; p < P; ++p)
#pragma GCC unroll 4
        for (std::size_t r = 0; r < kRows512; ++r) acc[p][r] = _mm512_setzero_ps();
    const std::size_t full = d / 8;
    const float* x1 = x0 + d;
    const float* x2 = x1 + d;
    const float* x3 = x2 + d;
    for (std::size_t c = 0; c < full; ++c)
        fma_chunk<P>(acc, qp, chunks, c, _mm256_loadu_ps(x0 + 8 * c), _mm256_loadu_ps(x1 + 8 * c),
                     _mm256_loadu_ps(x2 + 8 * c), _mm256_loadu_ps(x3 + 8 * c));
    if (full < chunks) {  // zero-padded tail: both operands are 0 past d, as in the AVX2 kernel
        const __m256i m = tail_mask(d - 8 * full);
        fma_chunk<P>(acc, qp, chunks, full, _mm256_maskload_ps(x0 + 8 * full, m), _mm256_maskload_ps(x1 + 8 * full, m),
                     _mm256_maskload_ps(x2 + 8 * full, m), _mm256_maskload_ps(x3 + 8 * full, m));
    }
#pragma GCC unroll 8
    for (std::size_t p = 0; p < P; ++p) {
        // 128-bit lane L of g holds, for rows 0..3, ((s0+s1)+(s2+s3)) (L = 0, 2) or
        // ((s4+s5)+(s6+s7)) (L = 1, 3) of query a (L < 2) or b; then low + high halves.
        const __m512 g = hadd512(hadd512(acc[p][0], acc[p][1]), hadd512(acc[p][2], acc[p][3]));
        const __m512 h = _mm512_shuffle_f32x4(g, g, _MM_SHUFFLE(3, 1, 2, 0));
        out[p] = _mm256_add_ps(_mm512_castps512_ps256(h), _mm512_extractf32x8_ps(h, 1));
    }
}

template <class Sink>
__attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma"))) void scan_avx512(Metric m, const Queries& Q,
                                                                              std::size_t qb, std::size_t qe,
                                                                              const Block& B, std::size_t rb,
                                                                              std::size_t re, Sink& heaps) {
    const std::size_t d = Q.d, chunks = (d + 7) / 8;
    thread_local std::vector<float> packed;  // one query block at a time: memory stays bounded
    const std::size_t row_bytes = std::max<std::size_t>(d * sizeof(float), 1);
    const std::size_t sub_rows = std::max<std::size_t>(kRows512, (kL2Bytes / row_bytes) / kRows512 * kRows512);
    const std::size_t qstep = 2 * kPairs;
    const std::size_t qblock = std::max<std::size_t>(qstep, (kL2Bytes / row_bytes) / qstep * qstep);
    __m256 out[kPairs];
    for (std::size_t q0 = qb; q0 < qe; q0 += qblock) {
        const std::size_t q1 = std::min(qe, q0 + qblock);
        pack_query_pairs(Q, q0, q1, packed);
        for (std::size_t s0 = rb; s0 < re; s0 += sub_rows) {
            const std::size_t s1 = std::min(re, s0 + sub_rows);
            if (heaps.skip(q0, q1, B.id0 + static_cast<i64>(s0), B.id0 + static_cast<i64>(s1))) continue;
            // one tile of queries (packed, ~18 KB for d = 384: stays in L1) against every row
            // of the sub-block (in L2), so each loaded row feeds 12 queries
            const std::size_t s4 = s0 + (s1 - s0) / kRows512 * kRows512;
            for (std::size_t qi = q0; qi < q1; qi += qstep) {
                const std::size_t nqt = std::min(qstep, q1 - qi), np = (nqt + 1) / 2;
                const float* qp = packed.data() + ((qi - q0) / 2) * chunks * 16;
                for (std::size_t r = s0; r < s4; r += kRows512) {
                    const float* x = B.x + r * d;
                    switch (np) {
                        case 6: tile_pairs_x4<6>(qp, chunks, x, d, out); break;
                        case 5: tile_pairs_x4<5>(qp, chunks, x, d, out); break;
                        case 4: tile_pairs_x4<4>(qp, chunks, x, d, out); break;
                        case 3: tile_pairs_x4<3>(qp, chunks, x, d, out); break;
                        case 2: tile_pairs_x4<2>(qp, chunks, x, d, out); break;
                        default: tile_pairs_x4<1>(qp, chunks, x, d, out); break;
                    }
                    __m256 scale = _mm256_setzero_ps(), xx = scale;
                    if (m == Metric::Cosine) {
                        const __m128 inv = _mm_loadu_ps(B.aux + r);
                        scale = _mm256_set_m128(inv, inv);
                    } else if (m == Metric::L2) {
                        const __m128 v = _mm_loadu_ps(B.aux + r);
                        xx = _mm256_set_m128(v, v);
                    }
                    for (std::size_t p = 0; p < np; ++p) {
                        const std::size_t qa = qi + 2 * p;
                        const bool has_b = qa + 1 < q1;
                        __m256 key = out[p];  // the same IEEE operations as key_of
                        if (m == Metric::Cosine) key = _mm256_mul_ps(key, scale);
                        else if (m == Metric::L2) {
                            const float* qaux = Q.aux.data() + qa;
                            const __m256 qq = _mm256_set_m128(_mm_set1_ps(has_b ? qaux[1] : 0.0f), _mm_set1_ps(qaux[0]));
                            const __m256 dist = _mm256_sub_ps(_mm256_add_ps(qq, xx), _mm256_mul_ps(_mm256_set1_ps(2.0f), key));
                            key = _mm256_xor_ps(_mm256_max_ps(_mm256_setzero_ps(), dist), _mm256_set1_ps(-0.0f));
                        }
                        const float la = heaps.limit(qa), lb = has_b ? heaps.limit(qa + 1) : INFINITY;
                        const __m256 lim = _mm256_set_m128(_mm_set1_ps(lb), _mm_set1_ps(la));
                        unsigned mask = static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(key, lim, _CMP_GE_OQ)));
                        if (!has_b) mask &= 0x0Fu;
                        if (mask) {
                            alignas(32) float keys[8];
                            _mm256_store_ps(keys, key);
                            while (mask) {
                                const unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
                                mask &= mask - 1;
                                heaps.take(qa + bit / 4, B.id0 + static_cast<i64>(r + bit % 4), keys[bit]);
                            }
                        }
                    }
                }
            }
            for (std::size_t r = s4; r < s1; ++r)
                for (std::size_t qi = q0; qi < q1; ++qi) offer(m, Q, B, qi, r, dot_avx2(Q.q + qi * d, B.x + r * d, d), heaps);
        }
    }
}

#endif  // SEENIT_TOPK_X86

template <class Sink>
void scan_portable(Metric m, const Queries& Q, std::size_t qb, std::size_t qe, const Block& B, std::size_t rb,
                   std::size_t re, Sink& heaps) {
    const std::size_t d = Q.d;
    for (std::size_t r = rb; r < re; ++r)
        for (std::size_t qi = qb; qi < qe; ++qi) offer(m, Q, B, qi, r, dot_portable(Q.q + qi * d, B.x + r * d, d), heaps);
}

}  // namespace

template <class Sink>
void scan_f32(Metric m, const Queries& Q, std::size_t qb, std::size_t qe, const Block& B, std::size_t rb,
              std::size_t re, Sink& sink, bool simd) {
#if SEENIT_TOPK_X86
    if (simd && avx512_available()) return scan_avx512(m, Q, qb, qe, B, rb, re, sink);
    if (simd) return scan_avx2(m, Q, qb, qe, B, rb, re, sink);
#endif
    (void)simd;
    scan_portable(m, Q, qb, qe, B, rb, re, sink);
}

#define SEENIT_SCAN_INSTANCE(S)                                                                                   \
    template void scan_f32<S>(Metric, const Queries&, std::size_t, std::size_t, const Block&, std::size_t, \
                              std::size_t, S&, bool);
SEENIT_SCAN_INSTANCE(HeapSink)
SEENIT_SCAN_INSTANCE(RangeSink)
SEENIT_SCAN_INSTANCE(CausalMaxSink)
#undef SEENIT_SCAN_INSTANCE

}  // namespace seenit::topk_detail
