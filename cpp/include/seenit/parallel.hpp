// One thread pool entry point for every kernel: parallel_for over std::thread.
// Work is split into contiguous chunks; the first exception thrown by any worker
// is captured and rethrown on the calling thread after all workers have joined.
#pragma once

#include <cstddef>
#include <functional>

namespace seenit {

// Number of worker threads kernels use. Defaults to SEENIT_NUM_THREADS if set,
// else std::thread::hardware_concurrency().
int num_threads();
// Set the number of worker threads (n >= 1); n == 0 restores the default.
void set_num_threads(int n);

// Call fn(begin, end, thread_index) over [0, n) split into at most num_threads()
// contiguous chunks of at least `grain` items. Runs inline when one chunk suffices.
// Results must not depend on how the range is split: each index writes its own output.
void parallel_for(std::size_t n, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t, int)>& fn);

// Like parallel_for but hands out `chunk`-sized pieces dynamically (for uneven
// work such as documents of very different lengths).
void parallel_for_dynamic(std::size_t n, std::size_t chunk,
                          const std::function<void(std::size_t, std::size_t, int)>& fn);

}  // namespace seenit
