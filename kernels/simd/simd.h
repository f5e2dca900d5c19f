/*
 * simd/simd.h — what every SIMD kernel source shares: SIMDe, the naming of
 * kernel sets per target, and the compaction of comparison bitmasks into
 * selection vectors.
 *
 * The sources in kernels/simd/ are compiled once per target by cmake/Simd.cmake with
 *   SLI_SIMD_ISA   the target's name: SLI_SIMD_NAME(filter) is sli_filter_<isa>;
 *   SLI_SIMD_WIDTH 128 (SSE4.2 / NEON code), 256 (AVX2 code) or 512
 *                  (AVX-512 code);
 *   SLI_SIMD_EMU   set for the test-only build of the 512-bit code without
 *                  AVX-512 flags (SIMDe emulates it); such a build also defines
 *                  sli_<family>_emu_variant for tests/kernel_test.h.
 * The same source therefore becomes native 128-bit (SSE4.2 on x86-64, NEON
 * on AArch64, where SIMDe maps the SSE intrinsics to NEON ones), native AVX2,
 * native AVX-512 and emulated AVX-512 code. Tails are never read past the caller's n: a partial block is
 * copied into a local block first, so no kernel depends on buffer padding.
 */
#ifndef SLI_KERNELS_SIMD_H
#define SLI_KERNELS_SIMD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <simde/x86/avx2.h>
#include <simde/x86/avx512.h>
#include <simde/x86/sse4.2.h>

#if !defined(SLI_SIMD_ISA) || !defined(SLI_SIMD_WIDTH)
#error "kernels/simd sources are compiled by cmake/Simd.cmake, which defines SLI_SIMD_ISA and SLI_SIMD_WIDTH"
#endif
#if SLI_SIMD_WIDTH != 128 && SLI_SIMD_WIDTH != 256 && SLI_SIMD_WIDTH != 512
#error "SLI_SIMD_WIDTH must be 128, 256 or 512"
#endif

#define SLI_SIMD_CAT3_(a, b, c) a##b##c
#define SLI_SIMD_CAT3(a, b, c)  SLI_SIMD_CAT3_(a, b, c)
/** sli_<fam>_<isa>: the kernel set of family fam for this target. */
#define SLI_SIMD_NAME(fam) SLI_SIMD_CAT3(sli_, fam, SLI_SIMD_CAT3(_, SLI_SIMD_ISA, ))

#define SLI_INLINE static inline __attribute__((always_inline))

/** Rows per block: every selection kernel tests 64 rows into one uint64_t mask. */
#define SLI_BLOCK 64

/** @return a mask of the low r bits (r <= 64). */
SLI_INLINE uint64_t sli_low_bits(size_t r)
{
    return r >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << r) - 1);
}

#if SLI_SIMD_WIDTH != 512
/*
 * Compaction through a table: sli_compress_lut[m] holds, byte by byte, the
 * lane numbers of the set bits of the 8-bit mask m (low to high). AVX2 widens
 * the 8 bytes to 32-bit lanes, a permutation for _mm256_permutevar8x32_epi32;
 * the 128-bit code takes entries m < 16 (4 lanes) and turns their lane
 * numbers into a byte shuffle.
 */
#define sli_compress_lut SLI_SIMD_CAT3(sli_compress_lut_, SLI_SIMD_ISA, ) /* one table per target */
extern const uint64_t sli_compress_lut[256];
#endif

#if SLI_SIMD_WIDTH == 256
SLI_INLINE simde__m256i sli_lut_perm(unsigned m8)
{
    return simde_mm256_cvtepu8_epi32(simde_mm_cvtsi64_si128((int64_t)sli_compress_lut[m8]));
}
#elif SLI_SIMD_WIDTH == 128
/* The lane numbers of the set bits of a 4-bit mask, in 32-bit lanes. */
SLI_INLINE simde__m128i sli_lut_lanes4(unsigned m4)
{
    return simde_mm_cvtepu8_epi32(simde_mm_cvtsi32_si128((int32_t)sli_compress_lut[m4]));
}
/* The byte shuffle that moves 32-bit lanes lanes[0..3] to lanes 0..3. */
SLI_INLINE simde__m128i sli_lut_shuffle4(unsigned m4)
{
    simde__m128i lanes = sli_lut_lanes4(m4);
    simde__m128i bytes = simde_mm_mullo_epi32(lanes, simde_mm_set1_epi32(0x04040404));
    return simde_mm_add_epi32(bytes, simde_mm_set1_epi32(0x03020100));
}
#endif

/*
 * Appends to out[k..] the rows base + j for the set bits j of mask (a block of
 * 64 dense rows). Full-width stores may write up to 16 lanes past the new k,
 * but never past out + base + 64: callers own out[0 .. base + 64).
 * @return the new k.
 */
SLI_INLINE size_t sli_emit_dense(uint32_t *out, size_t k, uint32_t base, uint64_t mask)
{
    if (mask == 0) return k;
#if SLI_SIMD_WIDTH == 512
    /* a loaded constant: built lane by lane, it would cost 16 instructions a call */
    static const _Alignas(64) int32_t lanes[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const simde__m512i iota = simde_mm512_load_si512(lanes);
    for (unsigned j = 0; j < 64; j += 16) {
        simde__mmask16 m = (simde__mmask16)(mask >> j);
        simde__m512i rows = simde_mm512_add_epi32(iota, simde_mm512_set1_epi32((int32_t)(base + j)));
        simde_mm512_storeu_si512(out + k, simde_mm512_maskz_compress_epi32(m, rows));
        k += (size_t)__builtin_popcount(m);
    }
#elif SLI_SIMD_WIDTH == 128
    for (unsigned j = 0; j < 64; j += 4) {
        unsigned m = (unsigned)(mask >> j) & 0xfu;
        simde__m128i rows = simde_mm_add_epi32(sli_lut_lanes4(m), simde_mm_set1_epi32((int32_t)(base + j)));
        simde_mm_storeu_si128((simde__m128i *)(void *)(out + k), rows);
        k += (size_t)__builtin_popcount(m);
    }
#else
    const simde__m256i vbase = simde_mm256_set1_epi32((int32_t)base);
    for (unsigned j = 0; j < 64; j += 8) {
        unsigned m = (unsigned)(mask >> j) & 0xffu;
        simde__m256i rows = simde_mm256_add_epi32(sli_lut_perm(m), vbase);
        simde_mm256_storeu_si256((simde__m256i *)(void *)(out + k),
                                 simde_mm256_add_epi32(rows, simde_mm256_set1_epi32((int32_t)j)));
        k += (size_t)__builtin_popcount(m);
    }
#endif
    return k;
}

/*
 * Appends to out[k..] the entries rows[j] for the set bits j of mask (a block
 * of 64 selected rows). rows may alias out (in-place filtering): every group of
 * lanes is loaded before its store, and the store ends at or before the end of
 * that group because k never passes the block's own position.
 * @return the new k.
 */
SLI_INLINE size_t sli_emit_rows(uint32_t *out, size_t k, const uint32_t *rows, uint64_t mask)
{
    if (mask == 0) return k;
#if SLI_SIMD_WIDTH == 512
    for (unsigned j = 0; j < 64; j += 16) {
        simde__mmask16 m = (simde__mmask16)(mask >> j);
        simde__m512i r = simde_mm512_loadu_si512(rows + j);
        simde_mm512_storeu_si512(out + k, simde_mm512_maskz_compress_epi32(m, r));
        k += (size_t)__builtin_popcount(m);
    }
#elif SLI_SIMD_WIDTH == 128
    for (unsigned j = 0; j < 64; j += 4) {
        unsigned m = (unsigned)(mask >> j) & 0xfu;
        simde__m128i r = simde_mm_loadu_si128((const simde__m128i *)(const void *)(rows + j));
        simde_mm_storeu_si128((simde__m128i *)(void *)(out + k),
                              simde_mm_shuffle_epi8(r, sli_lut_shuffle4(m)));
        k += (size_t)__builtin_popcount(m);
    }
#else
    for (unsigned j = 0; j < 64; j += 8) {
        unsigned m = (unsigned)(mask >> j) & 0xffu;
        simde__m256i r = simde_mm256_loadu_si256((const simde__m256i *)(const void *)(rows + j));
        simde_mm256_storeu_si256((simde__m256i *)(void *)(out + k),
                                 simde_mm256_permutevar8x32_epi32(r, sli_lut_perm(m)));
        k += (size_t)__builtin_popcount(m);
    }
#endif
    return k;
}

#endif
