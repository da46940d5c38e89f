// SA-IS suffix array construction (Nong, Zhang & Chan, "Two efficient algorithms
// for linear time suffix array construction", 2009), written for seenit.
//
// Conventions: the text has no sentinel; a virtual sentinel smaller than every
// symbol sits at position n. A suffix is S-type if it is smaller than the next
// suffix, L-type otherwise; position n-1 is L. LMS = S-type with an L-type left
// neighbour. Empty slots of sa hold -1 while inducing.
#include "seenit/suffix_array.hpp"

#include <algorithm>
#include <limits>
#include <type_traits>
#include <vector>

#include "seenit/parallel.hpp"

namespace seenit {
namespace {

// One bit per text position: 1 = S-type, 0 = L-type.
class TypeBits {
public:
    explicit TypeBits(std::size_t n) : w_((n + 63) / 64, 0) {}
    bool s(std::size_t i) const { return (w_[i >> 6] >> (i & 63)) & 1u; }
    void set_s(std::size_t i) { w_[i >> 6] |= u64{1} << (i & 63); }
    bool lms(std::size_t i) const { return i > 0 && s(i) && !s(i - 1); }

private:
    std::vector<u64> w_;
};

template <class Char>
inline std::size_t sym(Char c) {
    return static_cast<std::size_t>(static_cast<std::make_unsigned_t<Char>>(c));
}

// Classifies every position right to left.
template <class Char>
void classify(const Char* T, std::size_t n, TypeBits& t) {
    bool next_s = false;  // position n-1 is L-type (the virtual sentinel is smaller)
    for (std::size_t i = n - 1; i-- > 0;) {
        bool s = T[i] < T[i + 1] || (T[i] == T[i + 1] && next_s);
        if (s) t.set_s(i);
        next_s = s;
    }
}

// Symbol histogram, counted in parallel blocks then summed in block order.
template <class Char, class Index>
void count_symbols(const Char* T, std::size_t n, std::vector<Index>& C) {
    std::size_t K = C.size();
    std::fill(C.begin(), C.end(), Index{0});
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
    });
    for (auto& h : part)
        if (!h.empty())
            for (std::size_t c = 0; c < K; ++c) C[c] += h[c];
}

template <class Index>
void bucket_starts(const std::vector<Index>& C, std::vector<Index>& B) {
    Index sum = 0;
    for (std::size_t c = 0; c < C.size(); ++c) {
        B[c] = sum;
        sum += C[c];
    }
}

template <class Index>
void bucket_ends(const std::vector<Index>& C, std::vector<Index>& B) {
    Index sum = 0;
    for (std::size_t c = 0; c < C.size(); ++c) {
        sum += C[c];
        B[c] = sum;
    }
}

// Induces L-type suffixes left to right, then S-type suffixes right to left,
// from the LMS suffixes already placed at their bucket ends.
template <class Char, class Index>
void induce(const Char* T, Index* SA, std::size_t n, const TypeBits& t, const std::vector<Index>& C,
            std::vector<Index>& B) {
    bucket_starts(C, B);
    SA[B[sym(T[n - 1])]++] = static_cast<Index>(n - 1);  // induced by the virtual sentinel
    for (std::size_t i = 0; i < n; ++i) {
        Index j = SA[i];
        if (j > 0 && !t.s(static_cast<std::size_t>(j - 1))) SA[B[sym(T[j - 1])]++] = j - 1;
    }
    bucket_ends(C, B);
    for (std::size_t i = n; i-- > 0;) {
        Index j = SA[i];
        if (j > 0 && t.s(static_cast<std::size_t>(j - 1))) SA[--B[sym(T[j - 1])]] = j - 1;
    }
}

// True when the LMS substrings starting at p and q (up to and including the next
// LMS position) are equal in symbols and types.
template <class Char>
bool same_lms_substring(const Char* T, std::size_t n, const TypeBits& t, std::size_t p, std::size_t q) {
    for (std::size_t d = 0;; ++d) {
        if (p + d == n || q + d == n) return false;  // the sentinel is unique
        if (T[p + d] != T[q + d] || t.s(p + d) != t.s(q + d)) return false;
        if (d > 0 && (t.lms(p + d) || t.lms(q + d))) return t.lms(p + d) && t.lms(q + d);
    }
}

// Sorts the suffixes of T[0, n) (symbols < K) into SA[0, n).
template <class Char, class Index>
void sais(const Char* T, Index* SA, std::size_t n, std::size_t K) {
    constexpr Index EMPTY = -1;
    if (n == 0) return;
    if (n == 1) {
        SA[0] = 0;
        return;
    }
    TypeBits t(n);
    classify(T, n, t);
    std::vector<Index> C(K), B(K);
    count_symbols(T, n, C);

    // Stage 1: sort the LMS substrings by induction.
    std::fill(SA, SA + n, EMPTY);
    bucket_ends(C, B);
    std::size_t m = 0;
    for (std::size_t i = n - 1; i >= 1; --i)
        if (t.lms(i)) {
            SA[--B[sym(T[i])]] = static_cast<Index>(i);
            ++m;
        }
    induce(T, SA, n, t, C, B);

    // Compact the sorted LMS positions into SA[0, m) and name their substrings.
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++i)
        if (t.lms(static_cast<std::size_t>(SA[i]))) SA[k++] = SA[i];
    std::fill(SA + m, SA + n, EMPTY);
    Index names = 0;
    std::size_t prev = n;
    for (std::size_t i = 0; i < m; ++i) {
        std::size_t p = static_cast<std::size_t>(SA[i]);
        if (prev == n || !same_lms_substring(T, n, t, p, prev)) ++names;
        prev = p;
        SA[m + p / 2] = names - 1;
    }
    // The reduced string (names in text order) goes to SA[n-m, n).
    std::size_t j = n;
    for (std::size_t i = n; i-- > m;)
        if (SA[i] != EMPTY) SA[--j] = SA[i];
    Index* s1 = SA + n - m;

    // Stage 2: sort the reduced string's suffixes (recursively if names repeat).
    if (static_cast<std::size_t>(names) < m) {
        sais<Index, Index>(s1, SA, m, static_cast<std::size_t>(names));
    } else {
        for (std::size_t i = 0; i < m; ++i) SA[s1[i]] = static_cast<Index>(i);
    }

    // Stage 3: map ranks back to positions and induce the full order.
    j = 0;
    for (std::size_t i = 1; i < n; ++i)
        if (t.lms(i)) s1[j++] = static_cast<Index>(i);
    for (std::size_t i = 0; i < m; ++i) SA[i] = s1[SA[i]];
    std::fill(SA + m, SA + n, EMPTY);
    bucket_ends(C, B);
    for (std::size_t i = m; i-- > 0;) {
        Index p = SA[i];
        SA[i] = EMPTY;
        SA[--B[sym(T[p])]] = p;
    }
    induce(T, SA, n, t, C, B);
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
    // Every symbol must be < alphabet: checked in parallel before any work.
    std::vector<u64> block_max(static_cast<std::size_t>(num_threads()), 0);
    parallel_for(n, 1 << 16, [&](std::size_t b, std::size_t e, int tid) {
        u64 mx = 0;
        for (std::size_t i = b; i < e; ++i) mx = std::max<u64>(mx, static_cast<u64>(text[i]));
        block_max[static_cast<std::size_t>(tid)] = std::max(block_max[static_cast<std::size_t>(tid)], mx);
    });
    u64 mx = *std::max_element(block_max.begin(), block_max.end());
    SEENIT_CHECK(mx < alphabet, std::invalid_argument, "text has symbol ", mx, " >= alphabet (", alphabet, ")");
    // Buckets are indexed by symbol: fine up to max(n, 2^16) symbols; beyond
    // that the used symbols are rank-remapped first.
    const u64 direct_limit = std::max<u64>(static_cast<u64>(n), u64{1} << 16);
    u64 K = mx + 1;
    if (K <= direct_limit) {
        sais<Char, Index>(text.data, sa.data, n, static_cast<std::size_t>(K));
    } else {
        std::size_t distinct = 0;
        std::vector<u32> remapped = compress_alphabet(text.data, n, sa.data, distinct);
        sais<u32, Index>(remapped.data(), sa.data, n, distinct);
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
