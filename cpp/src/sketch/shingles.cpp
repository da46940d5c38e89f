// Shingle hash sets (sorted, unique) and exact Jaccard on them: the exact
// verification step behind near_duplicates(verify="exact").
#include "seenit/shingles.hpp"

#include <algorithm>
#include <cstring>

#include "seenit/cpu.hpp"
#include "seenit/hashing.hpp"
#include "seenit/parallel.hpp"
#include "seenit/utf8.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define SEENIT_X86 1
#endif

namespace seenit {

void LowerTable::build(const u32* k, std::size_t n, const u32* offsets, const u8* data) {
    bmp.assign(65536, -1);
    keys.assign(k, k + n);
    off.assign(offsets, offsets + n + 1);
    bytes.assign(reinterpret_cast<const char*>(data), n ? offsets[n] : 0);
    for (std::size_t e = 0; e < n; ++e) {
        SEENIT_CHECK(e == 0 || k[e] > k[e - 1], std::invalid_argument, "lower table keys must be increasing");
        SEENIT_CHECK(offsets[e] <= offsets[e + 1], std::invalid_argument, "lower table offsets must be non-decreasing");
        if (k[e] < 65536) bmp[k[e]] = static_cast<i32>(e);
    }
}

i32 LowerTable::find(u32 c) const {
    if (c < 65536) return bmp[c];
    auto it = std::lower_bound(keys.begin(), keys.end(), c);
    return (it != keys.end() && *it == c) ? static_cast<i32>(it - keys.begin()) : -1;
}

namespace {
// Output buffer written through a raw pointer: room for `slack` more bytes is made
// before each write, so the hot loop does no per-byte capacity checks.
struct Utf8Out {
    std::string& s;
    std::size_t base;
    char* o;
    char* lim;
    Utf8Out(std::string& str, std::size_t want) : s(str), base(str.size()) {
        s.resize(base + want);
        o = s.data() + base;
        lim = s.data() + s.size();
    }
    void room(std::size_t k) {
        if (static_cast<std::size_t>(lim - o) >= k) return;
        const std::size_t used = static_cast<std::size_t>(o - s.data());
        s.resize(2 * s.size() + k);
        o = s.data() + used;
        lim = s.data() + s.size();
    }
    void finish() { s.resize(static_cast<std::size_t>(o - s.data())); }
};

// One code unit >= 0x80 (lone surrogate, table lower-casing or plain encoding).
inline void put_non_ascii(u32 c, bool lowercase, const LowerTable* table, bool replace, std::size_t d, Utf8Out& w) {
    if (c >= 0xD800 && c <= 0xDFFF) {
        SEENIT_CHECK(replace, std::invalid_argument, "docs[", d,
                     "] cannot be encoded as UTF-8 (it contains a lone surrogate); pass errors='replace' to "
                     "substitute '?'");
        w.room(1);
        *w.o++ = '?';
        return;
    }
    if (lowercase && table) {
        const i32 e = table->find(c);
        if (e >= 0) {
            const std::size_t k = table->off[e + 1] - table->off[e];
            w.room(k);
            std::memcpy(w.o, table->bytes.data() + table->off[e], k);
            w.o += k;
            return;
        }
    }
    w.room(4);
    w.o = utf8_encode(c, w.o);
}

// Encodes code units [i, n) one at a time (the portable path and the tails).
template <class T>
void encode_scalar(const T* p, std::size_t i, std::size_t n, bool lowercase, const LowerTable* table, bool replace,
                   std::size_t d, Utf8Out& w) {
    for (; i < n; ++i) {
        u32 c = static_cast<u32>(p[i]);
        if (c < 0x80) {
            if (lowercase && c - 'A' < 26U) c += 32;
            w.room(1);
            *w.o++ = static_cast<char>(c);
        } else {
            put_non_ascii(c, lowercase, table, replace, d, w);
        }
    }
}

#ifdef SEENIT_X86
// ASCII bytes in v lower-cased (A-Z + 32) when `lowercase`.
__attribute__((target("avx2"))) inline __m256i lower_ascii_avx2(__m256i v, bool lowercase) {
    if (!lowercase) return v;
    const __m256i t = _mm256_sub_epi8(v, _mm256_set1_epi8('A'));
    const __m256i up = _mm256_cmpeq_epi8(_mm256_min_epu8(t, _mm256_set1_epi8(25)), t);
    return _mm256_add_epi8(v, _mm256_and_si256(up, _mm256_set1_epi8(0x20)));
}

// 32 code units at a time: an all-ASCII block (the common case even in non-ASCII
// documents) is narrowed, lower-cased and stored with a few vector instructions;
// a block with a non-ASCII unit is encoded one unit at a time.
template <class T>
__attribute__((target("avx2"))) void encode_avx2(const T* p, std::size_t n, bool lowercase, const LowerTable* table,
                                                 bool replace, std::size_t d, Utf8Out& w) {
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i v;
        bool ascii;
        if constexpr (sizeof(T) == 1) {
            v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
            ascii = _mm256_movemask_epi8(v) == 0;
        } else if constexpr (sizeof(T) == 2) {
            const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
            const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 16));
            ascii = _mm256_testz_si256(_mm256_or_si256(a, b), _mm256_set1_epi16(static_cast<short>(0xFF80)));
            v = _mm256_permute4x64_epi64(_mm256_packus_epi16(a, b), 0xD8);
        } else {
            const __m256i m = _mm256_set1_epi32(static_cast<int>(0xFFFFFF80u));
            const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
            const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 8));
            const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 16));
            const __m256i e = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 24));
            ascii = _mm256_testz_si256(_mm256_or_si256(_mm256_or_si256(a, b), _mm256_or_si256(c, e)), m);
            const __m256i ab = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xD8);
            const __m256i ce = _mm256_permute4x64_epi64(_mm256_packus_epi32(c, e), 0xD8);
            v = _mm256_permute4x64_epi64(_mm256_packus_epi16(ab, ce), 0xD8);
        }
        if (ascii) {
            w.room(32);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(w.o), lower_ascii_avx2(v, lowercase));
            w.o += 32;
        } else {
            encode_scalar(p, i, i + 32, lowercase, table, replace, d, w);
        }
    }
    encode_scalar(p, i, n, lowercase, table, replace, d, w);
}
#endif

template <class T>
void ucs_to_utf8_t(const T* p, std::size_t n, bool lowercase, const LowerTable* table, bool replace, std::size_t d,
                   std::string& out) {
    Utf8Out w(out, n + n / 2 + 64);
#ifdef SEENIT_X86
    if (cpu_features().avx2) {
        encode_avx2(p, n, lowercase, table, replace, d, w);
        w.finish();
        return;
    }
#endif
    encode_scalar(p, 0, n, lowercase, table, replace, d, w);
    w.finish();
}
}  // namespace

bool utf8_to_utf8(const u8* p, std::size_t n, bool lowercase, const LowerTable* table, bool replace, std::size_t d,
                  std::string& out) {
    Utf8Out w(out, n + n / 2 + 64);
    bool sigma = false;
    std::size_t i = 0;
    while (i < n) {
        std::size_t j = i;  // an ASCII run, copied (and lower-cased) in one loop that vectorizes
        while (j < n && p[j] < 0x80) ++j;
        w.room(j - i);
        for (; i < j; ++i) {
            const u8 c = p[i];
            *w.o++ = static_cast<char>(lowercase ? c + ((static_cast<u8>(c - 'A') < 26) << 5) : c);
        }
        if (i == n) break;
        u32 c;
        const std::size_t len = utf8_decode(p, i, n, c);
        SEENIT_CHECK(len != 0, std::invalid_argument, "docs[", d, "] is not valid UTF-8 (byte ", i, ")");
        sigma |= c == 0x3A3;
        put_non_ascii(c, lowercase, table, replace, d, w);
        i += len;
    }
    w.finish();
    return sigma;
}

void ucs_to_utf8(const void* data, int kind, std::size_t n, bool lowercase, const LowerTable* table, bool replace,
                 std::size_t d, std::string& out) {
    switch (kind) {
        case 1: ucs_to_utf8_t(static_cast<const u8*>(data), n, lowercase, table, replace, d, out); break;
        case 2: ucs_to_utf8_t(static_cast<const u16*>(data), n, lowercase, table, replace, d, out); break;
        case 4: ucs_to_utf8_t(static_cast<const u32*>(data), n, lowercase, table, replace, d, out); break;
        default: SEENIT_CHECK(false, std::invalid_argument, "text kind must be 1, 2 or 4, got ", kind);
    }
}

namespace {

void split_words_scalar(const u8* text, std::size_t len, std::vector<std::size_t>& starts,
                        std::vector<std::size_t>& ends) {
    const u8* end = text + len;
    const u8* cls = kByteClasses.cls;
    std::size_t i = 0;
    while (i < len) {
        std::size_t wl = cls[text[i]] == 0 ? 0 : whitespace_len(text + i, end);
        if (wl) {
            i += wl;
            continue;
        }
        std::size_t b = i++;
        for (;;) {
            while (i < len && cls[text[i]] == 0) ++i;
            if (i >= len || whitespace_len(text + i, end)) break;
            ++i;  // a lead byte that does not start whitespace
        }
        starts.push_back(b);
        ends.push_back(i);
    }
}

#ifdef SEENIT_X86
// 64 bytes at a time: SIMD masks of ASCII whitespace and of lead bytes that may start
// multi-byte whitespace (resolved one by one), then word starts/ends from bit transitions.
__attribute__((target("avx2,bmi"))) u64 ws_masks_avx2(const u8* p, u64& cand) {
    u64 ws = 0;
    cand = 0;
    for (int h = 0; h < 2; ++h) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * h));
        const __m256i t1 = _mm256_sub_epi8(v, _mm256_set1_epi8(0x09));
        const __m256i t2 = _mm256_sub_epi8(v, _mm256_set1_epi8(0x1C));
        const __m256i t3 = _mm256_sub_epi8(v, _mm256_set1_epi8(static_cast<char>(0xE1)));
        __m256i w = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x20));
        w = _mm256_or_si256(w, _mm256_cmpeq_epi8(_mm256_min_epu8(t1, _mm256_set1_epi8(4)), t1));
        w = _mm256_or_si256(w, _mm256_cmpeq_epi8(_mm256_min_epu8(t2, _mm256_set1_epi8(3)), t2));
        __m256i c = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(static_cast<char>(0xC2)));
        c = _mm256_or_si256(c, _mm256_cmpeq_epi8(_mm256_min_epu8(t3, _mm256_set1_epi8(2)), t3));
        ws |= static_cast<u64>(static_cast<u32>(_mm256_movemask_epi8(w))) << (32 * h);
        cand |= static_cast<u64>(static_cast<u32>(_mm256_movemask_epi8(c))) << (32 * h);
    }
    return ws;
}

__attribute__((target("avx2,bmi"))) void split_words_avx2(const u8* text, std::size_t len,
                                                         std::vector<std::size_t>& starts,
                                                         std::vector<std::size_t>& ends) {
    const u8* end = text + len;
    const u8* cls = kByteClasses.cls;
    bool in_word = false;
    std::size_t word_start = 0;
    u64 carry = 0;  // whitespace bytes spilling over from a multi-byte sequence in the previous block
    for (std::size_t i = 0; i < len; i += 64) {
        const std::size_t n = len - i < 64 ? len - i : 64;
        u64 ws = 0, cand = 0;
        if (n == 64) {
            ws = ws_masks_avx2(text + i, cand);
        } else {
            for (std::size_t b = 0; b < n; ++b) {
                u8 c = cls[text[i + b]];
                if (c == 1) ws |= 1ULL << b;
                else if (c == 2) cand |= 1ULL << b;
            }
        }
        ws |= carry;
        carry = 0;
        while (cand) {
            const unsigned b = static_cast<unsigned>(__builtin_ctzll(cand));
            cand &= cand - 1;
            const std::size_t wl = whitespace_len(text + i + b, end);
            for (std::size_t q = b; q < b + wl; ++q) {
                if (q < 64) ws |= 1ULL << q;
                else carry |= 1ULL << (q - 64);
            }
        }
        const u64 valid = n == 64 ? ~0ULL : ((1ULL << n) - 1);
        const u64 word = ~ws & valid;
        const u64 prev = (word << 1) | (in_word ? 1ULL : 0ULL);
        const u64 st = word & ~prev;
        const u64 en = ~word & valid & prev;
        u64 ev = st | en;
        while (ev) {
            const unsigned b = static_cast<unsigned>(__builtin_ctzll(ev));
            ev &= ev - 1;
            if ((st >> b) & 1ULL) {
                word_start = i + b;
            } else {
                starts.push_back(word_start);
                ends.push_back(i + b);
            }
        }
        in_word = (word >> (n - 1)) & 1ULL;
    }
    if (in_word) {
        starts.push_back(word_start);
        ends.push_back(len);
    }
}
#endif

}  // namespace

void split_words(const u8* text, std::size_t len, std::vector<std::size_t>& starts, std::vector<std::size_t>& ends,
                 bool simd) {
#ifdef SEENIT_X86
    if (simd && cpu_features().avx2) {
        split_words_avx2(text, len, starts, ends);
        return;
    }
#endif
    (void)simd;
    split_words_scalar(text, len, starts, ends);
}

std::size_t doc_chunk(std::size_t n_docs) {
    std::size_t per = n_docs / (static_cast<std::size_t>(num_threads()) * 256);
    return per < 1 ? 1 : (per > 16 ? 16 : per);
}

RaggedU64 shingle_hashes(const Docs& docs, std::size_t ngram, bool lowercase) {
    SEENIT_CHECK(ngram >= 1, std::invalid_argument, "ngram must be >= 1, got ", ngram);
    std::vector<std::vector<u64>> per_doc(docs.n);
    parallel_for_dynamic(docs.n, doc_chunk(docs.n), [&](std::size_t b, std::size_t e, int) {
        ShingleScratch scratch;
        for (std::size_t d = b; d < e; ++d) {
            auto& v = per_doc[d];
            for_each_shingle(docs, d, ngram, lowercase, scratch,
                             [&](const u8* p, std::size_t n, bool padded) { v.push_back(hashing::hash64_shingle(p, n, padded)); });
            std::sort(v.begin(), v.end());
            v.erase(std::unique(v.begin(), v.end()), v.end());
        }
    });
    RaggedU64 out;
    out.offsets.resize(docs.n + 1);
    out.offsets[0] = 0;
    for (std::size_t d = 0; d < docs.n; ++d) out.offsets[d + 1] = out.offsets[d] + static_cast<i64>(per_doc[d].size());
    out.values.resize(static_cast<std::size_t>(out.offsets[docs.n]));
    parallel_for(docs.n, 256, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t d = b; d < e; ++d) {
            std::copy(per_doc[d].begin(), per_doc[d].end(), out.values.begin() + out.offsets[d]);
            std::vector<u64>().swap(per_doc[d]);
        }
    });
    return out;
}

void jaccard_exact_pairs(ArrayView<const u64> values, ArrayView<const i64> offsets, MatrixView<const i64> pairs,
                         ArrayView<double> out) {
    SEENIT_CHECK(pairs.cols == 2, std::invalid_argument, "pairs must have shape (m, 2), got (", pairs.rows, ", ",
                 pairs.cols, ")");
    SEENIT_CHECK(out.size == pairs.rows, std::invalid_argument, "out has ", out.size, " entries for ", pairs.rows,
                 " pairs");
    SEENIT_CHECK(offsets.size >= 1, std::invalid_argument, "offsets must have n + 1 >= 1 entries");
    const i64 n = static_cast<i64>(offsets.size - 1);
    for (std::size_t r = 0; r < pairs.rows; ++r)
        for (int c = 0; c < 2; ++c) {
            i64 v = pairs.row(r)[c];
            SEENIT_CHECK(v >= 0 && v < n, std::invalid_argument, "pairs[", r, ", ", c, "] = ", v,
                         " is not a document index in 0..", n - 1);
        }
    parallel_for(pairs.rows, 1024, [&](std::size_t b, std::size_t e, int) {
        for (std::size_t r = b; r < e; ++r) {
            const i64 i = pairs.row(r)[0], j = pairs.row(r)[1];
            const u64 *a = values.data + offsets[i], *ae = values.data + offsets[i + 1];
            const u64 *c = values.data + offsets[j], *ce = values.data + offsets[j + 1];
            std::size_t na = static_cast<std::size_t>(ae - a), nc = static_cast<std::size_t>(ce - c), inter = 0;
            while (a < ae && c < ce) {
                if (*a < *c) ++a;
                else if (*c < *a) ++c;
                else { ++inter; ++a; ++c; }
            }
            std::size_t uni = na + nc - inter;
            out[r] = uni == 0 ? 0.0 : static_cast<double>(inter) / static_cast<double>(uni);
        }
    });
}

}  // namespace seenit
