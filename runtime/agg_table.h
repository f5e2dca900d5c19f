/*
 * agg_table.h — hash aggregation state: groups and their aggregate states.
 *
 * Group keys are materialized column-wise in builders; an open-addressing
 * table of group ids (with each group's full hash) finds a row's group.
 * Aggregate states are arrays indexed by group id and are updated by the
 * aggregate kernels a vector at a time. Without group keys there is exactly
 * one group, so a global aggregate over no rows still yields one row.
 */
#ifndef SLI_AGG_TABLE_H
#define SLI_AGG_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "column.h"
#include "keys.h"
#include "planner/plan.h"
#include "table.h"
#include "vector.h"

typedef struct sli_agg_table {
    size_t nkeys;
    sli_colbuilder *keys;
    size_t naggs;
    const sli_agg *aggs;
    size_t ngroups, cap;
    uint64_t *ghash;
    uint32_t *slots; /**< group id + 1; 0 is empty */
    size_t nslots;
    void **state;    /**< per aggregate, by group */
    int64_t **count; /**< per aggregate: valid values (sum, avg) */
    uint8_t **seen;  /**< per aggregate: has a value (min, max) */
    uint64_t *hbuf;  /**< SLI_VEC_SIZE hashes by row */
    uint32_t *gid;   /**< SLI_VEC_SIZE group ids by row */
    sli_key_scratch ks;
} sli_agg_table;

sl_status sli_agg_table_init(sli_agg_table *t, const sl_type *key_types, size_t nkeys, const sli_agg *aggs,
                             size_t naggs);

/** Finds or creates the group of each selected row; fills t->gid. */
sl_status sli_agg_table_groups(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n);

/** Folds aggregate k's argument (NULL for count(*)) into the groups in t->gid. */
sl_status sli_agg_table_update(sli_agg_table *t, size_t k, const sli_vec *arg, const uint32_t *sel, size_t n);

/**
 * Builds the output table: key columns then aggregate columns named `names`.
 * @return SL_OK, SL_ERR_NOMEM, or SL_ERR_OVERFLOW (message on ctx) when a
 *         sum does not fit its type.
 */
sl_status sli_agg_table_finish(sli_agg_table *t, sl_context *ctx, char *const *names, sli_table **out);

void sli_agg_table_free(sli_agg_table *t);

#endif
