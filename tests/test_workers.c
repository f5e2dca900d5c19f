/*
 * test_workers.c — worker teams: every worker runs once on its own thread,
 * the lowest-numbered failure is reported, workers see the caller's memory
 * budget, pinned workers run on their PU, the default team size follows
 * SL_THREADS, and the workers of a concurrent team can wait for each other
 * at a barrier (more workers than cores included).
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/memory.h"
#include "runtime/topology.h"
#include "runtime/workers.h"

typedef struct probe {
    _Atomic int runs[64];
    pthread_t thread[64];
    int bound_cpu[64]; /* the only CPU of the worker's affinity mask, or -1 */
    sli_mem_budget *budget[64];
    size_t fail_from; /* workers >= this fail with their own status */
} probe;

static sl_status work(size_t w, void *arg)
{
    probe *p = arg;
    atomic_fetch_add(&p->runs[w], 1);
    p->thread[w] = pthread_self();
    p->budget[w] = sli_mem_current();
    cpu_set_t set;
    p->bound_cpu[w] = -1;
    if (pthread_getaffinity_np(pthread_self(), sizeof set, &set) == 0 && CPU_COUNT(&set) == 1)
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &set)) p->bound_cpu[w] = c;
    return w >= p->fail_from ? (w == p->fail_from ? SL_ERR_OVERFLOW : SL_ERR_IO) : SL_OK;
}

static void test_team_runs_each_worker(void **state)
{
    (void)state;
    sli_topology *topo = NULL;
    assert_int_equal(sli_topology_discover(0, &topo), SL_OK);
    const size_t sizes[] = {1, 2, 4, 7};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        sli_team t;
        assert_int_equal(sli_team_init(&t, n, topo, SLI_NUMA_ON, false), SL_OK);
        probe *p = calloc(1, sizeof *p);
        assert_non_null(p);
        p->fail_from = SIZE_MAX;
        sli_mem_budget b;
        sli_mem_budget_init(&b, 0);
        sli_mem_budget *prev = sli_mem_attach(&b);
        assert_int_equal(sli_team_run(&t, work, p), SL_OK);
        sli_mem_attach(prev);
        for (size_t w = 0; w < n; w++) {
            assert_int_equal(atomic_load(&p->runs[w]), 1);
            assert_ptr_equal(p->budget[w], &b);
            for (size_t v = 0; v < w; v++) assert_false(pthread_equal(p->thread[v], p->thread[w]));
        }
        assert_true(pthread_equal(p->thread[0], pthread_self())); /* the caller is worker 0 */
        assert_int_equal(atomic_load(&p->runs[n]), 0);
        free(p);
        sli_team_free(&t);
    }
    sli_topology_free(topo);
}

static void test_team_reports_first_failure(void **state)
{
    (void)state;
    sli_team t;
    assert_int_equal(sli_team_init(&t, 4, NULL, SLI_NUMA_OFF, false), SL_OK);
    probe *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->fail_from = 2; /* worker 2 fails with OVERFLOW, worker 3 with IO */
    assert_int_equal(sli_team_run(&t, work, p), SL_ERR_OVERFLOW);
    for (size_t w = 0; w < 4; w++) assert_int_equal(atomic_load(&p->runs[w]), 1); /* all ran */
    free(p);
    sli_team_free(&t);

    assert_int_equal(sli_team_init(&t, 0, NULL, SLI_NUMA_OFF, false), SL_ERR_INVALID_ARG);
    assert_int_equal(sli_team_init(&t, SLI_MAX_WORKERS + 1, NULL, SLI_NUMA_OFF, false), SL_ERR_INVALID_ARG);
}

static void test_team_binds_to_pus(void **state)
{
    (void)state;
    sli_topology *topo = NULL;
    assert_int_equal(sli_topology_discover(0, &topo), SL_OK);
    cpu_set_t before;
    assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof before, &before), 0);
    size_t n = topo->npus < 4 ? topo->npus : 4;
    sli_team t;
    assert_int_equal(sli_team_init(&t, n, topo, SLI_NUMA_ON, true), SL_OK);
    probe *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->fail_from = SIZE_MAX;
    assert_int_equal(sli_team_run(&t, work, p), SL_OK);
    for (size_t w = 0; w < n; w++) {
        assert_true(t.pu[w] >= 0);
        /* Binding works wherever the PU is in the process's allowed set. */
        if (CPU_ISSET(t.pu[w], &before)) assert_int_equal(p->bound_cpu[w], t.pu[w]);
    }
    cpu_set_t after;
    assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof after, &after), 0);
    assert_true(CPU_EQUAL(&before, &after)); /* the caller's binding is restored */
    free(p);
    sli_team_free(&t);
    sli_topology_free(topo);
}

typedef struct meet {
    sli_team_barrier bar[2];
    size_t n;
    int64_t wrote[8];            /* each worker's value, written before the first barrier */
    int64_t seen[8];             /* the sum each worker read after it */
    _Atomic int after_second[8]; /* set after the second barrier */
    _Atomic int early;           /* a worker passed the first barrier before all had arrived */
    _Atomic int concurrent[8];
} meet;

static sl_status meet_work(size_t w, void *arg)
{
    meet *m = arg;
    atomic_store(&m->concurrent[w], sli_team_concurrent());
    if (!sli_team_concurrent()) return SL_OK;
    if (w == 0) usleep(20000); /* the others arrive first and wait */
    m->wrote[w] = (int64_t)(w + 1) * 10;
    sli_team_barrier_wait(&m->bar[0], m->n);
    for (size_t v = 0; v < m->n; v++) {
        if (m->wrote[v] == 0) atomic_store(&m->early, 1);
        m->seen[w] += m->wrote[v];
    }
    sli_team_barrier_wait(&m->bar[1], m->n);
    atomic_store(&m->after_second[w], 1);
    return SL_OK;
}

static void test_barrier(void **state)
{
    (void)state;
    assert_false(sli_team_concurrent()); /* outside a team */
    for (size_t n = 2; n <= 8; n += 3) {
        sli_team t;
        assert_int_equal(sli_team_init(&t, n, NULL, SLI_NUMA_OFF, false), SL_OK);
        meet *m = calloc(1, sizeof *m);
        assert_non_null(m);
        m->n = n;
        assert_int_equal(sli_team_run(&t, meet_work, m), SL_OK);
        for (size_t w = 0; w < n; w++) {
            assert_true(atomic_load(&m->concurrent[w]));
            assert_int_equal(m->seen[w], (int64_t)(n * (n + 1) / 2) * 10);
            assert_true(atomic_load(&m->after_second[w]));
        }
        assert_false(atomic_load(&m->early));
        assert_false(sli_team_concurrent()); /* the caller's thread again */
        free(m);
        sli_team_free(&t);
    }
}

static void test_default_size(void **state)
{
    (void)state;
    sli_topology *topo = NULL;
    assert_int_equal(sli_topology_synthetic("pack:2 numa:1 core:3 pu:2", &topo, NULL, 0), SL_OK);
    assert_int_equal(unsetenv("SL_THREADS"), 0);
    assert_int_equal(sli_workers_default(topo), 6); /* one per core */
    assert_int_equal(setenv("SL_THREADS", "3", 1), 0);
    assert_int_equal(sli_workers_default(topo), 3);
    const char *bad[] = {"0", "-2", "x", "3x", "100000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(setenv("SL_THREADS", bad[i], 1), 0);
        assert_int_equal(sli_workers_default(topo), 6);
    }
    assert_int_equal(unsetenv("SL_THREADS"), 0);
    assert_true(sli_workers_default(NULL) >= 1);
    sli_topology_free(topo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_team_runs_each_worker),
        cmocka_unit_test(test_team_reports_first_failure),
        cmocka_unit_test(test_team_binds_to_pus),
        cmocka_unit_test(test_default_size),
        cmocka_unit_test(test_barrier),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
