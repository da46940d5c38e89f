// SA-IS suffix array construction (Nong, Zhang & Chan, "Two efficient algorithms
// for linear time suffix array construction", 2009), written for seenit.
//
// Conventions: the text has no sentinel; a virtual sentinel smaller than every
// symbol sits at position n. A suffix is S-type if it is smaller than the next
// suffix, L-type otherwise; position n-1 is L. LMS = S-type with an L-type left
// neighbour. Types are never stored: they are recomputed in sequential scans
// and carried in the sign of the entries while inducing (0 = empty slot).
#include "seenit/suffix_array.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "seenit/parallel.hpp"
#include "sais_induce.hpp"
#include "sais_lms.hpp"

// Stage timings on stderr when built with -DSEENIT_SA_LAPS (tuning only).
#ifdef SEENIT_SA_LAPS
#include <chrono>
#include <cstdio>
#endif

namespace seenit {
namespace {

// Lap timer for tuning: prints "LAP n=<level size> <what> <seconds>" with
// -DSEENIT_SA_LAPS, else compiles to nothing.
struct Lap {
#ifdef SEENIT_SA_LAPS
    std::chrono::steady_clock::time_point t = std::chrono::steady_clock::now();
    std::size_t n;
    explicit Lap(std::size_t n_) : n(n_) {}
    void operator()(const char* what) {
        auto u = std::chrono::steady_clock::now();
        std::fprintf(stderr, "LAP n=%zu %s %.3f\n", n, what, std::chrono::duration<double>(u - t).count());
        t = u;
    }
#else
    explicit Lap(std::size_t) {}
    void operator()(const char*) {}
#endif
};

using sais_detail::for_each_lms_rtl;
using sais_detail::induce_l;
using sais_detail::induce_s;
using sais_detail::sym;

// Bucket arrays: counts C and pointers B, K words each. They live in free
// space of the caller's suffix array when it has room (the recursive levels),
// else in a vector (the first level, where K is the input alphabet).
template <class Index>
struct Buckets {
    std::vector<Index> own;
    Index* C = nullptr;
    Index* B = nullptr;
    std::size_t K = 0;
    // words = 2, or 3 when stage 1 names in the scans (B then spans 2k words),
    // or 4 when stage 1's LMS counts are kept too (B + 2k).
    Buckets(std::size_t k, Index* work, std::size_t work_size, std::size_t words = 2) : K(k) {
        if (work_size < words * k) {
            own.resize(words * k);
            work = own.data();
        }
        C = work;
        B = work + k;
    }
    void starts() {
        Index sum = 0;
        for (std::size_t c = 0; c < K; ++c) {
            B[c] = sum;
            sum += C[c];
        }
    }
    void ends() {
        Index sum = 0;
        for (std::size_t c = 0; c < K; ++c) {
            sum += C[c];
            B[c] = sum;
        }
    }
};

// Symbol histogram, counted in parallel blocks then summed in block order.
template <class Char, class Index>
void count_symbols(const Char* T, std::size_t n, Index* C, std::size_t K) {
    std::fill(C, C + K, Index{0});
    int nt = num_threads();
    if (nt <= 1 || n < (std::size_t{1} << 20) || K > n / 8) {
        for (std::size_t i = 0; i < n; ++i) ++C[sym(T[i])];
        return;
    }
    std::vector<std::vector<Index>> part(static_cast<std::size_t>(nt));
    parallel_for(n, std::size_t{1} << 18, [&](std::size_t b, std::size_t e, int tid) {
        auto& h = part[static_cast<std::size_t>(tid)];
        h.assign(K, Index{0});
        for (std::size_t i = b; i < e; ++i) ++h[sym(T[i])];
    }, nt);
    for (auto& h : part)
        if (!h.empty())
            for (std::size_t c = 0; c < K; ++c) C[c] += h[c];
}

// Clears SA[0, n) in parallel blocks. At the first level this is the first
// touch of the output, so its page faults (the kernel zeroing fresh pages)
// are shared between the threads.
template <class Index>
void zero_fill(Index* SA, std::size_t n) {
    parallel_for(n, std::size_t{1} << 22,
                 [&](std::size_t b, std::size_t e, int) { std::fill(SA + b, SA + e, Index{0}); });
}

// Histogram over all 2^(8 sizeof(Char)) symbols of 8- or 16-bit text, in
// parallel blocks summed in block order.
template <class Index, class Char>
std::vector<Index> histogram(const Char* T, std::size_t n) {
    constexpr std::size_t kAll = std::size_t{1} << (8 * sizeof(Char));
    const int nt = num_threads();  // read once: the per-thread histograms and the split agree
    std::vector<std::vector<Index>> part(static_cast<std::size_t>(nt));
    parallel_for(n, std::size_t{1} << 18, [&](std::size_t b, std::size_t e, int tid) {
        auto& h = part[static_cast<std::size_t>(tid)];
        if (h.empty()) h.assign(kAll, Index{0});
        for (std::size_t i = b; i < e; ++i) ++h[sym(T[i])];
    }, nt);
    std::vector<Index> out(kAll, Index{0});
    for (auto& h : part)
        if (!h.empty())
            for (std::size_t c = 0; c < kAll; ++c) out[c] += h[c];
    return out;
}



constexpr std::size_t kAhead = 128;  // prefetch distance for random gathers

constexpr bool kLittleEndian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

// T[p, p+len) == T[q, q+len). Bytes: one 8-byte compare for short substrings
// (most LMS substrings of text are short) when both reads stay inside T.
template <class Char>
inline bool equal_symbols(const Char* T, std::size_t p, std::size_t q, std::size_t len, std::size_t n) {
    if constexpr (sizeof(Char) == 1 && kLittleEndian) {
        if (len <= 8 && p + 8 <= n && q + 8 <= n) {
            u64 a, b;
            std::memcpy(&a, T + p, 8);
            std::memcpy(&b, T + q, 8);
            u64 mask = len == 8 ? ~u64{0} : ((u64{1} << (8 * len)) - 1);  // little-endian: first len bytes
            return ((a ^ b) & mask) == 0;
        }
    }
    for (std::size_t d = 0; d < len; ++d)
        if (T[p + d] != T[q + d]) return false;
    return true;
}

// Names (and lengths) of the LMS substrings live at SA[m + p/2] for LMS
// positions p < n, so in SA[m, m + ceil(n/2)); that ends within n since m <= n/2.
inline std::size_t name_area_end(std::size_t n, std::size_t m) { return m + (n + 1) / 2; }

// Name blocks: fixed blocks of the m sorted LMS substrings, processed in
// parallel. A new name starts at SA[i] when its MSB (kNameMark) is set.
template <class Index>
constexpr std::make_unsigned_t<Index> kNameMark = std::make_unsigned_t<Index>{1} << (sizeof(Index) * 8 - 1);

inline std::size_t name_block(std::size_t m) { return std::max<std::size_t>(std::size_t{1} << 15, (m + 255) / 256); }

// Given the marks in SA[0, m) and count[b+1] = marks in block b, writes name + 1
// (0 = empty) at SA[m + p/2] for each LMS position p and clears the marks.
// Returns the number of distinct names.
template <class Index>
Index write_names(Index* SA, std::size_t m, std::vector<Index>& count) {
    using U = std::make_unsigned_t<Index>;
    const std::size_t block = name_block(m), nblocks = count.size() - 1;
    for (std::size_t blk = 0; blk < nblocks; ++blk) count[blk + 1] += count[blk];
    parallel_for_dynamic(nblocks, 1, [&](std::size_t b0, std::size_t e0, int) {
        for (std::size_t blk = b0; blk < e0; ++blk) {
            std::size_t b = blk * block, e = std::min(m, b + block);
            Index name = count[blk];
            for (std::size_t i = b; i < e; ++i) {
                if (i + kAhead < e)
                    __builtin_prefetch(SA + m + (static_cast<U>(SA[i + kAhead]) & ~kNameMark<Index>) / 2, 1);
                U v = static_cast<U>(SA[i]);
                if (v & kNameMark<Index>) {
                    ++name;
                    v &= ~kNameMark<Index>;
                    SA[i] = static_cast<Index>(v);
                }
                SA[m + static_cast<std::size_t>(v) / 2] = name;
            }
        }
    });
    return count[nblocks];
}

// Names the m sorted LMS substrings in SA[0, m) by comparing them: SA[m + p/2]
// holds each substring's length on entry, name + 1 on exit (write_names).
// Marks where a new name starts, counting marks per block, in parallel.
template <class Char, class Index>
Index name_lms_substrings(const Char* T, Index* SA, std::size_t n, std::size_t m) {
    if (m == 0) return 0;
    using U = std::make_unsigned_t<Index>;
    constexpr U kMark = kNameMark<Index>;
    auto pos = [&](std::size_t i) {
        return static_cast<std::size_t>(static_cast<U>(__atomic_load_n(SA + i, __ATOMIC_RELAXED)) & ~kMark);
    };
    const std::size_t block = name_block(m);
    const std::size_t nblocks = (m + block - 1) / block;
    std::vector<Index> count(nblocks + 1, 0);
    parallel_for_dynamic(nblocks, 1, [&](std::size_t b0, std::size_t e0, int) {
        for (std::size_t blk = b0; blk < e0; ++blk) {
            std::size_t b = blk * block, e = std::min(m, b + block);
            std::size_t prev = b > 0 ? pos(b - 1) : 0;
            std::size_t prev_len = b > 0 ? static_cast<std::size_t>(SA[m + prev / 2]) : 0;
            Index marks = 0;
            for (std::size_t i = b; i < e; ++i) {
                if (i + kAhead < e) {
                    std::size_t q = pos(i + kAhead);
                    __builtin_prefetch(SA + m + q / 2);
                    __builtin_prefetch(T + q);
                }
                std::size_t p = pos(i);
                std::size_t len = static_cast<std::size_t>(SA[m + p / 2]);
                bool same = i > 0 && len == prev_len && p + len <= n && prev + len <= n &&
                            equal_symbols(T, p, prev, len, n);
                if (!same) {
                    __atomic_store_n(SA + i, static_cast<Index>(static_cast<U>(p) | kMark), __ATOMIC_RELAXED);
                    ++marks;
                }
                prev = p;
                prev_len = len;
            }
            count[blk + 1] = marks;
        }
    });
    return write_names(SA, m, count);
}

// Stage 1 with naming in the scans (sais_induce.hpp): sorts the LMS
// substrings (the S-scan also compacts them, with their name starts marked),
// moves them to SA[0, m) and writes their names + 1 at
// SA[m + p/2] (the rest of that name area 0). Needs n <= kMarkBit<Index>. Returns the
// number of distinct names; m is set to the LMS count.
template <class Char, class Index>
Index stage1_named(const Char* T, Index* SA, std::size_t n, Buckets<Index>& bk, std::size_t& m,
                   Index* lms_count) {
    using sais_detail::kMarkBit;
    constexpr Index M = kMarkBit<Index>;
    const std::size_t K = bk.K;
    const Index* C = bk.C;
    // Pointer + last group per bucket, over B's 2K words (B is rebuilt from C later).
    auto* P = reinterpret_cast<sais_detail::NamedBucket<Index>*>(bk.B);
    auto set_ends = [&] {
        Index sum = 0;
        for (std::size_t c = 0; c < K; ++c) P[c].ptr = sum += C[c];
    };
    auto set_starts = [&] {
        Index sum = 0;
        for (std::size_t c = 0; c < K; ++c) {
            P[c].ptr = sum;
            sum += C[c];
        }
    };
    Lap lap(n);
    zero_fill(SA, n);
    lap("s1fill");
    set_ends();
    m = 0;
    for_each_lms_rtl(T, n, [&](std::size_t p) {
        SA[--P[sym(T[p])].ptr] = static_cast<Index>(p);
        ++m;
    });
    // The LMS suffixes of a bucket are one group (their one-symbol prefixes are
    // equal). Their number per bucket is kept for stage 3 when asked.
    {
        Index end = 0;
        for (std::size_t c = 0; c < K; ++c) {
            end += C[c];
            if (P[c].ptr != end) SA[P[c].ptr] ^= M;
            if (lms_count != nullptr) lms_count[c] = end - P[c].ptr;
        }
    }
    lap("s1lms");
    set_starts();
    sais_detail::induce_l_named(T, SA, n, P, K);
    lap("s1L");
    sais_detail::shift_marks_right(SA, C, P, K);
    lap("s1shift");
    set_ends();
    const std::size_t block = name_block(m), nblocks = (m + block - 1) / block;
    std::vector<Index> count(nblocks + 1, 0);
    sais_detail::induce_s_named(T, SA, n, P, K, m, count.data(), block);
    lap("s1S");
    // The S-scan left the sorted LMS positions, name starts marked, in SA[n-m, n).
    if (m > 0) std::memmove(SA, SA + n - m, m * sizeof(Index));
    std::fill(SA + m, SA + name_area_end(n, m), Index{0});
    lap("s1compact");
    auto rr = m == 0 ? Index{0} : write_names(SA, m, count);
    lap("s1names");
    return rr;
}

// Alphabets up to this size place the sorted LMS suffixes by per-symbol counts.
constexpr std::size_t kPlaceByCountMax = std::size_t{1} << 16;

// SA[0, m) holds the sorted LMS suffixes, so those of symbol c are one run of
// count[c] entries, in symbol order. Moves each run to the end of its bucket
// (E = bucket ends), highest symbol first so no run overwrites one not yet
// moved (run c ends at or before bucket c's end), then clears the rest.
template <class Index>
void place_lms_by_count(Index* SA, std::size_t m, const Index* E, const Index* count, std::size_t K) {
    std::size_t src_end = m;
    for (std::size_t c = K; c-- > 0;) {
        std::size_t len = static_cast<std::size_t>(count[c]);
        std::size_t dst = static_cast<std::size_t>(E[c]) - len;
        src_end -= len;
        if (dst != src_end && len > 0) std::memmove(SA + dst, SA + src_end, len * sizeof(Index));
    }
    std::size_t start = 0;  // clear [bucket start, start of its LMS run) of every bucket
    for (std::size_t c = 0; c < K; ++c) {
        std::size_t run = static_cast<std::size_t>(E[c]) - static_cast<std::size_t>(count[c]);
        if (run > start) std::fill(SA + start, SA + run, Index{0});
        start = static_cast<std::size_t>(E[c]);
    }
}

// Sorts the suffixes of T[0, n) (symbols < K) into SA[0, n).
template <class Char, class Index>
void sais(const Char* T, Index* SA, std::size_t n, std::size_t K, Index* work, std::size_t work_size, bool named,
          const Index* counts = nullptr) {
    if (n == 0) return;
    if (n == 1) {
        SA[0] = 0;
        return;
    }
    // Naming in the stage-1 scans needs a third word per symbol; the caller
    // allows it at the first level, the recursive levels use it when their
    // free space holds it.
    named = n <= static_cast<std::size_t>(sais_detail::kMarkBit<Index>) && (named || work_size >= 3 * K);
    // A fourth word per symbol keeps stage 1's LMS counts per symbol for stage 3
    // (which then need not count them again): in free space, or in the own
    // bucket vector while the alphabet is small (so memory stays O(alphabet)
    // with the constant stated in bench/HISTORY.md).
    const bool keep_counts = named && (work == nullptr ? K <= kPlaceByCountMax : work_size >= 4 * K);
    Lap lap(n);
#ifdef SEENIT_SA_LAPS
    std::fprintf(stderr, "LEVEL n=%zu K=%zu named=%d\n", n, K, int(named));
#endif
    Buckets<Index> bk(K, work, work_size, keep_counts ? 4 : named ? 3 : 2);
    Index* B = bk.B;
    if (counts != nullptr) {
        std::copy(counts, counts + K, bk.C);
    } else {
        count_symbols(T, n, bk.C, K);
    }
    lap("count");

    // Stage 1: sort the LMS substrings by induction and name them.
    std::size_t m = 0;
    Index names;
    if (named) {
        names = stage1_named(T, SA, n, bk, m, keep_counts ? B + 2 * K : nullptr);
    } else {
        zero_fill(SA, n);
        bk.ends();
        for_each_lms_rtl(T, n, [&](std::size_t p) {
            SA[--B[sym(T[p])]] = static_cast<Index>(p);
            ++m;
        });
        lap("p1lms");
        bk.starts();
        induce_l<true>(T, SA, n, B, K);
        lap("p1L");
        bk.ends();
        induce_s<true>(T, SA, n, B, K);
        lap("p1S");

        // Compact the sorted LMS positions into SA[0, m).
        std::size_t k = 0;
        for (std::size_t i = 0; i < n; ++i)
            if (SA[i] > 0) SA[k++] = SA[i];
        std::fill(SA + m, SA + name_area_end(n, m), Index{0});
        lap("p1compact");
        // Name the LMS substrings: store each one's length (through the next LMS
        // position, inclusive) at SA[m + p/2]; equal length + equal symbols = equal.
        // The last one includes the virtual sentinel and is unique (p + len > n).
        std::size_t next = n;  // position of the sentinel
        for_each_lms_rtl(T, n, [&](std::size_t p) {
            SA[m + p / 2] = static_cast<Index>(next - p + 1);
            next = p;
        });
        lap("p1len");
        names = name_lms_substrings(T, SA, n, m);
        lap("p1names");
    }
    lap("stage1");
    // The reduced string (names in text order) goes to SA[n-m, n).
    // Branch-free (names sit at random slots): every slot is written at
    // j - 1 >= i >= m, already read, and j only moves past names; what lands
    // in SA[m, n - m) is dead (free space from here on). Beyond the name area
    // SA holds leftovers, never read.
    std::size_t j = n;
    for (std::size_t i = name_area_end(n, m); i-- > m;) {
        Index v = SA[i];
        SA[j - 1] = v - 1;
        j -= v != 0;
    }
    Index* s1 = SA + n - m;

    lap("reduce");
    // Stage 2: sort the reduced string's suffixes (recursively if names repeat).
    if (static_cast<std::size_t>(names) < m) {
        // SA[m, n-m) is free while the reduced problem is solved: its buckets go there.
        sais<Index, Index>(s1, SA, m, static_cast<std::size_t>(names), SA + m, n - 2 * m, false);
    } else {
        for (std::size_t i = 0; i < m; ++i) SA[s1[i]] = static_cast<Index>(i);
    }

    lap("recursion");
    // Stage 3: map ranks back to positions and induce the full order. For a
    // small alphabet the LMS suffixes per symbol are counted on the way, so
    // placing them at their bucket ends is a block move per bucket rather
    // than a random read of T per suffix.
    // Counts live in B's second K words when stage 1 had 3 words per symbol
    // (free now: stage 3 uses B as K plain pointers), else in a small vector.
    // With keep_counts they are stage 1's, in B's third K words.
    const bool by_count = named || K <= kPlaceByCountMax;
    std::vector<Index> lms_count(by_count && !named ? K : 0);
    Index* cnt = keep_counts ? B + 2 * K : named ? B + K : lms_count.data();
    if (named && !keep_counts) std::fill(cnt, cnt + K, Index{0});
    j = m;
    if (by_count && !keep_counts) {
        for_each_lms_rtl(T, n, [&](std::size_t p) {
            s1[--j] = static_cast<Index>(p);
            ++cnt[sym(T[p])];
        });
    } else {
        for_each_lms_rtl(T, n, [&](std::size_t p) { s1[--j] = static_cast<Index>(p); });
    }
    lap("lmsfill");
    parallel_for(m, 1 << 16, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t i = b; i < e; ++i) {
            if (i + kAhead < e) __builtin_prefetch(s1 + SA[i + kAhead]);
            SA[i] = s1[SA[i]];
        }
    });
    lap("mapback");
    bk.ends();
    if (by_count) {
        place_lms_by_count(SA, m, B, cnt, K);
    } else {
        std::fill(SA + m, SA + n, Index{0});
        for (std::size_t i = m; i-- > 0;) {
            if (i >= kAhead) __builtin_prefetch(T + SA[i - kAhead]);
            Index p = SA[i];
            SA[i] = 0;
            SA[--B[sym(T[p])]] = p;
        }
    }
    lap("place");
    bk.starts();
    induce_l<false>(T, SA, n, B, K);
    lap("finalL");
    // The block-parallel S-scan needs the S parts empty (their LMS entries
    // served the L-scan only; the sequential S-scan overwrites them unread).
    if (sais_detail::runs_ok(n, K)) sais_detail::clear_s_parts(SA, bk.C, B, K);
    bk.ends();
    induce_s<false>(T, SA, n, B, K);
    lap("finalS");
}

// Rank-remaps the symbols of T to [0, distinct). The output sa is free scratch
// at this point, so the sorted distinct symbols live there (unsigned view of the
// same words); the remapped text is the one extra n-word buffer.
template <class Char, class Index>
std::vector<u32> compress_alphabet(const Char* T, std::size_t n, Index* sa, std::size_t& distinct) {
    static_assert(sizeof(Char) <= sizeof(u32), "compress_alphabet handles symbols up to 32 bits");
    using Word = std::make_unsigned_t<Index>;
    Word* uniq = reinterpret_cast<Word*>(sa);
    for (std::size_t i = 0; i < n; ++i) uniq[i] = static_cast<Word>(T[i]);
    std::sort(uniq, uniq + n);
    distinct = static_cast<std::size_t>(std::unique(uniq, uniq + n) - uniq);
    std::vector<u32> out(n);
    parallel_for(n, 1 << 16, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t i = b; i < e; ++i)
            out[i] = static_cast<u32>(std::lower_bound(uniq, uniq + distinct, static_cast<Word>(T[i])) - uniq);
    });
    return out;
}

}  // namespace

template <class Char, class Index>
void build_suffix_array(ArrayView<const Char> text, u64 alphabet, ArrayView<Index> sa) {
    const std::size_t n = text.size;
    SEENIT_CHECK(sa.size == n, std::invalid_argument, "sa must have the length of text (", n, "), got ", sa.size);
    SEENIT_CHECK(static_cast<u64>(n) <= static_cast<u64>(std::numeric_limits<Index>::max()), std::invalid_argument,
                 "text of length ", n, " is too long for a ", sizeof(Index) * 8, "-bit suffix array");
    if (n == 0) return;
    SEENIT_CHECK(alphabet >= 1, std::invalid_argument, "alphabet must be >= 1 for a non-empty text, got ", alphabet);
    // 8- and 16-bit text: one parallel histogram gives both the largest symbol
    // (checked against alphabet before any work) and the bucket sizes.
    if constexpr (sizeof(Char) <= 2) {
        std::vector<Index> counts = histogram<Index>(text.data, n);
        std::size_t top = counts.size();
        while (counts[top - 1] == 0) --top;  // n > 0: some count is non-zero
        SEENIT_CHECK(top <= alphabet, std::invalid_argument, "text has symbol ", top - 1, " >= alphabet (", alphabet,
                     ")");
        sais<Char, Index>(text.data, sa.data, n, top, nullptr, 0, true, counts.data());
        return;
    }
    // Every symbol must be < alphabet: checked in parallel before any work.
    const int nt = num_threads();
    std::vector<u64> block_max(static_cast<std::size_t>(nt), 0);
    parallel_for(n, 1 << 16, [&](std::size_t b, std::size_t e, int tid) {
        u64 mx = 0;
        for (std::size_t i = b; i < e; ++i) mx = std::max<u64>(mx, static_cast<u64>(text[i]));
        block_max[static_cast<std::size_t>(tid)] = std::max(block_max[static_cast<std::size_t>(tid)], mx);
    }, nt);
    u64 mx = *std::max_element(block_max.begin(), block_max.end());
    SEENIT_CHECK(mx < alphabet, std::invalid_argument, "text has symbol ", mx, " >= alphabet (", alphabet, ")");
    // Buckets are indexed by symbol: fine up to max(n, 2^16) symbols; beyond
    // that the used symbols are rank-remapped first.
    const u64 direct_limit = std::max<u64>(static_cast<u64>(n), u64{1} << 16);
    u64 K = mx + 1;
    // Naming in the stage-1 scans needs a third bucket word per symbol: used while
    // that stays small beside n.
    auto named = [&](u64 k) { return k <= std::max<u64>(u64{1} << 16, static_cast<u64>(n) / 8); };
    if (K <= direct_limit) {
        sais<Char, Index>(text.data, sa.data, n, static_cast<std::size_t>(K), nullptr, 0, named(K));
    } else {
        std::size_t distinct = 0;
        std::vector<u32> remapped = compress_alphabet(text.data, n, sa.data, distinct);
        sais<u32, Index>(remapped.data(), sa.data, n, distinct, nullptr, 0, named(distinct));
    }
}

#define SEENIT_INSTANTIATE_SA(C, I) \
    template void build_suffix_array<C, I>(ArrayView<const C>, u64, ArrayView<I>);
SEENIT_INSTANTIATE_SA(u8, i32)
SEENIT_INSTANTIATE_SA(u8, i64)
SEENIT_INSTANTIATE_SA(u16, i32)
SEENIT_INSTANTIATE_SA(u16, i64)
SEENIT_INSTANTIATE_SA(u32, i32)
SEENIT_INSTANTIATE_SA(u32, i64)
#undef SEENIT_INSTANTIATE_SA

}  // namespace seenit
