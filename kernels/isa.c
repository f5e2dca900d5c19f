/*
 * isa.c — CPU feature detection and the choice among kernel variants.
 *
 * Every kernel family keeps a table of variants, each tagged with the ISA
 * level it needs (isa.h). sli_isa_detect() tells the best level this CPU and
 * OS run; sli_isa_pick() maps a table's levels to the index of the variant to
 * use, honouring SL_FORCE_ISA=scalar|simd128|avx2|avx512 so that a test run can pin a
 * backend.
 */
#include "isa.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Levels are ordered: a CPU that runs level L runs every level below it. */
static sl_isa detect_uncached(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2"))
        return SL_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2")) return SL_ISA_AVX2;
    if (__builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt")) return SL_ISA_SIMD128;
    return SL_ISA_NONE;
#elif defined(__aarch64__)
    return SL_ISA_SIMD128; /* NEON is part of every AArch64 CPU */
#else
    return SL_ISA_NONE;
#endif
}

sl_isa sli_isa_detect(void)
{
    /* Racing threads compute the same answer; storing it twice is harmless. */
    static _Atomic int cached = -1;
    int c = atomic_load_explicit(&cached, memory_order_relaxed);
    if (c < 0) {
        c = (int)detect_uncached();
        atomic_store_explicit(&cached, c, memory_order_relaxed);
    }
    return (sl_isa)c;
}

const char *sli_isa_name(sl_isa isa)
{
    switch (isa) {
    case SL_ISA_NONE: return "scalar";
    case SL_ISA_SIMD128: return "simd128";
    case SL_ISA_AVX2: return "avx2";
    case SL_ISA_AVX512: return "avx512";
    }
    return "unknown";
}

/* @return 1 and sets *out when name is a known ISA name, else 0. */
static int parse_isa(const char *name, sl_isa *out)
{
    static const sl_isa all[] = {SL_ISA_NONE, SL_ISA_SIMD128, SL_ISA_AVX2, SL_ISA_AVX512};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, sli_isa_name(all[i])) == 0) {
            *out = all[i];
            return 1;
        }
    }
    return 0;
}

size_t sli_isa_pick(const sl_isa *isas, size_t n)
{
    if (n == 0) return 0; /* a table always holds the scalar variant; be safe */
    sl_isa cpu = sli_isa_detect();

    const char *force = getenv("SL_FORCE_ISA");
    sl_isa want;
    if (force && parse_isa(force, &want) && want <= cpu) {
        for (size_t i = 0; i < n; i++)
            if (isas[i] == want) return i;
    }

    /* The highest level the CPU runs; the first of equals wins. */
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (isas[i] <= cpu && isas[i] > isas[best]) best = i;
    return best;
}
