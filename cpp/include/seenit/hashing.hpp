// Hash functions shared by the MinHash kernels (and usable by other areas):
// seenit's own 64-bit byte hash, the SplitMix64 generator, the MurmurHash3
// finalizers, and SHA-1 (for datasketch-compatible signatures). No Python here.
//
// All byte loads are little-endian; the project only targets little-endian hosts
// (x86-64, aarch64), where memcpy gives exactly that.
#pragma once

#include <cstddef>
#include <cstring>

#include "seenit/common.hpp"

namespace seenit::hashing {

inline constexpr u64 kGolden = 0x9E3779B97F4A7C15ULL;  // 2^64 / phi
inline constexpr u64 kMixA = 0xBF58476D1CE4E5B9ULL;    // SplitMix64 multipliers
inline constexpr u64 kMixB = 0x94D049BB133111EBULL;

inline u64 load_le64(const u8* p) {
    u64 v;
    std::memcpy(&v, p, 8);
    return v;
}

inline u32 load_le32(const u8* p) {
    u32 v;
    std::memcpy(&v, p, 4);
    return v;
}

// The first n <= 8 bytes at p as a little-endian u64, zero-padded; reads only p[0..n).
// (Two overlapping 4-byte loads instead of a variable-length memcpy call.)
inline u64 load_le_partial(const u8* p, std::size_t n) {
    if (n >= 4) {
        u64 lo = load_le32(p);
        u64 hi = static_cast<u64>(load_le32(p + n - 4)) >> (8 * (8 - n));
        return lo | (hi << 32);
    }
    if (n == 0) return 0;
    return static_cast<u64>(p[0]) | (static_cast<u64>(n > 1 ? p[1] : 0) << 8) |
           (static_cast<u64>(n > 2 ? p[2] : 0) << 16);
}

// 64x64 -> 128-bit product folded to 64 bits (low xor high).
inline u64 fold_mul(u64 a, u64 b) {
#if defined(__SIZEOF_INT128__)
    unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
    return static_cast<u64>(r) ^ static_cast<u64>(r >> 64);
#else
    u64 al = a & 0xffffffffULL, ah = a >> 32, bl = b & 0xffffffffULL, bh = b >> 32;
    u64 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    u64 mid = (ll >> 32) + (lh & 0xffffffffULL) + (hl & 0xffffffffULL);
    u64 lo = (ll & 0xffffffffULL) | (mid << 32);
    u64 hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    return lo ^ hi;
#endif
}

// MurmurHash3's 64-bit finalizer: a fixed avalanching bijection.
inline u64 fmix64(u64 x) {
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDULL;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ULL;
    x ^= x >> 33;
    return x;
}

// MurmurHash3's 32-bit finalizer (datasketch's "affine32" pre-mix).
inline u32 fmix32(u32 x) {
    x ^= x >> 16;
    x *= 0x85EBCA6BU;
    x ^= x >> 13;
    x *= 0xC2B2AE35U;
    x ^= x >> 16;
    return x;
}

// SplitMix64 (Steele, Lea, Flood 2014): advance `state` and return the next output.
inline u64 splitmix64(u64& state) {
    state += kGolden;
    u64 z = state;
    z = (z ^ (z >> 30)) * kMixA;
    z = (z ^ (z >> 27)) * kMixB;
    return z ^ (z >> 31);
}

// seenit's 64-bit hash of a byte string (the "fast" scheme's shingle hash).
// Specification (python/seenit/reference/sketch.py::hash64 is the same in Python):
//   h = kGolden ^ (len * kMixA)
//   for each full 16-byte block (a, b as little-endian u64): h = fold_mul(a ^ kMixA ^ h, b ^ kMixB)
//   the remaining 0..15 bytes, zero-padded to (a, b):      h = fold_mul(a ^ kMixA ^ h, b ^ kMixB)
//   return fmix64(h)
// Padded = true: at least 16 more bytes are readable after p + n, so the tail block
// is two whole loads and a mask instead of length-dependent branches (15% off
// text-to-signature MinHash on Pile documents); the value is the same.
template <bool Padded>
inline u64 hash64_impl(const u8* p, std::size_t n) {
    u64 h = kGolden ^ (static_cast<u64>(n) * kMixA);
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) h = fold_mul(load_le64(p + i) ^ kMixA ^ h, load_le64(p + i + 8) ^ kMixB);
    const std::size_t r = n - i;  // 0..15
    u64 a, b;
    if constexpr (Padded) {
        const u64 lo = load_le64(p + i), hi = load_le64(p + i + 8);
        a = r >= 8 ? lo : lo & ((1ULL << (8 * r)) - 1);
        b = r > 8 ? hi & (~0ULL >> (8 * (16 - r))) : 0;
    } else {
        a = load_le_partial(p + i, r < 8 ? r : 8);
        b = r > 8 ? load_le_partial(p + i + 8, r - 8) : 0;
    }
    h = fold_mul(a ^ kMixA ^ h, b ^ kMixB);
    return fmix64(h);
}

inline u64 hash64(const u8* p, std::size_t n) { return hash64_impl<false>(p, n); }

// A shingle's hash64; `padded`: 16 readable bytes follow it (see for_each_shingle).
inline u64 hash64_shingle(const u8* p, std::size_t n, bool padded) {
    return padded ? hash64_impl<true>(p, n) : hash64_impl<false>(p, n);
}

// SHA-1 (FIPS 180-4) of a byte string: the five 32-bit state words of the digest.
// Uses the SHA-NI instructions when the CPU has them, else portable code.
void sha1(const u8* p, std::size_t n, u32 out[5]);
// The same with the SHA-NI path allowed (simd = true) or not (tests compare the two).
void sha1_impl(const u8* p, std::size_t n, u32 out[5], bool simd);

// datasketch.hashfunc.sha1_hash32: the first 4 digest bytes read as little-endian.
inline u32 sha1_hash32(const u8* p, std::size_t n) {
    u32 s[5];
    sha1(p, n, s);
    return __builtin_bswap32(s[0]);
}

}  // namespace seenit::hashing
