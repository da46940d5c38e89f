// Shingle hash sets (sorted, unique) and exact Jaccard on them: the exact
// verification step behind near_duplicates(verify="exact").
#include "seenit/shingles.hpp"

#include <algorithm>

#include "seenit/hashing.hpp"
#include "seenit/parallel.hpp"

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
inline void put_utf8(u32 c, std::string& out) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

template <class T>
void ucs_to_utf8_t(const T* p, std::size_t n, bool lowercase, const LowerTable* table, bool replace, std::size_t d,
                   std::string& out) {
    out.reserve(out.size() + n * (sizeof(T) == 1 ? 2 : 3));
    for (std::size_t i = 0; i < n; ++i) {
        u32 c = static_cast<u32>(p[i]);
        if (c < 0x80) {
            if (lowercase && c - 'A' < 26U) c += 32;
            out.push_back(static_cast<char>(c));
            continue;
        }
        if (c >= 0xD800 && c <= 0xDFFF) {
            SEENIT_CHECK(replace, std::invalid_argument, "docs[", d,
                         "] cannot be encoded as UTF-8 (it contains a lone surrogate); pass errors='replace' to "
                         "substitute '?'");
            out.push_back('?');
            continue;
        }
        if (lowercase && table) {
            i32 e = table->find(c);
            if (e >= 0) {
                out.append(table->bytes, table->off[e], table->off[e + 1] - table->off[e]);
                continue;
            }
        }
        put_utf8(c, out);
    }
}
}  // namespace

void ucs_to_utf8(const void* data, int kind, std::size_t n, bool lowercase, const LowerTable* table, bool replace,
                 std::size_t d, std::string& out) {
    switch (kind) {
        case 1: ucs_to_utf8_t(static_cast<const u8*>(data), n, lowercase, table, replace, d, out); break;
        case 2: ucs_to_utf8_t(static_cast<const u16*>(data), n, lowercase, table, replace, d, out); break;
        case 4: ucs_to_utf8_t(static_cast<const u32*>(data), n, lowercase, table, replace, d, out); break;
        default: SEENIT_CHECK(false, std::invalid_argument, "text kind must be 1, 2 or 4, got ", kind);
    }
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
                             [&](const u8* p, std::size_t n) { v.push_back(hashing::hash64(p, n)); });
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
