#include "seenit/cpu.hpp"

#include <cstdlib>
#include <cstring>

namespace seenit {
namespace {

CpuFeatures detect() {
    CpuFeatures f;
    bool no_avx512 = false;
    if (const char* env = std::getenv("SEENIT_DISABLE_SIMD")) {
        if (std::strcmp(env, "avx512") == 0) no_avx512 = true;
        else if (std::strcmp(env, "0") != 0 && env[0] != '\0') return f;
    }
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    f.avx512f = __builtin_cpu_supports("avx512f");
    f.avx512bw = __builtin_cpu_supports("avx512bw");
    f.avx512dq = __builtin_cpu_supports("avx512dq");
    f.avx512vl = __builtin_cpu_supports("avx512vl");
    f.avx512vnni = __builtin_cpu_supports("avx512vnni");
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
    f.avx512bf16 = __builtin_cpu_supports("avx512bf16");
    f.amx_bf16 = __builtin_cpu_supports("amx-bf16");
#endif
    if (no_avx512) f.avx512f = f.avx512dq = f.avx512vl = f.avx512bw = f.avx512vnni = f.avx512bf16 = f.amx_bf16 = false;
#endif
    return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
    static const CpuFeatures f = detect();
    return f;
}

}  // namespace seenit
