// Finding the LMS positions of a text, 64 positions at a time. Private to
// suffix_array.cpp.
//
// Types (S: suffix smaller than the next one, L otherwise; n-1 is L) satisfy
// s[k] = lt[k] | (eq[k] & s[k+1]) with lt[k] = T[k] < T[k+1], eq[k] = T[k] == T[k+1]:
// a carry that runs from high positions to low. For a block of 64 positions
// the comparisons become two bit masks (SSE2 compares for 1-, 2- and 4-byte symbols) and the
// carry is resolved with six shift-and-or steps (a Kogge-Stone prefix); the
// LMS positions (S with an L left neighbour) are then the set bits of
// (s >> 1) & ~s, visited high to low. No branch per position, and one per LMS
// position that is well predicted (the loop over set bits).
#pragma once

#include <cstddef>
#include <type_traits>

#include "seenit/common.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace seenit::sais_detail {

// Bit k of lt / eq: T[i+k] < T[i+k+1] / T[i+k] == T[i+k+1], for k < 64.
template <class Char>
inline void compare_next64(const Char* T, std::size_t i, u64& lt, u64& eq) {
    lt = 0;
    eq = 0;
#if defined(__SSE2__)
    if constexpr (sizeof(Char) == 1 && std::is_unsigned_v<Char>) {
        for (unsigned q = 0; q < 4; ++q) {
            __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(T + i + 16 * q));
            __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(T + i + 16 * q + 1));
            __m128i e = _mm_cmpeq_epi8(a, b);
            __m128i le = _mm_cmpeq_epi8(_mm_min_epu8(a, b), a);
            eq |= static_cast<u64>(static_cast<unsigned>(_mm_movemask_epi8(e))) << (16 * q);
            lt |= static_cast<u64>(static_cast<unsigned>(_mm_movemask_epi8(_mm_andnot_si128(e, le)))) << (16 * q);
        }
        return;
    } else if constexpr (sizeof(Char) == 2) {
        // Signed 16-bit compares; unsigned symbols are biased by 2^15 first.
        const __m128i bias = _mm_set1_epi16(std::is_unsigned_v<Char> ? -0x8000 : 0);
        for (unsigned q = 0; q < 8; ++q) {
            __m128i a = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(T + i + 8 * q)), bias);
            __m128i b = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(T + i + 8 * q + 1)), bias);
            // packs turns the 8 lanes of 16 bits into 8 bytes, so movemask gives 8 bits.
            __m128i e = _mm_packs_epi16(_mm_cmpeq_epi16(a, b), _mm_setzero_si128());
            __m128i l = _mm_packs_epi16(_mm_cmplt_epi16(a, b), _mm_setzero_si128());
            eq |= static_cast<u64>(static_cast<unsigned>(_mm_movemask_epi8(e))) << (8 * q);
            lt |= static_cast<u64>(static_cast<unsigned>(_mm_movemask_epi8(l))) << (8 * q);
        }
        return;
    } else if constexpr (sizeof(Char) == 4) {
        const __m128i bias = _mm_set1_epi32(std::is_unsigned_v<Char> ? static_cast<int>(0x80000000u) : 0);
        for (unsigned q = 0; q < 16; ++q) {
            __m128i a = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(T + i + 4 * q)), bias);
            __m128i b = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(T + i + 4 * q + 1)), bias);
            __m128 e = _mm_castsi128_ps(_mm_cmpeq_epi32(a, b));
            __m128 l = _mm_castsi128_ps(_mm_cmplt_epi32(a, b));
            eq |= static_cast<u64>(static_cast<unsigned>(_mm_movemask_ps(e))) << (4 * q);
            lt |= static_cast<u64>(static_cast<unsigned>(_mm_movemask_ps(l))) << (4 * q);
        }
        return;
    }
#endif
    for (unsigned k = 0; k < 64; ++k) {
        lt |= static_cast<u64>(T[i + k] < T[i + k + 1]) << k;
        eq |= static_cast<u64>(T[i + k] == T[i + k + 1]) << k;
    }
}

// S-type bits of 64 positions from their lt / eq masks and the type of the
// position after them (s_next).
inline u64 s_types64(u64 lt, u64 eq, bool s_next) {
    u64 g = lt, p = eq;
    g |= p & (g >> 1);
    p &= p >> 1;
    g |= p & (g >> 2);
    p &= p >> 2;
    g |= p & (g >> 4);
    p &= p >> 4;
    g |= p & (g >> 8);
    p &= p >> 8;
    g |= p & (g >> 16);
    p &= p >> 16;
    g |= p & (g >> 32);
    // Positions whose run of equal symbols reaches past the block take s_next.
    u64 decided = ~eq;
    u64 run = decided == 0 ? ~u64{0} : ~((u64{2} << (63 - __builtin_clzll(decided))) - 1);
    return g | (s_next ? run : 0);
}

// Calls fn(p) for every LMS position p of T[0, n), from right to left.
template <class Char, class Fn>
void for_each_lms_rtl(const Char* T, std::size_t n, Fn&& fn) {
    if (n < 2) return;
    // Blocks [i, i + 64) read T[i + 64], so they start below hi <= n - 1; the
    // positions from hi up are classified one by one.
    const std::size_t hi = (n - 1) / 64 * 64;
    bool next_s = false;  // position n-1 is L-type
    for (std::size_t i = n - 1; i-- > hi;) {
        bool s = (T[i] < T[i + 1]) | ((T[i] == T[i + 1]) & next_s);
        if (!s & next_s) fn(i + 1);
        next_s = s;
    }
    for (std::size_t i = hi; i >= 64;) {
        i -= 64;
        u64 lt, eq;
        compare_next64(T, i, lt, eq);
        u64 s = s_types64(lt, eq, next_s);
        // Bit k: position i+k+1 is S and i+k is L.
        u64 lms = ((s >> 1) | (static_cast<u64>(next_s) << 63)) & ~s;
        while (lms != 0) {
            unsigned k = 63 - static_cast<unsigned>(__builtin_clzll(lms));
            fn(i + k + 1);
            lms ^= u64{1} << k;
        }
        next_s = (s & 1) != 0;
    }
}

}  // namespace seenit::sais_detail
