// UTF-8 code points in and out, shared by the kernels that read or write text bytes.
#pragma once

#include <cstddef>

#include "seenit/common.hpp"

namespace seenit {

// Decodes one code point at s[i] (i < n). Accepts encoded surrogates (ED A0..BF xx, as
// Python's "surrogatepass" writes them: the caller decides what they mean); rejects
// everything else that is not UTF-8 (overlong forms, > U+10FFFF, truncated sequences).
// Returns the length, or 0 when invalid.
inline std::size_t utf8_decode(const u8* s, std::size_t i, std::size_t n, u32& cp) {
    const u32 b0 = s[i];
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    auto cont = [&](std::size_t k) { return i + k < n && (s[i + k] & 0xC0) == 0x80; };
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        if (!cont(1)) return 0;
        cp = ((b0 & 0x1F) << 6) | (s[i + 1] & 0x3F);
        return 2;
    }
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        if (b0 == 0xE0 && s[i + 1] < 0xA0) return 0;  // overlong
        cp = ((b0 & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
        return 3;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (b0 == 0xF0 && s[i + 1] < 0x90) return 0;  // overlong
        if (b0 == 0xF4 && s[i + 1] >= 0x90) return 0;  // > U+10FFFF
        cp = ((b0 & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
        return 4;
    }
    return 0;
}

// Writes the UTF-8 encoding of cp (<= U+10FFFF) at o (room for 4 bytes); returns the new end.
template <class Byte>
inline Byte* utf8_encode(u32 cp, Byte* o) {
    if (cp < 0x80) {
        *o++ = static_cast<Byte>(cp);
    } else if (cp < 0x800) {
        *o++ = static_cast<Byte>(0xC0 | (cp >> 6));
        *o++ = static_cast<Byte>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = static_cast<Byte>(0xE0 | (cp >> 12));
        *o++ = static_cast<Byte>(0x80 | ((cp >> 6) & 0x3F));
        *o++ = static_cast<Byte>(0x80 | (cp & 0x3F));
    } else {
        *o++ = static_cast<Byte>(0xF0 | (cp >> 18));
        *o++ = static_cast<Byte>(0x80 | ((cp >> 12) & 0x3F));
        *o++ = static_cast<Byte>(0x80 | ((cp >> 6) & 0x3F));
        *o++ = static_cast<Byte>(0x80 | (cp & 0x3F));
    }
    return o;
}

}  // namespace seenit
