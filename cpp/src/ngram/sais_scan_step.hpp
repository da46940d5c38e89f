// One step of an SA-IS induced-sorting scan: what an entry induces. Shared by
// the sequential scans (sais_induce.hpp) and the pipelined ones
// (sais_pipeline.hpp). Private to suffix_array.cpp.
//
// Entry encoding while inducing: p >= 1 means "p-1 is L-type", ~p means "p-1
// is S-type, or p = 0"; 0 is an empty slot.
#pragma once

#include <cstddef>
#include <type_traits>

namespace seenit::sais_detail {

template <class Char>
inline std::size_t sym(Char c) {
    return static_cast<std::size_t>(static_cast<std::make_unsigned_t<Char>>(c));
}

constexpr std::size_t kPrefetch = 64;

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

}  // namespace seenit::sais_detail
