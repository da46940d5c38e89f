// Final-stage SA-IS scans run as a two-thread pipeline, for alphabets too large
// for the block-parallel scans (sais_blocks.hpp). Private to suffix_array.cpp.
//
// The cache-missing part of a scan is the gather: reading T at the position
// each entry induces. A helper thread runs ahead of the scanning thread in
// blocks of kPipeBlock slots and, for each slot, stores what it saw (the
// snapshot) and what that value induces (bucket symbol and encoded entry) in a
// ring of kPipeRing blocks; the scanning thread then only does the
// bucket-pointer bookkeeping and the writes.
//
// Correctness never depends on timing: what an entry induces is a function of
// its value and T alone, so a ring slot is used only when the entry still
// equals its snapshot (else, e.g. after an entry was induced into a block the
// helper had already read, the scanning thread recomputes it).
//
// The scanning thread never blocks on the helper: the helper publishes, per
// block, how many of its slots are ready (in chunks of kPipeChunk); the
// scanning thread waits only while the helper is visibly advancing on the
// block it needs (pipe_wait_ready) and otherwise computes the slots itself.
// A helper that fell behind (its core is busy: the machine is shared) skips
// ahead to the block after the one being scanned, and stops after being
// overtaken kPipeMaxOvertaken times. So with no second core free the scan costs
// about what the sequential one does, instead of stalling on a helper that is
// not running. Only the helper waits, when the ring is full.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <type_traits>
#include <vector>

#include "seenit/common.hpp"
#include "sais_scan_step.hpp"

namespace seenit::sais_detail {

constexpr std::size_t kPipeBlock = std::size_t{1} << 13;
constexpr std::size_t kPipeChunk = std::size_t{1} << 9;  // slots per "ready" update
constexpr std::size_t kPipeRing = 4;
constexpr std::size_t kPipeMin = std::size_t{1} << 18;  // shorter scans stay sequential
// A helper overtaken this often is not getting a core of its own: it stops,
// and the scanning thread finishes alone (no more time lost to the helper).
constexpr unsigned kPipeMaxOvertaken = 8;

template <class Index, class Sym>
struct PipeSlot {
    Index snap;
    Index enc;
    Sym c;  // bucket symbol, or all ones when the snapshot induces nothing
};

// Which block a ring entry holds and how many of its slots are ready.
struct alignas(64) PipeHead {
    std::atomic<std::size_t> block{~std::size_t{0}};
    std::atomic<std::size_t> ready{0};
};

// A spin-wait hint to the CPU (x86 pause, Arm yield; nothing elsewhere).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

inline void pipe_pause(unsigned& spins) {
    if (++spins < 1024) {
        cpu_relax();
    } else {
        std::this_thread::yield();
    }
}

inline std::size_t pipe_ready(const PipeHead& h, std::size_t blk) {
    return h.block.load(std::memory_order_acquire) == blk ? h.ready.load(std::memory_order_acquire) : 0;
}

// The scanning thread at slot k of block blk, not ready yet. The helper is the
// slower half of the pipeline, so the scanning thread often catches up with
// it: it waits while the helper is working on this block and advancing, and
// gives up (patient = false: computes the rest of the block itself) when the
// helper is elsewhere or has not advanced for kPipeIdle pauses.
constexpr unsigned kPipeIdle = 256;

inline std::size_t pipe_wait_ready(const PipeHead& h, std::size_t blk, std::size_t k, bool& patient) {
    std::size_t last = pipe_ready(h, blk);
    if (h.block.load(std::memory_order_acquire) != blk) {
        patient = false;
        return last;
    }
    for (unsigned idle = 0; idle < kPipeIdle; ++idle) {
        cpu_relax();
        std::size_t r = pipe_ready(h, blk);
        if (r > k) return r;
        if (r != last) {
            last = r;
            idle = 0;
        }
    }
    patient = false;
    return last;
}

template <bool Left, class Char, class Index>
void scan_pipelined(const Char* T, Index* SA, std::size_t n, Index* B) {
    using Sym = std::conditional_t<sizeof(Char) <= 4, u32, u64>;  // symbols < K < all ones
    using Slot = PipeSlot<Index, Sym>;
    constexpr Sym kInactive = ~Sym{0};
    const std::size_t nblocks = (n + kPipeBlock - 1) / kPipeBlock;
    std::vector<Slot> ring(kPipeRing * kPipeBlock);
    PipeHead heads[kPipeRing];
    alignas(64) std::atomic<std::size_t> scanning{0};  // block the scanning thread is on
    alignas(64) std::atomic<bool> stop{false};
    // Scan order: slot s of the scan is SA[at(s)].
    auto at = [n](std::size_t s) { return Left ? s : n - 1 - s; };
    auto gather = [&] {
        std::size_t blk = 1;  // the scanning thread starts on block 0 itself
        unsigned spins = 0, overtaken = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            std::size_t cur = scanning.load(std::memory_order_acquire);
            if (blk <= cur) {  // fell behind: skip ahead, or give up when that keeps happening
                if (++overtaken > kPipeMaxOvertaken) break;
                blk = cur + 1;
            }
            if (blk >= nblocks) break;
            if (blk >= cur + kPipeRing) {  // ring full: the entry still holds a block not scanned yet
                pipe_pause(spins);
                continue;
            }
            spins = 0;
            PipeHead& h = heads[blk % kPipeRing];
            h.ready.store(0, std::memory_order_relaxed);
            h.block.store(blk, std::memory_order_release);
            Slot* out = ring.data() + (blk % kPipeRing) * kPipeBlock;
            const std::size_t b = blk * kPipeBlock, e = std::min(n, b + kPipeBlock);
            for (std::size_t cb = b; cb < e; cb += kPipeChunk) {
                if (scanning.load(std::memory_order_relaxed) >= blk) {  // overtaken within the block
                    ++overtaken;
                    break;
                }
                const std::size_t ce = std::min(e, cb + kPipeChunk);
                for (std::size_t s = cb; s < ce; ++s) {
                    if (s + kPrefetch < e) {
                        Index w = __atomic_load_n(SA + at(s + kPrefetch), __ATOMIC_RELAXED);
                        Index q = Left ? (w > 0 ? w - 1 : 0) : (w < -1 ? ~w - 1 : 0);
                        __builtin_prefetch(T + q);
                    }
                    Index v = __atomic_load_n(SA + at(s), __ATOMIC_RELAXED);
                    std::size_t c = 0;
                    Index enc = 0;
                    bool active = induced<Left>(T, v, c, enc);
                    out[s - b] = Slot{v, enc, active ? static_cast<Sym>(c) : kInactive};
                }
                h.ready.store(ce - b, std::memory_order_release);
            }
            ++blk;
        }
    };
    auto put = [SA](std::size_t pos, Index val) { __atomic_store_n(SA + pos, val, __ATOMIC_RELAXED); };
    std::thread helper(gather);

    for (std::size_t blk = 0; blk < nblocks; ++blk) {
        scanning.store(blk, std::memory_order_release);
        const PipeHead& h = heads[blk % kPipeRing];
        const Slot* in = ring.data() + (blk % kPipeRing) * kPipeBlock;
        const std::size_t b = blk * kPipeBlock, e = std::min(n, b + kPipeBlock);
        std::size_t ready = 0;  // slots of this block known ready
        bool patient = true;    // wait for the helper while it makes progress on this block
        for (std::size_t s = b; s < e; ++s) {
            const std::size_t k = s - b;
            if (k >= ready && (k & (kPipeChunk - 1)) == 0) {  // a chunk edge past what is known ready
                ready = pipe_ready(h, blk);
                if (k >= ready && patient) ready = pipe_wait_ready(h, blk, k, patient);
            }
            const std::size_t i = at(s);
            Index v = SA[i];
            std::size_t c = 0;
            Index enc = 0;
            bool active;
            if (k < ready && v == in[k].snap) {
                active = in[k].c != kInactive;
                c = in[k].c;
                enc = in[k].enc;
            } else {
                if (k >= ready && s + kPrefetch < e) {  // computing it here: prefetch as the sequential scan does
                    Index w = SA[at(s + kPrefetch)];
                    Index q = Left ? (w > 0 ? w - 1 : 0) : (w < -1 ? ~w - 1 : 0);
                    __builtin_prefetch(T + q);
                }
                active = induced<Left>(T, v, c, enc);
            }
            if (Left) {
                if (active) put(static_cast<std::size_t>(B[c]++), enc);
            } else if (v < 0) {
                put(i, ~v);
                if (active) put(static_cast<std::size_t>(--B[c]), enc);
            }
        }
    }
    stop.store(true, std::memory_order_relaxed);
    scanning.store(nblocks, std::memory_order_release);
    helper.join();
}

}  // namespace seenit::sais_detail
