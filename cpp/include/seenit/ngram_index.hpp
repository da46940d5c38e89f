// Queries over a suffix-array n-gram index: a token array (the corpus, documents
// joined by a separator token) plus its suffix array. Everything is read-only and
// works on memory-mapped buffers; nothing here allocates per corpus token.
//
// Conventions shared by every query:
//  - an empty query, a query longer than the corpus and a query that contains the
//    separator match nothing (range [0, 0)): the separator stands between documents,
//    so a match containing it would cross a document boundary;
//  - tokens compare as unsigned integers, a suffix that ends inside the query sorts
//    before it (the suffix-array order of build_suffix_array).
// Batched forms run over seenit::parallel_for; results never depend on the thread count.
#pragma once

#include "seenit/common.hpp"

namespace seenit {

template <class Tok, class Ptr>
struct SuffixIndexView {
    ArrayView<const Tok> tokens;  // the corpus, n tokens
    ArrayView<const Ptr> sa;      // its suffix array, n entries
    u64 separator = 0;            // the token that separates documents
};

// SA range [lo[j], hi[j]) of the suffixes that start with query j, for ragged queries
// (values, offsets int64 of length q+1). count = hi - lo.
template <class Tok, class Ptr>
void ngram_ranges(const SuffixIndexView<Tok, Ptr>& index, ArrayView<const Tok> qvalues, ArrayView<const i64> qoffsets,
                  ArrayView<i64> lo, ArrayView<i64> hi);

// Matching statistics: ms[i] (for every position i of every query, laid out like
// qvalues) is the length of the longest prefix of query[i:] (within its own query)
// that occurs in the corpus. A separator token in a query has ms = 0 and stops
// every match that would include it.
template <class Tok, class Ptr>
void ngram_matching_statistics(const SuffixIndexView<Tok, Ptr>& index, ArrayView<const Tok> qvalues,
                               ArrayView<const i64> qoffsets, ArrayView<i64> ms);

// Longest-prefix lengths at chosen positions: out[k] is the length of the longest
// prefix of query[positions[k]:] (within the query that holds that position; positions
// index qvalues) that occurs in the corpus. Equals ms[positions[k]] of
// ngram_matching_statistics; cheaper when only some positions (word starts) matter.
template <class Tok, class Ptr>
void ngram_prefix_lengths(const SuffixIndexView<Tok, Ptr>& index, ArrayView<const Tok> qvalues,
                          ArrayView<const i64> qoffsets, ArrayView<const i64> positions, ArrayView<i64> out);

}  // namespace seenit
