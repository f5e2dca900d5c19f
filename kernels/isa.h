/*
 * isa.h — instruction-set levels that kernel variants target, CPU feature
 * detection, and the SL_FORCE_ISA override.
 *
 * Each kernel family keeps a variant table of {name, isa, kernels}; the first
 * entry is the scalar reference. sli_isa_pick() returns the index of the best
 * variant this CPU runs, or the forced one.
 */
#ifndef SLI_ISA_H
#define SLI_ISA_H

#include <stddef.h>

typedef enum sl_isa {
    SL_ISA_NONE = 0,    /**< portable scalar C */
    SL_ISA_SIMD128 = 1, /**< 128-bit SIMD: SSE4.2 + POPCNT on x86-64, NEON on AArch64 */
    SL_ISA_AVX2 = 2,    /**< x86-64 AVX2 + BMI2 */
    SL_ISA_AVX512 = 3,  /**< x86-64 AVX-512 F/BW/VL/DQ */
} sl_isa;

/** @return the best ISA level this CPU supports. */
sl_isa sli_isa_detect(void);

/** @return the canonical name ("scalar", "simd128", "avx2", "avx512"). */
const char *sli_isa_name(sl_isa isa);

/**
 * Chooses among n variants whose ISA levels are isas[0..n-1] (isas[0] is
 * SL_ISA_NONE): the variant named by SL_FORCE_ISA when set and runnable here,
 * else the highest level the CPU supports. @return an index < n.
 */
size_t sli_isa_pick(const sl_isa *isas, size_t n);

#endif
