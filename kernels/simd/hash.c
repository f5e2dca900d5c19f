/*
 * simd/hash.c — hashing kernels (hash.h) for each SIMD target (simd.h).
 *
 * int32, int64 and float64 keys are hashed LANES rows at a time (4 on AVX2,
 * 8 on AVX-512) with the reference's functions
 * written in vector form: the value widened to 64 bits (float64: -0.0 as 0.0,
 * every NaN as one NaN), plus the seed, through the multiply/xor-shift
 * finalizer; null rows take SL_HASH_NULL by a lane blend; combine() folds in
 * an earlier column's hash. AVX2 has no 64-bit multiply, so it is built from
 * three 32-bit ones; the 128-bit build keeps the reference loops. Dense 64-bit keys load and store in place;
 * other keys, selected rows and the partial last vector go through a local
 * block, so only selected rows are read and written. Strings and dictionary
 * codes use the reference loops of
 * kernels/scalar/hash.c, compiled here with the target's flags.
 */
#include "simd.h"

#include "kernels/hash.h"

#define sli_hash_scalar SLI_SIMD_CAT3(sli_hash_ref_, SLI_SIMD_ISA, )
#include "kernels/scalar/hash.c"
#undef sli_hash_scalar

/*
 * With two 64-bit lanes, the three-multiply product costs more than the
 * scalar multiplies it replaces (measured on the development machine for
 * dense, selected and combined keys alike): the 128-bit build keeps the
 * reference loops, compiled with its flags, for numeric keys too.
 */
#if SLI_SIMD_WIDTH == 128
#define NUMERIC_HASH(simd, ref) ref
#else
#define NUMERIC_HASH(simd, ref) simd

#if SLI_SIMD_WIDTH == 512
typedef simde__m512i vec;
#define LANES         8
#define V_LOAD(p)     simde_mm512_loadu_si512(p)
#define V_STORE(p, a) simde_mm512_storeu_si512((p), (a))
#define V_SET1(x)     simde_mm512_set1_epi64((int64_t)(x))
#define V_ADD(a, b)   simde_mm512_add_epi64((a), (b))
#define V_XOR(a, b)   simde_mm512_xor_si512((a), (b))
#define V_SRL(a, s)   simde_mm512_srli_epi64((a), (s))
#if defined(SIMDE_X86_AVX512DQ_NATIVE)
#define V_MUL(a, b) simde_mm512_mullo_epi64((a), (b))
#else
/* SIMDe's emulated 64-bit multiply overflows signed lanes (undefined in C);
 * the emulated build multiplies unsigned lanes itself. */
SLI_INLINE vec mul64(vec a, vec b)
{
    uint64_t x[LANES], y[LANES];
    V_STORE(x, a);
    V_STORE(y, b);
    for (unsigned j = 0; j < LANES; j++) x[j] *= y[j];
    return V_LOAD(x);
}
#define V_MUL(a, b) mul64((a), (b))
#endif
/* Lanes whose bit in `bits` is set take a, the others b. */
#define V_PICK(bits, a, b) simde_mm512_mask_blend_epi64((simde__mmask8)(bits), (b), (a))

/* float64 bits with -0.0 as 0.0 and every NaN as the canonical quiet NaN. */
SLI_INLINE vec norm_f64(vec x)
{
    simde__m512d d = simde_mm512_castsi512_pd(x);
    simde__mmask8 zero = simde_mm512_cmp_pd_mask(d, simde_mm512_setzero_pd(), SIMDE_CMP_EQ_OQ);
    simde__mmask8 nan = simde_mm512_cmp_pd_mask(d, d, SIMDE_CMP_UNORD_Q);
    x = simde_mm512_mask_mov_epi64(x, zero, simde_mm512_setzero_si512());
    return simde_mm512_mask_mov_epi64(x, nan, V_SET1(0x7ff8000000000000ull));
}
#else
typedef simde__m256i vec;
#define LANES              4
#define V_LOAD(p)          simde_mm256_loadu_si256((const simde__m256i *)(const void *)(p))
#define V_STORE(p, a)      simde_mm256_storeu_si256((simde__m256i *)(void *)(p), (a))
#define V_SET1(x)          simde_mm256_set1_epi64x((int64_t)(x))
#define V_ADD(a, b)        simde_mm256_add_epi64((a), (b))
#define V_XOR(a, b)        simde_mm256_xor_si256((a), (b))
#define V_SRL(a, s)        simde_mm256_srli_epi64((a), (s))

/* The low 64 bits of a * b: lo*lo + ((hi*lo + lo*hi) << 32). */
SLI_INLINE vec mul64(vec a, vec b)
{
    vec lo = simde_mm256_mul_epu32(a, b);
    vec cross =
        simde_mm256_add_epi64(simde_mm256_mul_epu32(V_SRL(a, 32), b), simde_mm256_mul_epu32(a, V_SRL(b, 32)));
    return V_ADD(lo, simde_mm256_slli_epi64(cross, 32));
}
#define V_MUL(a, b)        mul64((a), (b))

SLI_INLINE vec pick(unsigned bits, vec a, vec b)
{
    const vec lane_bit = simde_mm256_setr_epi64x(1, 2, 4, 8);
    vec m = simde_mm256_cmpeq_epi64(simde_mm256_and_si256(V_SET1(bits), lane_bit), lane_bit);
    return simde_mm256_blendv_epi8(b, a, m);
}
#define V_PICK(bits, a, b) pick((unsigned)(bits), (a), (b))

SLI_INLINE vec norm_f64(vec x)
{
    simde__m256d d = simde_mm256_castsi256_pd(x);
    vec zero = simde_mm256_castpd_si256(simde_mm256_cmp_pd(d, simde_mm256_setzero_pd(), SIMDE_CMP_EQ_OQ));
    vec nan = simde_mm256_castpd_si256(simde_mm256_cmp_pd(d, d, SIMDE_CMP_UNORD_Q));
    x = simde_mm256_andnot_si256(zero, x);
    return simde_mm256_blendv_epi8(x, V_SET1(0x7ff8000000000000ull), nan);
}
#endif

SLI_INLINE vec fmix_vec(vec x)
{
    x = V_XOR(x, V_SRL(x, 33));
    x = V_MUL(x, V_SET1(K_MUL1));
    x = V_XOR(x, V_SRL(x, 33));
    x = V_MUL(x, V_SET1(K_MUL2));
    return V_XOR(x, V_SRL(x, 33));
}

/*
 * Stamps a kernel over keys of type T: WIDEN(x) gives a key's 64 bits as
 * uint64_t, NORM(vec) normalizes them (floats), then h = fmix(bits + seed).
 * Dense rows are read and written in place. Selected rows go through local
 * blocks of SLI_BLOCK rows: their keys (and, to combine, earlier hashes) are
 * gathered by scalar loads first, hashed from the block, then scattered; a
 * vector load right after scalar stores to the same bytes would stall on
 * store forwarding, so no vector ever reads a lane written just before.
 */
#define STAMP_HASH_VEC(name, T, WIDEN, NORM)                                                                 \
    SLI_INLINE vec name##_lanes(vec x, unsigned valid, int nullable, const uint64_t *old)                    \
    {                                                                                                        \
        vec h = fmix_vec(V_ADD(NORM(x), V_SET1(K_SEED)));                                                    \
        if (nullable) h = V_PICK(valid, h, V_SET1(SL_HASH_NULL));                                            \
        if (old) h = fmix_vec(V_XOR(V_MUL(V_LOAD(old), V_SET1(K_COMB)), h));                                 \
        return h;                                                                                            \
    }                                                                                                        \
    static void name(const T *restrict v, const uint8_t *restrict validity, const uint32_t *restrict sel,    \
                     size_t n, int comb, uint64_t *restrict out)                                             \
    {                                                                                                        \
        const unsigned all = (1u << LANES) - 1;                                                              \
        uint64_t xs[SLI_BLOCK] __attribute__((aligned(64)));                                                 \
        uint64_t hs[SLI_BLOCK] __attribute__((aligned(64)));                                                 \
        size_t i = 0;                                                                                        \
        if (sel == NULL && sizeof(T) == 8) { /* 64-bit keys: their bits as they are, in place */             \
            for (; i + LANES <= n; i += LANES) {                                                             \
                unsigned valid = validity ? (validity[i >> 3] >> (i & 7)) & all : all; /* i % LANES == 0 */  \
                V_STORE(out + i,                                                                             \
                        name##_lanes(V_LOAD(v + i), valid, validity != NULL, comb ? out + i : NULL));        \
            }                                                                                                \
        }                                                                                                    \
        for (; i < n; i += SLI_BLOCK) {                                                                      \
            size_t r = n - i < SLI_BLOCK ? n - i : SLI_BLOCK;                                                \
            uint64_t valid = sli_low_bits(r);                                                                \
            for (size_t j = 0; j < r; j++) {                                                                 \
                size_t row = sel ? sel[i + j] : i + j;                                                       \
                xs[j] = WIDEN(v[row]);                                                                       \
                if (comb) hs[j] = out[row];                                                                  \
                if (validity && !bit_at(validity, row)) valid &= ~((uint64_t)1 << j);                        \
            }                                                                                                \
            for (size_t j = r; j < SLI_BLOCK; j++) xs[j] = hs[j] = 0;                                        \
            for (size_t j = 0; j < r; j += LANES)                                                            \
                V_STORE(hs + j, name##_lanes(V_LOAD(xs + j), (unsigned)(valid >> j) & all, validity != NULL, \
                                             comb ? hs + j : NULL));                                         \
            for (size_t j = 0; j < r; j++) out[sel ? sel[i + j] : i + j] = hs[j];                            \
        }                                                                                                    \
    }

#define WIDEN_INT(x) ((uint64_t)(int64_t)(x))
SLI_INLINE uint64_t f64_bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}
#define NORM_NONE(x) (x)

STAMP_HASH_VEC(hash_i32_simd, int32_t, WIDEN_INT, NORM_NONE)
STAMP_HASH_VEC(hash_i64_simd, int64_t, WIDEN_INT, NORM_NONE)
STAMP_HASH_VEC(hash_f64_simd, double, f64_bits, norm_f64)
#endif /* SLI_SIMD_WIDTH != 128 */

const sl_hash_kernels SLI_SIMD_NAME(hash) = {
    .i32 = NUMERIC_HASH(hash_i32_simd, hash_i32),
    .i64 = NUMERIC_HASH(hash_i64_simd, hash_i64),
    .f64 = NUMERIC_HASH(hash_f64_simd, hash_f64v),
    .str = hash_str,
    .codes = hash_codes,
};

#ifdef SLI_SIMD_EMU
const sl_hash_variant sli_hash_emu_variant = {"avx512-emu", SL_ISA_NONE, &SLI_SIMD_NAME(hash)};
#endif
