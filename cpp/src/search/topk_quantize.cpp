// Quantisation for the int8 first pass of topk (see topk_quant.hpp for the bound):
// queries once per search, each database block once (all threads). With AVX-512 the
// block's rows are quantised straight into the VNNI/AMX panel layout.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "seenit/parallel.hpp"
#include "topk_quant.hpp"

namespace seenit::topk_detail {

void QuantQueriesDeleter::operator()(QuantQueries* p) const { delete p; }
void QuantBlockDeleter::operator()(QuantBlock* p) const { delete p; }

#if SEENIT_TOPK_X86
namespace {

// Quantises v[0..d) * scale_mul to ints in [-63, 63] (round half to even); returns the
// scale s and the error terms of the bound: err = |x - s Q|, qnorm = s |Q|, norm = |x|, in
// double (summed in four lanes: any order is within the bound's 0.1% margin).
__attribute__((target("avx2,fma"))) inline float quantize_row_avx2(const float* v, std::size_t d, float scale_mul,
                                                                   int levels, int* out, double& err, double& qnorm,
                                                                   double& norm) {
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
    const float s = quant_scale(maxabs, levels);
    const float inv = s > 0.0f ? 1.0f / s : 0.0f;  // finite: s >= FLT_MIN
    const __m256 vinv = _mm256_set1_ps(inv), lo = _mm256_set1_ps(static_cast<float>(-levels)),
                 hi = _mm256_set1_ps(static_cast<float>(levels));
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
        const int qv = std::clamp(static_cast<int>(std::nearbyint(x * inv)), -levels, levels);
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

// AVX-512: the same ints as quantize_row_avx2 (same max, scale and rounding), written as
// bytes Q + bias at dst + stride * g for each group g of four elements (stride 64: the
// panel layout; 4: a plain row; bias 64: the unsigned query bytes U);
// returns the scale, the error terms (float32 lanes summed in double: relative error
// below 1e-5, inside the bound's margin) and sum(Q).
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))) inline float quantize_row_avx512(
    const float* v, std::size_t d, float scale_mul, int levels, std::uint8_t* dst, std::size_t stride, int bias,
    double& err, double& qnorm, double& norm, int& sum) {
    const __m512 mul = _mm512_set1_ps(scale_mul);
    __m512 mx = _mm512_setzero_ps();
    for (std::size_t k = 0; k < d; k += 16) {
        const __mmask16 lm = d - k >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (d - k)) - 1);
        mx = _mm512_max_ps(mx, _mm512_abs_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(lm, v + k), mul)));
    }
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, mx);
    float maxabs = 0.0f;
    for (float l : lanes) maxabs = l > maxabs ? l : maxabs;
    const float s = quant_scale(maxabs, levels);
    const float inv = s > 0.0f ? 1.0f / s : 0.0f;  // finite: s >= FLT_MIN
    const __m512 vinv = _mm512_set1_ps(inv), lo = _mm512_set1_ps(static_cast<float>(-levels)),
                 hi = _mm512_set1_ps(static_cast<float>(levels)),
                 vs = _mm512_set1_ps(s);
    __m512 e2 = _mm512_setzero_ps(), q2 = e2, n2 = e2;
    __m512i qsum = _mm512_setzero_si512();
    for (std::size_t k = 0; k < d; k += 16) {
        const __mmask16 lm = d - k >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (d - k)) - 1);
        const __m512 x = _mm512_mul_ps(_mm512_maskz_loadu_ps(lm, v + k), mul);
        const __m512 qf = _mm512_min_ps(hi, _mm512_max_ps(lo, _mm512_roundscale_ps(_mm512_mul_ps(x, vinv),
                                                                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
        const __m512i qi = _mm512_cvtps_epi32(qf);
        qsum = _mm512_add_epi32(qsum, qi);
        alignas(16) std::int32_t groups[4];
        _mm_store_si128(reinterpret_cast<__m128i*>(groups), _mm512_cvtepi32_epi8(_mm512_add_epi32(qi, _mm512_set1_epi32(bias))));
        for (std::size_t g = 0; g < 4 && k + 4 * g < d; ++g) std::memcpy(dst + (k / 4 + g) * stride, groups + g, 4);
        const __m512 ek = _mm512_fnmadd_ps(vs, qf, x);  // x - s q, rounded once
        e2 = _mm512_fmadd_ps(ek, ek, e2);
        q2 = _mm512_fmadd_ps(qf, qf, q2);  // exact: integers below 2^24
        n2 = _mm512_fmadd_ps(x, x, n2);
    }
    alignas(64) float le[16], lq[16], ln[16];
    alignas(64) std::int32_t ls[16];
    _mm512_store_ps(le, e2);
    _mm512_store_ps(lq, q2);
    _mm512_store_ps(ln, n2);
    _mm512_store_si512(ls, qsum);
    double se = 0, sq = 0, sn = 0;
    sum = 0;
    for (int l = 0; l < 16; ++l) {
        se += static_cast<double>(le[l]);
        sq += static_cast<double>(lq[l]);
        sn += static_cast<double>(ln[l]);
        sum += ls[l];
    }
    err = std::sqrt(se);
    qnorm = static_cast<double>(s) * std::sqrt(sq);
    norm = std::sqrt(sn);
    return s;
}

}  // namespace

QuantQueries* quantize_queries(const Queries& Q) {
    auto* QQ = new QuantQueries;
    const std::size_t d = Q.d, dp = padded(d);
    QQ->dp = dp;
    QQ->U.assign((Q.n + kQueryPad) * dp, 0);
    QQ->s.resize(Q.n);
    QQ->e.resize(Q.n);
    QQ->sQ.resize(Q.n);
    QQ->norm.resize(Q.n);
    const bool wide = avx512_available() && cpu_features().avx512bw;
    const int levels = quant_levels();
    parallel_for(Q.n, 256, [&](std::size_t b, std::size_t e, int) {
        std::vector<int> tmp(wide ? 0 : d);
        for (std::size_t i = b; i < e; ++i) {
            if (wide) {
                int sum;
                QQ->s[i] = quantize_row_avx512(Q.q + i * d, d, 1.0f, levels, QQ->U.data() + i * dp, 4, levels + 1, QQ->e[i],
                                               QQ->sQ[i], QQ->norm[i], sum);
                continue;
            }
            QQ->s[i] = quantize_row_avx2(Q.q + i * d, d, 1.0f, levels, tmp.data(), QQ->e[i], QQ->sQ[i], QQ->norm[i]);
            for (std::size_t k = 0; k < d; ++k) QQ->U[i * dp + k] = static_cast<u8>(tmp[k] + levels + 1);
        }
    });
    return QQ;
}

QuantBlock* quantize_block(Metric m, const Block& B, std::size_t dp) {
    auto* X = new QuantBlock;
    const std::size_t d = B.d, nr = B.rows;
    X->dp = dp;
    X->panels = vnni_available();
    const int levels = quant_levels();
    // panels: an even count, so the kernels always read panel pairs
    const std::size_t prow = X->panels ? (nr + 2 * kPanel - 1) / (2 * kPanel) * 2 * kPanel : nr;
    (X->panels ? X->P : X->X).assign(prow * dp, 0);
    X->s.assign(prow, 0.0f);
    X->sum.assign(prow, 0);
    X->xa.assign(prow, 0.0f);
    X->key_mul = m == Metric::L2 ? 2.0f : 1.0f;
    X->norm.resize(nr);
    X->err.resize(nr);
    parallel_for(nr, 256, [&](std::size_t b, std::size_t e, int) {
        std::vector<int> tmp(X->panels ? 0 : d);
        for (std::size_t r = b; r < e; ++r) {
            const float mul = m == Metric::Cosine ? B.aux[r] : 1.0f;
            double qn;
            if (X->panels) {
                auto* dst = reinterpret_cast<std::uint8_t*>(X->P.data()) + (r / kPanel) * kPanel * dp + 4 * (r % kPanel);
                int sum = 0;
                X->s[r] = quantize_row_avx512(B.x + r * d, d, mul, levels, dst, 4 * kPanel, 0, X->err[r], qn, X->norm[r], sum);
                X->sum[r] = (levels + 1) * sum;
                continue;
            }
            X->s[r] = quantize_row_avx2(B.x + r * d, d, mul, levels, tmp.data(), X->err[r], qn, X->norm[r]);
            int sum = 0;
            for (std::size_t k = 0; k < d; ++k) {
                X->X[r * dp + k] = static_cast<std::int8_t>(tmp[k]);
                sum += tmp[k];
            }
            X->sum[r] = (levels + 1) * sum;
        }
    });
    for (std::size_t r = 0; r < nr; ++r) {
        X->max_norm = std::max(X->max_norm, X->norm[r]);
        X->max_err = std::max(X->max_err, X->err[r]);
        if (m == Metric::L2) {
            X->xa[r] = B.aux[r];
            X->max_xa = std::max(X->max_xa, static_cast<double>(B.aux[r]));
        }
    }
    return X;
}

#else  // not x86: the int8 pass never runs (PreparedQueries enables it only with SIMD)

QuantQueries* quantize_queries(const Queries&) { throw std::logic_error("the int8 first pass needs an x86-64 CPU"); }
QuantBlock* quantize_block(Metric, const Block&, std::size_t) {
    throw std::logic_error("the int8 first pass needs an x86-64 CPU");
}

#endif  // SEENIT_TOPK_X86

std::size_t quant_row_bytes(const QuantQueries& QQ) { return QQ.dp; }

std::vector<float> bounds_for(Metric m, const Queries& Q, const QuantQueries& QQ, const QuantBlock& X, std::size_t qb,
                              std::size_t qe) {
    const std::size_t d = Q.d;
    std::vector<float> E(qe - qb);
    for (std::size_t i = qb; i < qe; ++i) {
        const double slack = (2.0 * static_cast<double>(d) + 48.0) * kU * (QQ.norm[i] + QQ.e[i]) * (X.max_norm + X.max_err);
        double e = QQ.e[i] * X.max_norm + QQ.sQ[i] * X.max_err + slack + 1e-30;
        if (m == Metric::L2) e = 2.0 * e + 24.0 * kU * (static_cast<double>(Q.aux[i]) + X.max_xa);
        E[i - qb] = static_cast<float>(e * 1.001);
    }
    return E;
}

}  // namespace seenit::topk_detail
