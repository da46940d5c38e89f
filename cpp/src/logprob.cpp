// Fused per-token statistics of logits (see logprob.hpp for the definitions).
//
// Per row, three short passes; only the first touches main memory, the others re-read the row from
// L2 (a 50k-vocabulary float row is 200 KB):
//   A. max, NaN check, rank of the target (and, for f16/bf16, widening into a per-thread float row);
//   B. e_z = exp((x_z - max) / T): sums  S_minus = sum_{d<0} e,  n_max = #{d == 0},  S1 = sum e*d;
//      log S = log(n_max) + log1p(S_minus / n_max) keeps tiny tail masses relatively exact;
//   C. (sigma, SIMD path only when E[d]^2 > 4 Var[d]) the centred second moment sum e*(d - E[d])^2, so
//      there is no cancellation; otherwise pass B's sum e*d^2 gives the variance directly.
// The AVX2 path computes exp in float (a Cephes-style polynomial, about 1 ulp) and flushes its float
// accumulators into double every 256 elements; the portable path does everything in double.
// Terms with e < 2^-126 (d < -87.3, probability below ~1e-38 of the argmax) count as exactly zero.
#include "seenit/logprob.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "seenit/cpu.hpp"
#include "seenit/parallel.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SEENIT_LOGPROB_X86 1
#endif

namespace seenit {

namespace {

constexpr float kExpFloor = -87.33f;  // exp(kExpFloor) is about the smallest normal float

enum RowError : int { kOk = 0, kNaN = 1, kPosInf = 2, kAllNegInf = 3 };

struct RowResult {
    double logprob, entropy, sigma;
    i64 rank;
    int error;
};

inline float load_logit(const void* base, LogitType type, std::size_t i) {
    switch (type) {
        case LogitType::f32: return static_cast<const float*>(base)[i];
        case LogitType::f16: return half_to_float(static_cast<const u16*>(base)[i]);
        default: return bf16_to_float(static_cast<const u16*>(base)[i]);
    }
}

// A row is rejected when it holds a NaN, when its maximum is +inf, or when every logit is -inf.
inline RowError scan_error(bool nan, float max_logit) {
    if (nan) return kNaN;
    if (max_logit == std::numeric_limits<float>::infinity()) return kPosInf;
    if (max_logit == -std::numeric_limits<float>::infinity()) return kAllNegInf;
    return kOk;
}

// Combine the per-row sums into the outputs (shared by both paths).
inline void finish(double n_max, double s_minus, double s1, double d_t, RowResult& r, double& log_s, double& mean_d) {
    log_s = std::log(n_max) + std::log1p(s_minus / n_max);
    double s = n_max + s_minus;
    mean_d = s1 / s;             // E_p[d] <= 0
    r.logprob = d_t - log_s;
    r.entropy = log_s - mean_d;  // both terms >= 0: no cancellation
}

// Portable path: plain double arithmetic.
RowResult row_portable(const void* row, LogitType type, std::size_t V, i64 target, double inv_t, bool want_sigma) {
    RowResult r{0, 0, 0, 0, kOk};
    const float lt = load_logit(row, type, static_cast<std::size_t>(target));
    float m = -std::numeric_limits<float>::infinity();
    i64 rank = 0;
    bool nan = false;
    for (std::size_t z = 0; z < V; ++z) {
        float l = load_logit(row, type, z);
        nan |= std::isnan(l);
        m = std::max(m, l);
        rank += l > lt;
    }
    r.error = scan_error(nan, m);
    if (r.error != kOk) return r;
    r.rank = rank;
    const double md = m;
    double n_max = 0, s_minus = 0, s1 = 0;
    for (std::size_t z = 0; z < V; ++z) {
        double d = (static_cast<double>(load_logit(row, type, z)) - md) * inv_t;
        if (d == 0) { n_max += 1; continue; }
        double e = std::exp(d);
        if (e > 0) { s_minus += e; s1 += e * d; }
    }
    double log_s, mean_d;
    finish(n_max, s_minus, s1, (static_cast<double>(lt) - md) * inv_t, r, log_s, mean_d);
    if (want_sigma) {
        double acc = 0;
        for (std::size_t z = 0; z < V; ++z) {
            double d = (static_cast<double>(load_logit(row, type, z)) - md) * inv_t;
            double e = d == 0 ? 1.0 : std::exp(d);
            if (e > 0) acc += e * (d - mean_d) * (d - mean_d);
        }
        r.sigma = std::sqrt(acc / (n_max + s_minus));
    }
    return r;
}

#ifdef SEENIT_LOGPROB_X86
#define SEENIT_AVX2 __attribute__((target("avx2,fma,f16c")))

SEENIT_AVX2 inline __m256 exp_ps(__m256 x) {
    // x in [kExpFloor, 0]: exp(x) = 2^n * exp(r), n = round(x / ln 2), |r| <= ln2 / 2.
    const __m256 log2e = _mm256_set1_ps(1.44269504088896341f);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 r2 = _mm256_mul_ps(r, r);
    p = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

SEENIT_AVX2 inline void add_to_pd(__m256d& acc, __m256 v) {
    acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}

SEENIT_AVX2 inline double hsum_pd(__m256d v) {
    alignas(32) double t[4];
    _mm256_store_pd(t, v);
    return (t[0] + t[1]) + (t[2] + t[3]);
}

SEENIT_AVX2 inline float hmax_ps(__m256 v) {
    alignas(32) float t[8];
    _mm256_store_ps(t, v);
    float m = t[0];
    for (int i = 1; i < 8; ++i) m = std::max(m, t[i]);
    return m;
}

SEENIT_AVX2 inline i64 hsum_epi32(__m256i v) {
    alignas(32) int32_t t[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(t), v);
    i64 s = 0;
    for (int i = 0; i < 8; ++i) s += t[i];
    return s;
}

template <LogitType kType>
SEENIT_AVX2 inline __m256 load8(const void* base, std::size_t i) {
    if constexpr (kType == LogitType::f32) {
        return _mm256_loadu_ps(static_cast<const float*>(base) + i);
    } else if constexpr (kType == LogitType::f16) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const u16*>(base) + i)));
    } else {
        __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const u16*>(base) + i));
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(b), 16));
    }
}

constexpr std::size_t kBlock = 256;  // elements per float-accumulator block before flushing to double

// xbuf: per-thread scratch of V floats (filled for f16/bf16).
template <LogitType kType>
SEENIT_AVX2 RowResult row_avx2(const void* row, std::size_t V, i64 target, float inv_t, bool want_sigma, float* xbuf) {
    RowResult r{0, 0, 0, 0, kOk};
    const float lt = load_logit(row, kType, static_cast<std::size_t>(target));
    const std::size_t V8 = V & ~std::size_t(7);
    // Pass A.
    __m256 vmax = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    __m256 vnan = _mm256_setzero_ps();
    __m256i vrank = _mm256_setzero_si256();
    const __m256 vlt = _mm256_set1_ps(lt);
    for (std::size_t z = 0; z < V8; z += 8) {
        __m256 v = load8<kType>(row, z);
        if constexpr (kType != LogitType::f32) _mm256_storeu_ps(xbuf + z, v);
        vnan = _mm256_or_ps(vnan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
        vmax = _mm256_max_ps(vmax, v);
        vrank = _mm256_sub_epi32(vrank, _mm256_castps_si256(_mm256_cmp_ps(v, vlt, _CMP_GT_OQ)));
    }
    bool nan = _mm256_movemask_ps(vnan) != 0;
    float m = hmax_ps(vmax);
    i64 rank = hsum_epi32(vrank);
    for (std::size_t z = V8; z < V; ++z) {
        float l = load_logit(row, kType, z);
        if constexpr (kType != LogitType::f32) xbuf[z] = l;
        nan |= std::isnan(l);
        m = std::max(m, l);
        rank += l > lt;
    }
    r.error = scan_error(nan, m);
    if (r.error != kOk) return r;
    r.rank = rank;
    const float* x = kType == LogitType::f32 ? static_cast<const float*>(row) : xbuf;

    // Pass B.
    const __m256 vm = _mm256_set1_ps(m), vinv = _mm256_set1_ps(inv_t), vfloor = _mm256_set1_ps(kExpFloor);
    const __m256 zero = _mm256_setzero_ps();
    // With sigma wanted, pass B also sums e * d^2 (the second moment about the max). That gives
    // var = E[d^2] - E[d]^2 without another pass when E[d]^2 <= 4 var, where the float rounding of the
    // sums costs at most ~5e-6 relative (typically ~1e-7); otherwise pass C recomputes it centred.
    __m256d dsm = _mm256_setzero_pd(), ds1 = _mm256_setzero_pd(), ds2 = _mm256_setzero_pd();
    __m256i vnmax = _mm256_setzero_si256();
    for (std::size_t b = 0; b < V8; b += kBlock) {
        const std::size_t e_end = std::min(V8, b + kBlock);
        __m256 sm = zero, s1 = zero, s2 = zero;
        for (std::size_t z = b; z < e_end; z += 8) {
            __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + z), vm), vinv);
            __m256 valid = _mm256_cmp_ps(d, vfloor, _CMP_GT_OQ);
            __m256 dc = _mm256_max_ps(d, vfloor);
            __m256 e = _mm256_and_ps(exp_ps(dc), valid);
            __m256 eq = _mm256_cmp_ps(d, zero, _CMP_EQ_OQ);
            vnmax = _mm256_sub_epi32(vnmax, _mm256_castps_si256(eq));
            sm = _mm256_add_ps(sm, _mm256_andnot_ps(eq, e));
            __m256 ed = _mm256_mul_ps(e, dc);
            s1 = _mm256_add_ps(s1, ed);
            if (want_sigma) s2 = _mm256_fmadd_ps(ed, dc, s2);
        }
        add_to_pd(dsm, sm);
        add_to_pd(ds1, s1);
        if (want_sigma) add_to_pd(ds2, s2);
    }
    double n_max = static_cast<double>(hsum_epi32(vnmax)), s_minus = hsum_pd(dsm), s1d = hsum_pd(ds1), s2d = hsum_pd(ds2);
    for (std::size_t z = V8; z < V; ++z) {
        float d = (x[z] - m) * inv_t;
        if (d == 0) { n_max += 1; continue; }
        float e = d > kExpFloor ? std::exp(d) : 0.0f;
        double dd = std::max(d, kExpFloor);
        s_minus += e;
        s1d += static_cast<double>(e) * dd;
        s2d += static_cast<double>(e) * dd * dd;
    }
    double log_s, mean_d;
    finish(n_max, s_minus, s1d, (static_cast<double>(lt) - m) * static_cast<double>(inv_t), r, log_s, mean_d);
    if (want_sigma) {
        double var = s2d / (n_max + s_minus) - mean_d * mean_d;
        if (mean_d * mean_d <= 4 * var) {
            r.sigma = std::sqrt(var);
            want_sigma = false;  // done: no pass C
        }
    }

    // Pass C (fallback): centred at c = float(E[d]); var = E[(d - c)^2] - (E[d] - c)^2.
    if (want_sigma) {
        const float c = static_cast<float>(mean_d);
        const __m256 vc = _mm256_set1_ps(c);
        __m256d dacc = _mm256_setzero_pd();
        for (std::size_t b = 0; b < V8; b += kBlock) {
            const std::size_t e_end = std::min(V8, b + kBlock);
            __m256 acc = zero;
            for (std::size_t z = b; z < e_end; z += 8) {
                __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + z), vm), vinv);
                __m256 valid = _mm256_cmp_ps(d, vfloor, _CMP_GT_OQ);
                __m256 dc = _mm256_max_ps(d, vfloor);
                __m256 e = _mm256_and_ps(exp_ps(dc), valid);
                __m256 diff = _mm256_sub_ps(dc, vc);
                acc = _mm256_fmadd_ps(_mm256_mul_ps(e, diff), diff, acc);
            }
            add_to_pd(dacc, acc);
        }
        double a = hsum_pd(dacc);
        for (std::size_t z = V8; z < V; ++z) {
            float df = (x[z] - m) * inv_t;
            float e = df == 0 ? 1.0f : (df > kExpFloor ? std::exp(df) : 0.0f);
            double d = std::max(df, kExpFloor);
            a += static_cast<double>(e) * (d - c) * (d - c);
        }
        double shift = mean_d - c;
        double var = a / (n_max + s_minus) - shift * shift;
        r.sigma = std::sqrt(std::max(var, 0.0));
    }
    return r;
}

bool has_f16c() {
    static const bool v = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("f16c") != 0;
    }();
    return v;
}
#endif  // SEENIT_LOGPROB_X86

const char* describe(int error) {
    switch (error) {
        case kNaN: return "contains NaN";
        case kPosInf: return "contains +inf";
        default: return "has no finite logit (all -inf)";
    }
}

}  // namespace

bool token_stats_simd_available() {
#ifdef SEENIT_LOGPROB_X86
    const auto& f = cpu_features();
    return f.avx2 && f.fma && has_f16c();
#else
    return false;
#endif
}

void token_stats(const void* logits, LogitType type, std::size_t rows, std::size_t vocab, const i64* targets,
                 double temperature, unsigned which, const TokenStatsOut& out, bool use_simd) {
    SEENIT_CHECK(vocab >= 1, std::invalid_argument, "logits must have a vocabulary axis of size >= 1");
    SEENIT_CHECK(vocab <= static_cast<std::size_t>(std::numeric_limits<int32_t>::max()), std::invalid_argument,
                 "vocabulary size ", vocab, " is too large (max 2^31 - 1)");
    SEENIT_CHECK(temperature > 0 && std::isfinite(temperature), std::invalid_argument,
                 "temperature must be a finite number > 0, got ", temperature);
    for (std::size_t i = 0; i < rows; ++i) {
        SEENIT_CHECK(targets[i] >= 0 && static_cast<std::size_t>(targets[i]) < vocab, std::invalid_argument,
                     "targets[", i, "]=", targets[i], " is outside [0, ", vocab, ") (the vocabulary size of logits)");
    }
    if (rows == 0) return;
    const std::size_t elem = type == LogitType::f32 ? 4 : 2;
    const bool want_sigma = (which & kSigma) != 0;
    const bool simd = use_simd && token_stats_simd_available();
    const double inv_t = 1.0 / temperature;

    const int nt = num_threads();
    std::vector<i64> bad_row(static_cast<std::size_t>(nt) + 1, -1);
    std::vector<int> bad_code(static_cast<std::size_t>(nt) + 1, kOk);
    parallel_for(rows, 1, [&](std::size_t b, std::size_t e, int t) {
        std::vector<float> xbuf;
        if (simd && type != LogitType::f32) xbuf.resize(vocab);
        for (std::size_t i = b; i < e; ++i) {
            const void* row = static_cast<const char*>(logits) + i * vocab * elem;
            RowResult r;
#ifdef SEENIT_LOGPROB_X86
            if (simd) {
                const float ft = static_cast<float>(inv_t);
                if (type == LogitType::f32) r = row_avx2<LogitType::f32>(row, vocab, targets[i], ft, want_sigma, xbuf.data());
                else if (type == LogitType::f16) r = row_avx2<LogitType::f16>(row, vocab, targets[i], ft, want_sigma, xbuf.data());
                else r = row_avx2<LogitType::bf16>(row, vocab, targets[i], ft, want_sigma, xbuf.data());
            } else
#endif
            {
                r = row_portable(row, type, vocab, targets[i], inv_t, want_sigma);
            }
            if (r.error != kOk) {
                bad_row[static_cast<std::size_t>(t)] = static_cast<i64>(i);
                bad_code[static_cast<std::size_t>(t)] = r.error;
                return;  // rows are in order within a chunk: this is the chunk's first bad row
            }
            if (out.logprob) out.logprob[i] = r.logprob;
            if (out.entropy) out.entropy[i] = r.entropy;
            if (out.mu) out.mu[i] = -r.entropy;
            if (out.sigma) out.sigma[i] = r.sigma;
            if (out.rank) out.rank[i] = r.rank;
        }
    });
    i64 first = -1;
    int code = kOk;
    for (std::size_t t = 0; t < bad_row.size(); ++t) {
        if (bad_row[t] >= 0 && (first < 0 || bad_row[t] < first)) {
            first = bad_row[t];
            code = bad_code[t];
        }
    }
    SEENIT_CHECK(first < 0, std::invalid_argument, "logits row ", first, " (flattened over the leading axes) ",
                 describe(code), "; logits must be finite or -inf with at least one finite value per row");
}

}  // namespace seenit
