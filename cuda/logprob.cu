// CUDA twins of cpp/src/logprob/logprob.cpp and cpp/src/logprob/segments.cpp (definitions in cpp/include/seenit/logprob.hpp).
// extern "C" kernels only, no host code; compiled at run time by CuPy (NVRTC) via seenit.gpu.module("logprob").
//
// token_stats: one block per row (blockDim.x a power of two <= 1024, shared memory 4 * blockDim.x doubles).
// Three passes over the row (the row stays in L2): max / NaN / rank; exp sums; centred second moment.
// Per-thread sums are double, so the result matches the CPU within the 1e-5 relative tolerance.

typedef unsigned short u16;
typedef long long i64;

#define SEENIT_KIND_F32 0
#define SEENIT_KIND_F16 1
#define SEENIT_KIND_BF16 2

__device__ __forceinline__ float seenit_half_to_float(u16 h) {
    unsigned sign = (unsigned)(h & 0x8000u) << 16;
    unsigned ex = (h >> 10) & 0x1fu, man = h & 0x3ffu, bits;
    if (ex == 0) {
        if (man == 0) {
            bits = sign;
        } else {
            int e = -1;
            do { ++e; man <<= 1; } while ((man & 0x400u) == 0);
            bits = sign | ((unsigned)(127 - 15 - e) << 23) | ((man & 0x3ffu) << 13);
        }
    } else if (ex == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((ex + 127 - 15) << 23) | (man << 13);
    }
    return __int_as_float((int)bits);
}

__device__ __forceinline__ float seenit_load(const void* row, int kind, i64 i) {
    if (kind == SEENIT_KIND_F32) return ((const float*)row)[i];
    u16 b = ((const u16*)row)[i];
    if (kind == SEENIT_KIND_F16) return seenit_half_to_float(b);
    return __int_as_float((int)((unsigned)b << 16));
}

// Block-wide sum of a double in shared memory slot `slot` (each of 4 slots holds blockDim.x doubles).
__device__ double seenit_block_sum(double v, double* sh) {
    sh[threadIdx.x] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads();
    return r;
}

__device__ double seenit_block_max(double v, double* sh) {
    sh[threadIdx.x] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] = fmax(sh[threadIdx.x], sh[threadIdx.x + s]);
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads();
    return r;
}

// error: [0] = first bad row (initialise to rows), [1] = code of that row (1 NaN, 2 +inf, 3 all -inf).
// Outputs are written only for good rows; the host raises when error[0] < rows and returns nothing.
extern "C" __global__ void seenit_logprob_token_stats(const void* logits, int kind, i64 rows, i64 vocab,
                                                      const i64* targets, double inv_t, int want_sigma,
                                                      double* logprob, double* entropy, double* mu,
                                                      double* sigma, i64* rank, unsigned long long* error) {
    extern __shared__ double sh[];
    const i64 r = blockIdx.x;
    if (r >= rows) return;
    const int esize = kind == SEENIT_KIND_F32 ? 4 : 2;
    const void* row = (const char*)logits + r * vocab * esize;
    const i64 t = targets[r];
    const float lt = seenit_load(row, kind, t);

    // Pass A: max, NaN, rank.
    float m = -INFINITY;
    double nan = 0, cnt = 0;
    for (i64 z = threadIdx.x; z < vocab; z += blockDim.x) {
        float l = seenit_load(row, kind, z);
        if (isnan(l)) nan = 1;
        else m = fmaxf(m, l);
        cnt += l > lt ? 1.0 : 0.0;
    }
    const double mx = seenit_block_max((double)m, sh);
    const double any_nan = seenit_block_max(nan, sh);
    const double rk = seenit_block_sum(cnt, sh);
    int code = any_nan > 0 ? 1 : (isinf(mx) ? (mx > 0 ? 2 : 3) : 0);
    if (code) {
        if (threadIdx.x == 0) {
            unsigned long long prev = atomicMin(&error[0], (unsigned long long)r);
            if ((unsigned long long)r < prev) atomicExch(&error[1], (unsigned long long)code);
        }
        return;
    }

    // Pass B: sums relative to the max (d = (x - max) / T <= 0).
    double n_max = 0, s_minus = 0, s1 = 0;
    for (i64 z = threadIdx.x; z < vocab; z += blockDim.x) {
        double d = ((double)seenit_load(row, kind, z) - mx) * inv_t;
        if (d == 0) { n_max += 1; continue; }
        double e = exp(d);
        if (e > 0) { s_minus += e; s1 += e * d; }
    }
    n_max = seenit_block_sum(n_max, sh);
    s_minus = seenit_block_sum(s_minus, sh);
    s1 = seenit_block_sum(s1, sh);
    const double log_s = log(n_max) + log1p(s_minus / n_max);
    const double mean_d = s1 / (n_max + s_minus);
    const double ent = log_s - mean_d;

    double sg = 0;
    if (want_sigma) {
        double acc = 0;
        for (i64 z = threadIdx.x; z < vocab; z += blockDim.x) {
            double d = ((double)seenit_load(row, kind, z) - mx) * inv_t;
            double e = d == 0 ? 1.0 : exp(d);
            if (e > 0) acc += e * (d - mean_d) * (d - mean_d);
        }
        acc = seenit_block_sum(acc, sh);
        sg = sqrt(acc / (n_max + s_minus));
    }
    if (threadIdx.x == 0) {
        if (logprob) logprob[r] = ((double)lt - mx) * inv_t - log_s;
        if (entropy) entropy[r] = ent;
        if (mu) mu[r] = -ent;
        if (sigma) sigma[r] = sg;
        if (rank) rank[r] = (i64)rk;
    }
}

// Segment reductions over float64 values, one thread per segment.
// op: 0 sum, 1 mean, 2 min, 3 max, 4 count. bad: first segment holding NaN (initialise to n).
extern "C" __global__ void seenit_logprob_segment_reduce(const double* values, const i64* offsets, i64 n, int op,
                                                         double* out, unsigned long long* bad) {
    i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    i64 b = offsets[i], e = offsets[i + 1];
    double acc = op == 2 ? INFINITY : (op == 3 ? -INFINITY : 0.0);
    bool nan = false;
    for (i64 j = b; j < e; ++j) {
        double v = values[j];
        nan |= isnan(v);
        if (op == 2) acc = fmin(acc, v);
        else if (op == 3) acc = fmax(acc, v);
        else acc += v;
    }
    if (nan) atomicMin(bad, (unsigned long long)i);
    const i64 len = e - b;
    if (op == 4) out[i] = (double)len;
    else if (op == 0) out[i] = acc;
    else if (len == 0) out[i] = __longlong_as_double(0x7ff8000000000000LL);
    else if (op == 1) out[i] = acc / (double)len;
    else out[i] = acc;
}

// Min-k / max-k means over segments whose values are already sorted ascending within each segment
// (the host sorts with a segmented sort). lowest = 1 for min_k, 0 for max_k.
extern "C" __global__ void seenit_logprob_segment_topk_mean_sorted(const double* sorted, const i64* offsets, i64 n,
                                                                   double k, int lowest, double* out) {
    i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    i64 b = offsets[i], len = offsets[i + 1] - b;
    if (len == 0) { out[i] = __longlong_as_double(0x7ff8000000000000LL); return; }
    i64 m = (i64)floor(k * (double)len);
    if (m < 1) m = 1;
    if (m > len) m = len;
    double s = 0;
    if (lowest) for (i64 j = 0; j < m; ++j) s += sorted[b + j];
    else for (i64 j = len - m; j < len; ++j) s += sorted[b + j];
    out[i] = s / (double)m;
}

// Linear-interpolated quantiles over segments sorted ascending; out is n x nq.
extern "C" __global__ void seenit_logprob_segment_quantiles_sorted(const double* sorted, const i64* offsets, i64 n,
                                                                   const double* qs, int nq, double* out) {
    i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    i64 b = offsets[i], len = offsets[i + 1] - b;
    for (int j = 0; j < nq; ++j) {
        if (len == 0) { out[i * nq + j] = __longlong_as_double(0x7ff8000000000000LL); continue; }
        double pos = qs[j] * (double)(len - 1);
        i64 lo = (i64)floor(pos);
        double frac = pos - (double)lo;
        double a = sorted[b + lo];
        out[i * nq + j] = (frac == 0 || lo + 1 >= len) ? a : a + (sorted[b + lo + 1] - a) * frac;
    }
}
