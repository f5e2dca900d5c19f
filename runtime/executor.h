/*
 * executor.h — runs a physical plan's pipelines on the CPU.
 *
 * Each pipeline pulls vectors of SLI_VEC_SIZE rows from its source (morsels
 * of a table's partitions, or the materialized output of an earlier
 * pipeline) and pushes each chunk through its fused operators into its sink.
 * Pipelines run in the order the physical plan lists them.
 */
#ifndef SLI_EXECUTOR_H
#define SLI_EXECUTOR_H

#include "planner/pipeline.h"
#include "profile.h"
#include "table.h"

/** Counters of a whole run (per pipeline and per operator: sli_profile). */
typedef struct sli_exec_stats {
    size_t vectors;       /**< chunks pulled from sources */
    size_t rows_in;       /**< rows read by sources */
    size_t units_read;    /**< storage units (row groups) external tables read */
    size_t units_skipped; /**< storage units their statistics ruled out */
} sli_exec_stats;

/**
 * Runs the plan and returns its rows as a one-partition table named "result".
 * @param stats may be NULL.
 * @return SL_OK or the first error (recorded on ctx); everything built is freed.
 */
sl_status sli_execute(sl_context *ctx, const sli_physical *ph, sli_table **out, sli_exec_stats *stats);

/**
 * sli_execute with profiling on (EXPLAIN ANALYZE): fills *prof (one entry
 * per pipeline of ph; see profile.h) while running. prof NULL: sli_execute.
 * The caller frees *prof with sli_profile_free, whatever the status (it is
 * left empty when setting it up failed).
 * @return as sli_execute.
 */
sl_status sli_execute_profiled(sl_context *ctx, const sli_physical *ph, sli_table **out,
                               sli_exec_stats *stats, sli_profile *prof);

#endif
