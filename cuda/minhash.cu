// MinHash "fast" scheme on the GPU, bit-identical to cpp/src/sketch/minhash.cpp.
// Shingles are hashed on the host (seenit.minhash.shingle_hashes); this kernel only
// applies the permutations: out[d, i] = min over the document's hashes h of
//     (a[i] * (h >> 32) + b[i]) mod 2^32,   or 2^32 - 1 for a document without hashes.
// One block per document (grid-stride over documents); threads own slots, and the
// document's keys are staged through shared memory in tiles.
#define SEENIT_MINHASH_TILE 512

extern "C" __global__ void seenit_minhash_fast(const unsigned long long* __restrict__ hashes,
                                               const long long* __restrict__ offsets, long long n_docs,
                                               const unsigned int* __restrict__ a,
                                               const unsigned int* __restrict__ b, int num_perm,
                                               unsigned int* __restrict__ out) {
    __shared__ unsigned int keys[SEENIT_MINHASH_TILE];
    for (long long d = blockIdx.x; d < n_docs; d += gridDim.x) {
        const long long begin = offsets[d], end = offsets[d + 1];
        // Each thread keeps the minima of its slots p = threadIdx.x + j * blockDim.x in
        // global memory order; slots are revisited per tile, so hold them in out[].
        for (int p = threadIdx.x; p < num_perm; p += blockDim.x) out[d * num_perm + p] = 0xFFFFFFFFu;
        for (long long t0 = begin; t0 < end; t0 += SEENIT_MINHASH_TILE) {
            const int nt = (int)((end - t0) < SEENIT_MINHASH_TILE ? (end - t0) : SEENIT_MINHASH_TILE);
            __syncthreads();
            for (int t = threadIdx.x; t < nt; t += blockDim.x) keys[t] = (unsigned int)(hashes[t0 + t] >> 32);
            __syncthreads();
            for (int p = threadIdx.x; p < num_perm; p += blockDim.x) {
                const unsigned int ap = a[p], bp = b[p];
                unsigned int m = out[d * num_perm + p];
                for (int t = 0; t < nt; ++t) {
                    const unsigned int v = ap * keys[t] + bp;
                    m = v < m ? v : m;
                }
                out[d * num_perm + p] = m;
            }
        }
        __syncthreads();
    }
}
