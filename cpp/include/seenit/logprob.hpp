// Fused per-token statistics of logits: one pass family per row, no (..., V) temporaries.
//
// For a row of logits l (length V), temperature T > 0 and a target id t, with x = l / T and
// log p(z) = x_z - logsumexp(x):
//   logprob = log p(t)
//   entropy = -sum_z p(z) log p(z)
//   mu      = E_{z~p}[log p(z)]            (= -entropy)
//   sigma   = sqrt(Var_{z~p}[log p(z)])   (computed as a centred second moment, no cancellation)
//   rank    = #{z : l_z > l_t}            (0 = the target is an argmax; tied logits do not count,
//                                          so tied tokens share the best rank)
// Logits may be -inf (probability 0). NaN, +inf, or a row of only -inf throw
// std::invalid_argument naming the first such row; nothing is returned then.
#pragma once

#include <cstddef>

#include "seenit/common.hpp"
#include "seenit/half.hpp"

namespace seenit {

enum class LogitType { f32, f16, bf16 };

// Bit flags choosing which outputs to compute (sigma costs one extra pass over the row in cache).
enum TokenStat : unsigned {
    kLogprob = 1u,
    kEntropy = 2u,
    kMu = 4u,
    kSigma = 8u,
    kRank = 16u,
};

struct TokenStatsOut {
    double* logprob = nullptr;  // each non-null output has `rows` entries
    double* entropy = nullptr;
    double* mu = nullptr;
    double* sigma = nullptr;
    i64* rank = nullptr;
};

// logits: rows x vocab values of `type` (bf16 / f16 given as raw uint16 bits), row-major, contiguous.
// targets: `rows` ids, each in [0, vocab). Parallel over rows; results do not depend on the thread count.
// use_simd = false forces the portable path (it is also chosen when the CPU lacks AVX2+FMA).
void token_stats(const void* logits, LogitType type, std::size_t rows, std::size_t vocab, const i64* targets,
                 double temperature, unsigned which, const TokenStatsOut& out, bool use_simd = true);
// Accepted temperatures (1/T stays a normal float32 for the SIMD path).
inline constexpr double kMinTemperature = 1e-30;
inline constexpr double kMaxTemperature = 1e30;

// Whether the AVX2+FMA path is available on this CPU (and not disabled by SEENIT_DISABLE_SIMD).
bool token_stats_simd_available();

}  // namespace seenit
