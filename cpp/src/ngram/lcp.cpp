// LCP array by the Phi / permuted-LCP method (Karkkainen, Manzini & Puglisi,
// "Permuted longest-common-prefix array", CPM 2009), written for seenit.
//
//   phi[sa[i]] = sa[i-1]            (text order: the suffix just before in sa)
//   plcp[j]    = LCP(j, phi[j])      computed in text order, reusing h - 1
//   lcp[i]     = plcp[sa[i]]
// The text-order pass is cache friendly (both j and phi[j] advance by one). It
// runs in parallel blocks of positions: each block restarts h at 0, so the
// result is the same for any split. phi and plcp share one extra n-word buffer.
#include <algorithm>
#include <atomic>
#include <vector>

#include "seenit/parallel.hpp"
#include "seenit/suffix_array.hpp"

namespace seenit {

template <class Char, class Index>
void build_lcp(ArrayView<const Char> text, ArrayView<const Index> sa, ArrayView<Index> lcp) {
    const std::size_t n = text.size;
    SEENIT_CHECK(sa.size == n, std::invalid_argument, "sa must have the length of text (", n, "), got ", sa.size);
    SEENIT_CHECK(lcp.size == n, std::invalid_argument, "lcp must have the length of text (", n, "), got ", lcp.size);
    if (n == 0) return;
    const Index N = static_cast<Index>(n);
    // sa must be a permutation of [0, n): values in range (checked first), and
    // then every phi slot written exactly once (a repeat leaves some slot unset).
    std::atomic<bool> bad_range{false};
    parallel_for(n, 1 << 16, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t i = b; i < e; ++i)
            if (sa[i] < 0 || sa[i] >= N) bad_range.store(true, std::memory_order_relaxed);
    });
    if (bad_range.load()) {
        std::size_t i = 0;
        while (sa[i] >= 0 && sa[i] < N) ++i;
        SEENIT_CHECK(false, std::invalid_argument, "sa is not a suffix array of text: sa[", i, "] = ", sa[i],
                     " is outside [0, ", n, ")");
    }
    constexpr Index UNSET = -2;
    std::vector<Index> phi(n, UNSET);
    phi[static_cast<std::size_t>(sa[0])] = -1;
    parallel_for(n - 1, 1 << 16, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t i = b + 1; i < e + 1; ++i) {
            // Relaxed atomic store: a repeated value in a bad sa must not be a data race.
            __atomic_store_n(&phi[static_cast<std::size_t>(sa[i])], sa[i - 1], __ATOMIC_RELAXED);
        }
    });
    std::atomic<bool> unset{false};
    parallel_for(n, 1 << 16, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t j = b; j < e; ++j)
            if (phi[j] == UNSET) unset.store(true, std::memory_order_relaxed);
    });
    SEENIT_CHECK(!unset.load(), std::invalid_argument,
                 "sa is not a permutation of [0, n): it repeats some position (n = ", n, ")");

    const Char* T = text.data;
    parallel_for(n, 1 << 16, [&](std::size_t b, std::size_t e, int) {
        std::size_t h = 0;
        for (std::size_t j = b; j < e; ++j) {
            Index p = phi[j];
            if (p < 0) {
                h = 0;
                phi[j] = 0;
                continue;
            }
            std::size_t q = static_cast<std::size_t>(p);
            std::size_t lim = n - std::max(j, q);
            while (h < lim && T[j + h] == T[q + h]) ++h;
            phi[j] = static_cast<Index>(h);
            if (h > 0) --h;
        }
    });
    parallel_for(n, 1 << 16, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t i = b; i < e; ++i) lcp[i] = phi[static_cast<std::size_t>(sa[i])];
    });
}

#define SEENIT_INSTANTIATE_LCP(C, I) \
    template void build_lcp<C, I>(ArrayView<const C>, ArrayView<const I>, ArrayView<I>);
SEENIT_INSTANTIATE_LCP(u8, i32)
SEENIT_INSTANTIATE_LCP(u8, i64)
SEENIT_INSTANTIATE_LCP(u16, i32)
SEENIT_INSTANTIATE_LCP(u16, i64)
SEENIT_INSTANTIATE_LCP(u32, i32)
SEENIT_INSTANTIATE_LCP(u32, i64)
#undef SEENIT_INSTANTIATE_LCP

}  // namespace seenit
