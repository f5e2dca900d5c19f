/*
 * scan_filter.h — a join's bloom filter applied to the probe pipeline's rows
 * before they reach the probe (pipeline.h: sli_scan_filter says which join
 * and which scan columns; filters_at says where in the pipeline).
 */
#ifndef SLI_SCAN_FILTER_H
#define SLI_SCAN_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "join_table.h"
#include "keys.h"
#include "planner/pipeline.h"
#include "vector.h"

/** One worker's state for one pushed bloom filter. */
typedef struct sli_scan_filter_state {
    const sli_join_table *jt; /**< the join's hash table (set by the caller, not owned) */
    uint64_t *hashes;         /**< by row position */
    uint32_t *sel;            /**< two selection buffers, used in turn */
    sli_key_scratch ks;
    size_t seen, kept;   /**< rows tested and passed since the last check */
    bool off;            /**< stopped: it passed nearly every row */
    size_t rseen, rkept; /**< the same for the key-range test */
    bool roff;
} sli_scan_filter_state;

/** @return n states with their buffers (jt unset), or NULL on NOMEM.
 *  Free with sli_scan_filters_free. */
sli_scan_filter_state *sli_scan_filters_new(size_t n);

/** Frees what sli_scan_filters_new returned (NULL allowed). */
void sli_scan_filters_free(sli_scan_filter_state *fs, size_t n);

/**
 * Narrows chunk c by pipeline p's pushed bloom filters, in order: drops rows
 * with a NULL key (they match nothing in an inner or semi join), rows whose
 * single integer key lies outside the build keys' range (two comparisons,
 * cheaper than hashing: SSB's date table filtered to one year is one range
 * of lo_orderdate), and rows whose key hash is not in the filter (for a
 * direct-indexed table partitioned by key range, which has no bloom filter:
 * rows whose key the table does not hold, an exact test); c->sel
 * then points into the states' buffers. A test that keeps more than 90% of
 * 64K rows turns itself off; the probe still decides every match, so
 * results do not change. Not thread-safe: one set of states per worker.
 * @return false on NOMEM.
 */
bool sli_scan_filters_apply(sli_scan_filter_state *fs, const sli_pipeline *p, sli_chunk *c);

#endif
