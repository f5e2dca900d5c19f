/*
 * topk.h — the top-k sink for orderBy(...).limit(k).
 *
 * Instead of materializing and sorting all of its input, top-k keeps a
 * candidate buffer: rows that pass a threshold on the first sort key (the
 * first key of the current k-th row) are appended; when the buffer holds
 * enough rows it is sorted and cut back to k, which also raises the
 * threshold. The result equals a stable full sort followed by the limit.
 * Not thread-safe: one per pipeline (later: per worker, merged).
 */
#ifndef SLI_TOPK_H
#define SLI_TOPK_H

#include <stddef.h>
#include <stdint.h>

#include "sort_table.h"
#include "table.h"
#include "vector.h"

/** Largest k served by top-k; larger limits sort everything. */
#define SLI_TOPK_MAX ((int64_t)1 << 16)

typedef struct sli_topk sli_topk;

/**
 * @param names, types the input columns (copied).
 * @param specs sort keys over those columns (copied).
 * @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_topk_create(char *const *names, const sl_type *types, size_t ncols, const sli_sort_spec *specs,
                          size_t nspecs, int64_t k, sli_topk **out);

/** Offers the selected rows of a chunk. @return SL_OK or SL_ERR_NOMEM. */
sl_status sli_topk_consume(sli_topk *t, const sli_chunk *c);

/** @return in *out the best k rows in order (a one-partition table). */
sl_status sli_topk_finish(sli_topk *t, sli_table **out);

void sli_topk_free(sli_topk *t);

#endif
