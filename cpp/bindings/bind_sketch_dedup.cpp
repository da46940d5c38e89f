// Bindings of the sketch area's out-of-core dedup stages (seenit.sketch.ooc) and LSH-Bloom:
// argument checks, GIL release, one core call each; no algorithm here.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "buffers.hpp"
#include "seenit/dedup_ooc.hpp"
#include "seenit/lsh_bloom.hpp"

namespace py = pybind11;
using namespace py::literals;

namespace seenit::bind {

namespace ooc_bindings {
namespace {

void check_sig_bytes(int b) {
    SEENIT_CHECK(b == 4 || b == 8, std::invalid_argument, "signature_bytes must be 4 (uint32) or 8 (uint64), got ", b);
}
void check_positive(std::size_t v, const char* name) {
    SEENIT_CHECK(v > 0, std::invalid_argument, name, " must be > 0");
}
void check_paths(const std::vector<std::string>& paths, const char* name) {
    for (std::size_t i = 0; i < paths.size(); ++i)
        SEENIT_CHECK(!paths[i].empty(), std::invalid_argument, name, "[", i, "] is an empty path");
}

template <class T>
void bind_typed(py::module_& m, py::class_<LshBloom>& bloom) {
    bloom.def(
        "process",
        [](LshBloom& self, const carray<T>& sig) {
            auto v = view_2d(sig, "signatures");
            carray<bool> dup(static_cast<py::ssize_t>(v.rows));
            auto* dp = reinterpret_cast<u8*>(dup.mutable_data());
            {
                py::gil_scoped_release nogil;
                self.process<T>(v, {dp, v.rows});
            }
            return dup;
        },
        "signatures"_a.noconvert(),
        "Per row, in order: True when a band key was already in its band's filter (an earlier row, or a false "
        "positive); then the row's keys are added.");
    m.def(
        "dedup_write_band_run",
        [](const carray<T>& sig, i64 first_id, int bands, int rows, const std::string& path) {
            auto v = view_2d(sig, "signatures");
            SEENIT_CHECK(!path.empty(), std::invalid_argument, "path must not be empty");
            py::gil_scoped_release nogil;
            return ooc_write_band_run<T>(v, first_id, bands, rows, path);
        },
        "signatures"_a.noconvert(), "first_id"_a, "bands"_a, "rows"_a, "path"_a,
        "Write the sorted (band, key, id) entries of the non-empty rows (ids first_id, ...) to path; "
        "returns the entry count.");
}

}  // namespace

void bind(py::module_& m) {
    // a full disk or a missing scratch file is not bad input: OSError, as Python's own I/O raises
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const FileError& e) {
            PyErr_SetString(PyExc_OSError, e.what());
        }
    });
    // not thread-safe across calls: one filter set is one sequential pass (the order decides)
    py::class_<LshBloom> bloom(m, "LSHBloom", "One Bloom filter per LSH band (LSH-Bloom); see seenit.sketch.bloom.");
    bloom.def(py::init<int, int, u64, double>(), "bands"_a, "rows"_a, "expected"_a, "fp_rate"_a);
    bloom.def_property_readonly("bands", &LshBloom::bands);
    bloom.def_property_readonly("rows", &LshBloom::rows);
    bloom.def_property_readonly("bits_per_band", &LshBloom::bits_per_band);
    bloom.def_property_readonly("probes", &LshBloom::probes);
    bloom.def_property_readonly("seen", &LshBloom::seen);
    bind_typed<u32>(m, bloom);
    bind_typed<u64>(m, bloom);
    m.def(
        "dedup_merge_band_runs",
        [](const std::vector<std::string>& runs, const std::string& out, std::size_t buffer_bytes) {
            check_paths(runs, "runs");
            check_positive(buffer_bytes, "buffer_bytes");
            SEENIT_CHECK(!out.empty(), std::invalid_argument, "out must not be empty");
            py::gil_scoped_release nogil;
            return ooc_merge_band_runs(runs, out, buffer_bytes);
        },
        "runs"_a, "out"_a, "buffer_bytes"_a, "Merge sorted band runs into one sorted run at out; returns its count.");
    m.def(
        "dedup_bucket_edges",
        [](const std::vector<std::string>& runs, const std::string& signatures, std::size_t n, std::size_t k,
           int signature_bytes, double threshold, bool verify, std::size_t max_bucket, std::size_t buffer_bytes,
           std::size_t edge_buffer_bytes, const std::string& edge_prefix) {
            check_paths(runs, "runs");
            check_sig_bytes(signature_bytes);
            SEENIT_CHECK(k >= 1, std::invalid_argument, "k must be >= 1, got ", k);
            SEENIT_CHECK(threshold > 0.0 && threshold <= 1.0, std::invalid_argument, "threshold must be in (0, 1], got ",
                         threshold);
            SEENIT_CHECK(max_bucket >= 2, std::invalid_argument, "max_bucket must be >= 2, got ", max_bucket);
            check_positive(buffer_bytes, "buffer_bytes");
            check_positive(edge_buffer_bytes, "edge_buffer_bytes");
            SEENIT_CHECK(!edge_prefix.empty(), std::invalid_argument, "edge_prefix must not be empty");
            OocEdgeOptions opt;
            opt.threshold = threshold;
            opt.verify = verify;
            opt.max_bucket = max_bucket;
            opt.buffer_bytes = buffer_bytes;
            opt.edge_buffer_bytes = edge_buffer_bytes;
            py::gil_scoped_release nogil;
            return signature_bytes == 4 ? ooc_bucket_edges<u32>(runs, signatures, n, k, opt, edge_prefix)
                                        : ooc_bucket_edges<u64>(runs, signatures, n, k, opt, edge_prefix);
        },
        "runs"_a, "signatures"_a, "n"_a, "k"_a, "signature_bytes"_a, "threshold"_a, "verify"_a, "max_bucket"_a,
        "buffer_bytes"_a, "edge_buffer_bytes"_a, "edge_prefix"_a,
        "Verified edges of the buckets of the merged band runs, as sorted unique edge runs; returns their paths.");
    m.def(
        "dedup_merge_edge_runs",
        [](const std::vector<std::string>& runs, const std::string& out, std::size_t buffer_bytes) {
            check_paths(runs, "runs");
            check_positive(buffer_bytes, "buffer_bytes");
            SEENIT_CHECK(!out.empty(), std::invalid_argument, "out must not be empty");
            py::gil_scoped_release nogil;
            return ooc_merge_edge_runs(runs, out, buffer_bytes);
        },
        "runs"_a, "out"_a, "buffer_bytes"_a, "Merge sorted edge runs into one sorted unique edge file; returns its count.");
    m.def(
        "dedup_components",
        [](const std::string& edges, double min_sim, std::size_t n, const std::string& signatures, std::size_t k,
           int signature_bytes, const std::string& out, std::size_t parent_ram_bytes, const std::string& parent_file,
           std::size_t buffer_bytes, std::size_t page_cache_bytes) {
            check_sig_bytes(signature_bytes);
            SEENIT_CHECK(k >= 1, std::invalid_argument, "k must be >= 1, got ", k);
            SEENIT_CHECK(min_sim >= 0.0 && min_sim <= 1.0, std::invalid_argument, "min_sim must be in [0, 1], got ",
                         min_sim);
            SEENIT_CHECK(n < (std::size_t{1} << 62), std::invalid_argument, "n must be < 2**62, got ", n);
            check_positive(buffer_bytes, "buffer_bytes");
            check_positive(page_cache_bytes, "page_cache_bytes");
            SEENIT_CHECK(!out.empty() && !parent_file.empty(), std::invalid_argument, "out and parent_file must not be empty");
            OocComponents r;
            {
                py::gil_scoped_release nogil;
                r = signature_bytes == 4 ? ooc_components<u32>(edges, min_sim, n, signatures, k, out, parent_ram_bytes,
                                                               parent_file, buffer_bytes, page_cache_bytes)
                                         : ooc_components<u64>(edges, min_sim, n, signatures, k, out, parent_ram_bytes,
                                                               parent_file, buffer_bytes, page_cache_bytes);
            }
            return py::make_tuple(r.records, r.size_histogram);
        },
        "edges"_a, "min_sim"_a, "n"_a, "signatures"_a, "k"_a, "signature_bytes"_a, "out"_a, "parent_ram_bytes"_a,
        "parent_file"_a, "buffer_bytes"_a, "page_cache_bytes"_a,
        "Connected components of the edges with similarity >= min_sim: one (id, label, similarity) record per "
        "clustered document, ascending id, written to out; returns (count, [(cluster size, clusters), ...]).");
}
}  // namespace ooc_bindings

void bind_sketch_dedup(py::module_& m) { ooc_bindings::bind(m); }

}  // namespace seenit::bind
