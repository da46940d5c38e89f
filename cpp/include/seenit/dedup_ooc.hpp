// Out-of-core near-duplicate clustering: the stages of `near_duplicates` with bounded memory.
// No Python in here.
//
//   signatures (a raw row-major file, rows read with pread)
//     -> band runs:   per block of documents, every (band, key, id) of its non-empty rows,
//                     sorted, one file per block (ooc_write_band_run)
//     -> buckets:     the runs merged (k-way; ooc_merge_band_runs when there are too many to
//                     open at once), equal (band, key) = one bucket, members ascending
//     -> edges:       each bucket verified exactly as seenit.sketch.dedup.bucket_edges does
//                     (all pairs of a bucket of <= max_bucket members, center rounds above),
//                     spilled as sorted unique edge runs, merged into one sorted unique file
//     -> components:  union-find over the edge file, linking the larger root under the smaller,
//                     so every root is the smallest id of its component (= the in-memory label)
//
// Every bucket is processed on its own and edges are sorted and made unique before the
// components, so the result (edges, similarities, labels) is the in-memory one whatever the
// block size, the number of runs or threads. Scratch files are host-endian records, written
// to `path + ".tmp"` and renamed when complete; a write error (a full disk) throws
// FileError (OSError in Python) naming the file and leaves no file under the final name; a
// damaged scratch file (a size or id that cannot be) throws std::invalid_argument.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "seenit/common.hpp"

namespace seenit {

// A file could not be created, read, written or renamed (errno's message included).
struct FileError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One entry of a band run (24 bytes): ordered by (band, key, id).
struct BandEntry {
    u64 band;
    u64 key;
    i64 id;
};

// One verified edge (24 bytes): i < j, ordered by (i, j).
struct EdgeRecord {
    i64 i;
    i64 j;
    double sim;
};

// One clustered document (24 bytes): its id, its cluster's label (smallest member id) and its
// signature similarity to that kept document (1.0 for the kept document itself).
struct ClusterRecord {
    i64 id;
    i64 label;
    double sim;
};

// Writes the sorted (band, key, id) entries of the non-empty rows of `sig` (ids first_id,
// first_id + 1, ...) to `path`; returns the number of entries.
template <class T>
u64 ooc_write_band_run(MatrixView<const T> sig, i64 first_id, int bands, int rows, const std::string& path);

// Merges sorted band runs into one sorted run at `out`; returns its entry count.
u64 ooc_merge_band_runs(const std::vector<std::string>& runs, const std::string& out, std::size_t buffer_bytes);

struct OocEdgeOptions {
    double threshold = 0.8;
    bool verify = true;            // false: every candidate is an edge (verify="none")
    std::size_t max_bucket = 100;  // buckets above this are verified by center rounds
    std::size_t buffer_bytes = 1 << 20;       // read buffer per run
    std::size_t edge_buffer_bytes = 1 << 24;  // edges held before a sorted run is spilled
    std::size_t batch_members = 1 << 16;      // bucket members verified together (in parallel)
};

// Streams the buckets of the (at most a few hundred) sorted band runs, verifies them against
// the signature file (n rows x k slots of T, raw), and writes sorted unique edge runs
// `edge_prefix + "-NNNNNN.bin"`; returns their paths (possibly none).
template <class T>
std::vector<std::string> ooc_bucket_edges(const std::vector<std::string>& runs, const std::string& signatures,
                                          std::size_t n, std::size_t k, const OocEdgeOptions& opt,
                                          const std::string& edge_prefix);

// Merges sorted unique edge runs into one sorted unique edge file at `out`; returns its count.
u64 ooc_merge_edge_runs(const std::vector<std::string>& runs, const std::string& out, std::size_t buffer_bytes);

struct OocComponents {
    u64 records = 0;                                 // clustered documents written
    std::vector<std::pair<u64, u64>> size_histogram;  // (cluster size >= 2, clusters), ascending size
};

// Connected components of the edges of `edges` with sim >= min_sim over n documents. The
// parent array lives in RAM when 8 n <= parent_ram_bytes, otherwise in the memory-mapped file
// `parent_file` (its pages returned to the page cache after about page_cache_bytes were mapped). Writes one ClusterRecord per
// document of a component of >= 2 members, ascending id, to `out` (similarity to the label's
// signature, from the signature file as for ooc_bucket_edges).
template <class T>
OocComponents ooc_components(const std::string& edges, double min_sim, std::size_t n, const std::string& signatures,
                             std::size_t k, const std::string& out, std::size_t parent_ram_bytes,
                             const std::string& parent_file, std::size_t buffer_bytes,
                             std::size_t page_cache_bytes);

}  // namespace seenit
