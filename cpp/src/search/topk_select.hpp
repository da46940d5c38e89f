// Per-query bounded heaps for top-k selection (internal to the topk kernels).
// Order: a higher key is better; equal keys prefer the smaller id. The heap root is
// the worst kept candidate, so `threshold(q)` is the key a newcomer must reach.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "seenit/common.hpp"

namespace seenit::topk_detail {

struct Cand {
    float key;
    i64 id;
};

inline bool better(const Cand& a, const Cand& b) { return a.key > b.key || (a.key == b.key && a.id < b.id); }

class Heaps {
   public:
    Heaps() = default;
    Heaps(std::size_t nq, std::size_t k) : k_(k), size_(nq, 0), thr_(nq, -INFINITY), data_(nq * k) {}

    std::size_t k() const { return k_; }
    std::size_t size(std::size_t q) const { return size_[q]; }
    // Keys below this cannot enter (equal keys may, if their id is smaller than the root's).
    float threshold(std::size_t q) const { return thr_[q]; }
    const float* thresholds() const { return thr_.data(); }

    void push(std::size_t q, float key, i64 id) {
        Cand* h = data_.data() + q * k_;
        std::size_t& n = size_[q];
        Cand c{key, id};
        if (n < k_) {
            std::size_t i = n++;
            while (i > 0) {  // sift up: parent must be worse than child
                std::size_t p = (i - 1) / 2;
                if (!better(h[p], c)) break;
                h[i] = h[p];
                i = p;
            }
            h[i] = c;
            if (n == k_) thr_[q] = h[0].key;
            return;
        }
        if (!better(c, h[0])) return;
        std::size_t i = 0;
        for (;;) {  // sift down from the root
            std::size_t l = 2 * i + 1;
            if (l >= n) break;
            std::size_t w = l;  // the worse child
            if (l + 1 < n && better(h[l], h[l + 1])) w = l + 1;
            if (!better(c, h[w])) break;
            h[i] = h[w];
            i = w;
        }
        h[i] = c;
        thr_[q] = h[0].key;
    }

    // Merge another set of heaps (same nq, k) into this one.
    void merge(const Heaps& o) {
        for (std::size_t q = 0; q < size_.size(); ++q) {
            const Cand* h = o.data_.data() + q * k_;
            for (std::size_t i = 0; i < o.size_[q]; ++i) push(q, h[i].key, h[i].id);
        }
    }

    // Candidates of query q, best first.
    std::vector<Cand> sorted(std::size_t q) const {
        std::vector<Cand> v(data_.begin() + static_cast<std::ptrdiff_t>(q * k_),
                            data_.begin() + static_cast<std::ptrdiff_t>(q * k_ + size_[q]));
        std::sort(v.begin(), v.end(), better);
        return v;
    }

   private:
    std::size_t k_ = 0;
    std::vector<std::size_t> size_;
    std::vector<float> thr_;
    std::vector<Cand> data_;
};

}  // namespace seenit::topk_detail
