// Locality-sensitive hashing over MinHash signatures (banding), bucket grouping,
// candidate pairs and signature similarity. No Python in here.
//
// A signature row of width k is cut into `bands` bands of `rows` consecutive
// slots (bands * rows <= k; trailing slots are unused, as in datasketch). Each
// band's r values are hashed to a 64-bit band key; two documents are candidates
// when they share the key of at least one band. A row whose k slots all hold the
// dtype maximum is the empty signature (an empty document): it is never put in a
// bucket, so it never becomes a candidate.
#pragma once

#include <mutex>
#include <utility>
#include <vector>

#include "seenit/common.hpp"

namespace seenit {

// The 64-bit key of one band: a hash of its `rows` values (read as u64).
template <class T>
u64 lsh_band_key(const T* values, int rows, int band);

// True when every slot of the row holds the maximum of T (the empty signature).
template <class T>
bool lsh_is_empty(const T* row, std::size_t k);

// keys[i * bands + b] = lsh_band_key of band b of row i (bands * rows <= cols), for every
// row, and empty[i] = lsh_is_empty(row i): the keys LSHIndex files each row under, so
// bucketing can be done elsewhere (e.g. a distributed shuffle) with the same buckets.
template <class T>
void lsh_band_keys(MatrixView<const T> sig, int bands, int rows, ArrayView<u64> keys, ArrayView<u8> empty);

// (b, r) minimising fp_weight * FP(b, r) + fn_weight * FN(b, r), where
// FP = integral_0^t 1 - (1 - s^r)^b ds and FN = integral_t^1 (1 - s^r)^b ds,
// searched over b = 1..num_perm, r = 1..num_perm / b in that order with a strict
// "<" (the same search and tie order as datasketch's MinHashLSH). Integrals are
// computed by adaptive Gauss-Kronrod (7/15) quadrature to ~1e-13.
std::pair<int, int> lsh_optimal_params(double threshold, int num_perm, double fp_weight, double fn_weight);
// The two integrals for one (b, r) (exposed for tests).
std::pair<double, double> lsh_error_integrals(double threshold, int bands, int rows);

// A CSR list of integer groups: group g is values[offsets[g] .. offsets[g+1]).
struct Ragged {
    std::vector<i64> values;
    std::vector<i64> offsets{0};
};

// A banded LSH index that grows by batches. Documents get consecutive internal
// ids 0, 1, ... in insertion order (empty signatures take an id but enter no
// bucket). Per band it keeps (key, id) entries sorted by key, so grouping and
// lookup are sorts and binary searches; inserting after a query sorts only the
// new entries and merges them in. All methods are safe to call from several
// threads (one internal lock).
class LSHIndex {
public:
    LSHIndex(int bands, int rows);

    int bands() const { return bands_; }
    int rows() const { return rows_; }
    std::size_t size() const { return n_; }
    std::size_t n_empty() const { return n_empty_; }
    // Width (num_perm) of the signatures inserted so far (0 before the first insert).
    std::size_t width() const { return width_; }

    template <class T>
    void insert(MatrixView<const T> sig);

    // For each query row, the sorted internal ids of every indexed document that
    // shares at least one band key with it (an empty query row matches nothing).
    template <class T>
    Ragged query(MatrixView<const T> sig);

    // Every bucket with at least `min_size` members, band by band, in key order;
    // members ascending. The same pair may share buckets in several bands.
    Ragged buckets(std::size_t min_size);

private:
    struct Entry {
        u64 key;
        i64 id;
        bool operator<(const Entry& o) const { return key < o.key || (key == o.key && id < o.id); }
    };
    void check_width(std::size_t k);
    void build_locked();

    int bands_, rows_;
    std::size_t n_ = 0, n_empty_ = 0, width_ = 0;
    std::vector<std::vector<Entry>> table_;  // one sorted (after build) entry list per band
    std::vector<std::size_t> sorted_upto_;   // per band: entries [0, sorted_upto_) are sorted
    std::mutex mu_;
};

// Every pair (i, j), i < j, of members that share a group, deduplicated and
// sorted; returned flat as i0, j0, i1, j1, ...  Cost is the sum over groups of
// size * (size - 1) / 2 before deduplication.
std::vector<i64> lsh_group_pairs(ArrayView<const i64> values, ArrayView<const i64> offsets);

// The fraction of equal slots of two k-slot rows (the MinHash estimate of their Jaccard
// similarity), rounded as eq / k in NumPy.
template <class T>
inline double signature_similarity(const T* x, const T* y, std::size_t k) {
    std::size_t eq = 0;
    for (std::size_t s = 0; s < k; ++s) eq += x[s] == y[s];
    return static_cast<double>(eq) / static_cast<double>(k);
}

// out[e] = fraction of equal slots between row pairs[2e] of a and row pairs[2e+1]
// of b (the MinHash estimate of their Jaccard similarity). a and b may be the same.
template <class T>
void signature_pair_similarity(MatrixView<const T> a, MatrixView<const T> b, ArrayView<const i64> pairs,
                               ArrayView<double> out);

// Sorts (i, j) pairs (flat) lexicographically and removes duplicates, in place.
void sort_unique_pairs(std::vector<i64>& flat);

}  // namespace seenit
