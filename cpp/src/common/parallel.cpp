#include "seenit/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace seenit {
namespace {

int default_threads() {
    if (const char* env = std::getenv("SEENIT_NUM_THREADS")) {
        try {
            int v = std::stoi(env);
            if (v >= 1) return v;
        } catch (...) {
            // fall through to the hardware default on an unparsable value
        }
    }
    unsigned hc = std::thread::hardware_concurrency();
    return hc == 0 ? 1 : static_cast<int>(hc);
}

std::atomic<int> g_threads{0};

// Runs `worker(t)` on `nt` threads (t = 0 on the caller), joins them all, then
// rethrows the first exception any of them raised.
template <class Worker>
void run_workers(int nt, Worker&& worker) {
    std::exception_ptr first;
    std::mutex mu;
    auto guarded = [&](int t) {
        try {
            worker(t);
        } catch (...) {
            std::lock_guard<std::mutex> lock(mu);
            if (!first) first = std::current_exception();
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(nt - 1));
    for (int t = 1; t < nt; ++t) pool.emplace_back(guarded, t);
    guarded(0);
    for (auto& th : pool) th.join();
    if (first) std::rethrow_exception(first);
}

}  // namespace

int num_threads() {
    int v = g_threads.load(std::memory_order_relaxed);
    return v > 0 ? v : default_threads();
}

void set_num_threads(int n) { g_threads.store(n > 0 ? n : 0, std::memory_order_relaxed); }

void parallel_for(std::size_t n, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t, int)>& fn) {
    if (n == 0) return;
    grain = std::max<std::size_t>(grain, 1);
    std::size_t max_chunks = (n + grain - 1) / grain;
    int nt = static_cast<int>(std::min<std::size_t>(max_chunks, static_cast<std::size_t>(num_threads())));
    if (nt <= 1) {
        fn(0, n, 0);
        return;
    }
    std::size_t per = n / nt, extra = n % nt;
    run_workers(nt, [&](int t) {
        std::size_t ut = static_cast<std::size_t>(t);
        std::size_t b = ut * per + std::min(ut, extra);
        std::size_t e = b + per + (ut < extra ? 1 : 0);
        if (b < e) fn(b, e, t);
    });
}

void parallel_for_dynamic(std::size_t n, std::size_t chunk,
                          const std::function<void(std::size_t, std::size_t, int)>& fn) {
    if (n == 0) return;
    chunk = std::max<std::size_t>(chunk, 1);
    std::size_t nchunks = (n + chunk - 1) / chunk;
    int nt = static_cast<int>(std::min<std::size_t>(nchunks, static_cast<std::size_t>(num_threads())));
    if (nt <= 1) {
        fn(0, n, 0);
        return;
    }
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    run_workers(nt, [&](int t) {
        while (!failed.load(std::memory_order_relaxed)) {
            std::size_t b = next.fetch_add(chunk);
            if (b >= n) break;
            try {
                fn(b, std::min(n, b + chunk), t);
            } catch (...) {
                failed.store(true);
                throw;
            }
        }
    });
}

}  // namespace seenit
