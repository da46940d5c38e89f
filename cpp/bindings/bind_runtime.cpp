// Runtime controls (thread count, detected CPU features) and the shared text kernels
// (normalise_utf8, used by seenit.tokenize.Normalisation.encode_block; jsonl_fields, used
// by seenit.text_blocks to read JSON lines).
#include <pybind11/pybind11.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include "buffers.hpp"
#include "seenit/cpu.hpp"
#include "seenit/jsonl.hpp"
#include "seenit/normalise.hpp"
#include "seenit/parallel.hpp"

namespace py = pybind11;

namespace seenit::bind {

void bind_runtime(py::module_& m) {
    m.def("get_num_threads", &seenit::num_threads, "Number of worker threads the kernels use.");
    m.def(
        "set_num_threads",
        [](long long n) {
            if (n < 0 || n > seenit::kMaxThreads)
                throw std::invalid_argument("num_threads must be in 0.." + std::to_string(seenit::kMaxThreads) +
                                            " (0 restores the default), got " + std::to_string(n));
            seenit::set_num_threads(static_cast<int>(n));
        },
        py::arg("n"), "Set the number of worker threads, 1..4096 (0 restores SEENIT_NUM_THREADS / all cores).");
    m.attr("MAX_THREADS") = seenit::kMaxThreads;
    m.def("cpu_features", [] {
        const auto& f = seenit::cpu_features();
        py::dict d;
        d["avx2"] = f.avx2;
        d["fma"] = f.fma;
        d["avx512f"] = f.avx512f;
        d["avx512dq"] = f.avx512dq;
        d["avx512vl"] = f.avx512vl;
        d["avx512bw"] = f.avx512bw;
        d["avx512vnni"] = f.avx512vnni;
        d["avx512bf16"] = f.avx512bf16;
        d["amx_bf16"] = f.amx_bf16;
        d["amx_int8"] = f.amx_int8;
        return d;
    }, "CPU features detected at run time (what the SIMD dispatch will use).");
    // Exercises parallel_for's exception capture: sums 0..n-1 on all threads and
    // throws ValueError from whichever worker reaches `throw_at` (if 0 <= throw_at < n).
    m.def(
        "_parallel_selftest",
        [](long long n, long long throw_at, bool dynamic) {
            if (n < 0) throw std::invalid_argument("n must be >= 0");
            std::atomic<long long> total{0};
            py::gil_scoped_release nogil;
            auto body = [&](std::size_t b, std::size_t e, int) {
                long long s = 0;
                for (std::size_t i = b; i < e; ++i) {
                    if (static_cast<long long>(i) == throw_at) throw std::invalid_argument("selftest failure at " + std::to_string(i));
                    s += static_cast<long long>(i);
                }
                total += s;
            };
            if (dynamic) seenit::parallel_for_dynamic(static_cast<std::size_t>(n), 7, body);
            else seenit::parallel_for(static_cast<std::size_t>(n), 1, body);
            return total.load();
        },
        py::arg("n"), py::arg("throw_at") = -1, py::arg("dynamic") = false);

    m.def(
        "normalise_utf8",
        [](const carray<u8>& text, const carray<i64>& offsets, const carray<u32>& table, const carray<u8>& lowercase,
           bool strip_punctuation, bool collapse_whitespace, bool skip_deferred) {
            auto t = view_1d(text, "text");
            auto o = view_1d(offsets, "offsets");
            auto tab = view_1d(table, "table");
            auto lc = view_1d(lowercase, "lowercase");
            check_offsets(o, t.size, "offsets");
            seenit::NormaliseOptions opt;
            opt.strip_punctuation = strip_punctuation;
            opt.collapse_whitespace = collapse_whitespace;
            opt.skip_deferred = skip_deferred;
            seenit::NormalisedBlock block;
            {
                py::gil_scoped_release nogil;
                block = seenit::normalise_utf8(t, o, tab, lc, opt);
            }
            carray<u8> out(static_cast<py::ssize_t>(block.total_bytes()));
            carray<i64> out_offsets(static_cast<py::ssize_t>(block.offsets.size()));
            std::copy(block.offsets.begin(), block.offsets.end(), out_offsets.mutable_data());
            {
                py::gil_scoped_release nogil;
                seenit::gather_normalised(block, mut_view_1d(out));
            }
            return py::make_tuple(out, out_offsets, to_numpy(std::move(block.deferred)));
        },
        py::arg("text").noconvert(), py::arg("offsets").noconvert(), py::arg("table").noconvert(),
        py::arg("lowercase").noconvert(), py::arg("strip_punctuation"), py::arg("collapse_whitespace"),
        py::arg("skip_deferred") = false,
        "Normalise UTF-8 documents (text, offsets) with a per-code-point table (see seenit/normalise.hpp): "
        "returns (bytes uint8, offsets int64, deferred int64): with skip_deferred, the documents to lowercase "
        "that hold a context-dependent code point are left empty and listed in deferred. Used by "
        "Normalisation.encode_block / encode_utf8.");

    m.def(
        "jsonl_fields",
        [](const carray<u8>& data, const std::string& field) {
            auto d = view_1d(data, "data");
            seenit::JsonlFields r;
            {
                py::gil_scoped_release nogil;
                r = seenit::jsonl_fields(d.data, d.size, field);
            }
            return py::make_tuple(to_numpy(std::move(r.text)), to_numpy(std::move(r.offsets)),
                                  to_numpy(std::move(r.line)), to_numpy(std::move(r.deferred)),
                                  to_numpy(std::move(r.line_begin)), to_numpy(std::move(r.line_end)), r.n_lines);
        },
        py::arg("data").noconvert(), py::arg("field"),
        "One string field of JSON lines (see seenit/jsonl.hpp): (text uint8, offsets int64, line int64, "
        "deferred uint8, line_begin int64, line_end int64, n_lines) per row, a row being a non-blank line; "
        "a deferred row's line must be read by the caller (json.loads decides it).");
}

}  // namespace seenit::bind
