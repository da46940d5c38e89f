// Shingling: splitting a document into n-grams of words, code points or token ids,
// exactly as python/seenit/reference/sketch.py::shingles specifies, and exact
// Jaccard similarity on sets of shingle hashes. No Python here.
//
// Text arrives as UTF-8. Word splitting uses Python's str.split() whitespace set
// (Py_UNICODE_ISSPACE); lower-casing here is ASCII only: the Python layer applies
// str.lower() to documents that contain non-ASCII characters before they get here.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "seenit/common.hpp"

namespace seenit {

enum class Unit : int { Word = 0, Char = 1, Token = 2 };

// Python's str.lower() for single code points (from the running interpreter, so the
// Unicode version matches): entry e maps keys[e] to bytes[off[e]..off[e+1]) (UTF-8).
// U+03A3 (capital sigma) is context-dependent in str.lower(); the Python layer lower-cases
// documents containing it itself and keeps it out of this table.
struct LowerTable {
    std::vector<i32> bmp;  // 65536 entries: -1 = unchanged, else the entry index
    std::vector<u32> keys;
    std::vector<u32> off;
    std::string bytes;
    void build(const u32* k, std::size_t n, const u32* offsets, const u8* data);
    // The entry index for code point c, or -1.
    i32 find(u32 c) const;
};

// A batch of documents: texts (pointer + length each) or token ids as a ragged
// (values, offsets) pair. The caller keeps the memory alive.
// text_kind[d] (optional, default 0): 0 = ASCII (or UTF-8 already lower-cased, when asked,
// by the caller), length in bytes; 1, 2, 4 = code units of that width (CPython's PEP 393
// storage), length in code points; kKindUtf8 = UTF-8 bytes of any text (checked, and
// lower-cased through `lower`, here), length in bytes.
inline constexpr u8 kKindUtf8 = 8;

struct Docs {
    Unit unit = Unit::Word;
    std::size_t n = 0;
    const char* const* text_ptr = nullptr;
    const std::size_t* text_len = nullptr;
    const u8* text_kind = nullptr;
    const LowerTable* lower = nullptr;  // full lower-casing of kind 1/2/4 and kKindUtf8 documents
    // Set (n entries, may be null): kKindUtf8 documents holding U+03A3 while lower-casing are
    // flagged here; their shingles are not str.lower()'s (final sigma needs context) and the
    // caller redoes them lower-cased itself.
    u8* needs_context_lower = nullptr;
    bool replace = false;               // lone surrogates -> '?' (else invalid_argument)
    const u64* tokens = nullptr;
    const i64* offsets = nullptr;  // n + 1 entries (token unit)
};

// Appends the UTF-8 encoding of n code units of width `kind` (1, 2 or 4) to out,
// lower-cased (ASCII directly, others through `table` when given) if `lowercase`.
// A lone surrogate becomes '?' when `replace`, else std::invalid_argument naming doc `d`.
void ucs_to_utf8(const void* data, int kind, std::size_t n, bool lowercase, const LowerTable* table, bool replace,
                 std::size_t d, std::string& out);

// Appends UTF-8 text p[0:n], checked (invalid UTF-8 is std::invalid_argument naming doc
// `d`; an encoded lone surrogate is one too, or '?' when `replace`), lower-cased like
// ucs_to_utf8 when `lowercase`: the same bytes ucs_to_utf8 writes for the decoded text.
// Returns whether the text holds U+03A3 (which the table leaves as it is).
bool utf8_to_utf8(const u8* p, std::size_t n, bool lowercase, const LowerTable* table, bool replace, std::size_t d,
                  std::string& out);

// Byte length of the whitespace code point starting at p (0 if it is not one).
// The set is Python's str.isspace(): \t \n \v \f \r \x1c-\x1f space, U+0085, U+00A0,
// U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
inline std::size_t whitespace_len(const u8* p, const u8* end) {
    u8 c = p[0];
    if (c < 0x80) return (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) ? 1 : 0;
    std::size_t left = static_cast<std::size_t>(end - p);
    if (c == 0xC2) return (left >= 2 && (p[1] == 0x85 || p[1] == 0xA0)) ? 2 : 0;
    if (left < 3) return 0;
    if (c == 0xE1) return (p[1] == 0x9A && p[2] == 0x80) ? 3 : 0;  // U+1680
    if (c == 0xE2) {
        if (p[1] == 0x80) return ((p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF) ? 3 : 0;
        if (p[1] == 0x81) return p[2] == 0x9F ? 3 : 0;  // U+205F
        return 0;
    }
    if (c == 0xE3) return (p[1] == 0x80 && p[2] == 0x80) ? 3 : 0;  // U+3000
    return 0;
}

// Byte classes for the word scanner: 1 = ASCII whitespace, 2 = lead byte of a
// possible multi-byte whitespace code point (check with whitespace_len), 0 = word byte.
struct ByteClasses {
    u8 cls[256] = {};
    constexpr ByteClasses() {
        for (int c = 0x09; c <= 0x0D; ++c) cls[c] = 1;
        for (int c = 0x1C; c <= 0x1F; ++c) cls[c] = 1;
        cls[0x20] = 1;
        cls[0xC2] = cls[0xE1] = cls[0xE2] = cls[0xE3] = 2;
    }
};
inline constexpr ByteClasses kByteClasses{};

// Appends the [start, end) byte ranges of the words of UTF-8 text (maximal runs of
// non-whitespace code points, whitespace as in whitespace_len) to starts / ends.
// simd = true uses the AVX2 scanner where the CPU has it (identical results).
void split_words(const u8* text, std::size_t len, std::vector<std::size_t>& starts, std::vector<std::size_t>& ends,
                 bool simd);

// Reusable per-thread buffers for shingling (avoids allocating per document).
struct ShingleScratch {
    std::string lowered;
    std::string utf8;
    std::string joined;
    std::vector<std::size_t> starts;   // word starts, or code point starts
    std::vector<std::size_t> ends;     // word ends
};

// Calls f(const u8* bytes, size_t len, bool padded) once per shingle of document d,
// in order (duplicates included). Word shingles are the words joined by one space;
// char shingles the UTF-8 bytes of n code points; token shingles the ids as
// little-endian u64 bytes. Fewer than n units: one shingle of all of them.
// padded: at least 16 bytes after the shingle are readable (the rest of the
// document, or the scratch copy's slack), so a hash may load whole blocks.
template <class F>
void for_each_shingle(const Docs& docs, std::size_t d, std::size_t ngram, bool lowercase, ShingleScratch& s, F&& f) {
    if (docs.unit == Unit::Token) {
        const u64* v = docs.tokens + docs.offsets[d];
        std::size_t m = static_cast<std::size_t>(docs.offsets[d + 1] - docs.offsets[d]);
        if (m == 0) return;
        std::size_t w = m < ngram ? m : ngram;
        for (std::size_t i = 0; i + w <= m; ++i) f(reinterpret_cast<const u8*>(v + i), w * sizeof(u64), i + w + 2 <= m);
        return;
    }
    const u8* text = reinterpret_cast<const u8*>(docs.text_ptr[d]);
    std::size_t len = docs.text_len[d];
    if (len == 0) return;
    int kind = docs.text_kind ? docs.text_kind[d] : 0;
    if (kind == kKindUtf8) {
        unsigned non_ascii = 0;  // branch-free so the scan vectorizes
        for (std::size_t i = 0; i < len; ++i) non_ascii |= text[i] >> 7;
        if (non_ascii) {
            s.utf8.clear();
            if (utf8_to_utf8(text, len, lowercase, docs.lower, docs.replace, d, s.utf8) && lowercase &&
                docs.needs_context_lower)
                docs.needs_context_lower[d] = 1;
            text = reinterpret_cast<const u8*>(s.utf8.data());
            len = s.utf8.size();
            kind = -1;  // checked and lower-cased
        } else {
            kind = 0;
        }
    }
    if (kind > 0) {
        s.utf8.clear();
        ucs_to_utf8(text, kind, len, lowercase, docs.lower, docs.replace, d, s.utf8);
        text = reinterpret_cast<const u8*>(s.utf8.data());
        len = s.utf8.size();
    } else if (kind == 0 && lowercase) {
        unsigned has_upper = 0;  // branch-free so the scan vectorizes
        for (std::size_t i = 0; i < len; ++i) has_upper |= static_cast<u8>(text[i] - 'A') < 26;
        if (has_upper) {
            s.lowered.assign(reinterpret_cast<const char*>(text), len);
            for (auto& ch : s.lowered)  // branch-free, so it vectorizes
                ch = static_cast<char>(ch + ((static_cast<u8>(ch - 'A') < 26) << 5));
            text = reinterpret_cast<const u8*>(s.lowered.data());
        }
    }
    const u8* end = text + len;
    if (docs.unit == Unit::Char) {
        s.starts.clear();
        for (std::size_t i = 0; i < len; ++i)
            if ((text[i] & 0xC0) != 0x80) s.starts.push_back(i);
        std::size_t m = s.starts.size();
        if (m == 0) return;
        s.starts.push_back(len);
        std::size_t w = m < ngram ? m : ngram;
        for (std::size_t i = 0; i + w <= m; ++i)
            f(text + s.starts[i], s.starts[i + w] - s.starts[i], s.starts[i + w] + 16 <= len);
        return;
    }
    // Words: maximal runs of non-whitespace code points.
    (void)end;
    s.starts.clear();
    s.ends.clear();
    split_words(text, len, s.starts, s.ends, true);
    std::size_t m = s.starts.size();
    if (m == 0) return;
    // A window is its words joined by single spaces. Where every gap between words
    // is one ' ', that is a byte range of the text; otherwise the words are copied
    // once with single spaces between them (each run of single-space-separated
    // words in one memcpy) and the windows are ranges of the copy. Joining each
    // window on its own copied every word n times, in small appends.
    const u8* base = text;
    std::size_t readable = len;  // bytes readable from base
    auto single_space = [&](std::size_t j) { return s.starts[j] == s.ends[j - 1] + 1 && text[s.ends[j - 1]] == ' '; };
    std::size_t first_bad = 1;
    while (first_bad < m && single_space(first_bad)) ++first_bad;
    if (first_bad < m) {
        s.joined.resize(len + 16);  // every gap is >= 1 byte and becomes 1; +16: hash slack
        u8* out = reinterpret_cast<u8*>(s.joined.data());
        std::size_t pos = 0, run = 0;
        auto copy_run = [&](std::size_t last) {  // words run..last, then their new positions
            const std::size_t from = s.starts[run], n = s.ends[last] - from;
            std::memcpy(out + pos, text + from, n);
            for (std::size_t t = run; t <= last; ++t) {
                s.starts[t] = s.starts[t] - from + pos;
                s.ends[t] = s.ends[t] - from + pos;
            }
            pos += n;
        };
        for (std::size_t j = first_bad; j < m; ++j) {
            if (single_space(j)) continue;
            copy_run(j - 1);
            out[pos++] = ' ';
            run = j;
        }
        copy_run(m - 1);
        base = out;
        readable = s.joined.size();
    }
    std::size_t w = m < ngram ? m : ngram;
    for (std::size_t j = 0; j + w <= m; ++j) {
        const std::size_t end = s.ends[j + w - 1];
        f(base + s.starts[j], end - s.starts[j], end + 16 <= readable);
    }
}

// Documents per work item for parallel_for_dynamic: small enough that a batch of a
// few long documents still spreads over all threads, large enough that tiny
// documents do not contend on the shared counter.
std::size_t doc_chunk(std::size_t n_docs);

// Sorted, de-duplicated 64-bit hashes (hashing::hash64) of each document's shingles,
// as a ragged pair: values and offsets (n + 1 entries).
struct RaggedU64 {
    std::vector<u64> values;
    std::vector<i64> offsets;
};
RaggedU64 shingle_hashes(const Docs& docs, std::size_t ngram, bool lowercase);

// Exact Jaccard |A & B| / |A | B| of sorted unique sets given as a ragged pair,
// for each (i, j) row of `pairs` (m x 2). Two empty sets give 0.0.
void jaccard_exact_pairs(ArrayView<const u64> values, ArrayView<const i64> offsets, MatrixView<const i64> pairs,
                         ArrayView<double> out);

}  // namespace seenit
