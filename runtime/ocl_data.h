/*
 * ocl_data.h — table columns as the OpenCL kernels see them.
 *
 * A column goes to the device as one array of its values over every
 * partition of its table. A string column goes as uint32 codes of one
 * dictionary for the whole column (the partitions' own dictionaries, or
 * their plain strings, merged), built once per column and kept by the
 * context, so group keys decode back to strings and string predicates
 * become masks indexed by code. The value range of a key column is
 * measured on the host, once per column as well.
 *
 * Thread safety: a context's queries run one at a time; so do these.
 */
#ifndef SLI_OCL_DATA_H
#define SLI_OCL_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "column.h"
#include "ocl.h"
#include "planner/expr.h"
#include "table.h"

/** Distinct strings of one column above which it does not go to the device. */
#define SLI_OCL_MAX_DICT (1u << 24)

/**
 * The device dictionary of string column `col` of t and the code of every
 * row (partitions in order), made on first use and kept by the context.
 * @return SL_OK, SL_ERR_NOMEM, or SL_ERR_UNSUPPORTED past SLI_OCL_MAX_DICT
 *         distinct strings (message on ctx).
 */
sl_status sli_ocl_strings(sl_context *ctx, const sli_table *t, size_t col, const sli_dict **dict,
                          const uint32_t **codes);

/**
 * The smallest and largest value of integer, bool or date column `col`
 * (strings: 0 and the dictionary's last code; an empty column: 0, -1),
 * measured once and kept by the context.
 * @return SL_OK, SL_ERR_NOMEM, SL_ERR_UNSUPPORTED (a float column).
 */
sl_status sli_ocl_range(sl_context *ctx, const sli_table *t, size_t col, int64_t *lo, int64_t *hi);

/**
 * The device buffer of a column (cached on the device, pinned for this
 * query). @param bytes receives its size; @param uploaded whether it moved now.
 * @return as sli_ocl_column, or sli_ocl_strings' errors.
 */
sl_status sli_ocl_input_buffer(sl_context *ctx, sli_ocl *o, const sli_table *t, size_t col, cl_mem *out,
                               uint64_t *bytes, bool *uploaded);

/** @return whether the column's device copy is already resident. */
bool sli_ocl_input_resident(sl_context *ctx, sli_ocl *o, const sli_table *t, size_t col);

/** @return the bytes a column takes on the device. */
uint64_t sli_ocl_input_bytes(const sli_table *t, size_t col);

/**
 * Evaluates a predicate over column 0 (a string) for every entry of dict:
 * mask[code] = 1 where it is true. @param mask receives a malloc'd array of
 * dict->count bytes (at least 1).
 * @return SL_OK or the evaluator's error.
 */
sl_status sli_ocl_mask(sl_context *ctx, const sli_dict *dict, const sli_expr *pred, uint8_t **mask);

/** Forgets what is kept for table t (a table about to be freed). */
void sli_ocl_data_forget(sl_context *ctx, const sli_table *t);

/** Frees what the context keeps for the device (ctx teardown). */
void sli_ocl_data_free(sl_context *ctx);

#endif
