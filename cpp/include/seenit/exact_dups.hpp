// Exact-substring duplicates (Lee et al. 2021, "Deduplicating Training Data Makes
// Language Models Better", ExactSubstr): with the suffix array and LCP array of a
// corpus (documents joined by a separator token), find every span of >= k tokens
// that occurs at least twice.
//
// A position p starts a repeated k-gram when tokens[p, p + k) holds no separator
// and occurs elsewhere too; that is exactly when p is one of two SA-adjacent
// suffixes whose LCP is >= k. A token belongs to a duplicate span when some repeated
// k-gram covers it; overlapping and touching windows merge into maximal spans.
// Spans never contain the separator, so they never cross a document boundary.
#pragma once

#include <vector>

#include "seenit/common.hpp"

namespace seenit {

// Maximal duplicate spans as global token ranges [starts[i], ends[i]), in
// increasing order. Needs k >= 1; uses one byte per corpus token for the marks.
template <class Tok, class Ptr>
void exact_duplicate_spans(ArrayView<const Tok> tokens, ArrayView<const Ptr> sa, ArrayView<const Ptr> lcp, u64 separator,
                           u64 k, std::vector<i64>& starts, std::vector<i64>& ends);

}  // namespace seenit
