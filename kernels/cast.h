/*
 * cast.h — conversion kernels between physical types, over a selection
 * (sel == NULL: rows 0..n-1). Only selected rows are read and written.
 * @return SL_ARITH_OK or SL_ARITH_OVERFLOW when a value does not fit.
 */
#ifndef SLI_KERNELS_CAST_H
#define SLI_KERNELS_CAST_H

#include <stddef.h>
#include <stdint.h>

#include "arith.h"
#include "isa.h"

/* Physical type codes for the cast matrix. */
typedef enum sl_ptype { SL_P_I8 = 0, SL_P_I16, SL_P_I32, SL_P_I64, SL_P_F64, SL_P_COUNT } sl_ptype;

/** out[row] = (To)in[row]; integer narrowing and float->int check the range;
 *  float->int truncates toward zero. in and out point at arrays of the
 *  physical types named by the matrix position. */
typedef sl_arith_rc sl_cast_fn(const void *restrict in, void *restrict out, const uint32_t *restrict sel, size_t n);

/** out = a * factor, checked (decimal scale up, int -> decimal). */
typedef sl_arith_rc sl_scale_up_fn(const int64_t *restrict a, int64_t factor, int64_t *restrict out,
                                   const uint32_t *restrict sel, size_t n);
/** out = a / factor rounded half away from zero (decimal scale down). */
typedef sl_arith_rc sl_scale_down_fn(const int64_t *restrict a, int64_t factor, int64_t *restrict out,
                                     const uint32_t *restrict sel, size_t n);
/** out = (double)a / factor (decimal -> float64). */
typedef sl_arith_rc sl_unscale_f64_fn(const int64_t *restrict a, double factor, double *restrict out,
                                      const uint32_t *restrict sel, size_t n);
/** out = llround(a * factor), checked against |out| < 10^18 (float64 -> decimal). */
typedef sl_arith_rc sl_scale_f64_fn(const double *restrict a, double factor, int64_t *restrict out,
                                    const uint32_t *restrict sel, size_t n);

typedef struct sl_cast_kernels {
    sl_cast_fn *cast[SL_P_COUNT][SL_P_COUNT]; /**< [from][to]; the diagonal copies */
    sl_scale_up_fn *scale_up;
    sl_scale_down_fn *scale_down;
    sl_unscale_f64_fn *unscale_f64;
    sl_scale_f64_fn *scale_f64;
} sl_cast_kernels;

typedef struct sl_cast_variant {
    const char *name;
    sl_isa isa;
    const sl_cast_kernels *k;
} sl_cast_variant;

extern const sl_cast_variant sl_cast_variants[];
extern const size_t sl_cast_variant_count;
const sl_cast_variant *sli_cast_select(void);

#endif
