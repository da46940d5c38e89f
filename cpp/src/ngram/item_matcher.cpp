// ItemMatcher: see seenit/item_matcher.hpp for what it computes and why it equals the
// suffix-array path.
#include "seenit/item_matcher.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "seenit/parallel.hpp"

namespace seenit {
namespace {

// Hash of a window of w <= 32 bytes in two steps. The first mixes its little-endian
// 8-byte words (x[i] covers bytes 8i..8i+7; only the first w bytes count, the last word
// masked) with one multiply each: its high bits index the filter, so a probe that fails
// the filter (most of them) costs no more. The second finishes it for the slot table.
// The seed keeps lengths apart.
inline u64 window_prehash(const u64* x, int w) {
    constexpr u64 kMul[4] = {0xff51afd7ed558ccdull, 0xc4ceb9fe1a85ec53ull, 0x94d049bb133111ebull,
                             0xbf58476d1ce4e5b9ull};
    u64 h = 0x9E3779B97F4A7C15ull * static_cast<u64>(w);
    const int full = w / 8, rest = w % 8;
    for (int i = 0; i < full; ++i) h += x[i] * kMul[i];
    if (rest) h += (x[full] & ((u64{1} << (8 * rest)) - 1)) * kMul[full];
    return h;
}

inline u64 finish_hash(u64 h) {
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h | 1;  // 0 marks an empty slot
}

inline u64 window_hash(const u64* x, int w) { return finish_hash(window_prehash(x, w)); }

// The four words at p, zero-padded past `avail` bytes.
inline void load_words(const u8* p, std::size_t avail, u64* x) {
    if (avail >= 32) {
        std::memcpy(x, p, 32);
    } else {
        u8 buf[32] = {};
        std::memcpy(buf, p, avail);
        std::memcpy(x, buf, 32);
    }
}

// The gram length q for windows of w bytes. A window holds w - q + 1 grams, so a document
// stride of w - q + 1 meets every occurrence. Short grams are common in
// text (" the", "how many"): most probes would pass the filter and walk long postings, so
// narrow windows take longer grams and a shorter stride (measured on the Pile against
// GSM8K/HumanEval/MBPP/TruthfulQA: at w = 16, q = 8 passes 16% of probes with 2.5 postings
// per probe, q = 12 passes 2.6% with 0.16; at w = 8, q = 4: 25% and 1.6, q = 6: 5% and 0.12).
constexpr int gram_length(int w) { return w >= 32 ? w / 2 : w - w / 4; }

bool is_window(i32 w) { return w >= 1 && w <= kMaxKeyWindow && (w & (w - 1)) == 0; }

int log2_window(i32 w) {
    int b = 0;
    while ((1 << b) < w) ++b;
    return b;
}

}  // namespace

ItemMatcher::ItemMatcher(ArrayView<const u8> items, ArrayView<const i64> item_offsets, ArrayView<const i64> key_pos,
                         ArrayView<const i64> key_item, ArrayView<const i32> key_window, int max_docs)
    : items_(items.begin(), items.end()), max_docs_(max_docs) {
    SEENIT_CHECK(max_docs >= 1 && max_docs <= 4096, std::invalid_argument, "max_docs must be in [1, 4096], got ",
                 max_docs);
    SEENIT_CHECK(key_item.size == key_pos.size && key_window.size == key_pos.size, std::invalid_argument,
                 "key_pos, key_item and key_window must have the same length, got ", key_pos.size, ", ",
                 key_item.size, " and ", key_window.size);
    SEENIT_CHECK(key_pos.size <= 0xFFFFFFFFull, std::invalid_argument, "at most 2**32 - 1 keys, got ", key_pos.size);
    const std::size_t n_items = item_offsets.size == 0 ? 0 : item_offsets.size - 1;
    const std::size_t n = key_pos.size;
    key_pos_.resize(n);
    key_end_.resize(n);
    key_window_.resize(n);
    unsigned class_mask = 0;  // bit b set: some key has window 1 << b
    for (std::size_t k = 0; k < n; ++k) {
        const i64 it = key_item[k];
        SEENIT_CHECK(it >= 0 && static_cast<std::size_t>(it) < n_items, std::invalid_argument, "key_item[", k,
                     "] = ", it, " is not an item index (there are ", n_items, " items)");
        const i32 w = key_window[k];
        SEENIT_CHECK(is_window(w), std::invalid_argument, "key_window[", k, "] = ", w,
                     " must be a power of two in [1, ", kMaxKeyWindow, "]");
        const i64 lo = item_offsets[static_cast<std::size_t>(it)], hi = item_offsets[static_cast<std::size_t>(it) + 1];
        SEENIT_CHECK(key_pos[k] >= lo && key_pos[k] + w <= hi, std::invalid_argument, "key ", k, " (position ",
                     key_pos[k], ", window ", w, ") does not lie inside item ", it, " [", lo, ", ", hi, ")");
        key_pos_[k] = key_pos[k];
        key_end_[k] = hi;
        key_window_[k] = w;
        class_mask |= 1u << log2_window(w);
    }
    for (int bit = 0; (1 << bit) <= kMaxKeyWindow; ++bit) {
        if (!(class_mask & (1u << bit))) continue;
        WindowTable t;
        t.w = 1 << bit;
        t.q = gram_length(t.w);
        t.stride = t.w - t.q + 1;
        struct Entry {
            u64 hash;
            u32 key;
            u8 shift;
        };
        std::vector<Entry> entries;
        for (std::size_t k = 0; k < n; ++k) {
            if (key_window_[k] != t.w) continue;
            for (int sh = 0; sh + t.q <= t.w; ++sh) {
                u64 x[4];
                load_words(items_.data() + key_pos_[k] + sh, static_cast<std::size_t>(t.q), x);
                entries.push_back({window_prehash(x, t.q), static_cast<u32>(k), static_cast<u8>(sh)});
            }
        }
        // Entries were made in (key, shift) order: a stable sort by hash gives the (hash, key,
        // shift) order, and an LSD radix sort does it in linear passes (std::sort of a million
        // entries was most of the constructor's time). 11-bit digits: the counts stay in L1 and
        // the scatter writes to few enough places at once (16-bit digits took 4x as long).
        {
            constexpr int kBits = 11;
            constexpr u64 kMask = (u64{1} << kBits) - 1;
            std::vector<Entry> tmp(entries.size());
            std::vector<std::size_t> count((std::size_t{1} << kBits) + 1);
            for (int sh = 0; sh < 64; sh += kBits) {
                std::fill(count.begin(), count.end(), 0);
                for (const Entry& e : entries) ++count[((e.hash >> sh) & kMask) + 1];
                for (std::size_t i = 1; i < count.size(); ++i) count[i] += count[i - 1];
                for (const Entry& e : entries) tmp[count[(e.hash >> sh) & kMask]++] = e;
                entries.swap(tmp);
            }
        }
        t.entries.resize(entries.size());
        std::size_t distinct = 0;
        for (std::size_t i = 0; i < entries.size(); ++i) {
            u64 x[4];
            load_words(items_.data() + key_pos_[entries[i].key], static_cast<std::size_t>(t.w), x);
            t.entries[i] = {window_hash(x, t.w), entries[i].key, entries[i].shift};
            distinct += i == 0 || entries[i].hash != entries[i - 1].hash;
        }
        // Filter: ~16 bits per distinct gram (a few % false positives), at least 2**12 bits.
        t.filter_bits = 12;
        while (t.filter_bits < 32 && (std::size_t{1} << t.filter_bits) < distinct * 16) ++t.filter_bits;
        t.filter.assign((std::size_t{1} << t.filter_bits) / 64, 0);
        t.slot_bits = 4;
        while ((std::size_t{1} << t.slot_bits) < distinct * 2) ++t.slot_bits;
        const std::size_t n_slots = std::size_t{1} << t.slot_bits;
        t.slots.assign(n_slots, WindowTable::Slot{0, 0, 0});
        for (std::size_t i = 0; i < entries.size();) {
            const u64 pre = entries[i].hash;
            std::size_t j = i;
            while (j < entries.size() && entries[j].hash == pre) ++j;
            t.filter[(pre >> (64 - t.filter_bits)) >> 6] |= t.filter_mask(pre);
            const u64 h = finish_hash(pre);
            std::size_t s = (h >> 7) & (n_slots - 1);
            while (t.slots[s].hash != 0) s = (s + 1) & (n_slots - 1);
            t.slots[s] = {h, static_cast<u32>(i), static_cast<u32>(j - i)};
            i = j;
        }
        tables_.push_back(std::move(t));
    }
    best_len_.assign(n, 0);
    first_doc_.assign(n, -1);
    first_off_.assign(n, -1);
    docs_.assign(n * static_cast<std::size_t>(max_docs_), -1);
}

const ItemMatcher::WindowTable::Slot* ItemMatcher::find_slot(const WindowTable& t, u64 h) {
    const std::size_t mask = (std::size_t{1} << t.slot_bits) - 1;
    std::size_t s = (h >> 7) & mask;
    while (t.slots[s].hash != 0 && t.slots[s].hash != h) s = (s + 1) & mask;
    return t.slots[s].hash == 0 ? nullptr : &t.slots[s];
}

template <int W>
void ItemMatcher::verify(const WindowTable& t, const WindowTable::Slot& slot, const u8* doc, std::size_t len,
                         std::size_t at, i64 id, std::vector<Hit>& out) const {
    constexpr std::size_t kRead = (W + 7) / 8 * 8;
    const WindowTable::Entry* e = t.entries.data() + slot.begin;
    for (const WindowTable::Entry* end = e + slot.count; e < end; ++e) {
        const std::size_t shift = e->shift;
        if (shift > at || at - shift + W > len) continue;
        const std::size_t p = at - shift;  // where the key's window would start in the document
        u64 x[4];
        if (p + kRead <= len)
            std::memcpy(x, doc + p, kRead);
        else
            load_words(doc + p, len - p, x);
        if (window_hash(x, W) != e->window_hash) continue;
        const u32 k = e->key;
        const u8* item = items_.data() + key_pos_[k];
        if (std::memcmp(item, doc + p, W) != 0) continue;
        // Extend to the right while the item and the document agree.
        const std::size_t room = std::min(static_cast<std::size_t>(key_end_[k] - key_pos_[k]), len - p);
        std::size_t m = W;
        while (m < room && item[m] == doc[p + m]) ++m;
        out.push_back({k, static_cast<i64>(m), id, static_cast<i64>(p)});
    }
}

template <int W>
void ItemMatcher::scan_table(const WindowTable& t, const u8* doc, std::size_t len, i64 id,
                             std::vector<Hit>& out) const {
    // The gram length is a constant, so hashing a gram is a few loads and multiplies with no
    // loop; a gram near the document's end (fewer than kRead bytes left) is read zero-padded.
    constexpr int Q = gram_length(W);
    constexpr std::size_t kRead = (Q + 7) / 8 * 8;
    const std::size_t stride = static_cast<std::size_t>(t.stride);
    const std::size_t mask = (std::size_t{1} << t.slot_bits) - 1;
    // Grams that pass the filter are mostly real (common grams of short items), and each
    // lookup misses the cache twice (slot, postings): collect a batch prefetching the
    // slots, find them prefetching the postings, then verify.
    constexpr int kBatch = 32;
    std::size_t cand_at[kBatch];
    u64 cand_h[kBatch];
    const WindowTable::Slot* cand_slot[kBatch];
    int nc = 0;
    auto run_batch = [&] {
        for (int i = 0; i < nc; ++i) {
            cand_slot[i] = find_slot(t, cand_h[i]);
            if (cand_slot[i]) __builtin_prefetch(t.entries.data() + cand_slot[i]->begin);
        }
        for (int i = 0; i < nc; ++i)
            if (cand_slot[i]) verify<W>(t, *cand_slot[i], doc, len, cand_at[i], id, out);
        nc = 0;
    };
    // The filter is larger than L1 for big benchmarks: hash a run of positions first,
    // prefetching their filter words, then test them.
    constexpr std::size_t kRun = 64;
    u64 run_h[kRun];
    for (std::size_t at0 = 0; at0 + Q <= len; at0 += kRun * stride) {
        std::size_t n_run = 0;
        for (std::size_t at = at0; n_run < kRun && at + Q <= len; at += stride, ++n_run) {
            u64 x[4];
            if (at + kRead <= len)
                std::memcpy(x, doc + at, kRead);
            else
                load_words(doc + at, len - at, x);
            run_h[n_run] = window_prehash(x, Q);
            __builtin_prefetch(t.filter_word(run_h[n_run]));
        }
        for (std::size_t r = 0; r < n_run; ++r) {
            if (!t.maybe(run_h[r])) continue;
            const u64 h = finish_hash(run_h[r]);
            __builtin_prefetch(&t.slots[(h >> 7) & mask]);
            cand_at[nc] = at0 + r * stride;
            cand_h[nc] = h;
            if (++nc == kBatch) run_batch();
        }
    }
    run_batch();
}

void ItemMatcher::scan_document(const u8* doc, std::size_t len, i64 id, std::vector<Hit>& out) const {
    const std::size_t start = out.size();
    for (const WindowTable& t : tables_) {
        switch (t.w) {  // every window length (a power of two up to kMaxKeyWindow)
            case 1: scan_table<1>(t, doc, len, id, out); break;
            case 2: scan_table<2>(t, doc, len, id, out); break;
            case 4: scan_table<4>(t, doc, len, id, out); break;
            case 8: scan_table<8>(t, doc, len, id, out); break;
            case 16: scan_table<16>(t, doc, len, id, out); break;
            case 32: scan_table<32>(t, doc, len, id, out); break;
            default: throw std::logic_error("ItemMatcher: no scan for this window length");
        }
    }
    // Keep one hit per key for this document (the longest, then the first), so a block's
    // hits stay within n_keys per document however often a window repeats.
    if (out.size() - start > 1) {
        auto first = out.begin() + static_cast<std::ptrdiff_t>(start);
        std::sort(first, out.end(), [](const Hit& a, const Hit& b) {
            if (a.key != b.key) return a.key < b.key;
            if (a.len != b.len) return a.len > b.len;
            return a.off < b.off;
        });
        out.erase(std::unique(first, out.end(), [](const Hit& a, const Hit& b) { return a.key == b.key; }), out.end());
    }
}

void ItemMatcher::add_doc(std::size_t key, i64 doc) {
    i64* row = docs_.data() + key * static_cast<std::size_t>(max_docs_);
    // Keep the max_docs smallest distinct ids, ascending, -1 padded.
    int n = 0;
    while (n < max_docs_ && row[n] >= 0) ++n;
    int at = static_cast<int>(std::lower_bound(row, row + n, doc) - row);
    if (at < n && row[at] == doc) return;
    if (at == max_docs_) return;
    const int keep = std::min(n, max_docs_ - 1);
    for (int j = keep; j > at; --j) row[j] = row[j - 1];
    row[at] = doc;
}

void ItemMatcher::update(std::size_t key, i64 len, i64 doc, i64 off) {
    if (len < best_len_[key]) return;
    if (len > best_len_[key]) {
        best_len_[key] = len;
        first_doc_[key] = doc;
        first_off_[key] = off;
        std::fill_n(docs_.begin() + static_cast<std::ptrdiff_t>(key * static_cast<std::size_t>(max_docs_)), max_docs_,
                    i64{-1});
    } else if (doc < first_doc_[key] || (doc == first_doc_[key] && off < first_off_[key])) {
        first_doc_[key] = doc;
        first_off_[key] = off;
    }
    add_doc(key, doc);
}

void ItemMatcher::fold(ArrayView<const u8> docs, ArrayView<const i64> doc_offsets, i64 base, int threads) {
    SEENIT_CHECK(base >= 0, std::invalid_argument, "base must be >= 0, got ", base);
    const std::size_t n_docs = doc_offsets.size == 0 ? 0 : doc_offsets.size - 1;
    if (n_docs == 0 || key_pos_.empty()) return;
    const int nt = threads > 0 ? threads : num_threads();
    // Each chunk of documents records its hits; folding them afterwards in chunk order
    // keeps the state independent of the split (update is order-independent anyway).
    const std::size_t chunk = 16;
    const std::size_t n_chunks = (n_docs + chunk - 1) / chunk;
    std::vector<std::vector<Hit>> hits(n_chunks);
    parallel_for_dynamic(
        n_chunks, 1,
        [&](std::size_t c0, std::size_t c1, int) {
            for (std::size_t c = c0; c < c1; ++c) {
                const std::size_t d1 = std::min(n_docs, (c + 1) * chunk);
                for (std::size_t d = c * chunk; d < d1; ++d) {
                    const i64 a = doc_offsets[d], b = doc_offsets[d + 1];
                    scan_document(docs.data + a, static_cast<std::size_t>(b - a), base + static_cast<i64>(d), hits[c]);
                }
            }
        },
        nt);
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& hs : hits)
        for (const Hit& h : hs) update(h.key, h.len, h.doc, h.off);
}

ItemMatcher::State ItemMatcher::state() const {
    std::lock_guard<std::mutex> lock(mu_);
    return {best_len_, first_doc_, first_off_, docs_};
}

void ItemMatcher::merge(ArrayView<const i64> best_len, ArrayView<const i64> first_doc, ArrayView<const i64> first_off,
                        ArrayView<const i64> docs) {
    const std::size_t n = key_pos_.size();
    const std::size_t md = static_cast<std::size_t>(max_docs_);
    SEENIT_CHECK(best_len.size == n && first_doc.size == n && first_off.size == n && docs.size == n * md,
                 std::invalid_argument, "a state for ", n, " keys and max_docs ", max_docs_,
                 " has arrays of ", n, ", ", n, ", ", n, " and ", n * md, " entries; got ", best_len.size, ", ",
                 first_doc.size, ", ", first_off.size, " and ", docs.size);
    for (std::size_t k = 0; k < n; ++k) {
        const i64 L = best_len[k];
        SEENIT_CHECK(L >= 0 && L <= key_end_[k] - key_pos_[k], std::invalid_argument, "best_len[", k, "] = ", L,
                     " is not a match length of key ", k);
        if (L == 0) continue;
        SEENIT_CHECK(first_doc[k] >= 0 && first_off[k] >= 0, std::invalid_argument, "key ", k,
                     " has a match but no first occurrence");
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t k = 0; k < n; ++k) {
        const i64 L = best_len[k];
        if (L == 0 || L < best_len_[k]) continue;
        update(k, L, first_doc[k], first_off[k]);
        for (std::size_t j = 0; j < md; ++j) {
            const i64 d = docs[k * md + j];
            if (d >= 0) add_doc(k, d);
        }
    }
}

}  // namespace seenit
