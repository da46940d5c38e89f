// LSH-Bloom (Khan et al. 2024, "LSHBloom: memory-efficient, extreme-scale document deduplication"):
// one Bloom filter per LSH band instead of the band's bucket table. No Python in here.
//
// Documents are processed in order. A document is a duplicate when, in at least one band, its
// band key (lsh_band_key, the key LSHIndex files it under) is found in that band's filter: it
// shares the band with an earlier document, or the filter answers a false positive. Every
// non-empty document's keys are then added, duplicate or not. There is no verification (the
// signatures are not kept): memory is the filters only. Each filter has m bits and h probes,
// sized for `expected` keys at false-positive rate p: m = -expected ln p / (ln 2)^2 (rounded up
// to 64), h = round(m / expected * ln 2) (at least 1); probe i of key x is
// (x + i * (fmix64(x ^ c) | 1)) mod m (Kirsch and Mitzenmacher's double hashing).
#pragma once

#include <mutex>
#include <vector>

#include "seenit/common.hpp"

namespace seenit {

class LshBloom {
public:
    LshBloom(int bands, int rows, u64 expected, double fp_rate);

    int bands() const { return bands_; }
    int rows() const { return rows_; }
    u64 bits_per_band() const { return m_; }
    int probes() const { return h_; }
    u64 seen() const { return seen_; }

    // duplicate[i] = 1 when row i shares a band key with an earlier row (of this or an earlier
    // call) or the filter says so falsely; then row i's keys are added. Empty signatures are
    // never duplicates and add nothing.
    template <class T>
    void process(MatrixView<const T> sig, ArrayView<u8> duplicate);

private:
    bool test_and_set(std::size_t band, u64 key);  // true when every probe bit was already set

    int bands_, rows_, h_;
    u64 m_, seen_ = 0;
    std::vector<std::vector<u64>> words_;
    std::mutex mu_;  // one pass at a time: the order of the rows decides
};

}  // namespace seenit
