/*
 * result.h — the layout behind the public sl_result handle.
 *
 * A result owns a table whose partitions, in order, hold its rows: one for
 * most results, one per worker's share for a parallel aggregate's or
 * sort's output, which moves into the result without a copy. Row r of the
 * result is row r - start[q] of the partition q with start[q] <= r <
 * start[q + 1].
 */
#ifndef SLI_RESULT_H
#define SLI_RESULT_H

#include "sluice/sluice.h"
#include "table.h"

struct sl_result {
    sli_table *t;  /**< the rows, partition after partition */
    size_t *start; /**< t->nparts + 1 entries: the first row of each partition, then t->rows */
};

/** @return a result owning t, or NULL (t is then still the caller's). */
sl_result *sli_result_new(sli_table *t);

#endif
