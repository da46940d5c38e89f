#include "seenit/dedup_ooc.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <stdexcept>
#include <utility>

#include "seenit/lsh.hpp"
#include "seenit/parallel.hpp"

#ifndef _WIN32
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace seenit {
namespace {

static_assert(sizeof(BandEntry) == 24 && sizeof(EdgeRecord) == 24 && sizeof(ClusterRecord) == 24, "record layout");

// Comparators as types, so the sorts and merges inline them.
struct BandLess {
    bool operator()(const BandEntry& a, const BandEntry& b) const {
        if (a.band != b.band) return a.band < b.band;
        if (a.key != b.key) return a.key < b.key;
        return a.id < b.id;
    }
};
struct EdgeLess {
    bool operator()(const EdgeRecord& a, const EdgeRecord& b) const { return a.i < b.i || (a.i == b.i && a.j < b.j); }
};
constexpr BandLess band_less{};
constexpr EdgeLess edge_less{};
bool same_edge(const EdgeRecord& a, const EdgeRecord& b) { return a.i == b.i && a.j == b.j; }

[[noreturn]] void io_error(const char* what, const std::string& path) {
    throw FileError(detail::concat(what, " ", path, ": ", std::strerror(errno)));
}

// Buffered writer of fixed-size records to path + ".tmp", renamed to path by commit();
// destroyed uncommitted (an exception), it removes the temporary file. Not fsynced: scratch
// files are trusted only through the checksums the work directory records (a file torn by a
// power cut fails them and its stage runs again), and an fsync per run cost more than the sort.
template <class Rec>
class RecordWriter {
public:
    RecordWriter(std::string path, std::size_t buffer_bytes) : path_(std::move(path)), tmp_(path_ + ".tmp") {
        fh_ = std::fopen(tmp_.c_str(), "wb");
        if (!fh_) io_error("cannot create", tmp_);
        buf_.reserve(std::max<std::size_t>(1, buffer_bytes / sizeof(Rec)));
    }
    RecordWriter(const RecordWriter&) = delete;
    RecordWriter& operator=(const RecordWriter&) = delete;
    ~RecordWriter() {
        if (fh_) {
            std::fclose(fh_);
            std::remove(tmp_.c_str());
        }
    }
    void put(const Rec& r) {
        buf_.push_back(r);
        ++count_;
        if (buf_.size() == buf_.capacity()) flush();
    }
    u64 count() const { return count_; }
    void commit() {
        flush();
        if (std::fflush(fh_) != 0) io_error("cannot write", tmp_);
        FILE* f = fh_;
        fh_ = nullptr;
        if (std::fclose(f) != 0) {
            std::remove(tmp_.c_str());
            io_error("cannot write", tmp_);
        }
        if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
            std::remove(tmp_.c_str());
            io_error("cannot rename to", path_);
        }
    }

private:
    void flush() {
        if (!buf_.empty() && std::fwrite(buf_.data(), sizeof(Rec), buf_.size(), fh_) != buf_.size())
            io_error("cannot write", tmp_);
        buf_.clear();
    }
    std::string path_, tmp_;
    FILE* fh_ = nullptr;
    std::vector<Rec> buf_;
    u64 count_ = 0;
};

// Buffered reader of fixed-size records; a file that is not a whole number of records is refused.
template <class Rec>
class RecordReader {
public:
    RecordReader(const std::string& path, std::size_t buffer_bytes) : path_(path) {
        fh_ = std::fopen(path.c_str(), "rb");
        if (!fh_) io_error("cannot open", path);
        if (std::fseek(fh_, 0, SEEK_END) != 0) io_error("cannot read", path);
        long size = std::ftell(fh_);
        std::rewind(fh_);
        if (size < 0 || static_cast<std::size_t>(size) % sizeof(Rec) != 0)
            throw std::invalid_argument(detail::concat(path, ": ", size, " bytes is not a whole number of ",
                                                    sizeof(Rec), "-byte records (a damaged scratch file)"));
        buf_.resize(std::max<std::size_t>(1, buffer_bytes / sizeof(Rec)));
    }
    RecordReader(const RecordReader&) = delete;
    RecordReader& operator=(const RecordReader&) = delete;
    ~RecordReader() {
        if (fh_) std::fclose(fh_);
    }
    // The next record, or false at the end.
    bool next(Rec& out) {
        if (pos_ == len_) {
            len_ = std::fread(buf_.data(), sizeof(Rec), buf_.size(), fh_);
            pos_ = 0;
            if (len_ == 0) {
                if (std::ferror(fh_)) io_error("cannot read", path_);
                return false;
            }
        }
        out = buf_[pos_++];
        return true;
    }

private:
    std::string path_;
    FILE* fh_ = nullptr;
    std::vector<Rec> buf_;
    std::size_t pos_ = 0, len_ = 0;
};

// k-way merge of sorted record files, in `less` order (ties: the earlier file first).
template <class Rec, class Less>
class Merger {
public:
    Merger(const std::vector<std::string>& paths, std::size_t buffer_bytes) : heap_(HeapLess{this}) {
        readers_.reserve(paths.size());
        heads_.resize(paths.size());
        for (std::size_t r = 0; r < paths.size(); ++r) {
            readers_.push_back(std::make_unique<RecordReader<Rec>>(paths[r], buffer_bytes));
            if (readers_[r]->next(heads_[r])) heap_.push(r);
        }
    }
    bool next(Rec& out) {
        if (heap_.empty()) return false;
        std::size_t r = heap_.top();
        heap_.pop();
        out = heads_[r];
        if (readers_[r]->next(heads_[r])) heap_.push(r);
        return true;
    }

private:
    struct HeapLess {
        Merger* m;
        bool operator()(std::size_t a, std::size_t b) const {  // a max-heap: "a after b"
            if (m->less_(m->heads_[b], m->heads_[a])) return true;
            if (m->less_(m->heads_[a], m->heads_[b])) return false;
            return a > b;
        }
    };
    Less less_{};
    std::vector<std::unique_ptr<RecordReader<Rec>>> readers_;
    std::vector<Rec> heads_;
    std::priority_queue<std::size_t, std::vector<std::size_t>, HeapLess> heap_;
};

// A file mapped into memory (the union-find parents, when they do not fit the budget). drop()
// returns its resident pages to the page cache, so they stop counting in this process's RSS.
class MappedFile {
public:
    MappedFile(const std::string& path, std::size_t bytes, bool writable) : bytes_(bytes) {
#ifdef _WIN32
        (void)path;
        (void)writable;
        throw FileError("out-of-core dedup needs mmap (Linux or macOS)");
#else
        if (bytes == 0) return;
        fd_ = ::open(path.c_str(), writable ? O_RDWR : O_RDONLY);
        if (fd_ < 0) io_error("cannot open", path);
        struct stat st {};
        if (::fstat(fd_, &st) != 0) io_error("cannot stat", path);
        SEENIT_CHECK(static_cast<std::size_t>(st.st_size) >= bytes, std::invalid_argument, path, " holds ", st.st_size,
                     " bytes, expected ", bytes, " (a damaged scratch file)");
        void* p = ::mmap(nullptr, bytes, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd_, 0);
        if (p == MAP_FAILED) io_error("cannot map", path);
        data_ = static_cast<char*>(p);
        ::madvise(data_, bytes_, MADV_RANDOM);
#endif
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile() {
#ifndef _WIN32
        if (data_) ::munmap(data_, bytes_);
        if (fd_ >= 0) ::close(fd_);
#endif
    }
    char* data() const { return data_; }
    void drop() {
#ifndef _WIN32
        // A shared file mapping keeps written data in the page cache; only the mapping goes.
        if (data_) ::madvise(data_, bytes_, MADV_DONTNEED);
#endif
    }

private:
    std::size_t bytes_ = 0;
    int fd_ = -1;
    char* data_ = nullptr;
};

// Rows of the raw signature file, read with pread: a mapping would count every page the
// kernel maps around a fault in this process's RSS (16x the pages read), which the budget
// cannot bound; reads come from the page cache all the same. Safe from several threads.
template <class T>
class SignatureFile {
public:
    SignatureFile(const std::string& path, std::size_t n, std::size_t k, std::size_t bytes) : n_(n), k_(k) {
#ifdef _WIN32
        (void)path;
        (void)bytes;
        throw FileError("out-of-core dedup needs POSIX files (Linux or macOS)");
#else
        fd_ = ::open(path.c_str(), O_RDONLY);
        if (fd_ < 0) io_error("cannot open", path);
        struct stat st {};
        if (::fstat(fd_, &st) != 0) io_error("cannot stat", path);
        if (static_cast<std::size_t>(st.st_size) < bytes) {
            ::close(fd_);
            fd_ = -1;
            throw std::invalid_argument(detail::concat(path, " holds ", st.st_size, " bytes, expected ", bytes,
                                                       " (a damaged scratch file)"));
        }
        path_ = path;
#endif
    }
    SignatureFile(const SignatureFile&) = delete;
    SignatureFile& operator=(const SignatureFile&) = delete;
    ~SignatureFile() {
#ifndef _WIN32
        if (fd_ >= 0) ::close(fd_);
#endif
    }
    // Row `id` into out[0, k).
    void read(i64 id, T* out) const {
        SEENIT_CHECK(id >= 0 && static_cast<std::size_t>(id) < n_, std::invalid_argument, "document id ", id,
                     " is not in [0, ", n_, ") (a damaged scratch file)");
#ifndef _WIN32
        const std::size_t bytes = k_ * sizeof(T);
        std::size_t done = 0;
        char* dst = reinterpret_cast<char*>(out);
        while (done < bytes) {
            ssize_t r = ::pread(fd_, dst + done, bytes - done,
                                static_cast<off_t>(static_cast<std::size_t>(id) * bytes + done));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) io_error("cannot read", path_);
            done += static_cast<std::size_t>(r);
        }
#endif
    }

private:
    std::string path_;
    std::size_t n_, k_;
    int fd_ = -1;
};

// Edges of one bucket (members ascending), as seenit.sketch.dedup.bucket_edges makes them:
// every pair of a bucket of <= max_bucket members; above that, the first member is a center,
// every other member is verified against it, and the members that fail form the next bucket.
template <class T>
void bucket_edges_one(std::vector<i64> m, const SignatureFile<T>& sigs, std::size_t k, const OocEdgeOptions& opt,
                      std::vector<EdgeRecord>& out) {
    auto ok = [&](double s) { return !opt.verify || s >= opt.threshold; };
    std::vector<T> rows;
    while (m.size() >= 2) {
        if (m.size() <= opt.max_bucket) {
            rows.resize(m.size() * k);
            for (std::size_t x = 0; x < m.size(); ++x) sigs.read(m[x], rows.data() + x * k);
            for (std::size_t x = 0; x < m.size(); ++x)
                for (std::size_t y = x + 1; y < m.size(); ++y) {
                    if (m[x] == m[y]) continue;
                    double s = signature_similarity(rows.data() + x * k, rows.data() + y * k, k);
                    if (ok(s)) out.push_back({m[x], m[y], s});
                }
            return;
        }
        rows.resize(2 * k);
        sigs.read(m[0], rows.data());
        std::vector<i64> rest;
        for (std::size_t x = 1; x < m.size(); ++x) {
            sigs.read(m[x], rows.data() + k);
            double s = signature_similarity(rows.data(), rows.data() + k, k);
            if (ok(s)) out.push_back({m[0], m[x], s});
            else rest.push_back(m[x]);
        }
        m.swap(rest);
    }
}

// n rows of k slots of `width` bytes, refused before any arithmetic can wrap.
std::size_t matrix_bytes(std::size_t n, std::size_t k, std::size_t width) {
    SEENIT_CHECK(k >= 1, std::invalid_argument, "k must be >= 1");
    SEENIT_CHECK(n <= (std::size_t{1} << 62) / (k * width), std::invalid_argument, "n=", n, " rows of ", k,
                 " slots do not fit a file");
    return n * k * width;
}

void sort_unique_edges(std::vector<EdgeRecord>& e) {
    std::sort(e.begin(), e.end(), edge_less);
    e.erase(std::unique(e.begin(), e.end(), same_edge), e.end());
}

}  // namespace

template <class T>
u64 ooc_write_band_run(MatrixView<const T> sig, i64 first_id, int bands, int rows, const std::string& path) {
    SEENIT_CHECK(first_id >= 0, std::invalid_argument, "first_id must be >= 0, got ", first_id);
    SEENIT_CHECK(bands >= 1 && rows >= 1, std::invalid_argument, "bands and rows must be >= 1, got bands=", bands,
                 ", rows=", rows);
    // checked before the keys are allocated: a huge band count is an error, not a MemoryError
    const std::size_t nb = static_cast<std::size_t>(bands);
    SEENIT_CHECK(nb * static_cast<std::size_t>(rows) <= sig.cols, std::invalid_argument, "signatures have ", sig.cols,
                 " slots but bands * rows = ", bands, " * ", rows, " = ", nb * static_cast<std::size_t>(rows));
    std::vector<u64> keys(sig.rows * nb);
    std::vector<u8> empty(sig.rows);
    lsh_band_keys<T>(sig, bands, rows, {keys.data(), keys.size()}, {empty.data(), empty.size()});
    std::vector<std::size_t> live;
    for (std::size_t i = 0; i < sig.rows; ++i)
        if (!empty[i]) live.push_back(i);
    // Band-major, so each band is sorted on its own (in parallel) and the file is sorted overall.
    std::vector<BandEntry> entries(live.size() * nb);
    parallel_for(nb, 1, [&](std::size_t lo, std::size_t hi, int) {
        for (std::size_t b = lo; b < hi; ++b) {
            BandEntry* e = entries.data() + b * live.size();
            for (std::size_t q = 0; q < live.size(); ++q)
                e[q] = {b, keys[live[q] * nb + b], first_id + static_cast<i64>(live[q])};
            // one band: its entries differ only in (key, id)
            std::sort(e, e + live.size(), [](const BandEntry& x, const BandEntry& y) {
                return x.key < y.key || (x.key == y.key && x.id < y.id);
            });
        }
    });
    RecordWriter<BandEntry> w(path, 1 << 20);
    for (const auto& e : entries) w.put(e);
    w.commit();
    return w.count();
}

u64 ooc_merge_band_runs(const std::vector<std::string>& runs, const std::string& out, std::size_t buffer_bytes) {
    Merger<BandEntry, BandLess> mg(runs, buffer_bytes);
    RecordWriter<BandEntry> w(out, buffer_bytes);
    BandEntry e{};
    while (mg.next(e)) w.put(e);
    w.commit();
    return w.count();
}

template <class T>
std::vector<std::string> ooc_bucket_edges(const std::vector<std::string>& runs, const std::string& signatures,
                                          std::size_t n, std::size_t k, const OocEdgeOptions& opt,
                                          const std::string& edge_prefix) {
    SEENIT_CHECK(opt.max_bucket >= 2, std::invalid_argument, "max_bucket must be >= 2, got ", opt.max_bucket);
    SignatureFile<T> sigs(signatures, n, k, matrix_bytes(n, k, sizeof(T)));
    Merger<BandEntry, BandLess> mg(runs, opt.buffer_bytes);

    std::vector<std::string> written;
    std::vector<EdgeRecord> edges;
    const std::size_t edge_cap = std::max<std::size_t>(1024, opt.edge_buffer_bytes / sizeof(EdgeRecord));
    auto spill = [&]() {
        sort_unique_edges(edges);
        if (edges.empty()) return;
        char suffix[32];
        std::snprintf(suffix, sizeof suffix, "-%06zu.bin", written.size());
        std::string path = edge_prefix + suffix;
        RecordWriter<EdgeRecord> w(path, 1 << 20);
        for (const auto& e : edges) w.put(e);
        w.commit();
        written.push_back(path);
        edges.clear();
    };

    // Buckets are collected into a batch and verified in parallel, one output per worker
    // block; the edges are sorted before they are used, so the order does not matter.
    Ragged batch;
    auto run_batch = [&]() {
        const std::size_t ng = batch.offsets.size() - 1;
        if (ng == 0) return;
        std::vector<std::vector<EdgeRecord>> parts;
        std::mutex mu;
        parallel_for_dynamic(ng, 16, [&](std::size_t lo, std::size_t hi, int) {
            std::vector<EdgeRecord> local;
            for (std::size_t g = lo; g < hi; ++g) {
                std::vector<i64> m(batch.values.begin() + batch.offsets[g], batch.values.begin() + batch.offsets[g + 1]);
                bucket_edges_one<T>(std::move(m), sigs, k, opt, local);
            }
            std::lock_guard<std::mutex> g(mu);
            parts.push_back(std::move(local));
        });
        for (auto& part : parts) {
            edges.insert(edges.end(), part.begin(), part.end());
            std::vector<EdgeRecord>().swap(part);
            if (edges.size() >= edge_cap) spill();
        }
        batch.values.clear();
        batch.offsets.assign(1, 0);
    };

    BandEntry e{}, cur{};
    bool have = mg.next(cur);
    std::vector<i64> members;
    while (have) {
        members.assign(1, cur.id);
        bool more;
        while ((more = mg.next(e)) && e.band == cur.band && e.key == cur.key) members.push_back(e.id);
        if (members.size() >= 2) {
            batch.values.insert(batch.values.end(), members.begin(), members.end());
            batch.offsets.push_back(static_cast<i64>(batch.values.size()));
            if (batch.values.size() >= opt.batch_members) run_batch();
        }
        have = more;
        cur = e;
    }
    run_batch();
    spill();
    return written;
}

u64 ooc_merge_edge_runs(const std::vector<std::string>& runs, const std::string& out, std::size_t buffer_bytes) {
    Merger<EdgeRecord, EdgeLess> mg(runs, buffer_bytes);
    RecordWriter<EdgeRecord> w(out, buffer_bytes);
    EdgeRecord e{}, last{-1, -1, 0.0};
    while (mg.next(e)) {
        if (same_edge(e, last)) continue;  // listed by several bands: the similarity is the same
        w.put(e);
        last = e;
    }
    w.commit();
    return w.count();
}

template <class T>
OocComponents ooc_components(const std::string& edges, double min_sim, std::size_t n, const std::string& signatures,
                             std::size_t k, const std::string& out, std::size_t parent_ram_bytes,
                             const std::string& parent_file, std::size_t buffer_bytes,
                             std::size_t page_cache_bytes) {
    // the signatures are opened first: a wrong n or k fails before n parents are allocated
    SignatureFile<T> sigs(signatures, n, k, matrix_bytes(n, k, sizeof(T)));
    // After the compression pass a root with members holds kRoot | (members - 1).
    constexpr i64 kRoot = i64{1} << 62;
    constexpr i64 kMask = kRoot - 1;
    std::vector<i64> ram;
    std::unique_ptr<MappedFile> mapped;
    i64* parent = nullptr;
    if (n * sizeof(i64) <= parent_ram_bytes) {
        ram.resize(n);
        parent = ram.data();
    } else {
#ifdef _WIN32
        throw FileError("out-of-core dedup needs mmap (Linux or macOS)");
#else
        int fd = ::open(parent_file.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) io_error("cannot create", parent_file);
        int rc = ::ftruncate(fd, static_cast<off_t>(n * sizeof(i64)));
        ::close(fd);
        if (rc != 0) io_error("cannot size", parent_file);
        mapped = std::make_unique<MappedFile>(parent_file, n * sizeof(i64), true);
        parent = reinterpret_cast<i64*>(mapped->data());
#endif
    }
    std::size_t since_drop = 0;
    // a fault maps up to 16 cached pages around it (fault-around): count 64 KiB per touch
    const std::size_t drop_every = std::max<std::size_t>(1, page_cache_bytes / 65536);
    auto touched = [&]() {
        if (mapped && ++since_drop >= drop_every) {
            mapped->drop();
            since_drop = 0;
        }
    };
    for (std::size_t i = 0; i < n; ++i) parent[i] = static_cast<i64>(i);
    // The larger root always goes under the smaller one, so parent[x] <= x everywhere and
    // every root is the smallest id of its component (the in-memory label).
    auto find = [&](i64 x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];  // path halving
            x = parent[x];
        }
        return x;
    };
    {
        RecordReader<EdgeRecord> rd(edges, buffer_bytes);
        EdgeRecord e{};
        while (rd.next(e)) {
            SEENIT_CHECK(e.i >= 0 && e.j >= 0 && static_cast<std::size_t>(e.i) < n && static_cast<std::size_t>(e.j) < n,
                         std::invalid_argument, edges, ": edge (", e.i, ", ", e.j, ") is not in [0, ", n,
                         ") (a damaged scratch file)");
            if (!(e.sim >= min_sim)) continue;
            i64 a = find(e.i), b = find(e.j);
            if (a == b) continue;
            if (b < a) std::swap(a, b);
            parent[b] = a;
            touched();
        }
    }
    // Ascending ids: every smaller id already holds its root (or a root's member count).
    for (std::size_t i = 0; i < n; ++i) {
        const i64 p = parent[i];
        if (p == static_cast<i64>(i)) continue;  // a root (members, if any, come later)
        const i64 root = (parent[p] & kRoot) ? p : parent[p];
        parent[i] = root;
        parent[root] = (parent[root] & kRoot) ? parent[root] + 1 : kRoot;
        touched();
    }
    RecordWriter<ClusterRecord> w(out, buffer_bytes);
    std::vector<T> a(k), b(k);
    std::map<u64, u64> sizes;
    for (std::size_t i = 0; i < n; ++i) {
        const i64 p = parent[i];
        const i64 id = static_cast<i64>(i);
        if (p == id) continue;  // no duplicates
        if (p & kRoot) {
            ++sizes[static_cast<u64>(p & kMask) + 2];
            w.put({id, id, 1.0});
        } else {
            sigs.read(p, a.data());
            sigs.read(id, b.data());
            w.put({id, p, signature_similarity(a.data(), b.data(), k)});
        }
        touched();
    }
    w.commit();
    OocComponents res;
    res.records = w.count();
    res.size_histogram.assign(sizes.begin(), sizes.end());
    return res;
}

#define SEENIT_OOC_INSTANTIATE(T)                                                                               \
    template u64 ooc_write_band_run<T>(MatrixView<const T>, i64, int, int, const std::string&);                \
    template std::vector<std::string> ooc_bucket_edges<T>(const std::vector<std::string>&, const std::string&, \
                                                          std::size_t, std::size_t, const OocEdgeOptions&,     \
                                                          const std::string&);                                  \
    template OocComponents ooc_components<T>(const std::string&, double, std::size_t, const std::string&,       \
                                             std::size_t, const std::string&, std::size_t, const std::string&,  \
                                             std::size_t, std::size_t);
SEENIT_OOC_INSTANTIATE(u32)
SEENIT_OOC_INSTANTIATE(u64)
#undef SEENIT_OOC_INSTANTIATE

}  // namespace seenit
