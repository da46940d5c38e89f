// Induced-sorting scans of SA-IS, plain and with LMS naming (the final-stage
// scans run pipelined on two threads: sais_pipeline.hpp). Private to
// suffix_array.cpp.
//
// Types are carried in the entries instead of a type array: while inducing, an
// entry p >= 1 means "p-1 is L-type", ~p means "p-1 is S-type, or p = 0"; 0 is an
// empty slot (suffix 0 is always stored as ~0). When suffix j is induced its own
// type is known, so comparing T[j-1] with T[j] gives the type of j-1.
//
// The stage-1 scans stay sequential. The final scans of small alphabets run
// block-parallel (sais_blocks.hpp); the same scheme for the named stage-1
// L-scan (group counter and last group per bucket carried across chunks) was
// correct but measured no faster on 100 MB of text (0.40 s either way, 2 cores,
// 2026-12-01), and the named S-scan also compacts the LMS entries behind it.
#pragma once

#include <algorithm>
#include <atomic>
#include <thread>
#include <type_traits>
#include <vector>

#include "seenit/common.hpp"
#include "seenit/parallel.hpp"
#include "sais_blocks.hpp"
#include "sais_pipeline.hpp"
#include "sais_scan_step.hpp"

namespace seenit::sais_detail {

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

template <bool Left, bool Stage1, class Char, class Index>
void scan(const Char* T, Index* SA, std::size_t n, Index* B, std::size_t K) {
    if (!Stage1 && n >= kPipeMin && num_threads() >= 2) {
        if (runs_ok(n, K)) {
            scan_runs<Left>(T, SA, n, B, K);
        } else {
            scan_pipelined<Left>(T, SA, n, B);
        }
    } else {
        scan_sequential<Left, Stage1>(T, SA, n, B);
    }
}

// L-scan (left to right) from the entries in place, after placing suffix n-1,
// which the virtual sentinel induces. B holds bucket starts.
template <bool Stage1, class Char, class Index>
void induce_l(const Char* T, Index* SA, std::size_t n, Index* B, std::size_t K) {
    Index last = static_cast<Index>(n - 1);
    SA[B[sym(T[last])]++] = (T[last - 1] < T[last]) ? ~last : last;
    scan<true, Stage1>(T, SA, n, B, K);
}

// S-scan (right to left). B holds bucket ends.
template <bool Stage1, class Char, class Index>
void induce_s(const Char* T, Index* SA, std::size_t n, Index* B, std::size_t K) {
    scan<false, Stage1>(T, SA, n, B, K);
}


// --- Stage-1 scans that also name the LMS substrings ------------------------
//
// The group-counter technique libsais (Ilya Grebnov) uses, written here for
// this file's entry encoding: each entry carries one more bit, the mark,
// meaning "a new group of equal LMS prefixes starts here". A scan keeps a
// counter d that advances at every marked entry it reads, so two sources are in
// the same group iff they see the same d. Every bucket remembers the d of the
// last suffix induced into it; a suffix induced with a different d than its
// bucket neighbour starts a new group and gets marked. After both scans the
// marks on the sorted LMS substrings give their names directly, so the
// separate length pass and symbol-comparing naming pass are not needed.
//
// The mark is bit W-2 (W = bits of Index), set when it differs from the sign
// bit, so marking never changes the sign the type encoding uses; it needs
// n <= 2^(W-2) (callers fall back to the plain scans otherwise). 0 is an empty
// slot, kMarkBit alone an empty slot that still carries a group boundary.
//
// Mark meaning: after the L-scan, "differs from the entry on the left" (the
// scan direction); shift_marks_right turns the L parts of the buckets to
// "differs from the entry on the right", which is what the S-scan writes.

template <class Index>
constexpr Index kMarkBit = Index{1} << (sizeof(Index) * 8 - 2);

template <class Index>
inline bool marked(Index v) {
    using U = std::make_unsigned_t<Index>;
    U u = static_cast<U>(v);
    return ((u ^ (u << 1)) >> (sizeof(Index) * 8 - 1)) != 0;
}

// Per-bucket pointer and the group counter of the last suffix induced there,
// side by side so one cache line serves both.
template <class Index>
struct NamedBucket {
    Index ptr;
    Index last;
};

// L-scan of stage 1 with naming. P[c].ptr holds bucket starts; the LMS entries
// sit at the bucket ends with the leftmost of each bucket marked.
template <class Char, class Index>
void induce_l_named(const Char* T, Index* SA, std::size_t n, NamedBucket<Index>* P, std::size_t K) {
    constexpr Index M = kMarkBit<Index>;
    for (std::size_t c = 0; c < K; ++c) P[c].last = 0;
    Index d = 0;  // the first entry read is always marked, so d >= 1 from then on
    {
        Index last = static_cast<Index>(n - 1);  // induced by the virtual sentinel: a group of its own
        Index enc = (T[last - 1] < T[last]) ? ~last : last;
        SA[P[sym(T[last])].ptr++] = enc ^ M;
    }
    // A positive entry v = p | mark; a negative one is ~p with the mark bit
    // cleared when marked. A bare mark (M) ahead of the scan is suffix 0 as an
    // L-type entry (its encoding j = 0 is the empty value).
    for (std::size_t i = 0; i < n; ++i) {
        if (i + kPrefetch < n) {
            Index w = SA[i + kPrefetch];
            __builtin_prefetch(T + (w > 0 ? w & (M - 1) : 0));  // T[p], next to T[p-1]
        }
        Index v = SA[i];
        if (v > 0) {
            Index mk = v & M;
            d += static_cast<Index>(mk != 0);
            Index p = v ^ mk;
            if (p == 0) continue;  // suffix 0, induced as L-type (encoded 0): a bare mark
            Index j = p - 1;
            Char cj = T[j];
            Index enc = (j > 0 && T[j - 1] < cj) ? ~j : j;
            NamedBucket<Index>& b = P[sym(cj)];
            if (b.last != d) enc ^= M;
            b.last = d;
            SA[b.ptr++] = enc;
            SA[i] = mk;
        } else if (v < 0) {
            d += static_cast<Index>((v & M) == 0);
        }
    }
}

// Between the scans: in the L part [start(c), P[c].ptr) of every bucket (C
// holds the bucket sizes), moves
// each mark one slot left (so it means "differs from the right neighbour") and
// marks the rightmost L entry (the bucket's S part follows).
template <class Index>
void shift_marks_right(Index* SA, const Index* C, const NamedBucket<Index>* P, std::size_t K) {
    constexpr Index M = kMarkBit<Index>;
    std::size_t s = 0;  // start of bucket c
    for (std::size_t c = 0; c < K; ++c) {
        std::size_t e = static_cast<std::size_t>(P[c].ptr);
        bool carry = true;
        for (std::size_t i = e; i-- > s;) {
            Index v = SA[i];
            bool mk = marked(v);
            if (mk != carry) SA[i] = v ^ M;
            carry = mk;
        }
        s += static_cast<std::size_t>(C[c]);
    }
}

// S-scan of stage 1 with naming. P[c].ptr holds bucket ends. Slots behind the
// scan are dead except for the LMS entries and the marks, so it also compacts
// the sorted LMS positions (m of them) into SA[n-m, n) as it meets them, each
// with kNameStart (the top bit: write_names' kNameMark) when it starts a new name: when two
// consecutive ones a < b differ, i.e. some slot in [a, b) carries a mark
// ("differs from the right neighbour"). count[r / block + 1] counts the name
// starts at rank r. Writes stay at or behind the scan: the k-th LMS entry met
// goes to SA[n-k] >= i, and induced entries go ahead of it (< i).
template <class Char, class Index>
void induce_s_named(const Char* T, Index* SA, std::size_t n, NamedBucket<Index>* P, std::size_t K, std::size_t m,
                    Index* count, std::size_t block) {
    using U = std::make_unsigned_t<Index>;
    constexpr Index M = kMarkBit<Index>;
    constexpr U kNameStart = U{1} << (sizeof(Index) * 8 - 1);
    for (std::size_t c = 0; c < K; ++c) P[c].last = 0;
    Index d = 0;
    std::size_t out = n;   // the LMS entry met last is at SA[out]
    bool between = false;  // a mark on a slot between SA[out]'s entry and the scan
    auto start_name = [&](std::size_t slot) {  // the entry at SA[slot] starts a name
        SA[slot] = static_cast<Index>(static_cast<U>(SA[slot]) | kNameStart);
        ++count[(m - (n - slot)) / block + 1];
    };
    for (std::size_t i = n; i-- > 0;) {
        if (i >= kPrefetch) {
            Index w = SA[i - kPrefetch];
            __builtin_prefetch(T + (w < 0 ? (~w) & (M - 1) : 0));  // T[p], next to T[p-1]
        }
        Index v = SA[i];
        if (v < 0) {
            Index mk = (v & M) ^ M;
            d += static_cast<Index>(mk != 0);
            between |= mk != 0;
            SA[i] = mk;
            Index p = (~v) & (M - 1);
            if (p > 0) {
                Index j = p - 1;
                Char cj = T[j];
                Index enc = (j > 0 && T[j - 1] > cj) ? j : ~j;
                NamedBucket<Index>& b = P[sym(cj)];
                if (b.last != d) enc ^= M;
                b.last = d;
                SA[--b.ptr] = enc;
            }
        } else if (v > 0) {
            Index mk = v & M;
            d += static_cast<Index>(mk != 0);
            Index p = v ^ mk;
            if (p == 0) {  // a bare mark
                between = true;
                continue;
            }
            if (out < n && ((mk != 0) | between)) start_name(out);
            SA[--out] = p;
            between = false;
        }
    }
    if (out < n) start_name(out);  // the first LMS substring starts the first name
}

}  // namespace seenit::sais_detail
