/*
 * test_scan_source.c — external tables (runtime/table.h's sli_table_source):
 * the ranges a scan's leading filters allow (planner/scan_ranges.c), and the
 * executor loading only the scanned columns of the units those ranges do not
 * rule out, on one and on several workers. The external table here is made
 * in memory: four units of 1000 rows, unit u holding k = u*1000 .. u*1000+999,
 * d = k days, x = k + 0.5 and s = "v" k%3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "planner/frame.h"
#include "planner/optimizer.h"
#include "planner/pipeline.h"
#include "runtime/context.h"
#include "runtime/types.h"

#define UNITS 4
#define UNIT_ROWS 1000

static sl_context *ctx;

/* What the last load was asked for. */
static size_t asked_cols[8], asked_ncols, loaded_units, loads;

static sli_column *make_column(size_t col, size_t u)
{
    static const sl_type types[] = {{SL_TYPE_INT64, 0, 0}, {SL_TYPE_DATE32, 0, 0}, {SL_TYPE_FLOAT64, 0, 0},
                                    {SL_TYPE_UTF8, 0, 0}};
    sli_colbuilder b = {0};
    sli_colbuilder_init(&b, types[col]);
    for (size_t i = 0; i < UNIT_ROWS; i++) {
        int64_t k = (int64_t)(u * UNIT_ROWS + i);
        char s[8];
        switch (col) {
        case 0:
        case 1: assert_int_equal(sli_colbuilder_append_i64(&b, k), SL_OK); break;
        case 2: assert_int_equal(sli_colbuilder_append_f64(&b, (double)k + 0.5), SL_OK); break;
        default:
            snprintf(s, sizeof s, "v%d", (int)(k % 3));
            assert_int_equal(sli_colbuilder_append_str(&b, s, strlen(s)), SL_OK);
        }
    }
    return sli_colbuilder_finish(&b);
}

static sl_status fake_load(void *self, sl_context *c, const size_t *cols, size_t ncols,
                           const sli_scan_range *ranges, size_t nranges, sli_table **out, size_t *units_read)
{
    (void)self;
    (void)c;
    static const char *const names[] = {"k", "d", "x", "s"};
    static const sl_type types[] = {{SL_TYPE_INT64, 0, 0}, {SL_TYPE_DATE32, 0, 0}, {SL_TYPE_FLOAT64, 0, 0},
                                    {SL_TYPE_UTF8, 0, 0}};
    loads++;
    asked_ncols = ncols;
    for (size_t i = 0; i < ncols; i++) asked_cols[i] = cols[i];
    sli_table *t = sli_table_create("ext");
    for (size_t i = 0; i < ncols; i++) assert_int_equal(sli_table_add_field(t, names[cols[i]], types[cols[i]]), SL_OK);
    size_t read = 0;
    for (size_t u = 0; u < UNITS; u++) {
        int64_t lo = (int64_t)(u * UNIT_ROWS), hi = lo + UNIT_ROWS - 1;
        bool keep = true;
        for (size_t r = 0; r < nranges; r++) {
            if (ranges[r].is_float)
                keep = keep && !((double)hi + 0.5 < ranges[r].flo || (double)lo + 0.5 > ranges[r].fhi);
            else
                keep = keep && !(hi < ranges[r].lo || lo > ranges[r].hi);
        }
        if (!keep) continue;
        read++;
        sli_column **pc = calloc(ncols, sizeof *pc);
        for (size_t i = 0; i < ncols; i++) pc[i] = make_column(cols[i], u);
        assert_int_equal(sli_table_add_partition(t, pc), SL_OK);
    }
    loaded_units = read;
    *units_read = read;
    *out = t;
    return SL_OK;
}

static void fake_close(void *self)
{
    (void)self;
}

static int setup(void **state)
{
    (void)state;
    if (sl_context_create(&ctx)) return -1;
    sli_table *t = sli_table_create("ext");
    sli_table_source *src = calloc(1, sizeof *src);
    if (!t || !src) return -1;
    sli_table_add_field(t, "k", sli_type(SL_TYPE_INT64));
    sli_table_add_field(t, "d", sli_type(SL_TYPE_DATE32));
    sli_table_add_field(t, "x", sli_type(SL_TYPE_FLOAT64));
    sli_table_add_field(t, "s", sli_type(SL_TYPE_UTF8));
    src->kind = "test";
    src->units = UNITS;
    src->load = fake_load;
    src->close = fake_close;
    t->source = src;
    t->rows = UNITS * UNIT_ROWS;
    return sli_context_add_table(ctx, t) == SL_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sl_context_destroy(ctx);
    return 0;
}

/* The ranges the first pipeline of a plan's physical plan allows. */
static size_t ranges_of(const char *plan, sli_scan_range *out, size_t cap)
{
    sl_frame *f = sl_frame_from_plan(ctx, plan, "test");
    if (!f) fail_msg("plan failed: %s", sl_context_last_error(ctx));
    sli_plan *opt = NULL;
    assert_int_equal(sli_optimize(ctx, f->plan, &opt), SL_OK);
    sli_physical *ph = NULL;
    assert_int_equal(sli_physical_build(ctx, opt, &ph), SL_OK);
    sli_plan_unref(opt);
    size_t n = sli_scan_ranges(&ph->pipes[0], out, cap);
    sli_physical_free(ph);
    sl_frame_destroy(f);
    return n;
}

static const sli_scan_range *range_of(const sli_scan_range *r, size_t n, size_t col)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].col == col) return &r[i];
    return NULL;
}

static void test_ranges_from_conjuncts(void **state)
{
    (void)state;
    sli_scan_range r[8];
    size_t n = ranges_of("table(\"ext\").where(k >= 1500 and 2200 > k and x <= 3000.5 and d between date "
                         "'1970-01-11' and date '1970-02-01').select(s)",
                         r, 8);
    assert_int_equal(n, 3);
    const sli_scan_range *k = range_of(r, n, 0), *d = range_of(r, n, 1), *x = range_of(r, n, 2);
    assert_non_null(k);
    assert_false(k->is_float);
    assert_int_equal(k->lo, 1500);
    assert_int_equal(k->hi, 2200);
    assert_non_null(d);
    assert_int_equal(d->lo, 10);
    assert_int_equal(d->hi, 31);
    assert_non_null(x);
    assert_true(x->is_float);
    assert_true(x->fhi == 3000.5);
    assert_true(x->flo < -1e300);
}

static void test_ranges_in_and_equal(void **state)
{
    (void)state;
    sli_scan_range r[8];
    size_t n = ranges_of("table(\"ext\").where(k in (7, 3012, 40) and k = 3012)", r, 8);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].lo, 3012);
    assert_int_equal(r[0].hi, 3012);
}

static void test_no_ranges_for_or_and_expressions(void **state)
{
    (void)state;
    sli_scan_range r[8];
    assert_int_equal(ranges_of("table(\"ext\").where(k < 10 or k > 3990)", r, 8), 0);
    assert_int_equal(ranges_of("table(\"ext\").where(k + 1 < 10)", r, 8), 0);
    assert_int_equal(ranges_of("table(\"ext\").where(k not between 10 and 20)", r, 8), 0);
    assert_int_equal(ranges_of("table(\"ext\").where(s = 'v1')", r, 8), 0);
}

static int64_t scalar(const char *plan)
{
    sl_frame *f = sl_frame_from_plan(ctx, plan, "test");
    if (!f) fail_msg("plan failed: %s", sl_context_last_error(ctx));
    sl_result *res = NULL;
    assert_int_equal(sl_frame_collect(f, &res), SL_OK);
    assert_int_equal(sl_result_row_count(res), 1);
    int64_t v = sl_result_get_int64(res, 0, 0);
    sl_result_destroy(res);
    sl_frame_destroy(f);
    return v;
}

static void test_load_only_needed(void **state)
{
    (void)state;
    for (size_t threads = 1; threads <= 4; threads *= 2) {
        sl_context_set_threads(ctx, threads);
        /* k in [1500, 2200]: units 1 and 2 only, and only column k. */
        assert_int_equal(scalar("table(\"ext\").where(k between 1500 and 2200).agg(count(*) as n)"), 701);
        assert_int_equal(loaded_units, 2);
        assert_int_equal(asked_ncols, 1);
        assert_int_equal(asked_cols[0], 0);
        /* Only the columns the filters read (k is pruned: count(*) needs
         * no column). */
        assert_int_equal(scalar("table(\"ext\").where(x > 3500.0).select(s, k).where(s = 'v0')"
                                ".agg(count(*) as n)"),
                         167);
        assert_int_equal(loaded_units, 1);
        assert_int_equal(asked_ncols, 2);
        /* The scan's column order, whatever the table's order: the sum
         * needs k and s. */
        assert_int_equal(scalar("table(\"ext\").where(k >= 3990).select(s, k).where(s = 'v1').agg(sum(k) as t)"),
                         3991 + 3994 + 3997);
        /* No qualifying unit: nothing read, an empty answer, no error. */
        assert_int_equal(scalar("table(\"ext\").where(k > 999999).agg(count(*) as n)"), 0);
        assert_int_equal(loaded_units, 0);
        /* count(*) reads one column (a scan always yields one, so that
         * its rows count). */
        assert_int_equal(scalar("table(\"ext\").agg(count(*) as n)"), UNITS * UNIT_ROWS);
        assert_int_equal(asked_ncols, 1);
        assert_int_equal(loaded_units, UNITS);
    }
    sl_context_set_threads(ctx, 0);
}

static void test_join_loads_each_side(void **state)
{
    (void)state;
    size_t before = loads;
    assert_int_equal(scalar("let a = table(\"ext\").where(k < 1000).select(k as ak);"
                            "table(\"ext\").where(k >= 500 and k < 1500).join(a, k = ak).agg(count(*) as n)"),
                     500);
    assert_int_equal(loads - before, 2);
}

static void test_explain_names_pruning(void **state)
{
    (void)state;
    sl_frame *f = sl_frame_from_plan(ctx, "table(\"ext\").where(k < 10).select(s)", "test");
    assert_non_null(f);
    char *text = NULL;
    assert_int_equal(sl_frame_explain(f, &text), SL_OK);
    assert_non_null(strstr(text, "test, 4 row group(s), only these columns read"));
    assert_non_null(strstr(text, "prune   row groups by min/max of k"));
    free(text);
    sl_frame_destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranges_from_conjuncts),  cmocka_unit_test(test_ranges_in_and_equal),
        cmocka_unit_test(test_no_ranges_for_or_and_expressions), cmocka_unit_test(test_load_only_needed),
        cmocka_unit_test(test_join_loads_each_side),   cmocka_unit_test(test_explain_names_pruning),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
