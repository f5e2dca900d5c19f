/*
 * morsel.h — the morsel scheduler: hands row ranges of table partitions to
 * workers, NUMA-local first (morsel-driven parallelism, Leis et al. 2014).
 *
 * Each partition has a home node (placement.h) and each worker is bound to a
 * node. A worker asking for work gets the next morsel of a partition on its
 * own node; only when every partition of its node is used up does it steal a
 * morsel from another node, the one with the most rows left first. Every row
 * of every partition is handed out exactly once, whatever the interleaving.
 *
 * Claims are lock-free: a fetch-add on the partition's row cursor. A
 * scheduler is built once per pipeline (or reset), then shared by all workers.
 */
#ifndef SLI_MORSEL_H
#define SLI_MORSEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/sluice.h"

/** Default rows per morsel: sixteen 2048-row vectors (the TPC-H Q6 shape
 *  on two threads of the development VM, whose scan windows are a morsel
 *  long on a team: 2.48 ms against 2.38 with morsels of 8 vectors). */
#define SLI_MORSEL_ROWS ((size_t)32768)

/** One unit of work: rows [begin, end) of partition `part`. */
typedef struct sli_morsel {
    size_t part;
    size_t begin;
    size_t end;  /**< > begin; end - begin <= the morsel size */
    bool stolen; /**< the partition's home node is not the worker's */
} sli_morsel;

/** What one worker took. */
typedef struct sli_morsel_stats {
    size_t local_morsels;
    size_t stolen_morsels;
    uint64_t local_rows;
    uint64_t stolen_rows;
} sli_morsel_stats;

typedef struct sli_morsel_sched sli_morsel_sched;

/**
 * Builds a scheduler.
 * @param part_rows, part_node rows and home node of each of nparts partitions
 *        (copied; nodes < nnodes; empty partitions are allowed).
 * @param worker_node the node of each of nworkers workers (copied; < nnodes).
 * @param morsel_rows rows per morsel; 0 means SLI_MORSEL_ROWS.
 * @param out receives the scheduler (owned by the caller) on SL_OK.
 * @return SL_OK; SL_ERR_INVALID_ARG for no nodes, no workers, a node out of
 *         range or a row count so large the cursors could overflow; SL_ERR_NOMEM.
 */
sl_status sli_morsel_create(const size_t *part_rows, const unsigned *part_node, size_t nparts,
                            const unsigned *worker_node, size_t nworkers, size_t nnodes, size_t morsel_rows,
                            sli_morsel_sched **out);

/**
 * Claims the next morsel for a worker: from its own node while any is left,
 * else stolen from another node.
 * @return true with *out filled; false when every row has been handed out
 *         (or worker >= nworkers).
 * Thread safety: any number of threads at once, but each worker index is
 * used by one thread at a time (its statistics are not atomic).
 */
bool sli_morsel_next(sli_morsel_sched *s, size_t worker, sli_morsel *out);

/** @return a worker's statistics (zeros for worker >= nworkers). Read them
 *  after the workers are joined. */
sli_morsel_stats sli_morsel_worker_stats(const sli_morsel_sched *s, size_t worker);

/** @return rows not yet handed out (exact when no claim is in flight). */
uint64_t sli_morsel_remaining(const sli_morsel_sched *s);

/** Makes every row available again and clears the statistics, for another
 *  pass over the same partitions. Not thread-safe: no worker may be running. */
void sli_morsel_reset(sli_morsel_sched *s);

/** Frees a scheduler. NULL is ignored. Not while workers use it. */
void sli_morsel_free(sli_morsel_sched *s);

#endif
