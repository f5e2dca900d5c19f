/*
 * q6.c — the TPC-H Q6 shape through the engine: four lineitem columns
 * (date32 and three decimal(15,2)), a ship-date year, a discount range and a
 * quantity bound, and the sum of price x discount. Setup checks the engine's
 * sum against one computed directly from the generated arrays.
 */
#include <inttypes.h>

#include "bench_util.h"

static const char q6_plan[] = "table(\"lineitem\")\n"
                              "  .where(l_shipdate >= date '1994-01-01' and l_shipdate < date '1995-01-01'\n"
                              "         and l_discount between 0.05 and 0.07 and l_quantity < 24)\n"
                              "  .agg(sum(l_extendedprice * l_discount) as revenue)\n";

void *sli_bench_q6_setup(char *err, size_t cap)
{
    sli_bench_lineitem li;
    if (!sli_bench_lineitem_generate(SLI_BENCH_ROWS, SLI_BENCH_SEED, &li))
        return sli_bench_fail(err, cap, "out of memory generating lineitem");

    /* the answer, straight from the arrays (scale 2 x scale 2 = scale 4) */
    const int32_t lo = sli_bench_days(1994, 1, 1), hi = sli_bench_days(1995, 1, 1);
    __int128 expect = 0;
    for (size_t i = 0; i < li.rows; i++)
        if (li.shipdate[i] >= lo && li.shipdate[i] < hi && li.discount[i] >= 5 && li.discount[i] <= 7 &&
            li.quantity[i] < 2400)
            expect += (__int128)li.extendedprice[i] * li.discount[i];

    sli_bench_query *q = sli_bench_query_create(q6_plan, err, cap);
    const sli_bench_col cols[] = {
        {"l_quantity", {SL_TYPE_DECIMAL, 15, 2}, li.quantity},
        {"l_extendedprice", {SL_TYPE_DECIMAL, 15, 2}, li.extendedprice},
        {"l_discount", {SL_TYPE_DECIMAL, 15, 2}, li.discount},
        {"l_shipdate", {SL_TYPE_DATE32, 0, 0}, li.shipdate},
    };
    bool ok = q && sli_bench_add_table(q->ctx, "lineitem", cols, 4, li.rows, err, cap);
    sli_bench_lineitem_free(&li);
    if (!ok) {
        sli_bench_query_free(q);
        return NULL;
    }

    sl_result *r = sli_bench_query_collect(q, err, cap);
    ok = r && sli_bench_check_column(r, 0, SL_TYPE_DECIMAL, 4, err, cap);
    if (ok && sl_result_row_count(r) != 1) {
        sli_bench_fail(err, cap, "Q6 returned %zu rows, expected 1", sl_result_row_count(r));
        ok = false;
    }
    if (ok && (__int128)sl_result_get_int64(r, 0, 0) != expect) {
        sli_bench_fail(err, cap, "Q6 revenue %" PRId64 " differs from the expected %" PRId64 " (scale 4)",
                       sl_result_get_int64(r, 0, 0), (int64_t)expect);
        ok = false;
    }
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
