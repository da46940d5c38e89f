#include "seenit/lsh.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <stdexcept>

#include "seenit/hashing.hpp"
#include "seenit/minhash.hpp"
#include "seenit/parallel.hpp"

namespace seenit {
namespace {

// ---- parameter search: adaptive Gauss-Kronrod (7-point Gauss, 15-point Kronrod) ----

constexpr double kXgk[8] = {0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                            0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                            0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                            0.207784955007898467600689403773245, 0.000000000000000000000000000000000};
constexpr double kWgk[8] = {0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                            0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                            0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                            0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
constexpr double kWg[4] = {0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                           0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

template <class F>
double gk15(const F& f, double a, double b, double* err) {
    const double c = 0.5 * (a + b), h = 0.5 * (b - a);
    double fc = f(c);
    double k = fc * kWgk[7], g = fc * kWg[3];
    for (int j = 0; j < 7; ++j) {
        double dx = h * kXgk[j];
        double s = f(c - dx) + f(c + dx);
        k += kWgk[j] * s;
        if (j % 2 == 1) g += kWg[j / 2] * s;
    }
    *err = std::fabs((k - g) * h);
    return k * h;
}

template <class F>
double integrate(const F& f, double a, double b, double tol, int depth) {
    double err = 0;
    double whole = gk15(f, a, b, &err);
    if (err <= tol || depth >= 40 || b - a < 1e-12) return whole;
    double m = 0.5 * (a + b);
    return integrate(f, a, m, 0.5 * tol, depth + 1) + integrate(f, m, b, 0.5 * tol, depth + 1);
}

}  // namespace

template <class T>
u64 lsh_band_key(const T* values, int rows, int band) {
    u64 h = 0x9E3779B97F4A7C15ULL * static_cast<u64>(band + 1) ^ static_cast<u64>(rows);
    for (int i = 0; i < rows; ++i) {
        h = (h ^ static_cast<u64>(values[i])) * 0xD6E8FEB86659FD93ULL;
        h ^= h >> 32;
    }
    return hashing::fmix64(h);
}

template <class T>
bool lsh_is_empty(const T* row, std::size_t k) {
    const T mx = std::numeric_limits<T>::max();
    for (std::size_t i = 0; i < k; ++i)
        if (row[i] != mx) return false;
    return k > 0;
}

std::pair<double, double> lsh_error_integrals(double threshold, int bands, int rows) {
    // NaN made the adaptive quadrature split to its depth limit everywhere (2^40 panels: a hang)
    SEENIT_CHECK(threshold >= 0.0 && threshold <= 1.0, std::invalid_argument, "threshold must be in [0, 1], got ",
                 threshold);
    SEENIT_CHECK(bands >= 1 && rows >= 1, std::invalid_argument, "bands and rows must be >= 1, got bands=", bands,
                 ", rows=", rows);
    const double b = bands, r = rows;
    // P(candidate | s) = 1 - (1 - s^r)^b, written with log1p/expm1 so that tiny s^r keep their precision.
    auto p_miss = [&](double s) {
        double sr = std::pow(s, r);
        if (sr >= 1.0) return 0.0;
        return std::exp(b * std::log1p(-sr));
    };
    auto p_hit = [&](double s) {
        double sr = std::pow(s, r);
        if (sr >= 1.0) return 1.0;
        return -std::expm1(b * std::log1p(-sr));
    };
    double fp = integrate(p_hit, 0.0, threshold, 1e-14, 0);
    double fn = integrate(p_miss, threshold, 1.0, 1e-14, 0);
    return {fp, fn};
}

std::pair<int, int> lsh_optimal_params(double threshold, int num_perm, double fp_weight, double fn_weight) {
    SEENIT_CHECK(threshold > 0.0 && threshold < 1.0, std::invalid_argument, "threshold must be in (0, 1), got ", threshold);
    // the search visits ~num_perm ln(num_perm) (b, r) pairs, each a quadrature: bounded like minhash's num_perm
    SEENIT_CHECK(num_perm >= 1 && static_cast<std::size_t>(num_perm) <= kMaxNumPerm, std::invalid_argument,
                 "num_perm must be in 1..", kMaxNumPerm, ", got ", num_perm);
    // Flat list of every (b, r) in datasketch's search order.
    std::vector<std::size_t> start(static_cast<std::size_t>(num_perm) + 1, 0);
    for (int b = 1; b <= num_perm; ++b) start[b] = start[b - 1] + static_cast<std::size_t>(num_perm / b);
    std::vector<double> error(start[num_perm]);
    parallel_for_dynamic(static_cast<std::size_t>(num_perm), 4, [&](std::size_t lo, std::size_t hi, int) {
        for (std::size_t bi = lo; bi < hi; ++bi) {
            int b = static_cast<int>(bi) + 1;
            for (int r = 1; r <= num_perm / b; ++r) {
                auto [fp, fn] = lsh_error_integrals(threshold, b, r);
                error[start[bi] + static_cast<std::size_t>(r - 1)] = fp * fp_weight + fn * fn_weight;
            }
        }
    });
    double best = std::numeric_limits<double>::infinity();
    std::pair<int, int> opt{0, 0};
    for (int b = 1; b <= num_perm; ++b)
        for (int r = 1; r <= num_perm / b; ++r) {
            double e = error[start[b - 1] + static_cast<std::size_t>(r - 1)];
            // Exact ties (equal up to rounding, e.g. t = 0.5) keep the first (b, r) in search order.
            if (std::isinf(best) || e < best - 1e-12 * std::fabs(best)) {
                best = e;
                opt = {b, r};
            }
        }
    return opt;
}

template <class T>
void lsh_band_keys(MatrixView<const T> sig, int bands, int rows, ArrayView<u64> keys, ArrayView<u8> empty) {
    SEENIT_CHECK(bands >= 1 && rows >= 1, std::invalid_argument, "bands and rows must be >= 1, got bands=", bands,
                 ", rows=", rows);
    const std::size_t width = static_cast<std::size_t>(bands) * static_cast<std::size_t>(rows);  // no int overflow
    SEENIT_CHECK(width <= sig.cols, std::invalid_argument, "signatures have ", sig.cols, " slots but bands * rows = ",
                 bands, " * ", rows, " = ", width);
    SEENIT_CHECK(keys.size == sig.rows * static_cast<std::size_t>(bands) && empty.size == sig.rows,
                 std::invalid_argument, "output sizes do not match the signatures");
    const std::size_t nb = static_cast<std::size_t>(bands);
    parallel_for(sig.rows, 256, [&](std::size_t lo, std::size_t hi, int) {
        for (std::size_t i = lo; i < hi; ++i) {
            const T* row = sig.row(i);
            empty[i] = lsh_is_empty(row, sig.cols);
            for (int b = 0; b < bands; ++b) keys[i * nb + b] = lsh_band_key(row + b * rows, rows, b);
        }
    });
}

// ---------------------------------------------------------------- LSHIndex

LSHIndex::LSHIndex(int bands, int rows) : bands_(bands), rows_(rows) {
    SEENIT_CHECK(bands >= 1 && rows >= 1, std::invalid_argument, "bands and rows must be >= 1, got bands=", bands,
                 ", rows=", rows);
    // no signature is wider than kMaxNumPerm: a wider banding could never be filled, and its per-band
    // tables would be allocated here for nothing (bands = 2**31 - 1 was a std::bad_alloc)
    SEENIT_CHECK(static_cast<std::size_t>(bands) * static_cast<std::size_t>(rows) <= kMaxNumPerm,
                 std::invalid_argument, "bands * rows must be <= ", kMaxNumPerm, " (the widest signature), got ",
                 bands, " * ", rows);
    table_.resize(static_cast<std::size_t>(bands));
    sorted_upto_.assign(static_cast<std::size_t>(bands), 0);
}

void LSHIndex::check_width(std::size_t k) {
    const std::size_t need = static_cast<std::size_t>(bands_) * static_cast<std::size_t>(rows_);  // no int overflow
    SEENIT_CHECK(k >= need, std::invalid_argument, "signatures have ", k, " slots but the index needs bands * rows = ",
                 bands_, " * ", rows_, " = ", need);
    SEENIT_CHECK(width_ == 0 || width_ == k, std::invalid_argument, "signature width mismatch: the index holds ", width_,
                 "-slot signatures, got ", k);
}

template <class T>
void LSHIndex::insert(MatrixView<const T> sig) {
    std::lock_guard<std::mutex> lock(mu_);
    if (sig.rows == 0) return;
    check_width(sig.cols);
    const std::size_t m = sig.rows, nb = static_cast<std::size_t>(bands_);
    std::vector<u64> keys(m * nb);
    std::vector<u8> empty(m);
    parallel_for(m, 256, [&](std::size_t lo, std::size_t hi, int) {
        for (std::size_t i = lo; i < hi; ++i) {
            const T* row = sig.row(i);
            empty[i] = lsh_is_empty(row, sig.cols);
            if (empty[i]) continue;
            for (int b = 0; b < bands_; ++b) keys[i * nb + b] = lsh_band_key(row + b * rows_, rows_, b);
        }
    });
    std::size_t added = 0;
    for (std::size_t i = 0; i < m; ++i) added += !empty[i];
    parallel_for(nb, 1, [&](std::size_t lo, std::size_t hi, int) {
        for (std::size_t b = lo; b < hi; ++b) {
            auto& t = table_[b];
            t.reserve(t.size() + added);
            for (std::size_t i = 0; i < m; ++i)
                if (!empty[i]) t.push_back({keys[i * nb + b], static_cast<i64>(n_ + i)});
        }
    });
    width_ = sig.cols;
    n_empty_ += m - added;
    n_ += m;
}

void LSHIndex::build_locked() {
    parallel_for(table_.size(), 1, [&](std::size_t lo, std::size_t hi, int) {
        for (std::size_t b = lo; b < hi; ++b) {
            auto& t = table_[b];
            auto mid = t.begin() + static_cast<std::ptrdiff_t>(sorted_upto_[b]);
            if (mid == t.end()) continue;
            std::sort(mid, t.end());
            std::inplace_merge(t.begin(), mid, t.end());
            sorted_upto_[b] = t.size();
        }
    });
}

template <class T>
Ragged LSHIndex::query(MatrixView<const T> sig) {
    std::lock_guard<std::mutex> lock(mu_);
    Ragged out;
    if (sig.rows == 0) return out;
    if (n_ > 0) check_width(sig.cols);
    else {
        // bands_ * rows_ in int overflowed (65536 * 65536 = 0) and let narrow rows through
        const std::size_t need = static_cast<std::size_t>(bands_) * static_cast<std::size_t>(rows_);
        SEENIT_CHECK(sig.cols >= need, std::invalid_argument, "signatures have ", sig.cols,
                     " slots but the index needs bands * rows = ", need);
    }
    build_locked();
    // Each worker fills its own buffer for a contiguous block of queries; the
    // blocks are concatenated in order, so the result is thread-count independent.
    struct Block {
        std::size_t lo = 0;
        std::vector<i64> values, counts;
    };
    std::vector<Block> blocks;
    std::mutex bm;
    parallel_for(sig.rows, 64, [&](std::size_t lo, std::size_t hi, int) {
        Block blk;
        blk.lo = lo;
        std::vector<i64> cand;
        for (std::size_t i = lo; i < hi; ++i) {
            cand.clear();
            const T* row = sig.row(i);
            if (!lsh_is_empty(row, sig.cols)) {
                for (int b = 0; b < bands_; ++b) {
                    const auto& t = table_[static_cast<std::size_t>(b)];
                    u64 key = lsh_band_key(row + b * rows_, rows_, b);
                    auto it = std::lower_bound(t.begin(), t.end(), Entry{key, std::numeric_limits<i64>::min()});
                    for (; it != t.end() && it->key == key; ++it) cand.push_back(it->id);
                }
                std::sort(cand.begin(), cand.end());
                cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
            }
            blk.values.insert(blk.values.end(), cand.begin(), cand.end());
            blk.counts.push_back(static_cast<i64>(cand.size()));
        }
        std::lock_guard<std::mutex> g(bm);
        blocks.push_back(std::move(blk));
    });
    std::sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) { return a.lo < b.lo; });
    out.offsets.reserve(sig.rows + 1);
    for (auto& blk : blocks) {
        out.values.insert(out.values.end(), blk.values.begin(), blk.values.end());
        for (i64 c : blk.counts) out.offsets.push_back(out.offsets.back() + c);
    }
    return out;
}

Ragged LSHIndex::buckets(std::size_t min_size) {
    std::lock_guard<std::mutex> lock(mu_);
    build_locked();
    min_size = std::max<std::size_t>(min_size, 1);
    std::vector<Ragged> per_band(table_.size());
    parallel_for(table_.size(), 1, [&](std::size_t lo, std::size_t hi, int) {
        for (std::size_t b = lo; b < hi; ++b) {
            const auto& t = table_[b];
            Ragged& r = per_band[b];
            for (std::size_t s = 0; s < t.size();) {
                std::size_t e = s + 1;
                while (e < t.size() && t[e].key == t[s].key) ++e;
                if (e - s >= min_size) {
                    for (std::size_t q = s; q < e; ++q) r.values.push_back(t[q].id);
                    r.offsets.push_back(static_cast<i64>(r.values.size()));
                }
                s = e;
            }
        }
    });
    Ragged out;
    for (auto& r : per_band) {
        i64 base = static_cast<i64>(out.values.size());
        out.values.insert(out.values.end(), r.values.begin(), r.values.end());
        for (std::size_t g = 1; g < r.offsets.size(); ++g) out.offsets.push_back(base + r.offsets[g]);
    }
    return out;
}

// ---------------------------------------------------------------- pairs

namespace {
struct PairKey {
    i64 a, b;
    bool operator<(const PairKey& o) const { return a < o.a || (a == o.a && b < o.b); }
    bool operator==(const PairKey& o) const { return a == o.a && b == o.b; }
};
static_assert(sizeof(PairKey) == 2 * sizeof(i64), "pair layout");

// One thread's sort + unique of a flat pair list, releasing the memory the duplicates took.
void sort_unique_pairs_here(std::vector<i64>& flat) {
    PairKey* p = reinterpret_cast<PairKey*>(flat.data());
    const std::size_t m = flat.size() / 2;
    std::sort(p, p + m);
    flat.resize(2 * static_cast<std::size_t>(std::unique(p, p + m) - p));
    flat.shrink_to_fit();
}
}  // namespace

void sort_unique_pairs(std::vector<i64>& flat) {
    using P = PairKey;
    P* p = reinterpret_cast<P*>(flat.data());
    const std::size_t m = flat.size() / 2;
    // Sort blocks in parallel, then merge them pairwise.
    const std::size_t nblk = std::min<std::size_t>(static_cast<std::size_t>(std::max(1, num_threads())),
                                                   std::max<std::size_t>(1, m / 65536));
    std::vector<std::size_t> bounds(nblk + 1);
    for (std::size_t i = 0; i <= nblk; ++i) bounds[i] = m * i / nblk;
    parallel_for(nblk, 1, [&](std::size_t lo, std::size_t hi, int) {
        for (std::size_t k = lo; k < hi; ++k) std::sort(p + bounds[k], p + bounds[k + 1]);
    });
    for (std::size_t k = 1; k < nblk; ++k) std::inplace_merge(p, p + bounds[k], p + bounds[k + 1]);
    std::size_t u = static_cast<std::size_t>(std::unique(p, p + m) - p);
    flat.resize(2 * u);
}

std::vector<i64> lsh_group_pairs(ArrayView<const i64> values, ArrayView<const i64> offsets) {
    const std::size_t ng = offsets.size == 0 ? 0 : offsets.size - 1;
    // Split the groups into blocks of roughly equal pair counts.
    std::vector<std::size_t> cum(ng + 1, 0);
    for (std::size_t g = 0; g < ng; ++g) {
        std::size_t s = static_cast<std::size_t>(offsets[g + 1] - offsets[g]);
        cum[g + 1] = cum[g] + s * (s > 0 ? s - 1 : 0) / 2;
    }
    const std::size_t total = cum[ng];
    const std::size_t nblk = std::max<std::size_t>(1, std::min<std::size_t>(ng, static_cast<std::size_t>(4 * num_threads())));
    std::vector<std::size_t> gstart(nblk + 1, ng);
    gstart[0] = 0;
    for (std::size_t k = 1; k < nblk; ++k)
        gstart[k] = static_cast<std::size_t>(std::lower_bound(cum.begin(), cum.end(), total * k / nblk) - cum.begin());
    for (std::size_t k = 1; k <= nblk; ++k) gstart[k] = std::max(gstart[k], gstart[k - 1]);
    std::vector<std::vector<i64>> parts(nblk);
    parallel_for_dynamic(nblk, 1, [&](std::size_t lo, std::size_t hi, int) {
        for (std::size_t k = lo; k < hi; ++k) {
            auto& out = parts[k];
            out.reserve(2 * (cum[gstart[k + 1]] - cum[gstart[k]]));
            for (std::size_t g = gstart[k]; g < gstart[k + 1]; ++g) {
                for (i64 x = offsets[g]; x < offsets[g + 1]; ++x)
                    for (i64 y = x + 1; y < offsets[g + 1]; ++y) {
                        i64 a = values[x], b = values[y];
                        if (a == b) continue;
                        out.push_back(std::min(a, b));
                        out.push_back(std::max(a, b));
                    }
            }
            // A pair that shares several bands is listed once per band: drop the copies now, so
            // the blocks waiting to be joined hold (nearly) the output only, not bands x it.
            sort_unique_pairs_here(out);
        }
    });
    std::vector<i64> flat;
    std::size_t sz = 0;
    for (auto& p : parts) sz += p.size();
    flat.reserve(sz);
    for (auto& p : parts) {
        flat.insert(flat.end(), p.begin(), p.end());
        std::vector<i64>().swap(p);
    }
    sort_unique_pairs(flat);
    return flat;
}

template <class T>
void signature_pair_similarity(MatrixView<const T> a, MatrixView<const T> b, ArrayView<const i64> pairs,
                               ArrayView<double> out) {
    SEENIT_CHECK(a.cols == b.cols, std::invalid_argument, "signature width mismatch: ", a.cols, " vs ", b.cols);
    SEENIT_CHECK(a.cols > 0, std::invalid_argument, "signatures must have at least one slot");
    SEENIT_CHECK(pairs.size == 2 * out.size, std::invalid_argument, "pairs must have 2 * ", out.size, " values");
    for (std::size_t e = 0; e < out.size; ++e) {
        i64 i = pairs[2 * e], j = pairs[2 * e + 1];
        SEENIT_CHECK(i >= 0 && static_cast<std::size_t>(i) < a.rows, std::invalid_argument, "pairs[", e, ", 0]=", i,
                     " is out of range for ", a.rows, " signatures");
        SEENIT_CHECK(j >= 0 && static_cast<std::size_t>(j) < b.rows, std::invalid_argument, "pairs[", e, ", 1]=", j,
                     " is out of range for ", b.rows, " signatures");
    }
    parallel_for(out.size, 1024, [&](std::size_t lo, std::size_t hi, int) {
        for (std::size_t e = lo; e < hi; ++e)
            out[e] = signature_similarity(a.row(static_cast<std::size_t>(pairs[2 * e])),
                                          b.row(static_cast<std::size_t>(pairs[2 * e + 1])), a.cols);
    });
}

#define SEENIT_LSH_INSTANTIATE(T)                                                                            \
    template u64 lsh_band_key<T>(const T*, int, int);                                                       \
    template void lsh_band_keys<T>(MatrixView<const T>, int, int, ArrayView<u64>, ArrayView<u8>);          \
    template bool lsh_is_empty<T>(const T*, std::size_t);                                                   \
    template void LSHIndex::insert<T>(MatrixView<const T>);                                                 \
    template Ragged LSHIndex::query<T>(MatrixView<const T>);                                                \
    template void signature_pair_similarity<T>(MatrixView<const T>, MatrixView<const T>, ArrayView<const i64>, \
                                               ArrayView<double>);
SEENIT_LSH_INSTANTIATE(u32)
SEENIT_LSH_INSTANTIATE(u64)
#undef SEENIT_LSH_INSTANTIATE

}  // namespace seenit
