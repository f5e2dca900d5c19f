/*
 * sort_table.h — sorting a materialized table by key columns.
 *
 * Used by the sort sink (the whole input) and by top-k (its candidate
 * buffer). The sort is stable, so equal rows keep their input order and the
 * result does not depend on how the input was split.
 */
#ifndef SLI_SORT_TABLE_H
#define SLI_SORT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table.h"

/** One sort key: a column of the table. */
typedef struct sli_sort_spec {
    size_t col;
    bool desc;
    bool nulls_first;
} sli_sort_spec;

/**
 * Sorts the rows of `in` (at most one partition) by specs and returns the
 * first `limit` of them (limit < 0: all) as a new one-partition table with
 * the same schema; `in` is not changed.
 * @return SL_OK or SL_ERR_NOMEM (nothing is returned then).
 */
sl_status sli_sort_table(const sli_table *in, const sli_sort_spec *specs, size_t nspecs, int64_t limit,
                         sli_table **out);

/**
 * Builds a one-partition table named `name` from finished columns (taking
 * them, also on failure). @return SL_OK or SL_ERR_NOMEM.
 */
sl_status sli_table_from_columns(const char *name, char *const *names, const sl_type *types, size_t ncols,
                                 sli_column **cols, sli_table **out);

#endif
