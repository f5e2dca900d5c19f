/*
 * sort.h — multi-key sort of a row permutation.
 *
 * idx holds n row numbers; the kernel reorders it so that the rows are in
 * key order. The sort is stable (equal rows keep their input order), so the
 * result is the same on every run and thread count.
 */
#ifndef SLI_KERNELS_SORT_H
#define SLI_KERNELS_SORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isa.h"
#include "runtime/column.h"

typedef enum sl_sort_kind { SL_SORT_I8 = 0, SL_SORT_I16, SL_SORT_I32, SL_SORT_I64, SL_SORT_F64, SL_SORT_STR } sl_sort_kind;

typedef struct sl_sort_key {
    sl_sort_kind kind;
    const void *data;        /**< values by row number (SL_SORT_STR: sli_strview) */
    const uint8_t *validity; /**< NULL: no nulls */
    bool desc;
    bool nulls_first;
} sl_sort_key;

/** Sorts idx[0..n) by keys; returns SL_OK or SL_ERR_NOMEM (idx unchanged). */
typedef sl_status sl_sort_fn(uint32_t *idx, size_t n, const sl_sort_key *keys, size_t nkeys);

typedef struct sl_sort_kernels {
    sl_sort_fn *sort;
} sl_sort_kernels;

typedef struct sl_sort_variant {
    const char *name;
    sl_isa isa;
    const sl_sort_kernels *k;
} sl_sort_variant;

extern const sl_sort_variant sl_sort_variants[];
extern const size_t sl_sort_variant_count;
const sl_sort_variant *sli_sort_select(void);

#endif
