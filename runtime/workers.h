/*
 * workers.h — a team of worker threads that run one function each, pinned to
 * the PUs placement.h chooses (one worker per core by default).
 *
 * The team is an OpenMP parallel region of `nworkers` threads; the calling
 * thread is worker 0. Each worker binds itself to its PU (when binding is on
 * and the PU exists), attaches the caller's query memory budget (memory.h)
 * and runs fn(worker, arg); the caller's CPU binding is restored afterwards.
 * The start and the end of the region are also published through C11
 * release/acquire atomics, so what the caller wrote before sli_team_run is
 * visible to every worker and what the workers wrote is visible after it,
 * in a way ThreadSanitizer sees (it does not see libgomp's barriers). One
 * team runs at a time in a process: a second caller waits for the first.
 */
#ifndef SLI_WORKERS_H
#define SLI_WORKERS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "placement.h"
#include "sluice/sluice.h"
#include "topology.h"

/** Most workers a team may have. */
#define SLI_MAX_WORKERS 1024

typedef struct sli_team {
    size_t nworkers;
    unsigned *node; /**< per worker: its NUMA node (index into the topology's nodes) */
    int *pu;        /**< per worker: the OS PU it is bound to, or -1 (not bound) */
} sli_team;

/**
 * @return the default number of workers: SL_THREADS when it holds a number
 * from 1 to SLI_MAX_WORKERS, else the topology's core count (at least 1).
 * topo may be NULL (then the online CPU count is used instead of cores).
 */
size_t sli_workers_default(const sli_topology *topo);

/**
 * Plans a team of nworkers over the topology: nodes and PUs from
 * sli_place_workers. With bind false (or topo NULL) no worker is pinned.
 * @return SL_OK; SL_ERR_INVALID_ARG for 0 or more than SLI_MAX_WORKERS
 *         workers; SL_ERR_NOMEM.
 */
sl_status sli_team_init(sli_team *t, size_t nworkers, const sli_topology *topo, sli_numa_mode mode,
                        bool bind);

/** Frees what sli_team_init allocated. */
void sli_team_free(sli_team *t);

/** What a worker runs; @return SL_OK or the status that fails the team. */
typedef sl_status (*sli_team_fn)(size_t worker, void *arg);

/**
 * Runs fn(w, arg) for every worker w of the team, concurrently, and waits
 * for all of them.
 * @return SL_OK when every worker returned SL_OK, else the status of the
 *         lowest-numbered worker that failed (each worker runs to its end;
 *         a worker that should stop early when another fails must check a
 *         flag of its own in arg).
 * Thread safety: fn runs on several threads at once; arg is shared. Teams
 * from several threads run one after another; fn must not start a team.
 */
sl_status sli_team_run(const sli_team *t, sli_team_fn fn, void *arg);

/**
 * @return true inside a worker of sli_team_run when every worker of that
 * call runs on a thread of its own at the same time (OpenMP gave the region
 * as many threads as workers), so that workers may wait for each other
 * (sli_team_barrier); false elsewhere, or when a thread runs several
 * workers in turn.
 */
bool sli_team_concurrent(void);

/** A barrier for the workers of one sli_team_run call; zero-initialise it
 *  for that call. */
typedef struct sli_team_barrier {
    _Atomic size_t arrived;
} sli_team_barrier;

/**
 * Waits until n workers have arrived at b. What a worker wrote before it
 * arrives is visible to every worker after the wait. Only when
 * sli_team_concurrent() holds (else it would wait for a worker that cannot
 * start); each of the n workers calls it once per barrier.
 */
void sli_team_barrier_wait(sli_team_barrier *b, size_t n);

#endif
