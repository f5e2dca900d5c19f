/*
 * simd/filter.c — SIMD selection kernels (filter.h), one source for every
 * target (simd.h).
 *
 * Rows are tested 64 at a time: the comparisons of one block become one
 * uint64_t bitmask (compare + movemask on 128-bit targets and AVX2,
 * compare-into-mask on AVX-512), and the mask is compacted into row positions
 * (simd.h: a lookup table and a lane permutation or byte shuffle on 128-bit
 * targets and AVX2, compress on AVX-512). Dense input is
 * compared in place; selected input is first gathered into a local block. The
 * last partial block is copied into a local block too, so nothing is read
 * past row n-1 or the n-th selection entry. Strings stay with the scalar
 * reference (their comparisons are memcmp calls).
 *
 * As in the scalar kernels, out may be the same buffer as sel: simd.h's
 * emitters store a group of positions only after loading it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernels/filter.h"
#include "simd.h"

extern const sl_filter_kernels sli_filter_scalar;

/* ---- one block of 64 comparisons into a bitmask ---------------------------------- */

/* Integer operators reduce to == and > with swapped operands; NE, LE and GE
 * then invert the mask. */
SLI_INLINE int op_inverts(int op)
{
    return op == SL_CMP_NE || op == SL_CMP_LE || op == SL_CMP_GE;
}
/* Whether the > test takes (y, x) instead of (x, y). */
SLI_INLINE int op_swaps(int op)
{
    return op == SL_CMP_LT || op == SL_CMP_GE;
}

#if SLI_SIMD_WIDTH == 512

#define INT_MASK_512(bits, tn, T, LANES, SPLAT, EQ, GT)                                                      \
    SLI_INLINE uint64_t mask_##tn(const T *a, const T *b, T c, int op)                                       \
    {                                                                                                        \
        uint64_t m = 0;                                                                                      \
        const simde__m512i vc = SPLAT(c);                                                                    \
        for (unsigned j = 0; j < 64; j += LANES) {                                                           \
            simde__m512i x = simde_mm512_loadu_si512(a + j);                                                 \
            simde__m512i y = b ? simde_mm512_loadu_si512(b + j) : vc;                                        \
            uint64_t r;                                                                                      \
            if (op == SL_CMP_EQ || op == SL_CMP_NE)                                                          \
                r = (uint64_t)EQ(x, y);                                                                      \
            else if (op_swaps(op))                                                                           \
                r = (uint64_t)GT(y, x);                                                                      \
            else                                                                                             \
                r = (uint64_t)GT(x, y);                                                                      \
            m |= r << j;                                                                                     \
        }                                                                                                    \
        return op_inverts(op) ? ~m : m;                                                                      \
    }

/* SIMDe 0.7 lacks the 16-bit == and > mask compares; >= and <= give both. */
#define EQ16_512(x, y) (simde_mm512_cmpge_epi16_mask((x), (y)) & simde_mm512_cmple_epi16_mask((x), (y)))
#define GT16_512(x, y) ((simde__mmask32)~simde_mm512_cmple_epi16_mask((x), (y)))

INT_MASK_512(8, i8, int8_t, 64, simde_mm512_set1_epi8, simde_mm512_cmpeq_epi8_mask,
             simde_mm512_cmpgt_epi8_mask)
INT_MASK_512(16, i16, int16_t, 32, simde_mm512_set1_epi16, EQ16_512, GT16_512)
INT_MASK_512(32, i32, int32_t, 16, simde_mm512_set1_epi32, simde_mm512_cmpeq_epi32_mask,
             simde_mm512_cmpgt_epi32_mask)
INT_MASK_512(64, i64, int64_t, 8, simde_mm512_set1_epi64, simde_mm512_cmpeq_epi64_mask,
             simde_mm512_cmpgt_epi64_mask)

SLI_INLINE uint64_t mask_f64(const double *a, const double *b, double c, int op)
{
    uint64_t m = 0;
    const simde__m512d vc = simde_mm512_set1_pd(c);
    for (unsigned j = 0; j < 64; j += 8) {
        simde__m512d x = simde_mm512_loadu_pd(a + j);
        simde__m512d y = b ? simde_mm512_loadu_pd(b + j) : vc;
        simde__mmask8 r;
        switch (op) { /* IEEE: ordered tests are false with NaN; != is true */
        case SL_CMP_EQ: r = simde_mm512_cmp_pd_mask(x, y, SIMDE_CMP_EQ_OQ); break;
        case SL_CMP_NE: r = simde_mm512_cmp_pd_mask(x, y, SIMDE_CMP_NEQ_UQ); break;
        case SL_CMP_LT: r = simde_mm512_cmp_pd_mask(x, y, SIMDE_CMP_LT_OQ); break;
        case SL_CMP_LE: r = simde_mm512_cmp_pd_mask(x, y, SIMDE_CMP_LE_OQ); break;
        case SL_CMP_GT: r = simde_mm512_cmp_pd_mask(x, y, SIMDE_CMP_GT_OQ); break;
        default: r = simde_mm512_cmp_pd_mask(x, y, SIMDE_CMP_GE_OQ); break;
        }
        m |= (uint64_t)r << j;
    }
    return m;
}

/* Bytes that are nonzero. */
SLI_INLINE uint64_t mask_nonzero8(const uint8_t *p)
{
    simde__m512i x = simde_mm512_loadu_si512(p);
    return (uint64_t)simde_mm512_test_epi8_mask(x, x);
}

#elif SLI_SIMD_WIDTH == 128

/* 16 lanes of 0/-1 bytes into 16 bits. */
SLI_INLINE uint64_t bits8(simde__m128i r)
{
    return (uint32_t)simde_mm_movemask_epi8(r);
}
/* Two registers of 8 lanes of 0/-1 words into 16 bits, in lane order. */
SLI_INLINE uint64_t bits16(simde__m128i r0, simde__m128i r1)
{
    return (uint32_t)simde_mm_movemask_epi8(simde_mm_packs_epi16(r0, r1));
}
SLI_INLINE uint64_t bits32(simde__m128i r)
{
    return (uint32_t)simde_mm_movemask_ps(simde_mm_castsi128_ps(r));
}
SLI_INLINE uint64_t bits64(simde__m128i r)
{
    return (uint32_t)simde_mm_movemask_pd(simde_mm_castsi128_pd(r));
}

/* The lane-wise test for op (without the final inversion). */
#define CMP128(EQ, GT, x, y, op)                                                                             \
    (((op) == SL_CMP_EQ || (op) == SL_CMP_NE) ? EQ(x, y) : op_swaps(op) ? GT(y, x) : GT(x, y))
#define LOADI(p) simde_mm_loadu_si128((const simde__m128i *)(const void *)(p))

/* Stamps mask_<tn> for LANES lanes per register; BITS turns one register's result into bits. */
#define INT_MASK_128(tn, T, LANES, SPLAT, EQ, GT, BITS)                                                      \
    SLI_INLINE uint64_t mask_##tn(const T *a, const T *b, T c, int op)                                       \
    {                                                                                                        \
        uint64_t m = 0;                                                                                      \
        const simde__m128i vc = SPLAT(c);                                                                    \
        for (unsigned j = 0; j < 64; j += LANES) {                                                           \
            simde__m128i x = LOADI(a + j), y = b ? LOADI(b + j) : vc;                                        \
            m |= BITS(CMP128(EQ, GT, x, y, op)) << j;                                                        \
        }                                                                                                    \
        return op_inverts(op) ? ~m : m;                                                                      \
    }
INT_MASK_128(i8, int8_t, 16, simde_mm_set1_epi8, simde_mm_cmpeq_epi8, simde_mm_cmpgt_epi8, bits8)
INT_MASK_128(i32, int32_t, 4, simde_mm_set1_epi32, simde_mm_cmpeq_epi32, simde_mm_cmpgt_epi32, bits32)
INT_MASK_128(i64, int64_t, 2, simde_mm_set1_epi64x, simde_mm_cmpeq_epi64, simde_mm_cmpgt_epi64, bits64)

SLI_INLINE uint64_t mask_i16(const int16_t *a, const int16_t *b, int16_t c, int op)
{
    uint64_t m = 0;
    const simde__m128i vc = simde_mm_set1_epi16(c);
    for (unsigned j = 0; j < 64; j += 16) {
        simde__m128i x0 = LOADI(a + j), y0 = b ? LOADI(b + j) : vc;
        simde__m128i x1 = LOADI(a + j + 8), y1 = b ? LOADI(b + j + 8) : vc;
        simde__m128i r0 = CMP128(simde_mm_cmpeq_epi16, simde_mm_cmpgt_epi16, x0, y0, op);
        simde__m128i r1 = CMP128(simde_mm_cmpeq_epi16, simde_mm_cmpgt_epi16, x1, y1, op);
        m |= bits16(r0, r1) << j;
    }
    return op_inverts(op) ? ~m : m;
}

SLI_INLINE uint64_t mask_f64(const double *a, const double *b, double c, int op)
{
    uint64_t m = 0;
    const simde__m128d vc = simde_mm_set1_pd(c);
    for (unsigned j = 0; j < 64; j += 2) {
        simde__m128d x = simde_mm_loadu_pd(a + j);
        simde__m128d y = b ? simde_mm_loadu_pd(b + j) : vc;
        simde__m128d r;
        switch (op) { /* IEEE: ordered tests are false with NaN; != is true */
        case SL_CMP_EQ: r = simde_mm_cmpeq_pd(x, y); break;
        case SL_CMP_NE: r = simde_mm_cmpneq_pd(x, y); break;
        case SL_CMP_LT: r = simde_mm_cmplt_pd(x, y); break;
        case SL_CMP_LE: r = simde_mm_cmple_pd(x, y); break;
        case SL_CMP_GT: r = simde_mm_cmpgt_pd(x, y); break;
        default: r = simde_mm_cmpge_pd(x, y); break;
        }
        m |= (uint64_t)(uint32_t)simde_mm_movemask_pd(r) << j;
    }
    return m;
}

SLI_INLINE uint64_t mask_nonzero8(const uint8_t *p)
{
    const simde__m128i zero = simde_mm_setzero_si128();
    uint64_t z = 0;
    for (unsigned j = 0; j < 64; j += 16) z |= bits8(simde_mm_cmpeq_epi8(LOADI(p + j), zero)) << j;
    return ~z;
}

#else /* 256 */

/* 32 lanes of 0/-1 bytes into 32 bits. */
SLI_INLINE uint64_t bits8(simde__m256i r)
{
    return (uint32_t)simde_mm256_movemask_epi8(r);
}
/* Two registers of 16 lanes of 0/-1 words into 32 bits, in lane order. */
SLI_INLINE uint64_t bits16(simde__m256i r0, simde__m256i r1)
{
    simde__m256i p = simde_mm256_permute4x64_epi64(simde_mm256_packs_epi16(r0, r1), 0xD8);
    return (uint32_t)simde_mm256_movemask_epi8(p);
}
SLI_INLINE uint64_t bits32(simde__m256i r)
{
    return (uint32_t)simde_mm256_movemask_ps(simde_mm256_castsi256_ps(r));
}
SLI_INLINE uint64_t bits64(simde__m256i r)
{
    return (uint32_t)simde_mm256_movemask_pd(simde_mm256_castsi256_pd(r));
}

/* The lane-wise test for op (without the final inversion). */
#define CMP256(EQ, GT, x, y, op)                                                                             \
    (((op) == SL_CMP_EQ || (op) == SL_CMP_NE) ? EQ(x, y) : op_swaps(op) ? GT(y, x) : GT(x, y))
#define LOADI(p) simde_mm256_loadu_si256((const simde__m256i *)(const void *)(p))

SLI_INLINE uint64_t mask_i8(const int8_t *a, const int8_t *b, int8_t c, int op)
{
    uint64_t m = 0;
    const simde__m256i vc = simde_mm256_set1_epi8(c);
    for (unsigned j = 0; j < 64; j += 32) {
        simde__m256i x = LOADI(a + j), y = b ? LOADI(b + j) : vc;
        m |= bits8(CMP256(simde_mm256_cmpeq_epi8, simde_mm256_cmpgt_epi8, x, y, op)) << j;
    }
    return op_inverts(op) ? ~m : m;
}

SLI_INLINE uint64_t mask_i16(const int16_t *a, const int16_t *b, int16_t c, int op)
{
    uint64_t m = 0;
    const simde__m256i vc = simde_mm256_set1_epi16(c);
    for (unsigned j = 0; j < 64; j += 32) {
        simde__m256i x0 = LOADI(a + j), y0 = b ? LOADI(b + j) : vc;
        simde__m256i x1 = LOADI(a + j + 16), y1 = b ? LOADI(b + j + 16) : vc;
        simde__m256i r0 = CMP256(simde_mm256_cmpeq_epi16, simde_mm256_cmpgt_epi16, x0, y0, op);
        simde__m256i r1 = CMP256(simde_mm256_cmpeq_epi16, simde_mm256_cmpgt_epi16, x1, y1, op);
        m |= bits16(r0, r1) << j;
    }
    return op_inverts(op) ? ~m : m;
}

SLI_INLINE uint64_t mask_i32(const int32_t *a, const int32_t *b, int32_t c, int op)
{
    uint64_t m = 0;
    const simde__m256i vc = simde_mm256_set1_epi32(c);
    for (unsigned j = 0; j < 64; j += 8) {
        simde__m256i x = LOADI(a + j), y = b ? LOADI(b + j) : vc;
        m |= bits32(CMP256(simde_mm256_cmpeq_epi32, simde_mm256_cmpgt_epi32, x, y, op)) << j;
    }
    return op_inverts(op) ? ~m : m;
}

SLI_INLINE uint64_t mask_i64(const int64_t *a, const int64_t *b, int64_t c, int op)
{
    uint64_t m = 0;
    const simde__m256i vc = simde_mm256_set1_epi64x(c);
    for (unsigned j = 0; j < 64; j += 4) {
        simde__m256i x = LOADI(a + j), y = b ? LOADI(b + j) : vc;
        m |= bits64(CMP256(simde_mm256_cmpeq_epi64, simde_mm256_cmpgt_epi64, x, y, op)) << j;
    }
    return op_inverts(op) ? ~m : m;
}

SLI_INLINE uint64_t mask_f64(const double *a, const double *b, double c, int op)
{
    uint64_t m = 0;
    const simde__m256d vc = simde_mm256_set1_pd(c);
    for (unsigned j = 0; j < 64; j += 4) {
        simde__m256d x = simde_mm256_loadu_pd(a + j);
        simde__m256d y = b ? simde_mm256_loadu_pd(b + j) : vc;
        simde__m256d r;
        switch (op) { /* IEEE: ordered tests are false with NaN; != is true */
        case SL_CMP_EQ: r = simde_mm256_cmp_pd(x, y, SIMDE_CMP_EQ_OQ); break;
        case SL_CMP_NE: r = simde_mm256_cmp_pd(x, y, SIMDE_CMP_NEQ_UQ); break;
        case SL_CMP_LT: r = simde_mm256_cmp_pd(x, y, SIMDE_CMP_LT_OQ); break;
        case SL_CMP_LE: r = simde_mm256_cmp_pd(x, y, SIMDE_CMP_LE_OQ); break;
        case SL_CMP_GT: r = simde_mm256_cmp_pd(x, y, SIMDE_CMP_GT_OQ); break;
        default: r = simde_mm256_cmp_pd(x, y, SIMDE_CMP_GE_OQ); break;
        }
        m |= (uint64_t)(uint32_t)simde_mm256_movemask_pd(r) << j;
    }
    return m;
}

SLI_INLINE uint64_t mask_nonzero8(const uint8_t *p)
{
    const simde__m256i zero = simde_mm256_setzero_si256();
    uint64_t z = bits8(simde_mm256_cmpeq_epi8(LOADI(p), zero)) |
                 bits8(simde_mm256_cmpeq_epi8(LOADI(p + 32), zero)) << 32;
    return ~z;
}

#endif

/* ---- gathering a block of selected rows --------------------------------------------- */

/*
 * dst[j] = src[rows[j]] for the 64 rows of a block, by single loads. (AVX2
 * gathers were measured slower than single loads on the development
 * machine's AMD EPYC, and SIMDe 0.7 has no 512-bit gathers.)
 */
#define GATHER_BLOCK(tn, T)                                                                                  \
    SLI_INLINE void gather_block_##tn(T *dst, const T *src, const uint32_t *rows)                            \
    {                                                                                                        \
        for (unsigned j = 0; j < SLI_BLOCK; j++) dst[j] = src[rows[j]];                                      \
    }
SLI_FILTER_TYPES(GATHER_BLOCK)

/* ---- the block loop -------------------------------------------------------------- */

/* The test of a range kernel, next to the sl_cmp operators: c <= x <= hi. */
#define OP_RANGE SL_CMP_COUNT

/*
 * Stamps test_<tn>, a block's mask for op (OP_RANGE: both bounds' masks of
 * the same values, loaded once after inlining), and cmp_<tn>(a, b, c, hi,
 * sel, n, out, op): b == NULL compares with c. Full blocks of dense rows
 * are tested in place; selected rows are gathered into va/vb. The partial
 * last block is gathered too, with its row numbers, and compacted into a
 * local buffer first (out may be shorter than a whole block there). op is
 * a constant in every caller, so the test's choice folds away.
 */
#define STAMP_BLOCKS(tn, T)                                                                                  \
    SLI_INLINE uint64_t test_##tn(const T *x, const T *y, T c, T hi, int op)                                 \
    {                                                                                                        \
        if (op == OP_RANGE) return mask_##tn(x, NULL, c, SL_CMP_GE) & mask_##tn(x, NULL, hi, SL_CMP_LE);     \
        return mask_##tn(x, y, c, op);                                                                       \
    }                                                                                                        \
    SLI_INLINE size_t cmp_##tn(const T *a, const T *b, T c, T hi, const uint32_t *sel, size_t n,             \
                               uint32_t *out, int op)                                                        \
    {                                                                                                        \
        size_t k = 0, i = 0;                                                                                 \
        T va[SLI_BLOCK] __attribute__((aligned(64)));                                                        \
        T vb[SLI_BLOCK] __attribute__((aligned(64)));                                                        \
        if (sel == NULL) {                                                                                   \
            for (; i + SLI_BLOCK <= n; i += SLI_BLOCK)                                                       \
                k = sli_emit_dense(out, k, (uint32_t)i, test_##tn(a + i, b ? b + i : NULL, c, hi, op));      \
        } else {                                                                                             \
            for (; i + SLI_BLOCK <= n; i += SLI_BLOCK) {                                                     \
                const uint32_t *rows = sel + i;                                                              \
                gather_block_##tn(va, a, rows);                                                              \
                if (b) gather_block_##tn(vb, b, rows);                                                       \
                k = sli_emit_rows(out, k, rows, test_##tn(va, b ? vb : NULL, c, hi, op));                    \
            }                                                                                                \
        }                                                                                                    \
        if (i < n) {                                                                                         \
            size_t r = n - i;                                                                                \
            uint32_t rows[SLI_BLOCK] __attribute__((aligned(64)));                                           \
            uint32_t part[SLI_BLOCK + 16] __attribute__((aligned(64)));                                      \
            memset(va, 0, sizeof va);                                                                        \
            memset(vb, 0, sizeof vb);                                                                        \
            for (size_t j = 0; j < r; j++) {                                                                 \
                rows[j] = sel ? sel[i + j] : (uint32_t)(i + j);                                              \
                va[j] = a[rows[j]];                                                                          \
                if (b) vb[j] = b[rows[j]];                                                                   \
            }                                                                                                \
            memset(rows + r, 0, (SLI_BLOCK - r) * sizeof rows[0]);                                           \
            uint64_t m = test_##tn(va, b ? vb : NULL, c, hi, op) & sli_low_bits(r);                          \
            size_t t = sli_emit_rows(part, 0, rows, m);                                                      \
            memcpy(out + k, part, t * sizeof part[0]);                                                       \
            k += t;                                                                                          \
        }                                                                                                    \
        return k;                                                                                            \
    }
SLI_FILTER_TYPES(STAMP_BLOCKS)

/* range_<tn>(v, lo, hi, ...): the block loop with the range test. */
#define STAMP_RANGE(tn, T)                                                                                   \
    static size_t range_##tn(const T *restrict v, T lo, T hi, const uint32_t *sel, size_t n, uint32_t *out)  \
    {                                                                                                        \
        return cmp_##tn(v, NULL, lo, hi, sel, n, out, OP_RANGE);                                             \
    }
SLI_FILTER_TYPES(STAMP_RANGE)

/* One function per type, operator and shape, as filter.h's tables want them. */
#define STAMP_OP(tn, T, opn, OPC)                                                                            \
    static size_t cmp_const_##tn##_##opn(const T *restrict v, T c, const uint32_t *sel, size_t n,            \
                                         uint32_t *out)                                                      \
    {                                                                                                        \
        return cmp_##tn(v, NULL, c, c, sel, n, out, OPC);                                                    \
    }                                                                                                        \
    static size_t cmp_col_##tn##_##opn(const T *restrict a, const T *restrict b, const uint32_t *sel,        \
                                       size_t n, uint32_t *out)                                              \
    {                                                                                                        \
        return cmp_##tn(a, b, (T)0, (T)0, sel, n, out, OPC);                                                 \
    }
/* clang-format off */
#define STAMP_TYPE(tn, T)                                                                                    \
    STAMP_OP(tn, T, eq, SL_CMP_EQ) STAMP_OP(tn, T, ne, SL_CMP_NE) STAMP_OP(tn, T, lt, SL_CMP_LT)            \
    STAMP_OP(tn, T, le, SL_CMP_LE) STAMP_OP(tn, T, gt, SL_CMP_GT) STAMP_OP(tn, T, ge, SL_CMP_GE)
/* clang-format on */
SLI_FILTER_TYPES(STAMP_TYPE)

/* ---- validity, bool and dictionary codes ------------------------------------------- */

/*
 * Stamps a kernel whose block mask comes from DENSE_MASK(i) for 64 dense rows
 * starting at i, or from BYTE(row) (0 or nonzero) gathered per selected row.
 */
#define STAMP_BYTES(name, PARAMS, DENSE_MASK, BYTE)                                                          \
    static size_t name PARAMS                                                                                \
    {                                                                                                        \
        size_t k = 0, i = 0;                                                                                 \
        uint8_t tmp[SLI_BLOCK] __attribute__((aligned(64)));                                                 \
        if (sel == NULL) {                                                                                   \
            for (; i + SLI_BLOCK <= n; i += SLI_BLOCK)                                                       \
                k = sli_emit_dense(out, k, (uint32_t)i, DENSE_MASK(i));                                      \
        } else {                                                                                             \
            for (; i + SLI_BLOCK <= n; i += SLI_BLOCK) {                                                     \
                const uint32_t *rows = sel + i;                                                              \
                for (unsigned j = 0; j < SLI_BLOCK; j++) tmp[j] = BYTE(rows[j]);                             \
                k = sli_emit_rows(out, k, rows, mask_nonzero8(tmp));                                         \
            }                                                                                                \
        }                                                                                                    \
        if (i < n) {                                                                                         \
            size_t r = n - i;                                                                                \
            uint32_t rows[SLI_BLOCK] __attribute__((aligned(64)));                                           \
            uint32_t part[SLI_BLOCK + 16] __attribute__((aligned(64)));                                      \
            memset(tmp, 0, sizeof tmp);                                                                      \
            memset(rows, 0, sizeof rows);                                                                    \
            for (size_t j = 0; j < r; j++) {                                                                 \
                rows[j] = sel ? sel[i + j] : (uint32_t)(i + j);                                              \
                tmp[j] = BYTE(rows[j]);                                                                      \
            }                                                                                                \
            size_t t = sli_emit_rows(part, 0, rows, mask_nonzero8(tmp) & sli_low_bits(r));                   \
            memcpy(out + k, part, t * sizeof part[0]);                                                       \
            k += t;                                                                                          \
        }                                                                                                    \
        return k;                                                                                            \
    }

SLI_INLINE uint64_t load_bits64(const uint8_t *bits, size_t row) /* row is a multiple of 64 */
{
    uint64_t w;
    memcpy(&w, bits + row / 8, 8); /* little-endian: bit j of the word is row + j */
    return w;
}

#define VALID_DENSE(i)  load_bits64(validity, (i))
#define VALID_BYTE(row) ((uint8_t)((validity[(row) >> 3] >> ((row)&7)) & 1u))
#define TRUE_DENSE(i)   mask_nonzero8(v + (i))
#define TRUE_BYTE(row)  v[(row)]
#define CODE_BYTE(row)  pass[codes[(row)]]

STAMP_BYTES(valid_bits, (const uint8_t *restrict validity, const uint32_t *sel, size_t n, uint32_t *out),
            VALID_DENSE, VALID_BYTE)
STAMP_BYTES(select_true, (const uint8_t *restrict v, const uint32_t *sel, size_t n, uint32_t *out),
            TRUE_DENSE, TRUE_BYTE)

/* Dictionary codes: pass[] is looked up per row, then tested 64 at a time. */
static size_t select_codes(const int32_t *restrict codes, const uint8_t *restrict pass, const uint32_t *sel,
                           size_t n, uint32_t *out)
{
    size_t k = 0, i = 0;
    uint8_t tmp[SLI_BLOCK] __attribute__((aligned(64)));
    for (; i + SLI_BLOCK <= n; i += SLI_BLOCK) {
        if (sel == NULL) {
            for (unsigned j = 0; j < SLI_BLOCK; j++) tmp[j] = CODE_BYTE(i + j);
            k = sli_emit_dense(out, k, (uint32_t)i, mask_nonzero8(tmp));
        } else {
            const uint32_t *rows = sel + i;
            for (unsigned j = 0; j < SLI_BLOCK; j++) tmp[j] = CODE_BYTE(rows[j]);
            k = sli_emit_rows(out, k, rows, mask_nonzero8(tmp));
        }
    }
    if (i < n) {
        size_t r = n - i;
        uint32_t rows[SLI_BLOCK] __attribute__((aligned(64)));
        uint32_t part[SLI_BLOCK + 16] __attribute__((aligned(64)));
        memset(tmp, 0, sizeof tmp);
        memset(rows, 0, sizeof rows);
        for (size_t j = 0; j < r; j++) {
            rows[j] = sel ? sel[i + j] : (uint32_t)(i + j);
            tmp[j] = CODE_BYTE(rows[j]);
        }
        size_t t = sli_emit_rows(part, 0, rows, mask_nonzero8(tmp) & sli_low_bits(r));
        memcpy(out + k, part, t * sizeof part[0]);
        k += t;
    }
    return k;
}

static size_t select_valid(const uint8_t *restrict validity, const uint32_t *sel, size_t n, uint32_t *out)
{
    /* As in the scalar kernel: no bitmap means every row is valid. */
    if (validity == NULL) {
        if (sel == NULL) {
            size_t k = 0;
            for (; k + SLI_BLOCK <= n; k += SLI_BLOCK) sli_emit_dense(out, k, (uint32_t)k, ~(uint64_t)0);
            for (; k < n; k++) out[k] = (uint32_t)k;
            return k;
        }
        if (out != sel) memmove(out, sel, n * sizeof *sel);
        return n;
    }
    return valid_bits(validity, sel, n, out);
}

/* ---- strings: the scalar reference (memcmp per row) ------------------------------------ */

static size_t str_const(sl_cmp op, const sli_strview *restrict v, sli_strview c, const uint32_t *restrict sel,
                        size_t n, uint32_t *restrict out)
{
    return sli_filter_scalar.str_const(op, v, c, sel, n, out);
}

static size_t str_col(sl_cmp op, const sli_strview *restrict a, const sli_strview *restrict b,
                      const uint32_t *restrict sel, size_t n, uint32_t *restrict out)
{
    return sli_filter_scalar.str_col(op, a, b, sel, n, out);
}

/* ---- bitmaps of dense rows ------------------------------------------------------------ */

/* bits_range_<tn>: the range test of each 64-row block into its word (see
 * filter.h); the partial last block is tested from a zeroed local copy. */
#define STAMP_BITS_RANGE(tn, T)                                                                              \
    static size_t bits_range_##tn(const T *restrict v, T lo, T hi, size_t n, uint64_t *restrict bits,        \
                                  bool and_into)                                                             \
    {                                                                                                        \
        size_t w = 0, i = 0, k = 0;                                                                          \
        if (and_into) {                                                                                      \
            for (; i + SLI_BLOCK <= n; i += SLI_BLOCK, w++)                                                  \
                if (bits[w]) {                                                                               \
                    bits[w] &= test_##tn(v + i, NULL, lo, hi, OP_RANGE);                                     \
                    k += (size_t)__builtin_popcountll(bits[w]);                                              \
                }                                                                                            \
        } else {                                                                                             \
            for (; i + SLI_BLOCK <= n; i += SLI_BLOCK, w++) {                                                \
                bits[w] = test_##tn(v + i, NULL, lo, hi, OP_RANGE);                                          \
                k += (size_t)__builtin_popcountll(bits[w]);                                                  \
            }                                                                                                \
        }                                                                                                    \
        if (i < n && (!and_into || bits[w])) {                                                               \
            T va[SLI_BLOCK] __attribute__((aligned(64)));                                                    \
            memset(va, 0, sizeof va);                                                                        \
            memcpy(va, v + i, (n - i) * sizeof(T));                                                          \
            uint64_t m = test_##tn(va, NULL, lo, hi, OP_RANGE) & sli_low_bits(n - i);                        \
            bits[w] = and_into ? bits[w] & m : m;                                                            \
            k += (size_t)__builtin_popcountll(bits[w]);                                                      \
        }                                                                                                    \
        return k;                                                                                            \
    }
SLI_FILTER_TYPES(STAMP_BITS_RANGE)

static size_t bits_rows(const uint64_t *restrict bits, size_t n, uint32_t *restrict out)
{
    size_t k = 0, i = 0, w = 0;
    for (; i + SLI_BLOCK <= n; i += SLI_BLOCK, w++) k = sli_emit_dense(out, k, (uint32_t)i, bits[w]);
    if (i < n) {
        uint32_t part[SLI_BLOCK + 16] __attribute__((aligned(64)));
        size_t t = sli_emit_dense(part, 0, (uint32_t)i, bits[w] & sli_low_bits(n - i));
        memcpy(out + k, part, t * sizeof part[0]);
        k += t;
    }
    return k;
}

/* ---- the kernel set ------------------------------------------------------------------ */

#define OPS_ARRAY(pre, tn)                                                                                   \
    {                                                                                                        \
        pre##tn##_eq, pre##tn##_ne, pre##tn##_lt, pre##tn##_le, pre##tn##_gt, pre##tn##_ge                   \
    }
#define MEMBERS(tn, T)                                                                                       \
    .cmp_const_##tn = OPS_ARRAY(cmp_const_, tn), .cmp_col_##tn = OPS_ARRAY(cmp_col_, tn),                    \
    .range_##tn = range_##tn, .bits_range_##tn = bits_range_##tn,

/* clang-format off */
const sl_filter_kernels SLI_SIMD_NAME(filter) = {
    SLI_FILTER_TYPES(MEMBERS)
    .valid = select_valid,
    .is_true = select_true,
    .str_const = str_const,
    .str_col = str_col,
    .codes = select_codes,
    .bits_rows = bits_rows,
};
/* clang-format on */

#ifdef SLI_SIMD_EMU
const sl_filter_variant sli_filter_emu_variant = {"avx512-emu", SL_ISA_NONE, &SLI_SIMD_NAME(filter)};
#endif
