/*
 * bandwidth_sum.h — the body of the bandwidth probe's SIMD sum, written once
 * with SIMDe and compiled twice: in bandwidth.c for the baseline target and
 * in bandwidth_avx2.c with -mavx2 (SIMDe then emits native AVX2). Define
 * BW_SUM_NAME to the function's name before including.
 */
#include <stddef.h>
#include <stdint.h>

#include <simde/x86/avx2.h>

/**
 * Sums n int64 values (n a multiple of 16, p 32-byte aligned) with 256-bit
 * loads into four independent accumulators, so the loads are not serialized
 * behind one chain of adds. Wraps on overflow. @return the sum.
 */
int64_t BW_SUM_NAME(const int64_t *restrict p, size_t n)
{
    simde__m256i a0 = simde_mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < n; i += 16) {
        a0 = simde_mm256_add_epi64(a0, simde_mm256_load_si256((const simde__m256i *)(p + i)));
        a1 = simde_mm256_add_epi64(a1, simde_mm256_load_si256((const simde__m256i *)(p + i + 4)));
        a2 = simde_mm256_add_epi64(a2, simde_mm256_load_si256((const simde__m256i *)(p + i + 8)));
        a3 = simde_mm256_add_epi64(a3, simde_mm256_load_si256((const simde__m256i *)(p + i + 12)));
    }
    a0 = simde_mm256_add_epi64(simde_mm256_add_epi64(a0, a1), simde_mm256_add_epi64(a2, a3));
    int64_t lanes[4];
    simde_mm256_storeu_si256((simde__m256i *)lanes, a0);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
