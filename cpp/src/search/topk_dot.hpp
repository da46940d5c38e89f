// The canonical float32 dot product and score transforms shared by every topk path
// (see the definition in seenit/topk.hpp). Internal to cpp/src.
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SEENIT_TOPK_X86 1  // the AVX2 / AVX-512 / VNNI / AMX kernels are built (chosen at run time)
#else
#define SEENIT_TOPK_X86 0  // other CPUs: the portable float32 kernel only
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "seenit/cpu.hpp"
#include "seenit/topk.hpp"

namespace seenit::topk_detail {

// Fixed reduction tree of the eight lane sums.
inline float reduce_tree(const float* s) { return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])); }

// Portable: lane-wise multiply then add (no FMA), same lane layout and tree.
inline float dot_portable(const float* a, const float* b, std::size_t d) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::size_t k = 0;
    for (; k + 8 <= d; k += 8)
        for (int l = 0; l < 8; ++l) acc[l] = acc[l] + a[k + l] * b[k + l];
    if (k < d) {  // zero-padded tail step, exactly as the vector path does it
        for (std::size_t l = 0; l < 8; ++l) acc[l] = acc[l] + (k + l < d ? a[k + l] * b[k + l] : 0.0f);
    }
    return reduce_tree(acc);
}

#if SEENIT_TOPK_X86
__attribute__((target("avx2,fma"))) inline __m256i tail_mask(std::size_t rem) {
    alignas(32) static const int m[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + 8 - rem));
}

__attribute__((target("avx2,fma"))) inline float reduce_tree_avx2(__m256 v) {
    alignas(32) float s[8];
    _mm256_store_ps(s, v);
    return reduce_tree(s);
}

// The AVX2+FMA canonical dot of `a` with up to 8 rows at once: per row one vector of
// eight lanes, fused multiply-add in order, zero-padded tail, the fixed reduction tree;
// the rows' chains are independent, so several rows cost little more than one.
template <std::size_t N>
__attribute__((target("avx2,fma"))) inline void dots_avx2(const float* a, const float* const* rows, std::size_t d, float* out) {
    __m256 acc[N];
    for (std::size_t j = 0; j < N; ++j) acc[j] = _mm256_setzero_ps();
    std::size_t k = 0;
    for (; k + 8 <= d; k += 8) {
        const __m256 av = _mm256_loadu_ps(a + k);
        for (std::size_t j = 0; j < N; ++j) acc[j] = _mm256_fmadd_ps(av, _mm256_loadu_ps(rows[j] + k), acc[j]);
    }
    if (k < d) {
        const __m256i m = tail_mask(d - k);
        const __m256 av = _mm256_maskload_ps(a + k, m);
        for (std::size_t j = 0; j < N; ++j) acc[j] = _mm256_fmadd_ps(av, _mm256_maskload_ps(rows[j] + k, m), acc[j]);
    }
    for (std::size_t j = 0; j < N; ++j) out[j] = reduce_tree_avx2(acc[j]);
}

// AVX2+FMA: the canonical dot of one pair.
__attribute__((target("avx2,fma"))) inline float dot_avx2(const float* a, const float* b, std::size_t d) {
    float out;
    dots_avx2<1>(a, &b, d, &out);
    return out;
}

// dot_avx2(a, rows[j]) for j < n, eight rows at a time.
__attribute__((target("avx2,fma"))) inline void dots_many_avx2(const float* a, const float* const* rows, std::size_t n,
                                                                std::size_t d, float* out) {
    std::size_t j = 0;
    for (; j + 8 <= n; j += 8) dots_avx2<8>(a, rows + j, d, out + j);
    switch (n - j) {
        case 7: dots_avx2<7>(a, rows + j, d, out + j); break;
        case 6: dots_avx2<6>(a, rows + j, d, out + j); break;
        case 5: dots_avx2<5>(a, rows + j, d, out + j); break;
        case 4: dots_avx2<4>(a, rows + j, d, out + j); break;
        case 3: dots_avx2<3>(a, rows + j, d, out + j); break;
        case 2: dots_avx2<2>(a, rows + j, d, out + j); break;
        case 1: dots_avx2<1>(a, rows + j, d, out + j); break;
        default: break;
    }
}

#endif  // SEENIT_TOPK_X86

// True when the AVX2+FMA kernels may run (checked once per call, at run time).
inline bool simd_available() {
    const CpuFeatures& f = cpu_features();
    return f.avx2 && f.fma;
}

// True when the AVX-512 float32 kernel may run (AVX-512 F+DQ+VL; SEENIT_DISABLE_SIMD=avx512
// turns it off and keeps AVX2). Its scores are bit-identical to the AVX2 kernel's.
inline bool avx512_available() {
    const CpuFeatures& f = cpu_features();
    return f.avx2 && f.fma && f.avx512f && f.avx512dq && f.avx512vl;
}

// True when the int8 first pass may use AVX-512 VNNI (same integer dots as its AVX2 tile).
inline bool vnni_available() {
    const CpuFeatures& f = cpu_features();
    return avx512_available() && f.avx512bw && f.avx512vnni;
}

// True when the int8 first pass may use AMX-INT8 tiles (same integer dots again).
inline bool amx_available() { return vnni_available() && cpu_features().amx_int8; }

using DotFn = float (*)(const float*, const float*, std::size_t);
#if SEENIT_TOPK_X86
inline DotFn dot_fn(bool simd) { return simd ? &dot_avx2 : &dot_portable; }
#else
inline DotFn dot_fn(bool) { return &dot_portable; }
#endif

// Turns a raw dot product into the ranking key of the metric.
//   qaux: cosine -> unused (queries are pre-normalised); l2 -> dot(q,q)
//   xaux: cosine -> inv_norm(x); l2 -> dot(x,x)
// dot(a, rows[j]) for j < n with the given canonical dot (products commute, so the bits
// equal dot(rows[j], a)); the AVX2 one runs eight rows at a time.
inline void dots_many(DotFn dot, const float* a, const float* const* rows, std::size_t n, std::size_t d, float* out) {
#if SEENIT_TOPK_X86
    if (dot == &dot_avx2) return dots_many_avx2(a, rows, n, d, out);
#endif
    for (std::size_t j = 0; j < n; ++j) out[j] = dot(a, rows[j], d);
}

inline float key_of(Metric m, float dot, float qaux, float xaux) {
    switch (m) {
        case Metric::IP: return dot;
        case Metric::Cosine: return dot * xaux;
        case Metric::L2: {
            float dist = (qaux + xaux) - 2.0f * dot;
            return -std::max(dist, 0.0f);
        }
    }
    return dot;
}

inline float inv_norm_from_sq(float sq) { return sq > 0.0f ? 1.0f / std::sqrt(sq) : 0.0f; }

}  // namespace seenit::topk_detail
