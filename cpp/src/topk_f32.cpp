// The float32 scan: a register-tiled AVX2+FMA micro-kernel (3 queries x 4 database
// rows, eight lanes each) fused with the per-query heap update, and a portable
// fallback. Both compute exactly the canonical dot product of topk_dot.hpp, so the
// scores equal those of every other path bit for bit.
#include <algorithm>

#include "topk_dot.hpp"
#include "topk_scan.hpp"

namespace seenit::topk_detail {
namespace {

constexpr std::size_t kTileQ = 3, kTileR = 4;
constexpr std::size_t kL2Bytes = 192 * 1024;  // rows of a sub-block and queries of a query block fit in L2

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

template <class Sink>
inline void offer(Metric m, const Queries& Q, const Block& B, std::size_t qi, std::size_t r, float dot, Sink& sink) {
    float key = key_of(m, dot, Q.aux.empty() ? 0.0f : Q.aux[qi], B.aux ? B.aux[r] : 0.0f);
    sink.take(qi, B.id0 + static_cast<i64>(r), key);
}

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
    if (simd) scan_avx2(m, Q, qb, qe, B, rb, re, sink);
    else scan_portable(m, Q, qb, qe, B, rb, re, sink);
}

#define SEENIT_SCAN_INSTANCE(S)                                                                                   \
    template void scan_f32<S>(Metric, const Queries&, std::size_t, std::size_t, const Block&, std::size_t, \
                              std::size_t, S&, bool);
SEENIT_SCAN_INSTANCE(HeapSink)
SEENIT_SCAN_INSTANCE(RangeSink)
SEENIT_SCAN_INSTANCE(CausalMaxSink)
#undef SEENIT_SCAN_INSTANCE

}  // namespace seenit::topk_detail
