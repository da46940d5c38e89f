#include "seenit/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace seenit {
namespace {

int default_threads() {
    if (const char* env = std::getenv("SEENIT_NUM_THREADS")) {
        try {
            long long v = std::stoll(env);
            if (v >= 1) return static_cast<int>(std::min<long long>(v, kMaxThreads));
        } catch (...) {
            // fall through to the hardware default on an unparsable value (or one beyond long long)
        }
    }
    unsigned hc = std::thread::hardware_concurrency();
    return hc == 0 ? 1 : static_cast<int>(std::min<unsigned>(hc, kMaxThreads));
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
    std::string spawn_error;
    try {
        pool.reserve(static_cast<std::size_t>(nt - 1));
        for (int t = 1; t < nt; ++t) pool.emplace_back(guarded, t);
    } catch (const std::exception& e) {  // std::system_error (no more threads) or bad_alloc
        spawn_error = e.what();
    }
    // a worker that was not started would leave its share undone: run none of the caller's,
    // let the started ones finish (a joinable std::thread must never be destroyed), then fail
    if (spawn_error.empty()) guarded(0);
    for (auto& th : pool) th.join();
    if (!spawn_error.empty())
        throw std::runtime_error("could not start " + std::to_string(nt - 1) + " worker threads (started " +
                                 std::to_string(pool.size()) + "): " + spawn_error +
                                 "; lower seenit.set_num_threads / SEENIT_NUM_THREADS");
    if (first) std::rethrow_exception(first);
}

}  // namespace

int num_threads() {
    int v = g_threads.load(std::memory_order_relaxed);
    return v > 0 ? std::min(v, kMaxThreads) : default_threads();
}

void set_num_threads(int n) {
    if (n < 0 || n > kMaxThreads)
        throw std::invalid_argument("num_threads must be in 0..." + std::to_string(kMaxThreads) +
                                    " (0 restores the default), got " + std::to_string(n));
    g_threads.store(n, std::memory_order_relaxed);
}

void parallel_for(std::size_t n, std::size_t grain, const std::function<void(std::size_t, std::size_t, int)>& fn,
                  int threads) {
    if (n == 0) return;
    grain = std::max<std::size_t>(grain, 1);
    std::size_t max_chunks = (n + grain - 1) / grain;
    if (threads <= 0) threads = num_threads();
    int nt = static_cast<int>(std::min<std::size_t>(max_chunks, static_cast<std::size_t>(threads)));
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

void parallel_for_dynamic(std::size_t n, std::size_t chunk, const std::function<void(std::size_t, std::size_t, int)>& fn,
                          int threads) {
    if (n == 0) return;
    chunk = std::max<std::size_t>(chunk, 1);
    std::size_t nchunks = (n + chunk - 1) / chunk;
    if (threads <= 0) threads = num_threads();
    int nt = static_cast<int>(std::min<std::size_t>(nchunks, static_cast<std::size_t>(threads)));
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
