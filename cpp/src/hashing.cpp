// SHA-1 (FIPS 180-4, section 6.1), written from the standard for datasketch
// compatibility (datasketch hashes every token with SHA-1). Short messages are
// the common case (one 64-byte block per word shingle), so the message is padded
// into a stack buffer block by block rather than copied whole.
#include "seenit/hashing.hpp"

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

}  // namespace

void sha1(const u8* p, std::size_t n, u32 out[5]) {
    out[0] = 0x67452301U;
    out[1] = 0xEFCDAB89U;
    out[2] = 0x98BADCFEU;
    out[3] = 0x10325476U;
    out[4] = 0xC3D2E1F0U;
    std::size_t i = 0;
    for (; i + 64 <= n; i += 64) compress_portable(out, p + i);
    // Padding: 0x80, zeros, then the message length in bits as a big-endian u64.
    u8 tail[128] = {0};
    std::size_t r = n - i;
    if (r) std::memcpy(tail, p + i, r);
    tail[r] = 0x80;
    std::size_t tail_len = (r + 1 + 8 <= 64) ? 64 : 128;
    u64 bits = static_cast<u64>(n) * 8;
    for (int b = 0; b < 8; ++b) tail[tail_len - 1 - b] = static_cast<u8>(bits >> (8 * b));
    compress_portable(out, tail);
    if (tail_len == 128) compress_portable(out, tail + 64);
}

}  // namespace seenit::hashing
