// Exact-substring duplicate spans from SA + LCP (see exact_dups.hpp).
#include "seenit/exact_dups.hpp"

#include <algorithm>

#include "seenit/parallel.hpp"

namespace seenit {

template <class Tok, class Ptr>
void exact_duplicate_spans(ArrayView<const Tok> tokens, ArrayView<const Ptr> sa, ArrayView<const Ptr> lcp, u64 separator,
                           u64 k, std::vector<i64>& starts, std::vector<i64>& ends) {
    const std::size_t n = tokens.size;
    SEENIT_CHECK(k >= 1, std::invalid_argument, "min_length must be >= 1, got ", k);
    SEENIT_CHECK(sa.size == n && lcp.size == n, std::invalid_argument, "sa and lcp must have one entry per token (", n,
                 "), got ", sa.size, " and ", lcp.size);
    starts.clear();
    ends.clear();
    if (n < 2 || k > n) return;
    std::vector<u8> mark(n, 0);
    u8* mk = mark.data();
    // Mark the start of every repeated separator-free k-gram. Two SA neighbours
    // share their first lcp tokens, so checking one of them for a separator suffices.
    parallel_for(n - 1, 1 << 14, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t i = b + 1; i < e + 1; ++i) {
            if (static_cast<u64>(lcp[i]) < k) continue;
            const u64 p = static_cast<u64>(sa[i]), p1 = static_cast<u64>(sa[i - 1]);
            // both windows [p, p + k) and [p1, p1 + k) lie inside the text when sa and lcp are
            // what they claim; a corrupted entry must not read or write outside it
            SEENIT_CHECK(p <= n - k && p1 <= n - k, std::invalid_argument,
                         "corrupted suffix array or LCP array: sa[", i - 1, "] = ", static_cast<i64>(sa[i - 1]),
                         ", sa[", i, "] = ", static_cast<i64>(sa[i]), ", lcp[", i, "] = ", static_cast<i64>(lcp[i]),
                         " with n = ", n, " and min_length = ", k);
            bool clean = true;
            for (u64 j = 0; j < k; ++j) {
                if (static_cast<u64>(tokens[p + j]) == separator) { clean = false; break; }
            }
            if (!clean) continue;
            __atomic_store_n(mk + p, u8{1}, __ATOMIC_RELAXED);
            __atomic_store_n(mk + p1, u8{1}, __ATOMIC_RELAXED);
        }
    });
    // Union of the windows [p, p + k) of marked p, in one pass.
    i64 cur_s = -1, cur_e = -1;
    for (std::size_t p = 0; p < n; ++p) {
        if (!mk[p]) continue;
        const i64 s = static_cast<i64>(p), e = static_cast<i64>(p + k);
        if (cur_e >= s) {
            cur_e = std::max(cur_e, e);
        } else {
            if (cur_s >= 0) { starts.push_back(cur_s); ends.push_back(cur_e); }
            cur_s = s;
            cur_e = e;
        }
    }
    if (cur_s >= 0) { starts.push_back(cur_s); ends.push_back(cur_e); }
}

#define SEENIT_DUPS_INSTANTIATE(Tok, Ptr)                                                                          \
    template void exact_duplicate_spans<Tok, Ptr>(ArrayView<const Tok>, ArrayView<const Ptr>, ArrayView<const Ptr>, \
                                                  u64, u64, std::vector<i64>&, std::vector<i64>&);

SEENIT_DUPS_INSTANTIATE(u8, i32)
SEENIT_DUPS_INSTANTIATE(u8, i64)
SEENIT_DUPS_INSTANTIATE(u16, i32)
SEENIT_DUPS_INSTANTIATE(u16, i64)
SEENIT_DUPS_INSTANTIATE(u32, i32)
SEENIT_DUPS_INSTANTIATE(u32, i64)

#undef SEENIT_DUPS_INSTANTIATE

}  // namespace seenit
