/*
 * q1.c — the TPC-H Q1 shape through the engine: a ship-date filter that
 * keeps about 98% of the rows, grouping by two one-character flags stored as
 * dictionary-encoded utf8 (as the CSV loader stores them), and eight
 * aggregates. Setup checks every group's sums exactly and its averages to a
 * relative 1e-9 against values computed directly from the generated arrays.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "bench_util.h"

static const char q1_plan[] = "table(\"lineitem\")\n"
                              "  .where(l_shipdate <= date '1998-09-02')\n"
                              "  .groupBy(l_returnflag, l_linestatus)\n"
                              "  .agg(sum(l_quantity) as sum_qty,\n"
                              "       sum(l_extendedprice) as sum_base_price,\n"
                              "       sum(l_extendedprice * (1 - l_discount)) as sum_disc_price,\n"
                              "       sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) as sum_charge,\n"
                              "       avg(l_quantity) as avg_qty,\n"
                              "       avg(l_extendedprice) as avg_price,\n"
                              "       avg(l_discount) as avg_disc,\n"
                              "       count(*) as count_order)\n"
                              "  .orderBy(l_returnflag, l_linestatus)\n";

/* The expected aggregates of one group; sums at the scale the engine gives. */
typedef struct q1_group {
    char flag, status;
    __int128 qty, price, disc_price, charge, disc; /* scales 2, 2, 4, 6, 2 */
    int64_t count;
} q1_group;

/* @return slot of the group (flag, status) in g[0..*n), adding it if new. */
static q1_group *group_of(q1_group *g, size_t *n, char flag, char status)
{
    for (size_t k = 0; k < *n; k++)
        if (g[k].flag == flag && g[k].status == status) return &g[k];
    memset(&g[*n], 0, sizeof g[*n]);
    g[*n].flag = flag;
    g[*n].status = status;
    return &g[(*n)++];
}

static bool near(double got, double expect)
{
    return fabs(got - expect) <= 1e-9 * fabs(expect);
}

/* Checks one result row against its expected group. */
static bool check_row(const sl_result *r, size_t row, const q1_group *g, char *err, size_t cap)
{
    const int64_t sums[4] = {(int64_t)g->qty, (int64_t)g->price, (int64_t)g->disc_price, (int64_t)g->charge};
    const int scales[4] = {2, 2, 4, 6};
    for (size_t k = 0; k < 4; k++) {
        if (!sli_bench_check_column(r, 2 + k, SL_TYPE_DECIMAL, scales[k], err, cap)) return false;
        if (sl_result_get_int64(r, 2 + k, row) != sums[k])
            return sli_bench_fail(err, cap, "group %c%c: %s = %" PRId64 ", expected %" PRId64, g->flag,
                                  g->status, sl_result_column_name(r, 2 + k),
                                  sl_result_get_int64(r, 2 + k, row), sums[k]),
                   false;
    }
    const double avgs[3] = {(double)g->qty / 100.0 / (double)g->count,
                            (double)g->price / 100.0 / (double)g->count,
                            (double)g->disc / 100.0 / (double)g->count};
    for (size_t k = 0; k < 3; k++)
        if (!near(sl_result_get_double(r, 6 + k, row), avgs[k]))
            return sli_bench_fail(err, cap, "group %c%c: %s = %.17g, expected %.17g", g->flag, g->status,
                                  sl_result_column_name(r, 6 + k), sl_result_get_double(r, 6 + k, row),
                                  avgs[k]),
                   false;
    if (sl_result_get_int64(r, 9, row) != g->count)
        return sli_bench_fail(err, cap, "group %c%c: count %" PRId64 ", expected %" PRId64, g->flag,
                              g->status, sl_result_get_int64(r, 9, row), g->count),
               false;
    return true;
}

/* Checks the whole result: one row per expected group, in flag/status order. */
static bool check_result(const sl_result *r, q1_group *g, size_t n, char *err, size_t cap)
{
    if (sl_result_column_count(r) != 10)
        return sli_bench_fail(err, cap, "Q1 returned %zu columns, expected 10", sl_result_column_count(r)),
               false;
    if (sl_result_row_count(r) != n)
        return sli_bench_fail(err, cap, "Q1 returned %zu groups, expected %zu", sl_result_row_count(r), n),
               false;
    /* sort the expected groups as the plan's orderBy does */
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && (g[b - 1].flag > g[b].flag ||
                                     (g[b - 1].flag == g[b].flag && g[b - 1].status > g[b].status));
             b--) {
            q1_group t = g[b];
            g[b] = g[b - 1];
            g[b - 1] = t;
        }
    for (size_t row = 0; row < n; row++) {
        size_t fl = 0, sl = 0;
        const char *f = sl_result_get_string(r, 0, row, &fl);
        const char *s = sl_result_get_string(r, 1, row, &sl);
        if (!f || !s || fl != 1 || sl != 1 || f[0] != g[row].flag || s[0] != g[row].status)
            return sli_bench_fail(err, cap, "Q1 row %zu is not group %c%c", row, g[row].flag, g[row].status),
                   false;
        if (!check_row(r, row, &g[row], err, cap)) return false;
    }
    return true;
}

void *sli_bench_q1_setup(char *err, size_t cap)
{
    sli_bench_lineitem li;
    if (!sli_bench_lineitem_generate(SLI_BENCH_ROWS, SLI_BENCH_SEED, &li))
        return sli_bench_fail(err, cap, "out of memory generating lineitem");

    const int32_t cut = sli_bench_days(1998, 9, 2);
    q1_group g[8];
    size_t n = 0;
    for (size_t i = 0; i < li.rows; i++) {
        if (li.shipdate[i] > cut) continue;
        q1_group *x = group_of(g, &n, li.returnflag[i], li.linestatus[i]);
        __int128 disc_price = (__int128)li.extendedprice[i] * (100 - li.discount[i]);
        x->qty += li.quantity[i];
        x->price += li.extendedprice[i];
        x->disc_price += disc_price;
        x->charge += disc_price * (100 + li.tax[i]);
        x->disc += li.discount[i];
        x->count++;
    }

    sli_bench_query *q = sli_bench_query_create(q1_plan, err, cap);
    const sli_bench_col cols[] = {
        {"l_quantity", {SL_TYPE_DECIMAL, 15, 2}, li.quantity},
        {"l_extendedprice", {SL_TYPE_DECIMAL, 15, 2}, li.extendedprice},
        {"l_discount", {SL_TYPE_DECIMAL, 15, 2}, li.discount},
        {"l_tax", {SL_TYPE_DECIMAL, 15, 2}, li.tax},
        {"l_returnflag", {SL_TYPE_UTF8, 0, 0}, li.returnflag},
        {"l_linestatus", {SL_TYPE_UTF8, 0, 0}, li.linestatus},
        {"l_shipdate", {SL_TYPE_DATE32, 0, 0}, li.shipdate},
    };
    bool ok = q && sli_bench_add_table(q->ctx, "lineitem", cols, 7, li.rows, err, cap);
    sli_bench_lineitem_free(&li);
    sl_result *r = ok ? sli_bench_query_collect(q, err, cap) : NULL;
    ok = r && check_result(r, g, n, err, cap);
    if (ok)
        q->expect = r; /* the answer every thread count is compared with */
    else
        sl_result_destroy(r);
    if (!ok) {
        sli_bench_query_free(q);
        return NULL;
    }
    return q;
}
