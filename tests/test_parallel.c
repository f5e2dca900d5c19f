/*
 * test_parallel.c — pipelines on worker teams: every query gives the same
 * rows on 1, 2, 3 and 4 threads (in the same order for scans, filters,
 * projections, sorts and top-k; as multisets for group-bys and for joins,
 * whose probe may reorder rows by hash partition), across several
 * partitions, with joins
 * of every kind, low- and high-cardinality aggregation (the parallel
 * partitioned merge included), and errors raised inside a worker reported
 * once with their message.
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

#include "io/csv.h"
#include "runtime/agg_partition.h"
#include "runtime/join_table.h"
#include "sluice/sluice.h"

static char dir[64];
static sl_context *ctx;

#define FACT_ROWS 80000
#define DIM_ROWS  20000

static int setup(void **state)
{
    (void)state;
    assert_int_equal(tu_make_dir(dir, sizeof dir, "parallel"), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/f.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "id,k,g,v,s\n");
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < FACT_ROWS; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        fprintf(f, "%d,%llu,%d,", i, (unsigned long long)(x % (DIM_ROWS * 2)), (int)(x >> 40) % 7);
        if (x % 11) fprintf(f, "%lld.%02d", (long long)((x >> 20) % 2000) - 1000, (int)(x >> 50) % 100);
        fprintf(f, ",w%d\n", (int)((x >> 33) % 300));
    }
    assert_int_equal(fclose(f), 0);
    snprintf(path, sizeof path, "%s/d.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "dk,name,w\n");
    for (int i = 0; i < DIM_ROWS; i++) fprintf(f, "%d,n%d,%d\n", i * 2 + (i % 3 == 0), i % 97, i % 5);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_csv_set_partition_rows(40000); /* several partitions of unequal size */
    assert_int_equal(sl_context_register_dir(ctx, dir), SL_OK);
    sli_csv_set_partition_rows(0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sl_context_destroy(ctx);
    return tu_remove_dir(dir);
}

/* The rows of a result as text lines; sorted when `sorted`. */
static char **rows_of(const sl_result *r, size_t *n, int sorted);

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **rows_of(const sl_result *r, size_t *n, int sorted)
{
    *n = sl_result_row_count(r);
    size_t nc = sl_result_column_count(r);
    char **lines = calloc(*n ? *n : 1, sizeof *lines);
    assert_non_null(lines);
    for (size_t i = 0; i < *n; i++) {
        size_t cap = 64 * (nc + 1), len = 0;
        lines[i] = malloc(cap);
        assert_non_null(lines[i]);
        for (size_t c = 0; c < nc; c++) {
            len += sl_result_format_value(r, c, i, lines[i] + len, cap - len);
            lines[i][len++] = '|';
        }
        lines[i][len] = 0;
    }
    if (sorted) qsort(lines, *n, sizeof *lines, cmp_line);
    return lines;
}

static void free_rows(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
}

/* Runs plan on `threads` workers. @return the result (caller destroys). */
static sl_result *run_on(const char *plan, size_t threads)
{
    assert_int_equal(sl_context_set_threads(ctx, threads), SL_OK);
    sl_frame *f = sl_frame_from_plan(ctx, plan, "<test>");
    if (!f) fail_msg("plan failed: %s", sl_context_last_error(ctx));
    sl_result *r = NULL;
    sl_status s = sl_frame_collect(f, &r);
    if (s) fail_msg("%zu threads: %s\n%s", threads, sl_context_last_error(ctx), plan);
    sl_frame_destroy(f);
    return r;
}

/* Checks that plan gives the same rows on 1..4 threads (order too unless unordered). */
static void same_everywhere(const char *plan, int unordered, size_t min_rows)
{
    sl_result *base = run_on(plan, 1);
    size_t nb;
    char **want = rows_of(base, &nb, unordered);
    assert_true(nb >= min_rows);
    for (size_t t = 2; t <= 4; t++) {
        sl_result *r = run_on(plan, t);
        size_t ng;
        char **got = rows_of(r, &ng, unordered);
        if (ng != nb) fail_msg("%zu threads: %zu rows, 1 thread: %zu\n%s", t, ng, nb, plan);
        for (size_t i = 0; i < nb; i++)
            if (strcmp(got[i], want[i]))
                fail_msg("%zu threads, row %zu: %s, 1 thread: %s\n%s", t, i, got[i], want[i], plan);
        free_rows(got, ng);
        sl_result_destroy(r);
    }
    free_rows(want, nb);
    sl_result_destroy(base);
}

static void test_scans_keep_source_order(void **state)
{
    (void)state;
    same_everywhere("table(\"f\")", 0, FACT_ROWS);
    same_everywhere("table(\"f\").where(v > 100 and g <> 3).select(id, v * 2 as v2, s)", 0, 1000);
    same_everywhere("table(\"f\").where(s in ('w1', 'w2') or v is null).select(id, s, v)", 0, 1000);
}

static void test_joins(void **state)
{
    (void)state;
    same_everywhere("let d = table(\"d\");\ntable(\"f\").join(d, k = dk).select(id, k, name, w, v)", 1,
                    10000);
    same_everywhere("let d = table(\"d\");\ntable(\"f\").join(d, k = dk, 'left').select(id, name)", 1,
                    FACT_ROWS);
    same_everywhere("let d = table(\"d\");\ntable(\"f\").join(d, k = dk, 'semi').select(id)", 1, 10000);
    same_everywhere("let d = table(\"d\");\ntable(\"f\").join(d, k = dk, 'anti').select(id)", 1, 10000);
    /* build side big enough to be built by several workers */
    same_everywhere("let f2 = table(\"f\").where(g = 1).select(id as id2, v as v2);\n"
                    "table(\"d\").join(f2, dk = id2).agg(count(*) as n, sum(v2) as sv)",
                    0, 1);
    /* a build of every fact row (the preserved side of a left join probes;
     * past the parallel concatenation's threshold), with NULLs and strings:
     * its columns put together by the team */
    same_everywhere("let f3 = table(\"f\").select(id as id3, v as v3, s as s3, g as g3);\n"
                    "table(\"d\").join(f3, dk = id3, 'left').select(dk, v3, s3, g3, name)",
                    1, DIM_ROWS);
    /* builds of every fact row with fixed-width columns only: the team's
     * workers place their rows in one table (executor.c, placeable), NULLs
     * included (v, and a key that is NULL on every 11th row) */
    same_everywhere("let f4 = table(\"f\").select(id as id4, v as v4, g as g4);\n"
                    "table(\"d\").join(f4, dk = id4).select(dk, v4, g4, w)",
                    1, DIM_ROWS);
    same_everywhere("let f5 = table(\"f\").select(id * 2 as id5, v + 1 as v5);\n"
                    "table(\"d\").join(f5, dk = id5, 'left').select(dk, v5)",
                    1, DIM_ROWS);
    same_everywhere("let f6 = table(\"f\").select(case when id % 11 = 0 then null else id end as id6, g as g6);\n"
                    "table(\"d\").join(f6, dk = id6).agg(count(*) as n, sum(g6) as sg)",
                    0, 1);
    /* tables cut into many partitions: fixed-width probe rows are buffered
     * by partition, and a team probes each partition once with every
     * worker's rows for it (executor.c, flush_shared); direct-indexed (d's
     * unique keys) and hash (the repeated k) tables, each join type */
    sli_join_set_partition_rows(64);
    const char *parted[] = {
        "let d = table(\"d\");\ntable(\"f\").select(id, k, g).join(d, k = dk).agg(count(*) as n, sum(w) as "
        "sw)",
        "let d = table(\"d\");\ntable(\"f\").select(id, k, g).join(d, k = dk).select(id, k, w, name)",
        "let d = table(\"d\");\ntable(\"f\").select(id, k).join(d, k = dk, 'left').select(id, w)",
        "let d = table(\"d\");\ntable(\"f\").select(id, k).join(d, k = dk, 'semi').select(id)",
        "let d = table(\"d\");\ntable(\"f\").select(id, k).join(d, k = dk, 'anti').select(id)",
        "let f7 = table(\"f\").select(k as k7, g as g7);\ntable(\"d\").select(dk, w).join(f7, dk = "
        "k7).agg(count(*) as "
        "n, sum(g7) as sg)",
    };
    for (size_t i = 0; i < sizeof parted / sizeof parted[0]; i++) same_everywhere(parted[i], 1, 1);
    sli_join_set_partition_rows(0);
}

static void test_aggregates(void **state)
{
    (void)state;
    same_everywhere("table(\"f\").agg(count(*) as n, sum(v) as sv, avg(v) as av, min(g) as mg, max(v) as mx)",
                    0, 1);
    same_everywhere("table(\"f\").groupBy(g, s).agg(count(*) as n, sum(v) as sv, max(id) as mi)", 1, 1000);
    /* every id is a group: past the partitioned merge's threshold */
    same_everywhere("table(\"f\").groupBy(id).agg(sum(v) as sv, count(v) as cv, min(k) as mk)", 1, FACT_ROWS);
    /* keys past the direct domain, every worker partitioning its rows (the
     * threshold lowered): by key range, the workers agreeing on one range,
     * and by hash where the keys are too far apart for a range */
    size_t saved_groups = sli_agg_part_groups;
    sli_agg_part_groups = 2000;
    same_everywhere("table(\"f\").select(id * 5 as i5, v).groupBy(i5).agg(sum(v) as sv, count(*) as n)", 1,
                    FACT_ROWS);
    same_everywhere("table(\"f\").select(id * 5000003 as i5, v).groupBy(i5).agg(sum(v) as sv)", 1, FACT_ROWS);
    sli_agg_part_groups = saved_groups;
    /* ... with a string key: the workers' tables, strings included, become the result (result_pass.h) */
    same_everywhere("table(\"f\").groupBy(s, id).agg(count(*) as n, max(v) as mx)", 1, FACT_ROWS);
    same_everywhere("table(\"f\").groupBy(k).agg(count(*) as n, avg(v) as av)", 1, 10000);
    /* ... a string key with groups enough for the team to merge them, by partition, without the
       workers partitioning their rows (12,000 groups: agg_team.c) */
    same_everywhere("table(\"f\").select(s, id % 40 as m, v).groupBy(s, m).agg(sum(v) as sv, count(*) as n)",
                    1, 8192);
    /* the merged partitions feed a later pipeline (a sort) without being concatenated */
    same_everywhere("table(\"f\").groupBy(id).agg(sum(v) as sv).where(sv > 0).orderBy(sv desc, id)", 0, 1000);
    same_everywhere("let d = table(\"d\");\n"
                    "table(\"f\").join(d, k = dk).groupBy(name).agg(sum(v) as sv, count(*) as n)",
                    1, 50);
}

static void test_sorts(void **state)
{
    (void)state;
    same_everywhere("table(\"f\").orderBy(v desc nulls last, id)", 0, FACT_ROWS);
    same_everywhere("table(\"f\").orderBy(s, v).limit(25)", 0, 25);
    same_everywhere("table(\"f\").groupBy(s).agg(sum(v) as sv).orderBy(sv desc, s)", 0, 300);
    same_everywhere("table(\"f\").where(g = 2).limit(100)", 0, 100);
}

static void test_errors_in_workers(void **state)
{
    (void)state;
    for (size_t t = 1; t <= 4; t++) {
        assert_int_equal(sl_context_set_threads(ctx, t), SL_OK);
        sl_frame *f = sl_frame_from_plan(ctx, "table(\"f\").select(id % (g - 3) as x)", "<test>");
        assert_non_null(f);
        sl_result *r = NULL;
        assert_int_equal(sl_frame_collect(f, &r), SL_ERR_DIV_ZERO);
        assert_null(r);
        assert_non_null(strstr(sl_context_last_error(ctx), "division by zero"));
        sl_frame_destroy(f);
    }
    assert_int_equal(sl_context_set_threads(ctx, 4), SL_OK);
    assert_int_equal(sl_context_threads(ctx), 4);
    assert_int_equal(sl_context_set_threads(ctx, 1025), SL_ERR_INVALID_ARG);
    assert_int_equal(sl_context_set_threads(ctx, 0), SL_OK); /* the default */
    assert_true(sl_context_threads(ctx) >= 1);
    /* a memory limit reached inside workers */
    assert_int_equal(sl_context_set_threads(ctx, 4), SL_OK);
    assert_int_equal(sl_context_set_memory_limit(ctx, 512 * 1024), SL_OK);
    sl_frame *f = sl_frame_from_plan(ctx, "table(\"f\").groupBy(id).agg(sum(v) as sv)", "<test>");
    sl_result *r = NULL;
    assert_int_equal(sl_frame_collect(f, &r), SL_ERR_MEMORY_LIMIT);
    assert_non_null(strstr(sl_context_last_error(ctx), "memory limit of 512.0 KiB exceeded in "));
    sl_frame_destroy(f);
    assert_int_equal(sl_context_set_memory_limit(ctx, 0), SL_OK);
    assert_int_equal(sl_context_set_numa(ctx, false), SL_OK);
    same_everywhere("table(\"f\").groupBy(g).agg(count(*) as n)", 1, 7);
    assert_int_equal(sl_context_set_numa(ctx, true), SL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scans_keep_source_order),
        cmocka_unit_test(test_joins),
        cmocka_unit_test(test_aggregates),
        cmocka_unit_test(test_sorts),
        cmocka_unit_test(test_errors_in_workers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
