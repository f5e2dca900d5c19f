/*
 * scalar/cast.c — the scalar reference conversion kernels (cast.h): the
 * 5 x 5 matrix of casts between int8, int16, int32, int64 and float64, and
 * the decimal rescaling kernels.
 *
 * Each matrix entry is stamped from one of five conversions: COPY (the
 * diagonal), WIDEN (int to a wider int, always fits), NARROW (int to a
 * narrower int, range-checked), TOF (int to float64) and FTOI (float64 to
 * int: truncate toward zero, range-checked, NaN does not fit). Range failures
 * are ORed into a flag without branching per row.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/cast.h"
#include "rows.h"

/* C type and limits per type name. */
#define CT_i8   int8_t
#define CT_i16  int16_t
#define CT_i32  int32_t
#define CT_i64  int64_t
#define CT_f64  double
#define MIN_i8  INT8_MIN
#define MIN_i16 INT16_MIN
#define MIN_i32 INT32_MIN
#define MIN_i64 INT64_MIN
#define MAX_i8  INT8_MAX
#define MAX_i16 INT16_MAX
#define MAX_i32 INT32_MAX
#define MAX_i64 INT64_MAX

/* Each conversion reads x (type F) and stores y (type T), setting bad on failure. */
#define CONV_COPY(F, T, x, y)  ((y) = (x))
#define CONV_WIDEN(F, T, x, y) ((y) = (CT_##T)(x))
#define CONV_TOF(F, T, x, y)   ((y) = (double)(x))
#define CONV_NARROW(F, T, x, y)                                                                              \
    do {                                                                                                     \
        int64_t w_ = (int64_t)(x);                                                                           \
        bad |= (unsigned)((w_ < (int64_t)MIN_##T) | (w_ > (int64_t)MAX_##T));                                \
        (y) = (CT_##T)w_; /* out of range: implementation-defined wrap, flagged */                           \
    } while (0)
/* The range [MIN, -MIN) is exact in double for every int type (powers of two).
 * Comparisons with NaN are false, so NaN is flagged. A flagged value is not
 * converted (that would be undefined); 0 is stored instead. */
#define CONV_FTOI(F, T, x, y)                                                                                \
    do {                                                                                                     \
        double t_ = trunc(x);                                                                                \
        int ok_ = (t_ >= (double)MIN_##T) & (t_ < -(double)MIN_##T);                                         \
        bad |= (unsigned)!ok_;                                                                               \
        (y) = (CT_##T)(ok_ ? t_ : 0.0);                                                                      \
    } while (0)

#define STAMP_CAST(F, T, KIND)                                                                               \
    static sl_arith_rc cast_##F##_##T(const void *restrict in_, void *restrict out_,                         \
                                      const uint32_t *restrict sel, size_t n)                                \
    {                                                                                                        \
        const CT_##F *restrict in = in_;                                                                     \
        CT_##T *restrict out = out_;                                                                         \
        unsigned bad = 0;                                                                                    \
        if (sel == NULL) {                                                                                   \
            for (size_t i = 0; i < n; i++) CONV_##KIND(F, T, in[i], out[i]);                                 \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                                 \
                uint32_t row = sel[i];                                                                       \
                CONV_##KIND(F, T, in[row], out[row]);                                                        \
            }                                                                                                \
        }                                                                                                    \
        return bad ? SL_ARITH_OVERFLOW : SL_ARITH_OK;                                                        \
    }

/* Every (from, to) pair with its conversion, rows in sl_ptype order. */
/* clang-format off */
#define CAST_MATRIX(X)                                                                                       \
    X(i8, i8, COPY)    X(i8, i16, WIDEN)   X(i8, i32, WIDEN)   X(i8, i64, WIDEN)   X(i8, f64, TOF)           \
    X(i16, i8, NARROW) X(i16, i16, COPY)   X(i16, i32, WIDEN)  X(i16, i64, WIDEN)  X(i16, f64, TOF)          \
    X(i32, i8, NARROW) X(i32, i16, NARROW) X(i32, i32, COPY)   X(i32, i64, WIDEN)  X(i32, f64, TOF)          \
    X(i64, i8, NARROW) X(i64, i16, NARROW) X(i64, i32, NARROW) X(i64, i64, COPY)   X(i64, f64, TOF)          \
    X(f64, i8, FTOI)   X(f64, i16, FTOI)   X(f64, i32, FTOI)   X(f64, i64, FTOI)   X(f64, f64, COPY)
/* clang-format on */

CAST_MATRIX(STAMP_CAST)

/* ---- decimal rescaling ------------------------------------------------------------ */

static sl_arith_rc scale_up(const int64_t *restrict a, int64_t factor, int64_t *restrict out,
                            const uint32_t *restrict sel, size_t n)
{
    unsigned bad = 0;
#define UP_ROW(row)                                                                                          \
    do {                                                                                                     \
        int64_t r_;                                                                                          \
        bad |= (unsigned)__builtin_mul_overflow(a[row], factor, &r_);                                        \
        out[row] = r_;                                                                                       \
    } while (0)
    FOR_ROWS(UP_ROW);
#undef UP_ROW
    return bad ? SL_ARITH_OVERFLOW : SL_ARITH_OK;
}

/* a / factor rounded half away from zero. factor 0 is a division by zero;
 * factor -1 negates (INT64_MIN overflows). For |factor| >= 2 the rounded
 * quotient always fits. */
static sl_arith_rc scale_down(const int64_t *restrict a, int64_t factor, int64_t *restrict out,
                              const uint32_t *restrict sel, size_t n)
{
    if (factor == 0) return n ? SL_ARITH_DIV_ZERO : SL_ARITH_OK; /* as if each row divided */
    unsigned bad = 0;
    if (factor == 1 || factor == -1) {
        uint64_t m = factor == 1 ? 0 : ~(uint64_t)0; /* conditional negation: (x ^ m) - m */
#define UNIT_ROW(row)                                                                                        \
    do {                                                                                                     \
        int64_t x_ = a[row];                                                                                 \
        bad |= (unsigned)(m != 0 && x_ == INT64_MIN);                                                        \
        out[row] = (int64_t)(((uint64_t)x_ ^ m) - m);                                                        \
    } while (0)
        FOR_ROWS(UNIT_ROW);
#undef UNIT_ROW
        return bad ? SL_ARITH_OVERFLOW : SL_ARITH_OK;
    }
    uint64_t af = factor < 0 ? 0u - (uint64_t)factor : (uint64_t)factor;
#define DOWN_ROW(row)                                                                                        \
    do {                                                                                                     \
        int64_t x_ = a[row];                                                                                 \
        int64_t q_ = x_ / factor, r_ = x_ % factor;                                                          \
        uint64_t ar_ = r_ < 0 ? 0u - (uint64_t)r_ : (uint64_t)r_;                                            \
        int64_t away_ = ((x_ ^ factor) < 0) ? -1 : 1; /* the exact quotient's sign */                        \
        out[row] = q_ + (int64_t)(ar_ >= af - ar_) * away_;                                                  \
    } while (0)
    FOR_ROWS(DOWN_ROW);
#undef DOWN_ROW
    return SL_ARITH_OK;
}

static sl_arith_rc unscale_f64(const int64_t *restrict a, double factor, double *restrict out,
                               const uint32_t *restrict sel, size_t n)
{
#define UNSCALE_ROW(row) (out[row] = (double)a[row] / factor)
    FOR_ROWS(UNSCALE_ROW);
#undef UNSCALE_ROW
    return SL_ARITH_OK;
}

/* llround(a * factor) where |result| < 10^18 (exact in double); NaN and
 * infinities fail. round() rounds half away from zero like llround. */
static sl_arith_rc scale_f64(const double *restrict a, double factor, int64_t *restrict out,
                             const uint32_t *restrict sel, size_t n)
{
    unsigned bad = 0;
#define SCALE_ROW(row)                                                                                       \
    do {                                                                                                     \
        double r_ = round(a[row] * factor);                                                                  \
        int ok_ = fabs(r_) < 1e18;                                                                           \
        bad |= (unsigned)!ok_;                                                                               \
        out[row] = (int64_t)(ok_ ? r_ : 0.0);                                                                \
    } while (0)
    FOR_ROWS(SCALE_ROW);
#undef SCALE_ROW
    return bad ? SL_ARITH_OVERFLOW : SL_ARITH_OK;
}

#define MATRIX_ENTRY(F, T, KIND) [SL_P_##F][SL_P_##T] = cast_##F##_##T,
#define SL_P_i8                  SL_P_I8
#define SL_P_i16                 SL_P_I16
#define SL_P_i32                 SL_P_I32
#define SL_P_i64                 SL_P_I64
#define SL_P_f64                 SL_P_F64

const sl_cast_kernels sli_cast_scalar = {
    .cast = {CAST_MATRIX(MATRIX_ENTRY)},
    .scale_up = scale_up,
    .scale_down = scale_down,
    .unscale_f64 = unscale_f64,
    .scale_f64 = scale_f64,
};
