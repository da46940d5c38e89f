// The AMX-INT8 kernel of the int8 first pass of topk. One tdpbusd multiplies a 16 x 64
// tile of unsigned query bytes by a 64 x 16 tile of signed row bytes into 16 x 16 int32
// dots: 16,384 multiply-adds per instruction against 64 for a 512-bit vpdpbusd. The
// block's panels (topk_quant.hpp) are already laid out as B tiles, so each K step is
// four tile loads and four tdpbusd for 32 queries x 32 rows. Integer sums are exact:
// the dots, and so the candidates and the result, equal the VNNI kernel's.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "topk_quant.hpp"

#if defined(__x86_64__) && ((defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11) || \
                            (defined(__clang__) && __clang_major__ >= 12))
#define SEENIT_HAVE_AMX 1
#else
#define SEENIT_HAVE_AMX 0
#endif

namespace seenit::topk_detail {

#if SEENIT_HAVE_AMX
namespace {

constexpr std::size_t kQueryGroup = 32;  // two A tiles of 16 queries
// Rows per chunk, revisited per query group: 256 (96 KiB at d = 384); for k = 1, whose
// pruning works per chunk, 2,048 (a k-means assignment against <= 2,048 centroids is one chunk).
constexpr std::size_t kChunkPanels = 16, kChunkPanelsTop1 = 128;
constexpr std::size_t kPairInts = 4 * 256;  // int32 dots per panel pair and 32 queries

struct TileConfig {  // the 64-byte operand of ldtilecfg, palette 1
    std::uint8_t palette = 1, start_row = 0;
    std::uint8_t reserved[14] = {};
    std::uint16_t colsb[16] = {};
    std::uint8_t rows[16] = {};
};

__attribute__((target("amx-tile,amx-int8"))) void configure_tiles() {
    alignas(64) TileConfig cfg;
    for (int t = 0; t < 8; ++t) {  // 0-3: int32 dots, 4-5: queries, 6-7: panels; all 16 rows x 64 bytes
        cfg.rows[t] = 16;
        cfg.colsb[t] = 64;
    }
    _tile_loadconfig(&cfg);
}

__attribute__((target("amx-tile,amx-int8"))) void release_tiles() { _tile_release(); }

// Dots of queries u[0..32) with the panel pair at p0: out[t * 256 + 16 m + n], tile t =
// 2 * (query half) + panel, m the query within its half, n the row within its panel.
__attribute__((target("amx-tile,amx-int8"))) inline void tile_amx(const u8* u, std::size_t dp, const std::int8_t* p0,
                                                                   std::int32_t* out) {
    const std::int8_t* p1 = p0 + kPanel * dp;
    const u8* u1 = u + 16 * dp;
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (std::size_t k = 0; k < dp; k += 64) {
        _tile_loadd(4, u + k, dp);
        _tile_loadd(5, u1 + k, dp);
        _tile_loadd(6, p0 + 16 * k, 64);  // bytes k..k+63 of 16 rows: groups k/4.., 64 bytes each
        _tile_loadd(7, p1 + 16 * k, 64);
        _tile_dpbusd(0, 4, 6);
        _tile_dpbusd(1, 4, 7);
        _tile_dpbusd(2, 5, 6);
        _tile_dpbusd(3, 5, 7);
    }
    _tile_stored(0, out, 64);
    _tile_stored(1, out + 256, 64);
    _tile_stored(2, out + 512, 64);
    _tile_stored(3, out + 768, 64);
}

// The partial approximate keys of query j (of the group) over a chunk's panel pairs:
// written to keys[64 t .. 64 t + 32) for pair t; returns the best one over rows in range.
__attribute__((target("avx512f,avx512bw,avx512dq,avx2,fma"))) inline float chunk_keys(
    float s_q, float key_mul, const PanelPair* pp, std::size_t pairs, const std::int32_t* out, std::size_t j, float* keys) {
    const __m512 sq = _mm512_set1_ps(s_q), c = _mm512_set1_ps(key_mul);
    __m512 best = _mm512_set1_ps(-INFINITY);
    for (std::size_t t = 0; t < pairs; ++t) {
        const std::int32_t* d0 = out + t * kPairInts + (j / 16) * 512 + (j % 16) * 16;
        const __m512 a0 = approx_scores(_mm512_load_si512(d0), pp[t].off0, sq, pp[t].xs0, c, pp[t].xa0);
        const __m512 a1 = approx_scores(_mm512_load_si512(d0 + 256), pp[t].off1, sq, pp[t].xs1, c, pp[t].xa1);
        _mm512_store_ps(keys + 32 * t, a0);
        _mm512_store_ps(keys + 32 * t + 16, a1);
        best = _mm512_mask_max_ps(best, static_cast<__mmask16>(pp[t].m0), best, a0);
        best = _mm512_mask_max_ps(best, static_cast<__mmask16>(pp[t].m1), best, a1);
    }
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, best);
    float b = -INFINITY;
    for (float l : lanes) b = l > b ? l : b;
    return b;
}

}  // namespace

// Rows are visited per query in increasing order, as in the VNNI scan. For k = 1 a chunk's
// dots are all computed before any row is offered, and rows whose approximate score is
// below the chunk's best approximate score minus 2E are skipped: that best row's exact
// score is at least its approximation minus E, so theirs (at most approximation plus E)
// is strictly lower and cannot be the top-1. This spares the re-scores of rows that only
// beat the running best because the true best has not been reached yet (k-means
// assignments against a thousand centroids re-scored ~50 rows per query without it).
// Otherwise each query meets the VNNI scan's thresholds and re-scores the same pairs.
__attribute__((target("amx-tile,amx-int8,avx512f,avx512bw,avx512dq,avx2,fma"))) std::size_t scan_int8_amx(
    Metric m, const Queries& Q, const QuantQueries& QQ, const QuantBlock& X, std::size_t qb, std::size_t qe,
    const Block& B, std::size_t rb, std::size_t re, Heaps& heaps, const float* E) {
    const std::size_t dp = QQ.dp;
    const bool top1 = heaps.k() == 1;
    std::size_t rescored = 0;
    const std::size_t chunk = top1 ? kChunkPanelsTop1 : kChunkPanels;
    // the four C tiles (4 KiB) of each panel pair of a chunk, 64-byte aligned
    std::vector<std::int32_t> dots_store(chunk / 2 * kPairInts + 16);
    std::int32_t* out = dots_store.data() + (64 - reinterpret_cast<std::uintptr_t>(dots_store.data()) % 64) % 64 / 4;
    PanelPair pp[kChunkPanelsTop1 / 2];
    alignas(64) float keys[kChunkPanelsTop1 * kPanel];  // k = 1: one query's keys over a chunk (8 KiB)
    const __m512 c = _mm512_set1_ps(X.key_mul);
    const std::size_t pb = rb / kPanel / 2 * 2, pe = (re + kPanel - 1) / kPanel;
    configure_tiles();
    for (std::size_t c0 = pb; c0 < pe; c0 += chunk) {
        const std::size_t pairs = (std::min(pe, c0 + chunk) - c0 + 1) / 2;
        for (std::size_t t = 0; t < pairs; ++t) pp[t] = panel_pair(X, (c0 + 2 * t) * kPanel, rb, re);
        for (std::size_t i = qb; i < qe; i += kQueryGroup) {  // reads up to 31 rows past qe: QQ.U is padded
            const std::size_t nq = std::min(kQueryGroup, qe - i);
            for (std::size_t t = 0; t < pairs; ++t)
                tile_amx(QQ.U.data() + i * dp, dp, X.P.data() + (c0 + 2 * t) * kPanel * dp, out + t * kPairInts);
            if (top1) {  // each query's keys once: its chunk's best, then the offers
                for (std::size_t j = 0; j < nq; ++j) {
                    const float floor = chunk_keys(QQ.s[i + j], X.key_mul, pp, pairs, out, j, keys) - 2.0f * E[i + j - qb];
                    for (std::size_t t = 0; t < pairs; ++t)
                        rescored += offer_candidates(m, Q, B, pp[t], i + j, _mm512_load_ps(keys + 32 * t),
                                                     _mm512_load_ps(keys + 32 * t + 16), E[i + j - qb], heaps, floor);
                }
                continue;
            }
            for (std::size_t t = 0; t < pairs; ++t)
                for (std::size_t j = 0; j < nq; ++j) {
                    const std::int32_t* d0 = out + t * kPairInts + (j / 16) * 512 + (j % 16) * 16;
                    const __m512 sq = _mm512_set1_ps(QQ.s[i + j]);
                    rescored += offer_candidates(
                        m, Q, B, pp[t], i + j, approx_scores(_mm512_load_si512(d0), pp[t].off0, sq, pp[t].xs0, c, pp[t].xa0),
                        approx_scores(_mm512_load_si512(d0 + 256), pp[t].off1, sq, pp[t].xs1, c, pp[t].xa1), E[i + j - qb], heaps);
                }
        }
    }
    release_tiles();
    return rescored;
}

#elif SEENIT_TOPK_X86

std::size_t scan_int8_amx(Metric m, const Queries& Q, const QuantQueries& QQ, const QuantBlock& X, std::size_t qb,
                          std::size_t qe, const Block& B, std::size_t rb, std::size_t re, Heaps& heaps, const float* E) {
    return scan_int8_vnni(m, Q, QQ, X, qb, qe, B, rb, re, heaps, E);  // unreachable: no AMX build, no amx_int8
}

#endif

}  // namespace seenit::topk_detail
