// Text normalisation over a block of UTF-8 documents: lowercase, strip punctuation,
// collapse whitespace, byte for byte what seenit.tokenize.Normalisation does per str.
//
// The character properties are not compiled in: the caller passes a table with one
// entry per code point (0..0x10FFFF), built at run time from the running Python's own
// str.lower() and the `\s` / `[^\w\s]` regexes, so the kernel follows the Unicode
// version of the interpreter that defines the reference. An entry holds
//   bits 0..20  the code point's lowercase (a single code point),
//   kNormSpace  the code point matches `\s`,
//   kNormPunct  the code point matches `[^\w\s]` (removed by strip_punctuation),
//   kNormDefer  its lowercase is not one context-free code point (U+0130 -> "i̇",
//               U+03A3 final sigma): a document holding one must arrive already
//               lowercased (lowercase[i] == 0); meeting one otherwise is an error.
//
// Per document, per code point c of its (valid) UTF-8:
//   if lowercase[i]: c = lower(c)
//   strip_punctuation and punct(c): dropped (a dropped character does not end a space run)
//   collapse_whitespace and space(c): the first of a run becomes one ' ', the rest are dropped
//   else: c, re-encoded as UTF-8
// Nothing is trimmed. The input may hold surrogate code points encoded as 3 bytes
// (Python's "surrogatepass"): one that is removed is fine, one that would be written is
// an error (it has no UTF-8 encoding), as is invalid UTF-8. Errors name the first bad
// document, whatever the thread count. Documents run in parallel; output never depends
// on the thread count.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "seenit/common.hpp"

namespace seenit {

constexpr u32 kNormCodePoints = 0x110000;
constexpr u32 kNormLowerMask = 0x1FFFFF;
constexpr u32 kNormSpace = 1u << 21;
constexpr u32 kNormPunct = 1u << 22;
constexpr u32 kNormDefer = 1u << 23;

struct NormaliseOptions {
    bool strip_punctuation = false;
    bool collapse_whitespace = false;
    // A document to lowercase that holds a kNormDefer code point is not an error: its output
    // is left empty and its index listed in NormalisedBlock::deferred, for the caller to
    // lowercase itself (finding such documents is the kernel's job: it reads every byte anyway).
    bool skip_deferred = false;
};

// The normalised documents, held in per-chunk buffers until gathered.
struct NormalisedBlock {
    struct Chunk {
        std::unique_ptr<u8[]> data;  // uninitialised room: untouched pages are never committed
        std::size_t size = 0;
    };
    std::vector<Chunk> chunks;  // chunk k holds documents [k * chunk_docs, ...) back to back
    std::vector<i64> offsets;             // n + 1 output offsets, offsets[0] == 0
    std::vector<i64> deferred;            // with skip_deferred: the documents skipped, ascending
    std::size_t chunk_docs = 1;

    std::size_t total_bytes() const { return offsets.empty() ? 0 : static_cast<std::size_t>(offsets.back()); }
};

// Normalises documents text[offsets[i]:offsets[i+1]]. `offsets` must be a valid CSR
// offsets array over `text` (checked by the caller), `table` has kNormCodePoints entries,
// `lowercase` has one entry per document. Throws std::invalid_argument naming the first
// bad document (invalid UTF-8, a surrogate kept, a deferred code point to lowercase, a
// table entry out of range).
NormalisedBlock normalise_utf8(ArrayView<const u8> text, ArrayView<const i64> offsets, ArrayView<const u32> table,
                               ArrayView<const u8> lowercase, NormaliseOptions options);

// Copies the block's bytes into `out` (block.total_bytes() long), in parallel.
void gather_normalised(const NormalisedBlock& block, ArrayView<u8> out);

}  // namespace seenit
