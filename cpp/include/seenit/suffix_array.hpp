// Suffix arrays and LCP arrays of integer strings (bytes or token ids).
//
// build_suffix_array: SA-IS (Nong, Zhang & Chan 2009), linear time, no sentinel
// needed in the input, no type array; the LMS substrings are named inside the
// stage-1 induce scans (a group counter, as libsais does) where the index has a
// spare bit. Extra memory beyond text and sa: two or three alphabet-sized bucket
// arrays; the reduced problems keep theirs in the free part of sa when it has
// room (else 2 x names words). An alphabet larger than
// max(n, 2^16) is first rank-compressed into a uint32 copy of the text (one
// extra n-word buffer). Measured peak on real text: 4.3-5.1 bytes per symbol
// including the int32 output (bench/HISTORY.md).
// build_lcp: Phi / permuted-LCP method (Karkkainen, Manzini & Puglisi 2009),
// one extra n-word buffer, computed in parallel blocks.
// Both use seenit::parallel_for; results never depend on the thread count.
#pragma once

#include "seenit/common.hpp"

namespace seenit {

// Suffix array of text[0, n) whose symbols are < alphabet. sa.size must equal n.
// Index is i32 (requires n < 2^31) or i64. Throws std::invalid_argument on a
// symbol >= alphabet, a size mismatch or an n that does not fit Index.
template <class Char, class Index>
void build_suffix_array(ArrayView<const Char> text, u64 alphabet, ArrayView<Index> sa);

// lcp[i] = length of the longest common prefix of suffixes sa[i-1] and sa[i];
// lcp[0] = 0. sa must be a permutation of [0, n) (checked: std::invalid_argument).
template <class Char, class Index>
void build_lcp(ArrayView<const Char> text, ArrayView<const Index> sa, ArrayView<Index> lcp);

}  // namespace seenit
