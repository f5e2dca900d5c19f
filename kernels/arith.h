/*
 * arith.h — arithmetic kernels over two columns: out[row] = a[row] op b[row]
 * for each row in the selection (sel == NULL: rows 0..n-1). Constants are
 * passed as a column filled once. Rows outside the selection are not written.
 *
 * Integer kernels (int64, also scaled decimals) detect overflow and, for
 * div/mod, a zero divisor; float kernels follow IEEE 754.
 * @return SL_ARITH_OK, or the first problem met (the output is then undefined).
 */
#ifndef SLI_KERNELS_ARITH_H
#define SLI_KERNELS_ARITH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isa.h"

typedef enum sl_arith_op { SL_ARITH_ADD = 0, SL_ARITH_SUB, SL_ARITH_MUL, SL_ARITH_DIV, SL_ARITH_MOD, SL_ARITH_OP_COUNT } sl_arith_op;

typedef enum sl_arith_rc { SL_ARITH_OK = 0, SL_ARITH_OVERFLOW = 1, SL_ARITH_DIV_ZERO = 2 } sl_arith_rc;

typedef sl_arith_rc sl_arith_i64_fn(const int64_t *restrict a, const int64_t *restrict b, int64_t *restrict out,
                                    const uint32_t *restrict sel, size_t n);
typedef sl_arith_rc sl_arith_f64_fn(const double *restrict a, const double *restrict b, double *restrict out,
                                    const uint32_t *restrict sel, size_t n);
/** out = -a (int64: overflow on INT64_MIN). */
typedef sl_arith_rc sl_neg_i64_fn(const int64_t *restrict a, int64_t *restrict out, const uint32_t *restrict sel,
                                  size_t n);
typedef sl_arith_rc sl_neg_f64_fn(const double *restrict a, double *restrict out, const uint32_t *restrict sel,
                                  size_t n);
/**
 * Decimal division: out = round_half_away(a * 10^shift / b), computed in
 * 128 bits. Used for decimal / decimal when the result stays decimal.
 */
typedef sl_arith_rc sl_div_scaled_i64_fn(const int64_t *restrict a, const int64_t *restrict b, int shift,
                                         int64_t *restrict out, const uint32_t *restrict sel, size_t n);

/**
 * out = a * (k + b), or a * (k - b) when neg: a column times a constant
 * plus or minus another (price * (1 - discount)) in one pass; overflow of
 * either step, in a selected row, is SL_ARITH_OVERFLOW.
 */
typedef sl_arith_rc sl_mul_lin_i64_fn(const int64_t *restrict a, const int64_t *restrict b, int64_t k, bool neg,
                                      int64_t *restrict out, const uint32_t *restrict sel, size_t n);

typedef struct sl_arith_kernels {
    sl_arith_i64_fn *i64[SL_ARITH_OP_COUNT]; /**< div truncates toward zero; mod has the dividend's sign */
    sl_arith_f64_fn *f64[SL_ARITH_OP_COUNT]; /**< mod is fmod */
    sl_neg_i64_fn *neg_i64;
    sl_neg_f64_fn *neg_f64;
    sl_div_scaled_i64_fn *div_scaled_i64;
    sl_mul_lin_i64_fn *mul_lin_i64;
} sl_arith_kernels;

typedef struct sl_arith_variant {
    const char *name;
    sl_isa isa;
    const sl_arith_kernels *k;
} sl_arith_variant;

extern const sl_arith_variant sl_arith_variants[];
extern const size_t sl_arith_variant_count;
const sl_arith_variant *sli_arith_select(void);

#endif
