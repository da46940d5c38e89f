// Induced-sorting scans of SA-IS, sequential and two-thread pipelined.
// Private to suffix_array.cpp.
//
// Types are carried in the entries instead of a type array: while inducing, an
// entry p >= 1 means "p-1 is L-type", ~p means "p-1 is S-type, or p = 0"; 0 is an
// empty slot (suffix 0 is always stored as ~0). When suffix j is induced its own
// type is known, so comparing T[j-1] with T[j] gives the type of j-1.
//
// The scans stay sequential: a block-parallel variant (gather the induced
// symbols in parallel, assign bucket slots sequentially, scatter in parallel,
// as libsais does) cost more total work than it saved on the 2-core machine
// this was tuned on, and per-block thread joins are slow when cores are shared.
#pragma once

#include <algorithm>
#include <type_traits>
#include <vector>

#include "seenit/common.hpp"
#include "seenit/parallel.hpp"

namespace seenit::sais_detail {

template <class Char>
inline std::size_t sym(Char c) {
    return static_cast<std::size_t>(static_cast<std::make_unsigned_t<Char>>(c));
}

constexpr std::size_t kPrefetch = 32;

// What scanning entry v induces: the bucket symbol and the encoded entry.
// L-scan: active for v > 0. S-scan: active for v < -1 (v = ~p with p > 0).
template <bool Left, class Char, class Index>
inline bool induced(const Char* T, Index v, std::size_t& c, Index& enc) {
    if (Left) {
        if (v <= 0) return false;
        Index j = v - 1;
        Char cj = T[j];
        c = sym(cj);
        enc = (j > 0 && T[j - 1] < cj) ? ~j : j;
        return true;
    }
    if (v >= -1) return false;
    Index j = ~v - 1;
    Char cj = T[j];
    c = sym(cj);
    enc = (j > 0 && T[j - 1] > cj) ? j : ~j;
    return true;
}

// Processes entry i (value v) with the induced (c, enc) if active.
template <bool Left, bool Stage1, class Index>
inline void apply(Index* SA, std::size_t i, Index v, bool active, std::size_t c, Index enc, Index* B) {
    auto put = [&](std::size_t pos, Index val) { SA[pos] = val; };
    if (Left) {
        if (!active) return;
        put(static_cast<std::size_t>(B[c]++), enc);
        if (Stage1) put(i, Index{0});
    } else {
        if (v >= 0) return;
        put(i, Stage1 ? Index{0} : ~v);
        if (active) put(static_cast<std::size_t>(--B[c]), enc);
    }
}

template <bool Left, bool Stage1, class Char, class Index>
void scan_sequential(const Char* T, Index* SA, std::size_t n, Index* B) {
    for (std::size_t s = 0; s < n; ++s) {
        std::size_t i = Left ? s : n - 1 - s;
        if (s + kPrefetch < n) {
            Index w = SA[Left ? i + kPrefetch : i - kPrefetch];
            Index q = Left ? (w > 0 ? w - 1 : 0) : (w < -1 ? ~w - 1 : 0);
            __builtin_prefetch(T + q);
        }
        Index v = SA[i];
        std::size_t c = 0;
        Index enc = 0;
        bool active = induced<Left>(T, v, c, enc);
        apply<Left, Stage1>(SA, i, v, active, c, enc, B);
    }
}

// L-scan (left to right) from the entries in place, after placing suffix n-1,
// which the virtual sentinel induces. B holds bucket starts.
template <bool Stage1, class Char, class Index>
void induce_l(const Char* T, Index* SA, std::size_t n, Index* B) {
    Index last = static_cast<Index>(n - 1);
    SA[B[sym(T[last])]++] = (T[last - 1] < T[last]) ? ~last : last;
    scan_sequential<true, Stage1>(T, SA, n, B);
}

// S-scan (right to left). B holds bucket ends.
template <bool Stage1, class Char, class Index>
void induce_s(const Char* T, Index* SA, std::size_t n, Index* B) {
    scan_sequential<false, Stage1>(T, SA, n, B);
}

}  // namespace seenit::sais_detail
