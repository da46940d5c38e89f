// SHA-1 (FIPS 180-4, section 6.1), written from the standard for datasketch
// compatibility (datasketch hashes every token with SHA-1). Short messages are
// the common case (one 64-byte block per word shingle), so the message is padded
// into a stack buffer block by block rather than copied whole.
#include "seenit/hashing.hpp"

#include "seenit/cpu.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#include <immintrin.h>
#define SEENIT_X86 1
#endif

namespace seenit::hashing {
namespace {

inline u32 rotl(u32 x, int r) { return (x << r) | (x >> (32 - r)); }

inline u32 load_be32(const u8* p) {
    return (static_cast<u32>(p[0]) << 24) | (static_cast<u32>(p[1]) << 16) | (static_cast<u32>(p[2]) << 8) |
           static_cast<u32>(p[3]);
}

void compress_portable(u32 h[5], const u8* block) {
    u32 w[80];
    for (int t = 0; t < 16; ++t) w[t] = load_be32(block + 4 * t);
    for (int t = 16; t < 80; ++t) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    u32 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; ++t) {
        u32 f, k;
        if (t < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999U;
        } else if (t < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1U;
        } else if (t < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDCU;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6U;
        }
        u32 tmp = rotl(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = rotl(b, 30);
        b = a;
        a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

#ifdef SEENIT_X86
// One SHA-NI step: four rounds (group i of 20) plus the message-schedule work that
// overlaps it, following the instruction pattern Intel documents for SHA-1.
#define SEENIT_SHA1_STEP(i, f)                                                                 \
    do {                                                                                       \
        if ((i) == 0) E[0] = _mm_add_epi32(E[0], M[0]);                                        \
        else E[(i) & 1] = _mm_sha1nexte_epu32(E[(i) & 1], M[(i) & 3]);                         \
        E[((i) + 1) & 1] = abcd;                                                               \
        if ((i) >= 3 && (i) <= 18) M[((i) + 1) & 3] = _mm_sha1msg2_epu32(M[((i) + 1) & 3], M[(i) & 3]); \
        abcd = _mm_sha1rnds4_epu32(abcd, E[(i) & 1], f);                                       \
        if ((i) >= 1 && (i) <= 16) M[((i) + 3) & 3] = _mm_sha1msg1_epu32(M[((i) + 3) & 3], M[(i) & 3]); \
        if ((i) >= 2 && (i) <= 17) M[((i) + 2) & 3] = _mm_xor_si128(M[((i) + 2) & 3], M[(i) & 3]); \
    } while (0)

__attribute__((target("sha,sse4.1,ssse3"))) void compress_shani(u32 h[5], const u8* block) {
    const __m128i bswap = _mm_set_epi64x(0x0001020304050607LL, 0x08090A0B0C0D0E0FLL);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)), 0x1B);
    __m128i E[2];
    E[0] = _mm_set_epi32(static_cast<int>(h[4]), 0, 0, 0);
    E[1] = _mm_setzero_si128();
    const __m128i abcd_save = abcd, e_save = E[0];
    __m128i M[4];
    for (int q = 0; q < 4; ++q)
        M[q] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * q)), bswap);
    SEENIT_SHA1_STEP(0, 0);  SEENIT_SHA1_STEP(1, 0);  SEENIT_SHA1_STEP(2, 0);  SEENIT_SHA1_STEP(3, 0);
    SEENIT_SHA1_STEP(4, 0);  SEENIT_SHA1_STEP(5, 1);  SEENIT_SHA1_STEP(6, 1);  SEENIT_SHA1_STEP(7, 1);
    SEENIT_SHA1_STEP(8, 1);  SEENIT_SHA1_STEP(9, 1);  SEENIT_SHA1_STEP(10, 2); SEENIT_SHA1_STEP(11, 2);
    SEENIT_SHA1_STEP(12, 2); SEENIT_SHA1_STEP(13, 2); SEENIT_SHA1_STEP(14, 2); SEENIT_SHA1_STEP(15, 3);
    SEENIT_SHA1_STEP(16, 3); SEENIT_SHA1_STEP(17, 3); SEENIT_SHA1_STEP(18, 3); SEENIT_SHA1_STEP(19, 3);
    E[0] = _mm_sha1nexte_epu32(E[0], e_save);
    abcd = _mm_add_epi32(abcd, abcd_save);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h), _mm_shuffle_epi32(abcd, 0x1B));
    h[4] = static_cast<u32>(_mm_extract_epi32(E[0], 3));
}
#undef SEENIT_SHA1_STEP

bool cpu_has_sha() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    return (b >> 29) & 1U;
}
#endif

using Compress = void (*)(u32*, const u8*);

Compress pick_compress(bool simd) {
#ifdef SEENIT_X86
    // SEENIT_DISABLE_SIMD=1 clears every cpu_features() flag; honour it here too.
    static const bool shani = cpu_has_sha() && cpu_features().avx2;
    if (simd && shani) return compress_shani;
#endif
    (void)simd;
    return compress_portable;
}

}  // namespace

void sha1(const u8* p, std::size_t n, u32 out[5]) { sha1_impl(p, n, out, true); }

void sha1_impl(const u8* p, std::size_t n, u32 out[5], bool simd) {
    const Compress compress = pick_compress(simd);
    out[0] = 0x67452301U;
    out[1] = 0xEFCDAB89U;
    out[2] = 0x98BADCFEU;
    out[3] = 0x10325476U;
    out[4] = 0xC3D2E1F0U;
    std::size_t i = 0;
    for (; i + 64 <= n; i += 64) compress(out, p + i);
    // Padding: 0x80, zeros, then the message length in bits as a big-endian u64.
    u8 tail[128] = {0};
    std::size_t r = n - i;
    if (r) std::memcpy(tail, p + i, r);
    tail[r] = 0x80;
    std::size_t tail_len = (r + 1 + 8 <= 64) ? 64 : 128;
    u64 bits = static_cast<u64>(n) * 8;
    for (int b = 0; b < 8; ++b) tail[tail_len - 1 - b] = static_cast<u8>(bits >> (8 * b));
    compress(out, tail);
    if (tail_len == 128) compress(out, tail + 64);
}

}  // namespace seenit::hashing
