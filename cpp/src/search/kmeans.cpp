// k-means (Lloyd) with k-means++ or k-means|| seeding. Assignments run through topk_search with
// k = 1, so they are exact and thread-count independent; centroid sums are taken in
// float64 in row order, so the whole result is deterministic for a seed.
#include <algorithm>
#include <cmath>
#include <vector>

#include "seenit/parallel.hpp"
#include "topk_dot.hpp"
#include "topk_prepare.hpp"

namespace seenit {

using namespace topk_detail;

namespace {

struct SplitMix {
    u64 s;
    u64 next() {
        u64 z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
};

// Rows as the seeding sees them: unit-normalised for cosine (spherical k-means).
std::vector<float> working_rows(MatrixView<const float> x, Metric metric, DotFn dot) {
    std::vector<float> w(x.rows * x.cols);
    parallel_for(x.rows, 1024, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t i = b; i < e; ++i) {
            const float* src = x.data + i * x.cols;
            float* r = w.data() + i * x.cols;
            const float sq = dot(src, src, x.cols);
            SEENIT_CHECK(std::isfinite(sq), std::invalid_argument, "x row ", i,
                         " contains NaN or inf (or values whose squares overflow float32)");
            SEENIT_CHECK(metric != Metric::L2 || sq <= kMaxL2SquaredNorm, std::invalid_argument, "x row ", i,
                         " has squared norm ", sq, ", beyond ", kMaxL2SquaredNorm,
                         " (FLT_MAX / 4): its l2 distances could overflow float32");
            const float inv = metric == Metric::Cosine ? inv_norm_from_sq(sq) : 1.0f;
            for (std::size_t k = 0; k < x.cols; ++k) r[k] = metric == Metric::Cosine ? src[k] * inv : src[k];
        }
    });
    return w;
}

std::vector<float> row_norms(const std::vector<float>& w, std::size_t n, std::size_t d, DotFn dot) {
    std::vector<float> norms(n);
    parallel_for(n, 1024, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t i = b; i < e; ++i) {
            const float* r = w.data() + i * d;
            norms[i] = dot(r, r, d);
            SEENIT_CHECK(std::isfinite(norms[i]), std::invalid_argument, "x row ", i, " contains NaN or inf");
        }
    });
    return norms;
}

void check_args(MatrixView<const float> x, std::size_t nc, Metric metric) {
    SEENIT_CHECK(metric == Metric::L2 || metric == Metric::Cosine, std::invalid_argument,
                 "kmeans metric must be 'l2' or 'cosine'");
    SEENIT_CHECK(nc >= 1 && nc <= x.rows, std::invalid_argument, "n_clusters must be in 1..", x.rows, ", got ", nc);
}


// D^2-weighted sequential k-means++ (Arthur & Vassilvitskii 2007) over the `m` rows
// `ids` of w, row j weighted by weight[j] (all 1 for plain k-means++). Draws from `rng`:
// one next() for the first centre when unweighted (index = next() % m) or one uniform()
// when weighted (the first row whose cumulative weight exceeds u * total weight), then
// one uniform() per further centre (the first unchosen row whose cumulative w * D^2
// exceeds u * total). When the total is 0 the first unchosen row is taken.
std::vector<i64> plus_plus(const std::vector<float>& w, std::size_t d, const std::vector<i64>& ids,
                           const std::vector<double>* weight, std::size_t nc, SplitMix& rng, DotFn dot,
                           const std::vector<float>& norms) {
    const std::size_t m = ids.size();
    auto row = [&](std::size_t j) { return w.data() + static_cast<std::size_t>(ids[j]) * d; };
    auto nrm = [&](std::size_t j) { return norms[static_cast<std::size_t>(ids[j])]; };
    auto wt = [&](std::size_t j) { return weight ? (*weight)[j] : 1.0; };
    std::vector<double> mind(m, 0.0);
    std::vector<char> chosen(m, 0);
    std::vector<i64> out;
    out.reserve(nc);
    std::size_t c = 0;
    if (!weight) {
        c = static_cast<std::size_t>(rng.next() % m);
    } else {
        double total = 0;
        for (std::size_t j = 0; j < m; ++j) total += wt(j);
        const double u = rng.uniform() * total;
        double acc = 0;
        c = m;
        for (std::size_t j = 0; j < m; ++j) {
            acc += wt(j);
            c = j;
            if (acc > u) break;
        }
        if (c == m) c = 0;
    }
    for (std::size_t ci = 0; ci < nc; ++ci) {
        chosen[c] = 1;
        out.push_back(ids[c]);
        if (ci + 1 == nc) break;
        const float* cr = row(c);
        const float cn = nrm(c);
        parallel_for(m, 1024, [&](std::size_t b, std::size_t e, int) {
            const float* rows[8];
            float dv[8];
            // squared distances max(0, |x|^2 + |c|^2 - 2 x.c), eight dots at a time
            for (std::size_t j0 = b; j0 < e; j0 += 8) {
                const std::size_t cnt = std::min<std::size_t>(8, e - j0);
                for (std::size_t t = 0; t < cnt; ++t) rows[t] = row(j0 + t);
                dots_many(dot, cr, rows, cnt, d, dv);
                for (std::size_t t = 0; t < cnt; ++t) {
                    const std::size_t j = j0 + t;
                    const double dd = std::max(0.0, static_cast<double>(nrm(j)) + cn - 2.0 * dv[t]);
                    mind[j] = ci == 0 ? dd : std::min(mind[j], dd);
                }
            }
        });
        double total = 0;
        for (std::size_t j = 0; j < m; ++j) total += chosen[j] ? 0.0 : wt(j) * mind[j];
        std::size_t next = m;
        if (total > 0) {
            double u = rng.uniform() * total, acc = 0;
            for (std::size_t j = 0; j < m; ++j) {
                if (chosen[j]) continue;
                acc += wt(j) * mind[j];
                next = j;
                if (acc > u) break;
            }
        }
        if (next == m || chosen[next]) {  // all remaining rows coincide with centres: take the first unused
            next = 0;
            while (chosen[next]) ++next;
        }
        c = next;
    }
    return out;
}

// Squared distance from every row to its nearest row among `cand`, with that row's
// position; updates (mind, near) where strictly closer, so ties keep the earlier
// candidate. `rows` holds the working rows prepared once for all rounds: for the l2
// metric an l2 search; for cosine (unit rows, where the nearest row is the one with the
// largest dot product) an inner-product search with D^2 = |x|^2 + |c|^2 - 2 x.c as
// plus_plus computes it; both through the int8 first pass (the float32 answer) where it is faster.
void nearest_update(const PreparedQueries& rows, const std::vector<float>& w, const std::vector<float>& norms,
                    const std::vector<i64>& cand, std::size_t offset, std::vector<double>& mind, std::vector<i64>& near) {
    const std::size_t n = rows.Q.n, d = rows.Q.d;
    std::vector<float> buf(cand.size() * d);
    for (std::size_t j = 0; j < cand.size(); ++j) {
        const float* r = w.data() + static_cast<std::size_t>(cand[j]) * d;
        std::copy(r, r + d, buf.begin() + static_cast<std::ptrdiff_t>(j * d));
    }
    std::vector<float> s(n);
    std::vector<i64> id(n);
    DbView cv{buf.data(), cand.size(), d, DType::F32};
    topk_search_prepared(rows, cv, 1, MatrixView<float>{s.data(), n, 1}, MatrixView<i64>{id.data(), n, 1});
    const bool by_dot = rows.metric == Metric::IP;
    for (std::size_t i = 0; i < n; ++i) {
        const double dd = by_dot ? std::max(0.0, static_cast<double>(norms[i]) +
                                                     norms[static_cast<std::size_t>(cand[static_cast<std::size_t>(id[i])])] -
                                                     2.0 * static_cast<double>(s[i]))
                                 : static_cast<double>(s[i]);
        if (near[i] < 0 || dd < mind[i]) {
            mind[i] = dd;
            near[i] = static_cast<i64>(offset) + id[i];
        }
    }
}

KmeansSeeding seed_centres(const std::vector<float>& w, std::size_t n, std::size_t d, std::size_t nc, u64 seed,
                           KmeansInit init, Metric metric, DotFn dot, const std::vector<float>& norms) {
    KmeansSeeding out;
    out.init = resolve_init(init, n, nc);
    if (out.init == KmeansInit::PlusPlus) {
        SplitMix rng{seed};
        std::vector<i64> all(n);
        for (std::size_t i = 0; i < n; ++i) all[i] = static_cast<i64>(i);
        out.centres = plus_plus(w, d, all, nullptr, nc, rng, dot, norms);
        return out;
    }
    // k-means|| (Bahmani, Moseley, Vattani, Kumar, Vassilvitskii, "Scalable K-Means++",
    // PVLDB 5(7), 2012): a first centre uniformly at random, then kParallelRounds rounds in
    // which every row is kept independently with probability min(1, l * D^2 / phi)
    // (l = kParallelOversampling * n_clusters, phi = sum of D^2), one pass of the blocked
    // kernel per round against the rows just added; the candidates are weighted by how
    // many rows are nearest to them and reduced to n_clusters by weighted k-means++.
    // Row i's keep/drop draw in a round is the (i+1)-th output of a SplitMix stream
    // seeded by that round's rng.next(), so no draw depends on the thread count.
    SplitMix rng{seed};
    std::vector<i64> cand{static_cast<i64>(rng.next() % n)};
    std::vector<double> mind(n, 0.0);
    std::vector<i64> near(n, -1);
    const PreparedQueries rows(MatrixView<const float>{w.data(), n, d}, metric == Metric::Cosine ? Metric::IP : Metric::L2,
                               vnni_available());
    nearest_update(rows, w, norms, cand, 0, mind, near);
    const double ell = kParallelOversampling * static_cast<double>(nc);
    for (int round = 0; round < kParallelRounds; ++round) {
        double phi = 0;
        for (std::size_t i = 0; i < n; ++i) phi += mind[i];
        if (!(phi > 0)) break;
        const u64 rs = rng.next();
        std::vector<i64> added;
        for (std::size_t i = 0; i < n; ++i) {
            SplitMix r{rs + static_cast<u64>(i) * 0x9e3779b97f4a7c15ULL};
            if (mind[i] > 0 && r.uniform() * phi < ell * mind[i]) added.push_back(static_cast<i64>(i));
        }
        if (added.empty()) continue;
        const std::size_t offset = cand.size();
        cand.insert(cand.end(), added.begin(), added.end());
        nearest_update(rows, w, norms, added, offset, mind, near);
    }
    out.candidates = cand;
    if (cand.size() < nc) {  // fewer distinct rows than clusters were reached: plain k-means++
        SplitMix r2{seed};
        std::vector<i64> all(n);
        for (std::size_t i = 0; i < n; ++i) all[i] = static_cast<i64>(i);
        out.centres = plus_plus(w, d, all, nullptr, nc, r2, dot, norms);
        out.init = KmeansInit::PlusPlus;
        return out;
    }
    out.weights.assign(cand.size(), 0.0);
    for (std::size_t i = 0; i < n; ++i) out.weights[static_cast<std::size_t>(near[i])] += 1.0;
    out.centres = plus_plus(w, d, cand, &out.weights, nc, rng, dot, norms);
    return out;
}

}  // namespace

KmeansInit resolve_init(KmeansInit init, std::size_t n, std::size_t nc) {
    if (init != KmeansInit::Auto) return init;
    return nc >= kAutoParallelMinClusters && n >= kAutoParallelMinRowsPerCluster * nc &&
                   static_cast<double>(n) * static_cast<double>(nc) >= kAutoParallelMinWork
               ? KmeansInit::Parallel
               : KmeansInit::PlusPlus;
}

KmeansSeeding kmeans_seed(MatrixView<const float> x, std::size_t nc, u64 seed, Metric metric, KmeansInit init) {
    check_args(x, nc, metric);
    DotFn dot = dot_fn(simd_available());
    std::vector<float> w = working_rows(x, metric, dot);
    std::vector<float> norms = row_norms(w, x.rows, x.cols, dot);
    return seed_centres(w, x.rows, x.cols, nc, seed, init, metric, dot, norms);
}

KmeansResult kmeans(MatrixView<const float> x, std::size_t nc, int iters, u64 seed, Metric metric, KmeansInit init) {
    const std::size_t n = x.rows, d = x.cols;
    check_args(x, nc, metric);
    SEENIT_CHECK(iters >= 1, std::invalid_argument, "iters must be >= 1, got ", iters);
    DotFn dot = dot_fn(simd_available());
    std::vector<float> w = working_rows(x, metric, dot);
    std::vector<float> norms = row_norms(w, n, d, dot);

    KmeansResult res;
    res.centroids.assign(nc * d, 0.0f);
    const KmeansSeeding sd = seed_centres(w, n, d, nc, seed, init, metric, dot, norms);
    for (std::size_t ci = 0; ci < nc; ++ci) {
        const float* cr = w.data() + static_cast<std::size_t>(sd.centres[ci]) * d;
        std::copy(cr, cr + d, res.centroids.begin() + static_cast<std::ptrdiff_t>(ci * d));
    }
    res.init = sd.init;

    // Lloyd iterations.
    std::vector<float> score(n);
    std::vector<i64> label(n, -1), prev;
    std::vector<double> sums(nc * d);
    std::vector<std::size_t> counts(nc);
    // The rows are prepared (normalised, quantised) once for all iterations. The int8 first
    // pass returns the float32 answer bit for bit and is faster with VNNI/AMX.
    const topk_detail::PreparedQueries rows(MatrixView<const float>{w.data(), n, d}, metric, vnni_available(),
                                            /*unit_rows=*/metric == Metric::Cosine);
    auto assign = [&]() {
        DbView cv{res.centroids.data(), nc, d, DType::F32};
        MatrixView<float> sv{score.data(), n, 1};
        MatrixView<i64> iv{label.data(), n, 1};
        topk_detail::topk_search_prepared(rows, cv, 1, sv, iv);
    };
    bool converged = false;
    for (int it = 0; it < iters; ++it) {
        prev = label;
        assign();
        res.iterations = it + 1;
        if (it > 0 && prev == label) {
            converged = true;
            break;
        }
        std::fill(counts.begin(), counts.end(), 0);
        for (std::size_t i = 0; i < n; ++i) ++counts[static_cast<std::size_t>(label[i])];
        // each thread sums a range of dimensions over all rows in row order: the same
        // additions in the same order whatever the thread count
        parallel_for(d, 16, [&](std::size_t kb, std::size_t ke, int) {
            for (std::size_t l = 0; l < nc; ++l) std::fill(sums.begin() + l * d + kb, sums.begin() + l * d + ke, 0.0);
            for (std::size_t i = 0; i < n; ++i) {
                const float* r = w.data() + i * d;
                double* s = sums.data() + static_cast<std::size_t>(label[i]) * d;
                for (std::size_t k = kb; k < ke; ++k) s[k] += r[k];
            }
        });
        // empty clusters take the rows farthest from their centres (ties: smaller id)
        std::vector<std::size_t> far;
        for (std::size_t l = 0; l < nc; ++l) {
            if (counts[l] > 0) continue;
            if (far.empty()) {
                far.resize(n);
                for (std::size_t i = 0; i < n; ++i) far[i] = i;
                std::stable_sort(far.begin(), far.end(), [&](std::size_t a, std::size_t b) {
                    return metric == Metric::L2 ? score[a] > score[b] : score[a] < score[b];
                });
                std::reverse(far.begin(), far.end());  // pop_back gives the farthest, smallest id first
            }
            const std::size_t i = far.back();
            far.pop_back();
            const float* r = w.data() + i * d;
            for (std::size_t k = 0; k < d; ++k) sums[l * d + k] = r[k];
            counts[l] = 1;
        }
        for (std::size_t l = 0; l < nc; ++l) {
            float* cr = res.centroids.data() + l * d;
            double nn = 0;
            for (std::size_t k = 0; k < d; ++k) {
                cr[k] = static_cast<float>(sums[l * d + k] / static_cast<double>(counts[l]));
                nn += static_cast<double>(cr[k]) * cr[k];
            }
            if (metric == Metric::Cosine && nn > 0) {
                const float inv = static_cast<float>(1.0 / std::sqrt(nn));
                for (std::size_t k = 0; k < d; ++k) cr[k] = cr[k] * inv;
            }
        }
    }
    if (!converged) assign();
    res.labels = label;
    res.scores = score;
    res.inertia = 0;
    for (std::size_t i = 0; i < n; ++i) res.inertia += metric == Metric::L2 ? score[i] : 1.0 - score[i];
    return res;
}

}  // namespace seenit
