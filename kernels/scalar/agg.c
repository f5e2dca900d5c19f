/*
 * scalar/agg.c — the scalar reference aggregate update kernels (agg.h).
 *
 * Two shapes per aggregate: the global aggregate (gid == NULL) folds the rows
 * into locals and touches the state once at the end, branch-free (a null row
 * contributes the operation's identity); the grouped aggregate updates
 * state[gid[row]] row by row. Both have dense and selected loops, with and
 * without a validity bitmap. min/max are stamped per type; float64 orders NaN
 * above every number (DuckDB's rule), and -0.0 equals 0.0 (the first seen is
 * kept).
 */
#include <stddef.h>
#include <stdint.h>

#include "kernels/agg.h"

static inline unsigned bit_at(const uint8_t *bits, size_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1u;
}

/* Runs BODY(row, valid, X) over the selection; `valid` is a 0/1 expression
 * and X is passed through (min/max pass their comparison macro). */
#define FOR_ROWS_VALID(BODY, X)                                                                              \
    do {                                                                                                     \
        if (sel == NULL && validity == NULL) {                                                               \
            for (size_t i = 0; i < n; i++) BODY(i, 1u, X);                                                   \
        } else if (sel == NULL) {                                                                            \
            for (size_t i = 0; i < n; i++) BODY(i, bit_at(validity, i), X);                                  \
        } else if (validity == NULL) {                                                                       \
            for (size_t i = 0; i < n; i++) BODY(sel[i], 1u, X);                                              \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                                 \
                uint32_t row = sel[i];                                                                       \
                BODY(row, bit_at(validity, row), X);                                                         \
            }                                                                                                \
        }                                                                                                    \
    } while (0)

/* ---- sum ---------------------------------------------------------------------------- */

/*
 * The global int64 sum splits each value into its signed high and unsigned
 * low 32-bit halves, x = hi * 2^32 + lo, and sums the halves in 64-bit
 * lanes, which the compiler vectorizes (it cannot vectorize __int128 adds).
 * Over at most 2^30 rows neither half-sum can overflow: |sum hi| < 2^61 and
 * sum lo < 2^62. A null row contributes 0 through an all-zero mask.
 */
#define SUM_BLOCK ((size_t)1 << 30) /* a multiple of 8: validity stays byte-aligned per block */

static __int128 sum_block(const int64_t *restrict v, const uint8_t *restrict validity,
                          const uint32_t *restrict sel, size_t n)
{
    int64_t shi = 0;
    uint64_t slo = 0;
#define SUM_G(row, valid, unused)                                                                            \
    do {                                                                                                     \
        int64_t x_ = v[row] & -(int64_t)(valid);                                                             \
        shi += x_ >> 32;                                                                                     \
        slo += (uint64_t)x_ & 0xffffffffu;                                                                   \
    } while (0)
    FOR_ROWS_VALID(SUM_G, _);
#undef SUM_G
    return (__int128)shi * ((__int128)1 << 32) + (__int128)slo;
}

static void sum_i64(__int128 *restrict state, const uint32_t *restrict gid, const int64_t *restrict v,
                    const uint8_t *restrict validity, const uint32_t *restrict sel, size_t n)
{
    if (gid == NULL) {
        __int128 acc = 0;
        for (size_t base = 0; base < n; base += SUM_BLOCK) {
            size_t m = n - base < SUM_BLOCK ? n - base : SUM_BLOCK;
            if (sel == NULL)
                acc += sum_block(v + base, validity ? validity + base / 8 : NULL, NULL, m);
            else
                acc += sum_block(v, validity, sel + base, m);
        }
        state[0] += acc;
        return;
    }
#define SUM_R(row, valid, unused) (state[gid[row]] += v[row] & -(int64_t)(valid))
    FOR_ROWS_VALID(SUM_R, _);
#undef SUM_R
}

static void sum_f64(double *restrict state, const uint32_t *restrict gid, const double *restrict v,
                    const uint8_t *restrict validity, const uint32_t *restrict sel, size_t n)
{
    if (gid == NULL) {
        double acc = state[0]; /* same order of additions as the grouped form */
#define SUMF_G(row, valid, unused) (acc += (valid) ? v[row] : 0.0)
        FOR_ROWS_VALID(SUMF_G, _);
#undef SUMF_G
        state[0] = acc;
        return;
    }
#define SUMF_R(row, valid, unused) (state[gid[row]] += (valid) ? v[row] : 0.0)
    FOR_ROWS_VALID(SUMF_R, _);
#undef SUMF_R
}

/* ---- count -------------------------------------------------------------------------- */

static void count_rows(int64_t *restrict state, const uint32_t *restrict gid,
                       const uint8_t *restrict validity, const uint32_t *restrict sel, size_t n)
{
    if (gid == NULL) {
        if (validity == NULL) {
            state[0] += (int64_t)n; /* count(*) */
            return;
        }
        int64_t acc = 0;
#define CNT_G(row, valid, unused) (acc += (valid))
        FOR_ROWS_VALID(CNT_G, _);
#undef CNT_G
        state[0] += acc;
        return;
    }
#define CNT_R(row, valid, unused) (state[gid[row]] += (valid))
    FOR_ROWS_VALID(CNT_R, _);
#undef CNT_R
}

/* ---- min / max ------------------------------------------------------------------------ */

/* BETTER(x, cur): x replaces the current extreme cur. */
#define LESS_INT(x, cur) ((x) < (cur))
#define MORE_INT(x, cur) ((x) > (cur))
/* NaN is the largest value: it never wins a min against a number, always wins a max. */
#define LESS_F64(x, cur) ((x) < (cur) || ((cur) != (cur) && (x) == (x)))
#define MORE_F64(x, cur) ((x) > (cur) || ((x) != (x) && (cur) == (cur)))

/*
 * Global: the running extreme lives in locals. When the state has no value
 * yet, the first valid row seeds it (the main loop compares that row against
 * itself again, harmlessly). The main loop is then a plain conditional
 * reduction, which the compiler can vectorize for ints.
 */
#define MM_G(row, valid, BETTER) (best = ((valid) && BETTER(v[row], best)) ? v[row] : best)

/* Grouped: one group's state per row. */
#define MM_R(row, valid, BETTER)                                                                             \
    do {                                                                                                     \
        uint32_t g_ = gid[row];                                                                              \
        if ((valid) && (!seen[g_] || BETTER(v[row], state[g_]))) {                                           \
            state[g_] = v[row];                                                                              \
            seen[g_] = 1;                                                                                    \
        }                                                                                                    \
    } while (0)

#define STAMP_MINMAX(name, T, BETTER)                                                                        \
    static void name(T *restrict state, uint8_t *restrict seen, const uint32_t *restrict gid,                \
                     const T *restrict v, const uint8_t *restrict validity, const uint32_t *restrict sel,    \
                     size_t n)                                                                               \
    {                                                                                                        \
        if (gid == NULL) {                                                                                   \
            T best = state[0];                                                                               \
            unsigned have = seen[0] != 0;                                                                    \
            for (size_t i = 0; i < n && !have; i++) { /* seed from the first valid row */                    \
                size_t row = sel ? sel[i] : i;                                                               \
                if (validity == NULL || bit_at(validity, row)) {                                             \
                    best = v[row];                                                                           \
                    have = 1;                                                                                \
                }                                                                                            \
            }                                                                                                \
            FOR_ROWS_VALID(MM_G, BETTER);                                                                    \
            state[0] = best;                                                                                 \
            seen[0] = (uint8_t)have;                                                                         \
            return;                                                                                          \
        }                                                                                                    \
        FOR_ROWS_VALID(MM_R, BETTER);                                                                        \
    }

#define STAMP_TYPE(tn, T, CMP)                                                                               \
    STAMP_MINMAX(min_##tn, T, LESS_##CMP)                                                                    \
    STAMP_MINMAX(max_##tn, T, MORE_##CMP)
STAMP_TYPE(i8, int8_t, INT)
STAMP_TYPE(i16, int16_t, INT)
STAMP_TYPE(i32, int32_t, INT)
STAMP_TYPE(i64, int64_t, INT)
STAMP_TYPE(f64, double, F64)

const sl_agg_kernels sli_agg_scalar = {
    .sum_i64 = sum_i64,
    .sum_f64 = sum_f64,
    .count = count_rows,
    .min_i8 = min_i8,
    .max_i8 = max_i8,
    .min_i16 = min_i16,
    .max_i16 = max_i16,
    .min_i32 = min_i32,
    .max_i32 = max_i32,
    .min_i64 = min_i64,
    .max_i64 = max_i64,
    .min_f64 = min_f64,
    .max_f64 = max_f64,
};
