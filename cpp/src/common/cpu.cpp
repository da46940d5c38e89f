#include "seenit/cpu.hpp"

#include <cstdlib>
#include <cstring>
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace seenit {
namespace {

// Linux hands out AMX tile state only on request (arch_prctl ARCH_REQ_XCOMP_PERM for
// XFEATURE_XTILEDATA, kernel 5.16+); the permission covers the whole process.
[[maybe_unused]] bool amx_permitted() {
#if defined(__linux__) && defined(__x86_64__)
    constexpr long kReqXcompPerm = 0x1023, kXtiledata = 18;
    return syscall(SYS_arch_prctl, kReqXcompPerm, kXtiledata) == 0;
#else
    return false;
#endif
}

CpuFeatures detect() {
    CpuFeatures f;
    bool no_avx512 = false, no_amx = false;
    if (const char* env = std::getenv("SEENIT_DISABLE_SIMD")) {
        if (std::strcmp(env, "avx512") == 0) no_avx512 = true;
        else if (std::strcmp(env, "amx") == 0) no_amx = true;
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
    f.amx_int8 = __builtin_cpu_supports("amx-tile") && __builtin_cpu_supports("amx-int8") && !no_amx && !no_avx512 &&
                 amx_permitted();
#endif
    if (no_amx) f.amx_bf16 = false;
    if (no_avx512) f.avx512f = f.avx512dq = f.avx512vl = f.avx512bw = f.avx512vnni = f.avx512bf16 = f.amx_bf16 = false;
#endif
    (void)no_avx512;  // read only where the x86 features are detected
    (void)no_amx;
    return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
    static const CpuFeatures f = detect();
    return f;
}

}  // namespace seenit
