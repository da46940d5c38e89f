#include "seenit/lsh_bloom.hpp"

#include <cmath>
#include <stdexcept>

#include "seenit/hashing.hpp"
#include "seenit/lsh.hpp"

namespace seenit {

namespace {
// Largest filter set accepted (2^40 bits = 128 GiB over all bands): beyond it a typo, not a corpus.
constexpr double kMaxBits = 1099511627776.0;
}  // namespace

LshBloom::LshBloom(int bands, int rows, u64 expected, double fp_rate) : bands_(bands), rows_(rows) {
    SEENIT_CHECK(bands >= 1 && rows >= 1, std::invalid_argument, "bands and rows must be >= 1, got bands=", bands,
                 ", rows=", rows);
    SEENIT_CHECK(expected >= 1, std::invalid_argument, "expected must be >= 1 document, got ", expected);
    SEENIT_CHECK(fp_rate > 0.0 && fp_rate < 1.0, std::invalid_argument, "fp_rate must be in (0, 1), got ", fp_rate);
    const double ln2 = std::log(2.0);
    const double bits = std::ceil(-static_cast<double>(expected) * std::log(fp_rate) / (ln2 * ln2));
    SEENIT_CHECK(bits * bands <= kMaxBits, std::invalid_argument, "filters of ", bits, " bits x ", bands,
                 " bands are too large (expected=", expected, ", fp_rate=", fp_rate, ")");
    m_ = (static_cast<u64>(bits) + 63) / 64 * 64;
    h_ = std::max(1, static_cast<int>(std::lround(static_cast<double>(m_) / static_cast<double>(expected) * ln2)));
    words_.assign(static_cast<std::size_t>(bands), std::vector<u64>(m_ / 64, 0));
}

bool LshBloom::test_and_set(std::size_t band, u64 key) {
    const u64 step = hashing::fmix64(key ^ 0xC2B2AE3D27D4EB4FULL) | 1;
    std::vector<u64>& w = words_[band];
    bool all = true;
    u64 pos = key % m_;
    const u64 inc = step % m_;
    for (int i = 0; i < h_; ++i) {
        const u64 bit = u64{1} << (pos & 63);
        u64& word = w[pos >> 6];
        all = all && (word & bit);
        word |= bit;
        pos += inc;
        if (pos >= m_) pos -= m_;
    }
    return all;
}

template <class T>
void LshBloom::process(MatrixView<const T> sig, ArrayView<u8> duplicate) {
    const std::size_t nb = static_cast<std::size_t>(bands_);
    SEENIT_CHECK(nb * static_cast<std::size_t>(rows_) <= sig.cols, std::invalid_argument, "signatures have ",
                 sig.cols, " slots but bands * rows = ", bands_, " * ", rows_, " = ", nb * rows_);
    SEENIT_CHECK(duplicate.size == sig.rows, std::invalid_argument, "duplicate must have ", sig.rows, " entries");
    std::vector<u64> keys(sig.rows * nb);
    std::vector<u8> empty(sig.rows);
    lsh_band_keys<T>(sig, bands_, rows_, {keys.data(), keys.size()}, {empty.data(), empty.size()});
    std::lock_guard<std::mutex> lock(mu_);
    // In input order: whether a row is a duplicate depends on every row before it.
    for (std::size_t i = 0; i < sig.rows; ++i) {
        bool dup = false;
        if (!empty[i]) {
            for (std::size_t b = 0; b < nb; ++b) dup = test_and_set(b, keys[i * nb + b]) || dup;
            ++seen_;
        }
        duplicate[i] = dup;
    }
}

template void LshBloom::process<u32>(MatrixView<const u32>, ArrayView<u8>);
template void LshBloom::process<u64>(MatrixView<const u64>, ArrayView<u8>);

}  // namespace seenit
