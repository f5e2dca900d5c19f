/*
 * test_placement.c — partitions land on the intended nodes (round-robin, by
 * size with balanced bytes, all on node 0 with --numa off), workers are
 * spread over nodes and PUs, node memory is usable and says how it was
 * placed, partition sizes are counted, and placement feeds the morsel
 * scheduler so that each node's workers take their node's partitions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/buffer.h"
#include "runtime/morsel.h"
#include "runtime/placement.h"

static sli_topology *synthetic(const char *desc)
{
    sli_topology *t = NULL;
    char err[256] = "";
    assert_int_equal(sli_topology_synthetic(desc, &t, err, sizeof err), SL_OK);
    return t;
}

static void test_numa_mode(void **state)
{
    (void)state;
    sli_numa_mode m = SLI_NUMA_OFF;
    assert_int_equal(sli_numa_mode_parse("on", &m), SL_OK);
    assert_int_equal(m, SLI_NUMA_ON);
    assert_int_equal(sli_numa_mode_parse("off", &m), SL_OK);
    assert_int_equal(m, SLI_NUMA_OFF);
    assert_int_equal(sli_numa_mode_parse("auto", &m), SL_ERR_INVALID_ARG);
    assert_int_equal(sli_numa_mode_parse(NULL, &m), SL_ERR_INVALID_ARG);
    assert_int_equal(m, SLI_NUMA_OFF);

    sli_topology *t = synthetic("pack:2 numa:2 core:1 pu:1");
    assert_int_equal(sli_place_node_count(t, SLI_NUMA_ON), 4);
    assert_int_equal(sli_place_node_count(t, SLI_NUMA_OFF), 1);
    sli_topology_free(t);
}

static void test_round_robin(void **state)
{
    (void)state;
    unsigned node[5];
    assert_int_equal(sli_place_partitions(NULL, 5, 2, SLI_PLACE_ROUND_ROBIN, node), SL_OK);
    unsigned want[5] = {0, 1, 0, 1, 0};
    assert_memory_equal(node, want, sizeof want);
    /* --numa off: one node */
    assert_int_equal(sli_place_partitions(NULL, 5, 1, SLI_PLACE_ROUND_ROBIN, node), SL_OK);
    for (int i = 0; i < 5; i++) assert_int_equal(node[i], 0);
}

static void test_by_size(void **state)
{
    (void)state;
    uint64_t bytes[6] = {10, 70, 20, 40, 30, 30};
    unsigned node[6];
    assert_int_equal(sli_place_partitions(bytes, 6, 2, SLI_PLACE_BY_SIZE, node), SL_OK);
    /* largest first: 70->n0, 40->n1, 30(p4)->n1, 30(p5)->n0 (tie), 20->n1, 10->n1 */
    unsigned want[6] = {1, 0, 1, 1, 1, 0};
    assert_memory_equal(node, want, sizeof want);
    uint64_t load[2] = {0, 0};
    for (int i = 0; i < 6; i++) load[node[i]] += bytes[i];
    assert_int_equal(load[0], 100);
    assert_int_equal(load[1], 100);

    /* four nodes of a synthetic machine, eight equal partitions: two each */
    sli_topology *t = synthetic("pack:2 numa:2 core:2 pu:1");
    size_t nn = sli_place_node_count(t, SLI_NUMA_ON);
    uint64_t eq[8] = {64, 64, 64, 64, 64, 64, 64, 64};
    unsigned n8[8], per[4] = {0, 0, 0, 0};
    assert_int_equal(sli_place_partitions(eq, 8, nn, SLI_PLACE_BY_SIZE, n8), SL_OK);
    for (int i = 0; i < 8; i++) per[n8[i]]++;
    for (int n = 0; n < 4; n++) assert_int_equal(per[n], 2);
    /* one huge partition and many small ones: the small ones avoid its node */
    uint64_t skew[5] = {1000, 10, 10, 10, 10};
    unsigned n5[5];
    assert_int_equal(sli_place_partitions(skew, 5, 2, SLI_PLACE_BY_SIZE, n5), SL_OK);
    assert_int_equal(n5[0], 0);
    for (int i = 1; i < 5; i++) assert_int_equal(n5[i], 1);
    sli_topology_free(t);

    assert_int_equal(sli_place_partitions(bytes, 6, 0, SLI_PLACE_BY_SIZE, node), SL_ERR_INVALID_ARG);
    assert_int_equal(sli_place_partitions(NULL, 6, 2, SLI_PLACE_BY_SIZE, node), SL_ERR_INVALID_ARG);
    assert_int_equal(sli_place_partitions(NULL, 0, 2, SLI_PLACE_BY_SIZE, NULL), SL_OK);
}

static void test_workers(void **state)
{
    (void)state;
    sli_topology *t = synthetic("pack:2 numa:1 core:2 pu:1"); /* node 0: PUs 0,1; node 1: PUs 2,3 */
    unsigned node[6], pu[6];
    assert_int_equal(sli_place_workers(t, SLI_NUMA_ON, 6, node, pu), SL_OK);
    unsigned want_node[6] = {0, 1, 0, 1, 0, 1}, want_pu[6] = {0, 2, 1, 3, 0, 2};
    assert_memory_equal(node, want_node, sizeof want_node);
    assert_memory_equal(pu, want_pu, sizeof want_pu);
    assert_int_equal(sli_place_workers(t, SLI_NUMA_OFF, 5, node, pu), SL_OK);
    unsigned want_off[5] = {0, 1, 2, 3, 0};
    for (int w = 0; w < 5; w++) assert_int_equal(node[w], 0);
    assert_memory_equal(pu, want_off, sizeof want_off);
    assert_int_equal(sli_place_workers(t, SLI_NUMA_ON, 0, node, pu), SL_ERR_INVALID_ARG);
    sli_topology_free(t);
}

static void check_usable(const sli_node_mem *m, size_t size)
{
    assert_non_null(m->ptr);
    assert_int_equal(m->size, size);
    assert_true(m->mapped >= size + SLI_PADDING);
    assert_int_equal((uintptr_t)m->ptr % (uintptr_t)sysconf(_SC_PAGESIZE), 0);
    unsigned char *p = m->ptr;
    for (size_t i = 0; i < size + SLI_PADDING; i++) assert_int_equal(p[i], 0);
    memset(p, 0xab, size + SLI_PADDING);
}

static void test_node_memory(void **state)
{
    (void)state;
    sli_topology *t = synthetic("pack:2 numa:1 core:1 pu:1");
    sli_node_mem m;
    /* a synthetic machine cannot be bound to: first touch */
    assert_int_equal(sli_node_alloc(t, SLI_NUMA_ON, 1, 100000, &m), SL_OK);
    assert_int_equal(m.node, 1);
    assert_int_equal(m.how, SLI_MEM_FIRST_TOUCH);
    check_usable(&m, 100000);
    sli_node_free(&m);
    assert_null(m.ptr);
    sli_node_free(&m); /* freeing twice is harmless */

    assert_int_equal(sli_node_alloc(t, SLI_NUMA_ON, 2, 64, &m), SL_ERR_INVALID_ARG);
    assert_null(m.ptr);
    assert_int_equal(sli_node_alloc(t, SLI_NUMA_OFF, 7, 64, &m), SL_OK); /* off: the node is ignored */
    assert_int_equal(m.node, 0);
    assert_int_equal(m.how, SLI_MEM_PLAIN);
    check_usable(&m, 64);
    sli_node_free(&m);
    assert_int_equal(sli_node_alloc(t, SLI_NUMA_ON, 0, SIZE_MAX - 10, &m), SL_ERR_NOMEM);
    sli_topology_free(t);

    /* this machine: bound where the kernel allows it, else first touch */
    assert_int_equal(sli_topology_discover(0, &t), SL_OK);
    assert_int_equal(sli_node_alloc(t, SLI_NUMA_ON, 0, 1 << 20, &m), SL_OK);
    assert_true(m.how == SLI_MEM_BOUND || m.how == SLI_MEM_FIRST_TOUCH);
    check_usable(&m, 1 << 20);
    sli_node_free(&m);
    sli_topology_free(t);
    assert_string_equal(sli_mem_how_name(SLI_MEM_BOUND), "bound");
    assert_string_equal(sli_mem_how_name(SLI_MEM_FIRST_TOUCH), "first-touch");
}

static void test_partition_bytes(void **state)
{
    (void)state;
    uint8_t validity[13] = {0};
    sli_column ints = {.type = {SL_TYPE_INT64, 0, 0}, .length = 100, .validity = validity, .null_count = 1};
    sli_column strs = {.type = {SL_TYPE_UTF8, 0, 0}, .length = 3, .bytes_len = 10};
    sli_column *cols[2] = {&ints, &strs};
    sli_partition p = {.rows = 100, .cols = cols};
    assert_int_equal(sli_partition_bytes(&p, 1), 800 + 13);
    assert_int_equal(sli_partition_bytes(&p, 2), 800 + 13 + 4 * 4 + 10);
    assert_int_equal(sli_partition_bytes(NULL, 2), 0);
}

/* Placement then scheduling on a synthetic two-node machine: each worker
 * takes only its node's partitions while they last. */
static void test_placement_feeds_morsels(void **state)
{
    (void)state;
    sli_topology *t = synthetic("pack:2 numa:1 core:2 pu:1");
    size_t rows[4] = {4000, 1000, 3000, 2000};
    uint64_t bytes[4];
    for (int i = 0; i < 4; i++) bytes[i] = rows[i] * 8;
    unsigned pnode[4], wnode[2], wpu[2];
    size_t nn = sli_place_node_count(t, SLI_NUMA_ON);
    assert_int_equal(sli_place_partitions(bytes, 4, nn, SLI_PLACE_BY_SIZE, pnode), SL_OK);
    /* 4000 -> n0, 3000 -> n1, 2000 -> n1 (3000 < 4000), 1000 -> n0 (4000 < 5000) */
    unsigned want[4] = {0, 0, 1, 1};
    assert_memory_equal(pnode, want, sizeof want);
    assert_int_equal(sli_place_workers(t, SLI_NUMA_ON, 2, wnode, wpu), SL_OK);
    sli_morsel_sched *s;
    assert_int_equal(sli_morsel_create(rows, pnode, 4, wnode, 2, nn, 1000, &s), SL_OK);
    sli_morsel m;
    size_t got = 0;
    for (size_t w = 0; got < 10; w ^= 1) {
        if (!sli_morsel_next(s, w, &m)) break;
        assert_false(m.stolen); /* equal bytes per node: nobody has to steal in lock-step */
        assert_int_equal(pnode[m.part], wnode[w]);
        got++;
    }
    assert_int_equal(got, 10);
    assert_int_equal(sli_morsel_remaining(s), 0);
    sli_morsel_free(s);
    sli_topology_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numa_mode),
        cmocka_unit_test(test_round_robin),
        cmocka_unit_test(test_by_size),
        cmocka_unit_test(test_workers),
        cmocka_unit_test(test_node_memory),
        cmocka_unit_test(test_partition_bytes),
        cmocka_unit_test(test_placement_feeds_morsels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
