/*
 * test_morsel.c — the morsel scheduler: explicit single-threaded claim
 * sequences (local partitions first, stealing only once the worker's node is
 * dry, the richest node robbed first, empty partitions skipped, statistics),
 * bad arguments, and a multi-threaded run where every row of every partition
 * must be claimed exactly once.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/morsel.h"

static void expect_morsel(sli_morsel_sched *s, size_t worker, size_t part, size_t begin, size_t end,
                          bool stolen)
{
    sli_morsel m;
    assert_true(sli_morsel_next(s, worker, &m));
    assert_int_equal(m.part, part);
    assert_int_equal(m.begin, begin);
    assert_int_equal(m.end, end);
    assert_int_equal(m.stolen, stolen);
}

static void expect_done(sli_morsel_sched *s, size_t worker)
{
    sli_morsel m;
    assert_false(sli_morsel_next(s, worker, &m));
}

static void test_single_node_sequence(void **state)
{
    (void)state;
    size_t rows[] = {0, 5, SLI_MORSEL_ROWS, SLI_MORSEL_ROWS + 1};
    unsigned node[] = {0, 0, 0, 0};
    unsigned wnode[] = {0};
    sli_morsel_sched *s;
    assert_int_equal(sli_morsel_create(rows, node, 4, wnode, 1, 1, 0, &s), SL_OK); /* default size */
    assert_int_equal(sli_morsel_remaining(s), 2 * SLI_MORSEL_ROWS + 6);
    expect_morsel(s, 0, 1, 0, 5, false); /* the empty partition is skipped */
    expect_morsel(s, 0, 2, 0, SLI_MORSEL_ROWS, false);
    expect_morsel(s, 0, 3, 0, SLI_MORSEL_ROWS, false);
    expect_morsel(s, 0, 3, SLI_MORSEL_ROWS, SLI_MORSEL_ROWS + 1, false);
    expect_done(s, 0);
    expect_done(s, 0);
    assert_int_equal(sli_morsel_remaining(s), 0);
    sli_morsel_stats st = sli_morsel_worker_stats(s, 0);
    assert_int_equal(st.local_morsels, 4);
    assert_int_equal(st.local_rows, 2 * SLI_MORSEL_ROWS + 6);
    assert_int_equal(st.stolen_morsels, 0);

    /* reset hands everything out again and clears the statistics */
    sli_morsel_reset(s);
    assert_int_equal(sli_morsel_worker_stats(s, 0).local_morsels, 0);
    expect_morsel(s, 0, 1, 0, 5, false);
    sli_morsel_free(s);
}

static void test_local_first_then_steal(void **state)
{
    (void)state;
    /* node 0: 40000 rows; node 1: 10000 rows; one worker per node */
    size_t rows[] = {40000, 10000};
    unsigned node[] = {0, 1};
    unsigned wnode[] = {0, 1};
    sli_morsel_sched *s;
    assert_int_equal(sli_morsel_create(rows, node, 2, wnode, 2, 2, 16384, &s), SL_OK);
    expect_morsel(s, 1, 1, 0, 10000, false); /* worker 1's own node first */
    expect_morsel(s, 1, 0, 0, 16384, true);  /* node 1 is dry: steal from node 0 */
    expect_morsel(s, 0, 0, 16384, 32768, false);
    expect_morsel(s, 0, 0, 32768, 40000, false);
    expect_done(s, 0);
    expect_done(s, 1);
    sli_morsel_stats w0 = sli_morsel_worker_stats(s, 0), w1 = sli_morsel_worker_stats(s, 1);
    assert_int_equal(w0.local_morsels, 2);
    assert_int_equal(w0.stolen_morsels, 0);
    assert_int_equal(w0.local_rows, 23616);
    assert_int_equal(w1.local_morsels, 1);
    assert_int_equal(w1.stolen_morsels, 1);
    assert_int_equal(w1.local_rows, 10000);
    assert_int_equal(w1.stolen_rows, 16384);
    /* out-of-range workers get nothing */
    expect_done(s, 2);
    assert_int_equal(sli_morsel_worker_stats(s, 7).local_morsels, 0);
    sli_morsel_free(s);
}

static void test_steal_from_richest(void **state)
{
    (void)state;
    /* node 0 has no partitions; node 1 one morsel; node 2 three morsels */
    size_t rows[] = {100, 300};
    unsigned node[] = {1, 2};
    unsigned wnode[] = {0};
    sli_morsel_sched *s;
    assert_int_equal(sli_morsel_create(rows, node, 2, wnode, 1, 3, 100, &s), SL_OK);
    expect_morsel(s, 0, 1, 0, 100, true);   /* node 2: 300 left */
    expect_morsel(s, 0, 1, 100, 200, true); /* node 2: 200 left, node 1: 100 */
    expect_morsel(s, 0, 0, 0, 100, true);   /* 100 each: the lower node */
    expect_morsel(s, 0, 1, 200, 300, true);
    expect_done(s, 0);
    assert_int_equal(sli_morsel_worker_stats(s, 0).stolen_morsels, 4);
    sli_morsel_free(s);
}

/* Round-robin claims by 4 workers (two per node) never steal while the
 * worker's own node still has rows. */
static void test_no_steal_while_local_rows(void **state)
{
    (void)state;
    size_t rows[] = {5000, 7000, 300, 2500, 0, 900};
    unsigned node[] = {0, 0, 1, 1, 1, 0};
    unsigned wnode[] = {0, 1, 0, 1};
    uint64_t left[2] = {5000 + 7000 + 900, 300 + 2500};
    sli_morsel_sched *s;
    assert_int_equal(sli_morsel_create(rows, node, 6, wnode, 4, 2, 1000, &s), SL_OK);
    size_t claimed = 0, stolen = 0, seen[6] = {0};
    for (bool any = true; any;) {
        any = false;
        for (size_t w = 0; w < 4; w++) {
            sli_morsel m;
            if (!sli_morsel_next(s, w, &m)) continue;
            any = true;
            assert_int_equal(m.begin, seen[m.part]); /* a partition's morsels come in order */
            seen[m.part] = m.end;
            if (m.stolen) {
                assert_int_not_equal(node[m.part], wnode[w]);
                assert_int_equal(left[wnode[w]], 0); /* only a dry node's worker steals */
                stolen++;
            } else {
                assert_int_equal(node[m.part], wnode[w]);
            }
            left[node[m.part]] -= m.end - m.begin;
            claimed += m.end - m.begin;
        }
    }
    assert_int_equal(claimed, 15700);
    for (size_t p = 0; p < 6; p++) assert_int_equal(seen[p], rows[p]);
    assert_true(stolen > 0); /* node 1 runs dry long before node 0 */
    sli_morsel_free(s);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    size_t rows[] = {10};
    unsigned node[] = {0}, bad_node[] = {2};
    unsigned wnode[] = {0}, bad_wnode[] = {5};
    sli_morsel_sched *s = (sli_morsel_sched *)&s;
    assert_int_equal(sli_morsel_create(rows, node, 1, wnode, 1, 0, 10, &s), SL_ERR_INVALID_ARG);
    assert_null(s);
    assert_int_equal(sli_morsel_create(rows, node, 1, wnode, 0, 1, 10, &s), SL_ERR_INVALID_ARG);
    assert_int_equal(sli_morsel_create(rows, bad_node, 1, wnode, 1, 2, 10, &s), SL_ERR_INVALID_ARG);
    assert_int_equal(sli_morsel_create(rows, node, 1, bad_wnode, 1, 2, 10, &s), SL_ERR_INVALID_ARG);
    assert_int_equal(sli_morsel_create(NULL, node, 1, wnode, 1, 1, 10, &s), SL_ERR_INVALID_ARG);
    size_t huge[] = {SIZE_MAX - 5};
    assert_int_equal(sli_morsel_create(huge, node, 1, wnode, 1, 1, 10, &s), SL_ERR_INVALID_ARG);
    /* no partitions at all is fine: nothing to hand out */
    assert_int_equal(sli_morsel_create(NULL, NULL, 0, wnode, 1, 1, 10, &s), SL_OK);
    expect_done(s, 0);
    sli_morsel_free(s);
    sli_morsel_free(NULL);
}

/* ---- many threads ------------------------------------------------------------ */

#define MT_PARTS   37
#define MT_NODES   4
#define MT_WORKERS 8

typedef struct mt_shared {
    sli_morsel_sched *s;
    _Atomic unsigned char *hits[MT_PARTS]; /* per row: how often it was claimed */
    _Atomic int bad;                       /* a morsel out of range or too long */
} mt_shared;

typedef struct mt_arg {
    mt_shared *sh;
    size_t worker;
    size_t rows[MT_PARTS];
} mt_arg;

static void *mt_worker(void *p)
{
    mt_arg *a = p;
    sli_morsel m;
    while (sli_morsel_next(a->sh->s, a->worker, &m)) {
        if (m.part >= MT_PARTS || m.end > a->rows[m.part] || m.begin >= m.end || m.end - m.begin > 777)
            atomic_store(&a->sh->bad, 1);
        else
            for (size_t r = m.begin; r < m.end; r++) atomic_fetch_add(&a->sh->hits[m.part][r], 1);
    }
    return NULL;
}

static void test_threads_cover_every_row_once(void **state)
{
    (void)state;
    size_t rows[MT_PARTS];
    unsigned node[MT_PARTS], wnode[MT_WORKERS];
    uint64_t total = 0, x = 12345;
    for (size_t p = 0; p < MT_PARTS; p++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        rows[p] = p % 9 == 4 ? 0 : (size_t)(x >> 33) % 20000; /* some empty, most ragged */
        node[p] = (unsigned)(p % 3); /* node 3 holds nothing: its workers only steal */
        total += rows[p];
    }
    for (size_t w = 0; w < MT_WORKERS; w++) wnode[w] = (unsigned)(w % MT_NODES);
    mt_shared sh = {0};
    assert_int_equal(sli_morsel_create(rows, node, MT_PARTS, wnode, MT_WORKERS, MT_NODES, 777, &sh.s), SL_OK);
    for (size_t p = 0; p < MT_PARTS; p++) {
        sh.hits[p] = calloc(rows[p] + 1, sizeof *sh.hits[p]);
        assert_non_null(sh.hits[p]);
    }
    for (int round = 0; round < 2; round++) { /* the second round after a reset */
        for (size_t p = 0; p < MT_PARTS; p++) memset((void *)sh.hits[p], 0, rows[p] + 1);
        pthread_t th[MT_WORKERS];
        mt_arg args[MT_WORKERS];
        for (size_t w = 0; w < MT_WORKERS; w++) {
            args[w].sh = &sh;
            args[w].worker = w;
            memcpy(args[w].rows, rows, sizeof rows);
            assert_int_equal(pthread_create(&th[w], NULL, mt_worker, &args[w]), 0);
        }
        for (size_t w = 0; w < MT_WORKERS; w++) assert_int_equal(pthread_join(th[w], NULL), 0);
        assert_int_equal(atomic_load(&sh.bad), 0);
        for (size_t p = 0; p < MT_PARTS; p++)
            for (size_t r = 0; r < rows[p]; r++) assert_int_equal(atomic_load(&sh.hits[p][r]), 1);
        uint64_t claimed = 0;
        for (size_t w = 0; w < MT_WORKERS; w++) {
            sli_morsel_stats st = sli_morsel_worker_stats(sh.s, w);
            claimed += st.local_rows + st.stolen_rows;
            if (wnode[w] == 3) assert_int_equal(st.local_morsels, 0);
        }
        assert_int_equal(claimed, total);
        assert_int_equal(sli_morsel_remaining(sh.s), 0);
        sli_morsel_reset(sh.s);
        assert_int_equal(sli_morsel_remaining(sh.s), total);
    }
    for (size_t p = 0; p < MT_PARTS; p++) free((void *)sh.hits[p]);
    sli_morsel_free(sh.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_node_sequence), cmocka_unit_test(test_local_first_then_steal),
        cmocka_unit_test(test_steal_from_richest),   cmocka_unit_test(test_no_steal_while_local_rows),
        cmocka_unit_test(test_bad_arguments),        cmocka_unit_test(test_threads_cover_every_row_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
