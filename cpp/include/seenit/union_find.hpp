// Union-find (disjoint sets) with path halving and union by size, and the
// connected-component labelling that near-duplicate clustering is built on.
#pragma once

#include <vector>

#include "seenit/common.hpp"

namespace seenit {

class UnionFind {
public:
    explicit UnionFind(std::size_t n);
    i64 find(i64 x);
    // Merges the sets of a and b; returns false when they were already one set.
    bool unite(i64 a, i64 b);
    std::size_t size() const { return parent_.size(); }

private:
    std::vector<i64> parent_;
    std::vector<i64> size_;
};

// labels[i] = the smallest index of the connected component of i in the graph on
// n nodes with the m edges (pairs[2e], pairs[2e+1]). Deterministic: independent
// of edge order and of the thread count. Throws std::invalid_argument on a node
// outside [0, n).
void connected_labels(std::size_t n, ArrayView<const i64> pairs, ArrayView<i64> labels);

}  // namespace seenit
