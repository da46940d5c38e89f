// Suffix-array queries: range (count/locate) search and matching statistics.
//
// Range search is the classic binary search over the suffix array (Manber & Myers
// 1993) in its branch-free form: for a corpus of n tokens every search takes the
// same number of halving steps, so a thread runs kLanes searches in lockstep and
// issues the memory loads of all of them before using any (software prefetch).
// A query of a large index is dominated by two dependent cache misses per step
// (sa[mid], then tokens[sa[mid]]); overlapping the misses of many independent
// searches is what makes batched counting fast.
#include "seenit/ngram_index.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "seenit/parallel.hpp"

namespace seenit {

namespace {

// A suffix-array entry outside [0, n): the index is corrupted (a flipped byte in a
// memory-mapped sa.bin). Every entry is checked where it is dereferenced, so no content of
// sa can make a query read outside the corpus; a permuted or repeated entry can still give
// a wrong answer, which the index checksums (NgramIndex.open) catch.
[[noreturn]] __attribute__((noinline, cold)) void corrupted_sa(u64 i, u64 v, u64 n) {
    throw std::invalid_argument("corrupted suffix array: sa[" + std::to_string(i) + "] = " +
                                std::to_string(static_cast<i64>(v)) + " is outside [0, " + std::to_string(n) +
                                ") (the index is damaged; rebuild it or open it with verify=True)");
}

template <class Tok, class Ptr>
struct Corpus {
    const Tok* t;
    u64 n;
    const Ptr* sa;
    u64 sep;

    explicit Corpus(const SuffixIndexView<Tok, Ptr>& v)
        : t(v.tokens.data), n(v.tokens.size), sa(v.sa.data), sep(v.separator) {}

    // sa[i] (i < n), checked to lie in [0, n): a negative entry converts to a huge u64.
    u64 pos(u64 i) const {
        const u64 p = static_cast<u64>(sa[i]);
        if (__builtin_expect(p >= n, 0)) corrupted_sa(i, p, n);
        return p;
    }

    // Three-way comparison of suffix p with q[0, m), looking at q's m tokens only:
    // <0 suffix sorts before q, 0 q is a prefix of the suffix, >0 after.
    int compare(u64 p, const Tok* q, u64 m) const {
        const u64 lim = std::min<u64>(m, n - p);
        const Tok* s = t + p;
        for (u64 k = 0; k < lim; ++k) {
            if (s[k] != q[k]) return s[k] < q[k] ? -1 : 1;
        }
        return lim < m ? -1 : 0;
    }

    // The token at offset k of suffix sa[i], or -1 past the end of the corpus.
    i64 key(u64 i, u64 k) const {
        const u64 p = pos(i);
        return k < n - p ? static_cast<i64>(t[p + k]) : -1;
    }
};

template <class Tok>
bool usable_query(const Tok* q, u64 m, u64 n, u64 sep) {
    if (m == 0 || m > n) return false;
    for (u64 k = 0; k < m; ++k)
        if (static_cast<u64>(q[k]) == sep) return false;
    return true;
}

inline void prefetch(const void* p) { __builtin_prefetch(p, 0, 0); }

// Both bound searches of one query: lower (first suffix >= q) and upper (first
// suffix > q on q's tokens). They probe the same suffix until a probe has q as a
// prefix, so a query with few occurrences costs little more than one search.
template <class Tok>
struct Lane {
    const Tok* q;
    u64 m;
    u64 lo;   // lower-bound search position
    u64 hi;   // upper-bound search position
    u64 plo;  // probed suffixes
    u64 phi;
    i64* out_lo;
    i64* out_hi;
};

constexpr int kLanes = 16;

template <class Tok, class Ptr>
void run_lanes(const Corpus<Tok, Ptr>& c, Lane<Tok>* lanes, int nl) {
    u64 len = c.n;
    for (int j = 0; j < nl; ++j) lanes[j].lo = lanes[j].hi = 0;
    // Halving steps: identical for every lane because len depends only on n. Each
    // round issues the loads of all lanes before using any (memory-level parallelism).
    while (len > 1) {
        const u64 half = len / 2;
        for (int j = 0; j < nl; ++j) {
            prefetch(c.sa + lanes[j].lo + half);
            if (lanes[j].hi != lanes[j].lo) prefetch(c.sa + lanes[j].hi + half);
        }
        for (int j = 0; j < nl; ++j) {
            Lane<Tok>& L = lanes[j];
            L.plo = c.pos(L.lo + half);
            prefetch(c.t + L.plo);
            if (L.hi != L.lo) {
                L.phi = c.pos(L.hi + half);
                prefetch(c.t + L.phi);
            }
        }
        for (int j = 0; j < nl; ++j) {
            Lane<Tok>& L = lanes[j];
            const int r = c.compare(L.plo, L.q, L.m);
            const int s = L.hi == L.lo ? r : c.compare(L.phi, L.q, L.m);
            L.lo += r < 0 ? half : 0;
            L.hi += s <= 0 ? half : 0;
        }
        len -= half;
    }
    for (int j = 0; j < nl; ++j) {
        Lane<Tok>& L = lanes[j];
        const int r = c.compare(c.pos(L.lo), L.q, L.m);
        const int s = c.compare(c.pos(L.hi), L.q, L.m);
        *L.out_lo = static_cast<i64>(L.lo + (r < 0 ? 1 : 0));
        *L.out_hi = static_cast<i64>(L.hi + (s <= 0 ? 1 : 0));
    }
}

// Narrow [lo, hi) (suffixes sharing their first k tokens) to those whose token at
// offset k equals c. Returns false (and leaves lo/hi alone) when none does.
template <class Tok, class Ptr>
bool narrow(const Corpus<Tok, Ptr>& c, u64& lo, u64& hi, u64 k, i64 tok) {
    u64 a = lo, b = hi;
    while (a < b) {  // first i with key >= tok
        const u64 mid = a + (b - a) / 2;
        if (c.key(mid, k) < tok) a = mid + 1; else b = mid;
    }
    if (a == hi || c.key(a, k) != tok) return false;
    u64 e = a, f = hi;
    while (e < f) {  // first i with key > tok
        const u64 mid = e + (f - e) / 2;
        if (c.key(mid, k) <= tok) e = mid + 1; else f = mid;
    }
    lo = a;
    hi = e;
    return true;
}

// Range of q[0, m) (m >= 1, no separator) by one lower and one upper bound search.
template <class Tok, class Ptr>
void single_range(const Corpus<Tok, Ptr>& c, const Tok* q, u64 m, u64& lo, u64& hi) {
    i64 a = 0, b = 0;
    Lane<Tok> lane{q, m, 0, 0, 0, 0, &a, &b};
    run_lanes(c, &lane, 1);
    lo = static_cast<u64>(a);
    hi = static_cast<u64>(b);
}

template <class Tok, class Ptr>
void ms_one(const Corpus<Tok, Ptr>& c, const Tok* q, u64 m, i64* ms) {
    u64 len = 0, lo = 0, hi = c.n;  // [lo, hi): suffixes starting with q[i, i + len)
    for (u64 i = 0; i < m; ++i) {
        if (len == 0) {
            lo = 0;
            hi = c.n;
        } else {
            // q[i, i + len) occurs (it is a suffix of the previous match): find its range.
            single_range(c, q + i, len, lo, hi);
        }
        while (i + len < m && static_cast<u64>(q[i + len]) != c.sep && lo < hi &&
               narrow(c, lo, hi, len, static_cast<i64>(q[i + len]))) {
            ++len;
        }
        ms[i] = static_cast<i64>(len);
        if (len > 0) --len;
    }
}

// Longest prefix of q[0, m) occurring in the corpus, by narrowing the full range
// one token at a time (each narrowing is two binary searches over the current range,
// which shrinks fast, so a long match costs little more than its length).
template <class Tok, class Ptr>
i64 longest_prefix(const Corpus<Tok, Ptr>& c, const Tok* q, u64 m) {
    u64 lo = 0, hi = c.n, len = 0;
    while (len < m && static_cast<u64>(q[len]) != c.sep && lo < hi && narrow(c, lo, hi, len, static_cast<i64>(q[len])))
        ++len;
    return static_cast<i64>(len);
}

}  // namespace

template <class Tok, class Ptr>
void ngram_ranges(const SuffixIndexView<Tok, Ptr>& index, ArrayView<const Tok> qvalues, ArrayView<const i64> qoffsets,
                  ArrayView<i64> lo, ArrayView<i64> hi) {
    const std::size_t nq = qoffsets.size - 1;
    SEENIT_CHECK(index.sa.size == index.tokens.size, std::invalid_argument, "sa has ", index.sa.size,
                 " entries but the corpus has ", index.tokens.size, " tokens");
    SEENIT_CHECK(lo.size == nq && hi.size == nq, std::invalid_argument, "output arrays must have one entry per query");
    const Corpus<Tok, Ptr> c(index);
    parallel_for_dynamic(nq, 512, [&](std::size_t b, std::size_t e, int) {
        Lane<Tok> lanes[kLanes];
        int nl = 0;
        for (std::size_t j = b; j < e; ++j) {
            const Tok* q = qvalues.data + qoffsets[j];
            const u64 m = static_cast<u64>(qoffsets[j + 1] - qoffsets[j]);
            if (!usable_query(q, m, c.n, c.sep)) {
                lo[j] = 0;
                hi[j] = 0;
                continue;
            }
            lanes[nl++] = {q, m, 0, 0, 0, 0, &lo[j], &hi[j]};
            if (nl == kLanes) {
                run_lanes(c, lanes, nl);
                nl = 0;
            }
        }
        if (nl) run_lanes(c, lanes, nl);
    });
}

template <class Tok, class Ptr>
void ngram_matching_statistics(const SuffixIndexView<Tok, Ptr>& index, ArrayView<const Tok> qvalues,
                               ArrayView<const i64> qoffsets, ArrayView<i64> ms) {
    const std::size_t nq = qoffsets.size - 1;
    SEENIT_CHECK(index.sa.size == index.tokens.size, std::invalid_argument, "sa has ", index.sa.size,
                 " entries but the corpus has ", index.tokens.size, " tokens");
    SEENIT_CHECK(ms.size == qvalues.size, std::invalid_argument, "ms must have one entry per query token");
    const Corpus<Tok, Ptr> c(index);
    parallel_for_dynamic(nq, 4, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t j = b; j < e; ++j) {
            const u64 m = static_cast<u64>(qoffsets[j + 1] - qoffsets[j]);
            if (c.n == 0) {
                std::fill(ms.data + qoffsets[j], ms.data + qoffsets[j + 1], i64{0});
                continue;
            }
            ms_one(c, qvalues.data + qoffsets[j], m, ms.data + qoffsets[j]);
        }
    });
}

template <class Tok, class Ptr>
void ngram_prefix_lengths(const SuffixIndexView<Tok, Ptr>& index, ArrayView<const Tok> qvalues,
                          ArrayView<const i64> qoffsets, ArrayView<const i64> positions, ArrayView<i64> out) {
    SEENIT_CHECK(index.sa.size == index.tokens.size, std::invalid_argument, "sa has ", index.sa.size,
                 " entries but the corpus has ", index.tokens.size, " tokens");
    SEENIT_CHECK(out.size == positions.size, std::invalid_argument, "out must have one entry per position");
    for (std::size_t k = 0; k < positions.size; ++k)
        SEENIT_CHECK(positions[k] >= 0 && static_cast<u64>(positions[k]) < qvalues.size, std::invalid_argument,
                     "positions[", k, "]=", positions[k], " is outside the query values [0, ", qvalues.size, ")");
    const Corpus<Tok, Ptr> c(index);
    // Seeding: the first kSeeds[s] tokens of up to kLanes positions are searched in
    // lockstep (prefetched, like ngram_ranges); a position whose seed occurs then only
    // narrows token by token inside that small range. Unfound seeds try the next,
    // shorter one, and finally the plain narrowing from the full range.
    constexpr u64 kSeeds[2] = {8, 3};
    parallel_for_dynamic(positions.size, 256, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t k0 = b; k0 < e; k0 += kLanes) {
            const int cnt = static_cast<int>(std::min<std::size_t>(kLanes, e - k0));
            const Tok* qs[kLanes];
            u64 ms[kLanes];
            bool done[kLanes];
            for (int j = 0; j < cnt; ++j) {
                const i64 p = positions[k0 + j];
                const i64 end = *std::upper_bound(qoffsets.begin(), qoffsets.end(), p);
                qs[j] = qvalues.data + p;
                ms[j] = static_cast<u64>(end - p);
                done[j] = c.n == 0 || ms[j] == 0 || static_cast<u64>(qs[j][0]) == c.sep;
                if (done[j]) out[k0 + j] = 0;
            }
            for (u64 seed : kSeeds) {
                Lane<Tok> lanes[kLanes];
                i64 los[kLanes], his[kLanes];
                int idx[kLanes], nl = 0;
                for (int j = 0; j < cnt; ++j) {
                    if (done[j]) continue;
                    u64 len = 0;
                    const u64 lim = std::min<u64>(seed, ms[j]);
                    while (len < lim && static_cast<u64>(qs[j][len]) != c.sep) ++len;
                    if (len < seed && len < ms[j]) continue;  // seed cut by a separator: no seeding
                    idx[nl] = j;
                    lanes[nl] = {qs[j], len, 0, 0, 0, 0, &los[nl], &his[nl]};
                    ++nl;
                }
                if (nl) run_lanes(c, lanes, nl);
                for (int l = 0; l < nl; ++l) {
                    if (his[l] <= los[l]) continue;  // seed not in the corpus: try a shorter one
                    const int j = idx[l];
                    u64 lo = static_cast<u64>(los[l]), hi = static_cast<u64>(his[l]), len = lanes[l].m;
                    while (len < ms[j] && static_cast<u64>(qs[j][len]) != c.sep &&
                           narrow(c, lo, hi, len, static_cast<i64>(qs[j][len])))
                        ++len;
                    out[k0 + j] = static_cast<i64>(len);
                    done[j] = true;
                }
            }
            for (int j = 0; j < cnt; ++j)
                if (!done[j]) out[k0 + j] = longest_prefix(c, qs[j], ms[j]);
        }
    });
}

#define SEENIT_NGRAM_INSTANTIATE(Tok, Ptr)                                                                          \
    template void ngram_ranges<Tok, Ptr>(const SuffixIndexView<Tok, Ptr>&, ArrayView<const Tok>,                  \
                                         ArrayView<const i64>, ArrayView<i64>, ArrayView<i64>);                   \
    template void ngram_matching_statistics<Tok, Ptr>(const SuffixIndexView<Tok, Ptr>&, ArrayView<const Tok>,     \
                                                      ArrayView<const i64>, ArrayView<i64>);              \
    template void ngram_prefix_lengths<Tok, Ptr>(const SuffixIndexView<Tok, Ptr>&, ArrayView<const Tok>,          \
                                                 ArrayView<const i64>, ArrayView<const i64>, ArrayView<i64>);

SEENIT_NGRAM_INSTANTIATE(u8, i32)
SEENIT_NGRAM_INSTANTIATE(u8, i64)
SEENIT_NGRAM_INSTANTIATE(u16, i32)
SEENIT_NGRAM_INSTANTIATE(u16, i64)
SEENIT_NGRAM_INSTANTIATE(u32, i32)
SEENIT_NGRAM_INSTANTIATE(u32, i64)

#undef SEENIT_NGRAM_INSTANTIATE

}  // namespace seenit
