// Fused per-token statistics of logits (see logprob.hpp for the definitions).
//
// Per row, three short passes over the row in L2 (a 50k-vocabulary float row is 200 KB); in the AVX2 path
// pass B prefetches the next row into L2, so reading memory overlaps the exp work of the row before:
//   A. max, NaN check, rank of the target (and, for f16/bf16, widening into a per-thread float row);
//   B. e_z = exp((x_z - max) / T): sums  S_minus = sum_{d<0} e,  n_max = #{d == 0},  S1 = sum e*d;
//      log S = log(n_max) + log1p(S_minus / n_max) keeps tiny tail masses relatively exact;
//   C. (sigma, SIMD path only when E[d]^2 > 4 Var[d]) the centred second moment sum e*(d - E[d])^2, so
//      there is no cancellation; otherwise pass B's sum e*d^2 gives the variance directly.
// The AVX2 path computes exp in float (Cody-Waite reduction and a degree-5 polynomial, at most 1.9e-7
// relative; see exp_neg_ps) and flushes its float accumulators into double every 256 elements; the last
// V mod 8 logits go through the same vector code, padded with -inf. The portable path does everything in
// double. In the AVX2 path terms with d < -87.68 (e^d < 2^-126.5, a probability below ~1e-38 of the
// argmax's) count as exactly zero.
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
#define SEENIT_AVX2_INLINE __attribute__((target("avx2,fma,f16c"), always_inline)) inline

// Clamp for the scaled differences d = (x - max) / T <= 0 (as float bits, see pass B): e^kDFloor rounds to
// a zero scale in exp_neg_ps, so every d < -87.68 (e^d < 2^-126.5, about 8e-39) counts as exactly zero.
constexpr float kDFloor = -88.0f;

// e^d for d in [kDFloor, 0]. d = n ln2 + r with n = round(d log2 e) (by the 1.5 * 2^23 rounding trick, whose
// float bits then hold n + 127 in the low mantissa bits) and r = d - n * fl(ln2) in one fma rounding,
// |r| <= ln2/2 + tiny; e^r by a degree-5 minimax polynomial; 2^n by shifting n + 127 into the exponent
// field. n = -127 (d < -87.68) gives the bits of 0.0f, so the result is exactly 0 there, with no compare
// and mask. Error against e^d for the float d given: the polynomial is within 7.6e-8 relative in exact
// arithmetic and 1.9e-7 (3.1 ulp) evaluated in float32 over the whole r range (checked on 2e6 points);
// the single-float ln2 adds |n| * 1.9e-9 (|ln2 - fl(ln2)|, at most 2.4e-7). Measured on every 7th float
// of [-88, 0): at most 3.1e-7 relative wherever e^d > 1e-25, 4.7e-7 in the subnormal results just above
// the floor (tests/logprob/test_logprob.py::test_simd_exp_accuracy_sweep checks 1e-6 through token_stats). Both are small beside the rounding of d = x - max itself (up to
// |d| * 6e-8, the same in the portable path's inputs). Coefficients fitted for this file
// (linear-programming minimax of |p(r) e^-r - 1| on 4001 points of [-0.3476, 0.3476], p(0) = p'(0) = 1),
// rounded to float.
SEENIT_AVX2_INLINE __m256 exp_neg_ps(__m256 d) {
    const __m256 magic = _mm256_set1_ps(12582912.0f + 127.0f);  // 1.5 * 2^23 + 127
    const __m256 kt = _mm256_fmadd_ps(d, _mm256_set1_ps(1.44269504088896341f), magic);
    const __m256 n = _mm256_sub_ps(kt, magic);
    const __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693147182f), d);  // one rounding (fma)
    __m256 p = _mm256_set1_ps(8.325654082000256e-3f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.190947860479355e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666942834854126e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.99990314245224e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(kt), 23));
    return _mm256_mul_ps(p, scale);
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
SEENIT_AVX2_INLINE __m256 load8(const void* base, std::size_t i) {
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

// Float accumulators of pass B for one block.
struct BlockSums {
    __m256 sm, s1, s2;
    __m256i nmax;
};

// One vector of pass B: v holds 8 logits (padding lanes -inf). d = (v - max) / T <= 0; its float bits,
// read as int32, are 0 exactly for d = +0 (an argmax) and increase as d decreases below 0, so an integer
// min against kDFloor's bits clamps d to [kDFloor, 0) and maps the argmax (and -inf) to kDFloor, where
// exp_neg_ps is exactly 0: the argmax elements are counted in nmax instead, with no float compare or mask.
template <bool kScaled, bool kSigma>
SEENIT_AVX2_INLINE void pass_b_step(__m256 v, __m256 vm, __m256 vinv, BlockSums& a) {
    __m256 d = _mm256_sub_ps(v, vm);
    if constexpr (kScaled) d = _mm256_mul_ps(d, vinv);
    const __m256i di = _mm256_castps_si256(d);
    a.nmax = _mm256_sub_epi32(a.nmax, _mm256_cmpeq_epi32(di, _mm256_setzero_si256()));
    const __m256 dc = _mm256_castsi256_ps(_mm256_min_epi32(di, _mm256_castps_si256(_mm256_set1_ps(kDFloor))));
    const __m256 e = exp_neg_ps(dc);
    a.sm = _mm256_add_ps(a.sm, e);
    const __m256 ed = _mm256_mul_ps(e, dc);
    a.s1 = _mm256_add_ps(a.s1, ed);
    if constexpr (kSigma) a.s2 = _mm256_fmadd_ps(ed, dc, a.s2);
}

// One vector of pass C: the centred second moment sum e (d - c)^2 (argmax elements included: e = 1, d = 0).
template <bool kScaled>
SEENIT_AVX2_INLINE __m256 pass_c_step(__m256 v, __m256 vm, __m256 vinv, __m256 vc, __m256 acc) {
    __m256 d = _mm256_sub_ps(v, vm);
    if constexpr (kScaled) d = _mm256_mul_ps(d, vinv);
    const __m256i di = _mm256_castps_si256(d);
    const __m256 is_max = _mm256_castsi256_ps(_mm256_cmpeq_epi32(di, _mm256_setzero_si256()));
    const __m256 dc = _mm256_castsi256_ps(_mm256_min_epi32(di, _mm256_castps_si256(_mm256_set1_ps(kDFloor))));
    const __m256 e = _mm256_or_ps(exp_neg_ps(dc), _mm256_and_ps(is_max, _mm256_set1_ps(1.0f)));
    const __m256 diff = _mm256_sub_ps(_mm256_blendv_ps(dc, _mm256_setzero_ps(), is_max), vc);
    return _mm256_fmadd_ps(_mm256_mul_ps(e, diff), diff, acc);
}

// Pass B over x[0, V8) and the padded tail vector; returns the sums in double.
// While it computes (from L2), pass B prefetches the next row into L2, pf_elem bytes per logit (one
// cache line per 16 f32 logits): pass A of the next row then finds it there, so the memory stream
// overlaps the exp work instead of alternating with it.
template <bool kScaled, bool kSigma>
SEENIT_AVX2 void pass_b(const float* x, std::size_t V8, bool has_tail, __m256 tail, float m, float inv_t,
                        const char* pf, std::size_t pf_elem, double& n_max, double& s_minus, double& s1, double& s2) {
    const __m256 vm = _mm256_set1_ps(m), vinv = _mm256_set1_ps(inv_t), zero = _mm256_setzero_ps();
    __m256d dsm = _mm256_setzero_pd(), ds1 = _mm256_setzero_pd(), ds2 = _mm256_setzero_pd();
    __m256i vnmax = _mm256_setzero_si256();
    for (std::size_t b = 0; b < V8; b += kBlock) {
        const std::size_t e_end = std::min(V8, b + kBlock);
        BlockSums a{zero, zero, zero, _mm256_setzero_si256()};
        std::size_t z = b;
        for (; z + 16 <= e_end; z += 16) {
            _mm_prefetch(pf + z * pf_elem, _MM_HINT_T1);
            pass_b_step<kScaled, kSigma>(_mm256_loadu_ps(x + z), vm, vinv, a);
            pass_b_step<kScaled, kSigma>(_mm256_loadu_ps(x + z + 8), vm, vinv, a);
        }
        if (z < e_end) pass_b_step<kScaled, kSigma>(_mm256_loadu_ps(x + z), vm, vinv, a);
        if (has_tail && e_end == V8) pass_b_step<kScaled, kSigma>(tail, vm, vinv, a);  // into the last block
        add_to_pd(dsm, a.sm);
        add_to_pd(ds1, a.s1);
        if constexpr (kSigma) add_to_pd(ds2, a.s2);
        vnmax = _mm256_add_epi32(vnmax, a.nmax);
    }
    if (has_tail && V8 == 0) {
        BlockSums a{zero, zero, zero, _mm256_setzero_si256()};
        pass_b_step<kScaled, kSigma>(tail, vm, vinv, a);
        add_to_pd(dsm, a.sm);
        add_to_pd(ds1, a.s1);
        if constexpr (kSigma) add_to_pd(ds2, a.s2);
        vnmax = _mm256_add_epi32(vnmax, a.nmax);
    }
    n_max = static_cast<double>(hsum_epi32(vnmax));
    s_minus = hsum_pd(dsm);
    s1 = hsum_pd(ds1);
    s2 = hsum_pd(ds2);
}

template <bool kScaled>
SEENIT_AVX2 double pass_c(const float* x, std::size_t V8, bool has_tail, __m256 tail, float m, float inv_t, float c) {
    const __m256 vm = _mm256_set1_ps(m), vinv = _mm256_set1_ps(inv_t), vc = _mm256_set1_ps(c);
    __m256d dacc = _mm256_setzero_pd();
    for (std::size_t b = 0; b < V8; b += kBlock) {
        const std::size_t e_end = std::min(V8, b + kBlock);
        __m256 acc = _mm256_setzero_ps();
        for (std::size_t z = b; z < e_end; z += 8) acc = pass_c_step<kScaled>(_mm256_loadu_ps(x + z), vm, vinv, vc, acc);
        add_to_pd(dacc, acc);
    }
    if (has_tail) add_to_pd(dacc, pass_c_step<kScaled>(tail, vm, vinv, vc, _mm256_setzero_ps()));
    return hsum_pd(dacc);
}

// Pass A on one vector (the 16-wide main loop inlines the same steps).
SEENIT_AVX2_INLINE void scan_a(__m256 v, __m256 vlt, __m256& vnan, __m256& vmax, __m256i& vrank) {
    vnan = _mm256_or_ps(vnan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    vmax = _mm256_max_ps(vmax, v);
    vrank = _mm256_sub_epi32(vrank, _mm256_castps_si256(_mm256_cmp_ps(v, vlt, _CMP_GT_OQ)));
}

// xbuf: per-thread scratch of V floats rounded up to 8 (filled for f16/bf16).
// next_row: the row to prefetch during pass B (the row itself when there is no next one).
template <LogitType kType>
SEENIT_AVX2 RowResult row_avx2(const void* row, const void* next_row, std::size_t V, i64 target, float inv_t,
                               bool want_sigma, float* xbuf) {
    RowResult r{0, 0, 0, 0, kOk};
    const float lt = load_logit(row, kType, static_cast<std::size_t>(target));
    const std::size_t V8 = V & ~std::size_t(7), V16 = V & ~std::size_t(15);
    // Pass A: max, NaN and rank, two independent accumulator sets to halve the max latency chain.
    const __m256 vlt = _mm256_set1_ps(lt);
    __m256 vmax0 = _mm256_set1_ps(-std::numeric_limits<float>::infinity()), vmax1 = vmax0;
    __m256 vnan = _mm256_setzero_ps();
    __m256i vrank = _mm256_setzero_si256();
    for (std::size_t z = 0; z < V16; z += 16) {
        const __m256 v0 = load8<kType>(row, z), v1 = load8<kType>(row, z + 8);
        if constexpr (kType != LogitType::f32) {
            _mm256_storeu_ps(xbuf + z, v0);
            _mm256_storeu_ps(xbuf + z + 8, v1);
        }
        vnan = _mm256_or_ps(vnan, _mm256_cmp_ps(v0, v1, _CMP_UNORD_Q));  // either is NaN
        vmax0 = _mm256_max_ps(vmax0, v0);
        vmax1 = _mm256_max_ps(vmax1, v1);
        const __m256i g0 = _mm256_castps_si256(_mm256_cmp_ps(v0, vlt, _CMP_GT_OQ));
        const __m256i g1 = _mm256_castps_si256(_mm256_cmp_ps(v1, vlt, _CMP_GT_OQ));
        vrank = _mm256_sub_epi32(vrank, _mm256_add_epi32(g0, g1));
    }
    if (V8 > V16) {
        const __m256 v = load8<kType>(row, V16);
        if constexpr (kType != LogitType::f32) _mm256_storeu_ps(xbuf + V16, v);
        scan_a(v, vlt, vnan, vmax0, vrank);
    }
    // The last V - V8 logits, padded with -inf (which adds nothing to any pass).
    const bool has_tail = V8 < V;
    __m256 tail = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    if (has_tail) {
        alignas(32) float t[8];
        for (int j = 0; j < 8; ++j) t[j] = -std::numeric_limits<float>::infinity();
        for (std::size_t z = V8; z < V; ++z) t[z - V8] = load_logit(row, kType, z);
        tail = _mm256_load_ps(t);
        scan_a(tail, vlt, vnan, vmax0, vrank);
    }
    const bool nan = _mm256_movemask_ps(vnan) != 0;
    const float m = hmax_ps(_mm256_max_ps(vmax0, vmax1));
    r.error = scan_error(nan, m);
    if (r.error != kOk) return r;
    r.rank = hsum_epi32(vrank);
    const float* x = kType == LogitType::f32 ? static_cast<const float*>(row) : xbuf;

    // Pass B. With sigma wanted it also sums e * d^2 (the second moment about the max). That gives
    // var = E[d^2] - E[d]^2 without another pass when E[d]^2 <= 4 var, where the float rounding of the
    // sums costs at most ~5e-6 relative (typically ~1e-7); otherwise pass C recomputes it centred.
    double n_max, s_minus, s1d, s2d;
    const char* pf = static_cast<const char*>(next_row);
    const std::size_t pf_elem = kType == LogitType::f32 ? 4 : 2;
    const bool scaled = inv_t != 1.0f;
    if (scaled) {
        if (want_sigma) pass_b<true, true>(x, V8, has_tail, tail, m, inv_t, pf, pf_elem, n_max, s_minus, s1d, s2d);
        else pass_b<true, false>(x, V8, has_tail, tail, m, inv_t, pf, pf_elem, n_max, s_minus, s1d, s2d);
    } else {
        if (want_sigma) pass_b<false, true>(x, V8, has_tail, tail, m, inv_t, pf, pf_elem, n_max, s_minus, s1d, s2d);
        else pass_b<false, false>(x, V8, has_tail, tail, m, inv_t, pf, pf_elem, n_max, s_minus, s1d, s2d);
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
        const double a = scaled ? pass_c<true>(x, V8, has_tail, tail, m, inv_t, c)
                                : pass_c<false>(x, V8, has_tail, tail, m, inv_t, c);
        const double shift = mean_d - c;
        const double var = a / (n_max + s_minus) - shift * shift;
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
    // The AVX2 path scales by 1/T in float32: 1/T must be a normal float32 (1e-40 gave inf,
    // NaN from 0 * inf, while the portable float64 path gave finite values). Within
    // [kMinTemperature, kMaxTemperature] both paths compute the same quantities.
    SEENIT_CHECK(temperature >= kMinTemperature && temperature <= kMaxTemperature, std::invalid_argument,
                 "temperature must be a finite number > 0 in [", kMinTemperature, ", ", kMaxTemperature, "], got ", temperature);
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
        if (simd && type != LogitType::f32) xbuf.resize((vocab + 7) & ~std::size_t(7));
        for (std::size_t i = b; i < e; ++i) {
            const void* row = static_cast<const char*>(logits) + i * vocab * elem;
            RowResult r;
#ifdef SEENIT_LOGPROB_X86
            if (simd) {
                const void* next = i + 1 < e ? static_cast<const char*>(row) + vocab * elem : row;
                const float ft = static_cast<float>(inv_t);
                if (type == LogitType::f32) r = row_avx2<LogitType::f32>(row, next, vocab, targets[i], ft, want_sigma, xbuf.data());
                else if (type == LogitType::f16) r = row_avx2<LogitType::f16>(row, next, vocab, targets[i], ft, want_sigma, xbuf.data());
                else r = row_avx2<LogitType::bf16>(row, next, vocab, targets[i], ft, want_sigma, xbuf.data());
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
    }, nt);
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
