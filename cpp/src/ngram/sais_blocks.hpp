// Final-stage SA-IS scans, block-parallel on two threads, for small alphabets.
// Private to suffix_array.cpp.
//
// The approach libsais (Ilya Grebnov) describes for its parallel induced
// sorting, written here for this file's entry encoding. Both final scans write
// only into empty slots (0): the L-scan fills the cleared L parts of the
// buckets, and the S-scan the S parts, which the caller clears after the
// L-scan (their LMS entries were needed only by the L-scan; the sequential
// S-scan overwrites them unread). So in a run of non-empty slots nothing
// changes while the scan crosses it, and a long run is processed as a block:
//   1. (both threads, in chunks) each entry's induced bucket symbol and encoded
//      entry — the random read of T — go to a per-slot cache, counted per
//      chunk and symbol; the S-scan also restores its negative entries;
//   2. (scanning thread) the counts become each chunk's bucket pointers, in
//      scan order: the bucket-pointer moves the sequential scan would make;
//   3. (both threads, in chunks) each chunk writes its induced entries,
//      together with step 1 of the next block when that follows at once.
// Short runs and empty slots are scanned sequentially. The result is the
// sequential scan's.
//
// On the 2-core host this was measured on, the final scans of 100 MB of text
// went from 0.45-0.56 / 0.47-0.49 s (sequential; the pipeline was no better)
// to 0.35-0.37 / 0.39-0.40 s: the random reads of T scale with the second
// core (a plain prefetched gather: 8.8 -> 4.2 ns per read), but gathering them
// alone costs about what the whole sequential scan does (5.3 ns per slot) and
// the writes come on top.
//
// Chunks are claimed from a shared counter, so when the helper thread gets no
// core (the machine is shared) the scanning thread takes all chunks and waits
// only for a chunk the helper has claimed and not finished.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

#include "seenit/common.hpp"
#include "seenit/parallel.hpp"
#include "sais_pipeline.hpp"
#include "sais_scan_step.hpp"

namespace seenit::sais_detail {

constexpr std::size_t kRunMax = std::size_t{1} << 16;    // slots per block, at most
constexpr std::size_t kRunMin = std::size_t{1} << 11;    // shorter runs are scanned sequentially
constexpr std::size_t kRunChunk = std::size_t{1} << 12;  // slots per claimed chunk
constexpr std::size_t kRunMaxK = std::size_t{1} << 10;   // largest alphabet (per-chunk counts)

// Whether the final scans of a level run block-parallel (scan_runs); larger
// alphabets take the pipelined scans (sais_pipeline.hpp).
inline bool runs_ok(std::size_t n, std::size_t K) {
    return n >= kPipeMin && K <= kRunMaxK && num_threads() >= 2;
}

template <class Index>
struct RunSlot {
    Index c;    // bucket symbol, or -1 when nothing is induced
    Index enc;  // the induced entry
};

// Clears the S part [B[c], end of bucket c) of every bucket (B: the L-scan's
// final pointers, C: bucket sizes).
template <class Index>
void clear_s_parts(Index* SA, const Index* C, const Index* B, std::size_t K) {
    std::size_t end = 0;
    for (std::size_t c = 0; c < K; ++c) {
        end += static_cast<std::size_t>(C[c]);
        std::fill(SA + B[c], SA + end, Index{0});
    }
}

// The helper thread of the block-parallel scans and the chunk hand-out. run()
// runs f(k) for every chunk k < nchunks on both threads and returns when all
// are done; the helper spins (then yields) between phases. A helper that keeps
// the scanning thread waiting or takes under a quarter of the chunks, more than
// kMaxStalls times (it is short of a core: the machine is shared), is stopped,
// and ok() turns false: the caller then finishes the scan alone.
class RunTeam {
public:
    RunTeam() : helper_([this] { loop(); }) {}
    RunTeam(const RunTeam&) = delete;
    RunTeam& operator=(const RunTeam&) = delete;
    ~RunTeam() {
        claim_.store(kStop, std::memory_order_release);
        helper_.join();
    }
    bool ok() const { return stalls_ <= kMaxStalls; }
    template <class F>
    void run(std::size_t nchunks, F& f) {
        fn_ = [](void* o, std::size_t k) { (*static_cast<F*>(o))(k); };
        obj_ = &f;
        ++phase_;
        done_.store(0, std::memory_order_relaxed);
        claim_.store(phase_ << 32 | static_cast<u64>(nchunks) << 16, std::memory_order_release);  // publishes fn_, obj_
        const std::size_t mine = work(phase_);
        // A helper that took under a quarter of the chunks is short of CPU.
        bool stalled = nchunks >= 4 && (nchunks - mine) * 4 < nchunks;
        if (done_.load(std::memory_order_acquire) < nchunks) {
            // Waiting for a chunk the helper holds: normally microseconds;
            // much longer means it was descheduled.
            auto t0 = std::chrono::steady_clock::now();
            unsigned spins = 0;
            while (done_.load(std::memory_order_acquire) < nchunks) pipe_pause(spins);
            stalled |= std::chrono::steady_clock::now() - t0 > std::chrono::microseconds(200);
        }
        if (stalled && ++stalls_ > kMaxStalls) claim_.store(kStop, std::memory_order_release);
    }

private:
    static constexpr u64 kStop = ~u64{0} >> 1;
    static constexpr unsigned kMaxStalls = 4;
    // Runs chunks of `phase` until none is left or the phase has moved on. The
    // claim word: phase (from 1; 0 = none yet) in the high half, the phase's
    // chunk count in bits 16-31, the next chunk in bits 0-15.
    std::size_t work(u64 phase) {
        std::size_t mine = 0;  // chunks this thread ran
        u64 cur = claim_.load(std::memory_order_acquire);
        for (;;) {
            if ((cur >> 32) != phase || (cur & 0xffffu) >= ((cur >> 16) & 0xffffu)) return mine;
            if (!claim_.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel, std::memory_order_acquire))
                continue;
            fn_(obj_, static_cast<std::size_t>(cur & 0xffffu));
            ++mine;
            done_.fetch_add(1, std::memory_order_release);
            cur = claim_.load(std::memory_order_acquire);
        }
    }
    void loop() {
        u64 seen = 0;
        unsigned spins = 0;
        for (;;) {
            u64 phase = claim_.load(std::memory_order_acquire) >> 32;
            if (phase == (kStop >> 32)) return;
            if (phase != seen) {
                seen = phase;
                spins = 0;
                work(phase);
            } else {
                pipe_pause(spins);
            }
        }
    }
    alignas(64) std::atomic<u64> claim_{0};
    alignas(64) std::atomic<std::size_t> done_{0};
    void (*fn_)(void*, std::size_t) = nullptr;
    void* obj_ = nullptr;
    u64 phase_ = 0;
    unsigned stalls_ = 0;
    std::thread helper_;  // last: starts after the fields above are set
};

// Drives a scan in runs. A run of at least kRunMin non-empty slots (at most
// kRunMax; steps [b, e), step s of the scan reads SA[at(s)]) is a block:
// gather(buf, b, e, k) for each of its chunks k on both threads, then
// merge(buf, b, e) on this one, then scatter(buf, b, e, k). The scatter of a
// block runs together with the gather of the next one when that follows at
// once: the next run was found before the scatter, and the scatter writes only
// empty slots, none of the run's. Other steps go one at a time to step(s),
// after any pending scatter. buf (0 or 1) alternates between blocks.
template <bool Left, class Index, class Step, class Gather, class Merge, class Scatter>
void drive_runs(const Index* SA, std::size_t n, Step&& step, Gather&& gather, Merge&& merge, Scatter&& scatter) {
    auto at = [n](std::size_t s) { return Left ? s : n - 1 - s; };
    auto chunks = [](std::size_t b, std::size_t e) { return (e - b + kRunChunk - 1) / kRunChunk; };
    RunTeam team;
    bool pending = false;  // block [pb, pe) in buffer pbuf awaits its scatter
    std::size_t pb = 0, pe = 0, pbuf = 1;
    auto flush = [&] {
        if (!pending) return;
        auto job = [&](std::size_t k) { scatter(pbuf, pb, pe, k); };
        team.run(chunks(pb, pe), job);
        pending = false;
    };
#ifdef SEENIT_SA_LAPS
    std::size_t in_blocks = 0, nblk = 0;
#endif
    for (std::size_t s = 0; s < n;) {
        if (!team.ok()) {  // the helper got no core: finish alone
            flush();
            for (; s < n; ++s) step(s);
            break;
        }
        std::size_t e = s;
        const std::size_t lim = std::min(n, s + kRunMax);
        while (e < lim && SA[at(e)] != 0) ++e;
        if (e - s < kRunMin) {
            flush();
            for (e = std::max(e, s + 1); s < e; ++s) step(s);
            continue;
        }
#ifdef SEENIT_SA_LAPS
        in_blocks += e - s;
        ++nblk;
#endif
        const std::size_t buf = 1 - pbuf, nprev = pending ? chunks(pb, pe) : 0;
        auto job = [&](std::size_t k) {
            if (k < nprev) {
                scatter(pbuf, pb, pe, k);
            } else {
                gather(buf, s, e, k - nprev);
            }
        };
        team.run(nprev + chunks(s, e), job);
        merge(buf, s, e);
        pending = true;
        pb = s;
        pe = e;
        pbuf = buf;
        s = e;
    }
    flush();
#ifdef SEENIT_SA_LAPS
    std::fprintf(stderr, "RUNS n=%zu %s: %zu blocks, %zu slots\n", n, Left ? "L" : "S", nblk, in_blocks);
#endif
}

// Prefetches T at the position entry SA[at(s)] induces from.
template <bool Left, class Char, class Index>
inline void prefetch_induced(const Char* T, const Index* SA, std::size_t i) {
    Index w = SA[i];
    Index q = Left ? (w > 0 ? w - 1 : 0) : (w < -1 ? ~w - 1 : 0);
    __builtin_prefetch(T + q);
}

template <bool Left, class Char, class Index>
void scan_runs(const Char* T, Index* SA, std::size_t n, Index* B, std::size_t K) {
    using Slot = RunSlot<Index>;
    constexpr std::size_t kChunks = kRunMax / kRunChunk;
    std::vector<Slot> cache(2 * kRunMax);
    std::vector<Index> count(2 * kChunks * K);  // per buffer and chunk: symbol counts, then bucket pointers
    auto at = [n](std::size_t s) { return Left ? s : n - 1 - s; };
    auto gather = [&](std::size_t buf, std::size_t blk_b, std::size_t blk_e, std::size_t k) {
        const std::size_t b = blk_b + k * kRunChunk, e = std::min(blk_e, b + kRunChunk);
        Index* cnt = count.data() + (buf * kChunks + k) * K;
        std::fill(cnt, cnt + K, Index{0});
        Slot* out = cache.data() + buf * kRunMax - blk_b;
        for (std::size_t s = b; s < std::min(e, b + kPrefetch); ++s) prefetch_induced<Left>(T, SA, at(s));
        for (std::size_t s = b; s < e; ++s) {
            if (s + kPrefetch < e) prefetch_induced<Left>(T, SA, at(s + kPrefetch));
            const std::size_t i = at(s);
            Index v = SA[i];
            std::size_t c = 0;
            Index enc = 0;
            if (induced<Left>(T, v, c, enc)) {
                out[s] = Slot{static_cast<Index>(c), enc};
                ++cnt[c];
            } else {
                out[s] = Slot{Index{-1}, enc};
            }
            if (!Left && v < 0) SA[i] = ~v;
        }
    };
    auto merge = [&](std::size_t buf, std::size_t b, std::size_t e) {  // counts -> chunk pointers, in scan order
        for (std::size_t k = 0; k < (e - b + kRunChunk - 1) / kRunChunk; ++k) {
            Index* cnt = count.data() + (buf * kChunks + k) * K;
            for (std::size_t c = 0; c < K; ++c) {
                Index x = cnt[c];
                cnt[c] = B[c];
                B[c] = Left ? B[c] + x : B[c] - x;
            }
        }
    };
    auto scatter = [&](std::size_t buf, std::size_t blk_b, std::size_t blk_e, std::size_t k) {
        const std::size_t b = blk_b + k * kRunChunk, e = std::min(blk_e, b + kRunChunk);
        Index* ptr = count.data() + (buf * kChunks + k) * K;
        const Slot* in = cache.data() + buf * kRunMax - blk_b;
        for (std::size_t s = b; s < e; ++s) {
            Index c = in[s].c;
            if (c < 0) continue;
            SA[Left ? ptr[c]++ : --ptr[c]] = in[s].enc;
        }
    };
    auto step = [&](std::size_t s) {
        if (s + kPrefetch < n) prefetch_induced<Left>(T, SA, at(s + kPrefetch));
        const std::size_t i = at(s);
        Index v = SA[i];
        std::size_t c = 0;
        Index enc = 0;
        bool active = induced<Left>(T, v, c, enc);
        if (!Left && v < 0) SA[i] = ~v;
        if (active) SA[Left ? B[c]++ : --B[c]] = enc;
    };
    drive_runs<Left>(SA, n, step, gather, merge, scatter);
}

}  // namespace seenit::sais_detail
