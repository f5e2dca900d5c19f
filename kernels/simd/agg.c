/*
 * simd/agg.c — aggregate update kernels (agg.h) for each SIMD target (simd.h).
 *
 * The global forms (gid == NULL) are explicit SIMD:
 *  - int64 sum: each value x is split as x = hi * 2^32 + lo - neg * 2^64 with
 *    hi = x >> 32 and lo = x & (2^32 - 1) taken unsigned and neg = x >> 63
 *    (logical); the three parts are summed in 64-bit lanes, which cannot
 *    overflow within a flush block of 2^28 rows, and null rows are masked out;
 *  - count with a bitmap: a popcount over 64-bit words;
 *  - min/max: lane-wise min/max with nulls read as the identity; for float64
 *    the lanes find the extreme number and count NaNs, and where row order
 *    shows in the result (which zero, which NaN) a scan finds the first row,
 *    so the bits equal the reference's.
 * Selected rows and partial blocks are gathered into a local block of 64.
 *
 * The grouped (scatter) forms and the float64 sum (whose order of additions
 * the reference fixes, and which must match bit for bit) are the reference
 * code of kernels/scalar/agg.c compiled with this target's flags, included
 * below under a per-target name.
 */
#include "simd.h"

#include "kernels/agg.h"

#define sli_agg_scalar SLI_SIMD_CAT3(sli_agg_ref_, SLI_SIMD_ISA, )
#include "kernels/scalar/agg.c"
#undef sli_agg_scalar

/* ---- the global int64 sum --------------------------------------------------------------- */

#define FLUSH_ROWS ((size_t)1 << 28) /* lane sums stay below 2^62 */

#if SLI_SIMD_WIDTH == 512
typedef simde__m512i vec;
#define LANES         8
#define V_ZERO()      simde_mm512_setzero_si512()
#define V_LOAD(p)     simde_mm512_loadu_si512(p)
#define V_ADD(a, b)   simde_mm512_add_epi64((a), (b))
#define V_AND(a, b)   simde_mm512_and_si512((a), (b))
#define V_SRL(a, s)   simde_mm512_srli_epi64((a), (s))
#define V_SET1(x)     simde_mm512_set1_epi64((int64_t)(x))
#define V_STORE(p, a) simde_mm512_storeu_si512((p), (a))
/* Keeps the lanes whose bit in `bits` (LANES bits) is set. */
#define V_KEEP(a, bits) simde_mm512_maskz_mov_epi64((simde__mmask8)(bits), (a))
#elif SLI_SIMD_WIDTH == 128
typedef simde__m128i vec;
#define LANES           2
#define V_ZERO()        simde_mm_setzero_si128()
#define V_LOAD(p)       simde_mm_loadu_si128((const simde__m128i *)(const void *)(p))
#define V_ADD(a, b)     simde_mm_add_epi64((a), (b))
#define V_AND(a, b)     simde_mm_and_si128((a), (b))
#define V_SRL(a, s)     simde_mm_srli_epi64((a), (s))
#define V_SET1(x)       simde_mm_set1_epi64x((int64_t)(x))
#define V_STORE(p, a)   simde_mm_storeu_si128((simde__m128i *)(void *)(p), (a))
SLI_INLINE vec keep_lanes(vec a, unsigned bits)
{
    const vec lane_bit = simde_mm_set_epi64x(2, 1);
    vec m = simde_mm_cmpeq_epi64(V_AND(V_SET1(bits), lane_bit), lane_bit);
    return V_AND(a, m);
}
#define V_KEEP(a, bits) keep_lanes((a), (unsigned)(bits))
#else
typedef simde__m256i vec;
#define LANES           4
#define V_ZERO()        simde_mm256_setzero_si256()
#define V_LOAD(p)       simde_mm256_loadu_si256((const simde__m256i *)(const void *)(p))
#define V_ADD(a, b)     simde_mm256_add_epi64((a), (b))
#define V_AND(a, b)     simde_mm256_and_si256((a), (b))
#define V_SRL(a, s)     simde_mm256_srli_epi64((a), (s))
#define V_SET1(x)       simde_mm256_set1_epi64x((int64_t)(x))
#define V_STORE(p, a)   simde_mm256_storeu_si256((simde__m256i *)(void *)(p), (a))
SLI_INLINE vec keep_lanes(vec a, unsigned bits)
{
    const vec lane_bit = simde_mm256_setr_epi64x(1, 2, 4, 8);
    vec m = simde_mm256_cmpeq_epi64(V_AND(V_SET1(bits), lane_bit), lane_bit);
    return V_AND(a, m);
}
#define V_KEEP(a, bits) keep_lanes((a), (unsigned)(bits))
#endif

typedef struct split_acc {
    vec lo, hi, neg;
} split_acc;

SLI_INLINE void acc_add(split_acc *s, vec x)
{
    s->lo = V_ADD(s->lo, V_AND(x, V_SET1(0xffffffffu)));
    s->hi = V_ADD(s->hi, V_SRL(x, 32));
    s->neg = V_ADD(s->neg, V_SRL(x, 63));
}

/* The exact sum the lanes hold. */
SLI_INLINE __int128 acc_total(const split_acc *s)
{
    uint64_t lo[LANES], hi[LANES], neg[LANES];
    V_STORE(lo, s->lo);
    V_STORE(hi, s->hi);
    V_STORE(neg, s->neg);
    __int128 t = 0;
    for (unsigned j = 0; j < LANES; j++)
        t += (__int128)hi[j] * ((__int128)1 << 32) + (__int128)lo[j] - (__int128)neg[j] * ((__int128)1 << 64);
    return t;
}

/* Sum of 64 contiguous values; bit j of keep says whether value j counts. */
SLI_INLINE void acc_block(split_acc *s, const int64_t *p, uint64_t keep)
{
    if (keep == ~(uint64_t)0) {
        for (unsigned j = 0; j < 64; j += LANES) acc_add(s, V_LOAD(p + j));
    } else if (keep != 0) {
        for (unsigned j = 0; j < 64; j += LANES)
            acc_add(s, V_KEEP(V_LOAD(p + j), (keep >> j) & ((1u << LANES) - 1)));
    }
}

/* Global sum of n <= FLUSH_ROWS rows (sel, validity as in agg.h). */
static __int128 sum_flush_block(const int64_t *restrict v, const uint8_t *restrict validity,
                                const uint32_t *restrict sel, size_t n)
{
    split_acc s = {V_ZERO(), V_ZERO(), V_ZERO()};
    int64_t tmp[SLI_BLOCK] __attribute__((aligned(64)));
    size_t i = 0;
    if (sel == NULL) {
        for (; i + SLI_BLOCK <= n; i += SLI_BLOCK) {
            uint64_t keep = ~(uint64_t)0;
            if (validity) memcpy(&keep, validity + i / 8, 8); /* i is a multiple of 64 */
            acc_block(&s, v + i, keep);
        }
    } else {
        for (; i + SLI_BLOCK <= n; i += SLI_BLOCK) {
            uint64_t keep = ~(uint64_t)0;
            const uint32_t *rows = sel + i;
            for (unsigned j = 0; j < SLI_BLOCK; j++) tmp[j] = v[rows[j]];
            if (validity) {
                keep = 0;
                for (unsigned j = 0; j < SLI_BLOCK; j++) keep |= (uint64_t)bit_at(validity, rows[j]) << j;
            }
            acc_block(&s, tmp, keep);
        }
    }
    if (i < n) { /* the partial last block, through the local block */
        size_t r = n - i;
        uint64_t keep = sli_low_bits(r);
        for (size_t j = 0; j < r; j++) {
            size_t row = sel ? sel[i + j] : i + j;
            tmp[j] = v[row];
            if (validity && !bit_at(validity, row)) keep &= ~((uint64_t)1 << j);
        }
        memset(tmp + r, 0, (SLI_BLOCK - r) * sizeof tmp[0]);
        acc_block(&s, tmp, keep);
    }
    return acc_total(&s);
}

static void sum_i64_simd(__int128 *restrict state, const uint32_t *restrict gid, const int64_t *restrict v,
                         const uint8_t *restrict validity, const uint32_t *restrict sel, size_t n)
{
    /* Grouped: the reference scatter. Selected rows without a bitmap: the
     * reference's single pass beats gathering them into blocks first. */
    if (gid != NULL || (sel != NULL && validity == NULL)) {
        sum_i64(state, gid, v, validity, sel, n);
        return;
    }
    __int128 acc = 0;
    for (size_t base = 0; base < n; base += FLUSH_ROWS) { /* FLUSH_ROWS is a multiple of 64 */
        size_t m = n - base < FLUSH_ROWS ? n - base : FLUSH_ROWS;
        if (sel == NULL)
            acc += sum_flush_block(v + base, validity ? validity + base / 8 : NULL, NULL, m);
        else
            acc += sum_flush_block(v, validity, sel + base, m);
    }
    state[0] += acc;
}

/* ---- the global count --------------------------------------------------------------------- */

static void count_simd(int64_t *restrict state, const uint32_t *restrict gid,
                       const uint8_t *restrict validity, const uint32_t *restrict sel, size_t n)
{
    if (gid != NULL || validity == NULL || sel != NULL) {
        count_rows(state, gid, validity, sel, n); /* grouped, count(*) and selected rows */
        return;
    }
    int64_t acc = 0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        uint64_t w;
        memcpy(&w, validity + i / 8, 8);
        acc += __builtin_popcountll(w);
    }
    if (i < n) { /* at most 63 rows: whole bytes, then the bits of the last byte */
        size_t r = n - i;
        uint64_t w = 0;
        memcpy(&w, validity + i / 8, (r + 7) / 8);
        acc += __builtin_popcountll(w & sli_low_bits(r));
    }
    state[0] += acc;
}

/* ---- global min / max ------------------------------------------------------------------------ */

/*
 * Runs the statements ... for each block of 64 rows, with p_ pointing at the rows' values
 * contiguously (dense rows without a bitmap are read in place; otherwise the
 * selected rows are gathered into a local block), with FILL in place of null
 * rows and of the rows past n; bit j of keep_ says whether value j is a row's.
 */
#define FOR_VALUE_BLOCKS(T, FILL, ...)                                                                       \
    do {                                                                                                     \
        T tmp_[SLI_BLOCK] __attribute__((aligned(64)));                                                      \
        for (size_t i_ = 0; i_ < n; i_ += SLI_BLOCK) {                                                       \
            size_t r_ = n - i_ < SLI_BLOCK ? n - i_ : SLI_BLOCK;                                             \
            uint64_t keep_ = sli_low_bits(r_);                                                               \
            const T *p_ = v + i_;                                                                            \
            if (sel != NULL || validity != NULL || r_ < SLI_BLOCK) {                                         \
                for (size_t j_ = 0; j_ < SLI_BLOCK; j_++) {                                                  \
                    size_t row_ = j_ < r_ ? (sel ? sel[i_ + j_] : i_ + j_) : 0;                              \
                    int ok_ = j_ < r_ && (validity == NULL || bit_at(validity, row_));                       \
                    tmp_[j_] = ok_ ? v[row_] : (FILL);                                                       \
                    if (!ok_) keep_ &= ~((uint64_t)1 << j_);                                                 \
                }                                                                                            \
                p_ = tmp_;                                                                                   \
            }                                                                                                \
            __VA_ARGS__                                                                                      \
        }                                                                                                    \
    } while (0)

#if SLI_SIMD_WIDTH == 512
typedef simde__m512d vecd;
#define VI_LOAD(p)     simde_mm512_loadu_si512(p)
#define VI_STORE(p, a) simde_mm512_storeu_si512((p), (a))
#define MIN_i8         simde_mm512_min_epi8
#define MAX_i8         simde_mm512_max_epi8
#define MIN_i16        simde_mm512_min_epi16
#define MAX_i16        simde_mm512_max_epi16
#define MIN_i32        simde_mm512_min_epi32
#define MAX_i32        simde_mm512_max_epi32
#define MIN_i64        simde_mm512_min_epi64
#define MAX_i64        simde_mm512_max_epi64
#define SET1_i8(x)     simde_mm512_set1_epi8(x)
#define SET1_i16(x)    simde_mm512_set1_epi16(x)
#define SET1_i32(x)    simde_mm512_set1_epi32(x)
#define SET1_i64(x)    simde_mm512_set1_epi64(x)
#elif SLI_SIMD_WIDTH == 128
typedef simde__m128d vecd;
#define VI_LOAD(p)     simde_mm_loadu_si128((const simde__m128i *)(const void *)(p))
#define VI_STORE(p, a) simde_mm_storeu_si128((simde__m128i *)(void *)(p), (a))
#define MIN_i8         simde_mm_min_epi8
#define MAX_i8         simde_mm_max_epi8
#define MIN_i16        simde_mm_min_epi16
#define MAX_i16        simde_mm_max_epi16
#define MIN_i32        simde_mm_min_epi32
#define MAX_i32        simde_mm_max_epi32
/* No 64-bit min/max below AVX-512: compare and blend. */
SLI_INLINE vec min_i64_128(vec a, vec b)
{
    return simde_mm_blendv_epi8(a, b, simde_mm_cmpgt_epi64(a, b));
}
SLI_INLINE vec max_i64_128(vec a, vec b)
{
    return simde_mm_blendv_epi8(a, b, simde_mm_cmpgt_epi64(b, a));
}
#define MIN_i64        min_i64_128
#define MAX_i64        max_i64_128
#define SET1_i8(x)     simde_mm_set1_epi8(x)
#define SET1_i16(x)    simde_mm_set1_epi16(x)
#define SET1_i32(x)    simde_mm_set1_epi32(x)
#define SET1_i64(x)    simde_mm_set1_epi64x(x)
#else
typedef simde__m256d vecd;
#define VI_LOAD(p)     simde_mm256_loadu_si256((const simde__m256i *)(const void *)(p))
#define VI_STORE(p, a) simde_mm256_storeu_si256((simde__m256i *)(void *)(p), (a))
#define MIN_i8         simde_mm256_min_epi8
#define MAX_i8         simde_mm256_max_epi8
#define MIN_i16        simde_mm256_min_epi16
#define MAX_i16        simde_mm256_max_epi16
#define MIN_i32        simde_mm256_min_epi32
#define MAX_i32        simde_mm256_max_epi32
/* AVX2 has no 64-bit min/max: compare and blend. */
SLI_INLINE vec min_i64_256(vec a, vec b)
{
    return simde_mm256_blendv_epi8(a, b, simde_mm256_cmpgt_epi64(a, b));
}
SLI_INLINE vec max_i64_256(vec a, vec b)
{
    return simde_mm256_blendv_epi8(a, b, simde_mm256_cmpgt_epi64(b, a));
}
#define MIN_i64        min_i64_256
#define MAX_i64        max_i64_256
#define SET1_i8(x)     simde_mm256_set1_epi8(x)
#define SET1_i16(x)    simde_mm256_set1_epi16(x)
#define SET1_i32(x)    simde_mm256_set1_epi32(x)
#define SET1_i64(x)    simde_mm256_set1_epi64x(x)
#endif
#define VBYTES (SLI_SIMD_WIDTH / 8)

/*
 * Integers: the extreme of the valid rows by lane-wise min/max (null rows read
 * as the operation's identity), then folded with the state as the reference
 * does: the state counts only when seen, and a batch without valid rows leaves
 * everything unchanged. Equal integers are identical, so order cannot show.
 */
#define STAMP_MM_INT(name, tn, T, VOP, IDENT, PICK)                                                          \
    static void name##_simd(T *restrict state, uint8_t *restrict seen, const uint32_t *restrict gid,         \
                            const T *restrict v, const uint8_t *restrict validity,                           \
                            const uint32_t *restrict sel, size_t n)                                          \
    {                                                                                                        \
        if (gid != NULL) {                                                                                   \
            name(state, seen, gid, v, validity, sel, n); /* grouped: the reference scatter */                \
            return;                                                                                          \
        }                                                                                                    \
        vec acc = SET1_##tn(IDENT);                                                                          \
        uint64_t any = 0;                                                                                    \
        _Static_assert(SLI_BLOCK * sizeof(T) % VBYTES == 0, "whole vectors per block");                      \
        FOR_VALUE_BLOCKS(T, (IDENT), any |= keep_;                                                           \
                         for (size_t j = 0; j < SLI_BLOCK * sizeof(T) / VBYTES; j++) acc =                   \
                             VOP(acc, VI_LOAD((const char *)p_ + j * VBYTES)););                             \
        if (!any) return;                                                                                    \
        T lanes[VBYTES / sizeof(T)];                                                                         \
        VI_STORE(lanes, acc);                                                                                \
        T best = lanes[0];                                                                                   \
        for (size_t j = 1; j < VBYTES / sizeof(T); j++) best = PICK(lanes[j], best);                         \
        state[0] = seen[0] ? PICK(best, state[0]) : best;                                                    \
        seen[0] = 1;                                                                                         \
    }
#define PICK_MIN(x, y) ((x) < (y) ? (x) : (y))
#define PICK_MAX(x, y) ((x) > (y) ? (x) : (y))

STAMP_MM_INT(min_i8, i8, int8_t, MIN_i8, INT8_MAX, PICK_MIN)
STAMP_MM_INT(max_i8, i8, int8_t, MAX_i8, INT8_MIN, PICK_MAX)
STAMP_MM_INT(min_i16, i16, int16_t, MIN_i16, INT16_MAX, PICK_MIN)
STAMP_MM_INT(max_i16, i16, int16_t, MAX_i16, INT16_MIN, PICK_MAX)
STAMP_MM_INT(min_i32, i32, int32_t, MIN_i32, INT32_MAX, PICK_MIN)
STAMP_MM_INT(max_i32, i32, int32_t, MAX_i32, INT32_MIN, PICK_MAX)
STAMP_MM_INT(min_i64, i64, int64_t, MIN_i64, INT64_MAX, PICK_MIN)
STAMP_MM_INT(max_i64, i64, int64_t, MAX_i64, INT64_MIN, PICK_MAX)

/*
 * float64. The reference keeps the first value that no later value beats
 * (NaN is the largest value; -0.0 equals 0.0). Lanes find the extreme number
 * and count NaN rows; the state and, where order can show (a zero extreme,
 * a NaN result), a scan for the first such row then give the exact bits.
 */
#if SLI_SIMD_WIDTH == 512
#define VD_LOAD(p)     simde_mm512_loadu_pd(p)
#define VD_SET1(x)     simde_mm512_set1_pd(x)
#define VD_STORE(p, a) simde_mm512_storeu_pd((p), (a))
/* Lanes where x beats acc (strictly, ordered) take x. */
#define VD_TAKE(acc, x, PRED) simde_mm512_mask_mov_pd((acc), simde_mm512_cmp_pd_mask((x), (acc), PRED), (x))
#define VD_NANS(x)            ((unsigned)__builtin_popcount(simde_mm512_cmp_pd_mask((x), (x), SIMDE_CMP_UNORD_Q)))
#elif SLI_SIMD_WIDTH == 128
#define VD_LOAD(p)     simde_mm_loadu_pd(p)
#define VD_SET1(x)     simde_mm_set1_pd(x)
#define VD_STORE(p, a) simde_mm_storeu_pd((p), (a))
/* The SSE compares fix their predicate: PRED is SIMDE_CMP_GT_OQ or SIMDE_CMP_LT_OQ. */
#define VD_CMP(x, acc, PRED)                                                                                 \
    ((PRED) == SIMDE_CMP_GT_OQ ? simde_mm_cmpgt_pd((x), (acc)) : simde_mm_cmplt_pd((x), (acc)))
#define VD_TAKE(acc, x, PRED) simde_mm_blendv_pd((acc), (x), VD_CMP((x), (acc), PRED))
#define VD_NANS(x)            ((unsigned)__builtin_popcount(simde_mm_movemask_pd(simde_mm_cmpunord_pd((x), (x)))))
#else
#define VD_LOAD(p)            simde_mm256_loadu_pd(p)
#define VD_SET1(x)            simde_mm256_set1_pd(x)
#define VD_STORE(p, a)        simde_mm256_storeu_pd((p), (a))
#define VD_TAKE(acc, x, PRED) simde_mm256_blendv_pd((acc), (x), simde_mm256_cmp_pd((x), (acc), PRED))
#define VD_NANS(x)                                                                                           \
    ((unsigned)__builtin_popcount(simde_mm256_movemask_pd(simde_mm256_cmp_pd((x), (x), SIMDE_CMP_UNORD_Q))))
#endif
#define VD_LANES (VBYTES / 8)

/* @return the first valid row value v with PRED_ROW(v), in row order; *found set. */
#define FIRST_ROW(PRED_ROW, found, out_val)                                                                  \
    do {                                                                                                     \
        for (size_t i_ = 0; i_ < n && !(found); i_++) {                                                      \
            size_t row_ = sel ? sel[i_] : i_;                                                                \
            if ((validity == NULL || bit_at(validity, row_)) && PRED_ROW(v[row_])) {                         \
                (out_val) = v[row_];                                                                         \
                (found) = 1;                                                                                 \
            }                                                                                                \
        }                                                                                                    \
    } while (0)
#define IS_NAN(x)  ((x) != (x))
#define IS_ZERO(x) ((x) == 0.0)
#define ANY_ROW(x) 1

static void mm_f64(double *restrict state, uint8_t *restrict seen, const double *restrict v,
                   const uint8_t *restrict validity, const uint32_t *restrict sel, size_t n, int is_max)
{
    vecd acc = VD_SET1(is_max ? -__builtin_inf() : __builtin_inf());
    size_t valid = 0, nans = 0;
    FOR_VALUE_BLOCKS(
        double, (is_max ? -__builtin_inf() : __builtin_inf()), valid += (size_t)__builtin_popcountll(keep_);
        for (size_t j = 0; j < SLI_BLOCK; j += VD_LANES) {
            vecd x = VD_LOAD(p_ + j);
            nans += VD_NANS(x); /* fills are infinities, never NaN */
            acc = is_max ? VD_TAKE(acc, x, SIMDE_CMP_GT_OQ) : VD_TAKE(acc, x, SIMDE_CMP_LT_OQ);
        });
    if (valid == 0) return;
    double lanes[VD_LANES];
    VD_STORE(lanes, acc);
    double ext = lanes[0];
    for (size_t j = 1; j < VD_LANES; j++)
        if (is_max ? lanes[j] > ext : lanes[j] < ext) ext = lanes[j];
    int have = seen[0] != 0, state_nan = have && IS_NAN(state[0]);
    int found = 0;
    double res = 0;
    if (is_max ? (state_nan || nans > 0) : (nans == valid && (!have || state_nan))) {
        /* The result is a NaN: the state's, else the first NaN row's (min: the first row's). */
        if (state_nan) return; /* seen stays set */
        FIRST_ROW(IS_NAN, found, res);
    } else {
        /* The extreme number among the state (when a number) and the rows. */
        int rows_numeric = nans < valid;
        if (have && !state_nan && (!rows_numeric || (is_max ? !(ext > state[0]) : !(ext < state[0])))) {
            res = state[0]; /* ties keep the earlier value: the state */
            found = 1;
        } else if (IS_ZERO(ext)) {
            FIRST_ROW(IS_ZERO, found, res); /* -0.0 or 0.0: whichever came first */
        } else {
            res = ext;
            found = 1;
        }
    }
    if (found) {
        state[0] = res;
        seen[0] = 1;
    }
}

static void min_f64_simd(double *restrict state, uint8_t *restrict seen, const uint32_t *restrict gid,
                         const double *restrict v, const uint8_t *restrict validity,
                         const uint32_t *restrict sel, size_t n)
{
    if (gid != NULL)
        min_f64(state, seen, gid, v, validity, sel, n);
    else
        mm_f64(state, seen, v, validity, sel, n, 0);
}

static void max_f64_simd(double *restrict state, uint8_t *restrict seen, const uint32_t *restrict gid,
                         const double *restrict v, const uint8_t *restrict validity,
                         const uint32_t *restrict sel, size_t n)
{
    if (gid != NULL)
        max_f64(state, seen, gid, v, validity, sel, n);
    else
        mm_f64(state, seen, v, validity, sel, n, 1);
}

/* ---- the kernel set ------------------------------------------------------------------------ */

const sl_agg_kernels SLI_SIMD_NAME(agg) = {
    .sum_i64 = sum_i64_simd,
    .sum_f64 = sum_f64,
    .count = count_simd,
    .min_i8 = min_i8_simd,
    .max_i8 = max_i8_simd,
    .min_i16 = min_i16_simd,
    .max_i16 = max_i16_simd,
    .min_i32 = min_i32_simd,
    .max_i32 = max_i32_simd,
    .min_i64 = min_i64_simd,
    .max_i64 = max_i64_simd,
    .min_f64 = min_f64_simd,
    .max_f64 = max_f64_simd,
};

#ifdef SLI_SIMD_EMU
const sl_agg_variant sli_agg_emu_variant = {"avx512-emu", SL_ISA_NONE, &SLI_SIMD_NAME(agg)};
#endif
