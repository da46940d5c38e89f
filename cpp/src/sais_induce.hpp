// Induced-sorting scans of SA-IS, sequential and two-thread pipelined.
// Private to suffix_array.cpp.
//
// Types are carried in the entries instead of a type array: while inducing, an
// entry p >= 1 means "p-1 is L-type", ~p means "p-1 is S-type, or p = 0"; 0 is an
// empty slot (suffix 0 is always stored as ~0). When suffix j is induced its own
// type is known, so comparing T[j-1] with T[j] gives the type of j-1.
//
// With two or more threads each scan runs block by block (scan_blocks): the
// random reads and the random writes are done in parallel, only the bucket
// pointer updates stay sequential.
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
constexpr std::size_t kBlock = std::size_t{1} << 16;  // entries per parallel block
constexpr std::size_t kPipelineMin = std::size_t{1} << 18;  // shorter scans run sequentially

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

// Block-parallel scan (two or more threads). For each block of kBlock entries
// in scan order:
//   1. gather (parallel): for every entry, the value seen and what it induces
//      (symbol, encoded entry) -- the random reads of T;
//   2. assign (sequential, cheap): walk the block in scan order, re-read each
//      entry, take its bucket slot (B[c]++ or --B[c]); a slot inside the block
//      is written at once (later entries of the block may be read from it, and
//      are then recomputed), a slot outside is remembered;
//   3. scatter (parallel): write the remembered slots -- the random writes.
// Step 2 visits entries in exactly the sequential order, so the result is the
// same for any number of threads.
template <bool Left, bool Stage1, class Char, class Index>
void scan_blocks(const Char* T, Index* SA, std::size_t n, Index* B) {
    std::vector<Index> seen(kBlock), enc(kBlock), target(kBlock);
    using Sym = std::conditional_t<(sizeof(Char) > 4), u64, u32>;
    constexpr Sym kNone = ~Sym{0};
    std::vector<Sym> symbol(kBlock);
    const std::size_t nblocks = (n + kBlock - 1) / kBlock;
    for (std::size_t blk = 0; blk < nblocks; ++blk) {
        // Block covers scan steps [sb, se); step s is entry s (L) or n-1-s (S).
        const std::size_t sb = blk * kBlock, se = std::min(n, sb + kBlock);
        const std::size_t len = se - sb;
        const std::size_t lo = Left ? sb : n - se, hi = Left ? se : n - sb;  // entries [lo, hi)
        auto entry = [&](std::size_t k) { return Left ? lo + k : hi - 1 - k; };
        parallel_for(len, kBlock / 4, [&](std::size_t b, std::size_t e, int) {
            for (std::size_t k = b; k < e; ++k) {
                if (k + kPrefetch < e) {
                    Index w = SA[entry(k + kPrefetch)];
                    Index q = Left ? (w > 0 ? w - 1 : 0) : (w < -1 ? ~w - 1 : 0);
                    __builtin_prefetch(T + q);
                }
                Index v = SA[entry(k)];
                std::size_t c = 0;
                Index x = 0;
                seen[k] = v;
                if (induced<Left>(T, v, c, x)) {
                    symbol[k] = static_cast<Sym>(c);
                    enc[k] = x;
                } else {
                    symbol[k] = kNone;
                }
            }
        });
        for (std::size_t k = 0; k < len; ++k) {
            const std::size_t i = entry(k);
            Index v = SA[i];
            std::size_t c = symbol[k];
            Index x = enc[k];
            bool active = c != kNone;
            if (v != seen[k]) active = induced<Left>(T, v, c, x);  // filled during this block
            target[k] = -1;
            if (Left) {
                if (!active) continue;
                std::size_t t = static_cast<std::size_t>(B[c]++);
                if (t < hi) SA[t] = x;
                else {
                    target[k] = static_cast<Index>(t);
                    enc[k] = x;
                }
                if (Stage1) SA[i] = 0;
            } else {
                if (v >= 0) continue;
                SA[i] = Stage1 ? Index{0} : ~v;
                if (!active) continue;
                std::size_t t = static_cast<std::size_t>(--B[c]);
                if (t >= lo) SA[t] = x;
                else {
                    target[k] = static_cast<Index>(t);
                    enc[k] = x;
                }
            }
        }
        parallel_for(len, kBlock / 4, [&](std::size_t b, std::size_t e, int) {
            for (std::size_t k = b; k < e; ++k)
                if (target[k] >= 0) SA[target[k]] = enc[k];
        });
    }
}

// L-scan (left to right) from the entries in place, after placing suffix n-1,
// which the virtual sentinel induces. B holds bucket starts.
template <bool Stage1, class Char, class Index>
void induce_l(const Char* T, Index* SA, std::size_t n, Index* B) {
    Index last = static_cast<Index>(n - 1);
    SA[B[sym(T[last])]++] = (T[last - 1] < T[last]) ? ~last : last;
    if (num_threads() >= 2 && n >= kPipelineMin) scan_blocks<true, Stage1>(T, SA, n, B);
    else scan_sequential<true, Stage1>(T, SA, n, B);
}

// S-scan (right to left). B holds bucket ends.
template <bool Stage1, class Char, class Index>
void induce_s(const Char* T, Index* SA, std::size_t n, Index* B) {
    if (num_threads() >= 2 && n >= kPipelineMin) scan_blocks<false, Stage1>(T, SA, n, B);
    else scan_sequential<false, Stage1>(T, SA, n, B);
}

}  // namespace seenit::sais_detail
