/*
 * agg_team.h — a team's aggregates combined into the pipeline's output.
 *
 * Every worker of a team aggregates its morsels into its own table, and
 * once that table outgrows the caches scatters its rows by partition
 * (agg_partition.h). At the end: few groups (or no keys), and one thread
 * folds every worker's table into a fresh one; many groups, or rows a
 * worker scattered, and the team takes the partitions in turn (the
 * workers' agreed scheme, else 2^8 partitions by hash), aggregating every
 * worker's buffered rows of a partition and merging every worker's groups
 * of it into one table, a cache-sized working set at a time; the workers'
 * outputs are then moved into one table without copying. No row is
 * aggregated twice.
 */
#ifndef SLI_AGG_TEAM_H
#define SLI_AGG_TEAM_H

#include <stddef.h>

#include "agg_partition.h"
#include "agg_table.h"
#include "planner/plan.h"
#include "table.h"

struct sli_team;

/** One worker's aggregate, as its run left it. */
typedef struct sli_agg_worker {
    sli_agg_table *agg; /**< its table */
    sli_agg_part *aggp; /**< its rows by partition (active once it scattered) */
    sl_context *ctx;    /**< its own error slot */
} sli_agg_worker;

/**
 * Combines ws[0..nw)'s aggregates of AGG node n into *out (owned by the
 * caller); note receives how the rows were partitioned, when they were
 * (sli_agg_part_note). The workers' tables and rows are consumed.
 * @return SL_OK, or an error recorded on ctx (a worker's first error, out
 * of memory, or more than 2 billion groups).
 * Thread safety: called by one thread; it runs the team itself.
 */
sl_status sli_agg_team_merge(const sli_plan *n, const sli_agg_worker *ws, size_t nw,
                             const struct sli_team *team, sl_context *ctx, sli_table **out, char *note,
                             size_t note_cap);

#endif
