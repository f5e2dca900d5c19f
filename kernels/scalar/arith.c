/*
 * scalar/arith.c — the scalar reference arithmetic kernels (arith.h).
 *
 * int64 add/sub/neg detect overflow per row (sign-bit tests) and OR the flags
 * together without branching, so the dense loops stay simple enough for the
 * compiler to vectorize. A dense mul first multiplies without a per-row test
 * (a loop that vectorizes) while bounding |a| and |b| over the rows; only
 * when the bounds cannot prove every product fits does it redo the rows with
 * __builtin_mul_overflow (see mul_i64). div/mod stop at the first zero divisor
 * or INT64_MIN / -1 (the division is slow anyway, and the branch is predictable). Decimal division by
 * div_scaled_i64 works in __int128 and rounds half away from zero. float64 kernels follow IEEE 754 and never
 * fail.
 */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/arith.h"
#include "rows.h"

/* ---- int64 add, sub, mul, neg: overflow flags accumulate ---------------------------- */

/*
 * add and sub compute in uint64_t (wrapping, defined) and derive overflow from
 * the sign bits: a sum overflows when both operands have the sign the result
 * lacks; a difference when the operands' signs differ and the result's sign
 * differs from a's. GCC 12 does not vectorize __builtin_add_overflow loops; it
 * does vectorize this form. mul uses __builtin_mul_overflow (there is no
 * cheaper exact test). Each sets *r and yields a word whose bit 63 is set on
 * overflow.
 */
static inline uint64_t add_ovf(int64_t x, int64_t y, int64_t *r)
{
    uint64_t s = (uint64_t)x + (uint64_t)y;
    *r = (int64_t)s;
    return ((uint64_t)x ^ s) & ((uint64_t)y ^ s);
}

static inline uint64_t sub_ovf(int64_t x, int64_t y, int64_t *r)
{
    uint64_t d = (uint64_t)x - (uint64_t)y;
    *r = (int64_t)d;
    return ((uint64_t)x ^ (uint64_t)y) & ((uint64_t)x ^ d);
}

static inline uint64_t mul_ovf(int64_t x, int64_t y, int64_t *r)
{
    return (uint64_t)__builtin_mul_overflow(x, y, r) << 63;
}

#define STAMP_CHECKED(name, OVF)                                                                             \
    static sl_arith_rc name(const int64_t *restrict a, const int64_t *restrict b, int64_t *restrict out,     \
                            const uint32_t *restrict sel, size_t n)                                          \
    {                                                                                                        \
        uint64_t bad = 0;                                                                                    \
        if (sel == NULL) {                                                                                   \
            for (size_t i = 0; i < n; i++) {                                                                 \
                int64_t r;                                                                                   \
                bad |= OVF(a[i], b[i], &r);                                                                  \
                out[i] = r;                                                                                  \
            }                                                                                                \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                                 \
                uint32_t row = sel[i];                                                                       \
                int64_t r;                                                                                   \
                bad |= OVF(a[row], b[row], &r);                                                              \
                out[row] = r;                                                                                \
            }                                                                                                \
        }                                                                                                    \
        return (bad >> 63) ? SL_ARITH_OVERFLOW : SL_ARITH_OK;                                                \
    }

STAMP_CHECKED(add_i64, add_ovf)
STAMP_CHECKED(sub_i64, sub_ovf)
STAMP_CHECKED(mul_checked_i64, mul_ovf)

/*
 * A magnitude word: x ^ (x >> 63) is |x| for x >= 0 and |x| - 1 for x < 0
 * (no overflow at INT64_MIN). When the OR of these words over some values is
 * below 2^k, every one of them is in [-2^k, 2^k), so |x| <= 2^k.
 */
static inline uint64_t mag_word(int64_t x)
{
    return (uint64_t)(x ^ (x >> 63));
}

/* @return the number of significant bits of w (0 for w == 0). */
static inline unsigned bit_len(uint64_t w)
{
    return w ? 64u - (unsigned)__builtin_clzll(w) : 0u;
}

/*
 * Dense rows take one pass that multiplies in uint64_t (wrapping, defined;
 * the low 64 bits of the product are the int64 result whenever it fits) and
 * ORs the magnitude words of a and of b, with no test per row, so the loop
 * vectorizes. With |a| <= 2^la and |b| <= 2^lb for every row (la, lb the bit
 * lengths of the two ORs), every |a * b| <= 2^(la + lb); la + lb <= 62 proves
 * that no product overflows and the pass's results stand. Otherwise some row
 * may overflow, and the checked loop redoes every row and gives the verdict.
 * A selection scatters its writes, which does not vectorize: it goes straight
 * to the checked loop, which costs the same per row.
 */
static sl_arith_rc mul_i64(const int64_t *restrict a, const int64_t *restrict b, int64_t *restrict out,
                           const uint32_t *restrict sel, size_t n)
{
    if (sel != NULL) return mul_checked_i64(a, b, out, sel, n);
    uint64_t ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        ma |= mag_word(a[i]);
        mb |= mag_word(b[i]);
        out[i] = (int64_t)((uint64_t)a[i] * (uint64_t)b[i]);
    }
    if (bit_len(ma) + bit_len(mb) <= 62) return SL_ARITH_OK;
    return mul_checked_i64(a, b, out, NULL, n);
}

/* ---- a * (k + b), a * (k - b): a product with a linear term ---------------------------- */

/* The checked loop: k +- b with the sign-bit test, then the product with
 * __builtin_mul_overflow; the flags of both steps accumulate. */
static sl_arith_rc mul_lin_checked(const int64_t *restrict a, const int64_t *restrict b, int64_t k, bool neg,
                                   int64_t *restrict out, const uint32_t *restrict sel, size_t n)
{
    uint64_t bad = 0;
#define LIN_ROW(row)                                                                                         \
    do {                                                                                                     \
        int64_t t_, r_;                                                                                      \
        bad |= neg ? sub_ovf(k, b[row], &t_) : add_ovf(k, b[row], &t_);                                      \
        bad |= mul_ovf(a[row], t_, &r_);                                                                     \
        out[row] = r_;                                                                                       \
    } while (0)
    FOR_ROWS(LIN_ROW);
#undef LIN_ROW
    return (bad >> 63) ? SL_ARITH_OVERFLOW : SL_ARITH_OK;
}

/* The dense pass for one sign (a constant after inlining): t = k +- b
 * wrapping, and the wrapping product a * t (a loop that vectorizes).
 * @return the overflow flags of k +- b; sets *ma and *mt to the ORs of the
 * magnitude words of a and of t. */
static inline __attribute__((always_inline)) uint64_t lin_pass(const int64_t *restrict a,
                                                               const int64_t *restrict b, int64_t k, bool neg,
                                                               int64_t *restrict out, size_t n, uint64_t *ma,
                                                               uint64_t *mt)
{
    uint64_t bad = 0, wa = 0, wt = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t t;
        bad |= neg ? sub_ovf(k, b[i], &t) : add_ovf(k, b[i], &t);
        wa |= mag_word(a[i]);
        wt |= mag_word(t);
        out[i] = (int64_t)((uint64_t)a[i] * (uint64_t)t);
    }
    *ma = wa;
    *mt = wt;
    return bad;
}

/* Dense rows take the one pass of their sign, like mul_i64's: no flag and
 * bit lengths summing to at most 62 prove every row exact; otherwise the
 * checked loop redoes the rows and gives the verdict. */
static sl_arith_rc mul_lin_i64(const int64_t *restrict a, const int64_t *restrict b, int64_t k, bool neg,
                               int64_t *restrict out, const uint32_t *restrict sel, size_t n)
{
    if (sel != NULL) return mul_lin_checked(a, b, k, neg, out, sel, n);
    uint64_t ma, mt;
    uint64_t bad =
        neg ? lin_pass(a, b, k, true, out, n, &ma, &mt) : lin_pass(a, b, k, false, out, n, &ma, &mt);
    if (!(bad >> 63) && bit_len(ma) + bit_len(mt) <= 62) return SL_ARITH_OK;
    return mul_lin_checked(a, b, k, neg, out, NULL, n);
}

/* -x overflows only for INT64_MIN. */
static sl_arith_rc neg_i64(const int64_t *restrict a, int64_t *restrict out, const uint32_t *restrict sel,
                           size_t n)
{
    uint64_t bad = 0;
#define NEG_ROW(row)                                                                                         \
    do {                                                                                                     \
        int64_t x_ = a[row];                                                                                 \
        bad |= (uint64_t)(x_ == INT64_MIN);                                                                  \
        out[row] = (int64_t)(0u - (uint64_t)x_);                                                             \
    } while (0)
    FOR_ROWS(NEG_ROW);
#undef NEG_ROW
    return bad ? SL_ARITH_OVERFLOW : SL_ARITH_OK;
}

/* ---- int64 div and mod: stop at the first problem -------------------------------- */

/* Truncates toward zero. */
static sl_arith_rc div_i64(const int64_t *restrict a, const int64_t *restrict b, int64_t *restrict out,
                           const uint32_t *restrict sel, size_t n)
{
#define DIV_ROW(row)                                                                                         \
    do {                                                                                                     \
        int64_t x = a[row], y = b[row];                                                                      \
        if (y == 0) return SL_ARITH_DIV_ZERO;                                                                \
        if (y == -1) {                                                                                       \
            if (x == INT64_MIN) return SL_ARITH_OVERFLOW;                                                    \
            out[row] = -x;                                                                                   \
        } else {                                                                                             \
            out[row] = x / y;                                                                                \
        }                                                                                                    \
    } while (0)
    FOR_ROWS(DIV_ROW);
#undef DIV_ROW
    return SL_ARITH_OK;
}

/* The remainder has the dividend's sign; INT64_MIN % -1 is 0 (no overflow). */
static sl_arith_rc mod_i64(const int64_t *restrict a, const int64_t *restrict b, int64_t *restrict out,
                           const uint32_t *restrict sel, size_t n)
{
#define MOD_ROW(row)                                                                                         \
    do {                                                                                                     \
        int64_t x = a[row], y = b[row];                                                                      \
        if (y == 0) return SL_ARITH_DIV_ZERO;                                                                \
        out[row] = y == -1 ? 0 : x % y;                                                                      \
    } while (0)
    FOR_ROWS(MOD_ROW);
#undef MOD_ROW
    return SL_ARITH_OK;
}

/* ---- decimal division ---------------------------------------------------------------- */

typedef __int128 i128;
typedef unsigned __int128 u128;

/* Sets *p = 10^k. @return 0 when 10^k does not fit in i128 (k > 38). */
static int pow10_i128(int k, i128 *p)
{
    i128 r = 1;
    for (int j = 0; j < k; j++)
        if (__builtin_mul_overflow(r, (i128)10, &r)) return 0;
    *p = r;
    return 1;
}

static inline u128 abs_u128(i128 x)
{
    return x < 0 ? (u128)0 - (u128)x : (u128)x;
}

/*
 * One row of round_half_away(x * num_mul / (y * den_mul)); exactly one of
 * num_mul, den_mul differs from 1. *_ok == 0 means the multiplier itself
 * exceeds i128 (|shift| > 38).
 */
static inline sl_arith_rc div_scaled_one(int64_t x, int64_t y, i128 num_mul, int num_ok, i128 den_mul,
                                         int den_ok, int64_t *res)
{
    if (y == 0) return SL_ARITH_DIV_ZERO;
    if (x == 0) {
        *res = 0;
        return SL_ARITH_OK;
    }
    i128 num, den;
    /* |num| >= 2^127 and |y| <= 2^63 give |quotient| >= 2^64: it cannot fit int64. */
    if (!num_ok || __builtin_mul_overflow((i128)x, num_mul, &num)) return SL_ARITH_OVERFLOW;
    /* |den| >= 2^127 and |x| <= 2^63 give |quotient| < 2^-63: it rounds to 0. */
    if (!den_ok || __builtin_mul_overflow((i128)y, den_mul, &den)) {
        *res = 0;
        return SL_ARITH_OK;
    }
    /* num != INT128_MIN: that would need 10^k to be a power of two with k > 0. */
    i128 q = num / den, r = num % den;
    u128 ar = abs_u128(r), ad = abs_u128(den);
    if (ar >= ad - ar) q += ((num < 0) != (den < 0)) ? -1 : 1; /* half or more: away from zero */
    if (q < INT64_MIN || q > INT64_MAX) return SL_ARITH_OVERFLOW;
    *res = (int64_t)q;
    return SL_ARITH_OK;
}

static sl_arith_rc div_scaled_i64(const int64_t *restrict a, const int64_t *restrict b, int shift,
                                  int64_t *restrict out, const uint32_t *restrict sel, size_t n)
{
    i128 num_mul = 1, den_mul = 1;
    int num_ok = 1, den_ok = 1;
    if (shift >= 0)
        num_ok = pow10_i128(shift, &num_mul);
    else
        den_ok = pow10_i128(shift == INT_MIN ? INT_MAX : -shift, &den_mul);
#define DSC_ROW(row)                                                                                         \
    do {                                                                                                     \
        sl_arith_rc rc_ = div_scaled_one(a[row], b[row], num_mul, num_ok, den_mul, den_ok, &out[row]);       \
        if (rc_ != SL_ARITH_OK) return rc_;                                                                  \
    } while (0)
    FOR_ROWS(DSC_ROW);
#undef DSC_ROW
    return SL_ARITH_OK;
}

/* ---- float64 ------------------------------------------------------------------------- */

#define STAMP_F64(name, EXPR)                                                                                \
    static sl_arith_rc name(const double *restrict a, const double *restrict b, double *restrict out,        \
                            const uint32_t *restrict sel, size_t n)                                          \
    {                                                                                                        \
        if (sel == NULL) {                                                                                   \
            for (size_t i = 0; i < n; i++) out[i] = EXPR(a[i], b[i]);                                        \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) {                                                                 \
                uint32_t row = sel[i];                                                                       \
                out[row] = EXPR(a[row], b[row]);                                                             \
            }                                                                                                \
        }                                                                                                    \
        return SL_ARITH_OK;                                                                                  \
    }

#define F_ADD(x, y) ((x) + (y))
#define F_SUB(x, y) ((x) - (y))
#define F_MUL(x, y) ((x) * (y))
#define F_DIV(x, y) ((x) / (y))
#define F_MOD(x, y) fmod((x), (y))
STAMP_F64(add_f64, F_ADD)
STAMP_F64(sub_f64, F_SUB)
STAMP_F64(mul_f64, F_MUL)
STAMP_F64(div_f64, F_DIV)
STAMP_F64(mod_f64, F_MOD)

static sl_arith_rc neg_f64(const double *restrict a, double *restrict out, const uint32_t *restrict sel,
                           size_t n)
{
#define NEGF_ROW(row) (out[row] = -a[row])
    FOR_ROWS(NEGF_ROW);
#undef NEGF_ROW
    return SL_ARITH_OK;
}

const sl_arith_kernels sli_arith_scalar = {
    .i64 = {add_i64, sub_i64, mul_i64, div_i64, mod_i64},
    .f64 = {add_f64, sub_f64, mul_f64, div_f64, mod_f64},
    .neg_i64 = neg_i64,
    .neg_f64 = neg_f64,
    .div_scaled_i64 = div_scaled_i64,
    .mul_lin_i64 = mul_lin_i64,
};
