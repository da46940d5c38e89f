// Streaming n-gram contamination: benchmark items are indexed, the corpus streams past.
//
// The items (normalised UTF-8 bytes, joined, with CSR offsets) are the small side. A
// *key* is a position in an item (a unit start) and a window length w (a power of two,
// 1..32): the item bytes [pos, pos + w). Every window of every corpus document is hashed
// and looked up; a hit is verified byte by byte and extended to the right as far as the
// item and the document agree. So for each key the matcher knows, over all documents
// folded in so far:
//   best_len  - the longest prefix of item[pos:] (within its item) found in a document,
//               exactly, whenever that length is >= w (0 when no window matched);
//   first_doc, first_off - the smallest (document, offset) where that longest prefix occurs;
//   docs      - the max_docs smallest document ids that contain it (ascending, -1 padded).
// These equal the suffix-array path's matching statistics at the key positions
// (ngram_prefix_lengths) wherever they are >= w, and its locate() of the longest match:
// a document contains item[pos : pos + L] iff some window at pos matched there with an
// extension >= L. Matches never cross documents (each document is matched on its own).
//
// State is order-independent: folding documents in any order, or merging the states of
// disjoint document sets (merge), gives the same result. fold() runs over
// seenit::parallel_for_dynamic; results never depend on the thread count.
#pragma once

#include <mutex>
#include <vector>

#include "seenit/common.hpp"

namespace seenit {

// Widest key window in bytes; windows are powers of two up to it.
constexpr int kMaxKeyWindow = 32;

class ItemMatcher {
public:
    // items/item_offsets: the ragged item bytes. key_pos: global positions into items;
    // key_item: the item each key lies in (key_pos within it); key_window: w per key
    // (power of two <= kMaxKeyWindow, key_pos + w <= the item's end). Throws
    // std::invalid_argument on inconsistent input.
    ItemMatcher(ArrayView<const u8> items, ArrayView<const i64> item_offsets, ArrayView<const i64> key_pos,
                ArrayView<const i64> key_item, ArrayView<const i32> key_window, int max_docs);

    std::size_t n_keys() const { return key_pos_.size(); }
    int max_docs() const { return max_docs_; }

    // Fold documents (ragged bytes; document j has id base + j) into the state.
    void fold(ArrayView<const u8> docs, ArrayView<const i64> doc_offsets, i64 base, int threads = 0);

    // The state, per key (docs row-major n_keys x max_docs).
    struct State {
        std::vector<i64> best_len, first_doc, first_off, docs;
    };
    State state() const;
    // Merge another state over the same keys (e.g. from another slice of the corpus).
    void merge(ArrayView<const i64> best_len, ArrayView<const i64> first_doc, ArrayView<const i64> first_off,
               ArrayView<const i64> docs);

private:
    struct Hit {
        u32 key;
        i64 len, doc, off;
    };
    void scan_document(const u8* doc, std::size_t len, i64 id, std::vector<Hit>& out) const;
    struct WindowTable;
    template <int W>  // the table's window length
    void scan_table(const WindowTable& t, const u8* doc, std::size_t len, i64 id, std::vector<Hit>& out) const;
    void update(std::size_t key, i64 len, i64 doc, i64 off);  // caller holds mu_
    void add_doc(std::size_t key, i64 doc);

    std::vector<u8> items_;
    std::vector<i64> key_pos_, key_end_;
    std::vector<i32> key_window_;
    int max_docs_;
    // One lookup table per window length w present. A key's window is found through the
    // q-byte grams inside it (q < w, see gram_length): every stride-th document position
    // (stride = w - q + 1) is hashed and looked up, which meets every occurrence of the
    // window (its w - q + 1 gram positions span a full stride). An entry is (key, the
    // gram's shift within the key's window).
    struct WindowTable {
        int w = 0, q = 0, stride = 0;
        int filter_bits = 0;
        std::vector<u64> filter;  // bit filter on the gram's prehash (small enough to stay in cache)
        // A gram's slot and its postings each sit in one place (one cache miss per
        // lookup, not one per field): most lookups that pass the filter are real grams.
        struct Slot {
            u64 hash;  // 0 = empty (hashes are never 0)
            u32 begin, count;  // range in entries
        };
        struct Entry {
            // Hash of the key's whole window: a common gram (" of the ") has long postings,
            // and comparing this with the document's window at the entry's shift rejects
            // almost all of them without touching the item bytes.
            u64 window_hash;
            u32 key;
            u32 shift;
        };
        int slot_bits = 0;
        std::vector<Slot> slots;  // open addressing
        std::vector<Entry> entries;
        // Two bits per gram in one filter word (a blocked Bloom filter: one memory access):
        // the prehash's top filter_bits bits pick the word and the first bit, the next six
        // the second. At 16 bits per gram about 1.5% of absent grams pass, against 6% with one.
        u64 filter_mask(u64 h) const {
            return (u64{1} << ((h >> (64 - filter_bits)) & 63)) | (u64{1} << ((h >> (58 - filter_bits)) & 63));
        }
        bool maybe(u64 h) const {
            const u64 m = filter_mask(h);
            return (*filter_word(h) & m) == m;
        }
        const u64* filter_word(u64 h) const { return filter.data() + ((h >> (64 - filter_bits)) >> 6); }
    };
    // The slot of gram hash h (nullptr if the gram is no key's), then the keys' windows
    // through it checked against the document at `at` (hits appended to out).
    static const WindowTable::Slot* find_slot(const WindowTable& t, u64 h);
    template <int W>
    void verify(const WindowTable& t, const WindowTable::Slot& slot, const u8* doc, std::size_t len, std::size_t at,
                i64 id, std::vector<Hit>& out) const;
    std::vector<WindowTable> tables_;  // ascending window
    // State (guarded by mu_ for concurrent fold/merge/state calls).
    mutable std::mutex mu_;
    std::vector<i64> best_len_, first_doc_, first_off_, docs_;
};

}  // namespace seenit
