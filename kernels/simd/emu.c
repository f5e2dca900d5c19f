/*
 * simd/emu.c — the registry of emulated variants, for tests only.
 *
 * cmake/Simd.cmake compiles the 512-bit kernels once more without AVX-512
 * flags (SLI_SIMD_EMU), so SIMDe emulates them on any CPU; that object set is
 * linked into the kernel tests only. Each family file of such a build defines
 * sli_<family>_emu_variant; sli_simd_emu_variant() finds one by family name,
 * so tests/kernel_test.h can run it next to the native variants.
 */
#include "simd.h"

#ifdef SLI_SIMD_EMU
#include "kernels/agg.h"
#include "kernels/arith.h"
#include "kernels/cast.h"
#include "kernels/filter.h"
#include "kernels/gather.h"
#include "kernels/hash.h"
#include "kernels/sort.h"

extern const sl_filter_variant sli_filter_emu_variant;
extern const sl_arith_variant sli_arith_emu_variant;
extern const sl_cast_variant sli_cast_emu_variant;
extern const sl_hash_variant sli_hash_emu_variant;
extern const sl_agg_variant sli_agg_emu_variant;
extern const sl_gather_variant sli_gather_emu_variant;
extern const sl_sort_variant sli_sort_emu_variant;

/**
 * @return the emulated AVX-512 variant (an sl_<family>_variant) of kernel
 * family `family` ("filter", "agg", ...), or NULL when the family has no SIMD
 * kernels. Thread-safe (reads constants only).
 */
const void *sli_simd_emu_variant(const char *family);

const void *sli_simd_emu_variant(const char *family)
{
    static const struct {
        const char *family;
        const void *variant;
    } all[] = {
        {"filter", &sli_filter_emu_variant}, {"arith", &sli_arith_emu_variant},
        {"cast", &sli_cast_emu_variant},     {"hash", &sli_hash_emu_variant},
        {"agg", &sli_agg_emu_variant},       {"gather", &sli_gather_emu_variant},
        {"sort", &sli_sort_emu_variant},
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(family, all[i].family) == 0) return all[i].variant;
    return NULL;
}
#else
/* A translation unit must not be empty (ISO C). */
typedef int sli_simd_emu_unused;
#endif
