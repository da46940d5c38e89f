// Exact top-k and threshold search over embedding matrices, and k-means built on it.
//
// The float32 answer is defined precisely so every path (blocked AVX2 kernel, the
// int8 first pass with exact re-scoring, range_pairs, k-means) returns the same bits:
//   dot(q, x): eight partial sums, lane l accumulates elements k = l (mod 8) in
//   increasing k (fused multiply-add on AVX2+FMA machines, multiply then add on the
//   portable path), then the fixed tree ((s0+s1)+(s2+s3)) + ((s4+s5)+(s6+s7)).
//   ip:     key = dot(q, x)
//   cosine: key = dot(q_hat, x) * inv_norm(x), q_hat = q * inv_norm(q),
//           inv_norm(v) = 1 / sqrt(dot(v, v)), and 0 for a zero vector (its scores are 0)
//   l2:     key = -max((dot(q,q) + dot(x,x)) - 2 dot(q,x), 0)   (reported as the distance)
// Results are ordered by key descending, ties broken by the smaller database id; the
// ordering is total, so the answer does not depend on how work is split across threads.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

#include "seenit/common.hpp"

namespace seenit {

enum class Metric { IP = 0, Cosine = 1, L2 = 2 };
// l2 rows (queries, database, k-means points) must have |x|^2 <= FLT_MAX / 4: then every squared
// distance |q - x|^2 <= (|q| + |x|)^2 and every partial key q.q - 2 q.x + x.x stays finite in float32.
// Larger rows are a ValueError naming the row (a row whose norm alone fits could still overflow a sum).
inline constexpr float kMaxL2SquaredNorm = std::numeric_limits<float>::max() / 4.0f;
// Element type of a database matrix. BF16 is bfloat16 stored as uint16.
enum class DType { F32 = 0, F16 = 1, BF16 = 2, I8 = 3 };
// How candidates are found: Float32 scores every pair with the float32 kernel; Int8
// scores with 6-bit quantised dot products, keeps every row whose score could reach
// the current k-th best (proven error bound) and re-scores those exactly.
enum class FirstPass { Float32 = 0, Int8 = 1 };

// A read-only row-major database of `rows` x `dim` elements of type `dtype`.
struct DbView {
    const void* data = nullptr;
    std::size_t rows = 0;
    std::size_t dim = 0;
    DType dtype = DType::F32;
};

struct TopkStats {
    std::size_t rescored = 0;  // pairs re-scored in float32 after the int8 first pass
};

// Reads every row once (all threads; memory-bound, a small fraction of a search) and
// throws std::invalid_argument naming the first row that holds NaN/inf or whose squared
// norm overflows float32, with `name` as the array's name. The drivers check each block
// again as they scan it (for databases not checked up front, e.g. memmaps beyond RAM).
void check_rows(const DbView& db, const char* name);

// For each query row, the k = min(k, database rows) best database rows. Writes
// scores (nq x k; distances for l2) and ids (nq x k), best first.
TopkStats topk_search(MatrixView<const float> queries, const DbView& db, std::size_t k, Metric metric,
                      FirstPass first_pass, MatrixView<float> scores, MatrixView<i64> ids);

// Every pair with score >= threshold (l2: distance <= threshold). With y == nullptr
// the pairs are (i, j) with i < j inside x; otherwise i in x, j in y (streamed in
// blocks, never an n x n matrix). Pairs are returned sorted by (i, j).
struct PairList {
    std::vector<i64> i, j;
    std::vector<float> score;
};
PairList range_pairs(MatrixView<const float> x, const DbView* y, float threshold, Metric metric);

// For each row j of x: the best score against an earlier row i < j and that i
// (ties: smaller i); row 0 gets -inf and -1. The core of SemDeDup.
void causal_max(MatrixView<const float> x, Metric metric, float* best, i64* arg);

// Lloyd's k-means with k-means++ or k-means|| seeding (deterministic for a seed, any thread
// count). metric: L2 (Euclidean) or Cosine (spherical: unit-norm centroids).
// Assignments use the top-1 kernel.
// Seeding: PlusPlus = exact k-means++ (n_clusters sequential passes over all rows);
// Parallel = k-means|| (kParallelRounds passes, each against ~kParallelOversampling *
// n_clusters new candidates, through the blocked top-1 kernel); Auto = Parallel when
// n_clusters >= 64, rows >= 20 * n_clusters and rows * n_clusters >= 1e7, else PlusPlus
// (k-means|| does ~4x the arithmetic of k-means++ but in compute-bound blocks instead of
// n_clusters memory-bound passes; on small problems, or when the ~4 * n_clusters
// candidates are most of the rows, k-means++ is as cheap. 1M x 384, 1,000 clusters, 2
// loaded cores: seeding 49 s wall with k-means|| vs 126 s with k-means++; bench/HISTORY.md).
enum class KmeansInit { Auto = 0, PlusPlus = 1, Parallel = 2 };
// Two rounds, as Spark MLlib's k-means|| has used by default since SPARK-17389 (2016; it was 5):
// on 300k x 384 clustered rows, 1,000 clusters, 20 Lloyd iterations, 3 seeds, final inertia
// 131,903 with 2 rounds vs 131,922 with 5, 13% less time; on 100k x 128 uniform and skewed data
// within +-2% either way.
constexpr int kParallelRounds = 2;
constexpr double kParallelOversampling = 2.0;
constexpr std::size_t kAutoParallelMinClusters = 64;
constexpr std::size_t kAutoParallelMinRowsPerCluster = 20;
constexpr double kAutoParallelMinWork = 1e7;
KmeansInit resolve_init(KmeansInit init, std::size_t rows, std::size_t n_clusters);
struct KmeansResult {
    std::vector<float> centroids;  // n_clusters x dim
    std::vector<i64> labels;
    std::vector<float> scores;     // score (cosine) or squared distance (l2) to its centroid
    double inertia = 0.0;          // sum of squared distances (l2) or of 1 - cosine
    int iterations = 0;
    KmeansInit init = KmeansInit::PlusPlus;  // the seeding actually used
};
KmeansResult kmeans(MatrixView<const float> x, std::size_t n_clusters, int iters, u64 seed, Metric metric,
                    KmeansInit init = KmeansInit::Auto);

// The seeding alone (for tests against the reference): row ids of the initial centres
// and, for k-means||, the candidate rows in the order they were added with their weights.
struct KmeansSeeding {
    std::vector<i64> centres;
    std::vector<i64> candidates;
    std::vector<double> weights;
    KmeansInit init = KmeansInit::PlusPlus;
};
KmeansSeeding kmeans_seed(MatrixView<const float> x, std::size_t n_clusters, u64 seed, Metric metric,
                          KmeansInit init);

}  // namespace seenit
