/*
 * test_optimizer.c — each optimizer pass checked on plan shapes: constant
 * folding, OR factoring, filter pushdown (through projections, computed
 * columns substituted, and sorts, into both join inputs, merging filters),
 * semi and anti joins moved below inner joins, join ordering (bushy and
 * one-table builds, keys through equivalence classes), implied OR
 * conjuncts, build-side choice, column pruning down to the scans,
 * projection merging and removal, and conjunct ordering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "planner/frame.h"
#include "planner/opt_util.h"
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
    sli_plan *p = optimized("table(\"exams\").select(result, id).where(result > 70)");
    assert_int_equal(p->kind, SLI_PLAN_PROJECT);
    assert_int_equal(p->in[0]->kind, SLI_PLAN_FILTER);
    assert_scan(p->in[0]->in[0], "exams", "id,result");
    /* the filter's column index now points into the pruned scan */
    assert_int_equal(p->in[0]->pred->args[0]->index, 1);
    sli_plan_unref(p);
    /* with the columns in the scan's order the projection left is an
     * identity, and goes */
    p = optimized("table(\"exams\").select(id, result).where(result > 70)");
    assert_int_equal(p->kind, SLI_PLAN_FILTER);
    assert_scan(p->in[0], "exams", "id,result");
    assert_int_equal(p->pred->args[0]->index, 1);
    sli_plan_unref(p);
}

/* A filter on a computed column moves below the projection, the expression
 * substituted for the column. */
static void test_push_through_computed_column(void **state)
{
    (void)state;
    sli_plan *p = optimized("table(\"exams\").select(result * 2 as r2).where(r2 > 100)");
    assert_int_equal(p->kind, SLI_PLAN_PROJECT);
    assert_string_equal(p->names[0], "r2");
    const sli_plan *f = p->in[0];
    assert_int_equal(f->kind, SLI_PLAN_FILTER);
    const sli_expr *gt = f->pred;
    assert_int_equal(gt->kind, SLI_EX_BINARY);
    assert_int_equal(gt->op, SLI_OP_GT);
    const sli_expr *mul = gt->args[0];
    assert_int_equal(mul->kind, SLI_EX_BINARY);
    assert_int_equal(mul->op, SLI_OP_MUL);
    assert_int_equal(mul->args[0]->kind, SLI_EX_COLUMN);
    assert_string_equal(mul->args[0]->name, "result");
    assert_int_equal(mul->args[0]->index, 0);
    assert_scan(f->in[0], "exams", "result");
    sli_plan_unref(p);
}

/* A test computed over an aggregate and then filtered on (as HAVING is):
 * the filter reads the aggregate, the test column nobody reads any more is
 * pruned, and the two projections left become one. */
static void test_computed_test_pruned(void **state)
{
    (void)state;
    sli_plan *p = optimized("table(\"exams\").groupBy(subject).agg(max(result) > 90 as good, count(*) as n)"
                            ".where(good).select(subject)");
    assert_int_equal(p->kind, SLI_PLAN_PROJECT);
    assert_int_equal(p->ncols, 1);
    assert_int_equal(p->exprs[0]->kind, SLI_EX_COLUMN);
    assert_int_equal(p->exprs[0]->index, 0);
    const sli_plan *f = p->in[0];
    assert_int_equal(f->kind, SLI_PLAN_FILTER);
    assert_int_equal(f->pred->kind, SLI_EX_BINARY);
    assert_int_equal(f->pred->op, SLI_OP_GT);
    assert_int_equal(f->pred->args[0]->kind, SLI_EX_COLUMN);
    assert_int_equal(f->pred->args[0]->index, 1); /* max(result), after the key */
    const sli_plan *a = f->in[0];
    assert_int_equal(a->kind, SLI_PLAN_AGG);
    assert_scan(a->in[0], "exams", "subject,result");
    sli_plan_unref(p);
}

/* Adjacent projections merge, renames and computed columns composed. */
static void test_merge_projections(void **state)
{
    (void)state;
    sli_plan *p =
        optimized("table(\"exams\").select(id as k, result * 2 as r2).select(k as j, r2 + 1 as r3)");
    assert_int_equal(p->kind, SLI_PLAN_PROJECT);
    assert_int_equal(p->ncols, 2);
    assert_string_equal(p->names[0], "j");
    assert_string_equal(p->names[1], "r3");
    assert_int_equal(p->exprs[0]->kind, SLI_EX_COLUMN);
    assert_string_equal(p->exprs[0]->name, "id");
    const sli_expr *add = p->exprs[1];
    assert_int_equal(add->kind, SLI_EX_BINARY);
    assert_int_equal(add->op, SLI_OP_ADD);
    assert_int_equal(add->args[0]->kind, SLI_EX_BINARY);
    assert_int_equal(add->args[0]->op, SLI_OP_MUL);
    assert_scan(p->in[0], "exams", "id,result");
    sli_plan_unref(p);
}

/* A computed column read twice above keeps its projection: merging would
 * compute it twice. */
static void test_merge_keeps_shared_computation(void **state)
{
    (void)state;
    sli_plan *p = optimized("table(\"exams\").select(result * 2 as r2).select(r2 + 1 as a, r2 - 1 as b)");
    assert_int_equal(p->kind, SLI_PLAN_PROJECT);
    assert_int_equal(p->in[0]->kind, SLI_PLAN_PROJECT);
    assert_string_equal(p->in[0]->names[0], "r2");
    assert_scan(p->in[0]->in[0], "exams", "result");
    sli_plan_unref(p);
}

/* A projection that passes its input through unchanged goes away; one that
 * renames stays. */
static void test_identity_projection_removed(void **state)
{
    (void)state;
    sli_plan *p = optimized("table(\"exams\").select(id, name, subject, result, taken).where(id > 3)");
    assert_int_equal(p->kind, SLI_PLAN_FILTER);
    assert_scan(p->in[0], "exams", "id,name,subject,result,taken");
    sli_plan_unref(p);
    p = optimized("table(\"exams\").select(id, result).select(id, result)");
    assert_scan(p, "exams", "id,result");
    sli_plan_unref(p);
    p = optimized("table(\"exams\").select(id as k)");
    assert_int_equal(p->kind, SLI_PLAN_PROJECT);
    assert_string_equal(p->names[0], "k");
    assert_scan(p->in[0], "exams", "id");
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
    assert_scan(j->in[0]->in[0], "lineitem", "l_orderkey,l_quantity");
    /* the build side drops o_orderstatus, which only its filter reads */
    const sli_plan *r = j->in[1];
    assert_int_equal(r->kind, SLI_PLAN_PROJECT);
    assert_int_equal(r->ncols, 2);
    assert_string_equal(r->names[0], "o_orderkey");
    assert_string_equal(r->names[1], "o_custkey");
    assert_int_equal(r->in[0]->kind, SLI_PLAN_FILTER);
    assert_scan(r->in[0]->in[0], "orders", "o_orderkey,o_custkey,o_orderstatus");
    assert_int_equal(j->rkeys[0]->index, 0);
    /* l_quantity < o_custkey reads the join's output: l_orderkey, l_quantity, o_orderkey, o_custkey */
    assert_int_equal(f->pred->args[0]->index, 1);
    assert_int_equal(f->pred->args[1]->index, 3);
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

static sli_plan *optimized_sql(const char *sql)
{
    sl_frame *f = sl_frame_from_sql(ctx, sql, "test");
    if (!f) fail_msg("sql failed: %s", sl_context_last_error(ctx));
    sli_plan *p = NULL;
    assert_int_equal(sli_optimize(ctx, f->plan, &p), SL_OK);
    sl_frame_destroy(f);
    return p;
}

/* Conditions common to every OR branch come out of the OR and are pushed
 * into the join's inputs; what differs stays an OR. */
static void test_or_factor_pushdown(void **state)
{
    (void)state;
    sli_plan *p = optimized("table(\"lineitem\").join(table(\"orders\"), l_orderkey = o_orderkey)"
                            ".where((l_quantity > 10 and o_orderstatus = 'F' and l_discount < 0.05)"
                            " or (o_orderstatus = 'F' and l_quantity > 10 and l_discount > 0.08))"
                            ".select(l_orderkey)");
    assert_int_equal(p->kind, SLI_PLAN_PROJECT);
    const sli_plan *j = p->in[0];
    assert_int_equal(j->kind, SLI_PLAN_JOIN);
    /* left: l_quantity > 10 and (l_discount < 0.05 or l_discount > 0.08) */
    const sli_plan *lf = j->in[0];
    assert_int_equal(lf->kind, SLI_PLAN_FILTER);
    assert_int_equal(lf->pred->op, SLI_OP_AND);
    int nor = (lf->pred->args[0]->op == SLI_OP_OR) + (lf->pred->args[1]->op == SLI_OP_OR);
    assert_int_equal(nor, 1);
    /* right: o_orderstatus = 'F' alone, under a projection that drops o_orderstatus */
    assert_int_equal(j->in[1]->kind, SLI_PLAN_PROJECT);
    assert_int_equal(j->in[1]->ncols, 1);
    const sli_plan *rf = j->in[1]->in[0];
    assert_int_equal(rf->kind, SLI_PLAN_FILTER);
    assert_int_equal(rf->pred->op, SLI_OP_EQ);
    sli_plan_unref(p);
}

/* A branch that is all common conjuncts makes the OR true: only they stay. */
static void test_or_factor_absorbs(void **state)
{
    (void)state;
    sli_plan *p = optimized("table(\"exams\").where((result > 50 and id < 3) or result > 50)");
    assert_int_equal(p->kind, SLI_PLAN_FILTER);
    assert_int_equal(p->pred->op, SLI_OP_GT);
    sli_plan_unref(p);
    /* nothing common: the OR stays whole */
    p = optimized("table(\"exams\").where((result > 50 and id < 3) or (result > 60 and id < 3 + 1))");
    assert_int_equal(p->kind, SLI_PLAN_FILTER);
    assert_int_equal(p->pred->op, SLI_OP_OR);
    sli_plan_unref(p);
}

/* SQL: a join equality written inside every OR branch (TPC-H Q19) links the
 * comma-joined tables. */
static void test_or_factor_sql_join(void **state)
{
    (void)state;
    sli_plan *p = optimized_sql("select count(*) as n from lineitem, orders"
                                " where (l_orderkey = o_orderkey and l_quantity < 10)"
                                " or (l_orderkey = o_orderkey and o_orderstatus = 'O')");
    const sli_plan *j = p;
    while (j && j->kind != SLI_PLAN_JOIN) j = j->in[0];
    assert_non_null(j);
    assert_int_equal(j->jtype, SLI_JOIN_INNER);
    assert_int_equal(j->nkeys, 1);
    sli_plan_unref(p);
}

/* The larger input of an inner join moves to the probe side; a projection
 * keeps the join's output columns in their written order. */
static void test_join_side_swap(void **state)
{
    (void)state;
    sli_plan *p = optimized("table(\"orders\").join(table(\"lineitem\"), o_orderkey = l_orderkey)"
                            ".select(o_orderkey, o_custkey, l_quantity)");
    assert_int_equal(p->ncols, 3);
    assert_string_equal(p->names[0], "o_orderkey");
    assert_string_equal(p->names[2], "l_quantity");
    assert_int_equal(p->kind, SLI_PLAN_PROJECT);
    const sli_plan *j = p->in[0];
    while (j->kind == SLI_PLAN_PROJECT) j = j->in[0];
    assert_int_equal(j->kind, SLI_PLAN_JOIN);
    assert_scan(j->in[0], "lineitem", "l_orderkey,l_quantity");
    assert_scan(j->in[1], "orders", "o_orderkey,o_custkey");
    assert_string_equal(j->in[0]->names[j->lkeys[0]->index], "l_orderkey");
    assert_string_equal(j->in[1]->names[j->rkeys[0]->index], "o_orderkey");
    /* the estimate: 5896 lineitem rows against 1500 orders */
    assert_true(sli_opt_estimate_rows(j->in[0]) > sli_opt_estimate_rows(j->in[1]));
    sli_plan_unref(p);
}

/* Filters count: lineitem with two equalities (5896 * 0.1 * 0.1 = 59 rows)
 * is the smaller side and stays the build; a left join never swaps. */
static void test_join_side_keeps(void **state)
{
    (void)state;
    sli_plan *p =
        optimized("table(\"orders\").join(table(\"lineitem\").where(l_quantity = 1 and l_linenumber = 1),"
                  " o_orderkey = l_orderkey)");
    assert_int_equal(p->kind, SLI_PLAN_JOIN);
    assert_int_equal(p->in[1]->kind, SLI_PLAN_FILTER);
    assert_scan(p->in[1]->in[0], "lineitem",
                "l_orderkey,l_partkey,l_suppkey,l_linenumber,l_quantity,"
                "l_extendedprice,l_discount,l_tax,l_returnflag,l_linestatus,"
                "l_shipdate,l_shipmode");
    assert_true(sli_opt_estimate_rows(p->in[1]) < 60.0 && sli_opt_estimate_rows(p->in[1]) > 58.0);
    sli_plan_unref(p);
    p = optimized_sql(
        "select o_orderkey, l_quantity from orders left join lineitem on o_orderkey = l_orderkey");
    const sli_plan *j = p;
    while (j->kind != SLI_PLAN_JOIN) j = j->in[0];
    assert_int_equal(j->jtype, SLI_JOIN_LEFT);
    assert_scan(j->in[0], "orders", "o_orderkey");
    sli_plan_unref(p);
}

/* The scan under filters and renames. */
static const sli_plan *leaf_scan(const sli_plan *p)
{
    while (p->kind == SLI_PLAN_FILTER || p->kind == SLI_PLAN_PROJECT) p = p->in[0];
    return p;
}

/* The name of join key k on side `side`. */
static const char *key_name(const sli_plan *j, int side, size_t k)
{
    const sli_expr *e = side ? j->rkeys[k] : j->lkeys[k];
    assert_int_equal(e->kind, SLI_EX_COLUMN);
    return j->in[side]->names[e->index];
}

/* Three leaves with one key class {l_orderkey, o1.o_orderkey, o2.o_orderkey}
 * (domain: the 1500 orders). Estimates: lineitem 5896, o1 1500, o2 150
 * (o_custkey = 1). Cheapest: o1 probes o2 (1500 + 2 * 150), lineitem probes
 * that result (5896 + 2 * 150): a build side that is itself a join. The
 * output columns keep the query's order through a projection. */
static void test_join_order_bushy(void **state)
{
    (void)state;
    static const char *const q =
        "select l_quantity, o1.o_totalprice, o2.o_orderdate from lineitem, orders o1, orders o2 "
        "where l_orderkey = o1.o_orderkey and o1.o_orderkey = o2.o_orderkey "
        "and o2.o_custkey = 1";
    sli_plan *p = optimized_sql(q);
    assert_int_equal(p->ncols, 3);
    assert_string_equal(p->names[0], "l_quantity");
    const sli_plan *j = p;
    while (j->kind != SLI_PLAN_JOIN) j = j->in[0];
    assert_true(j->ordered);
    assert_int_equal(leaf_scan(j->in[0])->kind, SLI_PLAN_SCAN);
    assert_string_equal(leaf_scan(j->in[0])->table->name, "lineitem");
    assert_int_equal(j->nkeys, 1);
    assert_string_equal(key_name(j, 0, 0), "l_orderkey");
    const sli_plan *b = j->in[1];
    while (b->kind == SLI_PLAN_PROJECT) b = b->in[0];
    assert_int_equal(b->kind, SLI_PLAN_JOIN);
    assert_int_equal(b->in[1]->kind, SLI_PLAN_PROJECT); /* o2 is a rename of orders */
    assert_int_equal(leaf_scan(b->in[1])->kind, SLI_PLAN_SCAN);
    sli_plan_unref(p);

    /* With --device opencl every build side is one table: lineitem probes
     * o2 first, on the key the query equates only through o1. */
    assert_int_equal(sl_context_set_device(ctx, SL_DEVICE_OPENCL, false), SL_OK);
    p = optimized_sql(q);
    assert_int_equal(sl_context_set_device(ctx, SL_DEVICE_CPU, false), SL_OK);
    j = p;
    while (j->kind != SLI_PLAN_JOIN) j = j->in[0];
    const sli_plan *lower = j->in[0];
    while (lower->kind == SLI_PLAN_PROJECT) lower = lower->in[0];
    assert_int_equal(lower->kind, SLI_PLAN_JOIN);
    assert_string_equal(leaf_scan(lower->in[0])->table->name, "lineitem");
    assert_int_equal(lower->in[1]->kind, SLI_PLAN_PROJECT);
    assert_int_equal(lower->in[1]->in[0]->kind, SLI_PLAN_FILTER); /* o2: o_custkey = 1 */
    assert_string_equal(key_name(lower, 0, 0), "l_orderkey");
    assert_string_equal(key_name(lower, 1, 0), "o2.o_orderkey");
    assert_int_equal(j->in[1]->kind, SLI_PLAN_SCAN);
    sli_plan_unref(p);
}

/* Join cardinality: a key/foreign-key join keeps the foreign side's rows
 * (lineitem against orders: 5896); a composite key unique in one table
 * ((l_orderkey, l_linenumber) of lineitem against itself) has that table's
 * rows as its domain, not the product of its parts' domains, which would
 * estimate 1 row for 5896 (and once built a hash table from all of TPC-H
 * Q9's lineitem). */
static void test_join_rows(void **state)
{
    (void)state;
    static const char *const qs[] = {
        "select l_quantity from orders, lineitem where o_orderkey = l_orderkey",
        "select a.l_quantity from lineitem a, lineitem b where a.l_orderkey = b.l_orderkey "
        "and a.l_linenumber = b.l_linenumber",
    };
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        sli_plan *p = optimized_sql(qs[i]);
        const sli_plan *j = p;
        while (j->kind != SLI_PLAN_JOIN) j = j->in[0];
        double est = sli_opt_join_rows(j);
        assert_true(est > 5896 * 0.9 && est < 5896 * 1.1);
        sli_plan_unref(p);
    }
}

/* An OR over both inputs of a join stays above it, and what it implies
 * about each input alone filters that input (TPC-H Q7's nations). */
static void test_or_implied_sides(void **state)
{
    (void)state;
    sli_plan *p =
        optimized_sql("select o1.o_orderkey from orders o1, orders o2 where o1.o_orderkey = o2.o_orderkey "
                      "and ((o1.o_custkey = 1 and o2.o_orderstatus = 'F') "
                      "or (o1.o_custkey = 2 and o2.o_orderstatus = 'O'))");
    const sli_plan *f = p;
    while (f->kind != SLI_PLAN_FILTER) f = f->in[0];
    assert_int_equal(f->pred->op, SLI_OP_OR);
    const sli_plan *j = f->in[0];
    while (j->kind != SLI_PLAN_JOIN) j = j->in[0];
    for (int side = 0; side < 2; side++) {
        const sli_plan *in = j->in[side];
        while (in->kind == SLI_PLAN_PROJECT) in = in->in[0];
        assert_int_equal(in->kind, SLI_PLAN_FILTER);
        assert_int_equal(in->pred->kind, SLI_EX_BINARY);
        assert_int_equal(in->pred->op, SLI_OP_OR);
        assert_int_equal(in->in[0]->kind, SLI_PLAN_SCAN);
    }
    sli_plan_unref(p);
}

/* The inner join under a semi or anti join, and the input of it that the
 * semi or anti join moved onto (NULL when it stayed above). */
static const sli_plan *moved_semi(const sli_plan *p, sli_join_type t)
{
    while (p->kind == SLI_PLAN_PROJECT || p->kind == SLI_PLAN_FILTER) p = p->in[0];
    if (p->kind != SLI_PLAN_JOIN || p->jtype != SLI_JOIN_INNER) return NULL;
    for (int k = 0; k < 2; k++) {
        const sli_plan *c = p->in[k];
        while (c->kind == SLI_PLAN_PROJECT) c = c->in[0];
        if (c->kind == SLI_PLAN_JOIN && c->jtype == t) return c;
    }
    return NULL;
}

/* A semi (anti) join whose keys use one input of the inner join below it
 * moves onto that input; keys over both inputs keep it above. */
static void test_semi_push(void **state)
{
    (void)state;
    static const char *const big =
        "let big = table(\"orders\").where(o_totalprice > 200000).select(o_orderkey as bk);\n";
    char text[512];
    snprintf(text, sizeof text,
             "%stable(\"lineitem\").join(table(\"orders\"), l_orderkey = o_orderkey)"
             ".join(big, o_custkey = bk, 'semi').select(l_orderkey, l_quantity, o_custkey)",
             big);
    sli_plan *p = optimized(text);
    const sli_plan *s = moved_semi(p, SLI_JOIN_SEMI);
    assert_non_null(s);
    assert_scan(s->in[0], "orders", "o_orderkey,o_custkey");
    assert_string_equal(s->in[0]->names[s->lkeys[0]->index], "o_custkey");
    sli_plan_unref(p);
    snprintf(text, sizeof text,
             "%stable(\"lineitem\").join(table(\"orders\"), l_orderkey = o_orderkey)"
             ".join(big, l_partkey = bk, 'anti').select(l_orderkey, o_custkey)",
             big);
    p = optimized(text);
    s = moved_semi(p, SLI_JOIN_ANTI);
    assert_non_null(s);
    assert_scan(s->in[0], "lineitem", "l_orderkey,l_partkey");
    sli_plan_unref(p);
    snprintf(text, sizeof text,
             "%stable(\"lineitem\").join(table(\"orders\"), l_orderkey = o_orderkey)"
             ".join(big, l_partkey + o_custkey = bk, 'semi').select(l_orderkey)",
             big);
    p = optimized(text);
    assert_null(moved_semi(p, SLI_JOIN_SEMI));
    const sli_plan *top = p;
    while (top->kind == SLI_PLAN_PROJECT) top = top->in[0];
    assert_int_equal(top->kind, SLI_PLAN_JOIN);
    assert_int_equal(top->jtype, SLI_JOIN_SEMI);
    sli_plan_unref(p);
}

/* Row estimates: table rows times 0.1 per equality and 0.3 per range, a
 * pair of ranges on one column (a BETWEEN) counting once. */
static void test_estimate_rows(void **state)
{
    (void)state;
    sli_plan *p = optimized("table(\"lineitem\").where(l_quantity >= 1 and l_quantity <= 10 and l_tax = 0)");
    assert_int_equal(p->kind, SLI_PLAN_FILTER);
    double est = sli_opt_estimate_rows(p);
    assert_true(est > 5896 * 0.03 - 0.01 && est < 5896 * 0.03 + 0.01);
    sli_plan_unref(p);
    p = optimized("table(\"lineitem\").groupBy(l_returnflag).agg(count(*) as n)");
    est = sli_opt_estimate_rows(p);
    assert_true(est > 589.5 && est < 589.7);
    sli_plan_unref(p);
}

/* Equality on a column first, then ranges, strings last. */
static void test_filter_order(void **state)
{
    (void)state;
    /* subject and name are dictionary-encoded: their comparisons with
     * literals rank as numbers would (an IN list, written as ORs of
     * equalities, as other comparisons); a comparison of two string
     * columns stays last */
    sli_plan *p = optimized("table(\"exams\").where(name = subject and subject = 'math' and result > 50 "
                            "and id = 3 and name in ('Ada', 'Chen'))");
    assert_int_equal(p->kind, SLI_PLAN_FILTER);
    /* ((((subject = 'math' and id = 3) and result > 50) and (name = 'Ada' or name = 'Chen')) and name =
     * subject) */
    const sli_expr *e = p->pred;
    const sli_expr *c[5];
    for (int i = 4; i > 0; i--) {
        assert_int_equal(e->op, SLI_OP_AND);
        c[i] = e->args[1];
        e = e->args[0];
    }
    c[0] = e;
    assert_int_equal(c[0]->op, SLI_OP_EQ);
    assert_int_equal(c[0]->args[0]->type.id, SL_TYPE_UTF8);
    assert_int_equal(c[1]->op, SLI_OP_EQ);
    assert_int_equal(c[1]->args[1]->lit.i, 3);
    assert_int_equal(c[2]->op, SLI_OP_GT);
    assert_true(c[3]->kind == SLI_EX_IN || c[3]->op == SLI_OP_OR);
    assert_int_equal(c[4]->op, SLI_OP_EQ);
    assert_int_equal(c[4]->args[1]->kind, SLI_EX_COLUMN);
    sli_plan_unref(p);
}

/* A string column of a Parquet file with a dictionary page in every row
 * group ranks as a number too; its equality goes before a range. */
static void test_filter_order_parquet(void **state)
{
    (void)state;
    assert_int_equal(
        sl_context_register_parquet(ctx, "small", SLUICE_SOURCE_DIR "/tests/data/small_snappy.parquet"),
        SL_OK);
    sli_plan *p = optimized("table(\"small\").where(qty > 3 and mode = 'AIR')");
    assert_int_equal(p->kind, SLI_PLAN_FILTER);
    assert_null(p->in[0]->table->parts); /* read from the file by each scan */
    assert_int_equal(p->pred->op, SLI_OP_AND);
    assert_int_equal(p->pred->args[0]->op, SLI_OP_EQ);
    assert_int_equal(p->pred->args[0]->args[0]->type.id, SL_TYPE_UTF8);
    assert_int_equal(p->pred->args[1]->op, SLI_OP_GT);
    sli_plan_unref(p);
}

/* A conjunct that can fail (a division) is a fence: the equality after it
 * must not move before it, the ones before it are ordered among themselves. */
static void test_filter_order_fence(void **state)
{
    (void)state;
    sli_plan *p =
        optimized("table(\"exams\").where(subject = 'math' and id = 1 and 100 / id > 5 and id = 3)");
    const sli_expr *e = p->pred; /* (((subject = 'math' and id = 1) and 100 / id > 5) and id = 3) */
    assert_int_equal(e->args[1]->op, SLI_OP_EQ);
    assert_int_equal(e->args[1]->args[1]->kind, SLI_EX_LITERAL);
    assert_int_equal(e->args[1]->args[1]->lit.i, 3);
    const sli_expr *f = e->args[0];
    assert_int_equal(f->args[1]->op, SLI_OP_GT);
    assert_int_equal(f->args[1]->args[0]->op, SLI_OP_DIV);
    /* subject (dictionary-encoded) = 'math' ranks with id = 1 and keeps its place */
    assert_int_equal(f->args[0]->args[0]->args[0]->type.id, SL_TYPE_UTF8);
    assert_int_equal(f->args[0]->args[1]->args[1]->lit.i, 1);
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
        cmocka_unit_test(test_push_through_computed_column),
        cmocka_unit_test(test_computed_test_pruned),
        cmocka_unit_test(test_merge_projections),
        cmocka_unit_test(test_merge_keeps_shared_computation),
        cmocka_unit_test(test_identity_projection_removed),
        cmocka_unit_test(test_into_join_sides),
        cmocka_unit_test(test_merge_and_sort),
        cmocka_unit_test(test_pipelines),
        cmocka_unit_test(test_or_factor_pushdown),
        cmocka_unit_test(test_or_factor_absorbs),
        cmocka_unit_test(test_or_factor_sql_join),
        cmocka_unit_test(test_join_side_swap),
        cmocka_unit_test(test_join_side_keeps),
        cmocka_unit_test(test_semi_push),
        cmocka_unit_test(test_join_order_bushy),
        cmocka_unit_test(test_or_implied_sides),
        cmocka_unit_test(test_join_rows),
        cmocka_unit_test(test_estimate_rows),
        cmocka_unit_test(test_filter_order),
        cmocka_unit_test(test_filter_order_fence),
        cmocka_unit_test(test_filter_order_parquet),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
