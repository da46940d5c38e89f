// Converting database rows of any supported element type to float32 (internal).
#pragma once

#include <cstring>

#include "seenit/half.hpp"
#include "seenit/topk.hpp"
#include "topk_dot.hpp"

namespace seenit::topk_detail {

#if SEENIT_TOPK_X86
// F16C ships with every AVX2 CPU (Intel Haswell, AMD Piledriver and later).
__attribute__((target("avx2,fma,f16c"))) inline void half_row_avx2(const u16* src, float* dst, std::size_t d) {
    std::size_t k = 0;
    for (; k + 8 <= d; k += 8)
        _mm256_storeu_ps(dst + k, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k))));
    for (; k < d; ++k) dst[k] = half_to_float(src[k]);
}
#endif

// Row r of `db` as float32 in dst[0..dim).
inline void convert_row(const DbView& db, std::size_t r, float* dst, bool simd) {
    const std::size_t d = db.dim;
    (void)simd;  // only the x86 float16 path uses it
    switch (db.dtype) {
        case DType::F32:
            std::memcpy(dst, static_cast<const float*>(db.data) + r * d, d * sizeof(float));
            break;
        case DType::F16: {
            const u16* s = static_cast<const u16*>(db.data) + r * d;
#if SEENIT_TOPK_X86
            if (simd) {
                half_row_avx2(s, dst, d);
                break;
            }
#endif
            for (std::size_t k = 0; k < d; ++k) dst[k] = half_to_float(s[k]);
            break;
        }
        case DType::BF16: {
            const u16* s = static_cast<const u16*>(db.data) + r * d;
            for (std::size_t k = 0; k < d; ++k) dst[k] = bf16_to_float(s[k]);
            break;
        }
        case DType::I8: {
            const std::int8_t* s = static_cast<const std::int8_t*>(db.data) + r * d;
            for (std::size_t k = 0; k < d; ++k) dst[k] = static_cast<float>(s[k]);
            break;
        }
    }
}

}  // namespace seenit::topk_detail
