/*
 * workers.c — worker teams on OpenMP threads (see workers.h).
 */
#define _GNU_SOURCE /* CPU affinity: pthread_setaffinity_np, cpu_set_t */
#include "workers.h"

#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "memory.h"

size_t sli_workers_default(const sli_topology *topo)
{
    const char *env = getenv("SL_THREADS");
    if (env && *env) {
        char *end = NULL;
        long v = strtol(env, &end, 10);
        if (end && *end == '\0' && v >= 1 && v <= SLI_MAX_WORKERS) return (size_t)v;
    }
    if (topo && topo->ncores > 0) return topo->ncores;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (size_t)online : 1;
}

sl_status sli_team_init(sli_team *t, size_t nworkers, const sli_topology *topo, sli_numa_mode mode, bool bind)
{
    t->nworkers = 0;
    t->node = NULL;
    t->pu = NULL;
    if (nworkers == 0 || nworkers > SLI_MAX_WORKERS) return SL_ERR_INVALID_ARG;
    t->node = calloc(nworkers, sizeof *t->node);
    t->pu = malloc(nworkers * sizeof *t->pu);
    unsigned *pus = calloc(nworkers, sizeof *pus);
    sl_status s = t->node && t->pu && pus ? SL_OK : SL_ERR_NOMEM;
    if (!s && topo) s = sli_place_workers(topo, mode, nworkers, t->node, pus);
    for (size_t w = 0; !s && w < nworkers; w++) t->pu[w] = bind && topo ? (int)pus[w] : -1;
    free(pus);
    if (s) {
        sli_team_free(t);
        return s;
    }
    t->nworkers = nworkers;
    return SL_OK;
}

void sli_team_free(sli_team *t)
{
    free(t->node);
    free(t->pu);
    t->node = NULL;
    t->pu = NULL;
    t->nworkers = 0;
}

/* Pins the calling thread to one PU. Failure (a PU outside the process's
 * allowed set, as in a container) leaves the thread where it was. */
static _Thread_local int bound_pu = -1; /* the PU this thread was last bound to here */

static void bind_to(int pu)
{
    if (pu < 0 || pu >= CPU_SETSIZE || pu == bound_pu) return; /* pooled threads keep their binding */
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(pu, &set);
    bound_pu = pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0 ? pu : -1;
}

/*
 * One team runs at a time in the process (team_lock), and its parameters
 * travel through `current_call`, published with a release store and read
 * with an acquire load inside the region: the parallel region captures no
 * local variables at all, so every value a worker reads was handed over
 * through C11 atomics that ThreadSanitizer understands (libgomp's own wake-up
 * of pooled threads is invisible to it).
 */
typedef struct team_call {
    const sli_team *t;
    sli_team_fn fn;
    void *arg;
    sl_status *st;
    _Atomic int *done;
    sli_mem_budget *budget;
} team_call;

/* Inside a worker: whether its call runs every worker on its own thread. */
static _Thread_local bool in_concurrent_team;

static pthread_mutex_t team_lock = PTHREAD_MUTEX_INITIALIZER;
static team_call *_Atomic current_call;

static void team_body(void)
{
    team_call *c = atomic_load_explicit(&current_call, memory_order_acquire);
    size_t n = c->t->nworkers;
    size_t tid = (size_t)omp_get_thread_num(), nth = (size_t)omp_get_num_threads();
    sli_mem_budget *prev = sli_mem_attach(c->budget);
    in_concurrent_team = nth >= n;
    /* Fewer threads than workers (an OpenMP thread limit): each thread runs
     * every nth worker in turn. */
    for (size_t w = tid; w < n; w += nth) {
        bind_to(c->t->pu[w]);
        c->st[w] = c->fn(w, c->arg);
        atomic_store_explicit(&c->done[w], 1, memory_order_release);
    }
    in_concurrent_team = false;
    sli_mem_attach(prev);
}

bool sli_team_concurrent(void)
{
    return in_concurrent_team;
}

void sli_team_barrier_wait(sli_team_barrier *b, size_t n)
{
    atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel);
    /* workers may outnumber the cores: give the processor up while waiting */
    for (unsigned spins = 0; atomic_load_explicit(&b->arrived, memory_order_acquire) < n; spins++)
        if (spins >= 64) sched_yield();
}

sl_status sli_team_run(const sli_team *t, sli_team_fn fn, void *arg)
{
    size_t n = t->nworkers;
    if (n == 0) return SL_ERR_INVALID_ARG;
    team_call c = {
        t, fn, arg, calloc(n, sizeof(sl_status)), calloc(n, sizeof(_Atomic int)), sli_mem_current()};
    if (!c.st || !c.done) {
        free(c.st);
        free((void *)c.done);
        return SL_ERR_NOMEM;
    }
    cpu_set_t saved;
    int have_saved = pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) == 0;
    pthread_mutex_lock(&team_lock);
    atomic_store_explicit(&current_call, &c, memory_order_release);
    int nth = (int)n;
#pragma omp parallel num_threads(nth)
    team_body();
    sl_status s = SL_OK;
    for (size_t w = 0; w < n; w++) {
        (void)atomic_load_explicit(&c.done[w], memory_order_acquire);
        if (!s && c.st[w]) s = c.st[w];
    }
    atomic_store_explicit(&current_call, NULL, memory_order_relaxed);
    pthread_mutex_unlock(&team_lock);
    if (have_saved) (void)pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
    bound_pu = -1; /* the caller's own affinity again (or whatever it was left with) */
    free(c.st);
    free((void *)c.done);
    return s;
}
