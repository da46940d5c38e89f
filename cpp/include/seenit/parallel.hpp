// One thread pool entry point for every kernel: parallel_for over std::thread.
// Work is split into contiguous chunks; the first exception thrown by any worker
// is captured and rethrown on the calling thread after all workers have joined.
#pragma once

#include <cstddef>
#include <functional>

namespace seenit {

// Most worker threads a kernel runs (set_num_threads rejects more; a larger
// SEENIT_NUM_THREADS is clamped to it). Far above any core count, low enough that a
// kernel's per-thread state and the thread stacks stay bounded.
constexpr int kMaxThreads = 4096;

// Number of worker threads kernels use, in [1, kMaxThreads]. Defaults to
// SEENIT_NUM_THREADS if set, else std::thread::hardware_concurrency().
int num_threads();
// Set the number of worker threads (1 <= n <= kMaxThreads); n == 0 restores the default.
// Throws std::invalid_argument outside [0, kMaxThreads]. Kernels already running keep
// the count they started with (each reads it once).
void set_num_threads(int n);

// Call fn(begin, end, thread_index) over [0, n) split into at most `threads` contiguous
// chunks of at least `grain` items (threads <= 0: num_threads(), read once here). The
// thread index is < min(threads, chunks): a kernel that sizes per-thread state by a count
// it read must pass that count, so a concurrent set_num_threads cannot push an index past
// its state. Runs inline when one chunk suffices. Results must not depend on how the
// range is split: each index writes its own output. A thread that cannot be started
// becomes a std::runtime_error (after the started ones have joined).
void parallel_for(std::size_t n, std::size_t grain, const std::function<void(std::size_t, std::size_t, int)>& fn,
                  int threads = 0);

// Like parallel_for but hands out `chunk`-sized pieces dynamically (for uneven
// work such as documents of very different lengths).
void parallel_for_dynamic(std::size_t n, std::size_t chunk, const std::function<void(std::size_t, std::size_t, int)>& fn,
                          int threads = 0);

}  // namespace seenit
