// Reading one string field from JSON lines without building a document per line.
//
// seenit's JSONL reader (python/seenit/io.py) defines a record as what `json.loads`
// makes of a line. This kernel takes the common case natively and hands every other
// line back to that definition: per line of a chunk (lines end at \n, \r or \r\n, as
// bytes.splitlines splits them), it either
//   - skips it: empty, or only ASCII whitespace in str.isspace's sense;
//   - takes it: the line is one strictly valid JSON object (RFC 8259: no NaN, no
//     trailing commas, UTF-8 valid, nesting at most kJsonlMaxDepth) holding `field`
//     exactly once, as a string without a lone surrogate escape; the string's value
//     (escapes decoded) is appended to `text`;
//   - or defers it: anything else (another top-level value, invalid JSON, a missing,
//     repeated or non-string field, a lone surrogate, a line that starts with
//     whitespace or a BOM). The caller reads a deferred line the reference way, which
//     decides its record or its error.
// A taken line's value is exactly json.loads(line)[field] encoded as UTF-8, because
// every line json.loads would read differently (or refuse) is deferred.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "seenit/common.hpp"

namespace seenit {

// Deeper lines are deferred (json.loads' limit is the Python recursion limit).
constexpr int kJsonlMaxDepth = 500;

struct JsonlFields {
    std::vector<u8> text;         // values of the taken lines, back to back (UTF-8)
    std::vector<i64> offsets{0};  // rows + 1: row r's value is text[offsets[r], offsets[r+1]) (empty if deferred)
    std::vector<i64> line;        // per row: the line's 0-based index in the chunk
    std::vector<u8> deferred;     // per row: 1 = the caller reads this line itself
    std::vector<i64> line_begin;  // per row: the line's bytes [line_begin, line_end), with its ending
    std::vector<i64> line_end;
    i64 n_lines = 0;              // lines in the chunk (skipped ones included)
};

// Rows (taken or deferred lines, in order) of `size` bytes of JSON lines. A last line
// without an ending counts as a line.
JsonlFields jsonl_fields(const u8* data, std::size_t size, std::string_view field);

}  // namespace seenit
