// k-means (Lloyd) with k-means++ seeding. Assignments run through topk_search with
// k = 1, so they are exact and thread-count independent; centroid sums are taken in
// float64 in row order, so the whole result is deterministic for a seed.
#include <algorithm>
#include <cmath>
#include <vector>

#include "seenit/parallel.hpp"
#include "topk_dot.hpp"

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
    std::vector<float> w(x.data, x.data + x.rows * x.cols);
    if (metric == Metric::Cosine) {
        for (std::size_t i = 0; i < x.rows; ++i) {
            float* r = w.data() + i * x.cols;
            float inv = inv_norm_from_sq(dot(r, r, x.cols));
            for (std::size_t k = 0; k < x.cols; ++k) r[k] = r[k] * inv;
        }
    }
    return w;
}

// Squared Euclidean distance between working rows (>= 0).
inline double dist2(const float* a, const float* b, std::size_t d, DotFn dot, float aa, float bb) {
    return std::max(0.0, static_cast<double>(aa) + bb - 2.0 * dot(a, b, d));
}

}  // namespace

KmeansResult kmeans(MatrixView<const float> x, std::size_t nc, int iters, u64 seed, Metric metric) {
    const std::size_t n = x.rows, d = x.cols;
    SEENIT_CHECK(metric == Metric::L2 || metric == Metric::Cosine, std::invalid_argument,
                 "kmeans metric must be 'l2' or 'cosine'");
    SEENIT_CHECK(nc >= 1 && nc <= n, std::invalid_argument, "n_clusters must be in 1..", n, ", got ", nc);
    SEENIT_CHECK(iters >= 1, std::invalid_argument, "iters must be >= 1, got ", iters);
    const bool simd = simd_available();
    DotFn dot = dot_fn(simd);
    std::vector<float> w = working_rows(x, metric, dot);
    std::vector<float> norms(n);
    parallel_for(n, 1024, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t i = b; i < e; ++i) {
            const float* r = w.data() + i * d;
            norms[i] = dot(r, r, d);
            SEENIT_CHECK(std::isfinite(norms[i]), std::invalid_argument, "x row ", i, " contains NaN or inf");
        }
    });

    // k-means++ seeding: each next centre drawn with probability proportional to D^2.
    SplitMix rng{seed};
    KmeansResult res;
    res.centroids.assign(nc * d, 0.0f);
    std::vector<double> mind(n, 0.0);
    std::vector<char> chosen(n, 0);
    std::size_t c = static_cast<std::size_t>(rng.next() % n);
    for (std::size_t ci = 0; ci < nc; ++ci) {
        chosen[c] = 1;
        const float* cr = w.data() + c * d;
        std::copy(cr, cr + d, res.centroids.begin() + static_cast<std::ptrdiff_t>(ci * d));
        if (ci + 1 == nc) break;
        parallel_for(n, 1024, [&](std::size_t b, std::size_t e, int) {
            for (std::size_t i = b; i < e; ++i) {
                double dd = dist2(w.data() + i * d, cr, d, dot, norms[i], norms[c]);
                mind[i] = ci == 0 ? dd : std::min(mind[i], dd);
            }
        });
        double total = 0;
        for (std::size_t i = 0; i < n; ++i) total += chosen[i] ? 0.0 : mind[i];
        std::size_t next = n;
        if (total > 0) {
            double u = rng.uniform() * total, acc = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (chosen[i]) continue;
                acc += mind[i];
                next = i;
                if (acc > u) break;
            }
        }
        if (next == n || chosen[next]) {  // all remaining rows coincide with centres: take the first unused
            next = 0;
            while (chosen[next]) ++next;
        }
        c = next;
    }

    // Lloyd iterations.
    std::vector<float> score(n);
    std::vector<i64> label(n, -1), prev;
    std::vector<double> sums(nc * d);
    std::vector<std::size_t> counts(nc);
    auto assign = [&]() {
        DbView cv{res.centroids.data(), nc, d, DType::F32};
        MatrixView<float> sv{score.data(), n, 1};
        MatrixView<i64> iv{label.data(), n, 1};
        topk_search(MatrixView<const float>{w.data(), n, d}, cv, 1, metric, FirstPass::Float32, sv, iv);
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
        std::fill(sums.begin(), sums.end(), 0.0);
        std::fill(counts.begin(), counts.end(), 0);
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t l = static_cast<std::size_t>(label[i]);
            ++counts[l];
            const float* r = w.data() + i * d;
            double* s = sums.data() + l * d;
            for (std::size_t k = 0; k < d; ++k) s[k] += r[k];
        }
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
