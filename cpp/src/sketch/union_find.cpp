#include "seenit/union_find.hpp"

#include <numeric>
#include <stdexcept>

namespace seenit {

UnionFind::UnionFind(std::size_t n) : parent_(n), size_(n, 1) {
    std::iota(parent_.begin(), parent_.end(), i64{0});
}

i64 UnionFind::find(i64 x) {
    // Path halving: every visited node skips to its grandparent.
    while (parent_[x] != x) {
        parent_[x] = parent_[parent_[x]];
        x = parent_[x];
    }
    return x;
}

bool UnionFind::unite(i64 a, i64 b) {
    a = find(a);
    b = find(b);
    if (a == b) return false;
    if (size_[a] < size_[b] || (size_[a] == size_[b] && b < a)) std::swap(a, b);
    parent_[b] = a;
    size_[a] += size_[b];
    return true;
}

void connected_labels(std::size_t n, ArrayView<const i64> pairs, ArrayView<i64> labels) {
    SEENIT_CHECK(pairs.size % 2 == 0, std::invalid_argument, "pairs must hold (i, j) pairs, got ", pairs.size, " values");
    SEENIT_CHECK(labels.size == n, std::invalid_argument, "labels must have ", n, " entries, got ", labels.size);
    const i64 nn = static_cast<i64>(n);
    for (std::size_t e = 0; e < pairs.size; ++e) {
        SEENIT_CHECK(pairs[e] >= 0 && pairs[e] < nn, std::invalid_argument, "pairs[", e / 2, ", ", e % 2, "]=", pairs[e],
                     " is not a document index in [0, ", n, ")");
    }
    UnionFind uf(n);
    for (std::size_t e = 0; e < pairs.size; e += 2) uf.unite(pairs[e], pairs[e + 1]);
    // The first index met in ascending order is the smallest of its component.
    std::vector<i64> first(n, -1);
    for (i64 i = 0; i < nn; ++i) {
        i64 r = uf.find(i);
        if (first[r] < 0) first[r] = i;
        labels[i] = first[r];
    }
}

}  // namespace seenit
