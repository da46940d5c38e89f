#include "seenit/normalise.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

#include "seenit/parallel.hpp"
#include "seenit/utf8.hpp"

namespace seenit {
namespace {

enum class NormError { none, invalid_utf8, surrogate, defer, table };

struct DocError {
    NormError kind = NormError::none;
    std::size_t byte = 0;  // position in the input document
    u32 cp = 0;
};

// What one ASCII byte becomes under the options: its output byte (lowercased if asked;
// ' ' for whitespace when collapsing) and its action: bit 0 dropped (punctuation being
// stripped), bit 1 a space to collapse.
struct AsciiAction {
    u8 byte[128];
    u8 act[128];
};

// Most bytes a document of n input bytes can normalise to: removing and collapsing only
// shrink, a lowercase takes at most 4 bytes for a code point of at least 1 (in practice
// 2 -> 3 bytes, e.g. U+023A -> U+2C65), so 4 * n bounds every table.
inline std::size_t out_bound(std::size_t n, bool lower) { return lower ? 4 * n : n; }

// Writes the normalised document s[0:n] at o (room for out_bound bytes); returns the end,
// or nullptr (and err) on an error.
u8* normalise_doc(const u8* s, std::size_t n, const u32* table, const AsciiAction& ascii, bool lower,
                  NormaliseOptions opt, u8* o, DocError& err) {
    const bool strip = opt.strip_punctuation, collapse = opt.collapse_whitespace;
    const u32 drop = strip ? kNormPunct : 0u, squeeze = collapse ? kNormSpace : 0u;
    u32 in_space = 0;  // 1 after a collapsed space (dropped characters do not end the run)
    std::size_t i = 0;
    while (i < n) {
        // The common case, ASCII, without a branch per byte (word, space and punctuation
        // bytes alternate unpredictably): the byte is always written and kept by advancing.
        for (; i < n && s[i] < 0x80; ++i) {
            const u32 c = s[i];
            const u32 a = ascii.act[c];
            const u32 dropped = a & 1u, space = a >> 1;
            *o = ascii.byte[c];
            o += (dropped | (space & in_space)) ^ 1u;
            in_space = (in_space & dropped) | (space & (dropped ^ 1u));
        }
        if (i >= n) break;
        u32 cp;
        std::size_t len = utf8_decode(s, i, n, cp);
        if (len == 0) {
            err = {NormError::invalid_utf8, i, 0};
            return nullptr;
        }
        u32 e = table[cp];
        bool changed = false;
        if (lower) {
            if (e & kNormDefer) {
                err = {NormError::defer, i, cp};
                return nullptr;
            }
            u32 lc = e & kNormLowerMask;
            if (lc != cp) {
                if (lc >= kNormCodePoints) {
                    err = {NormError::table, i, cp};
                    return nullptr;
                }
                cp = lc;
                e = table[cp];
                changed = true;
            }
        }
        if (e & drop) {
            i += len;
            continue;
        }
        if (e & squeeze) {
            if (!in_space) *o++ = ' ';
            in_space = 1;
            i += len;
            continue;
        }
        in_space = 0;
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            err = {NormError::surrogate, i, cp};
            return nullptr;
        }
        if (changed) {
            o = utf8_encode(cp, o);
        } else {
            std::memcpy(o, s + i, len);
            o += len;
        }
        i += len;
    }
    return o;
}

std::string hex_cp(u32 cp) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", cp);
    return buf;
}

}  // namespace

NormalisedBlock normalise_utf8(ArrayView<const u8> text, ArrayView<const i64> offsets, ArrayView<const u32> table,
                               ArrayView<const u8> lowercase, NormaliseOptions options) {
    SEENIT_CHECK(offsets.size >= 1, std::invalid_argument, "offsets must have n + 1 >= 1 entries");
    const std::size_t n = offsets.size - 1;
    SEENIT_CHECK(table.size == kNormCodePoints, std::invalid_argument, "table must have ", kNormCodePoints,
                 " entries (one per code point), got ", table.size);
    SEENIT_CHECK(lowercase.size == n, std::invalid_argument, "lowercase must have one entry per document (", n,
                 "), got ", lowercase.size);
    NormalisedBlock block;
    // chunks of about 1 MiB of input (at least one document): even work for threads, few buffers
    const std::size_t total = text.size;
    const std::size_t avg = n ? std::max<std::size_t>(1, total / n) : 1;
    block.chunk_docs = std::clamp<std::size_t>((std::size_t{1} << 20) / avg, 1, 4096);
    const std::size_t nchunks = (n + block.chunk_docs - 1) / block.chunk_docs;
    block.chunks.resize(nchunks);
    std::vector<std::vector<i64>> deferred(nchunks);
    std::vector<i64> lengths(n, 0);
    std::mutex mu;
    std::size_t bad_doc = n;
    DocError bad;
    AsciiAction ascii_plain, ascii_lower;
    const u32 drop = options.strip_punctuation ? kNormPunct : 0u;
    const u32 squeeze = options.collapse_whitespace ? kNormSpace : 0u;
    for (u32 c = 0; c < 128; ++c) {
        u32 lc = table[c] & kNormLowerMask;
        // an ASCII character lowercases to ASCII (checked here: the fast path writes one byte)
        SEENIT_CHECK(lc < 128 && !(table[c] & kNormDefer), std::invalid_argument, "table: the lowercase of ASCII ", c,
                     " must be one ASCII character, got ", lc);
        auto set = [&](AsciiAction& x, u32 out, u32 cls) {
            const bool dropped = (cls & drop) != 0, space = !dropped && (cls & squeeze) != 0;
            x.byte[c] = static_cast<u8>(space ? ' ' : out);
            x.act[c] = static_cast<u8>((dropped ? 1u : 0u) | (space ? 2u : 0u));
        };
        set(ascii_plain, c, table[c]);
        set(ascii_lower, lc, table[lc]);
    }
    parallel_for_dynamic(nchunks, 1, [&](std::size_t cb, std::size_t ce, int) {
        for (std::size_t c = cb; c < ce; ++c) {
            std::size_t d0 = c * block.chunk_docs, d1 = std::min(n, d0 + block.chunk_docs);
            std::size_t room = 0;
            for (std::size_t d = d0; d < d1; ++d)
                room += out_bound(static_cast<std::size_t>(offsets[d + 1] - offsets[d]), lowercase[d] != 0);
            auto& out = block.chunks[c];
            out.data.reset(new u8[std::max<std::size_t>(room, 1)]);
            u8* o = out.data.get();
            for (std::size_t d = d0; d < d1; ++d) {
                DocError err;
                bool lower = lowercase[d] != 0;
                u8* end = normalise_doc(text.data + offsets[d], static_cast<std::size_t>(offsets[d + 1] - offsets[d]),
                                        table.data, lower ? ascii_lower : ascii_plain, lower, options, o, err);
                if (end == nullptr && err.kind == NormError::defer && options.skip_deferred) {
                    deferred[c].push_back(static_cast<i64>(d));  // left empty, for the caller
                    continue;
                }
                if (end == nullptr) {
                    std::lock_guard<std::mutex> lock(mu);
                    if (d < bad_doc) {
                        bad_doc = d;
                        bad = err;
                    }
                    break;  // later documents of this chunk cannot be the first bad one
                }
                lengths[d] = end - o;
                o = end;
            }
            out.size = static_cast<std::size_t>(o - out.data.get());
        }
    });
    if (bad_doc < n) {
        std::string where = "document " + std::to_string(bad_doc) + " (byte " + std::to_string(bad.byte) + ")";
        switch (bad.kind) {
            case NormError::invalid_utf8:
                throw std::invalid_argument(where + " is not valid UTF-8");
            case NormError::surrogate:
                throw std::invalid_argument(where + " holds a lone surrogate " + hex_cp(bad.cp) +
                                            " that normalisation keeps: it has no UTF-8 encoding; fix or drop that document");
            case NormError::defer:
                throw std::invalid_argument(where + " holds " + hex_cp(bad.cp) +
                                            ", which the table marks as not lowercased per code point; pass it lowercased");
            default:
                throw std::invalid_argument(where + ": the table maps " + hex_cp(bad.cp) + " to a lowercase beyond U+10FFFF");
        }
    }
    block.offsets.resize(n + 1);
    block.offsets[0] = 0;
    for (std::size_t d = 0; d < n; ++d) block.offsets[d + 1] = block.offsets[d] + lengths[d];
    for (const auto& part : deferred) block.deferred.insert(block.deferred.end(), part.begin(), part.end());
    return block;
}

void gather_normalised(const NormalisedBlock& block, ArrayView<u8> out) {
    SEENIT_CHECK(out.size == block.total_bytes(), std::invalid_argument, "output must hold ", block.total_bytes(),
                 " bytes, got ", out.size);
    parallel_for_dynamic(block.chunks.size(), 1, [&](std::size_t cb, std::size_t ce, int) {
        for (std::size_t c = cb; c < ce; ++c) {
            const auto& buf = block.chunks[c];
            if (buf.size) std::memcpy(out.data + block.offsets[c * block.chunk_docs], buf.data.get(), buf.size);
        }
    });
}

}  // namespace seenit
