/*
 * vector.h — the unit of vectorized execution.
 *
 * A chunk is up to SLI_VEC_SIZE rows of several columns plus a selection
 * vector. Operators of a pipeline pass chunks to each other without copying:
 * a filter only shrinks the selection, a projection adds computed vectors.
 * Values are addressed by row position (0..n-1) whether or not the row is
 * selected, so vectors are never compacted inside a pipeline.
 *
 * Vector data by type: fixed-width values as in a column (bool one byte per
 * value); utf8 as an array of sli_strview, or, when `dict` is set, int32
 * dictionary codes into dict->views.
 */
#ifndef SLI_VECTOR_H
#define SLI_VECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "column.h"
#include "kernels/cast.h"
#include "sluice/sluice.h"

/** Rows per vector: small enough for L1/L2, large enough to amortise calls. */
#define SLI_VEC_SIZE 2048

typedef struct sli_vec {
    sl_type type;
    const void *data;
    const uint8_t *validity; /**< bit per row position; NULL: all valid */
    const sli_dict *dict;    /**< utf8 dictionary codes when set */
} sli_vec;

typedef struct sli_chunk {
    size_t n;            /**< row positions 0..n-1 exist in every vector */
    size_t count;        /**< selected rows */
    const uint32_t *sel; /**< selected positions, ascending; NULL: all n rows (count == n) */
    size_t ncols;
    sli_vec *cols;
} sli_chunk;

/** @return the physical type kernels use for a logical type (utf8: SL_P_COUNT). */
static inline sl_ptype sli_ptype(sl_type t)
{
    switch (t.id) {
    case SL_TYPE_BOOL:
    case SL_TYPE_INT8:
    case SL_TYPE_NULL: return SL_P_I8;
    case SL_TYPE_INT16: return SL_P_I16;
    case SL_TYPE_INT32:
    case SL_TYPE_DATE32: return SL_P_I32;
    case SL_TYPE_INT64:
    case SL_TYPE_DECIMAL: return SL_P_I64;
    case SL_TYPE_FLOAT64: return SL_P_F64;
    case SL_TYPE_UTF8: return SL_P_COUNT;
    }
    return SL_P_COUNT;
}

#endif
