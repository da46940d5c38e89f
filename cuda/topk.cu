// Exact per-row top-k selection for seenit.topk(device="cuda").
//
// The scores come from a GEMM (CuPy/cuBLAS); this kernel selects, for each row, the
// k largest keys with ties broken by the smaller position (positions are in id order),
// for any k (no 2,048 cap). One thread block per row:
//   1. radix select over the order-preserving uint32 image of the float keys, 8 bits
//      per pass, finds the k-th largest key and how many keys equal to it are needed;
//   2. a gather writes every larger key (any order) and the first `need` equal keys in
//      position order (block-wide prefix sums over chunks of the row).
// Output rows are unsorted; the caller sorts the k (key, id) pairs.
// Launch: grid = rows, block = SEENIT_TOPK_THREADS (256), dynamic shared memory none.

#define SEENIT_TOPK_THREADS 256

__device__ __forceinline__ unsigned int seenit_orderable(float f) {
    unsigned int b = __float_as_uint(f);
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

// keys: rows x ld floats (row r starts at keys + r * ld), n valid entries per row.
// in_ids: optional (rows x ld) ids; when null the id of position i is id_offset + i.
// out_keys / out_ids: rows x k.
extern "C" __global__ void seenit_topk_select(const float* __restrict__ keys, const long long* __restrict__ in_ids,
                                              long long n, long long ld, int k, long long id_offset,
                                              float* __restrict__ out_keys, long long* __restrict__ out_ids) {
    __shared__ unsigned int hist[256];
    __shared__ unsigned int s_prefix, s_need;
    __shared__ unsigned int s_greater;
    __shared__ unsigned int scan[SEENIT_TOPK_THREADS];
    const long long row = blockIdx.x;
    const float* rk = keys + row * ld;
    const long long* rid = in_ids ? in_ids + row * ld : nullptr;
    float* ok = out_keys + row * (long long)k;
    long long* oi = out_ids + row * (long long)k;
    const int tid = threadIdx.x;

    unsigned int prefix = 0, mask = 0, need = (unsigned int)k;
    for (int shift = 24; shift >= 0; shift -= 8) {
        for (int b = tid; b < 256; b += blockDim.x) hist[b] = 0;
        __syncthreads();
        for (long long i = tid; i < n; i += blockDim.x) {
            unsigned int u = seenit_orderable(rk[i]);
            if ((u & mask) == prefix) atomicAdd(&hist[(u >> shift) & 255u], 1u);
        }
        __syncthreads();
        if (tid == 0) {
            unsigned int cum = 0, digit = 0;
            for (int b = 255; b >= 0; --b) {
                if (cum + hist[b] >= need) {
                    digit = (unsigned int)b;
                    break;
                }
                cum += hist[b];
            }
            s_prefix = prefix | (digit << shift);
            s_need = need - cum;
        }
        __syncthreads();
        prefix = s_prefix;
        need = s_need;
        mask |= 255u << shift;
        __syncthreads();
    }
    // prefix is the k-th largest key image; `need` keys equal to it are taken.
    if (tid == 0) s_greater = 0;
    __syncthreads();
    const unsigned int n_greater = (unsigned int)k - need;
    unsigned int eq_base = 0;
    for (long long c = 0; c < n; c += blockDim.x) {
        const long long i = c + tid;
        unsigned int u = 0;
        bool eq = false;
        if (i < n) {
            u = seenit_orderable(rk[i]);
            if (u > prefix) {
                unsigned int pos = atomicAdd(&s_greater, 1u);
                ok[pos] = rk[i];
                oi[pos] = rid ? rid[i] : id_offset + i;
            }
            eq = (u == prefix);
        }
        // inclusive block scan of the equal flags (Hillis-Steele)
        scan[tid] = eq ? 1u : 0u;
        __syncthreads();
        for (int off = 1; off < (int)blockDim.x; off <<= 1) {
            unsigned int v = tid >= off ? scan[tid - off] : 0u;
            __syncthreads();
            scan[tid] += v;
            __syncthreads();
        }
        const unsigned int rank = eq_base + scan[tid] - 1u;
        if (eq && rank < need) {
            ok[n_greater + rank] = rk[i];
            oi[n_greater + rank] = rid ? rid[i] : id_offset + i;
        }
        eq_base += scan[blockDim.x - 1];
        __syncthreads();
        if (eq_base >= need && c + blockDim.x < n) {
            // all equal keys placed; larger keys may remain further on
            for (long long j = c + blockDim.x + tid; j < n; j += blockDim.x) {
                unsigned int uj = seenit_orderable(rk[j]);
                if (uj > prefix) {
                    unsigned int pos = atomicAdd(&s_greater, 1u);
                    ok[pos] = rk[j];
                    oi[pos] = rid ? rid[j] : id_offset + j;
                }
            }
            break;
        }
    }
}
