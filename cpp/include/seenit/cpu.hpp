// CPU features detected at run time, so one wheel runs on any x86-64 and uses
// AVX2 / AVX-512 only where the machine has them.
#pragma once

namespace seenit {

struct CpuFeatures {
    bool avx2 = false;
    bool fma = false;
    bool avx512f = false;
    bool avx512dq = false;
    bool avx512vl = false;
    bool avx512bw = false;
    bool avx512vnni = false;
    bool avx512bf16 = false;
    bool amx_bf16 = false;
    bool amx_int8 = false;  // the CPU has AMX-INT8 tiles and the OS let this process use them
};

// Detected once; SEENIT_DISABLE_SIMD=1 reports no features (forces the portable path),
// SEENIT_DISABLE_SIMD=avx512 reports none of AVX-512/AMX (keeps the AVX2 kernels),
// SEENIT_DISABLE_SIMD=amx reports no AMX (keeps AVX-512).
const CpuFeatures& cpu_features();

}  // namespace seenit
