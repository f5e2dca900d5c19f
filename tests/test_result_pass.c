/*
 * test_result_pass.c — tests of the result taken straight from a breaker's
 * output (runtime/result_pass.h): which pipelines qualify; the non-empty
 * partitions move into the result without a copy, in partition order, and
 * the public accessors (result.h) read them as one sequence of rows, with
 * NULLs, plain strings and strings coded against a different dictionary in
 * each partition, exactly as a scan would read them; no partitions give an
 * empty result; a memory budget far below the rows' size is enough.
 */
/* cmocka.h needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/context.h"
#include "runtime/memory.h"
#include "runtime/result.h"
#include "runtime/result_pass.h"

#define NCOLS 4

static char *names[NCOLS] = {"k", "price", "plain", "coded"};
static sl_type types[NCOLS] = {
    {SL_TYPE_INT64, 0, 0}, {SL_TYPE_DECIMAL, 15, 2}, {SL_TYPE_UTF8, 0, 0}, {SL_TYPE_UTF8, 0, 0}};

/* Row r of partition q, column c: the value as text ("" for NULL). */
static void cell(size_t q, size_t r, size_t c, char *buf, size_t cap)
{
    size_t x = q * 1000003 + r;
    switch (c) {
    case 0:
        if (x % 11 == 3)
            buf[0] = 0;
        else
            snprintf(buf, cap, "%zu", x);
        break;
    case 1: snprintf(buf, cap, "%zu", x * 7 % 100000); break;
    case 2:
        if (x % 5 == 0)
            buf[0] = 0;
        else
            snprintf(buf, cap, "s%zu", x % 977);
        break;
    default: snprintf(buf, cap, "p%zu-%zu", q, r % (3 + q)); break; /* few values per partition */
    }
}

/* A table of partitions with rows[q] rows each (the coded column
 * dictionary-encoded per partition). */
static sli_table *make_table(const size_t *rows, size_t np)
{
    sli_table *t = sli_table_create("aggregate");
    assert_non_null(t);
    for (size_t c = 0; c < NCOLS; c++) assert_int_equal(sli_table_add_field(t, names[c], types[c]), SL_OK);
    char buf[64];
    for (size_t q = 0; q < np; q++) {
        sli_column **cols = calloc(NCOLS, sizeof *cols);
        assert_non_null(cols);
        for (size_t c = 0; c < NCOLS; c++) {
            sli_colbuilder b;
            sli_colbuilder_init(&b, types[c]);
            for (size_t r = 0; r < rows[q]; r++) {
                cell(q, r, c, buf, sizeof buf);
                sl_status s = !buf[0] && c != 3             ? sli_colbuilder_append_null(&b)
                              : types[c].id == SL_TYPE_UTF8 ? sli_colbuilder_append_str(&b, buf, strlen(buf))
                                                            : sli_colbuilder_append_i64(&b, atoll(buf));
                assert_int_equal(s, SL_OK);
            }
            cols[c] = sli_colbuilder_finish(&b);
            assert_non_null(cols[c]);
            if (c == 3) assert_int_equal(sli_column_dict_encode(cols[c], 1000), SL_OK);
        }
        if (rows[q]) assert_non_null(cols[3]->dict);
        assert_int_equal(sli_table_add_partition(t, cols), SL_OK);
    }
    return t;
}

/* The result pipeline over an aggregate node with the table's schema. */
static void make_pipe(sli_plan *node, sli_pipeline *p)
{
    memset(node, 0, sizeof *node);
    node->kind = SLI_PLAN_AGG;
    node->ncols = NCOLS;
    node->names = names;
    node->types = types;
    memset(p, 0, sizeof *p);
    p->sink = SLI_SINK_RESULT;
    p->sink_node = node;
}

/* The result holds the rows of partitions 0..np-1 in order, in one
 * partition per non-empty one; read through the public accessors, in an
 * order that jumps between partitions. */
static void check_rows(sli_table *res, const size_t *rows, size_t np)
{
    size_t total = 0, full = 0;
    for (size_t q = 0; q < np; q++) {
        total += rows[q];
        full += rows[q] > 0;
    }
    assert_int_equal(res->nparts, full ? full : 1);
    assert_int_equal(res->rows, total);
    sl_result *r = sli_result_new(res);
    assert_non_null(r);
    assert_int_equal(sl_result_row_count(r), total);
    assert_string_equal(sl_result_column_name(r, 2), "plain");
    size_t *first = calloc(np + 1, sizeof *first); /* the result row of each partition's first row */
    assert_non_null(first);
    for (size_t q = 0; q < np; q++) first[q + 1] = first[q] + rows[q];
    char want[64], got[64];
    for (size_t pass = 0; pass < 2; pass++) /* forwards, then from the last partition back */
        for (size_t i = 0; i < np; i++) {
            size_t q = pass ? np - 1 - i : i;
            for (size_t x = 0; x < rows[q]; x++) {
                size_t rr = pass ? rows[q] - 1 - x : x, at = first[q] + rr;
                for (size_t c = 0; c < NCOLS; c++) {
                    cell(q, rr, c, want, sizeof want);
                    if (!want[0] && c != 3) {
                        assert_true(sl_result_is_null(r, c, at));
                        continue;
                    }
                    assert_false(sl_result_is_null(r, c, at));
                    if (types[c].id == SL_TYPE_UTF8) {
                        size_t len = 0;
                        const char *v = sl_result_get_string(r, c, at, &len);
                        assert_int_equal(len, strlen(want));
                        assert_memory_equal(v, want, len);
                    } else if (c == 0) {
                        assert_int_equal(sl_result_get_int64(r, c, at), atoll(want));
                    } else { /* decimal(15,2): the text has the point */
                        size_t n = sl_result_format_value(r, c, at, got, sizeof got);
                        assert_true(n > 0 && n < sizeof got);
                        long long v = atoll(want);
                        char expect[64];
                        snprintf(expect, sizeof expect, "%lld.%02lld", v / 100, v % 100);
                        assert_string_equal(got, expect);
                    }
                }
            }
        }
    assert_int_equal(sl_result_get_int64(r, 0, total), 0); /* past the end */
    assert_true(sl_result_is_null(r, 0, total));
    free(first);
    r->t = NULL; /* the caller frees the table */
    sl_result_destroy(r);
}

static void test_passes(void **state)
{
    (void)state;
    const size_t rows[] = {3};
    sli_table *t = make_table(rows, 1);
    sli_plan node;
    sli_pipeline p;
    make_pipe(&node, &p);
    assert_true(sli_result_passes(&p, t));
    assert_false(sli_result_passes(&p, NULL));
    sli_pop op = {0};
    p.ops = &op;
    p.nops = 1; /* an operator between source and sink */
    assert_false(sli_result_passes(&p, t));
    p.nops = 0;
    p.sink = SLI_SINK_SORT;
    assert_false(sli_result_passes(&p, t));
    p.sink = SLI_SINK_RESULT;
    p.scan = &node; /* a scan source */
    assert_false(sli_result_passes(&p, t));
    p.scan = NULL;
    sl_type other[NCOLS] = {types[0], {SL_TYPE_DECIMAL, 15, 4}, types[2], types[3]};
    node.types = other; /* a type that differs */
    assert_false(sli_result_passes(&p, t));
    node.types = types;
    node.ncols = NCOLS - 1;
    assert_false(sli_result_passes(&p, t));
    sli_table_free(t);
}

static void test_one_partition_moves(void **state)
{
    (void)state;
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    const size_t rows[] = {0, 1000, 0};
    sli_table *t = make_table(rows, 3);
    const sli_column *k = t->parts[1].cols[0];
    sli_plan node;
    sli_pipeline p;
    make_pipe(&node, &p);
    sli_table *res = NULL;
    assert_int_equal(sli_result_pass(ctx, &p, &t, &res), SL_OK);
    assert_null(t);
    assert_ptr_equal(res->parts[0].cols[0], k); /* nothing copied */
    check_rows(res, rows, 3);
    sli_table_free(res);
    sl_context_destroy(ctx);
}

static void test_partitions_move(void **state)
{
    (void)state;
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    const size_t rows[] = {70001, 0, 1, 129, 50003, 0, 7};
    const size_t np = sizeof rows / sizeof rows[0];
    sli_table *t = make_table(rows, np);
    const sli_column *moved[sizeof rows / sizeof rows[0]]; /* column 3 of each non-empty partition */
    size_t nm = 0;
    for (size_t q = 0; q < np; q++)
        if (rows[q]) moved[nm++] = t->parts[q].cols[3];
    sli_plan node;
    sli_pipeline p;
    make_pipe(&node, &p);
    sli_table *res = NULL;
    assert_int_equal(sli_result_pass(ctx, &p, &t, &res), SL_OK);
    assert_null(t);
    assert_int_equal(res->nparts, nm);
    for (size_t q = 0; q < nm; q++) assert_ptr_equal(res->parts[q].cols[3], moved[q]);
    check_rows(res, rows, np);
    sli_table_free(res);
    sl_context_destroy(ctx);
}

static void test_no_rows(void **state)
{
    (void)state;
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_plan node;
    sli_pipeline p;
    make_pipe(&node, &p);
    for (size_t np = 0; np <= 2; np++) { /* no partitions, or only empty ones */
        sli_table *t = make_table((const size_t[]){0, 0}, np), *res = NULL;
        assert_int_equal(sli_result_pass(ctx, &p, &t, &res), SL_OK);
        assert_int_equal(res->nparts, 1);
        assert_int_equal(res->rows, 0);
        assert_int_equal(res->schema.ncols, NCOLS);
        sli_table_free(res);
    }
    sl_context_destroy(ctx);
}

static void test_small_budget(void **state)
{
    (void)state;
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    const size_t rows[] = {60000, 60000};
    sli_table *t = make_table(rows, 2), *res = NULL;
    sli_plan node;
    sli_pipeline p;
    make_pipe(&node, &p);
    sli_mem_budget b;
    sli_mem_budget_init(&b, 64 << 10); /* far less than a copy of the rows: none is made */
    sli_mem_budget *prev = sli_mem_attach(&b);
    assert_int_equal(sli_result_pass(ctx, &p, &t, &res), SL_OK);
    sli_mem_attach(prev);
    assert_null(t);
    check_rows(res, rows, 2);
    sli_table_free(res);
    sl_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passes),          cmocka_unit_test(test_one_partition_moves),
        cmocka_unit_test(test_partitions_move), cmocka_unit_test(test_no_rows),
        cmocka_unit_test(test_small_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
