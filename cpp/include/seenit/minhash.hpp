// MinHash signatures of documents (cpp/src/sketch/minhash.cpp). No Python here.
//
// Schemes (python/seenit/reference/sketch.py is the executable specification):
//  Fast        key = hash64(shingle) >> 32; slot i = min over keys of (a_i * key + b_i) mod 2^32,
//              a_i odd; (a_i, b_i) from SplitMix64 seeded with `seed` (fast_params).
//  Oph         one-permutation hashing with optimal densification (Shrivastava 2017):
//              y = fmix64(hash64(shingle) ^ k1); bin = ((y >> 32) * num_perm) >> 32,
//              value = low 32 bits of y, min per bin; each empty bin j copies the value of
//              the first non-empty bin probed by ((fmix64(k2 ^ (j << 32 | t)) >> 32) * num_perm) >> 32,
//              t = 1, 2, ...
//  Datasketch  datasketch 2.x "affine32": key = fmix32(sha1_hash32(shingle)),
//              slot i = min (a_i * key + b_i) mod 2^32 with datasketch's own (a, b).
//  Legacy      datasketch's pre-2.0 scheme: key = sha1_hash32(shingle),
//              slot i = min ((a_i * key + b_i) mod 2^64) mod (2^61 - 1) & (2^32 - 1), as uint64.
// An empty document leaves every slot at kEmpty (2^32 - 1) in all schemes.
#pragma once

#include <cstddef>

#include "seenit/common.hpp"
#include "seenit/shingles.hpp"

namespace seenit {

enum class Scheme : int { Fast = 0, Oph = 1, Datasketch = 2, Legacy = 3 };

inline constexpr u32 kEmpty = 0xFFFFFFFFU;
inline constexpr std::size_t kMaxNumPerm = 8192;

// The fast scheme's permutation parameters for `num_perm` slots.
void fast_params(u64 seed, std::size_t num_perm, u32* a, u32* b);

// Permutation parameters: `a`/`b` are used by Datasketch (values < 2^32) and Legacy
// (values < 2^61); Fast and Oph derive theirs from `seed`.
struct MinhashParams {
    Scheme scheme = Scheme::Fast;
    std::size_t num_perm = 128;
    u64 seed = 1;
    ArrayView<const u64> a;
    ArrayView<const u64> b;
};

// Signatures of a batch of documents. `out32` (n x num_perm) receives the Fast, Oph and
// Datasketch schemes, `out64` the Legacy one; the other may be empty.
void minhash_docs(const Docs& docs, std::size_t ngram, bool lowercase, const MinhashParams& params,
                  MatrixView<u32> out32, MatrixView<u64> out64);

// Fast or Oph signatures from pre-hashed shingles (ragged 64-bit hashes, e.g. from
// shingle_hashes); equal to minhash_docs on the documents those hashes came from.
void minhash_from_hashes(ArrayView<const u64> hashes, ArrayView<const i64> offsets, const MinhashParams& params,
                         MatrixView<u32> out);

// The inner kernel, exposed for tests: sig[i] = min(sig[i], min_t (a[i] * keys[t] + b[i]) mod 2^32).
// `simd` = false forces the portable path (the AVX2 path must give identical results).
void affine32_min(const u32* keys, std::size_t nk, const u32* a, const u32* b, std::size_t k, u32* sig, bool simd);

}  // namespace seenit
