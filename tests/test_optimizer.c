/*
 * test_optimizer.c — each optimizer pass checked on plan shapes: constant
 * folding, filter pushdown (through projections and sorts, into both join
 * inputs, merging filters) and column pruning down to the scans.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "planner/frame.h"
#include "planner/optimizer.h"
#include "planner/pipeline.h"

static sl_context *ctx;

static int setup(void **state)
{
    (void)state;
    if (sl_context_create(&ctx)) return -1;
    return sl_context_register_dir(ctx, SLUICE_SOURCE_DIR "/examples/data") == SL_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sl_context_destroy(ctx);
    return 0;
}

static sli_plan *optimized(const char *text)
{
    sl_frame *f = sl_frame_from_plan(ctx, text, "test");
    if (!f) fail_msg("plan failed: %s", sl_context_last_error(ctx));
    sli_plan *p = NULL;
    assert_int_equal(sli_optimize(ctx, f->plan, &p), SL_OK);
    sl_frame_destroy(f);
    return p;
}

static void assert_scan(const sli_plan *p, const char *table, const char *cols)
{
    assert_int_equal(p->kind, SLI_PLAN_SCAN);
    assert_string_equal(p->table->name, table);
    char buf[256] = "";
    for (size_t i = 0; i < p->ncols; i++) {
        if (i) strcat(buf, ",");
        strcat(buf, p->names[i]);
    }
    assert_string_equal(buf, cols);
}

static void test_fold_constants(void **state)
{
    (void)state;
    sli_plan *p = optimized("table(\"lineitem\").where(l_quantity < 20 + 4 and 1 = 1)");
    assert_int_equal(p->kind, SLI_PLAN_FILTER);
    const sli_expr *pred = p->pred;
    assert_int_equal(pred->kind, SLI_EX_BINARY);
    assert_int_equal(pred->op, SLI_OP_AND);
    const sli_expr *lt = pred->args[0];
    assert_int_equal(lt->args[1]->kind, SLI_EX_LITERAL);
    assert_int_equal(lt->args[1]->lit.i, 24);
    assert_int_equal(pred->args[1]->kind, SLI_EX_LITERAL);
    assert_int_equal(pred->args[1]->lit.i, 1);
    sli_plan_unref(p);
}

static void test_push_through_project_and_prune(void **state)
{
    (void)state;
    sli_plan *p = optimized("table(\"exams\").select(id, result).where(result > 70)");
    assert_int_equal(p->kind, SLI_PLAN_PROJECT);
    assert_int_equal(p->in[0]->kind, SLI_PLAN_FILTER);
    assert_scan(p->in[0]->in[0], "exams", "id,result");
    /* the filter's column index now points into the pruned scan */
    assert_int_equal(p->in[0]->pred->args[0]->index, 1);
    sli_plan_unref(p);
}

static void test_computed_column_blocks_pushdown(void **state)
{
    (void)state;
    sli_plan *p = optimized("table(\"exams\").select(result * 2 as r2).where(r2 > 100)");
    assert_int_equal(p->kind, SLI_PLAN_FILTER);
    assert_int_equal(p->in[0]->kind, SLI_PLAN_PROJECT);
    assert_scan(p->in[0]->in[0], "exams", "result");
    sli_plan_unref(p);
}

static void test_into_join_sides(void **state)
{
    (void)state;
    sli_plan *p = optimized("table(\"lineitem\").join(table(\"orders\"), l_orderkey = o_orderkey)"
                            ".where(l_quantity > 10 and o_orderstatus = 'F' and l_quantity < o_custkey)"
                            ".select(l_orderkey)");
    assert_int_equal(p->kind, SLI_PLAN_PROJECT);
    const sli_plan *f = p->in[0];
    assert_int_equal(f->kind, SLI_PLAN_FILTER); /* the condition on both sides stays above */
    const sli_plan *j = f->in[0];
    assert_int_equal(j->kind, SLI_PLAN_JOIN);
    assert_int_equal(j->in[0]->kind, SLI_PLAN_FILTER);
    assert_int_equal(j->in[1]->kind, SLI_PLAN_FILTER);
    assert_scan(j->in[0]->in[0], "lineitem", "l_orderkey,l_quantity");
    assert_scan(j->in[1]->in[0], "orders", "o_orderkey,o_custkey,o_orderstatus");
    sli_plan_unref(p);
}

static void test_merge_and_sort(void **state)
{
    (void)state;
    sli_plan *p = optimized("table(\"exams\").orderBy(result).where(id > 1).where(id < 9)");
    assert_int_equal(p->kind, SLI_PLAN_SORT);
    const sli_plan *f = p->in[0];
    assert_int_equal(f->kind, SLI_PLAN_FILTER);
    assert_int_equal(f->pred->op, SLI_OP_AND);
    assert_int_equal(f->in[0]->kind, SLI_PLAN_SCAN);
    sli_plan_unref(p);
}

static void test_pipelines(void **state)
{
    (void)state;
    sli_plan *p = optimized("let o = table(\"orders\");\n"
                            "table(\"lineitem\").join(o, l_orderkey = o_orderkey)"
                            ".groupBy(o_orderpriority).agg(count(*) as n).orderBy(n desc).limit(3)");
    sli_physical *ph = NULL;
    assert_int_equal(sli_physical_build(ctx, p, &ph), SL_OK);
    /* build(orders) -> probe+aggregate -> sort -> limit into the result */
    assert_int_equal(ph->npipes, 4);
    assert_int_equal(ph->pipes[0].sink, SLI_SINK_BUILD);
    assert_scan(ph->pipes[0].scan, "orders", "o_orderkey,o_orderpriority");
    assert_int_equal(ph->pipes[1].ops[0].kind, SLI_POP_PROBE);
    assert_int_equal(ph->pipes[1].ops[0].build, 0);
    assert_int_equal(ph->pipes[1].sink, SLI_SINK_AGG);
    assert_int_equal(ph->pipes[2].sink, SLI_SINK_SORT);
    assert_int_equal(ph->pipes[2].source, 1);
    assert_int_equal(ph->pipes[3].ops[0].kind, SLI_POP_LIMIT);
    assert_int_equal(ph->pipes[3].sink, SLI_SINK_RESULT);
    sli_physical_free(ph);
    sli_plan_unref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_constants),
        cmocka_unit_test(test_push_through_project_and_prune),
        cmocka_unit_test(test_computed_column_blocks_pushdown),
        cmocka_unit_test(test_into_join_sides),
        cmocka_unit_test(test_merge_and_sort),
        cmocka_unit_test(test_pipelines),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
