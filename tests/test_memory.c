/*
 * test_memory.c — query memory budgets: charging and releasing, the size
 * parser, and a query that passes its limit failing with SL_ERR_MEMORY_LIMIT
 * (naming the operator, leaving the context usable, leaking nothing under
 * ASan) while the same query runs under a larger limit or none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

#include "runtime/buffer.h"
#include "runtime/memory.h"
#include "sluice/sluice.h"

static void test_parse_size(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_true(sli_mem_parse_size("4096", &v));
    assert_int_equal(v, 4096);
    assert_true(sli_mem_parse_size("512M", &v));
    assert_int_equal(v, (uint64_t)512 << 20);
    assert_true(sli_mem_parse_size("2g", &v));
    assert_int_equal(v, (uint64_t)2 << 30);
    assert_true(sli_mem_parse_size("3GiB", &v));
    assert_int_equal(v, (uint64_t)3 << 30);
    assert_true(sli_mem_parse_size("64KB", &v));
    assert_int_equal(v, (uint64_t)64 << 10);
    assert_true(sli_mem_parse_size("1T", &v));
    assert_int_equal(v, (uint64_t)1 << 40);
    const char *bad[] = {"", "M", "-1", "0", "12X", "1.5G", "1 G", "99999999999999999999", "20000000T", NULL};
    for (size_t i = 0; bad[i]; i++) assert_false(sli_mem_parse_size(bad[i], &v));

    char buf[32];
    sli_mem_format_size(17, buf, sizeof buf);
    assert_string_equal(buf, "17 B");
    sli_mem_format_size((uint64_t)3 << 19, buf, sizeof buf);
    assert_string_equal(buf, "1.5 MiB");
}

static void test_budget(void **state)
{
    (void)state;
    assert_null(sli_mem_current());
    assert_true(sli_mem_charge(1 << 20)); /* no budget: always granted */
    sli_mem_release(1 << 20);

    sli_mem_budget b;
    sli_mem_budget_init(&b, 1000);
    assert_null(sli_mem_attach(&b));
    assert_ptr_equal(sli_mem_current(), &b);
    assert_true(sli_mem_charge(600));
    assert_true(sli_mem_charge(400)); /* exactly the limit */
    assert_int_equal(atomic_load(&b.used), 1000);
    assert_false(sli_mem_charge(1));
    assert_int_equal(atomic_load(&b.refused), 1);
    assert_int_equal(atomic_load(&b.held), 1000);
    assert_false(sli_mem_charge(50)); /* the first refusal is the one kept */
    assert_int_equal(atomic_load(&b.refused), 1);
    sli_mem_release(700);
    assert_int_equal(atomic_load(&b.used), 300);
    sli_mem_release(5000); /* never below zero */
    assert_int_equal(atomic_load(&b.used), 0);
    assert_int_equal(atomic_load(&b.peak), 1000);

    /* Buffers charge their usable size and release it when freed. */
    sli_mem_budget big;
    sli_mem_budget_init(&big, 0); /* counting only */
    assert_ptr_equal(sli_mem_attach(&big), &b);
    void *p = sli_buf_alloc(100000);
    assert_non_null(p);
    uint64_t charged = atomic_load(&big.used);
    assert_true(charged >= 100000 + SLI_PADDING);
    p = sli_buf_realloc(p, 100000, 300000);
    assert_non_null(p);
    assert_true(atomic_load(&big.used) >= 300000 && atomic_load(&big.used) < charged + 300000);
    sli_buf_free(p);
    assert_int_equal(atomic_load(&big.used), 0);

    /* A refused buffer is NULL, and a refused realloc keeps the old buffer. */
    sli_mem_budget small;
    sli_mem_budget_init(&small, 64 * 1024);
    sli_mem_attach(&small);
    assert_null(sli_buf_alloc(1 << 20));
    void *q = sli_buf_alloc(1000);
    assert_non_null(q);
    memset(q, 7, 1000);
    assert_null(sli_buf_realloc(q, 1000, 1 << 20));
    assert_int_equal(((unsigned char *)q)[999], 7);
    sli_buf_free(q);
    assert_int_equal(atomic_load(&small.used), 0);
    assert_ptr_equal(sli_mem_attach(NULL), &small);
    assert_null(sli_mem_current());
}

/* A table g(k, v): rows rows with rows/2 distinct keys, written as CSV. */
static void write_table(const char *dir, int rows)
{
    char path[160];
    snprintf(path, sizeof path, "%s/g.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "k,v\n");
    for (int i = 0; i < rows; i++) fprintf(f, "%d,%d\n", (i * 7919) % (rows / 2), i % 100);
    assert_int_equal(fclose(f), 0);
}

static void test_query_limit(void **state)
{
    (void)state;
    char dir[64];
    assert_int_equal(tu_make_dir(dir, sizeof dir, "memory"), 0);
    write_table(dir, 200000);
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    assert_int_equal(sl_context_register_dir(ctx, dir), SL_OK);
    const char *plan = "table(\"g\").groupBy(k).agg(sum(v) as s, count(*) as n).orderBy(k)";

    /* 256 KiB cannot hold 100,000 groups. */
    assert_int_equal(sl_context_set_memory_limit(ctx, 256 * 1024), SL_OK);
    assert_int_equal(sl_context_memory_limit(ctx), 256 * 1024);
    sl_frame *f = sl_frame_from_plan(ctx, plan, "<test>");
    assert_non_null(f);
    sl_result *r = NULL;
    assert_int_equal(sl_frame_collect(f, &r), SL_ERR_MEMORY_LIMIT);
    assert_null(r);
    assert_int_equal(sl_context_last_status(ctx), SL_ERR_MEMORY_LIMIT);
    const char *msg = sl_context_last_error(ctx);
    assert_non_null(strstr(msg, "memory limit of 256.0 KiB exceeded in "));
    assert_null(sli_mem_current()); /* the query detached its budget */
    sl_frame_destroy(f);

    /* The context stays usable: a larger limit, then none. */
    uint64_t limits[] = {(uint64_t)256 << 20, 0};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(sl_context_set_memory_limit(ctx, limits[i]), SL_OK);
        f = sl_frame_from_plan(ctx, plan, "<test>");
        assert_non_null(f);
        assert_int_equal(sl_frame_collect(f, &r), SL_OK);
        assert_int_equal(sl_result_row_count(r), 100000);
        sl_result_destroy(r);
        sl_frame_destroy(f);
    }
    assert_int_equal(sl_context_set_memory_limit(NULL, 1), SL_ERR_INVALID_ARG);
    sl_context_destroy(ctx);
    assert_int_equal(tu_remove_dir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_query_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
