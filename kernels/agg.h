/*
 * agg.h — aggregate update kernels.
 *
 * For each row in the selection (sel == NULL: rows 0..n-1) the value v[row]
 * is folded into the state of group gid[row] (gid == NULL: every row is in
 * group 0, the global aggregate). Rows whose validity bit is clear are
 * skipped (SQL aggregates ignore NULLs). State arrays are sized by the caller
 * to the number of groups and start zeroed.
 *  - sum over int64/decimal accumulates in __int128 so that it cannot overflow;
 *  - count counts valid rows (validity == NULL: every selected row, count(*));
 *  - min/max keep a `seen` byte per group, set once the group has a value.
 */
#ifndef SLI_KERNELS_AGG_H
#define SLI_KERNELS_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "isa.h"

typedef void sl_agg_sum_i64_fn(__int128 *restrict state, const uint32_t *restrict gid, const int64_t *restrict v,
                               const uint8_t *restrict validity, const uint32_t *restrict sel, size_t n);
typedef void sl_agg_sum_f64_fn(double *restrict state, const uint32_t *restrict gid, const double *restrict v,
                               const uint8_t *restrict validity, const uint32_t *restrict sel, size_t n);
typedef void sl_agg_count_fn(int64_t *restrict state, const uint32_t *restrict gid,
                             const uint8_t *restrict validity, const uint32_t *restrict sel, size_t n);

#define SLI_DECL_MINMAX(tn, T)                                                                                  \
    typedef void sl_agg_minmax_##tn##_fn(T *restrict state, uint8_t *restrict seen, const uint32_t *restrict gid, \
                                         const T *restrict v, const uint8_t *restrict validity,                  \
                                         const uint32_t *restrict sel, size_t n);
SLI_DECL_MINMAX(i8, int8_t)
SLI_DECL_MINMAX(i16, int16_t)
SLI_DECL_MINMAX(i32, int32_t)
SLI_DECL_MINMAX(i64, int64_t)
SLI_DECL_MINMAX(f64, double)
#undef SLI_DECL_MINMAX

typedef struct sl_agg_kernels {
    sl_agg_sum_i64_fn *sum_i64;
    sl_agg_sum_f64_fn *sum_f64;
    sl_agg_count_fn *count;
    sl_agg_minmax_i8_fn *min_i8, *max_i8;
    sl_agg_minmax_i16_fn *min_i16, *max_i16;
    sl_agg_minmax_i32_fn *min_i32, *max_i32;
    sl_agg_minmax_i64_fn *min_i64, *max_i64;
    sl_agg_minmax_f64_fn *min_f64, *max_f64; /**< NaN is larger than every number, as in DuckDB */
} sl_agg_kernels;

typedef struct sl_agg_variant {
    const char *name;
    sl_isa isa;
    const sl_agg_kernels *k;
} sl_agg_variant;

extern const sl_agg_variant sl_agg_variants[];
extern const size_t sl_agg_variant_count;
const sl_agg_variant *sli_agg_select(void);

#endif
